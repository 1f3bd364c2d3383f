"""ODK's small markdown subset in labels, rendered safely.

Labels are escaped first; only then are **strong**, *emphasis*, [links](https://...) and
${name} references to earlier answers turned into markup. Hand-written because the subset is
tiny and a full markdown library would let raw HTML through unless carefully configured.

An answer is inserted as the respondent would say it: a choice by its label in the page's
language (the form's default language where it has none there), several choices' labels
separated by commas, a number with the language's decimal separator. The choices are joined
by commas rather than "A, B and C" because a form's language may be one indagine has no words
in, and an English "and" inside an Italian or Swahili sentence reads worse than a list.
"""

from __future__ import annotations

import functools
import html as entities
import re
from collections.abc import Mapping
from typing import Any

from django.utils.formats import get_format
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from indagine.forms.model import Form, Question, QuestionType

_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![*\w])([*_])(?=\S)(.+?)(?<=\S)\1(?![*\w])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)\"'<>]+)\)")
# the types whose answer is one or more choice names, stored as ODK stores them
_CHOICES = frozenset({QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK})


def render_label(
    text: str, answers: Mapping[str, Any], *, form: Form | None = None, lang: str = ""
) -> SafeString:
    """A label as HTML. With the `form` and the page's `lang`, a ${name} of a choice question
    shows the choice's label; without them, every answer shows as it is stored."""
    html = _markup(text)
    if "${" in html:  # answers last, so that nothing a respondent typed is read as markup
        html = _REFERENCE.sub(lambda m: escape(answer_text(m.group(1), answers, form, lang)), html)
    return mark_safe(html)


def with_answers(
    text: str, answers: Mapping[str, Any], *, form: Form | None = None, lang: str = ""
) -> str:
    """Plain text (an error message) with its ${name} references replaced by the answers
    ("Deve essere meno di ${age}" -> "... meno di 40"); escaped where it is shown."""
    if "${" not in text:
        return text
    return _REFERENCE.sub(lambda m: answer_text(m.group(1), answers, form, lang), text)


def answer_text(name: str, answers: Mapping[str, Any], form: Form | None, lang: str) -> str:
    """The answer to `name` as plain text for a label in `lang` ("" when there is none)."""
    value = answers.get(name)
    repeat = form.repeat_members().get(name) if form is not None and value is None else None
    if repeat:  # outside its repeat: the first instance's answer, as an expression reads it
        instances = answers.get(repeat)
        first = instances[0] if isinstance(instances, list) and instances else {}
        value = first.get(name) if isinstance(first, dict) else None
    if value is None or form is None:
        return _stored(value)
    language = lang or form.default_language
    question = form.question(name)
    if question is not None and question.type in _CHOICES:
        # a select_one's value is one name, a select_multiple's a list, a ranking's a string
        # of names with the first ranked first: its labels keep that order
        names = value if isinstance(value, list) else str(value).split()
        return ", ".join(
            _choice_label(question, str(n), language, form.default_language) for n in names
        )
    if isinstance(value, float):
        # as the page shows numbers: no ".0" on a whole one (a decimal question stores a float)
        number = str(int(value)) if value.is_integer() else str(value)
        return number.replace(".", str(get_format("DECIMAL_SEPARATOR", language)))
    return _stored(value)


def _stored(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _choice_label(question: Question, name: str, lang: str, fallback: str) -> str:
    """A choice's label as plain text, its own **emphasis** and links dropped rather than shown
    as asterisks inside another label; the name itself for a choice the list no longer has."""
    choice = question.choice(name)
    label = choice.label.get(lang, fallback) if choice is not None else ""
    plain = strip_tags(_markup(label).replace("<br>", " "))
    return entities.unescape(plain).strip() or name


@functools.lru_cache(maxsize=8192)
def _markup(text: str) -> str:
    """The label's markup without its answers: the same for every respondent, so kept."""
    html = escape(text)
    html = _STRONG.sub(r"<strong>\2</strong>", html)
    html = _EMPHASIS.sub(r"<em>\2</em>", html)
    html = _LINK.sub(r'<a href="\2" rel="noopener noreferrer">\1</a>', html)
    return str(html.replace("\n", "<br>"))
