"""Parse (and compile) an XLSForm expression once, evaluate it many times."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .compiler import Compiled, compile_tree
from .environment import Context, Environment
from .errors import SYNTAX, TOO_LONG, ExpressionError
from .lexer import tokenize
from .syntax import BareName, Node, Reference, parse, walk
from .values import Result, to_boolean

MAX_LENGTH = 2000


@dataclass(frozen=True)
class Expression:
    """A parsed XLSForm expression; constructing one parses `source` or raises ExpressionError."""

    source: str
    _tree: Node = field(init=False, repr=False, compare=False)
    _compiled: Compiled = field(init=False, repr=False, compare=False)
    _references: frozenset[str] = field(init=False, repr=False, compare=False)
    _bare_names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tree = _parse(self.source)
        nodes = walk(tree)
        object.__setattr__(self, "_tree", tree)
        object.__setattr__(self, "_compiled", compile_tree(tree))
        object.__setattr__(
            self, "_references", frozenset(n.name for n in nodes if isinstance(n, Reference))
        )
        object.__setattr__(
            self, "_bare_names", frozenset(n.name for n in nodes if isinstance(n, BareName))
        )

    def references(self) -> frozenset[str]:
        """Every question the expression refers to as ${name}."""
        return self._references

    def bare_names(self) -> frozenset[str]:
        """Every bare name (a choice-row column in a choice_filter, such as `cf`)."""
        return self._bare_names

    def evaluate(self, env: Environment) -> Result:
        """The raw XPath value (bool, float or str) of the expression over `env`."""
        return self._compiled(Context.of(env))

    def test(self, env: Environment) -> bool:
        """XPath boolean() of the value, as `relevant`, `constraint` and `required` use it."""
        return to_boolean(self._compiled(Context.of(env)))


@functools.lru_cache(maxsize=4096)
def parse_expression(text: str) -> Expression:
    """Parse `text` into an Expression (cached: forms re-evaluate the same texts constantly)."""
    return Expression(text)


def _parse(text: str) -> Node:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            TOO_LONG,
            f"The expression is {len(text)} characters long; the limit is {MAX_LENGTH}. "
            "Split the logic across calculate questions.",
        )
    try:
        return parse(text, tokenize(text))
    except RecursionError:  # a guard behind the guard: MAX_DEPTH should stop this first
        raise ExpressionError(SYNTAX, "The expression is too deeply nested.") from None
