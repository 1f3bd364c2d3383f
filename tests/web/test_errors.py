"""Failures outside a view's own refusals: a body over the size limit, too many fields, an
address with no page, a wrong Host, a server error. Each gets the refusal page with a code in
the visitor's language (JSON under /api/), and nothing is stored."""

from __future__ import annotations

import pytest
from django.test import Client

from indagine.collect.models import Response

FORM = "application/x-www-form-urlencoded"


def _page(reply) -> str:
    return reply.content.decode()


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_stored(
    client, open_survey, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
    body = "_page=0&_key=" + "k" * 43 + "&org=bpo&comment=" + "a" * (2 * 2**20)
    reply = client.post("/s/small/", body, content_type=FORM)
    assert reply.status_code == 413
    assert "REQUEST_TOO_LARGE" in _page(reply) and "(2 MB)" in _page(reply)
    assert '<html lang="it">' in _page(reply)
    assert not Response.objects.exists()


def test_too_many_fields_are_refused_with_a_code(client, open_survey, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    body = "_page=0&_key=" + "k" * 43 + "&" + "&".join(f"f{i}=1" for i in range(60))
    reply = client.post("/s/small/", body, content_type=FORM)
    assert reply.status_code == 400 and "REQUEST_TOO_MANY_FIELDS" in _page(reply)
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("accept", "lang", "text"),
    [
        ("it-IT,it", "it", "Controlla il link che hai ricevuto"),
        ("en-GB,en", "en", "Check the link"),
    ],
)
def test_an_address_with_no_page_says_so_in_the_visitors_language(db, client, accept, lang, text):
    reply = client.get("/s/no-such-survey/", HTTP_ACCEPT_LANGUAGE=accept)
    assert reply.status_code == 404
    assert "NOT_FOUND" in _page(reply) and text in _page(reply)
    assert f'<html lang="{lang}">' in _page(reply)


def test_the_api_answers_json_for_an_address_it_does_not_have(db, client):
    reply = client.get("/api/no-such-thing/")
    assert reply.status_code == 404 and reply["Content-Type"] == "application/json"
    assert reply.json()["detail"].startswith("NOT_FOUND:")


def test_a_request_for_an_unknown_host_is_refused_with_a_code(db, client):
    reply = client.get("/s/small/", HTTP_HOST="attacker.example")
    assert reply.status_code == 400 and "BAD_REQUEST" in _page(reply)


def test_a_server_error_shows_a_page_with_a_code_and_no_details(open_survey, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("indagine.collect.views.find_survey", broken)
    reply = Client(raise_request_exception=False).get("/s/small/")
    assert reply.status_code == 500
    assert "SERVER_ERROR" in _page(reply) and "secret internals" not in _page(reply)


def test_every_page_carries_a_content_security_policy(client, open_survey):
    """Scripts only from the server's own files: text that escaped its escaping would not run."""
    for url in ("/s/small/", "/healthz", "/no-such-page/", "/api/docs"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy, url
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_readiness_asks_the_database(client, db, monkeypatch):
    assert client.get("/readyz").content == b"ok"

    def broken(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("the database is gone")

    from django.db.backends.utils import CursorWrapper

    with monkeypatch.context() as patched:
        patched.setattr(CursorWrapper, "execute", broken)
        reply = client.get("/readyz")
    assert reply.status_code == 503
    assert client.get("/healthz").status_code == 200  # liveness: the process answers
