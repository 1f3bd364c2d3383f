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
