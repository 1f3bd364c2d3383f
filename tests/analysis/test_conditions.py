"""Reading `relevant` and `constraint` expressions: groups of respondents and numeric bounds."""

from __future__ import annotations

import pytest

from indagine.analysis.conditions import (
    ChoiceCondition,
    choice_condition,
    follows_who,
    number_bounds,
)
from indagine.forms.model import Question, QuestionType


@pytest.mark.parametrize(
    ("relevant", "expected"),
    [
        ("selected(${q}, 'a') or selected(${q}, 'b')", ChoiceCondition("q", ("a", "b"))),
        ("${q} = 'a'", ChoiceCondition("q", ("a",))),
        ("'a' = ${q} or selected(${q}, 'a')", ChoiceCondition("q", ("a",))),
        ("selected(${q}, 'a') or selected(${r}, 'b')", None),
        ("selected(${q}, 'a') and selected(${q}, 'b')", None),
        ("(selected(${g}, 'x')) and (selected(${q}, 'a'))", None),
        ("string-length(${t}) > 0", None),
        ("${n} = 3", None),
        (None, None),
    ],
)
def test_choice_conditions(relevant, expected):
    assert choice_condition(relevant) == expected


@pytest.mark.parametrize(
    ("constraint", "bounds"),
    [
        (". >= 0 and . <= 100", (0.0, 100.0)),
        ("0 <= . and 100 >= .", (0.0, 100.0)),
        (". > 1", (1.0, None)),
        (". <= 365 and . != 7", (None, 365.0)),
        ("regex(., '^[0-9]+$')", (None, None)),
        (None, (None, None)),
    ],
)
def test_number_bounds_from_constraints(constraint, bounds):
    assert number_bounds(Question("x", QuestionType.DECIMAL, constraint=constraint)) == bounds


def test_number_bounds_of_a_range_are_its_ends():
    q = Question("x", QuestionType.RANGE, parameters={"start": "10", "end": "0", "step": "1"})
    assert number_bounds(q) == (0.0, 10.0)


@pytest.mark.parametrize(
    ("claim", "lang", "reads"),
    [
        ("ha messo in remote working almeno una parte del personale", "it", True),
        ("have moved at least part of their staff to remote work", "en", True),
        ("moved staff to remote work", "en", True),
        ("l'uso dei canali digitali sia aumentato", "it", False),
        ("customers' use of digital channels has increased", "en", False),
        ("", "en", False),
    ],
)
def test_a_claim_names_a_group_when_it_starts_with_a_verb(claim, lang, reads):
    assert follows_who(claim, lang) is reads
