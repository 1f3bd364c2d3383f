"""What organisers do with the panel: import members, invite, remind, erase, follow fieldwork.

Messages are queued here and sent by `indagine worker` (tasks.deliver → delivery.deliver_pending):
services → tasks → delivery, with no way back, so neither imports the other lazily.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_tasks import task

from indagine.collect import wiping
from indagine.panel import retention
from indagine.panel.codes import PanelCode
from indagine.panel.codes import PanelError as PanelError
from indagine.panel.delivery import MAX_ATTEMPTS as MAX_ATTEMPTS
from indagine.panel.delivery import claim as claim
from indagine.panel.delivery import claimable, opted_out, waiting
from indagine.panel.delivery import deliver_pending as deliver_pending
from indagine.panel.members import read_members
from indagine.panel.models import Invitation, Member, Message, OptOut
from indagine.panel.tasks import deliver, deliver_when_due
from indagine.panel.tokens import email_hash, member_token, new_nonce, token_hash
from indagine.surveys.models import Survey
from indagine.surveys.services import audit


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)


def import_members(
    survey: Survey, path: Path, *, skip_invalid: bool = False, user=None
) -> ImportReport:
    """Add or update members from a CSV/XLSX file; merged by email; all or nothing."""
    rows, problems = read_members(path)
    if problems and not skip_invalid:
        raise PanelError(
            PanelCode.MEMBERS_INVALID_ROWS,
            "The file has problems, listed below; nothing was stored.",
            problems,
        )
    report = ImportReport(problems=problems)
    with transaction.atomic():
        existing = {
            m.email: m
            for m in Member.objects.filter(survey=survey, email__in=[r.email for r in rows])
        }
        fresh = []
        for row in rows:
            member = existing.get(row.email)
            if member is None:
                fresh.append(
                    Member(
                        survey=survey,
                        email=row.email,
                        name=row.name,
                        organisation=row.organisation,
                        attributes=row.attributes,
                    )
                )
                continue
            member.name = row.name or member.name
            member.organisation = row.organisation or member.organisation
            member.attributes = {**member.attributes, **row.attributes}
            member.save(update_fields=["name", "organisation", "attributes"])
            report.updated += 1
        created = Member.objects.bulk_create(fresh, batch_size=1000)
        if any(m.pk is None for m in created):  # backends without RETURNING ids
            created = list(Member.objects.filter(survey=survey, invitation__isnull=True))
        Invitation.objects.bulk_create([_invitation(m) for m in created], batch_size=1000)
        report.created = len(created)
        audit("panel.import", survey, user, created=report.created, updated=report.updated)
    return report


def _invitation(member: Member) -> Invitation:
    nonce = new_nonce()
    return Invitation(
        member=member, nonce=nonce, token_hash=token_hash(member_token(member.pk, nonce))
    )


def opt_out(email: str) -> None:
    OptOut.objects.get_or_create(email_hash=email_hash(email))
    Message.objects.filter(
        member__email=email.strip().lower(), status=Message.Status.QUEUED
    ).delete()


def _reachable(survey: Survey):
    members = Member.objects.filter(
        survey=survey, email__isnull=False, erased_at__isnull=True, invitation__bounced=False
    )
    return members


def _queue(survey: Survey, kind: str, candidates) -> int:
    members = list(candidates)
    blocked = opted_out(m.email for m in members)
    messages = [
        Message(member=m, kind=kind, round=getattr(m, "next_round", 1))
        for m in members
        if m.email not in blocked
    ]
    Message.objects.bulk_create(messages, batch_size=1000, ignore_conflicts=True)
    return len(messages)


def invite(survey: Survey, user=None) -> int:
    """Queue an invitation for every reachable member not yet invited; returns how many."""
    if not survey.is_accepting():
        raise PanelError(PanelCode.NOT_ACCEPTING, "Open the survey before inviting members.")
    with transaction.atomic():
        candidates = _reachable(survey).exclude(messages__kind=Message.Kind.INVITE)
        count = _queue(survey, Message.Kind.INVITE, candidates)
        audit("panel.invite", survey, user, queued=count)
    _enqueue_delivery(survey, count)
    return count


def remind(
    survey: Survey,
    user=None,
    now: dt.datetime | None = None,
    segment: tuple[str, str] | None = None,
) -> int:
    """Queue a reminder for members who have not completed (partials included), at most
    INDAGINE_MAX_REMINDERS each, and none within INDAGINE_REMINDER_DAYS of the last message;
    with `segment` (attribute, value), only to the members of that segment."""
    if not survey.is_accepting():
        raise PanelError(PanelCode.NOT_ACCEPTING, "The survey is not open.")
    now = now or timezone.now()
    settle_anonymous(survey)
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    # at least the minimum interval, and never two messages on one day whatever the setting
    quiet_since = min(
        now - dt.timedelta(days=settings.INDAGINE_REMINDER_DAYS),
        midnight - dt.timedelta(microseconds=1),
    )
    with transaction.atomic():
        reachable = _reachable(survey)
        if segment is not None:
            reachable = reachable.filter(**{f"attributes__{segment[0]}": segment[1]})
        candidates = (
            reachable.filter(invitation__completed=False)
            .annotate(
                invited=Count("messages", filter=Q(messages__kind=Message.Kind.INVITE)),
                reminders=Count("messages", filter=Q(messages__kind=Message.Kind.REMIND)),
                last=Max("messages__queued_at", filter=~Q(messages__kind=Message.Kind.THANKS)),
            )
            .filter(
                invited__gt=0, reminders__lt=settings.INDAGINE_MAX_REMINDERS, last__lte=quiet_since
            )
        )
        members = list(candidates)
        for member in members:
            member.next_round = member.reminders + 1
        count = _queue(survey, Message.Kind.REMIND, members)
        audit(
            "panel.remind",
            survey,
            user,
            queued=count,
            **({"segment": ":".join(segment)} if segment else {}),
        )
    _enqueue_delivery(survey, count)
    return count


def queue_thanks(member: Member) -> None:
    if member.email and not opted_out([member.email]):
        Message.objects.bulk_create(
            [Message(member=member, kind=Message.Kind.THANKS)], ignore_conflicts=True
        )
        transaction.on_commit(lambda: _enqueue_delivery(member.survey, 1))


def settle_anonymous(survey: Survey) -> int:
    """Record, on the members' side, which members of an anonymous survey have completed.

    Done in batches, apart from the responses: were it done as each response is written, the
    order of the marks (or of the thank-you messages, or PostgreSQL's transaction ids) would
    match the order of the responses and re-link them. Each batch marks its members in one
    transaction and queues their thank-yous in random order. It runs before reminders, on the
    fieldwork view and when a worker starts; a batch of one still reveals that one member
    completed since the last batch, not which answers are theirs."""
    if not survey.anonymous:
        return 0
    from indagine.collect.keys import spent_digest
    from indagine.collect.models import SpentKey

    # Not only the members who started: on a one-page survey the first page completes the
    # response, and marking 'started' there would write the member's row in the response's
    # transaction (the link this function exists to avoid).
    pending = list(
        Invitation.objects.filter(member__survey=survey, completed=False).select_related("member")
    )
    digests = {spent_digest(member_token(i.member_id, i.nonce)): i for i in pending}
    done = [
        digests[d]
        for d in SpentKey.objects.filter(digest__in=list(digests)).values_list("digest", flat=True)
    ]
    if not done:
        return 0
    secrets.SystemRandom().shuffle(done)
    with transaction.atomic():
        Invitation.objects.filter(pk__in=[i.pk for i in done]).update(started=True, completed=True)
        blocked = opted_out(i.member.email for i in done)
        Message.objects.bulk_create(
            [
                Message(member=i.member, kind=Message.Kind.THANKS)
                for i in done
                if i.member.email and i.member.email not in blocked
            ],
            ignore_conflicts=True,
        )
    _enqueue_delivery(survey, len(done))
    return len(done)


SETTLE_AFTER = dt.timedelta(minutes=10)


@task()
def settle(survey_id: int) -> int:
    """settle_anonymous as a background task, queued by settle_later. Defined here rather
    than in panel.tasks, which may not import this module (services queue, tasks deliver)."""
    survey = Survey.objects.filter(pk=survey_id).first()
    return settle_anonymous(survey) if survey is not None else 0


def settle_later(survey: Survey) -> None:
    """Queue a batch of settle_anonymous some minutes from now (a random part of them on top),
    unless one is queued already: completions are learnt, and thanked, within about
    SETTLE_AFTER by a worker that keeps running, and several completions make one batch."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=settle.module_path, status="READY", args_kwargs__args__0=survey.pk
    )
    if waiting.exists():
        return
    jitter = dt.timedelta(seconds=secrets.randbelow(int(SETTLE_AFTER.total_seconds())))
    settle.using(run_after=timezone.now() + SETTLE_AFTER + jitter).enqueue(survey.pk)


def _enqueue_delivery(survey: Survey, count: int) -> None:
    if count <= 0:
        return
    # Several tasks let several workers share a large batch; each claims what is left.
    for _ in range(min(4, 1 + count // 2000)):
        deliver.enqueue(survey.pk)


def recover() -> int:
    """Queue delivery for every survey with messages left behind: now for what can be sent now
    (queued, a lease run out, a retry due), and for when it comes due for what still waits (a
    worker killed and restarted within its lease, a retry's back-off). Queue the daily erasure
    of personal data past its retention if it is not queued."""
    due_now = _surveys_with(claimable(timezone.now()))
    left = due_now | _surveys_with(waiting())
    for survey in Survey.objects.filter(anonymous=True, state=Survey.State.OPEN):
        settle_anonymous(survey)
    for survey_id in due_now:
        _enqueue_delivery(Survey(pk=survey_id), 1)
    for survey_id in left - due_now:
        deliver_when_due(survey_id)
    retention.queue_daily()  # now, unless a run is queued (then it queues the next day's)
    return len(left)


def _surveys_with(messages: Q) -> set[int]:
    found = Message.objects.filter(messages).values_list("member__survey_id", flat=True)
    return set(found.distinct())


def erase_member(survey: Survey, email: str, user=None) -> bool:
    """Delete a member's personal data on request: address, name, organisation, attributes,
    when they opened their link and the messages sent to them (`retention.blank`). Answers of
    an anonymous survey stay (nothing links them to the member), and so does the mark that the
    member completed; in a named survey the member's response goes too, and with it the mark
    (else the counts would claim an answer that is no longer there). Their address is opted
    out, so that no later import mails them again."""
    email = email.strip().lower()
    member = Member.objects.filter(survey=survey, email=email).first()
    if member is None:
        return False
    with transaction.atomic():
        invitation = Invitation.objects.filter(member=member).first()
        if invitation and invitation.response_id and not survey.anonymous:
            invitation.response.delete()
        if invitation:  # a response still in progress carries the member's link: it goes too
            from indagine.collect.models import Response

            Response.objects.filter(survey=survey, key_hash=invitation.token_hash).delete()
            if not survey.anonymous:
                Invitation.objects.filter(pk=invitation.pk).update(started=False, completed=False)
        OptOut.objects.get_or_create(email_hash=email_hash(email))
        retention.blank(Member.objects.filter(pk=member.pk), timezone.now())
        audit("panel.erase", survey, user, member=member.pk)
        wiping.wipe_after_commit()  # the erased values' older copies out of the log too
    return True


@dataclass(frozen=True)
class Fieldwork:
    totals: dict[str, int]
    by_segment: dict[str, dict[str, dict[str, int]]]
    completions_by_day: list[tuple[dt.date, int]]

    @property
    def response_rate(self) -> float:
        invited = self.totals.get("invited", 0)
        return self.totals.get("completed", 0) / invited if invited else 0.0


def fieldwork(survey: Survey) -> Fieldwork:
    """Invited, opened, started, completed, opted out, bounced: overall and by segment."""
    settle_anonymous(survey)
    members = list(
        Member.objects.filter(survey=survey)
        .select_related("invitation")
        .annotate(
            invites=Count(
                "messages",
                filter=Q(messages__kind=Message.Kind.INVITE, messages__status=Message.Status.SENT),
            )
        )
        .values(
            "email",
            "attributes",
            "invites",
            "invitation__opened_at",
            "invitation__started",
            "invitation__completed",
            "invitation__bounced",
        )
    )
    blocked = opted_out(m["email"] for m in members)
    totals: Counter[str] = Counter()
    segments: dict[str, dict[str, Counter[str]]] = {}
    for m in members:
        flags = {
            "members": True,
            "invited": m["invites"] > 0,
            "opened": m["invitation__opened_at"] is not None,
            "started": m["invitation__started"],
            "completed": m["invitation__completed"],
            "opted_out": m["email"] in blocked or m["email"] is None,
            "bounced": m["invitation__bounced"],
        }
        hits = [k for k, v in flags.items() if v]
        totals.update(hits)
        for attribute, level in (m["attributes"] or {}).items():
            segments.setdefault(attribute, {}).setdefault(str(level), Counter()).update(hits)
    from indagine.collect.models import Response

    days = Response.objects.filter(
        survey=survey, status=Response.Status.COMPLETE, completed_at__isnull=False, test=False
    ).values_list("completed_at", flat=True)
    per_day = Counter(timezone.localtime(d).date() for d in days)
    return Fieldwork(
        dict(totals),
        {a: {lvl: dict(c) for lvl, c in levels.items()} for a, levels in segments.items()},
        sorted(per_day.items()),
    )


REPRESENTATIVENESS_MINIMUM = 20
"""Invited members below which no R-indicator is computed (a model of a handful says nothing)."""


def representativeness(survey: Survey):
    """The R-indicator of who answered among the invited members, by the attributes the
    member list records (those with 2 to 20 values; a member without one counts as "–"),
    or None with too few members or no such attribute (stats/representativeness.py)."""
    from indagine.stats.representativeness import r_indicator

    settle_anonymous(survey)
    rows = list(
        Member.objects.filter(survey=survey, messages__kind=Message.Kind.INVITE)
        .distinct()
        .values_list("pk", "attributes", "invitation__completed")  # pk: rows stay distinct
    )
    if len(rows) < REPRESENTATIVENESS_MINIMUM:
        return None
    names = sorted({k for _, attributes, _ in rows for k in (attributes or {})})
    columns = {
        name: [str((attributes or {}).get(name, "–")) for _, attributes, _ in rows]
        for name in names
    }
    columns = {k: v for k, v in columns.items() if 2 <= len(set(v)) <= 20}
    if not columns:
        return None
    return r_indicator([bool(done) for _, _, done in rows], columns)
