"""The organiser's responses pages: the table (filtered, a page at a time), one response with
its timeline, deleting one after confirmation, marking one as a test, deleting every test
response, and downloading them in each export format. Thin views over `collect.responses` and
`collect.exports`."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indagine.collect import exports, hooks, responses
from indagine.collect.markup import answer_text
from indagine.collect.models import Response
from indagine.forms import languages
from indagine.forms.model import Form, Question, QuestionType
from indagine.surveys.access import CHANGE, VIEW, organiser
from indagine.surveys.models import Survey
from indagine.surveys.services import audit
from indagine.web.params import small_number

PER_PAGE = 50
DOWNLOADS = {  # what the download form offers: (format, labels instead of codes)
    "csv": ("csv", False),
    "csv-labels": ("csv", True),
    "xlsx": ("xlsx", False),
    "xlsx-labels": ("xlsx", True),
    "sav": ("sav", False),
    "dta": ("dta", False),
    "parquet": ("parquet", False),
}
_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "parquet": "application/vnd.apache.parquet",
}


def _survey(slug: str) -> Survey:
    return get_object_or_404(
        Survey.objects.select_related("current_version"), slug=slug, current_version__isnull=False
    )


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return None


def _filter(query: QueryDict, form: Form) -> responses.Filter:
    """The filter the query asks for; what it cannot mean is left out, never a server error."""
    question, _, choice = query.get("segment", "").partition(":")
    asked = form.question(question) if question else None
    segment = None
    if asked is not None and asked.type is QuestionType.SELECT_ONE and asked.choice(choice):
        segment = (question, choice)
    return responses.Filter(
        status=query.get("status", "") if query.get("status") in responses.STATUSES else "",
        since=_day(query.get("since")),
        until=_day(query.get("until")),
        segment=segment,
        words=query.get("q", "")[:200],
        tests=query.get("tests") == "1",
        only_tests=query.get("tests") == "only",
    )


def _lang(request: HttpRequest, form: Form) -> str:
    """The organiser's language when the form has labels in it, else the form's default."""
    lang = languages.or_default(translation.get_language())
    return lang if lang in form.languages else form.default_language


def _segments(form: Form, lang: str) -> list[tuple[str, str]]:
    """The filter's choices of a profile answer: ("question:choice", "Question: Choice")."""
    from indagine.analysis.compute import default_profile

    out = []
    for name in default_profile(form):
        question = form.question(name)
        if question is None or question.type is not QuestionType.SELECT_ONE:
            continue
        label = question.label.get(lang, question.label.get(form.default_language)) or name
        for choice in question.choices:
            text = choice.label.get(lang, choice.label.get(form.default_language)) or choice.name
            out.append((f"{name}:{choice.name}", f"{label}: {text}"))
    return out


@organiser(VIEW)
def response_list(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    form = survey.current_version.form
    wanted = _filter(request.GET, form)
    rows = responses.chosen(survey, form, wanted).select_related("form_version")
    pages = Paginator(rows.only(*_LISTED), PER_PAGE)
    page = pages.get_page(small_number(request.GET.get("page")) or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "collect/responses.html",
        {
            "survey": survey,
            "page": page,
            "wanted": wanted,
            "query": query.urlencode(),
            "segment": request.GET.get("segment", ""),
            "segments": _segments(form, _lang(request, form)),
            "tests": responses.test_count(survey),
        },
    )


_LISTED = (
    "pk", "status", "test", "language", "source", "page", "updated_at", "completed_at",
    "form_version__number",
)  # fmt: skip


def _response(survey: Survey, pk: int) -> Response:
    return get_object_or_404(Response.objects.select_related("form_version"), survey=survey, pk=pk)


@organiser(VIEW)
def response_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    survey = _survey(slug)
    response = _response(survey, pk)
    form = response.form_version.form
    lang = _lang(request, form)
    answers = _answer_rows(form, response.answers, lang)
    pages = form.pages
    reached = pages[min(response.page, len(pages) - 1)] if pages else None
    return render(
        request,
        "collect/response.html",
        {
            "survey": survey,
            "response": response,
            "answers": answers,
            "reached": (reached.title.get(lang) or reached.name) if reached else "",
            "pages": len(pages),
        },
    )


def _answer_rows(
    form: Form, given: Mapping[str, Any], lang: str
) -> list[tuple[str, str, str | None]]:
    """(label, answer, uploaded file's name) of each answer in the form's order; a repeat's
    instance by instance where its first question stands, each named ("Sede 2: Città")."""
    rows: list[tuple[str, str, str | None]] = []
    repeats = form.repeats()
    done: set[str] = set()
    for question in form.questions():
        if question.repeat:
            if question.repeat in done:
                continue
            done.add(question.repeat)
            repeat = repeats[question.repeat]
            name = repeat.label.get(lang, form.default_language) or repeat.name
            asked = [q for q in form.questions() if q.repeat == repeat.name]
            for index, instance in enumerate(given.get(repeat.name) or [], start=1):
                for label, text, upload in _answer_rows_of(form, asked, instance, lang):
                    rows.append((f"{name} {index}: {label}", text, upload))
            continue
        rows += _answer_rows_of(form, [question], given, lang)
    return rows


def _answer_rows_of(
    form: Form, questions: Sequence[Question], given: Mapping[str, Any], lang: str
) -> list[tuple[str, str, str | None]]:
    rows = []
    for question in questions:
        if question.name not in given or not question.type.takes_input:
            continue
        label = question.label.get(lang, question.label.get(form.default_language))
        text = answer_text(question.name, given, form, lang)
        upload = str(given[question.name]) if question.type.is_upload else None
        rows.append((label or question.name, text, upload))
    return rows


@organiser(CHANGE)
def response_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET: what deleting the response means; POST: delete it."""
    survey = _survey(slug)
    response = _response(survey, pk)
    if request.method == "POST":
        responses.delete_response(survey, response, request.user)
        messages.success(request, _("Response %(n)s deleted.") % {"n": pk})
        return redirect("responses", slug=slug)
    return render(request, "collect/response_delete.html", {"survey": survey, "response": response})


@organiser(CHANGE)
@require_POST
def response_test(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Mark the response as a test (`test=1`) or as a real one again (`test=0`)."""
    survey = _survey(slug)
    response = _response(survey, pk)
    test = request.POST.get("test") == "1"
    responses.mark_test(survey, response, test, request.user)
    if test:
        messages.success(request, _("Response %(n)s marked as a test.") % {"n": pk})
    else:
        messages.success(request, _("Response %(n)s counted again.") % {"n": pk})
    return redirect("response", slug=slug, pk=pk)


@organiser(CHANGE)
def tests_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: how many test responses would go; POST: delete them all."""
    survey = _survey(slug)
    if request.method == "POST":
        count = responses.delete_tests(survey, request.user)
        messages.success(request, _("%(n)s test responses deleted.") % {"n": count})
        return redirect("responses", slug=slug)
    return render(
        request,
        "collect/tests_delete.html",
        {"survey": survey, "tests": responses.test_count(survey)},
    )


@organiser(VIEW)
def download(request: HttpRequest, slug: str) -> FileResponse:
    """The responses the filter keeps, in the chosen format: written to a temporary file a
    chunk at a time (exports hold one chunk in memory) and streamed from it; audited."""
    survey = _survey(slug)
    form = survey.current_version.form
    choice = request.GET.get("format", "csv")
    if choice not in DOWNLOADS:
        raise Http404("No such format.")
    fmt, labels = DOWNLOADS[choice]
    wanted = _filter(request.GET, form)
    rows = responses.chosen(survey, form, wanted)
    lang = _lang(request, form)
    # a form with repeats gives a zip of one file per table ("csv.zip"), in all formats but xlsx
    ending = exports.suffix(survey.slug, fmt)
    folder = tempfile.mkdtemp(prefix="indagine-download-")
    path = Path(folder) / f"{survey.slug}.{ending}"
    try:
        count = exports.export(survey.slug, path, fmt, labels=labels, lang=lang, responses=rows)
        handle = path.open("rb")
    finally:
        # the open handle keeps the file readable; its name goes now (POSIX), nothing stays
        path.unlink(missing_ok=True)
        Path(folder).rmdir()
    audit(
        "responses.download",
        survey,
        request.user,
        format=choice,
        count=count,
        **_described(wanted),
    )
    reply = FileResponse(handle, as_attachment=True, filename=f"{survey.slug}-responses.{ending}")
    reply["Content-Type"] = "application/zip" if ending != fmt else _TYPES[fmt]
    reply["Cache-Control"] = "private, no-store"
    return reply


def _described(wanted: responses.Filter) -> dict[str, Any]:
    """The filter as the audit entry keeps it: only what was asked."""
    out: dict[str, Any] = {}
    if wanted.status:
        out["status"] = wanted.status
    if wanted.since:
        out["since"] = wanted.since.isoformat()
    if wanted.until:
        out["until"] = wanted.until.isoformat()
    if wanted.segment:
        out["segment"] = ":".join(wanted.segment)
    if wanted.words:
        out["words"] = wanted.words
    if wanted.tests or wanted.only_tests:
        out["tests"] = "only" if wanted.only_tests else "included"
    return out


@organiser(CHANGE)
def webhooks(request: HttpRequest, slug: str) -> HttpResponse:
    """The survey's webhooks: add one (its secret shown once), remove one, switch one on."""
    survey = _survey(slug)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                hook = hooks.add(survey, request.POST.get("url", ""), request.user)
                messages.success(
                    request,
                    _("Webhook added. Its secret, to check each delivery's signature: %(s)s")
                    % {"s": hook.secret},
                )
            elif action in ("remove", "on"):
                pk = small_number(request.POST.get("webhook")) or 0
                if action == "remove":
                    hooks.remove(survey, pk, request.user)
                    messages.success(request, _("Webhook removed."))
                else:
                    hooks.switch_on(survey, pk, request.user)
                    messages.success(request, _("Webhook switched on again."))
            else:
                raise Http404("No such action.")
        except hooks.HookRefused as refused:
            messages.error(request, f"{refused.message} ({refused.code})")
        return redirect("webhooks", slug=slug)
    return render(
        request,
        "collect/webhooks.html",
        {"survey": survey, "hooks": survey.webhooks.order_by("pk"), "attempts": hooks.ATTEMPTS},
    )
