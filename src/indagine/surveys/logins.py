"""Organisers' logins: failed attempts are counted per client address, and past the limit
(INDAGINE_LOGIN_RATE) a login form refuses every attempt, right or wrong, for a while.

Failures are counted where Django reports them (`user_login_failed`, sent by `authenticate`),
so the organisers' login page and the Django admin's count together; django_ratelimit keeps
the counts, as for the respondents' submissions and personal links.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from indagine.surveys.codes import SurveyCode
from indagine.web.errors import refusal
from indagine.web.limits import rate
from indagine.web.links import used_up

GROUP = "login"


def _login_rate(group: str, request: HttpRequest) -> str | None:
    return rate(settings.INDAGINE_LOGIN_RATE)


@receiver(user_login_failed)
def count_failure(sender: Any, credentials: dict, request: HttpRequest | None = None, **kw) -> None:
    if request is not None:
        is_ratelimited(request, group=GROUP, key="ip", rate=_login_rate, increment=True)


def limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A login view that refuses to check a password from an address over the limit."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and used_up(request, GROUP, _login_rate):
            return refusal(
                request,
                SurveyCode.LOGIN_RATE_LIMITED,
                _("Too many failed logins from this address: try again later."),
                429,
                heading=_("Login refused"),
            )
        return view(request, *args, **kwargs)

    return wrapped
