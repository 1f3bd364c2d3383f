"""The survey's editions page: a new edition, how this edition's questions match the one
before, and earlier editions known only from their published tables (`surveys.editions`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from indagine.surveys import access, editions, services
from indagine.surveys.access import CHANGE, VIEW, organiser
from indagine.surveys.codes import SurveyCode
from indagine.surveys.models import Survey


@organiser(VIEW)
def editions_page(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("current_version"), slug=slug)
    if request.method == "POST":
        return _act(request, survey)
    earlier = editions.earlier_form(survey)
    matched = editions.matches(survey, earlier)
    form = survey.current_version.form if survey.current_version else None
    rows = []
    for question in editions.compared(form) if form else []:
        rows.append(
            {
                "name": question.name,
                "label": question.label.get(form.default_language) if form else "",
                "matched": matched.get(question.name, ""),
            }
        )
    # an earlier survey the organiser may not see is named by its label alone, its questions
    # by their names (its figures are part of this survey's results: docs/stats.md)
    sees = survey.edition_of is not None and access.may(request.user, VIEW, survey.edition_of)
    offered = (
        [
            (q.name, q.label.get(earlier.default_language) if sees else "")
            for q in editions.compared(earlier)
        ]
        if earlier is not None
        else []
    )
    line = [
        {
            "label": e.label,
            "survey": e.survey if e.survey and access.may(request.user, VIEW, e.survey) else None,
            "past": e.past,
        }
        for e in editions.editions(survey)
    ]
    return render(
        request,
        "surveys/editions.html",
        {
            "survey": survey,
            "line": line,
            "rows": rows,
            "offered": offered,
            "changes": access.may(request.user, CHANGE, survey),
            "creates": access.may(request.user, CHANGE),
        },
    )


def _act(request: HttpRequest, survey: Survey) -> HttpResponse:
    action = request.POST.get("action", "")
    back = reverse("surveys:editions", args=[survey.slug])
    try:
        if action == "new":
            if not access.may(request.user, CHANGE):  # a new survey: every survey's right
                raise PermissionDenied
            title = request.POST.get("title", "").strip() or survey.title
            slug = request.POST.get("slug", "").strip() or slugify(title)[:80]
            made = editions.new_edition(
                survey,
                slug,
                title,
                request.POST.get("label", ""),
                panel=request.POST.get("panel") == "on",
                user=request.user,
            )
            messages.success(request, _("The next edition is ready to edit."))
            return redirect("surveys:edit", slug=made.slug)
        if not access.may(request.user, CHANGE, survey):
            raise PermissionDenied
        if action == "matches":
            chosen = {
                key.removeprefix("match-"): value
                for key, value in request.POST.items()
                if key.startswith("match-")
            }
            editions.set_matches(survey, chosen, request.user)
            messages.success(request, _("Matching saved."))
        elif action == "past":
            upload = request.FILES.get("file")
            if upload is None or upload.size > editions.MAX_PAST_BYTES:
                raise services.SurveyError(
                    SurveyCode.EDITION_CSV, _("Choose a CSV file of at most 2 MB.")
                )
            past = editions.add_past(
                survey, request.POST.get("label", ""), upload.read(), request.user
            )
            messages.success(request, _("Edition %(label)s added.") % {"label": past.label})
        else:
            return HttpResponse(status=404)
    except services.SurveyError as refused:
        messages.error(request, f"{refused.message} ({refused.code})")
        for problem in refused.problems[:20]:
            messages.error(request, problem)
    return redirect(back)
