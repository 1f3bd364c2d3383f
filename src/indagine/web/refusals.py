"""One domain error: an action or a request refused whole, with a stable code.

Each app names its codes in an enum of its own (`collect.codes`, `surveys.codes`, ...), each
member a code people and tests read (`SUBMISSION_BAD_KEY`) and the HTTP status a page or the
API answers it with. docs/codes.md lists every one; a test fails when one is missing there.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Code(enum.StrEnum):
    """Members are written `NAME = "CODE"` (answered with 400) or `NAME = "CODE", status`;
    one code has one member (an equal value would make an alias with the first's status)."""

    status: int

    def __new__(cls, value: str, status: int = 400) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        return member


class Refused(Exception):
    """Refused whole: nothing of it is stored. `problems` lists the lines or cells at fault
    (a file's rows) when there are several."""

    def __init__(
        self,
        code: enum.StrEnum,  # an app's Code, or a core enum's (forms' AnswerCode, answered 400)
        message: str,
        problems: Iterable[str] = (),
        *,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = list(problems)
        self.status: int = status or int(getattr(code, "status", 400))

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
