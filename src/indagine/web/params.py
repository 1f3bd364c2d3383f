"""Numbers read from a request's query or form."""

from __future__ import annotations

import re

_SMALL = re.compile(r"[0-9]{1,6}")


def small_number(text: str | None) -> int | None:
    """A page number or a count as sent, or None: ASCII digits only, six at most. Hand-written
    because `str.isdigit` also takes '²' or '٣', which `int()` then refuses or reads, and a
    5,000-digit number makes `int()` raise: either was a server error on a public page."""
    return int(text) if text and _SMALL.fullmatch(text) else None
