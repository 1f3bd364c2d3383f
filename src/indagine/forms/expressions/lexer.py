"""Split an XLSForm expression into tokens, following the lexical rules of XPath 1.0 section 3.7.

Two XPath rules matter here. Names may contain '-' and '.', so `string-length` is one name and
`a-b` is a name, not a subtraction. And `and`, `or`, `div`, `mod` and `*` are operators only
after something that ends an operand; elsewhere they are names (or, for `*`, a path wildcard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SYNTAX, ExpressionError, at

NUMBER = "NUMBER"
STRING = "STRING"
REFERENCE = "REFERENCE"
NAME = "NAME"
OPERATOR = "OPERATOR"
PUNCTUATION = "PUNCTUATION"
END = "END"

OPERATOR_NAMES = frozenset({"and", "or", "div", "mod"})
_OPERAND_ENDS = frozenset({NUMBER, STRING, REFERENCE, NAME})
_CLOSING = frozenset({")", "]", ".", "..", "*"})

_NCNAME = r"[^\W\d][\w.\-]*"
NAME_PATTERN = re.compile(_NCNAME)
_TOKEN = re.compile(
    rf"""
    (?P<space>[ \t\r\n]+)
    |(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
    |(?P<string>"[^"]*"|'[^']*')
    |(?P<name>{_NCNAME}(?::{_NCNAME})?)
    |(?P<operator>!=|<=|>=|[=<>+\-*])
    |(?P<punctuation>//|::|\.\.|[(),./\[\]|@])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an END token; EXPR_SYNTAX on a stray character."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position] == "$":
            token = _reference(text, position)
            tokens.append(token)
            position = text.index("}", position) + 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:
            raise _stray(text, position)
        kind = match.lastgroup
        if kind != "space":
            tokens.append(_classify(str(kind), match.group(), position, tokens))
        position = match.end()
    tokens.append(Token(END, "", len(text)))
    return tokens


def _classify(kind: str, value: str, position: int, previous: list[Token]) -> Token:
    after_operand = bool(previous) and (
        previous[-1].kind in _OPERAND_ENDS
        or (previous[-1].kind == PUNCTUATION and previous[-1].text in _CLOSING)
    )
    if kind == "name" and value in OPERATOR_NAMES and after_operand:
        return Token(OPERATOR, value, position)
    if value == "*" and not after_operand:
        return Token(PUNCTUATION, value, position)
    return Token(kind.upper(), value, position)


def _reference(text: str, position: int) -> Token:
    if not text.startswith("${", position):
        raise ExpressionError(
            SYNTAX,
            f"Unexpected '$' {at(position)}: refer to a question as ${{name}}, with braces.",
        )
    end = text.find("}", position)
    if end < 0:
        raise ExpressionError(
            SYNTAX, f"The reference that starts {at(position)} is missing its closing '}}'."
        )
    name = text[position + 2 : end]
    if not NAME_PATTERN.fullmatch(name):
        raise ExpressionError(
            SYNTAX,
            f"'${{{name}}}' {at(position)} is not a valid question name: a name starts with "
            "a letter or '_' and contains only letters, digits, '_', '-' and '.'.",
        )
    return Token(REFERENCE, name, position)


def _stray(text: str, position: int) -> ExpressionError:
    char = text[position]
    if char in "'\"":
        return ExpressionError(
            SYNTAX, f"The text in quotes that starts {at(position)} is missing its closing {char}."
        )
    if char == "!":
        return ExpressionError(SYNTAX, f"Unexpected '!' {at(position)}: write 'not equal' as !=.")
    return ExpressionError(SYNTAX, f"Unexpected character {char!r} {at(position)}.")
