"""Links that carry a secret (a member's personal link, a resume link): guessing them is
limited per client address, wrong ones counted against INDAGINE_TOKEN_RATE, and a wrong one
is answered the same way wherever it was tried."""

from __future__ import annotations

import enum
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage, is_ratelimited

from indagine.web.codes import RequestCode
from indagine.web.errors import refusal


def _token_rate(group: str, request: HttpRequest) -> str:
    return settings.INDAGINE_TOKEN_RATE


def used_up(request: HttpRequest, group: str, rate: Callable[..., str | None]) -> bool:
    """Has this address used up its allowance in `group` (django_ratelimit's count, read
    without adding to it)? Wrong links here, failed logins in surveys.logins."""
    usage = get_usage(request, group=group, key="ip", rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def guessing_refused(request: HttpRequest) -> HttpResponse | None:
    """429 when this address has used up its wrong links; else None (the link is looked at)."""
    if used_up(request, "token", _token_rate):
        return refusal(
            request,
            RequestCode.RATE_LIMITED,
            _("Too many wrong links from this address: wait a minute and try again."),
        )
    return None


def wrong_link(request: HttpRequest, code: enum.StrEnum, text: str) -> HttpResponse:
    """A link that matches nothing: counted against the address, answered 404 with `code`."""
    is_ratelimited(request, group="token", key="ip", rate=_token_rate, increment=True)
    return refusal(request, code, text, 404, heading=_("This link does not work"))
