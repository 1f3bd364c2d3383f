"""Pages come gzip-compressed to a browser that asks (GZipMiddleware), smaller and otherwise the
same; downloads still arrive whole, and the dashboard's refresh still gets its 304."""

from __future__ import annotations

import gzip
import re

import pytest

from indagine.collect.transfer import add_synthetic

SLUG = "remote-working-2020"
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
# What differs between two requests of the same page: the CSRF token (masked anew each time),
# a new respondent's key, the dashboard's "updated at" time.
VOLATILE = re.compile(
    rb'(name="(?:csrfmiddlewaretoken|_key)" value=")[^"]*"|(<time id="refreshed">)[^<]*'
)


@pytest.fixture
def answered(builtin_survey):
    add_synthetic(SLUG, 60, seed=5, test=False)
    return builtin_survey


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(user)
    return user


def _steady(body: bytes) -> bytes:
    return VOLATILE.sub(lambda m: (m.group(1) or m.group(2)) + b"~", body)


def _both(client, url):
    """The page asked for plainly and compressed: (plain reply, compressed reply, its body)."""
    plain = client.get(url)
    packed = client.get(url, **GZIP)
    assert plain.status_code == packed.status_code == 200, (plain.status_code, url)
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content)
    return plain, packed, gzip.decompress(packed.content)


def test_a_respondents_page_comes_compressed_and_otherwise_the_same(client, builtin_survey):
    plain, packed, body = _both(client, f"/s/{SLUG}/")
    assert b'name="_key"' in body and b'name="csrfmiddlewaretoken"' in body
    assert _steady(body) == _steady(plain.content)
    assert len(packed.content) < len(plain.content) / 2  # about 0.3, padding included


def test_the_dashboard_comes_compressed_and_otherwise_the_same(client, answered, organiser):
    plain, packed, body = _both(client, f"/manage/{SLUG}/results/?lang=it")
    assert b'<dd id="n-complete">60</dd>' in body
    assert _steady(body) == _steady(plain.content)
    assert len(packed.content) < len(plain.content) / 4  # about 0.13


def test_the_dashboards_refresh_still_gets_304_when_compressed(client, answered, organiser):
    url = f"/manage/{SLUG}/results/?fragment=1&lang=it"
    first = client.get(url, **GZIP)
    etag = first["ETag"]  # a weak one now: the bytes are gzip's, the page the same
    assert first["Content-Encoding"] == "gzip" and etag.startswith('W/"')
    assert client.get(url, HTTP_IF_NONE_MATCH=etag, **GZIP).status_code == 304
    add_synthetic(SLUG, 2, seed=6, test=False)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **GZIP)
    assert changed.status_code == 200
    assert b'<dd id="n-complete">62</dd>' in gzip.decompress(changed.content)


def test_a_download_arrives_whole_and_named(client, answered, organiser):
    plain, packed, body = _both(client, f"/manage/{SLUG}/newsletter.md?lang=it")
    assert body == plain.content and body.decode().startswith("Cari soci")
    for reply in (plain, packed):
        assert reply["Content-Type"].startswith("text/markdown")
        assert reply["Content-Disposition"] == f'attachment; filename="{SLUG}-newsletter.md"'


def test_a_pdf_report_still_downloads(client, answered, organiser):
    reply = client.get(f"/manage/{SLUG}/report.pdf?lang=it", **GZIP)
    assert reply.status_code == 200 and reply["Content-Type"] == "application/pdf"
    assert reply["Content-Disposition"].startswith("attachment;")
    body = reply.content
    if reply.get("Content-Encoding") == "gzip":  # only when gzip made it smaller
        body = gzip.decompress(body)
    assert int(reply["Content-Length"]) == len(reply.content)
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")


def test_tiny_replies_are_left_alone(client, db):
    reply = client.get("/healthz", **GZIP)
    assert reply.content == b"ok" and "Content-Encoding" not in reply
