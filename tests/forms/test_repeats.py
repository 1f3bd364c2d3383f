"""Repeats (#15.6) in the pure form: read from the sheet, each instance's answers checked in
its own scope (its siblings, its position), counts from `repeat_count` or from the instances
a respondent keeps, totals over instances, and what is refused at its cell."""

from __future__ import annotations

import datetime as dt

import pytest

from indagine.forms.answers import (
    MAX_INSTANCES,
    check_page,
    check_submission,
    first_incomplete_page,
    page_is_relevant,
)
from indagine.forms.issues import FormCode
from indagine.forms.loader import load_form
from indagine.forms.messages import AnswerCode
from indagine.forms.model import Form

pytestmark = pytest.mark.pure
TODAY = dt.date(2026, 3, 2)

# A contact-center survey's sites, as organisers write one: how many sites, then each site.
SITES = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | repeat_count | relevant | constraint | calculation | required |
| | integer | n_sites | Quante sedi? | How many sites? | | | . <= 200 | | yes |
| | begin_repeat | site | Sede | Site | ${n_sites} | ${n_sites} > 0 | | | |
| | text | city | Città | City | | | | | yes |
| | integer | seats | Postazioni | Seats | | | . > 0 | | |
| | select_one yn | remote | Da remoto? | Remote? | | ${seats} > 10 | | | yes |
| | calculate | number | | | | | | position(..) | |
| | end_repeat | | | | | | | | |
| | begin_repeat | colleague | Collega | Colleague | | | | | |
| | text | role | Ruolo | Role | | | | | yes |
| | end_repeat | | | | | | | | |
| | calculate | seats_total | | | | | | sum(${seats}) | |
| | calculate | colleagues | | | | | | count(${colleague}) | |
| | note | summary | ${seats_total} postazioni | ${seats_total} seats | | | | | |

| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | yn | yes | Sì | Yes |
| | yn | no | No | No |
"""


def load(text: str = SITES) -> Form:
    result = load_form(text, "sites.md")
    assert result.ok, result.issues
    assert result.form is not None
    return result.form


def sent(**values: str) -> dict[str, list[str]]:
    """Raw input: `city_2="Roma"` is the field 'city[2]', `site_n="2"` is 'site[]'."""
    out = {}
    for name, value in values.items():
        if name.endswith("_n"):
            out[f"{name[:-2]}[]"] = [value]
        elif name[-1].isdigit() and "_" in name:
            base, index = name.rsplit("_", 1)
            out[f"{base}[{index}]"] = [value]
        else:
            out[name] = [value]
    return out


def test_a_repeat_is_read_with_its_count_relevance_and_questions():
    form = load()
    site = form.repeats()["site"]
    assert site.count == "${n_sites}" and site.relevant == "${n_sites} > 0"
    assert site.label.get("en") == "Site" and site.row == 3
    assert [q.name for q in form.questions() if q.repeat == "site"] == [
        "city", "seats", "remote", "number",
    ]  # fmt: skip
    assert form.question("city").group_path == ("site",)
    assert form.question("remote").relevant == "${n_sites} > 0 and (${seats} > 10)" or (
        "${seats} > 10" in form.question("remote").relevant
    )
    assert Form.from_json(form.to_json()) == form  # stored as a form version is


def test_each_instance_is_checked_in_its_own_scope():
    form = load()
    checked = check_submission(
        form,
        sent(
            n_sites="2",
            site_n="2",
            city_1="Roma",
            seats_1="30",
            remote_1="yes",
            city_2="Bari",
            seats_2="4",
            remote_2="yes",
            colleague_n="0",
        ),
        lang="en",
        today=TODAY,
    )
    assert checked.ok, checked.errors
    sites = checked.answers["site"]
    assert sites == [
        {"city": "Roma", "seats": 30, "remote": "yes", "number": 1},
        {"city": "Bari", "seats": 4, "number": 2},  # remote is not asked of a small site
    ]
    assert checked.answers["seats_total"] == 34
    assert checked.answers["colleagues"] == 0 and checked.answers["colleague"] == []


def test_errors_name_the_instance_and_come_in_the_pages_order():
    form = load()
    checked = check_submission(
        form,
        sent(
            n_sites="2",
            site_n="2",
            city_1="",
            seats_1="0",
            city_2="Bari",
            seats_2="12",
            colleague_n="1",
            role_1="",
        ),
        lang="en",
        today=TODAY,
    )
    assert [(e.name, e.code) for e in checked.errors] == [
        ("city[1]", AnswerCode.REQUIRED),
        ("seats[1]", AnswerCode.CONSTRAINT),
        ("remote[2]", AnswerCode.REQUIRED),
        ("role[1]", AnswerCode.REQUIRED),
    ]
    assert "seats" not in checked.answers["site"][0]  # a refused answer is never kept


def test_the_count_sets_the_instances_whatever_the_page_sent():
    form = load()
    raw = sent(n_sites="1", site_n="3", city_1="Roma", city_2="Bari", city_3="Pisa")
    checked = check_submission(form, {**raw, "colleague[]": ["0"]}, lang="en", today=TODAY)
    assert [s["city"] for s in checked.answers["site"]] == ["Roma"]
    none = check_submission(form, sent(n_sites="0", colleague_n="0"), lang="en", today=TODAY)
    assert "site" not in none.answers  # the repeat does not apply: nothing of it is kept
    assert none.answers["seats_total"] == 0


def test_a_count_is_held_to_the_most_a_page_shows():
    form = load(SITES.replace(". <= 200", ". <= 100000"))
    raw = sent(n_sites="5000", colleague_n="0")
    checked = check_submission(form, raw, lang="en", today=TODAY)
    assert len(checked.answers["site"]) == MAX_INSTANCES


def test_a_page_checks_its_instances_against_the_answers_before_it():
    form = load()
    page = form.pages[1]
    assert list(page.repeats) == ["site"]
    before = {"n_sites": 2}
    checked = check_page(
        form, page, sent(site_n="2", city_1="Roma", city_2="Bari"), before, lang="en", today=TODAY
    )
    assert checked.ok and [s["city"] for s in checked.answers["site"]] == ["Roma", "Bari"]
    again = check_page(form, page, sent(site_n="2", city_1="Roma"), checked.answers, lang="en")
    assert [(e.name, e.code) for e in again.errors] == [("city[2]", AnswerCode.REQUIRED)]
    assert checked.answers["site"][1]["city"] == "Bari"  # the stored answers are not changed


def test_a_repeat_page_is_shown_before_any_instance_exists():
    form = load()
    colleagues = form.pages[2]
    assert page_is_relevant(colleagues, {}, TODAY, form=form)
    sites = form.pages[1]
    assert not page_is_relevant(sites, {"n_sites": 0}, TODAY, form=form)


def test_resuming_stops_at_an_instance_left_incomplete():
    form = load()
    answers = {"n_sites": 2, "site": [{"city": "Roma"}, {}], "colleague": [{"role": "TL"}]}
    assert first_incomplete_page(form, answers, TODAY) == 1
    answers["site"][1]["city"] = "Bari"
    assert first_incomplete_page(form, answers, TODAY) == 3


@pytest.mark.parametrize(
    ("rows", "code", "row"),
    [
        (  # a repeat in a repeat
            "| | begin_repeat | a | A |\n| | begin_repeat | b | B |\n| | text | t | T |\n"
            "| | end_repeat | | |\n| | end_repeat | | |",
            FormCode.UNSUPPORTED_TYPE,
            4,
        ),
        (  # an upload in a repeat
            "| | begin_repeat | a | A |\n| | file | f | F |\n| | end_repeat | | |",
            FormCode.UNSUPPORTED_TYPE,
            4,
        ),
        (  # a ranking in a repeat
            "| | begin_repeat | a | A |\n| | rank c | r | R |\n| | end_repeat | | |",
            FormCode.UNSUPPORTED_TYPE,
            4,
        ),
    ],
)
def test_what_a_repeat_cannot_hold_is_refused_at_its_row(rows, code, row):
    text = (
        "| survey |\n| | type | name | label |\n| | text | x | X |\n" + rows + "\n\n"
        "| choices |\n| | list_name | name | label |\n| | c | a | A |\n| | c | b | B |\n"
    )
    result = load_form(text, "f.md")
    assert (code, row) in {(i.code, i.row) for i in result.errors}, result.issues


def test_a_grid_in_a_repeat_is_said_and_asked_plainly():
    text = (
        "| survey |\n| | type | name | label | appearance |\n"
        "| | begin_repeat | a | A | |\n| | begin_group | g | G | table-list |\n"
        "| | select_one c | q1 | Q1 | |\n| | select_one c | q2 | Q2 | |\n"
        "| | end_group | | | |\n| | end_repeat | | | |\n\n"
        "| choices |\n| | list_name | name | label |\n| | c | a | A |\n| | c | b | B |\n"
    )
    result = load_form(text, "f.md")
    assert result.ok and result.form is not None
    assert [i.code for i in result.warnings] == [FormCode.NOT_HONOURED]
    assert all(not q.table for q in result.form.questions())


def test_a_repeat_without_questions_is_said_at_its_row():
    text = (
        "| survey |\n| | type | name | label |\n| | text | x | X |\n"
        "| | begin_repeat | empty | Empty |\n| | end_repeat | | |\n"
    )
    result = load_form(text, "f.md")
    assert result.ok and result.form is not None and not result.form.repeats()
    assert [(i.code, i.row) for i in result.warnings] == [(FormCode.NOT_HONOURED, 3)]
