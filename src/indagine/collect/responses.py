"""The organiser's verbs on stored responses: find them, delete one, mark one as a test, delete
every test response. Each owns its transaction and its audit entry; the pages are in
`collect/browse.py`.

A test response (`indagine demo`'s always, or one the organiser marked) stays stored and
listed, but the results, the report, the letter, the public page and the API never count it,
and exports and the dashboard only when the organiser asks (`Response.test`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from indagine.collect import wiping
from indagine.collect.models import Response
from indagine.collect.signals import response_deleted
from indagine.forms.model import Form, QuestionType
from indagine.surveys.models import Survey
from indagine.surveys.services import audit

_WORDS = (QuestionType.TEXT,)  # the open answers a search looks in
STATUSES = ("complete", "partial")


@dataclass(frozen=True)
class Filter:
    """Which responses the organiser asked for: by status ("" for both), the day of their last
    change (in the current time zone, both ends included), the answer to a profile question,
    words in open answers, and whether test responses are among them."""

    status: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    segment: tuple[str, str] | None = None  # (question, choice)
    words: str = ""
    tests: bool = False
    only_tests: bool = False


def chosen(survey: Survey, form: Form, wanted: Filter = Filter()) -> QuerySet[Response]:
    """The survey's responses the filter keeps, the latest change first."""
    rows = Response.objects.filter(survey=survey)
    if wanted.status in STATUSES:
        rows = rows.filter(status=wanted.status)
    if wanted.only_tests:
        rows = rows.filter(test=True)
    elif not wanted.tests:
        rows = rows.filter(test=False)
    zone = timezone.get_current_timezone()
    if wanted.since:
        start = dt.datetime.combine(wanted.since, dt.time.min, tzinfo=zone)
        rows = rows.filter(updated_at__gte=start)
    if wanted.until:
        end = dt.datetime.combine(wanted.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        rows = rows.filter(updated_at__lt=end)
    if wanted.segment:
        question, choice = wanted.segment
        rows = rows.filter(**{f"answers__{question}": choice})
    for word in wanted.words.split()[:5]:
        found = Q()
        for open_question in form.questions():
            if open_question.type in _WORDS:
                # in a repeat, the words are looked for in its instances' text as stored
                where = open_question.repeat or open_question.name
                found |= Q(**{f"answers__{where}__icontains": word})
        rows = rows.filter(found) if found else rows.none()
    return rows.order_by("-updated_at", "-pk")


def delete_response(survey: Survey, response: Response, user: Any = None) -> None:
    """Delete one response after the organiser confirmed it: its answers, its uploads (by
    `collect.uploads`' receiver) and, in a named survey, its member's mark of having answered
    (the panel's receiver), so that their link starts afresh and reminders reach them again."""
    with transaction.atomic():
        response_deleted.send(sender=Response, survey=survey, responses=[response])
        audit(
            "responses.delete",
            survey,
            user,
            response=response.pk,
            status=response.status,
            test=response.test,
        )
        response.delete()
        wiping.wipe_after_commit()  # its answers' older copies out of SQLite's log too


def mark_test(survey: Survey, response: Response, test: bool, user: Any = None) -> None:
    """Mark a response as a test (left out of what members read) or as a real one again."""
    with transaction.atomic():
        Response.objects.filter(pk=response.pk, survey=survey).update(test=test)
        audit("responses.test" if test else "responses.real", survey, user, response=response.pk)
    response.test = test


def delete_tests(survey: Survey, user: Any = None) -> int:
    """Delete every test response of the survey in one action; how many went."""
    with transaction.atomic():
        doomed = Response.objects.filter(survey=survey, test=True)
        listed = list(doomed.only("pk", "key_hash"))
        response_deleted.send(sender=Response, survey=survey, responses=listed)
        doomed.delete()  # by the query: no list of ids, however many the demo added
        audit("responses.delete_tests", survey, user, count=len(listed))
        wiping.wipe_after_commit()
    return len(listed)


def test_count(survey: Survey) -> int:
    """How many test responses the survey holds (the banners' number)."""
    return Response.objects.filter(survey=survey, test=True).count()
