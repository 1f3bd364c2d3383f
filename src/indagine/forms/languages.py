"""The languages indagine's own words come in: their one home.

Two sets, because two kinds of words are written in them:

- `OFFERED`: the organiser's pages, the emails' built-in wording and the report (Italian and
  English);
- `PAGE_WORDS`: the respondent's pages' own words (buttons, progress, messages, the thank-you
  and the refusals), in more languages, since members answer in theirs.

A questionnaire's labels may be in any language: a respondent's page is shown in each language
its labels use. Where indagine has no words in that language, the page's own words are in
English (`FALLBACK`), marked as such for screen readers, around the form's own labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# code -> the language's name in itself, in the order pages list them
OFFERED: dict[str, str] = {"it": "Italiano", "en": "English"}
PAGE_WORDS: dict[str, str] = {
    **OFFERED,
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
}
DEFAULT = "it"
FALLBACK = "en"  # the page's own words where a form's language has none of ours
UNDETERMINED = "und"  # labels written without a language (`label`, not `label::...`)

# A BCP 47 tag as a form may carry it in its header, "(pt)" or "(pt-BR)": what <html lang> takes.
_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def offered(code: str | None) -> bool:
    return code in OFFERED


def or_default(code: str | None, default: str = DEFAULT) -> str:
    """`code` when the organiser's pages and emails are offered in it, else `default`."""
    return code if code is not None and code in OFFERED else default


def is_tag(code: str | None) -> bool:
    """Is `code` a language tag a page can declare (`pt`, `pt-br`), not a written name?"""
    return code is not None and code != UNDETERMINED and bool(_TAG.match(code))


def page_words(code: str | None) -> str:
    """The language of the page's own words for a page in `code`: `code` itself, its base
    language (`fr` for `fr-ca`), or English."""
    if code in PAGE_WORDS:
        return code
    base = (code or "").split("-")[0]
    return base if base in PAGE_WORDS else FALLBACK


def page_languages(languages: Mapping[str, str], default: str) -> list[str]:
    """The languages a form's pages are shown in: those of its labels that are language tags,
    its default first. Empty when none is (labels without a language)."""
    tags = [code for code in languages if is_tag(code)]
    return sorted(tags, key=lambda code: code != default)


def native_name(code: str, written: str = "") -> str:
    """What the language switch calls a language: its name in itself where indagine knows it,
    else the name the form's header gives it ("Português" of "Português (pt)"), else its code."""
    if code in PAGE_WORDS:
        return PAGE_WORDS[code]
    name = re.sub(r"\s*\([^)]*\)\s*$", "", written).strip()
    return name or code
