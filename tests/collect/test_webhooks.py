"""Webhooks (#17.10): each completed response POSTed to the organiser's HTTPS address, received
here by a real HTTPS server with its own certificate authority; the signature checked, the
retries after a 500, the switch-off after repeated failures, nothing of the member sent."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme
from django.utils import timezone

from indagine.collect import hooks
from indagine.collect.models import HookDelivery, Response, Webhook
from indagine.surveys.models import AuditEntry


class Receiver:
    """An HTTPS endpoint answering each POST with the next status of `statuses` (then the
    last one again), keeping what it received."""

    def __init__(self) -> None:
        self.statuses = [200]
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = ""


@pytest.fixture
def receiver(tmp_path, monkeypatch) -> Iterator[Receiver]:
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # our client trusts this authority only
    got = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.received.append((dict(self.headers), body))
            status = got.statuses.pop(0) if len(got.statuses) > 1 else got.statuses[0]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"https://localhost:{server.server_address[1]}/hook"
    yield got
    server.shutdown()
    server.server_close()


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(user)
    return user


def _complete(client, key: str = "k" * 43, org: str = "bpo") -> None:
    body = {"_key": key, "_action": "next"}
    client.post("/s/small/", {**body, "_page": "0", "org": org})
    client.post("/s/small/", {**body, "_page": "1", "share": "12.5", "tools": ["vpn"]})
    client.post("/s/small/", {**body, "_page": "2", "comment": "ok"})


def _added(client, url: str) -> Webhook:
    page = client.post("/manage/small/webhooks/", {"action": "add", "url": url}, follow=True)
    hook = Webhook.objects.get()
    assert hook.secret in page.content.decode()  # shown once, to set up the receiver
    return hook


def _verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    fields = dict(part.split("=", 1) for part in headers["X-Indagine-Signature"].split(","))
    signed = f"{fields['t']}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_a_completed_response_is_posted_signed_to_the_organiser_s_address(
    open_survey, client, organiser, receiver
):
    hook = _added(client, receiver.url)
    _complete(client)
    assert hooks.send_due() == {"sent": 1, "failed": 0}
    ((headers, body),) = receiver.received
    assert _verified(hook.secret, headers, body)
    assert not _verified("another secret", headers, body)
    sent = json.loads(body)
    response = Response.objects.get()
    assert sent["event"] == "response.completed" and sent["survey"] == "small"
    assert sent["response"]["id"] == response.pk
    assert (
        sent["response"]["answers"]
        == response.answers
        == {
            "org": "bpo",
            "share": 12.5,
            "tools": ["vpn"],
            "comment": "ok",
        }
    )
    assert headers["X-Indagine-Delivery"] == str(HookDelivery.objects.get().pk)
    assert HookDelivery.objects.get().status == "sent"
    assert hooks.send_due() == {"sent": 0, "failed": 0}  # once


def test_completion_queues_the_worker_s_task_which_sends_it(
    open_survey, client, organiser, receiver, django_capture_on_commit_callbacks
):
    """The completion's commit queues `hooks.send` for the worker (`indagine worker` runs
    every queued task; run here in this process, as the worker would, by its task)."""
    from django_tasks_db.models import DBTaskResult

    _added(client, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        _complete(client)
    (queued,) = DBTaskResult.objects.filter(task_path=hooks.send.module_path, status="READY")
    assert queued.run_after <= timezone.now()
    assert hooks.send.call() == {"sent": 1, "failed": 0}
    assert len(receiver.received) == 1


def test_a_500_is_tried_again_after_its_wait_then_delivered(
    open_survey, client, organiser, receiver
):
    receiver.statuses = [500, 200]
    _added(client, receiver.url)
    _complete(client)
    now = timezone.now()
    assert hooks.send_due(now) == {"sent": 0, "failed": 1}
    delivery = HookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_outcome == "HTTP 500"
    assert delivery.due_at == now + hooks.FIRST_WAIT
    assert hooks.send_due(now + dt.timedelta(seconds=29)) == {"sent": 0, "failed": 0}
    assert hooks.send_due(now + dt.timedelta(seconds=30)) == {"sent": 1, "failed": 0}
    assert len(receiver.received) == 2 and receiver.received[0][1] == receiver.received[1][1]
    assert Webhook.objects.get().failures == 0


def test_repeated_failures_switch_it_off_with_a_notice_until_switched_on(
    open_survey, client, organiser, receiver
):
    receiver.statuses = [503]
    hook = _added(client, receiver.url)
    for i in range(hooks.OFF_AFTER):
        _complete(client, key=f"{i:043d}")
    now = timezone.now()
    assert hooks.send_due(now) == {"sent": 0, "failed": hooks.OFF_AFTER}
    hook.refresh_from_db()
    assert not hook.enabled and hook.switched_off_at == now
    assert AuditEntry.objects.filter(action="webhook.off").count() == 1
    notice = client.get("/manage/small/").content.decode()
    assert 'id="webhooks-off"' in notice and receiver.url in notice
    _complete(client, key="z" * 43)  # completed while it is off: kept for later
    assert hooks.send_due(now + dt.timedelta(days=1)) == {"sent": 0, "failed": 0}
    receiver.statuses = [200]
    client.post("/manage/small/webhooks/", {"action": "on", "webhook": hook.pk})
    later = timezone.now() + dt.timedelta(seconds=1)
    assert hooks.send_due(later) == {"sent": hooks.OFF_AFTER + 1, "failed": 0}
    assert AuditEntry.objects.filter(action="webhook.on").count() == 1
    assert 'id="webhooks-off"' not in client.get("/manage/small/").content.decode()


def test_an_anonymous_survey_s_delivery_carries_nothing_of_the_member(
    open_survey, client, organiser, receiver
):
    open_survey.anonymous = True
    open_survey.save()
    _added(client, receiver.url)
    _complete(client)
    hooks.send_due()
    ((headers, body),) = receiver.received
    sent = json.loads(body)["response"]
    assert set(sent) == {"id", "completed_at", "language", "form_version", "answers"}
    completed = dt.datetime.fromisoformat(sent["completed_at"])
    assert timezone.localtime(completed).time() == dt.time(0, 0)  # the day, as stored
    assert "k" * 43 not in body.decode() and "key" not in json.dumps(headers).lower()


def test_test_responses_and_other_surveys_are_not_sent(open_survey, client, organiser, receiver):
    _added(client, receiver.url)
    body = {"_key": "t" * 43, "_action": "next"}
    client.post("/s/small/", {**body, "_page": "0", "org": "bpo"})
    Response.objects.update(test=True)
    client.post("/s/small/", {**body, "_page": "1", "share": "1"})
    client.post("/s/small/", {**body, "_page": "2"})
    assert Response.objects.get().status == "complete"
    assert HookDelivery.objects.count() == 0


def test_an_address_that_is_not_https_is_refused_with_a_code(open_survey, client, organiser):
    for url in ("http://example.org/hook", "https://user:pw@example.org/", "ftp://x", "nothing"):
        page = client.post("/manage/small/webhooks/", {"action": "add", "url": url}, follow=True)
        assert "WEBHOOK_NOT_HTTPS" in page.content.decode()
    assert not Webhook.objects.exists()
    assert AuditEntry.objects.filter(action="webhook.add").count() == 0


def test_a_receiver_whose_certificate_is_not_trusted_is_a_failure(
    open_survey, client, organiser, receiver, monkeypatch, tmp_path
):
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    _added(client, receiver.url)
    _complete(client)
    assert hooks.send_due() == {"sent": 0, "failed": 1}
    assert "CERTIFICATE_VERIFY_FAILED" in HookDelivery.objects.get().last_outcome
    assert receiver.received == []


def test_only_those_who_may_change_the_survey_manage_its_webhooks(
    open_survey, client, django_user_model
):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw-for-tests-123")
    viewer.user_permissions.add(Permission.objects.get(codename="view_survey"))
    client.force_login(viewer)
    assert client.get("/manage/small/webhooks/").status_code == 403
    reply = client.post("/manage/small/webhooks/", {"action": "add", "url": "https://x.org/"})
    assert reply.status_code == 403 and not Webhook.objects.exists()
