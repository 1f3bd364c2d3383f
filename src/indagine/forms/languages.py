"""The languages indagine's own words come in (the respondent's pages, the organiser's pages,
the emails, the report): their one home. A form's labels may be in any language; these are
the ones a page can be shown in, and a questionnaire's own texts in another are shown only
where no text in one of these exists (FORM_LANGUAGE_NOT_OFFERED)."""

from __future__ import annotations

# code -> the language's name in itself, in the order pages list them
OFFERED: dict[str, str] = {"it": "Italiano", "en": "English"}
DEFAULT = "it"


def offered(code: str | None) -> bool:
    return code in OFFERED


def or_default(code: str | None, default: str = DEFAULT) -> str:
    """`code` when the pages are offered in it, else `default`."""
    return code if code is not None and code in OFFERED else default
