"""The organiser's preview of a survey's pages, as a respondent sees them: nothing is stored."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from indagine.collect import pages
from indagine.forms.model import Form
from indagine.surveys import editor
from indagine.surveys.access import VIEW, organiser
from indagine.surveys.models import Survey
from indagine.web.csp import CSP, framed_policy
from indagine.web.params import small_number


@organiser(VIEW)
def survey_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The pages as a respondent sees them; nothing is stored."""
    survey = get_object_or_404(Survey, slug=slug, current_version__isnull=False)
    return _preview(request, survey, survey.current_version.form)


@organiser(VIEW)
@xframe_options_sameorigin
def draft_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The questionnaire as the editor holds it (changes not yet in a version included), at a
    phone's width beside the editor, which frames it (this page alone may be framed, and only
    by the site's own pages)."""
    survey = get_object_or_404(Survey, slug=slug, current_version__isnull=False)
    form = editor.current(survey).loaded.form or survey.current_version.form
    reply = _preview(request, survey, form, framed=True)
    reply[CSP] = framed_policy()
    return reply


def _preview(
    request: HttpRequest, survey: Survey, form: Form, framed: bool = False
) -> HttpResponse:
    lang = request.GET.get("lang") or form.default_language
    if lang not in form.languages:
        lang = form.default_language
    requested = small_number(request.GET.get("page"))
    index = requested if requested is not None and requested < len(form.pages) else 0
    images = pages.images_address(survey.slug, survey.current_version.number)
    # one instance of each repeat a respondent adds to: its questions shown, as they are asked
    sample: dict[str, Any] = {n: [{}] for n, r in form.pages[index].repeats.items() if not r.count}
    context = pages.page_context(
        survey, form, index, sample, lang, errors=(), key="preview", raw=None, images=images
    )
    context["preview"] = True
    context["framed"] = framed
    context["next_index"] = index + 1 if index + 1 < len(form.pages) else None
    context["previous_index"] = index - 1 if index > 0 else None
    return render(request, "collect/preview.html", context)
