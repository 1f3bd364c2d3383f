"""Tests of the parsed questionnaire (indagine.forms.model): texts, questions, JSON round trip."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from indagine.forms.loader import load_form
from indagine.forms.model import Choice, Form, Page, Question, QuestionType, Text

LIBRARY = Path(__file__).parents[2] / "src" / "indagine" / "library"

RICH = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | hint::Italiano (it) | required | required_message::Italiano (it) | relevant | constraint | constraint_message::English (en) | default | choice_filter | parameters | calculation | appearance | claim::it | claim::en |
| | begin_group | p1 | Pagina | Page | | | | | | | | | | | field-list | | |
| | select_one region | region | Regione | Region | Dove | yes | Manca | | | | north | | | | minimal | | |
| | select_one city | city | Città | City | | ${region} = 'north' | | | | | | region=${region} | | | | | |
| | begin_group | inner | Dentro | Inside | | | | ${region} != '' | | | | | | | | | |
| | range | level | Livello | Level | | | | | . != 4 | Not four | | | start=0 end=10 step=2 | | likert | il livello | the level |
| | end_group | | | | | | | | | | | | | | | | |
| | end_group | | | | | | | | | | | | | | | | |
| | select_multiple agree | agree | D'accordo | Agree | | | | | | | | | | | likert | è d'accordo | agrees |
| | calculate | twice | | | | | | | | | | | | ${level} * 2 | | | |
| | date | day | Giorno | Day | | | | | | | | | | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) | region | score |
| | region | north | Nord | North | | |
| | region | south | Sud | South | | |
| | city | mi | Milano | Milan | north | |
| | city | na | Napoli | Naples | south | |
| | agree | 1 | Poco | Little | | 1 |
| | agree | 2 | Molto | Much | | 2.5 |
| settings |
| | form_title | form_id | version | default_language |
| | Ricco | rich | 3 | Italiano (it) |
"""


@pytest.fixture(scope="module")
def rich() -> Form:
    result = load_form(RICH, "rich.md")
    # warnings only (missing translation columns), no error
    assert result.ok and result.form is not None, [str(i) for i in result.errors]
    return result.form


@pytest.fixture(scope="module")
def builtin() -> Form:
    result = load_form(LIBRARY / "remote_working_2020.md")
    assert result.form is not None
    return result.form


# --- Text ---------------------------------------------------------------------------------------


def test_text_get_falls_back_to_the_default_then_to_any():
    text = Text({"it": "Ciao", "en": "Hello"})
    assert text.get("en") == "Hello"
    assert text.get("fr", "it") == "Ciao"
    assert text.get("fr", "de") == "Ciao"  # neither: the first one
    assert text.get("fr") == "Ciao"
    assert Text().get("it", "en") == ""


def test_text_is_false_when_empty():
    assert not Text()
    assert not Text({"it": ""})
    assert Text({"it": "x"})


def test_text_json():
    text = Text({"it": "Ciao", "en": "Hello"})
    assert text.to_json() == {"it": "Ciao", "en": "Hello"}
    assert Text.from_json(text.to_json()) == text
    assert Text.from_json(None) == Text()


# --- Choice, Question, QuestionType -------------------------------------------------------------


def test_choice_json_round_trip():
    choice = Choice("mi", Text({"it": "Milano"}), 2.5, {"region": "north"})
    assert Choice.from_json(json.loads(json.dumps(choice.to_json()))) == choice
    bare = Choice("x", Text())
    assert Choice.from_json(bare.to_json()) == bare


def test_question_type_properties():
    assert {t for t in QuestionType if t.is_select} == {
        QuestionType.SELECT_ONE,
        QuestionType.SELECT_MULTIPLE,
    }
    assert {t for t in QuestionType if not t.takes_input} == {
        QuestionType.NOTE,
        QuestionType.CALCULATE,
        QuestionType.HIDDEN,
        QuestionType.START,
        QuestionType.END,
        QuestionType.TODAY,
    }
    assert {t for t in QuestionType if not t.is_shown} == {
        t for t in QuestionType if not t.takes_input
    } - {QuestionType.NOTE}
    assert {t for t in QuestionType if t.is_metadata} == {
        QuestionType.START,
        QuestionType.END,
        QuestionType.TODAY,
    }
    assert QuestionType("range") is QuestionType.RANGE


def test_question_properties(rich):
    level, region, agree, city = (rich.question(n) for n in ("level", "region", "agree", "city"))
    assert level is not None and region is not None and agree is not None and city is not None
    assert level.path_name == "p1-inner-level"
    assert level.is_likert and not region.is_likert
    assert agree.is_scale and not region.is_scale and not level.is_scale
    assert level.constraint_expr is not None and level.constraint_expr.source == ". != 4"
    assert level.relevant_expr is not None and level.relevant_expr.references() == {"region"}
    assert region.relevant_expr is None and region.constraint_expr is None
    assert city.choice("na") == city.choices[1] and city.choice("rome") is None


def test_questions_are_frozen(rich):
    question = rich.question("region")
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rich.version = "4"  # type: ignore[misc]


# --- Form ---------------------------------------------------------------------------------------


def test_form_questions_in_sheet_order_and_lookup(rich):
    assert [q.name for q in rich.questions()] == [
        "region",
        "city",
        "level",
        "agree",
        "twice",
        "day",
    ]
    assert [p.name for p in rich.pages] == ["p1", "agree", "twice", "day"]
    assert rich.question("level") is rich.pages[0].questions[2]
    assert rich.question("nowhere") is None


def test_form_json_round_trip(rich):
    data = rich.to_json()
    assert Form.from_json(data) == rich
    assert Form.from_json(json.loads(json.dumps(data))) == rich


def test_form_json_keeps_every_field(rich):
    back = Form.from_json(json.loads(json.dumps(rich.to_json())))
    level = back.question("level")
    region = back.question("region")
    agree = back.question("agree")
    city = back.question("city")
    assert level is not None and region is not None and agree is not None and city is not None
    assert level.group_path == ("p1", "inner") and isinstance(level.group_path, tuple)
    assert level.type is QuestionType.RANGE
    assert dict(level.parameters) == {"start": "0", "end": "10", "step": "2"}
    assert level.claim.get("en") == "the level"
    assert level.constraint_message.get("en") == "Not four"
    assert region.default == "north" and region.required
    assert region.required_message.get("it") == "Manca"
    assert region.hint.get("it") == "Dove"
    assert city.required_if == "${region} = 'north'"
    assert city.choice_filter == "region=${region}"
    assert dict(city.choices[0].columns) == {"region": "north"}
    assert [c.score for c in agree.choices] == [1.0, 2.5]
    assert back.question("twice").calculation == "${level} * 2"  # type: ignore[union-attr]
    assert back.title.get("it") == "Ricco" and back.version == "3"
    assert back.default_language == "it" and dict(back.languages) == dict(rich.languages)
    assert region.row == rich.question("region").row  # type: ignore[union-attr]


def test_form_json_keeps_the_languages_order_when_its_object_loses_it():
    """PostgreSQL's jsonb gives an object's keys back in an order of its own (shorter first):
    the order the sheet gave the languages in is kept beside them; a form stored before that
    keeps the object's."""
    form = Form("f", Text({"en": "T"}), "1", "en", {"en": "English", "it": "Italiano"}, ())
    data = form.to_json()
    data["languages"] = {"it": "Italiano", "en": "English"}  # as jsonb may give it back
    assert list(Form.from_json(data).languages) == ["en", "it"]
    del data["language_order"]
    assert list(Form.from_json(data).languages) == ["it", "en"]


def test_json_round_trip_after_the_lookup_cache_is_filled(rich):
    rich.question("region")  # fills the name index
    assert "_by_name" not in rich.to_json()
    assert Form.from_json(rich.to_json()) == rich


def test_builtin_survey_json_round_trip(builtin):
    text = json.dumps(builtin.to_json(), ensure_ascii=False)
    assert Form.from_json(json.loads(text)) == builtin


def test_page_json_round_trip(rich):
    page = rich.pages[0]
    assert Page.from_json(json.loads(json.dumps(page.to_json()))) == page


def test_question_json_round_trip_of_a_hand_made_question():
    question = Question(
        "q",
        QuestionType.SELECT_ONE,
        label=Text({"en": "Q"}),
        group_path=("a", "b"),
        required_if="${x} = 1",
        choices=(Choice("y", Text({"en": "Yes"}), 1.0),),
        parameters={"randomize": "true"},
        row=7,
    )
    assert Question.from_json(json.loads(json.dumps(question.to_json()))) == question
    assert question.path_name == "a-b-q"
