"""SMTP failures recorded per member and retried; opt-out and erasure honoured at send time."""

from __future__ import annotations

import datetime as dt

from django.core.mail import get_connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from indagine.panel import delivery, mail, services, tasks
from indagine.panel.models import Invitation, Member, Message
from indagine.panel.services import MAX_ATTEMPTS


def _invite(survey, members_csv) -> None:
    services.import_members(survey, members_csv)
    assert services.invite(survey) == 3


def _backoff_passes() -> None:
    """Move every retry's wait into the past (as if the back-off had run out)."""
    Message.objects.exclude(lease_until=None).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )


def _deliveries_queued(survey) -> list[dt.datetime | None]:
    """When each delivery queued for `survey` may run (None: as soon as a worker is free)."""
    queued = DBTaskResult.objects.filter(
        task_path=tasks.deliver.module_path, status="READY", args_kwargs__args__0=survey.pk
    ).values_list("run_after", flat=True)
    return [None if when == get_date_max() else when for when in queued]


def test_a_permanent_refusal_marks_the_member_bounced_and_is_not_retried(
    open_survey, smtp, members_csv
):
    smtp.refuse["bruno@example.org"] = "550 5.1.1 No such user"
    _invite(open_survey, members_csv)
    assert services.deliver_pending(open_survey.pk) == {"sent": 2, "failed": 1}
    bruno = Member.objects.get(email="bruno@example.org")
    assert bruno.invitation.bounced
    message = bruno.messages.get()
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    assert "550" in message.last_error and "No such user" in message.last_error
    assert sorted(a for rcpts in smtp.envelopes for a in rcpts) == [
        "anna@example.org",
        "carla@example.org",
    ]
    _backoff_passes()
    assert services.deliver_pending(open_survey.pk).total() == 0  # never retried
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=4))
    assert services.remind(open_survey) == 2  # a bounced member is not reminded
    assert services.fieldwork(open_survey).totals["bounced"] == 1


def test_a_temporary_failure_is_recorded_then_retried_and_sent_once(open_survey, smtp, members_csv):
    refusals = {"carla@example.org"}
    smtp.on_data = lambda n, envelope: (
        "451 4.3.0 Try again later" if refusals & set(envelope.rcpt_tos) else None
    )
    _invite(open_survey, members_csv)
    assert services.deliver_pending(open_survey.pk) == {"sent": 2, "failed": 1}
    carla = Member.objects.get(email="carla@example.org")
    message = carla.messages.get()
    assert message.status == "failed" and message.attempts == 1
    assert "451" in message.last_error
    assert not carla.invitation.bounced
    assert message.lease_until > timezone.now()  # waits before the retry
    assert services.deliver_pending(open_survey.pk).total() == 0
    refusals.clear()
    _backoff_passes()
    assert services.deliver_pending(open_survey.pk) == {"sent": 1}
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert smtp.by_recipient() == {
        "anna@example.org": 1,
        "bruno@example.org": 1,
        "carla@example.org": 1,
    }


def test_a_temporary_refusal_of_the_recipient_is_retried_not_a_bounce(
    open_survey, smtp, members_csv
):
    """Greylisting answers RCPT TO with 451: smtplib raises SMTPRecipientsRefused for it too,
    yet the address is good and the message must be retried."""
    smtp.refuse["carla@example.org"] = "451 4.7.1 Greylisted, try again later"
    _invite(open_survey, members_csv)
    services.deliver_pending(open_survey.pk)
    carla = Member.objects.get(email="carla@example.org")
    assert not carla.invitation.bounced
    assert carla.messages.get().attempts < MAX_ATTEMPTS
    del smtp.refuse["carla@example.org"]
    _backoff_passes()
    assert services.deliver_pending(open_survey.pk) == {"sent": 1}


def test_when_the_smtp_server_is_down_every_message_waits_for_a_retry(
    open_survey, smtp, members_csv, settings
):
    _invite(open_survey, members_csv)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    assert services.deliver_pending(open_survey.pk) == {"failed": 3}
    assert set(Message.objects.values_list("status", "attempts")) == {("failed", 1)}
    settings.EMAIL_PORT = port
    _backoff_passes()
    assert services.deliver_pending(open_survey.pk) == {"sent": 3}
    assert len(smtp.messages) == 3


def test_an_opted_out_address_imported_later_is_never_messaged(
    open_survey, smtp, members_csv, client
):
    services.opt_out("Bruno@Example.org ")
    assert services.import_members(open_survey, members_csv).created == 3
    assert services.invite(open_survey) == 2
    services.deliver_pending(open_survey.pk)
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=4))
    assert services.remind(open_survey) == 2
    services.deliver_pending(open_survey.pk)
    assert "bruno@example.org" not in smtp.by_recipient()
    assert services.fieldwork(open_survey).totals["opted_out"] == 1


def test_opting_out_after_queueing_or_between_retries_stops_the_message(
    open_survey, smtp, members_csv, settings
):
    _invite(open_survey, members_csv)
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 1
    services.deliver_pending(open_survey.pk)  # all three failed, waiting for a retry
    settings.EMAIL_PORT = port
    services.opt_out("anna@example.org")
    _backoff_passes()
    assert services.deliver_pending(open_survey.pk) == {"sent": 2, "dropped": 1}
    assert "anna@example.org" not in smtp.by_recipient()
    services.opt_out("bruno@example.org")  # already sent: nothing more
    open_survey.refresh_from_db()
    member = Member.objects.get(email="carla@example.org")
    services.queue_thanks(member)
    services.opt_out("carla@example.org")  # queued, then opted out
    assert services.deliver_pending(open_survey.pk).total() == 0
    assert smtp.by_recipient()["carla@example.org"] == 1


def test_an_erased_member_gets_nothing_more(open_survey, smtp, members_csv):
    _invite(open_survey, members_csv)
    assert services.erase_member(open_survey, "anna@example.org")
    assert services.deliver_pending(open_survey.pk) == {"sent": 2}
    assert "anna@example.org" not in smtp.by_recipient()
    assert services.invite(open_survey) == 0  # nor a new invitation


def test_messages_go_once_per_member_kind_and_round(open_survey, smtp, members_csv):
    _invite(open_survey, members_csv)
    assert services.invite(open_survey) == 0
    services.deliver_pending(open_survey.pk)
    services.deliver_pending(open_survey.pk)
    assert services.invite(open_survey) == 0
    assert set(smtp.by_message_id().values()) == {1}
    assert Invitation.objects.filter(bounced=True).count() == 0


def test_a_batch_that_outlasts_its_lease_leaves_to_another_worker_what_it_took_over(
    open_survey, smtp, members_csv, settings, monkeypatch
):
    """A slow SMTP server: worker A's lease runs out in the middle of its batch and worker B
    claims what is left. A renews the lease of each message just before sending it, so B never
    gets the one A is sending, and A skips the ones B now holds: every member gets one."""
    _invite(open_survey, members_csv)
    lease_time = dt.timedelta(seconds=settings.INDAGINE_SEND_LEASE_SECONDS)
    lease_a, ids_a = delivery.claim(open_survey.pk, now=timezone.now() - lease_time * 2)
    assert len(ids_a) == 3
    claimed_by_b: list[tuple[str, list[int]]] = []
    send = delivery._send

    def slow_send(message, composer, blocked):  # while A sends its first message, B claims
        if not claimed_by_b:
            claimed_by_b.append(delivery.claim(open_survey.pk))
        return send(message, composer, blocked)

    monkeypatch.setattr(delivery, "_send", slow_send)
    composer = mail.Composer(get_connection())
    assert delivery.send_claimed(lease_a, ids_a, composer) == {"sent": 1, "taken": 2}
    (first,) = smtp.by_recipient()
    lease_b, ids_b = claimed_by_b[0]
    assert len(ids_b) == 2 and Message.objects.get(member__email=first).pk not in ids_b
    monkeypatch.undo()
    assert delivery.send_claimed(lease_b, ids_b, composer) == {"sent": 2}
    assert delivery.send_claimed(lease_a, ids_a, composer) == {"taken": 3}  # all gone from A
    assert sorted(smtp.by_recipient().values()) == [1, 1, 1]
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_a_worker_restarted_within_a_killed_workers_lease_queues_a_delivery_for_when_it_ends(
    open_survey, smtp, members_csv
):
    """A worker killed holding messages and restarted at once (before its lease runs out)
    cannot take them up yet: it queues a delivery for the moment the lease runs out, which
    sends them, rather than leaving them until a worker happens to start again."""
    _invite(open_survey, members_csv)
    DBTaskResult.objects.all().delete()  # the invitation's delivery: the killed worker ran it
    delivery.claim(open_survey.pk)  # then it died, holding all three
    (until,) = set(Message.objects.values_list("lease_until", flat=True))
    assert services.recover() == 1
    assert _deliveries_queued(open_survey) == [until]
    assert tasks.deliver.call(open_survey.pk) == {}  # too early: still held
    assert _deliveries_queued(open_survey) == [until]  # and queued once, not twice
    _backoff_passes()  # the lease runs out
    assert tasks.deliver.call(open_survey.pk) == {"sent": 3}
    assert sorted(smtp.by_recipient().values()) == [1, 1, 1]


def test_a_failure_waiting_for_its_retry_gets_a_delivery_queued_for_the_end_of_its_back_off(
    open_survey, smtp, members_csv
):
    smtp.on_data = lambda n, envelope: (
        "451 4.3.0 Try again later" if "carla@example.org" in envelope.rcpt_tos else None
    )
    _invite(open_survey, members_csv)
    DBTaskResult.objects.all().delete()
    assert tasks.deliver.call(open_survey.pk) == {"sent": 2, "failed": 1}
    retry = Message.objects.get(member__email="carla@example.org").lease_until
    assert _deliveries_queued(open_survey) == [retry]
    smtp.on_data = None
    _backoff_passes()
    assert tasks.deliver.call(open_survey.pk) == {"sent": 1}
    assert _deliveries_queued(open_survey) == [retry]  # nothing more waits: nothing more queued


def test_a_delivery_task_sends_a_bounded_batch_and_queues_the_rest(
    open_survey, smtp, members_csv, monkeypatch
):
    """A worker told to stop finishes its task: one task per long queue would outlast the
    stop's timeout and be killed mid-send. Each task sends TASK_LIMIT, then queues the rest."""
    monkeypatch.setattr(tasks, "TASK_LIMIT", 2)
    _invite(open_survey, members_csv)
    DBTaskResult.objects.all().delete()
    assert tasks.deliver.call(open_survey.pk) == {"sent": 2}
    assert _deliveries_queued(open_survey) == [None]  # the rest, as soon as a worker is free
    assert tasks.deliver.call(open_survey.pk) == {"sent": 1}
    assert _deliveries_queued(open_survey) == [None]  # queued once, not once per task
    assert sorted(smtp.by_recipient().values()) == [1, 1, 1]
