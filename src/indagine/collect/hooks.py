"""Webhooks: each completed response POSTed as JSON to the organiser's HTTPS addresses.

Signed as Stripe and GitHub sign theirs: the header `X-Indagine-Signature: t=<unix time>,
v1=<hex>` where hex is HMAC-SHA256 under the webhook's secret of `<t>.` followed by the body's
bytes; the receiver recomputes it and refuses an old `t` (a replay). `X-Indagine-Delivery`
names the delivery: a receiver that saw it already can drop a repeat (delivery is at least
once: a worker that dies after the receiver's 2xx and before recording it sends again).

What is sent is the response as the survey stores it: its id, the day or moment of completion
(a day only in an anonymous survey, as stored), language, form version and answers; never a
key, an invitation or anything of the member. Test responses (the demo's, or marked) and
imported ones are not sent.

The worker (`indagine worker`) sends what is due; a failure (no connection, a timeout, any
status but 2xx) is tried again after 30 s, 2 min, 8 min, ... up to 6 h apart, at most ATTEMPTS
times; after OFF_AFTER failures in a row the webhook is switched off, said on the survey's page
and in the audit log, until the organiser switches it on again. The HTTP client is the
standard library's (urllib): one POST with a timeout needs nothing more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F, Min, Q
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult, get_date_max

from indagine.collect import lookups
from indagine.collect.codes import HookCode
from indagine.collect.models import HookDelivery, Response, Webhook
from indagine.collect.signals import response_saved
from indagine.surveys.models import Survey
from indagine.surveys.services import audit
from indagine.web.refusals import Refused

logger = logging.getLogger(__name__)

ATTEMPTS = 8
OFF_AFTER = 10
TIMEOUT_SECONDS = 10
LEASE = dt.timedelta(seconds=60)  # a delivery under way is not taken by another worker
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=6)
BATCH = 100


class HookRefused(Refused):
    """A webhook refused, with a stable code; nothing stored."""


def add(survey: Survey, url: str, user: Any = None) -> Webhook:
    """A new webhook to `url` (https, no credentials in it), with a new secret. Audited."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise HookRefused(
            HookCode.NOT_HTTPS, "The address must start with https:// and hold no password."
        )
    if len(url) > 500:
        raise HookRefused(HookCode.NOT_HTTPS, "The address is longer than 500 characters.")
    hook = Webhook.objects.create(survey=survey, url=url, secret=secrets.token_hex(32))
    audit("webhook.add", survey, user, webhook=hook.pk, url=url)
    return hook


def _hook(survey: Survey, pk: int) -> Webhook:
    hook = Webhook.objects.filter(survey=survey, pk=pk).first()
    if hook is None:
        raise HookRefused(HookCode.NOT_FOUND, "No such webhook.")
    return hook


def remove(survey: Survey, pk: int, user: Any = None) -> None:
    hook = _hook(survey, pk)
    audit("webhook.remove", survey, user, webhook=hook.pk, url=hook.url)
    hook.delete()


def switch_on(survey: Survey, pk: int, user: Any = None) -> None:
    """Switch a webhook on again: its failures forgotten, what waits for it sent anew."""
    hook = _hook(survey, pk)
    with transaction.atomic():
        Webhook.objects.filter(pk=hook.pk).update(enabled=True, failures=0, switched_off_at=None)
        hook.deliveries.filter(status=HookDelivery.Status.GIVEN_UP).update(
            status=HookDelivery.Status.PENDING, attempts=0
        )
        hook.deliveries.filter(status=HookDelivery.Status.PENDING).update(due_at=timezone.now())
        audit("webhook.on", survey, user, webhook=hook.pk)
    transaction.on_commit(lambda: send_when_due(timezone.now()))


@receiver(response_saved)
def queue_completed(sender, survey, response, completed, **kwargs) -> None:
    """A completed web response: one delivery per webhook, in the response's own transaction
    (for a webhook switched off, it waits until it is switched on again); the worker is told
    once it commits."""
    if not completed or response.test:
        return
    hooks = lookups.webhook_ids(survey.pk)
    if not hooks:
        return
    now = timezone.now()
    HookDelivery.objects.bulk_create(
        HookDelivery(webhook_id=pk, response=response, due_at=now) for pk in hooks
    )
    transaction.on_commit(lambda: send_when_due(now))


def payload(response: Response) -> bytes:
    """The JSON body: the response as stored, nothing of who sent it."""
    body = {
        "event": "response.completed",
        "survey": response.survey.slug,
        "response": {
            "id": response.pk,
            "completed_at": response.completed_at.isoformat() if response.completed_at else None,
            "language": response.language,
            "form_version": response.form_version.number,
            "answers": response.answers,
        },
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")


def signature(secret: str, body: bytes, at: int) -> str:
    """The `X-Indagine-Signature` header's value for `body` sent at unix time `at`."""
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def _post(hook: Webhook, delivery: HookDelivery, body: bytes, now: dt.datetime) -> str | None:
    """POST the body; None when the receiver answered 2xx, else what went wrong."""
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "indagine-webhook/1",
            "X-Indagine-Event": "response.completed",
            "X-Indagine-Delivery": str(delivery.pk),
            "X-Indagine-Signature": signature(hook.secret, body, int(now.timestamp())),
        },
    )
    context = ssl.create_default_context()  # certificates checked against the system's CAs
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=context) as reply:
            status = reply.status
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"not delivered: {getattr(error, 'reason', error)}"[:200]
    return None if 200 <= status < 300 else f"HTTP {status}"


def _wait(attempts: int) -> dt.timedelta:
    return min(FIRST_WAIT * 4 ** max(attempts - 1, 0), LONGEST_WAIT)


def send_due(now: dt.datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Send the deliveries due by `now` whose webhook is on; each claimed first (its due time
    moved past a lease), so two workers never send one at once."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0}
    due = HookDelivery.objects.filter(
        status=HookDelivery.Status.PENDING, due_at__lte=now, webhook__enabled=True
    ).order_by("due_at", "pk")
    for delivery in due.select_related("webhook")[:limit]:
        claimed = HookDelivery.objects.filter(pk=delivery.pk, due_at=delivery.due_at).update(
            due_at=now + LEASE
        )
        if not claimed:
            continue  # another worker has it
        response = (
            Response.objects.select_related("survey", "form_version")
            .filter(pk=delivery.response_id)
            .first()
        )
        if response is None:
            continue  # deleted meanwhile: its delivery went with it
        problem = _post(delivery.webhook, delivery, payload(response), now)
        _record(delivery, problem, now)
        counts["failed" if problem else "sent"] += 1
    return counts


def _record(delivery: HookDelivery, problem: str | None, now: dt.datetime) -> None:
    hook = delivery.webhook
    with transaction.atomic():
        if problem is None:
            HookDelivery.objects.filter(pk=delivery.pk).update(
                status=HookDelivery.Status.SENT, attempts=F("attempts") + 1, last_outcome="2xx"
            )
            Webhook.objects.filter(pk=hook.pk).update(failures=0, last_outcome="2xx")
            return
        attempts = delivery.attempts + 1
        status = HookDelivery.Status.GIVEN_UP if attempts >= ATTEMPTS else delivery.status
        HookDelivery.objects.filter(pk=delivery.pk).update(
            status=status, attempts=attempts, due_at=now + _wait(attempts), last_outcome=problem
        )
        Webhook.objects.filter(pk=hook.pk).update(failures=F("failures") + 1, last_outcome=problem)
        hook.refresh_from_db(fields=["failures", "enabled"])
        if hook.enabled and hook.failures >= OFF_AFTER:
            Webhook.objects.filter(pk=hook.pk).update(enabled=False, switched_off_at=now)
            audit("webhook.off", hook.survey, None, webhook=hook.pk, failures=hook.failures)
            logger.warning("webhook %s switched off after %s failures", hook.url, hook.failures)


@task()
def send() -> dict[str, int]:
    """What is due now, then a task for when the next delivery comes due."""
    counts = send_due()
    send_when_due(timezone.now())
    return counts


def send_when_due(now: dt.datetime) -> None:
    """Queue `send` for the first pending delivery's due time, unless one is queued by then."""
    first = HookDelivery.objects.filter(
        status=HookDelivery.Status.PENDING, webhook__enabled=True
    ).aggregate(first=Min("due_at"))["first"]
    if first is None:
        return
    when = max(first, now)
    queued = DBTaskResult.objects.filter(task_path=send.module_path, status="READY").filter(
        Q(run_after__lte=when) | Q(run_after=get_date_max())  # the latter: "as soon as free"
    )
    if not queued.exists():
        send.using(run_after=when).enqueue()
