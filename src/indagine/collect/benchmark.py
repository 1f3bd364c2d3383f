"""Each member's benchmark on the thank-you page, collect's side: which answers it reads, and
in an anonymous survey where they are kept meanwhile. The comparison itself is the results
app's (`benchmark_asked`, answered by results.benchmark).

An anonymous survey stores nothing that links a response to its respondent, so the answers a
benchmark needs cannot be found again from the server: at completion they go to the
respondent's own browser in a signed cookie (their own answers to the benchmark's questions,
nothing else, for a day), and the thank-you page compares them from there. The server keeps
no copy and no link (tests/collect/test_benchmark.py reads the database for one).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from indagine.collect.signals import benchmark_asked
from indagine.surveys.models import Survey

logger = logging.getLogger(__name__)
COOKIE = "indagine-benchmark-{slug}"
AGE = 24 * 3600
_SALT = "indagine.benchmark"


def kept(survey: Survey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers a benchmark reads: the questions it shows and its group's."""
    if survey.current_version is None:
        return {}
    form = survey.current_version.form
    names = {q.name for q in form.benchmarked()} | {survey.benchmark_group} - {""}
    return {name: answers[name] for name in sorted(names) if name in answers}


def remember(reply: HttpResponse, survey: Survey, answers: Mapping[str, Any]) -> None:
    reply.set_cookie(
        COOKIE.format(slug=survey.slug),
        signing.dumps(kept(survey, answers), salt=_SALT, compress=True),
        max_age=AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def recalled(request: HttpRequest, survey: Survey) -> dict[str, Any]:
    """The answers the browser kept for the benchmark, if it kept any still good."""
    value = request.COOKIES.get(COOKIE.format(slug=survey.slug), "")
    try:
        found = signing.loads(value, salt=_SALT, max_age=AGE) if value else {}
    except signing.BadSignature:
        return {}
    return found if isinstance(found, dict) else {}


def shown(survey: Survey, answers: Mapping[str, Any], lang: str) -> Any:
    """The benchmark the thank-you page shows, or None: never a server error on a page that
    thanks a respondent (the error is logged, the thanks stand)."""
    if not answers:
        return None
    try:
        return asked(survey, answers, lang)
    except Exception:
        logger.exception("benchmark of %s not shown", survey.slug)
        return None


def asked(survey: Survey, answers: Mapping[str, Any], lang: str) -> Any:
    """What the results app shows for these answers (None if it shows nothing)."""
    replies = benchmark_asked.send(
        sender=Survey, survey=survey, answers=kept(survey, answers), lang=lang
    )
    return next((found for _receiver, found in replies if found is not None), None)
