"""XPath 1.0 values and conversions, with the ODK extension that dates count as days.

Evaluation works on three kinds of value, as XPath does: bool, float and str. Answers come in
as their stored Python form and are atomized first (None is '', a select_multiple list is its
space-joined choice names). Conversions follow XPath 1.0 section 4 (string(), number(),
boolean()) and the ODK XForms specification, where number() of a date or dateTime string is the
number of days since 1970-01-01 UTC. Nothing here raises: bad input becomes NaN, as in XPath.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeAlias

Value: TypeAlias = str | int | float | bool | list[str] | None
"""A stored answer as an Environment returns it."""

Result: TypeAlias = bool | float | str
"""An XPath value: boolean, number or string."""

NAN = math.nan
_EPOCH = date(1970, 1, 1)
_XPATH_NUMBER = re.compile(r"[ \t\r\n]*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.+\-Z]+")


def atomize(value: object) -> Result:
    """Turn a stored answer into an XPath value: None → '', list → space-joined, int → float."""
    if value is None:
        return ""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_string(value: Result) -> str:
    """XPath string(): booleans print as 'true'/'false', numbers without a needless '.0'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return value


def format_number(number: float) -> str:
    """Print a number as XPath 1.0 does: 'NaN', 'Infinity', '1' for 1.0, never an exponent."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == int(number):
        return str(int(number))
    text = repr(number)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def to_number(value: Result) -> float:
    """XPath number(), extended by ODK: an ISO date or dateTime string is days since 1970-01-01."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if _XPATH_NUMBER.fullmatch(value):
        return float(value)
    return days_since_epoch(value.strip())


def days_since_epoch(text: str) -> float:
    """Days (with a fraction for a time) from 1970-01-01 UTC to an ISO date; NaN if not one."""
    try:
        if _ISO_DATE.fullmatch(text):
            return float((date.fromisoformat(text) - _EPOCH).days)
        if _ISO_DATETIME.fullmatch(text):
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp() / 86400.0
    except (ValueError, OverflowError):
        return NAN
    return NAN


def to_boolean(value: Result) -> bool:
    """XPath boolean(): a number is true unless 0 or NaN, a string unless empty."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != ""


def equals(left: Result, right: Result) -> bool:
    """XPath '=' (section 3.4): booleans first, then numbers, else strings."""
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if isinstance(left, float) or isinstance(right, float):
        return to_number(left) == to_number(right)
    return left == right


def compare(operator: str, left: Result, right: Result) -> bool:
    """XPath '<', '<=', '>', '>=': both sides as numbers (dates as days), NaN compares false."""
    return COMPARISONS[operator](to_number(left), to_number(right))


def arithmetic(operator: str, left: Result, right: Result) -> float:
    """XPath '+', '-', '*', 'div', 'mod' on IEEE doubles: NaN and Infinity, never an exception."""
    return ARITHMETIC[operator](to_number(left), to_number(right))


def divide(x: float, y: float) -> float:
    """IEEE division: 1 div 0 is Infinity, -1 div 0 is -Infinity, 0 div 0 is NaN."""
    if y == 0:
        if x == 0 or math.isnan(x):
            return NAN
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def modulo(x: float, y: float) -> float:
    """XPath mod: the remainder of truncating division, with the sign of the dividend."""
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or y == 0:
        return NAN
    if math.isinf(y):
        return x
    return math.fmod(x, y)


COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
"""The comparison operators, on numbers (the evaluator converts both sides first)."""

ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "div": divide,
    "mod": modulo,
}
"""The arithmetic operators, on numbers: IEEE doubles, whose + - * never raise."""
