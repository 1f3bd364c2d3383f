"""Tests of answer checking (indagine.forms.answers): parsing, skip logic, every AnswerCode.

Forms are small markdown XLSForms. Raw input is what a web form or a CSV row gives: a mapping from
question name to a list of strings. Tests assert codes and stored values, and a form's own
messages where it has them, never indagine's default wording.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indagine.forms.answers import (
    MAX_TEXT_LENGTH,
    Checked,
    InvalidAnswer,
    available_choices,
    check_page,
    check_submission,
    evaluation_order,
    first_incomplete_page,
    is_relevant,
    is_required,
    page_is_relevant,
    parse_value,
    work_out,
)
from indagine.forms.loader import load_form
from indagine.forms.messages import AnswerCode, message
from indagine.forms.model import Form, Question

LIBRARY = Path(__file__).parents[2] / "src" / "indagine" / "library"
TODAY = dt.date(2024, 3, 15)


def form_of(md: str) -> Form:
    result = load_form(md, "form.md")
    assert result.ok and result.form is not None, [str(i) for i in result.errors]
    return result.form


def raw(**answers: str | list[str]) -> dict[str, list[str]]:
    return {k: [v] if isinstance(v, str) else v for k, v in answers.items()}


def codes(checked: Checked) -> list[tuple[str, AnswerCode]]:
    return [(e.name, e.code) for e in checked.errors]


def parse_error(question: Question, *values: str, max_text: int = MAX_TEXT_LENGTH) -> AnswerCode:
    with pytest.raises(InvalidAnswer) as caught:
        parse_value(question, list(values), max_text)
    return caught.value.code


TYPES = form_of("""
| survey |
| | type | name | label | parameters | calculation |
| | select_one yn | one | One | | |
| | select_multiple tools | many | Many | | |
| | integer | whole | Whole | | |
| | decimal | share | Share | | |
| | range | level | Level | start=0 end=10 step=2 | |
| | range | half | Half | start=1 end=3 step=0.5 | |
| | text | story | Story | | |
| | date | day | Day | | |
| | note | info | Info | | |
| | calculate | twice | | | ${whole} * 2 |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| | tools | vpn | VPN |
| | tools | cloud | Cloud |
| | tools | other | Other |
""")


def q(name: str, form: Form = TYPES) -> Question:
    question = form.question(name)
    assert question is not None
    return question


# --- parse_value, type by type ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["one", "many", "whole", "share", "level", "story", "day"])
@pytest.mark.parametrize("empty", [[], [""], ["   "], ["", " "]])
def test_empty_input_is_no_answer(name, empty):
    assert parse_value(q(name), empty) is None


def test_select_one():
    assert parse_value(q("one"), ["yes"]) == "yes"
    assert parse_value(q("one"), [" no "]) == "no"
    assert parse_error(q("one"), "maybe") is AnswerCode.UNKNOWN_CHOICE
    assert parse_error(q("one"), "yes", "no") is AnswerCode.MULTIPLE_VALUES


def test_select_multiple_in_choice_order_without_repeats():
    assert parse_value(q("many"), ["other", "vpn"]) == ["vpn", "other"]
    assert parse_value(q("many"), ["cloud vpn", "vpn"]) == ["vpn", "cloud"]  # ODK's CSV form
    assert parse_error(q("many"), "vpn", "fax") is AnswerCode.UNKNOWN_CHOICE


@pytest.mark.parametrize(
    ("text", "value"), [("12", 12), ("-3", -3), ("+7", 7), ("1 000", 1000), ("12,0", 12)]
)
def test_integer(text, value):
    parsed = parse_value(q("whole"), [text])
    assert parsed == value and isinstance(parsed, int)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12,5", AnswerCode.NOT_AN_INTEGER),
        ("0.1", AnswerCode.NOT_AN_INTEGER),
        ("twelve", AnswerCode.NOT_A_NUMBER),
        ("1e3", AnswerCode.NOT_A_NUMBER),
        ("1_000", AnswerCode.NOT_A_NUMBER),
        ("inf", AnswerCode.NOT_A_NUMBER),
        ("nan", AnswerCode.NOT_A_NUMBER),
        ("0x10", AnswerCode.NOT_A_NUMBER),
        ("1" * 31, AnswerCode.NOT_A_NUMBER),
    ],
)
def test_integer_refusals(text, code):
    assert parse_error(q("whole"), text) is code


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,5", 12.5), ("12.5", 12.5), ("0,25", 0.25), (",5", 0.5), ("-1,5", -1.5), ("12", 12)],
)
def test_decimal_accepts_the_italian_comma(text, value):
    assert parse_value(q("share"), [text]) == value


@pytest.mark.parametrize("text", ["12,5,1", "1.2.3", "12,5 %", "abc", "1e-2", "Infinity"])
def test_decimal_refusals(text):
    assert parse_error(q("share"), text) is AnswerCode.NOT_A_NUMBER


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("4", 4), ("10", 10), ("6,0", 6)])
def test_range_values_on_the_steps(text, value):
    parsed = parse_value(q("level"), [text])
    assert parsed == value and isinstance(parsed, int)


@pytest.mark.parametrize("text", ["3", "-2", "12", "4.5"])
def test_range_off_step_or_out_of_range(text):
    assert parse_error(q("level"), text) is AnswerCode.OUT_OF_RANGE


def test_range_with_a_fractional_step():
    assert parse_value(q("half"), ["2,5"]) == 2.5
    assert parse_value(q("half"), ["2"]) == 2.0
    assert parse_error(q("half"), "2.25") is AnswerCode.OUT_OF_RANGE
    assert parse_error(q("half"), "0.5") is AnswerCode.OUT_OF_RANGE
    assert parse_error(q("half"), "many") is AnswerCode.NOT_A_NUMBER


def test_text_and_its_length_limit():
    assert parse_value(q("story"), ["  hello  "]) == "hello"
    assert parse_value(q("story"), ["x" * 20], max_text=20) == "x" * 20
    assert parse_error(q("story"), "x" * 21, max_text=20) is AnswerCode.TOO_LONG
    assert parse_error(q("story"), "x" * (MAX_TEXT_LENGTH + 1)) is AnswerCode.TOO_LONG
    assert parse_error(q("story"), "a", "b") is AnswerCode.MULTIPLE_VALUES


def test_line_breaks_count_once_as_the_respondent_sees_them():
    # browsers send a text box's line breaks as CRLF; its maxlength counts each as one
    typed = "x\r\n" * 10
    assert parse_value(q("story"), [typed + "y"], max_text=21) == "x\n" * 10 + "y"
    assert parse_value(q("story"), ["a\rb"]) == "a\nb"
    assert parse_error(q("story"), typed + "yz", max_text=21) is AnswerCode.TOO_LONG


def test_date():
    assert parse_value(q("day"), ["2020-03-18"]) == "2020-03-18"
    for bad in ("18/03/2020", "2020-02-30", "2020-13-01", "yesterday"):
        assert parse_error(q("day"), bad) is AnswerCode.BAD_DATE


def test_notes_and_calculations_take_no_input():
    assert parse_error(q("info"), "x") is AnswerCode.UNKNOWN_FIELD
    assert parse_error(q("twice"), "4") is AnswerCode.UNKNOWN_FIELD


# --- check_submission: every AnswerCode, messages per language ----------------------------------

SURVEY = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | required | required_message::Italiano (it) | required_message::English (en) | relevant | constraint | constraint_message::Italiano (it) | constraint_message::English (en) | choice_filter | parameters | calculation |
| | begin_group | about | Chi | Who | | | | | | | | | | |
| | select_one region | region | Regione | Region | yes | Scelga la regione | Choose the region | | | | | | | |
| | select_one city | city | Città | City | | | | | | | | region=${region} | | |
| | integer | age | Età | Age | yes | | | | . >= 18 | Solo maggiorenni | Adults only | | | |
| | select_multiple tools | tools | Strumenti | Tools | yes | | | | | | | | | |
| | text | tools_other | Quali altri? | Which others? | yes | | | selected(${tools}, 'other') | | | | | | |
| | end_group | | | | | | | | | | | | | |
| | begin_group | work | Lavoro | Work | | | | ${age} >= 18 | | | | | | |
| | decimal | share | Quota | Share | ${region} = 'south' | | | | . <= 100 | | | | | |
| | range | mood | Umore | Mood | | | | | | | | | start=1 end=5 step=1 | |
| | date | since | Da quando | Since | | | | | . <= today() | | | | | |
| | text | pattern | Schema | Pattern | | | | | | | | | | |
| | text | code | Codice | Code | | | | | regex(., ${pattern}) | | | | | |
| | calculate | share_double | | | | | | | | | | | | ${share} * 2 |
| | text | comment | Commento | Comment | | | | ${share_double} > 100 | | | | | | |
| | end_group | | | | | | | | | | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) | region |
| | region | north | Nord | North | |
| | region | south | Sud | South | |
| | city | mi | Milano | Milan | north |
| | city | to | Torino | Turin | north |
| | city | na | Napoli | Naples | south |
| | tools | vpn | VPN | VPN | |
| | tools | cloud | Cloud | Cloud | |
| | tools | other | Altro | Other | |
| settings |
| | form_title | form_id | default_language |
| | Prova | prova | Italiano (it) |
"""
FORM = form_of(SURVEY)

VALID = raw(
    region="north",
    city="mi",
    age="40",
    tools=["vpn", "other"],
    tools_other="fax",
    share="70,5",
    mood="3",
    since="2020-03-18",
    pattern="^[A-Z]+$",
    code="ABC",
    comment="busy",
)


def submit(lang: str = "it", **changes: str | list[str] | None) -> Checked:
    answers = dict(VALID)
    for name, value in changes.items():
        if value is None:
            answers.pop(name, None)
        else:
            answers[name] = [value] if isinstance(value, str) else value
    return check_submission(FORM, answers, lang=lang, today=TODAY)


def test_a_valid_submission_is_typed_and_calculated():
    checked = submit()
    assert checked.ok, codes(checked)
    assert checked.answers == {
        "region": "north",
        "city": "mi",
        "age": 40,
        "tools": ["vpn", "other"],
        "tools_other": "fax",
        "share": 70.5,
        "mood": 3,
        "since": "2020-03-18",
        "pattern": "^[A-Z]+$",
        "code": "ABC",
        "share_double": 141,
        "comment": "busy",
    }


def test_required_with_the_forms_own_message_in_each_language():
    it = submit(region=None, city=None)
    assert codes(it) == [("region", AnswerCode.REQUIRED)]
    assert it.errors[0].message == "Scelga la regione"
    en = submit("en", region=None, city=None)
    assert en.errors[0].message == "Choose the region"
    fr = submit("fr", region=None, city=None)
    assert fr.errors[0].message == "Scelga la regione"  # the form's default language


def test_required_without_own_message_uses_the_default_wording():
    checked = submit("en", tools=None, tools_other=None)
    assert codes(checked) == [("tools", AnswerCode.REQUIRED)]
    assert checked.errors[0].message == message(AnswerCode.REQUIRED, "en")


def test_required_as_an_expression():
    assert submit(share=None, comment=None).ok  # required only in the south
    south = submit(region="south", city="na", share=None, comment=None)
    assert codes(south) == [("share", AnswerCode.REQUIRED)]
    assert is_required(q("share", FORM), {"region": "south"}, TODAY)
    assert not is_required(q("share", FORM), {"region": "north"}, TODAY)


def test_constraint_with_the_forms_own_message():
    checked = submit("en", age="17")
    assert ("age", AnswerCode.CONSTRAINT) in codes(checked)
    assert checked.errors[0].message == "Adults only"
    assert submit("it", age="17").errors[0].message == "Solo maggiorenni"


def test_constraint_without_own_message_and_with_today():
    checked = submit("en", since="2024-03-16")
    assert codes(checked) == [("since", AnswerCode.CONSTRAINT)]
    assert checked.errors[0].message == message(AnswerCode.CONSTRAINT, "en")
    assert submit(since="2024-03-15").ok


def test_a_failing_answer_is_reported_and_not_kept():
    checked = submit(share="150")
    assert codes(checked) == [("share", AnswerCode.CONSTRAINT)]
    assert "share" not in checked.answers
    assert "share_double" not in checked.answers  # nor used by a calculation
    assert "comment" not in checked.answers  # nor by the relevance of a later question


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("age", "forty", AnswerCode.NOT_A_NUMBER),
        ("share", "lots", AnswerCode.NOT_A_NUMBER),
        ("age", "40,5", AnswerCode.NOT_AN_INTEGER),
        ("mood", "6", AnswerCode.OUT_OF_RANGE),
        ("mood", "2.5", AnswerCode.OUT_OF_RANGE),
        ("region", "east", AnswerCode.UNKNOWN_CHOICE),
        ("tools", ["vpn", "telex"], AnswerCode.UNKNOWN_CHOICE),
        ("region", ["north", "south"], AnswerCode.MULTIPLE_VALUES),
        ("since", "18/03/2020", AnswerCode.BAD_DATE),
    ],
)
def test_parse_errors_through_check_submission(name, value, code):
    checked = submit(**{name: value})
    assert (name, code) in codes(checked)
    assert name not in checked.answers
    assert checked.errors[0].message  # a message for people, in the requested language


def test_out_of_range_message_names_the_bounds():
    checked = submit("en", mood="9")
    assert checked.errors[0].message == "Choose a whole number between 1 and 5."


RANGES = form_of("""
| survey |
| | type | name | label | parameters |
| | range | fives | Fives | start=0 end=100 step=5 |
| | range | halves | Halves | start=1 end=3 step=0.5 |
| | range | odd | Odd | start=1 end=11 step=2 |
""")


@pytest.mark.parametrize(
    ("name", "typed", "lang", "words"),
    [
        ("fives", "47", "en", "Choose a multiple of 5 between 0 and 100."),
        ("fives", "47", "it", "Scelga un multiplo di 5 tra 0 e 100."),
        ("halves", "2.2", "en", "Choose a multiple of 0.5 between 1 and 3."),
        ("halves", "2.2", "it", "Scelga un multiplo di 0,5 tra 1 e 3."),
        ("odd", "4", "en", "Choose a value between 1 and 11, in steps of 2 from 1."),
        ("odd", "4", "it", "Scelga un valore tra 1 e 11, a passi di 2 a partire da 1."),
    ],
)
def test_a_range_message_states_the_step(name, typed, lang, words):
    """'Between 0 and 100' refused 47 without saying why: the step is said too."""
    checked = check_submission(RANGES, raw(**{name: typed}), lang=lang)
    assert codes(checked) == [(name, AnswerCode.OUT_OF_RANGE)]
    assert checked.errors[0].message == words


def test_too_long_text():
    checked = check_submission(FORM, {**VALID, "tools_other": ["x" * 51]}, max_text=50)
    assert codes(checked) == [("tools_other", AnswerCode.TOO_LONG)]
    assert checked.errors[0].message == message(AnswerCode.TOO_LONG, "it", limit=50)


def test_choice_excluded_by_the_filter_is_asked_again_not_taken_as_forged():
    """A respondent without the page's script changes the region with a city still ticked:
    the city is asked again (a plain answer error), not refused as a forged request."""
    checked = submit(city="na")  # Naples is not in the north
    assert codes(checked) == [("city", AnswerCode.CHOICE_NOT_OFFERED)]
    assert "city" not in checked.answers
    assert submit(region="south", city="na").ok


def test_available_choices_follow_the_filter():
    city = q("city", FORM)
    assert [c.name for c in available_choices(city, {"region": "north"})] == ["mi", "to"]
    assert [c.name for c in available_choices(city, {"region": "south"})] == ["na"]
    assert available_choices(city, {}) == ()
    region = q("region", FORM)
    assert available_choices(region, {}) == region.choices


def test_unknown_fields():
    checked = check_submission(FORM, {**VALID, "zz_top": ["1"], "admin": ["yes"]}, lang="en")
    assert codes(checked) == [
        ("admin", AnswerCode.UNKNOWN_FIELD),
        ("zz_top", AnswerCode.UNKNOWN_FIELD),
    ]
    assert "zz_top" in checked.errors[1].message
    allowed = check_submission(
        FORM, {**VALID, "zz_top": ["1"]}, allow_unknown=frozenset({"zz_top"})
    )
    assert allowed.ok and "zz_top" not in allowed.answers


def test_an_expression_failing_at_run_time():
    checked = submit(pattern="([unclosed")  # regex() compiles a pattern that came from an answer
    assert codes(checked) == [("code", AnswerCode.EXPRESSION)]
    assert "code" not in checked.answers
    assert "pattern" in checked.answers


def test_a_submitted_calculation_is_recomputed():
    checked = check_submission(FORM, {**VALID, "share_double": ["5"]}, today=TODAY)
    assert checked.ok and checked.answers["share_double"] == 141


def test_other_specify_follows_the_multiple_choice():
    without_other = submit(tools=["vpn"])
    assert without_other.ok and "tools_other" not in without_other.answers
    missing = submit(tools_other=None)
    assert codes(missing) == [("tools_other", AnswerCode.REQUIRED)]


def test_answers_to_questions_that_do_not_apply_are_dropped():
    minor = check_submission(FORM, {**VALID, "age": ["16"]}, today=TODAY)
    # age fails its constraint; the 'work' group depends on it and keeps nothing
    assert codes(minor) == [("age", AnswerCode.CONSTRAINT)]
    for name in ("share", "mood", "since", "pattern", "code", "share_double", "comment"):
        assert name not in minor.answers


def test_a_question_made_irrelevant_by_a_calculation_keeps_nothing():
    checked = submit(share="10")
    assert checked.ok
    assert checked.answers["share_double"] == 20
    assert "comment" not in checked.answers


def test_every_answer_code_is_tested():
    """Each AnswerCode appears in a test of this module: a new code needs one."""
    tested = {
        AnswerCode.REQUIRED,
        AnswerCode.CONSTRAINT,
        AnswerCode.NOT_A_NUMBER,
        AnswerCode.NOT_AN_INTEGER,
        AnswerCode.OUT_OF_RANGE,
        AnswerCode.UNKNOWN_CHOICE,
        AnswerCode.CHOICE_NOT_OFFERED,
        AnswerCode.MULTIPLE_VALUES,
        AnswerCode.TOO_LONG,
        AnswerCode.BAD_DATE,
        AnswerCode.NOT_A_PHONE,
        AnswerCode.UNKNOWN_FIELD,
        AnswerCode.EXPRESSION,
        AnswerCode.RANK_TIE,
        AnswerCode.RANK_INCOMPLETE,
        AnswerCode.BAD_TIME,
        AnswerCode.BAD_DATETIME,
        AnswerCode.FILE_TOO_LARGE,
        AnswerCode.FILE_TYPE,
        AnswerCode.FILE_UNKNOWN,
    }
    assert tested == set(AnswerCode)


@pytest.mark.parametrize("code", list(AnswerCode))
@pytest.mark.parametrize("lang", ["it", "en", "fr", "de", "es"])
def test_every_code_has_a_default_message_in_each_shipped_language(code, lang):
    values = {"start": 1, "end": 5, "step": 2, "limit": 10, "field": "x", "position": 2}
    values["kinds"] = "PDF"
    text = message(code, lang, **values)
    assert text and "{" not in text
    assert lang == "en" or text != message(code, "en", **values)  # its own, not English's
    # a language without indagine's words gets English; a regional variant its base language
    assert message(code, "pt", **values) == message(code, "en", **values)
    assert message(code, f"{lang}-xx", **values) == text


def test_decimal_commas_where_the_language_writes_them():
    values = {"start": "0", "end": "2.5", "step": "0.5"}
    assert "2,5" in message(AnswerCode.OUT_OF_RANGE, "fr", **values)
    assert "2.5" in message(AnswerCode.OUT_OF_RANGE, "en", **values)


# --- check_page: one page at a time, skip logic as answers change -------------------------------

ABOUT, WORK = FORM.pages


def test_check_page_checks_only_its_own_questions():
    checked = check_page(FORM, ABOUT, raw(region="north", age="30", tools="vpn"), {}, today=TODAY)
    assert checked.ok, codes(checked)
    assert checked.answers == {"region": "north", "age": 30, "tools": ["vpn"]}
    # WORK's questions are not required yet, even share in the south
    south = check_page(FORM, ABOUT, raw(region="south", age="30", tools="vpn"), {}, today=TODAY)
    assert south.ok


def test_check_page_reports_in_form_order_with_the_requested_language():
    checked = check_page(FORM, ABOUT, raw(age="12", tools="fax"), {}, lang="en", today=TODAY)
    assert codes(checked) == [
        ("region", AnswerCode.REQUIRED),
        ("age", AnswerCode.CONSTRAINT),
        ("tools", AnswerCode.UNKNOWN_CHOICE),
    ]
    assert [e.message for e in checked.errors][:2] == ["Choose the region", "Adults only"]
    assert checked.answers == {}


def test_check_page_keeps_the_other_pages_answers():
    first = check_page(FORM, ABOUT, raw(region="north", age="30", tools="vpn"), {}, today=TODAY)
    second = check_page(FORM, WORK, raw(share="80", mood="2"), first.answers, today=TODAY)
    assert second.ok
    assert second.answers == {
        "region": "north",
        "age": 30,
        "tools": ["vpn"],
        "share": 80,
        "mood": 2,
        "share_double": 160,
    }


def test_a_changed_earlier_answer_removes_a_later_one():
    answers = {"region": "north", "age": 30, "tools": ["vpn", "other"], "tools_other": "fax"}
    answers |= {"share": 80, "share_double": 160, "comment": "busy"}
    # back on the first page the respondent says they are 17: the work page no longer applies
    young = check_page(FORM, ABOUT, raw(region="north", age="17", tools="vpn"), answers)
    assert codes(young) == [("age", AnswerCode.CONSTRAINT)]
    assert young.answers == {"region": "north", "tools": ["vpn"]}
    # unticking 'other' drops the 'other, specify' text; a lower share drops the comment
    fixed = check_page(FORM, ABOUT, raw(region="north", age="30", tools="vpn"), answers)
    assert fixed.ok and "tools_other" not in fixed.answers
    lower = check_page(FORM, WORK, raw(share="20"), fixed.answers, today=TODAY)
    assert lower.ok and lower.answers["share_double"] == 40 and "comment" not in lower.answers


def test_a_wrong_value_on_the_page_replaces_no_earlier_valid_one():
    answers = {"region": "north", "age": 30, "tools": ["vpn"]}
    checked = check_page(FORM, ABOUT, raw(region="north", age="old", tools="vpn"), answers)
    assert codes(checked) == [("age", AnswerCode.NOT_A_NUMBER)]
    assert "age" not in checked.answers


def test_is_relevant_own_and_inherited():
    assert is_relevant(q("tools_other", FORM), {"tools": ["vpn", "other"]})
    assert not is_relevant(q("tools_other", FORM), {"tools": ["vpn"]})
    assert not is_relevant(q("tools_other", FORM), {})
    assert is_relevant(q("share", FORM), {"age": 18})
    assert not is_relevant(q("share", FORM), {"age": 17})  # from the 'work' group
    assert is_relevant(q("region", FORM), {})


def test_page_is_relevant():
    assert page_is_relevant(ABOUT, {})
    assert not page_is_relevant(WORK, {"age": 12})
    assert page_is_relevant(WORK, {"age": 40})


def test_a_page_of_only_a_calculation_is_never_shown():
    form = form_of("""
    | survey |
    | | type | name | label | calculation |
    | | integer | a | A | |
    | | calculate | b | | ${a} + 1 |
    """)
    assert not page_is_relevant(form.pages[1], {"a": 1})


# --- resume -------------------------------------------------------------------------------------

RESUME = form_of("""
| survey |
| | type | name | label | required | relevant |
| | begin_group | p0 | P0 | | |
| | integer | a | A | yes | |
| | text | a_note | Note | | |
| | end_group | | | | |
| | begin_group | p1 | P1 | | |
| | select_one yn | b | B | yes | |
| | text | b_why | Why? | yes | ${b} = 'no' |
| | end_group | | | | |
| | begin_group | p2 | P2 | | |
| | text | c | C | | |
| | end_group | | | | |
| | begin_group | p3 | P3 | | |
| | text | d | D | yes | |
| | end_group | | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
""")


@pytest.mark.parametrize(
    ("answers", "page"),
    [
        ({}, 0),  # a new respondent starts at the beginning
        ({"a": 1}, 1),  # the page after the last one answered
        ({"a": 1, "b": "yes"}, 2),
        ({"a": 1, "b": "no"}, 1),  # b_why now applies and is missing
        ({"a": 1, "b": "yes", "c": "x"}, 3),
        ({"b": "yes", "c": "x"}, 0),  # a required question skipped on an earlier page
        ({"a": 1, "b": "yes", "c": "x", "d": "y"}, 3),  # all done: the last page
        ({"a": 1, "b": "yes", "d": "y"}, 3),  # an optional page left empty is no gap
    ],
)
def test_first_incomplete_page(answers: Mapping[str, object], page: int):
    assert first_incomplete_page(RESUME, answers) == page


# --- the built-in survey ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin() -> Form:
    result = load_form(LIBRARY / "remote_working_2020.md")
    assert result.issues == () and result.form is not None
    return result.form


def full_builtin_submission() -> dict[str, list[str]]:
    likert = {name: "4" for name in ("agree_change", "agree_digital_better")}
    likert |= {name: "3" for name in ("agree_digital_training", "agree_no_return")}
    likert |= {n: "2" for n in ("agree_productivity", "agree_objectives", "agree_compensation")}
    effects = ("balance", "continuity", "quality", "costs", "commuting", "realestate", "cohesion")
    return raw(
        org_type="bpo",
        role="other",
        role_other="Responsabile qualità",
        cc_size="250_999",
        sector="telco",
        remote="most",
        remote_share="85,5",
        remote_days="7",
        remote_tools=["vpn", "softphone", "other"],
        remote_tools_other="Cuffie nuove",
        agree_augmented="5",
        digital_use="increased_lot",
        digital_channels=["chat", "social", "email"],
        solutions=["cloud_cc", "chatbot"],
        testimony="Abbiamo spostato tutti a casa in una settimana.",
        quote_ok="yes",
        **likert,
        **{f"effect_{e}": "significant" for e in effects},
    )


def test_builtin_survey_accepts_a_plausible_full_submission(builtin):
    submission = full_builtin_submission()
    checked = check_submission(builtin, submission, today=TODAY)
    assert checked.ok, codes(checked)
    assert set(checked.answers) == set(submission)
    assert checked.answers["remote_share"] == 85.5
    assert checked.answers["remote_days"] == 7
    assert checked.answers["remote_tools"] == ["vpn", "softphone", "other"]
    assert first_incomplete_page(builtin, checked.answers) == len(builtin.pages) - 1


def test_builtin_survey_skip_logic_and_messages(builtin):
    submission = full_builtin_submission() | raw(remote="no", solutions=["none", "chatbot"])
    checked = check_submission(builtin, submission, lang="en", today=TODAY)
    # no remote work: its follow-up questions keep nothing; 'none' cannot go with another answer
    assert codes(checked) == [("solutions", AnswerCode.CONSTRAINT)]
    solutions = builtin.question("solutions")
    assert checked.errors[0].message == solutions.constraint_message.get("en")
    assert checked.errors[0].message.endswith("cannot be combined with other answers.")
    for name in ("remote_share", "remote_days", "remote_tools", "remote_tools_other"):
        assert name not in checked.answers


def test_builtin_survey_page_by_page(builtin):
    answers: dict[str, object] = {}
    submission = full_builtin_submission()
    for index, page in enumerate(builtin.pages):
        assert first_incomplete_page(builtin, answers) == index
        page_raw = {q.name: submission[q.name] for q in page.questions if q.name in submission}
        checked = check_page(builtin, page, page_raw, answers, lang="en", today=TODAY)
        assert checked.ok, codes(checked)
        answers = checked.answers
    assert answers == check_submission(builtin, submission, today=TODAY).answers


def test_builtin_survey_required_message_in_english(builtin):
    checked = check_page(builtin, builtin.pages[0], {}, {}, lang="en")
    assert {e.code for e in checked.errors} == {AnswerCode.REQUIRED}
    assert {e.message for e in checked.errors} == {"Please answer this question to continue."}
    assert [e.name for e in checked.errors] == ["org_type", "role", "cc_size", "sector"]


def test_messages_address_the_respondent_formally_and_fit_the_question():
    italian = [
        message(code, "it", start=1, end=5, step=1, limit=9, field="x", position=2, kinds="PDF")
        for code in AnswerCode
    ]
    assert not [m for m in italian if m.split()[0] in {"Scrivi", "Scegli"}]  # "Lei", never "tu"
    with pytest.raises(InvalidAnswer) as refused:
        parse_value(q("whole"), ["forty"])
    assert refused.value.code is AnswerCode.NOT_A_NUMBER  # the code stays; the words fit
    words = message(refused.value.code, "it", **refused.value.values)
    assert words == "Scriva un numero intero, ad esempio 12."  # no "12,5" for a whole number


def test_a_calculation_above_the_questions_it_adds_is_worked_out():
    """ODK computes a total on the row above its numbers; answers are settled in the order
    their values depend on each other, not only in the sheet's."""
    form = form_of("""
    | survey |
    | | type | name | label | calculation | relevant |
    | | calculate | total | | ${a} + ${b} | |
    | | integer | a | A | | |
    | | integer | b | B | | |
    | | text | why | Why so many? | | ${total} > 5 |
    """)
    checked = check_submission(form, {"a": ["3"], "b": ["4"], "why": ["busy"]}, lang="en")
    assert checked.answers == {"a": 3, "b": 4, "total": 7, "why": "busy"}
    assert [q.name for q in evaluation_order(form)] == ["a", "b", "total", "why"]


# --- a question that does not apply is never judged ---------------------------------------------


def test_a_hidden_questions_typing_is_never_judged_on_its_page(builtin):
    """The respondent answers 'partly remote', types words in the two number fields, then says
    'no remote work' and sends again: the numbers no longer apply and must not hold the page."""
    page = builtin.pages[1]
    partly = check_page(
        builtin, page, raw(remote="part", remote_share="tanti", remote_days="pochi"), {}
    )
    assert {e.name for e in partly.errors} >= {"remote_share", "remote_days"}
    changed = check_page(
        builtin, page, raw(remote="no", remote_share="tanti", remote_days="pochi"), {}
    )
    assert changed.ok, codes(changed)
    assert changed.answers == {"remote": "no"}


@pytest.mark.parametrize(
    ("value", "code"),
    [("forty", "NOT_A_NUMBER"), ("1", "UNKNOWN_CHOICE"), ("x" * 20, "TOO_LONG")],
)
def test_no_input_of_a_question_that_does_not_apply_is_judged_or_kept(value, code):
    form = form_of("""
    | survey |
    | | type | name | label | relevant | appearance |
    | | begin_group | work | Work | | field-list |
    | | select_one yn | works | Do you work? | | |
    | | integer | hours | Hours? | ${works} = 'yes' | |
    | | select_one yn | paid | Paid? | ${works} = 'yes' | |
    | | text | job | Job? | ${works} = 'yes' | |
    | | end_group | | | | |
    | choices |
    | | list_name | name | label |
    | | yn | yes | Yes |
    | | yn | no | No |
    """)
    field = {"NOT_A_NUMBER": "hours", "UNKNOWN_CHOICE": "paid", "TOO_LONG": "job"}[code]
    sent = raw(works="yes", **{field: value})
    assert codes(check_page(form, form.pages[0], sent, {}, max_text=10)) == [
        (field, AnswerCode[code])
    ]
    sent["works"] = ["no"]
    for checked in (
        check_page(form, form.pages[0], sent, {}, max_text=10),
        check_submission(form, sent, max_text=10),
    ):
        assert checked.ok, codes(checked)
        assert checked.answers == {"works": "no"}


def test_calculations_and_defaults_are_worked_out_before_anything_is_sent():
    form = form_of("""
    | survey |
    | | type | name | label | calculation | default | relevant |
    | | calculate | year | | 2026 - 5 | | |
    | | integer | staff | Staff in ${year}? | | 10 | |
    | | calculate | double | | ${staff} * 2 | | |
    | | text | why | Why over ${double}? | | | ${staff} > 5 |
    """)
    page = tuple(form.questions())
    assert work_out(form, {}) == {"year": 2021}
    assert work_out(form, {}, page) == {"year": 2021, "staff": 10, "double": 20}
    assert work_out(form, {"staff": 3}, page) == {"year": 2021, "staff": 3, "double": 6}
    plain = form_of("""
    | survey |
    | | type | name | label | relevant |
    | | integer | a | A | |
    | | text | b | B | ${a} > 1 |
    """)
    answers = {"a": 1, "b": "kept as it is: nothing to work out"}
    assert work_out(plain, answers) == answers


# --- the cheap XLSForm types: phone number, acknowledge, hidden, start, end, today ----------------

CHEAP = form_of("""
| survey |
| | type | name | label | default | required |
| | start | began | | | |
| | end | finished | | | |
| | today | day | | | |
| | hidden | source | | newsletter | |
| | phone number | tel | Your phone number | | |
| | acknowledge | consent | I agree to take part | | yes |
| | text | why | Why, from ${source}? | | |
""")


@pytest.mark.parametrize("typed", ["+39 02 1234567", "02-123.4567", "(02) 1234 567", "3331234567"])
def test_a_phone_number_as_people_write_it(typed):
    assert parse_value(q("tel", CHEAP), [typed]) == typed


@pytest.mark.parametrize(
    "typed", ["call me", "123", "+39 02 12a4567", "12345678901234567890123456789012"]
)
def test_what_is_no_phone_number_is_refused_with_its_own_message(typed):
    assert parse_error(q("tel", CHEAP), typed) is AnswerCode.NOT_A_PHONE
    assert message(AnswerCode.NOT_A_PHONE, "it").startswith("Scriva un numero di telefono")


def test_acknowledge_is_ok_or_nothing_and_required_means_ticked():
    assert parse_value(q("consent", CHEAP), ["OK"]) == "OK"
    assert parse_error(q("consent", CHEAP), "yes") is AnswerCode.UNKNOWN_CHOICE
    missing = check_submission(CHEAP, raw(tel="02 1234567"))
    assert codes(missing) == [("consent", AnswerCode.REQUIRED)]


def test_hidden_holds_its_default_and_metadata_holds_nothing_in_the_answers():
    checked = check_submission(CHEAP, raw(consent="OK", source="forged", began="2020"))
    assert checked.ok, codes(checked)
    assert checked.answers == {"source": "newsletter", "consent": "OK"}
    assert work_out(CHEAP, {})["source"] == "newsletter"  # a label's ${source} shows it
    assert [qq.type.is_shown for qq in CHEAP.questions()] == [False] * 4 + [True] * 3


# --- rank: the choices in the respondent's order ---------------------------------------------

RANKED = """
| survey |
| | type | name | label | required |
| | rank pr | priorities | Put these in order | yes |
| choices |
| | list_name | name | label |
| | pr | parks | Parks |
| | pr | safety | Safety |
| | pr | parking | Parking |
| | pr | shops | Shops |
"""
NAMES = ["parks", "safety", "parking", "shops"]


@pytest.fixture(scope="module")
def ranked() -> Question:
    question = form_of(RANKED).question("priorities")
    assert question is not None
    return question


def test_a_ranking_from_the_script_is_stored_as_odk_stores_it(ranked):
    assert parse_value(ranked, ["safety shops parks parking"]) == "safety shops parks parking"


def test_a_ranking_from_the_menus_without_the_script_is_the_same_order(ranked):
    sent = ["parks:3", "safety:1", "parking:4", "shops:2"]
    assert parse_value(ranked, sent) == "safety shops parks parking"


@pytest.mark.parametrize(
    ("sent", "code", "says"),
    [
        (["parks:1", "safety:1", "parking:2", "shops:3"], AnswerCode.RANK_TIE, "position 1"),
        (["parks:1", "safety:2", "parking:", "shops:"], AnswerCode.RANK_INCOMPLETE, "1 to 4"),
        (["parks:1", "safety:2", "parking:3", "shops:9"], AnswerCode.RANK_INCOMPLETE, "1 to 4"),
        (["parks:1", "lake:2", "parking:3", "shops:4"], AnswerCode.UNKNOWN_CHOICE, ""),
        (["parks safety parks shops"], AnswerCode.RANK_TIE, "position 1"),
    ],
    ids=["tie", "some-unranked", "out-of-range", "unknown", "twice-in-order"],
)
def test_a_ranking_that_is_not_one_is_refused_with_its_code(ranked, sent, code, says):
    with pytest.raises(InvalidAnswer) as refused:
        parse_value(ranked, sent)
    assert refused.value.code is code
    assert says in message(code, "en", **refused.value.values)


def test_no_position_given_is_no_answer_and_required_says_so(ranked):
    assert parse_value(ranked, ["parks:", "safety:", "parking:", "shops:"]) is None
    form = form_of(RANKED)
    checked = check_page(form, form.pages[0], {"priorities": ["parks:"] * 1}, {})
    assert [e.code for e in checked.errors] == [AnswerCode.REQUIRED]


@given(st.permutations(NAMES), st.booleans())
def test_any_order_sent_either_way_is_stored_in_that_order(ranked, order, with_script):
    sent = [" ".join(order)] if with_script else [f"{n}:{order.index(n) + 1}" for n in NAMES]
    assert parse_value(ranked, sent) == " ".join(order)


# --- time and datetime: native boxes, and what people type where there is none ---------------

TIMES = """
| survey |
| | type | name | label |
| | time | starts | When does your shift start? |
| | datetime | called | When did we call you? |
"""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("09:30", "09:30"), ("9:30", "09:30"), ("09.30", "09:30"), ("9h30", "09:30"),
     ("14:45:10", "14:45:10"), ("0:05", "00:05"), (" 7 . 15 ", "07:15")],
)  # fmt: skip
def test_a_time_is_taken_as_typed_and_stored_as_iso_8601(typed, stored):
    question = form_of(TIMES).question("starts")
    assert parse_value(question, [typed]) == stored


@pytest.mark.parametrize("typed", ["24:00", "9:60", "930", "nine thirty", "9:3", "12:00:61"])
def test_what_is_no_time_is_refused(typed):
    with pytest.raises(InvalidAnswer) as refused:
        parse_value(form_of(TIMES).question("starts"), [typed])
    assert refused.value.code is AnswerCode.BAD_TIME
    assert "9:30" in message(AnswerCode.BAD_TIME, "en")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("2020-03-18T09:30", "2020-03-18T09:30"), ("2020-03-18 9.30", "2020-03-18T09:30"),
     ("2020-03-18 14:45:10", "2020-03-18T14:45:10")],
)  # fmt: skip
def test_a_datetime_is_stored_as_iso_8601_without_a_zone(typed, stored):
    assert parse_value(form_of(TIMES).question("called"), [typed]) == stored


@pytest.mark.parametrize("typed", ["2020-03-18", "2020-02-30 9:30", "18/03/2020 9:30", "9:30"])
def test_what_is_no_datetime_is_refused(typed):
    with pytest.raises(InvalidAnswer) as refused:
        parse_value(form_of(TIMES).question("called"), [typed])
    assert refused.value.code is AnswerCode.BAD_DATETIME


def test_an_upload_is_a_stored_name_and_the_servers_refusals_are_said_at_it():
    """The page puts a stored file's name, or its refusal of the file, where the file box was
    (collect/uploads.py); any other value is none the server gave."""
    upload = form_of("""
    | survey |
    | | type | name | label | body::accept |
    | | file | cv | CV | .pdf |
    """).question("cv")
    assert upload is not None
    name = "ab" * 16 + "-My CV.pdf"
    assert parse_value(upload, [name]) == name
    for value, code, words in [
        ("!ANSWER_FILE_TOO_LARGE:10", AnswerCode.FILE_TOO_LARGE, "10 MB at most"),
        ("!ANSWER_FILE_TYPE", AnswerCode.FILE_TYPE, "send a PDF file"),
        ("../../secret_key", AnswerCode.FILE_UNKNOWN, "not received"),
        ("ab" * 16 + "-x/y.pdf", AnswerCode.FILE_UNKNOWN, "not received"),
    ]:
        with pytest.raises(InvalidAnswer) as refused:
            parse_value(upload, [value])
        assert refused.value.code is code
        assert words in message(code, "en", **refused.value.values)
