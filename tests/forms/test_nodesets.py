"""Expressions over a repeat's instances: count(), sum(), max(), min(), count-non-empty(),
join(), indexed-repeat(), position(..), and ${name} inside and outside an instance; the compiled
form and the tree walker agree on each."""

from __future__ import annotations

import math

import pytest

from indagine.forms.expressions import ExpressionError, parse_expression
from indagine.forms.expressions.environment import Context, MapEnvironment
from indagine.forms.expressions.evaluator import evaluate
from indagine.forms.expressions.lexer import tokenize
from indagine.forms.expressions.syntax import parse

pytestmark = pytest.mark.pure

ANSWERS = {
    "sites": 3,
    "site": [
        {"city": "Roma", "seats": 12, "kind": ["office", "call"]},
        {"city": "Bari", "seats": 3},
        {"city": "", "seats": 40},
    ],
    "person": [],
}
MEMBERS = {"city": "site", "seats": "site", "kind": "site", "pname": "person"}


def both(text: str, scope: tuple[str, int] | None = None, answers=ANSWERS):
    """The value compiled and walked (they must agree), over ANSWERS in `scope`."""
    env = MapEnvironment(answers, members=MEMBERS, scope=scope)
    compiled = parse_expression(text).evaluate(env)
    walked = evaluate(parse(text, tokenize(text)), Context.read(env))
    assert compiled == walked or (math.isnan(compiled) and math.isnan(walked))
    return compiled


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("count(${site})", 3.0),
        ("count(${city})", 3.0),  # every instance holds the node, answered or not
        ("count(${person})", 0.0),
        ("count(${sites})", 1.0),  # a question asked once: one node
        ("count-non-empty(${city})", 2.0),
        ("sum(${seats})", 55.0),
        ("sum(${pname})", 0.0),  # the sum of no node
        ("max(${seats})", 40.0),
        ("min(${seats}, 5)", 3.0),
        ("join(', ', ${city})", "Roma, Bari, "),
        ("indexed-repeat(${city}, ${site}, 2)", "Bari"),
        ("indexed-repeat(${city}, ${site}, 4)", ""),
        ("indexed-repeat(${city}, ${site}, 1.5)", ""),
        ("${city}", "Roma"),  # outside an instance: the first instance's, as XPath reads it
        ("${site}", ""),  # a repeat is no value
        ("count(${site}) = ${sites}", True),
    ],
)
def test_over_every_instance(text: str, expected: object) -> None:
    assert both(text) == expected


def test_sum_of_an_empty_answer_is_nan_as_in_xpath() -> None:
    answers = {**ANSWERS, "site": [{"seats": 1}, {}]}
    assert math.isnan(both("sum(${seats})", answers=answers))
    assert math.isnan(both("max(${seats})", answers=answers))
    assert math.isnan(both("max(${pname})"))  # of nothing


@pytest.mark.parametrize(
    ("text", "scope", "expected"),
    [
        ("${city}", ("site", 1), "Bari"),  # its own instance
        ("${seats} > 10", ("site", 2), True),
        ("position(..)", ("site", 2), 3.0),
        ("concat(position(..), '/', count(${site}))", ("site", 0), "1/3"),
        ("${sites}", ("site", 1), 3.0),  # a question asked once reads the same everywhere
        ("selected(${kind}, 'call')", ("site", 0), True),
        ("selected(${kind}, 'call')", ("site", 1), False),
        ("${city}", ("site", 7), ""),  # an instance not there: nothing
        ("position(..)", None, 0.0),
    ],
)
def test_inside_an_instance(text: str, scope, expected: object) -> None:
    assert both(text, scope) == expected


@pytest.mark.parametrize(
    "text",
    [
        "count(3)",
        "sum(${a} + 1)",
        "join(', ', 'a b')",
        "indexed-repeat('x', ${site}, 1)",
        "position()",
        "position(.)",
        "position(${site})",
    ],
)
def test_node_sets_must_be_named(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert caught.value.code == "EXPR_UNSUPPORTED"


def test_references_name_the_repeat_and_its_questions() -> None:
    expression = parse_expression("indexed-repeat(${city}, ${site}, ${n}) + position(..)")
    assert expression.references() == {"city", "site", "n"}
