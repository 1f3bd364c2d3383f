"""The site's public address and the organisation's name, as the organisers set them.

The address starts every absolute link that leaves the site: the personal links of emails
(written by the worker, which has no request to take a host from), the letter's link to the
survey. Saved on the organiser's settings page, it wins over INDAGINE_BASE_URL, the server's
setting; left at the loopback default, those links point to the organiser's own machine, so
pages and commands say so.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from indagine.surveys.models import SiteSettings
from indagine.surveys.services import audit

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def saved() -> SiteSettings:
    """The one row of site settings, unsaved and empty when none was saved yet."""
    return SiteSettings.objects.order_by("pk").first() or SiteSettings()


def base_url() -> str:
    """The address absolute links start with, without a trailing slash: the saved public
    address, else INDAGINE_BASE_URL."""
    return (saved().public_address or settings.INDAGINE_BASE_URL).rstrip("/")


def organisation_name() -> str:
    """The organisation's name as saved; empty when none is."""
    return saved().organisation_name.strip()


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_loopback(url: str) -> bool:
    """Does `url` name this machine (127.0.0.0/8, ::1, localhost)?"""
    host = _host(url)
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local(url: str) -> bool:
    """Does `url` name an address that only this machine or its local network reaches: the
    loopback, a private or link-local address, or a name without a dot (an intranet's)?"""
    host = _host(url)
    if is_loopback(url):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host or host.endswith((".local", ".lan", ".internal", ".home.arpa"))
    return address.is_private or address.is_link_local


def loopback_warning() -> str:
    """One line for commands that write links, while the base is this machine; else ""."""
    base = base_url()
    if not is_loopback(base):
        return ""
    return (
        f"warning: the links point to {base}, this machine: members elsewhere cannot open "
        "them. Set the public address on the organiser's settings page (/manage/settings/) "
        "or INDAGINE_BASE_URL."
    )


def save(*, public_address: str, organisation_name: str, user=None) -> SiteSettings:
    """Save the site settings (one row) and audit the change."""
    with transaction.atomic():
        row = SiteSettings.objects.select_for_update().order_by("pk").first() or SiteSettings()
        before = {"public_address": row.public_address, "organisation_name": row.organisation_name}
        row.public_address = public_address.rstrip("/")
        row.organisation_name = organisation_name.strip()
        row.save()
        after = {"public_address": row.public_address, "organisation_name": row.organisation_name}
        changed = {key: value for key, value in after.items() if before[key] != value}
        audit("site.settings", None, user, **changed)
    return row
