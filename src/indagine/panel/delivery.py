"""Sending the panel's queued messages: claimed under a lease, so that two workers never send
the same message and a killed worker's claims are taken up again once its lease runs out.

A batch can outlast its lease (a slow SMTP server: 100 messages at 2 s each are 200 s against a
120 s lease), so each message's lease is renewed just before it is sent, and only if this worker
still holds it: one whose lease ran out and that another worker claimed meanwhile is left to
that worker ("taken").

What cannot be sent yet (held under a lease that has not run out, say a killed worker's, or a
failure waiting for its retry) is not forgotten: `next_due` says when the first of it can be
claimed, and the delivery task queues itself again for that moment (`tasks.deliver`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import smtplib
import uuid
from collections import Counter

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from indagine.panel import mail
from indagine.panel.models import Invitation, Message, OptOut
from indagine.panel.tokens import email_hash

CLAIM_SIZE = 100
MAX_ATTEMPTS = 5


def opted_out(emails) -> set[str]:
    hashes = {email_hash(e): e for e in emails if e}
    found = OptOut.objects.filter(email_hash__in=list(hashes)).values_list("email_hash", flat=True)
    return {hashes[h] for h in found}


def claimable(now: dt.datetime) -> Q:
    """Messages nobody holds at `now`: queued, held under a lease that ran out, or failed with
    retries left and their back-off over."""
    return (
        Q(status=Message.Status.QUEUED)
        | Q(status=Message.Status.SENDING, lease_until__lt=now)
        | Q(status=Message.Status.FAILED, attempts__lt=MAX_ATTEMPTS, lease_until__lt=now)
    )


def waiting() -> Q:
    """Messages not sent yet that only their lease keeps from being claimed: held (by a worker
    alive or killed), or failed with retries left; claimable once `lease_until` is past."""
    return Q(status=Message.Status.SENDING) | Q(
        status=Message.Status.FAILED, attempts__lt=MAX_ATTEMPTS
    )


def claim(
    survey_id: int, size: int = CLAIM_SIZE, now: dt.datetime | None = None
) -> tuple[str, list[int]]:
    """Take up to `size` messages that nobody holds: queued, failed with retries left, or
    held by a worker whose lease ran out. Returns the lease and the ids now held under it."""
    now = now or timezone.now()
    lease = uuid.uuid4().hex
    with transaction.atomic():
        free = (
            Message.objects.filter(member__survey_id=survey_id)
            .filter(claimable(now))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if connection_supports_skip_locked():
            free = free.select_for_update(skip_locked=True, of=("self",))
        ids = list(free[:size])
        until = now + dt.timedelta(seconds=settings.INDAGINE_SEND_LEASE_SECONDS)
        Message.objects.filter(pk__in=ids).update(
            status=Message.Status.SENDING, lease=lease, lease_until=until
        )
    return lease, ids


def next_due(survey_id: int) -> dt.datetime | None:
    """When the first message of a survey that waits can be claimed: one held under a lease
    (a killed worker's, until it runs out) or a failure waiting for its retry; None if none."""
    held = Message.objects.filter(waiting(), member__survey_id=survey_id)
    due: dt.datetime | None = held.aggregate(due=Min("lease_until"))["due"]
    return due


def connection_supports_skip_locked() -> bool:
    from django.db import connection

    return connection.features.has_select_for_update_skip_locked


def deliver_pending(survey_id: int, limit: int | None = None) -> Counter[str]:
    """Send every claimable message of a survey (or about `limit` of them) over one SMTP
    connection; counts by outcome."""
    outcome: Counter[str] = Counter()
    connection = get_connection()
    try:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.open()  # one connection for the batch; a failure shows per message
        composer = mail.Composer(connection)
        while limit is None or outcome.total() < limit:
            size = CLAIM_SIZE if limit is None else min(CLAIM_SIZE, limit - outcome.total())
            lease, ids = claim(survey_id, size)
            if not ids:
                break
            outcome += send_claimed(lease, ids, composer)
    finally:
        connection.close()
    return outcome


def send_claimed(lease: str, ids: list[int], composer: mail.Composer) -> Counter[str]:
    """Send the messages claimed under `lease`; counts by outcome."""
    outcome: Counter[str] = Counter()
    messages = list(
        Message.objects.filter(pk__in=ids, lease=lease)
        .select_related("member__survey__current_version", "member__invitation")
        .defer(
            "member__survey__current_version__form_json",
            "member__survey__current_version__source",
        )
    )
    outcome["taken"] = len(ids) - len(messages)
    blocked = opted_out(m.member.email for m in messages)
    for message in messages:
        outcome[_send(message, composer, blocked) if _renew(message) else "taken"] += 1
    return +outcome  # without the zero counts


def _renew(message: Message) -> bool:
    """Extend the lease on `message` if this worker still holds it (True), just before it is
    sent; False when the lease ran out and another worker has claimed the message since."""
    until = timezone.now() + dt.timedelta(seconds=settings.INDAGINE_SEND_LEASE_SECONDS)
    held = Message.objects.filter(pk=message.pk, lease=message.lease)
    return held.filter(status=Message.Status.SENDING).update(lease_until=until) == 1


def _send(message: Message, composer: mail.Composer, blocked: set[str]) -> str:
    member = message.member
    if not member.email or member.erased_at or member.email in blocked:
        message.delete()
        return "dropped"
    if message.kind != Message.Kind.THANKS and member.survey.phase() == "closed":
        message.delete()  # queued before the survey closed: its link would lead to a closed page
        return "closed"
    try:
        composer.build(message).send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(code >= 500 for code in codes):  # 5xx: the address is refused for good
            Invitation.objects.filter(member=member).update(bounced=True)
            return _failed(message, f"refused: {error.recipients}", final=True)
        return _failed(message, f"deferred: {error.recipients}", final=False)  # 4xx: greylisting
    except (smtplib.SMTPException, OSError) as error:
        composer.connection.close()
        return _failed(message, repr(error), final=False)
    Message.objects.filter(pk=message.pk, lease=message.lease).update(
        status=Message.Status.SENT, sent_at=timezone.now(), attempts=message.attempts + 1
    )
    return "sent"


def _failed(message: Message, error: str, *, final: bool) -> str:
    attempts = MAX_ATTEMPTS if final else message.attempts + 1
    backoff = dt.timedelta(seconds=30 * 2 ** min(attempts, 6))
    Message.objects.filter(pk=message.pk, lease=message.lease).update(
        status=Message.Status.FAILED,
        attempts=attempts,
        last_error=error[:2000],
        lease_until=timezone.now() + backoff,
    )
    return "failed"
