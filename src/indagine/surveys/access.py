"""Who may use the organiser's pages: the API's rule, on the web too.

Logging in is not enough: a club may give accounts to people who are not organisers (a member
who reads the Django admin's help, a colleague who only downloads the report). Reading a
survey's pages (its detail, preview, dashboard, report, newsletter, panel page) needs the
Django permission `surveys.view_survey`; changing anything (a new form, opening, closing,
settings, the panel's imports and mailings) `surveys.change_survey`. A superuser has both;
others get them in the admin (Users → permissions, or a group). Without one, a logged-in user
gets 403 FORBIDDEN; a visitor who is not logged in goes to the login page as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required

VIEW = "surveys.view_survey"
CHANGE = "surveys.change_survey"


def organiser(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Login (else the login page), then `permission` (else 403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorate
