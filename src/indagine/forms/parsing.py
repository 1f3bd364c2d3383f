"""Raw strings -> a question's stored value: numbers, dates, times, choices, rankings, uploads.

Raw input is what a web form or a CSV row gives for one question: a list of strings (several for
a multiple choice). Stored answers are JSON values: str (text, single choice, ISO date), int,
float, list[str] (multiple choice). A value that cannot be one raises `InvalidAnswer`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from indagine.forms.accept import accepted
from indagine.forms.messages import AnswerCode
from indagine.forms.model import Question, QuestionType

MAX_TEXT_LENGTH = 10_000
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# A phone number as people write it: digits with spaces, dots, dashes, brackets, a leading +.
_PHONE = re.compile(r"\+?[0-9(][0-9 ./()-]{3,28}[0-9]")


class InvalidAnswer(Exception):
    def __init__(self, code: AnswerCode, **values: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.values = values


def parse_value(question: Question, raw: Sequence[str], max_text: int = MAX_TEXT_LENGTH) -> Any:
    """One question's raw strings -> its stored value (None when unanswered)."""
    values = [v.strip() for v in raw if v is not None and v.strip() != ""]
    if question.type is QuestionType.SELECT_MULTIPLE:
        names = [n for v in values for n in v.split()]
        for name in names:
            if question.choice(name) is None:
                raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        return [c.name for c in question.choices if c.name in names] or None
    if question.type is QuestionType.RANK:
        return _parse_rank(question, values)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidAnswer(AnswerCode.MULTIPLE_VALUES)
    return _parse_single(question, values[0], max_text)


def _parse_single(question: Question, value: str, max_text: int) -> Any:
    kind = question.type
    if kind is QuestionType.SELECT_ONE:
        if question.choice(value) is None:
            raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        return value
    if kind is QuestionType.TEXT:
        # A browser sends each line break of a text box as CRLF (HTML's form encoding), while
        # the box's maxlength, string-length() and the respondent count one character: keep LF.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.replace("\x00", "")  # no one types it; PostgreSQL's JSON refuses it
        if len(value) > max_text:
            raise InvalidAnswer(AnswerCode.TOO_LONG, limit=max_text)
        return value
    if kind in (QuestionType.DATE, QuestionType.TIME, QuestionType.DATETIME):
        return _parse_moment(kind, value)
    if kind is QuestionType.PHONE:
        if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 5:
            raise InvalidAnswer(AnswerCode.NOT_A_PHONE)
        return value
    if kind is QuestionType.ACKNOWLEDGE:
        if value.upper() != "OK":  # the page's one box sends "OK"
            raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        return "OK"
    if kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE):
        return _parse_number(question, value)
    if kind.is_upload:
        return _parse_upload(question, value)
    raise InvalidAnswer(AnswerCode.UNKNOWN_FIELD, field=question.name)


# An upload's answer: the name the server stored it under (`collect.uploads`), a random part
# and the file's own name made safe. The server's refusal of a file comes as "!" and its code.
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}-[\w.\- ]{1,120}")
REFUSED_UPLOAD = "!"


def _parse_upload(question: Question, value: str) -> str:
    if value.startswith(REFUSED_UPLOAD):
        code, _, detail = value[1:].partition(":")
        if code == AnswerCode.FILE_TOO_LARGE:
            raise InvalidAnswer(AnswerCode.FILE_TOO_LARGE, limit=detail)
        raise InvalidAnswer(AnswerCode.FILE_TYPE, kinds=accepted(question).describe())
    if not UPLOAD_NAME.fullmatch(value):
        raise InvalidAnswer(AnswerCode.FILE_UNKNOWN)
    return value


# A time as people type it where the browser gives no time box: "9:30", "09.30", "9h30",
# "14:45:10"; what a browser's box sends ("09:30", "09:30:15") is among them.
_TIME = re.compile(r"(\d{1,2})\s*[:.hH]\s*(\d{2})(?:[:.](\d{2})(?:\.\d+)?)?")


def _parse_moment(kind: QuestionType, value: str) -> str:
    """A day ("2020-03-18"), a time ("09:30") or a day and time in the survey's time zone
    ("2020-03-18T09:30"), as ISO 8601 writes them."""
    if kind is QuestionType.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise InvalidAnswer(AnswerCode.BAD_DATE) from None
    if kind is QuestionType.TIME:
        return _parse_time(value, AnswerCode.BAD_TIME)
    day, _, moment = value.replace("T", " ").partition(" ")
    try:
        date = dt.date.fromisoformat(day.strip()).isoformat()
    except ValueError:
        raise InvalidAnswer(AnswerCode.BAD_DATETIME) from None
    return f"{date}T{_parse_time(moment.strip(), AnswerCode.BAD_DATETIME)}"


def _parse_time(value: str, code: AnswerCode) -> str:
    """A time of day as ISO 8601 writes it, "09:30" (with seconds when given)."""
    match = _TIME.fullmatch(value)
    if match is None:
        raise InvalidAnswer(code)
    hours, minutes, seconds = (int(g) if g else None for g in match.groups())
    if hours is None or minutes is None or hours > 23 or minutes > 59 or (seconds or 0) > 59:
        raise InvalidAnswer(code)
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds is not None else "")


def _parse_rank(question: Question, values: Sequence[str]) -> str | None:
    """A ranking as the page sends it: with the script, the choices in order in one value
    ("b a c"); without it, each choice's position as "name:position" from one menu per choice
    (an empty position: not ranked). Stored as ODK stores it, the names first first. Two items
    at one position, or some ranked and others not, is refused; none ranked is no answer."""
    names = [c.name for c in question.choices]
    if len(values) == 1 and ":" not in values[0]:
        order = values[0].split()
        if any(name not in names for name in order):
            raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        twice = next((i for i, name in enumerate(order) if name in order[:i]), None)
        if twice is not None:  # one item at two positions: the first is its own
            raise InvalidAnswer(AnswerCode.RANK_TIE, position=order.index(order[twice]) + 1)
        positions = {name: str(i) for i, name in enumerate(order, start=1)}
    else:
        positions = {}
        for value in values:
            name, _, position = value.partition(":")
            if name not in names or name in positions:
                raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
            positions[name] = position.strip()
    ranked = {name: pos for name, pos in positions.items() if pos}
    if not ranked:
        return None
    if not all(p.isdigit() and 1 <= int(p) <= len(names) for p in ranked.values()):
        raise InvalidAnswer(AnswerCode.RANK_INCOMPLETE, end=len(names))
    taken: dict[int, str] = {}
    for name, pos in ranked.items():
        if int(pos) in taken:
            raise InvalidAnswer(AnswerCode.RANK_TIE, position=int(pos))
        taken[int(pos)] = name
    if len(taken) != len(names):
        raise InvalidAnswer(AnswerCode.RANK_INCOMPLETE, end=len(names))
    return " ".join(taken[position] for position in sorted(taken))


def _parse_number(question: Question, value: str) -> int | float:
    text = value.replace(" ", "").replace(",", ".")
    # Plain decimals only: Python's float() would also take '1e3', '1_000', 'inf' and 'nan'.
    if not _NUMBER.fullmatch(text) or len(text) > 30:
        # a whole-number question's example has no decimals (it would invite one it refuses)
        raise InvalidAnswer(AnswerCode.NOT_A_NUMBER, whole=question.type is QuestionType.INTEGER)
    number = float(text)
    if question.type is QuestionType.INTEGER:
        if not number.is_integer():
            raise InvalidAnswer(AnswerCode.NOT_AN_INTEGER)
        return int(number)
    if question.type is QuestionType.RANGE:
        start, end, step = (float(question.parameters[k]) for k in ("start", "end", "step"))
        steps = (number - start) / step
        if not start <= number <= end or abs(steps - round(steps)) > 1e-9:
            multiple = abs(start / step - round(start / step)) < 1e-9
            raise InvalidAnswer(
                AnswerCode.OUT_OF_RANGE,
                start=_num(start),
                end=_num(end),
                step=_num(step),
                multiple=multiple,
            )
        return int(number) if all(x.is_integer() for x in (start, step)) else number
    return number  # a decimal question always stores a float: one type per column


def _num(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)
