"""Respondent keys, in one place: making them, hashing them, checking them, spending them, what
other apps know of them, and the browser cookie that carries them.

A key is the secret a respondent's answers are filed under: a resume key this server made
(`new_key`, 43 characters) or a member's personal-link token (32). Only its hash is stored with
a partial response. In an anonymous survey a completed key is remembered as spent under a
digest that matches nothing else (`spent_digest`), and the answers keep no key at all.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.dispatch import Signal
from django.http import HttpResponse

from indagine.collect.models import SpentKey
from indagine.surveys.models import Survey

COOKIE = "indagine_{slug}"
COOKIE_AGE = 60 * 60 * 24 * 180  # a survey's fieldwork, with room to spare

# Asked when a key starts a response: survey, key_hash. A receiver answers "invited" (a
# personal link not yet used up), "spent" (its member has answered) or None (not one of its
# keys). The panel answers for personal links; collect knows no app above it.
key_asked = Signal()

# As this server makes them: never one a client chose, such as "1", which anyone could guess.
_KEY = re.compile(r"[A-Za-z0-9_-]{32,100}")


def new_key() -> str:
    """An unguessable resume key (256 bits)."""
    return secrets.token_urlsafe(32)


def well_formed(key: str | None) -> bool:
    return key is not None and _KEY.fullmatch(key) is not None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def digest(key: str | None) -> str | None:
    """The stored hash of a well-formed key; None for a missing or malformed one."""
    return hash_key(key) if well_formed(key) else None  # type: ignore[arg-type]


def spent_digest(key: str) -> str:
    """What an anonymous survey remembers of a completed key: no partial response's hash."""
    return hashlib.sha256(f"spent:{key}".encode()).hexdigest()


def spend(key: str, row_id: int) -> None:
    """Remember that `key` completed an anonymous response (under a random row id)."""
    SpentKey.objects.get_or_create(digest=spent_digest(key), defaults={"pk": row_id})


def key_state(survey: Survey, key: str | None) -> str | None:
    """What is known of a key in this survey: "spent", "invited", or None (a public key)."""
    if not well_formed(key):
        return None
    assert key is not None
    if survey.anonymous and SpentKey.objects.filter(digest=spent_digest(key)).exists():
        return "spent"
    hashed = hash_key(key)
    answers = key_asked.send(Survey, survey=survey, key_hash=hashed)
    return next((state for _, state in answers if state), None)


def cookie_of(request_cookies: dict[str, str], slug: str) -> str | None:
    """The key this browser holds for the survey at `slug`."""
    return request_cookies.get(COOKIE.format(slug=slug))


def remember(reply: HttpResponse, slug: str, key: str) -> HttpResponse:
    """Have the browser keep `key` for the survey at `slug` (script-proof, same-site)."""
    reply.set_cookie(
        COOKIE.format(slug=slug),
        key,
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return reply
