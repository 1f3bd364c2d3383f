"""The organiser's results: dashboard, report (HTML/PDF), newsletter; and the public page."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from indagine.charts.shares import responses_over_time
from indagine.collect import responses
from indagine.forms import languages
from indagine.results import editions, letters, report, services
from indagine.results.codes import ResultsError
from indagine.results.models import ApiToken, Publication
from indagine.surveys.access import VIEW, organiser
from indagine.surveys.models import Survey
from indagine.web.params import small_number


def _survey(slug: str) -> Survey:
    return get_object_or_404(
        Survey.objects.select_related("current_version"), slug=slug, current_version__isnull=False
    )


def _view(request: HttpRequest, tests: bool = False) -> services.View:
    """The view asked for; test responses counted only where `tests` allows it (the
    dashboard: never the report or the letter, which members read)."""
    segment = request.GET.get("segment", "")
    question, _, choice = segment.partition(":")
    return services.View(
        weighted=request.GET.get("weighted") == "1",
        segment=(question, choice) if question and choice else None,
        tests=tests and request.GET.get("tests") == "1",
    )


def _lang(request: HttpRequest) -> str:
    return languages.or_default(request.GET.get("lang") or translation.get_language())


HOURLY_DAYS = 3
"""Up to this many days of complete responses, the chart and its table go by the hour."""


def _added_up(days: list[tuple[Any, int]]) -> list[tuple[Any, int, int]]:
    """Each day's complete responses and the total so far: the chart's table."""
    out, total = [], 0
    for day, count in days:
        total += count
        out.append((day, count, total))
    return out


def _toggled(request: HttpRequest, tests: str | None) -> str:
    """The page's query with test responses included (`"1"`) or left out (None)."""
    query = request.GET.copy()
    query.pop("fragment", None)
    query.pop("tests", None)
    if tests:
        query["tests"] = tests
    return query.urlencode()


def _trend(survey: Survey, tests: bool) -> dict[str, Any]:
    """The complete responses over time: the chart, its table and whether both go by the
    hour (the first days, when every answer would sit in one or two daily bins)."""
    days: list[tuple[Any, int]] = services.responses_by_day(survey, tests)
    hourly = 0 < len(days) <= HOURLY_DAYS and not survey.anonymous
    if hourly:
        days = list(services.responses_by_hour(survey, tests))
    chart = ""
    if days:
        chart = responses_over_time(
            [d for d, _ in days],
            [n for _, n in days],
            title=translation.gettext("Complete responses over time"),
        )
    return {"trend": mark_safe(chart), "days": _added_up(days), "hourly": hourly}


def _cross(
    survey: Survey, item: str, by: str, view: services.View, lang: str
) -> tuple[services.CrossView | None, str]:
    """The crosstab of `item` by `by` (None unless both are given), and why it cannot be."""
    cross, cross_error = None, ""
    if item and by:
        try:
            cross = services.crosstab(survey, item, by, view, lang)
        except ResultsError as error:
            cross_error = str(error)
    return cross, cross_error


def _crossable(survey: Survey, lang: str) -> list[tuple[str, str]]:
    """What a crosstab can take as item or group: each single choice asked once, labelled."""
    return [
        (q.name, q.label.get(lang, q.label.get("it")))
        for q in survey.current_version.form.questions()
        if q.type.value == "select_one" and not q.repeat
    ]


@organiser(VIEW)
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    lang = _lang(request)
    view = _view(request, tests=True)
    with services.one_look():  # the snapshot checked against the database once for the page
        try:
            found = services.findings(survey, view)
        except ResultsError as error:  # a segment that does not exist: no such page
            raise Http404(str(error)) from None
        trend = _trend(survey, view.tests)
        compared = (
            editions.compared(survey, found, view.weighted)
            if not view.segment and not view.tests
            else ()
        )
        duration = services.median_duration(survey, view.tests)
        item, by = request.GET.get("item", ""), request.GET.get("by", "")
        cross, cross_error = _cross(survey, item, by, view, lang)
    context = {
        **report.report_context(
            found,
            lang=lang,
            title=survey.title,
            stage="interim",
            trends=compared,
            is_open=survey.is_accepting(),
        ),
        "survey": survey,
        "view": view,
        "segment": request.GET.get("segment", ""),
        "segments": services.segment_choices(survey),
        "drop_off": services.drop_off(survey),
        "duration": duration,
        **trend,
        "refreshed": timezone.now(),
        "cross": cross,
        "refresh_every": max(2, small_number(request.GET.get("every")) or 15),
        "cross_error": cross_error,
        "item": item,
        "by": by,
        "crossable": _crossable(survey, lang),
        "query": request.GET.urlencode(),
        "tests": responses.test_count(survey),
        "with_tests": _toggled(request, "1"),
        "without_tests": _toggled(request, None),
    }
    # The body's ETag is a digest of what it shows: the page's script asks again with it and
    # gets 304 until the figures change, so an organiser's open sections stay open.
    body = render_to_string("results/dashboard_body.html", context, request)
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'
    if request.GET.get("fragment"):
        reply = HttpResponse(body)
        reply["ETag"] = etag
        patch_cache_control(reply, private=True, no_cache=True)
        return get_conditional_response(request, etag=etag, response=reply)
    return render(
        request, "results/dashboard.html", {**context, "body": mark_safe(body), "etag": etag}
    )


@organiser(VIEW)
def report_file(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    survey = _survey(slug)
    lang = _lang(request)
    stage = "final" if request.GET.get("stage") == "final" else "interim"
    view = _view(request)
    found = services.findings(survey, view)
    html = report.render_html(
        found,
        lang=lang,
        title=survey.title,
        stage=stage,
        testimonies=services.testimonies(survey),
        trends=editions.compared(survey, found, view.weighted) if not view.segment else (),
        is_open=survey.is_accepting(),
    )
    if fmt == "pdf":
        reply = HttpResponse(report.render_pdf(html), content_type="application/pdf")
        reply["Content-Disposition"] = f'attachment; filename="{slug}-report-{lang}.pdf"'
        return reply
    return HttpResponse(html)


@organiser(VIEW)
def newsletter(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    survey = _survey(slug)
    letter = letters.letter_for(
        survey,
        lang=_lang(request),
        stage="final" if request.GET.get("stage") == "final" else "interim",
    )  # the link to the survey starts with the site's public address, as the emails' do
    if fmt == "md":
        reply = HttpResponse(letter.markdown, content_type="text/markdown; charset=utf-8")
        reply["Content-Disposition"] = f'attachment; filename="{slug}-newsletter.md"'
        return reply
    # each number links to the table behind it, in the report
    report_url = reverse("results:report", args=[slug, "html"]) + f"?lang={letter.lang}"
    linked = letter.html.replace('href="#', f'href="{report_url}#')
    return render(
        request,
        "results/newsletter.html",
        {"survey": survey, "letter": letter, "html": mark_safe(linked)},
    )


@organiser(VIEW, somewhere=True)
@require_POST
def issue_token(request: HttpRequest) -> HttpResponse:
    _, key = ApiToken.issue(request.user, request.POST.get("name", "")[:100] or "token")
    text = translation.gettext("API token (shown once, keep it): %(key)s")
    messages.success(request, text % {"key": key})
    return redirect("surveys:list")


def public(request: HttpRequest, slug: str) -> HttpResponse:
    """Published findings only: no raw answers; nothing shown below the minimum group size."""
    survey = _survey(slug)
    publication = Publication.objects.filter(survey=survey, enabled=True).first()
    if publication is None:
        raise Http404("not published")
    lang = _lang(request)
    translation.activate(lang)
    found = services.findings(survey)
    context = report.report_context(found, lang=lang, title=survey.title, stage="interim")
    chosen = set(publication.findings)
    enough = found.n >= publication.min_segment
    context["sections"] = [
        s
        for s in context["sections"]
        if enough
        and (not chosen or s.finding.key in chosen)
        # respondents, not a repeat's entries: ten sites of one member are one member
        and s.finding.base.respondents >= publication.min_segment
    ]
    context["contrasts"] = [
        c for c in found.contrasts if c.segment_share.n >= publication.min_segment
    ]
    context.update(
        survey=survey, enough=enough, minimum=publication.min_segment, published_on=dt.date.today()
    )
    return render(request, "results/public.html", context)
