"""The banner of the organiser's pages while the links sent out point to this machine."""

from __future__ import annotations

from typing import Any

from django import template

from indagine.surveys import site
from indagine.surveys.access import CHANGE, VIEW, may, may_somewhere
from indagine.surveys.models import Survey

register = template.Library()


@register.inclusion_tag("surveys/_loopback_banner.html", takes_context=True)
def loopback_banner(context: template.Context) -> dict[str, Any]:
    """The base of emails' links when it is the loopback, for organisers only (not on the
    login page, nor on the settings page, which says it in its own words)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may_somewhere(user, VIEW):
        return {"base": ""}
    if context.get("site_settings_page"):
        return {"base": ""}
    base = site.base_url()
    return {"base": base if site.is_loopback(base) else ""}


@register.filter
def may_change(user: Any, survey: Survey) -> bool:
    """`{% if user|may_change:survey %}`: may this user change this survey (its own right, or
    every survey's)?"""
    return may(user, CHANGE, survey)
