"""ODK's small markdown subset in labels, rendered safely.

Labels are escaped first; only then are **strong**, *emphasis*, [links](https://...) and
${name} references to earlier answers turned into markup. Hand-written because the subset is
tiny and a full markdown library would let raw HTML through unless carefully configured.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![*\w])([*_])(?=\S)(.+?)(?<=\S)\1(?![*\w])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)\"'<>]+)\)")


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def render_label(text: str, answers: Mapping[str, Any]) -> SafeString:
    html = _markup(text)
    if "${" in html:  # answers last, so that nothing a respondent typed is read as markup
        html = _REFERENCE.sub(lambda m: escape(_value(answers.get(m.group(1)))), html)
    return mark_safe(html)


def with_answers(text: str, answers: Mapping[str, Any]) -> str:
    """Plain text (an error message) with its ${name} references replaced by the answers
    ("Deve essere meno di ${age}" -> "... meno di 40"); escaped where it is shown."""
    if "${" not in text:
        return text
    return _REFERENCE.sub(lambda m: _value(answers.get(m.group(1))), text)


@functools.lru_cache(maxsize=8192)
def _markup(text: str) -> str:
    """The label's markup without its answers: the same for every respondent, so kept."""
    html = escape(text)
    html = _STRONG.sub(r"<strong>\2</strong>", html)
    html = _EMPHASIS.sub(r"<em>\2</em>", html)
    html = _LINK.sub(r'<a href="\2" rel="noopener noreferrer">\1</a>', html)
    return str(html.replace("\n", "<br>"))
