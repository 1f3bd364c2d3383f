"""Submissions are rate-limited per client address."""

from __future__ import annotations

from indagine.collect.models import Response


def test_submissions_over_the_rate_get_429_and_store_nothing(client, open_survey, settings):
    settings.INDAGINE_SUBMIT_RATE = "3/m"
    from django.core.cache import cache

    cache.clear()
    body = {"_page": "0", "_action": "next", "org": "bpo"}
    codes = [
        client.post("/s/small/", {**body, "_key": f"key{i:040d}"}).status_code for i in range(5)
    ]
    assert codes[:3] == [302, 302, 302]
    assert codes[3:] == [429, 429]
    assert Response.objects.count() == 3
