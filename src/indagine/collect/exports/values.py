"""A stored answer as the typed value of a column (xlsx, sav, parquet): numbers, dates, the codes
of a multiple choice, text; and a moment as the naive UTC time those formats hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from indagine.collect.transfer import _cell
from indagine.forms.model import Question, QuestionType

NUMBERS = (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE)
DATES = (QuestionType.DATE, QuestionType.TODAY)


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """The moment in UTC without its time zone (Excel and SPSS hold none)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def as_date(value: Any) -> dt.date | None:
    """A stored answer as a date; None when it is no ISO date."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def is_integral(question: Question) -> bool:
    """Whether every answer to the question is whole: integers, ranges of whole steps."""
    if question.type is QuestionType.INTEGER:
        return True
    if question.type is QuestionType.RANGE:
        params = [question.parameters.get(k, "1") for k in ("start", "step")]
        return all(as_number(p) is not None and float(p).is_integer() for p in params)
    return False


def as_number(value: Any, integral: bool = False) -> int | float | None:
    """A stored answer as a number; None when it is none (answers of another form version)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if integral:
        return int(number) if number.is_integer() else None
    return number


def codes(value: Any) -> list[str]:
    """A multiple choice's codes, whether stored as a list or as space-separated text."""
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def as_string(value: Any) -> str | None:
    """A stored answer as the CSV's cell; None when unanswered."""
    return None if value is None else _cell(value)
