"""A form or a query string that is not valid text is refused whole with REQUEST_BAD_ENCODING,
in the visitor's language, and nothing of it is stored."""

from __future__ import annotations

import pytest

from indagine.collect.models import Response
from indagine.web.decoding import decodes

FORM = "application/x-www-form-urlencoded"
KEY = "k" * 43
START = f"_page=0&_key={KEY}&_action=next&org=other&org_other=".encode()


@pytest.mark.parametrize(
    "answer",
    [b"%FF%FE", b"caf%E9", b"%C3", b"%C3%A9%C3", b"\xff\xfe", b"caf\xe9", b"\xc3%A9"],
    ids=[
        "escaped-ff-fe",
        "escaped-latin1",
        "cut-sequence",
        "cut-after-one",
        "raw",
        "raw-latin1",
        "raw-then-escaped",
    ],
)
def test_a_respondents_answer_that_is_not_utf8_is_refused_and_nothing_is_stored(
    client, open_survey, answer
):
    reply = client.post("/s/small/", START + answer, content_type=FORM)
    assert reply.status_code == 400
    assert "REQUEST_BAD_ENCODING" in reply.content.decode()
    assert not Response.objects.exists()


def test_the_refusal_is_in_the_visitors_language(client, open_survey):
    reply = client.post("/s/small/", START + b"%FF", content_type=FORM, HTTP_ACCEPT_LANGUAGE="en")
    assert reply.status_code == 400 and "not valid text (UTF-8)" in reply.content.decode()
    italian = client.post("/s/small/", START + b"%FF", content_type=FORM)
    assert "non è testo valido" in italian.content.decode()


@pytest.mark.parametrize("answer", [b"caf%C3%A9+%E2%82%AC", "café €".encode(), b"plain+text%21"])
def test_a_utf8_answer_raw_or_escaped_is_stored_as_written(client, open_survey, answer):
    reply = client.post("/s/small/", START + answer, content_type=FORM)
    assert reply.status_code == 302
    stored = Response.objects.get().answers["org_other"]
    assert stored in ("café €", "plain text!")


def test_a_multipart_form_with_a_field_that_is_not_utf8_is_refused(client, open_survey):
    boundary = "b0undary"
    parts = [(b"_page", b"0"), (b"_key", KEY.encode()), (b"_action", b"next")]
    parts += [(b"org", b"other"), (b"org_other", b"caf\xe9")]
    body = (
        b"".join(
            b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (boundary.encode(), name, value)
            for name, value in parts
        )
        + b"--%s--\r\n" % boundary.encode()
    )
    reply = client.post("/s/small/", body, content_type=f"multipart/form-data; boundary={boundary}")
    assert reply.status_code == 400 and "REQUEST_BAD_ENCODING" in reply.content.decode()
    assert not Response.objects.exists()


def test_a_query_string_that_is_not_utf8_is_refused(client, open_survey):
    assert client.get("/s/small/", QUERY_STRING="page=%FF").status_code == 400
    assert client.get("/s/small/", QUERY_STRING="lang=caf%C3%A9").status_code != 400


def test_ascii_with_escapes_of_ascii_only_is_not_decoded():
    assert decodes(b"a=%41%7E+b&c=%25", "utf-8")
    assert not decodes(b"a=%ff", "utf-8") and not decodes(b"a=%C3", "utf-8")
