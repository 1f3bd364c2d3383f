"""The organiser's preview of a survey's pages, as a respondent sees them: nothing is stored."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from indagine.collect import pages
from indagine.surveys.access import VIEW, organiser
from indagine.surveys.models import Survey
from indagine.web.params import small_number


@organiser(VIEW)
def survey_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The pages as a respondent sees them; nothing is stored."""
    survey = get_object_or_404(Survey, slug=slug, current_version__isnull=False)
    form = survey.current_version.form
    lang = request.GET.get("lang") or form.default_language
    requested = small_number(request.GET.get("page"))
    index = requested if requested is not None and requested < len(form.pages) else 0
    images = pages.images_address(slug, survey.current_version.number)
    # one instance of each repeat a respondent adds to: its questions shown, as they are asked
    sample: dict[str, Any] = {n: [{}] for n, r in form.pages[index].repeats.items() if not r.count}
    context = pages.page_context(
        survey, form, index, sample, lang, errors=(), key="preview", raw=None, images=images
    )
    context["preview"] = True
    context["next_index"] = index + 1 if index + 1 < len(form.pages) else None
    context["previous_index"] = index - 1 if index > 0 else None
    return render(request, "collect/preview.html", context)
