"""Submissions are rate-limited per client address."""

from __future__ import annotations

from indagine.collect.models import Response


def test_submissions_over_the_rate_get_429_and_store_nothing(client, open_survey, settings):
    settings.INDAGINE_SUBMIT_RATE = "3/m"
    body = {"_page": "0", "_action": "next", "org": "bpo"}
    codes = [
        client.post("/s/small/", {**body, "_key": f"key{i:040d}"}).status_code for i in range(5)
    ]
    assert codes[:3] == [302, 302, 302]
    assert codes[3:] == [429, 429]
    assert Response.objects.count() == 3


def test_counting_a_submission_against_the_limit_costs_no_database_statement(
    client, open_survey, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = {"_page": "0", "_action": "next", "org": "bpo"}
    client.post("/s/small/", {**body, "_key": "w" * 43})  # what a process reads once is read
    counted = []
    for rate, key in (("off", "a" * 43), ("1000/m", "b" * 43)):
        settings.INDAGINE_SUBMIT_RATE = rate
        with CaptureQueriesContext(connection) as queries:
            assert client.post("/s/small/", {**body, "_key": key}).status_code == 302
        counted.append([q["sql"] for q in queries.captured_queries])
    assert len(counted[1]) == len(counted[0])
    assert not any("cache" in sql for sql in counted[1])


def test_a_page_reads_its_survey_once_the_completing_one_too(client, open_survey):
    """The survey and the response come in one statement; nothing the page needs of the
    survey afterwards (its benchmark, on the completing page) is read again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key = "c" * 43
    pages = [{"org": "bpo"}, {"share": "40"}, {"comment": "ok"}]
    for index, answers in enumerate(pages):
        with CaptureQueriesContext(connection) as queries:
            reply = client.post(
                "/s/small/", {"_page": index, "_action": "next", "_key": key, **answers}
            )
        assert reply.status_code == 302
        survey_reads = [q["sql"] for q in queries.captured_queries if "surveys_survey" in q["sql"]]
        assert len(survey_reads) == 1, survey_reads
    assert reply["Location"].startswith("/s/small/thanks/")
    assert Response.objects.get().status == Response.Status.COMPLETE
