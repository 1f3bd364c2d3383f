"""The one error type of the expression engine, with stable codes that tests and callers assert."""

from __future__ import annotations

SYNTAX = "EXPR_SYNTAX"
UNKNOWN_FUNCTION = "EXPR_UNKNOWN_FUNCTION"
ARITY = "EXPR_ARITY"
UNSUPPORTED = "EXPR_UNSUPPORTED"
REGEX = "EXPR_REGEX"
TOO_LONG = "EXPR_TOO_LONG"

CODES = frozenset({SYNTAX, UNKNOWN_FUNCTION, ARITY, UNSUPPORTED, REGEX, TOO_LONG})


class ExpressionError(Exception):
    """An expression that cannot be parsed or evaluated: a stable `code`, a `message` for people."""

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ExpressionError({self.code!r}, {self.message!r})"


def at(position: int) -> str:
    """Say where in the text something is, counting characters from 1 as a person would."""
    return f"at character {position + 1}"


def bare_name_outside_filter(name: str, position: int) -> ExpressionError:
    """The error of a bare name read where there is no choice row (anywhere but a filter)."""
    return ExpressionError(
        UNSUPPORTED,
        f"'{name}' {at(position)} is a bare name, which only a choice_filter can use "
        f"(for a column of the choices sheet); refer to a question as ${{{name}}}.",
    )
