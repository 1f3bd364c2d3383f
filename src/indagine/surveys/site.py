"""The site's public address and the organisation's name, as the organisers set them.

The address starts every absolute link that leaves the site: the personal links of emails
(written by the worker, which has no request to take a host from), the letter's link to the
survey. Saved on the organiser's settings page, it wins over INDAGINE_BASE_URL, the server's
setting; left at the loopback default, those links point to the organiser's own machine, so
pages and commands say so.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from indagine.surveys.codes import SurveyCode
from indagine.surveys.models import SiteSettings
from indagine.surveys.services import audit
from indagine.web.refusals import Refused

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


# -- branding: the organisation's name, logo and one accent colour -------------------------------

LOGO_MAX_BYTES = 200_000
LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}  # no SVG: a script inside would run
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for text: the accent colours links and buttons on white
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class BrandingRefused(Refused):
    """A colour or logo refused, with a stable code; nothing saved."""


def contrast_on_white(colour: str) -> float:
    """WCAG 2.1's contrast ratio of `colour` (#rrggbb) against white. Written here: the
    formula is two lines of the standard, and no well-kept library offers only it."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def check_colour(colour: str) -> str:
    """The colour as saved (#rrggbb, lower case), or refused: not a colour, or under 4.5:1
    against white (text in it, or white text on it, would not be read by many)."""
    colour = colour.strip()
    if not colour:
        return ""
    if not _HEX.fullmatch(colour):
        raise BrandingRefused(SurveyCode.BAD_COLOUR, "A colour is written #rrggbb, as #0b5394.")
    ratio = contrast_on_white(colour)
    if ratio < MIN_CONTRAST:
        raise BrandingRefused(
            SurveyCode.LOW_CONTRAST,
            f"{colour} has a contrast of {ratio:.2f}:1 on white; at least {MIN_CONTRAST}:1 is "
            "needed for text in it to be read: choose a darker shade.",
        )
    return colour.lower()


def check_logo(data: bytes) -> str:
    """The logo's type, judged by its content (PNG, JPEG or WebP, at most 200 KB), or refused."""
    import filetype

    if len(data) > LOGO_MAX_BYTES:
        raise BrandingRefused(SurveyCode.BAD_LOGO, "The logo is larger than 200 KB.")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in LOGO_TYPES:
        raise BrandingRefused(SurveyCode.BAD_LOGO, "The logo must be a PNG, JPEG or WebP image.")
    return str(kind.mime)


def save_branding(
    *, accent_colour: str, logo: bytes | None = None, remove_logo: bool = False, user=None
) -> SiteSettings:
    """Save the accent colour and the logo (or remove it), both checked first. Audited."""
    colour = check_colour(accent_colour)
    logo_type = check_logo(logo) if logo else ""
    with transaction.atomic():
        row = SiteSettings.objects.select_for_update().order_by("pk").first() or SiteSettings()
        row.accent_colour = colour
        if logo:
            row.logo, row.logo_type = logo, logo_type
            row.logo_version = (row.logo_version or 0) + 1
        elif remove_logo:
            row.logo, row.logo_type = None, ""
        row.save()
        audit("site.branding", None, user, accent_colour=colour, logo=row.logo_type or "none")
    return row


def branding() -> dict[str, str]:
    """What the pages, the emails and the report show: the organisation's name, the accent
    colour (validated #rrggbb, safe in a style) and the logo's address (empty: none)."""
    row = SiteSettings.objects.order_by("pk").defer("logo").first()
    if row is None:
        return {"name": "", "accent": "", "logo": ""}
    accent = row.accent_colour if _HEX.fullmatch(row.accent_colour or "") else ""
    logo = f"/branding/logo?v={row.logo_version}" if row.logo_type else ""
    return {"name": row.organisation_name.strip(), "accent": accent, "logo": logo}


def branding_context(request) -> dict[str, dict[str, str]]:
    """Template context processor: `branding` on every page."""
    return {"branding": branding()}
