"""Turn a syntax tree into nested Python closures, once per expression, for fast evaluation.

A form's check evaluates the relevance of every question of the form each time a page is sent,
the same few texts again and again. Walking the tree (evaluator.py) decides at every node, on
every evaluation, what kind of node it is and which operator or function it applies; compiled,
each node is a closure that already holds its operands' closures and its operator's function,
so an evaluation only computes. The semantics are the tree walker's exactly, node by node
(operands evaluated in the same order, `and`/`or`, `if` and `coalesce` as lazy, the same
errors): evaluator.py stays as the reference a property test compares this against.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .environment import Context
from .errors import bare_name_outside_filter
from .functions import FUNCTIONS
from .nodesets import NODE_ARGUMENTS, call
from .syntax import BareName, Call, Chain, Current, Literal, Negate, Node, Reference
from .values import (
    ARITHMETIC,
    COMPARISONS,
    Result,
    atomize,
    equals,
    to_boolean,
    to_number,
    to_string,
)

Compiled = Callable[[Context], Result]
Binary = Callable[[Result, Result], Result]


def compile_tree(node: Node) -> Compiled:
    """A function of an evaluation context that returns what `evaluate(node, context)` does."""
    if isinstance(node, Literal):
        return _literal(node.value)
    if isinstance(node, Reference):
        return _reference(node.name)
    if isinstance(node, Current):
        return _current
    if isinstance(node, Chain):
        return _chain(node)
    if isinstance(node, Call):
        return _call(node)
    if isinstance(node, Negate):
        return _negate(compile_tree(node.operand))
    return _bare_name(node)


def _literal(value: Result) -> Compiled:
    return lambda context: value


def _reference(name: str) -> Compiled:
    return lambda context: atomize(context.environment.lookup(name))


def _current(context: Context) -> Result:
    return context.current


def _negate(operand: Compiled) -> Compiled:
    return lambda context: -to_number(operand(context))


def _chain(node: Chain) -> Compiled:
    parts = [compile_tree(operand) for operand in (node.first, *node.operands)]
    if node.operators[0] in ("and", "or"):  # one level: all `and`, or all `or`
        return _logical(parts, wanted=node.operators[0] == "or")
    steps = [(_binary(op), part) for op, part in zip(node.operators, parts[1:], strict=True)]
    first = parts[0]
    if len(steps) == 1:
        ((apply, second),) = steps
        return lambda context: apply(first(context), second(context))

    def fold(context: Context) -> Result:
        value = first(context)
        for apply, operand in steps:
            value = apply(value, operand(context))
        return value

    return fold


def _logical(parts: list[Compiled], *, wanted: bool) -> Compiled:
    """`or` (wanted True) or `and` (wanted False), short-circuit left to right (XPath 1.0 3.4)."""
    if len(parts) == 2:
        left, right = parts
        if wanted:
            return lambda context: to_boolean(left(context)) or to_boolean(right(context))
        return lambda context: to_boolean(left(context)) and to_boolean(right(context))

    def run(context: Context) -> Result:
        for part in parts:
            if to_boolean(part(context)) == wanted:
                return wanted
        return not wanted

    return run


def _binary(operator: str) -> Binary:
    if operator == "=":
        return equals
    if operator == "!=":
        return lambda left, right: not equals(left, right)
    if operator in COMPARISONS:
        compare = COMPARISONS[operator]
        return lambda left, right: compare(to_number(left), to_number(right))
    compute = ARITHMETIC[operator]
    return lambda left, right: compute(to_number(left), to_number(right))


def _call(node: Call) -> Compiled:
    arguments = [compile_tree(argument) for argument in node.arguments]
    if node.name == "if":
        condition, then, otherwise = arguments
        return lambda context: (
            then(context) if to_boolean(condition(context)) else otherwise(context)
        )
    if node.name == "coalesce":
        return _coalesce(*arguments)
    if node.name in NODE_ARGUMENTS:
        return _nodeset(node, arguments)
    if node.name == "selected" and isinstance(node.arguments[1], Literal):
        # the usual form, selected(${q}, 'choice'): the choice's text worked out once
        subject, choice = arguments[0], to_string(node.arguments[1].value).strip()
        return lambda context: choice in to_string(subject(context)).split()
    implementation = FUNCTIONS[node.name].implementation
    assert implementation is not None, node.name
    if len(arguments) == 1:
        (only,) = arguments
        return lambda context: implementation([only(context)], context)
    return lambda context: implementation([argument(context) for argument in arguments], context)


def _nodeset(node: Call, arguments: list[Compiled]) -> Compiled:
    name = node.name
    references = [a.name if isinstance(a, Reference) else None for a in node.arguments]

    def run(context: Context) -> Result:
        values = [functools.partial(argument, context) for argument in arguments]
        return call(name, references, values, context)

    return run


def _coalesce(first: Compiled, second: Compiled) -> Compiled:
    def run(context: Context) -> Result:
        value = first(context)
        return value if to_string(value) != "" else second(context)

    return run


def _bare_name(node: BareName) -> Compiled:
    name, position = node.name, node.position

    def run(context: Context) -> Result:
        if context.row is None:
            raise bare_name_outside_filter(name, position)
        return atomize(context.row.get(name))

    return run
