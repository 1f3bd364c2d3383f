"""Who may use the organiser's pages: the API's rule, on the web too.

Logging in is not enough: a club may give accounts to people who are not organisers (a member
who reads the Django admin's help, a colleague who only downloads the report). Reading a
survey's pages (its detail, preview, dashboard, report, newsletter, responses, panel page)
needs `surveys.view_survey`; changing anything (a new form, opening, closing, settings,
deleting responses, the panel's imports and mailings) `surveys.change_survey`. The right to
change a survey includes the right to see it.

Each permission is held for every survey (Django's permission, given in the admin: Users →
permissions, or a group) or for one survey only (django-guardian's object permission, given on
the survey's page or in the admin's "Object permissions"): a colleague can see, or change, the
survey of their committee and no other. Pages of no one survey (the list, the API tokens)
need a right on at least one survey, and the list shows only those; creating a survey and the
site's settings need the permission for every survey. Without it, a logged-in user gets 403
FORBIDDEN, whether or not the survey exists; a visitor who is not logged in goes to the login
page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from indagine.surveys.models import Survey

VIEW = "surveys.view_survey"
CHANGE = "surveys.change_survey"
RIGHTS = {"view": VIEW, "change": CHANGE}
"""The rights given on one survey, by the names its page uses."""


def _implied(permission: str) -> tuple[str, ...]:
    return (VIEW, CHANGE) if permission == VIEW else (permission,)


def may(user: Any, permission: str, survey: Survey | None = None) -> bool:
    """Has `user` the permission for every survey, or (with `survey`) for that one?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    for wanted in _implied(permission):
        if user.has_perm(wanted) or (survey is not None and user.has_perm(wanted, survey)):
            return True
    return False


def surveys_for(user: Any, permission: str = VIEW) -> QuerySet[Survey]:
    """The surveys `user` holds the permission for (all of them with the global one)."""
    from guardian.shortcuts import get_objects_for_user

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Survey.objects.none()
    found: QuerySet[Survey] = get_objects_for_user(
        user, list(_implied(permission)), klass=Survey, any_perm=True, accept_global_perms=True
    )
    return found


def may_somewhere(user: Any, permission: str) -> bool:
    """Has `user` the permission for at least one survey (or for all)?"""
    return may(user, permission) or surveys_for(user, permission).exists()


def organiser(
    permission: str, *, somewhere: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Login (else the login page), then `permission` (else 403): on the survey the address
    names (`slug`); on a page of no one survey, for every survey, or with `somewhere` for at
    least one."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(request: Any, *args: Any, **kwargs: Any) -> Any:
            slug = kwargs.get("slug")
            if slug is not None:
                allowed = may(request.user, permission, Survey.objects.filter(slug=slug).first())
            elif somewhere:
                allowed = may_somewhere(request.user, permission)
            else:
                allowed = may(request.user, permission)
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorate
