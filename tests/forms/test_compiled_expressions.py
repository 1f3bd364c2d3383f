"""The compiled form of an expression (expressions/compiler.py) computes what the tree walker
(expressions/evaluator.py, the reference semantics) does: the same value of the same type, or
the same error, on many generated expressions and answers."""

from __future__ import annotations

import math
from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indagine.forms.expressions import FUNCTIONS, ExpressionError, MapEnvironment, parse_expression
from indagine.forms.expressions.compiler import compile_tree
from indagine.forms.expressions.environment import Context
from indagine.forms.expressions.evaluator import evaluate
from indagine.forms.expressions.lexer import tokenize
from indagine.forms.expressions.syntax import parse

TODAY = date(2024, 3, 15)

_LEAVES = st.sampled_from(
    [
        "${a}", "${b}", "${c}", "${d}", ".", "cf", "name", "0", "1", "2.5", "100", "'x'", "'y'",
        "'x y'", "''", "'3'", "'-1.5'", "'2024-01-01'", "'2023-12-31T23:00:00Z'", "'other'",
        "'^[a-z]+$'", "'[0-9]'", "' x '", "today()", "true()", "false()", "(0 div 0)",
    ]
)  # fmt: skip
_OPERATORS = st.sampled_from(
    [" and ", " or ", " = ", " != ", " < ", " <= ", " > ", " >= ", " + ", " - ", " * ",
     " div ", " mod "]
)  # fmt: skip


def _calls(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A call of any function indagine evaluates, with a number of arguments it accepts."""

    @st.composite
    def call(draw: st.DrawFn) -> str:
        name = draw(st.sampled_from(sorted(FUNCTIONS)))
        function = FUNCTIONS[name]
        most = function.maximum if function.maximum is not None else function.minimum + 3
        count = draw(st.integers(function.minimum, most))
        return f"{name}({', '.join(draw(children) for _ in range(count))})"

    return call()


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    chains = st.lists(children, min_size=2, max_size=4).flatmap(
        lambda parts: st.lists(_OPERATORS, min_size=len(parts) - 1, max_size=len(parts) - 1).map(
            lambda ops: (
                parts[0] + "".join(op + part for op, part in zip(ops, parts[1:], strict=True))
            )
        )
    )
    choices = st.sampled_from(["'x'", "' x '", "''", "'other'", "1", "'x y'"])
    selected = st.tuples(children, choices).map(lambda pair: f"selected({pair[0]}, {pair[1]})")
    branches = st.tuples(children, children, children).map(lambda three: f"if({', '.join(three)})")
    return st.one_of(
        chains,
        chains.map(lambda inner: f"({inner})"),
        _calls(children),
        selected,
        branches,
        children.map(lambda inner: f"-{inner}"),
    )


EXPRESSIONS = st.recursive(_LEAVES, _extend, max_leaves=25)
ANSWERS = st.sampled_from(
    [None, "", "x", "y", "x y", "other", "3", "-1.5", " 7 ", "abc", "2024-01-01",
     "2024-02-30", 0, 3, -2, 2.5, 1e300, math.inf, True, False, ["x", "y"], ["other"], []]
)  # fmt: skip


def _outcome(evaluation):
    """(kind, value) of an evaluation: its value and type, or its error's code and message."""
    try:
        value = evaluation()
    except ExpressionError as error:
        return ("error", error.code, error.message)
    if isinstance(value, float) and math.isnan(value):
        return ("nan", float)
    return ("value", type(value), value)


@st.composite
def environments(draw: st.DrawFn) -> MapEnvironment:
    values = {name: draw(ANSWERS) for name in "abcd"}
    row = draw(st.none() | st.fixed_dictionaries({"cf": st.sampled_from(["x", "it", "", "3"])}))
    return MapEnvironment(values, current=draw(ANSWERS), today=TODAY, row=row)


# Answers every generated expression is also evaluated over: each kind of value in each place.
FIXED = [
    MapEnvironment(dict.fromkeys("abcd", value), current=value, today=TODAY, row=row)
    for value in ANSWERS.elements  # type: ignore[attr-defined]
    for row in (None, {"cf": "x"})
]


def _agree(tree, env: MapEnvironment) -> None:
    context = Context.of(env)
    assert _outcome(lambda: compile_tree(tree)(context)) == _outcome(
        lambda: evaluate(tree, context)
    )


@settings(max_examples=1500, deadline=None)
@given(EXPRESSIONS, environments())
def test_compiled_expressions_agree_with_the_tree_walker(text: str, env: MapEnvironment) -> None:
    try:
        tree = parse(text, tokenize(text))
    except ExpressionError:
        assume(False)
        return
    for each in (env, *FIXED):
        _agree(tree, each)
    # and through the public object, as forms use it
    walked = _outcome(lambda: evaluate(tree, Context.of(env)))
    assert _outcome(lambda: parse_expression(text).evaluate(env)) == walked


_PIECES = st.sampled_from(
    ["${a}", ".", "1", "'x'", "(", ")", ",", " and ", " or ", " div ", "=", "!=", "<", "+", "-",
     "*", "cf", "selected(", "if(", "coalesce(", "regex(", "not(", "count-selected(",
     "string-length(", "substr(", "round(", "concat("]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join), environments())
def test_compiled_expressions_agree_on_expression_like_text(text: str, env: MapEnvironment) -> None:
    try:
        tree = parse(text, tokenize(text))
    except ExpressionError:
        return
    for each in (env, *FIXED):
        _agree(tree, each)


def test_generated_expressions_reach_every_kind_of_node() -> None:
    """The generator is not vacuous: its expressions parse, and cover calls and chains."""
    texts = [
        "selected(${a}, 'x') or ${b} > 2 and not(${c} = '')",
        "if(${a} = 1, concat(${b}, cf), -${c} div 0) != coalesce(${d}, .)",
        "round(${a} * 2.5, 1) + int(${b}) - substr('abc', 1) mod 2",
    ]
    env = MapEnvironment({"a": 1, "b": "x y", "c": 3}, current="z", today=TODAY, row={"cf": "it"})
    context = Context.of(env)
    for text in texts:
        tree = parse(text, tokenize(text))
        _agree(tree, env)
        assert _outcome(lambda t=tree: evaluate(t, context))[0] != "error"
