"""Retention: the members' personal data erased a chosen number of months after their survey
closes (`Survey.retention_months`, counted by `Survey.erasure_date`).

A daily task (`erase_expired`, django-tasks' database backend) erases what is due and queues
itself for the start of the next day; `indagine worker` queues it when it starts if none is
queued (`services.recover`), so a worker that keeps running does it every day without cron.
Each survey erased is audited once, with its counts; a run that finds nothing left to erase
writes nothing, so running it twice, or two chains of it, erases and audits nothing more.

What is erased is what `services.erase_member` erases on request (`blank`), for every member
of the survey, except that the answers stay: the organisation keeps its results. So a response
filed under a member's personal link (a named survey's, or an unfinished one in an anonymous
survey) loses the key that matched the invitation, and the invitation its response; the answers
stay, as a public respondent's do. The marks that members started and completed stay as counts;
so do the opt-outs, which are hashes and keep a person from being mailed again. Nobody is opted
out by retention: a member list may be used again for the next survey.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from indagine.collect import wiping
from indagine.collect.models import Response
from indagine.panel.models import Invitation, Member, Message
from indagine.surveys.models import Survey
from indagine.surveys.services import audit


@dataclass(frozen=True)
class Due:
    """A survey whose members' personal data is due for erasure, and how much is left."""

    survey: Survey
    erasure_date: dt.date
    members: int  # not yet erased
    responses: int  # still filed under a member's personal link


def blank(members: QuerySet[Member], now: dt.datetime) -> int:
    """Erase these members' personal data: address, name, organisation, attributes, when they
    opened their link, which response is theirs and when they completed it, and the messages
    sent to them. Their rows stay (the counts of members, invited, completed)."""
    Invitation.objects.filter(member__in=members).update(
        opened_at=None, response=None, completed_on=None
    )
    Message.objects.filter(member__in=members).delete()
    return members.update(email=None, name="", organisation="", attributes={}, erased_at=now)


def _left(survey: Survey) -> tuple[QuerySet[Member], QuerySet[Response]]:
    """The members of `survey` not yet erased, and the responses still under their links."""
    members = Member.objects.filter(survey=survey, erased_at__isnull=True)
    links = Invitation.objects.filter(member__survey=survey).values("token_hash")
    responses = Response.objects.filter(survey=survey, key_hash__in=links)
    return members, responses


def due(now: dt.datetime | None = None) -> list[Due]:
    """The surveys whose erasure date has come (in the site's time zone) and that still have
    something to erase, with how much."""
    today = timezone.localdate(now or timezone.now())
    found = []
    for survey in Survey.objects.filter(retention_months__isnull=False):
        when = survey.erasure_date()
        if when is None or when > today:
            continue
        members, responses = _left(survey)
        left = Due(survey, when, members.count(), responses.count())
        if left.members or left.responses:
            found.append(left)
    return found


def record_closing_dates(now: dt.datetime) -> int:
    """Give a closing date of `now` to every closed survey with a retention but none (closed
    before indagine recorded one, or in the admin): its retention counts from the first day
    this task saw it closed, never from earlier."""
    undated = Survey.objects.filter(
        state=Survey.State.CLOSED, closes_at__isnull=True, retention_months__isnull=False
    )
    count = 0
    for survey in undated:
        with transaction.atomic():
            Survey.objects.filter(pk=survey.pk).update(closes_at=now)
            audit("survey.closing_recorded", survey, closes_at=now.isoformat())
        count += 1
    return count


def erase_due(now: dt.datetime | None = None) -> list[Due]:
    """Erase the personal data of every survey due (see `due`), one transaction and one
    audit entry ("panel.retention") per survey with something left; what was erased."""
    now = now or timezone.now()
    record_closing_dates(now)
    erased = []
    for found in due(now):
        with transaction.atomic():
            members, responses = _left(found.survey)
            unlinked = responses.update(key_hash=None)
            count = blank(members, now)
            audit(
                "panel.retention",
                found.survey,
                members=count,
                responses=unlinked,
                months=found.survey.retention_months,
                erasure_date=found.erasure_date.isoformat(),
            )
            wiping.wipe_after_commit()  # the old addresses' bytes out of the log too
        erased.append(Due(found.survey, found.erasure_date, count, unlinked))
    return erased


@task()
def erase_expired() -> dict[str, int]:
    """erase_due, once a day: queued again for the start of the next day whatever happens,
    so that one failed run does not end the daily runs."""
    try:
        erased = erase_due()
    finally:
        queue_daily(next_run())
    return {
        "surveys": len(erased),
        "members": sum(e.members for e in erased),
        "responses": sum(e.responses for e in erased),
    }


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    """The start of the next day in the site's time zone."""
    tomorrow = timezone.localdate(now or timezone.now()) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))


def queue_daily(when: dt.datetime | None = None) -> bool:
    """Queue `erase_expired` for `when` (None: now) unless a run is queued already; whether it
    queued one. Two runs queued at once (two workers starting together) are harmless: the
    second erases and audits nothing."""
    queued = DBTaskResult.objects.filter(task_path=erase_expired.module_path, status="READY")
    if queued.exists():
        return False
    (erase_expired if when is None else erase_expired.using(run_after=when)).enqueue()
    return True
