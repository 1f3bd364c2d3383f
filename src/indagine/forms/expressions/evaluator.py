"""Walk a syntax tree and compute its XPath value, with XPath 1.0 and ODK semantics.

The reference semantics: expressions are evaluated through their compiled form (compiler.py),
which a property test checks against this walker on many generated expressions."""

from __future__ import annotations

from collections.abc import Callable

from .environment import Context
from .errors import bare_name_outside_filter
from .functions import FUNCTIONS
from .nodesets import NODE_ARGUMENTS, call
from .syntax import BareName, Call, Chain, Current, Literal, Negate, Node, Reference
from .values import Result, arithmetic, atomize, compare, equals, to_boolean, to_number, to_string

_COMPARISONS = frozenset({"<", "<=", ">", ">="})


def evaluate(node: Node, context: Context) -> Result:
    """The value of `node`: a bool, a float or a str."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Reference):
        return atomize(context.environment.lookup(node.name))
    if isinstance(node, Current):
        return context.current
    if isinstance(node, Chain):
        return _chain(node, context)
    if isinstance(node, Call):
        return _call(node, context)
    if isinstance(node, Negate):
        return -to_number(evaluate(node.operand, context))
    return _bare_name(node, context)


def _chain(node: Chain, context: Context) -> Result:
    operator = node.operators[0]
    if operator in ("and", "or"):
        # Short-circuit, left to right (XPath 1.0 section 3.4).
        wanted = operator == "or"
        for operand in (node.first, *node.operands):
            if to_boolean(evaluate(operand, context)) == wanted:
                return wanted
        return not wanted
    value = evaluate(node.first, context)
    for operator, operand in zip(node.operators, node.operands, strict=True):
        value = _binary(operator, value, evaluate(operand, context))
    return value


def _binary(operator: str, left: Result, right: Result) -> Result:
    if operator == "=":
        return equals(left, right)
    if operator == "!=":
        return not equals(left, right)
    if operator in _COMPARISONS:
        return compare(operator, left, right)
    return arithmetic(operator, left, right)


def _call(node: Call, context: Context) -> Result:
    if node.name == "if":
        condition, then, otherwise = node.arguments
        return evaluate(then if to_boolean(evaluate(condition, context)) else otherwise, context)
    if node.name == "coalesce":
        first = evaluate(node.arguments[0], context)
        return first if to_string(first) != "" else evaluate(node.arguments[1], context)
    if node.name in NODE_ARGUMENTS:
        references = [a.name if isinstance(a, Reference) else None for a in node.arguments]
        values = [_later(argument, context) for argument in node.arguments]
        return call(node.name, references, values, context)
    implementation = FUNCTIONS[node.name].implementation
    assert implementation is not None, node.name
    return implementation([evaluate(argument, context) for argument in node.arguments], context)


def _later(node: Node, context: Context) -> Callable[[], Result]:
    return lambda: evaluate(node, context)


def _bare_name(node: BareName, context: Context) -> Result:
    if context.row is None:
        raise bare_name_outside_filter(node.name, node.position)
    return atomize(context.row.get(node.name))
