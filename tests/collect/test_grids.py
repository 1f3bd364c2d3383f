"""Grids: a `table-list` group is one table, a row per question and a column per choice, with
header cells scoped, each row a group of buttons named by its legend, errors at the row."""

from __future__ import annotations

import re
import textwrap

import pytest

from indagine.collect.models import Response
from indagine.surveys.services import import_form, open_survey

# A club's battery of agreement items, as such sheets are written: a scored scale, the
# group's label as the grid's caption, one row asked only of those who work remotely, one
# optional row, and an open question in the group after the rows.
GRID_FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | required | relevant | appearance |
| | begin_group | p1 | Lavoro | Work | | | field-list |
| | select_one yn | remote | Lavora da remoto? | Do you work remotely? | yes | | |
| | begin_group | agree | Quanto è d'accordo? | How much do you agree? | | | table-list |
| | select_one agree | productivity | La produttività è cresciuta | Productivity grew | yes | | |
| | select_one agree | isolation | Mi sento isolato | I feel isolated | yes | ${remote} = 'yes' | |
| | select_one agree | training | Servono corsi | Training is needed | | | |
| | end_group | | | | | | |
| | text | why | Perché? | Why? | | | |
| | end_group | | | | | | |
| | begin_group | p2 | Fine | End | | | field-list |
| | text | comment | Commento | Comment | | | |
| | end_group | | | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) | score |
| | yn | yes | Sì | Yes | |
| | yn | no | No | No | |
| | agree | 1 | Per niente | Not at all | 1 |
| | agree | 2 | Poco | A little | 2 |
| | agree | 3 | Abbastanza | Quite | 3 |
| | agree | 4 | Molto | Very much | 4 |
| settings |
| | form_title | form_id | default_language |
| | Griglia | grid | Italiano (it) |
"""


@pytest.fixture
def grid_survey(db):
    return open_survey(
        import_form(textwrap.dedent(GRID_FORM).encode(), "grid.md", slug="grid").survey
    )


def _post(client, page, data, action="next", lang="en"):
    body = {"_page": str(page), "_key": "g" * 43, "_action": action, "_lang": lang, **data}
    return client.post("/s/grid/", body)


def _table(html: str) -> str:
    found = re.search(r'<table class="grid".*?</table>', html, re.S)
    assert found is not None, "no grid on the page"
    return found[0]


def test_the_group_is_one_table_with_scoped_headers_and_a_named_group_per_row(client, grid_survey):
    table = _table(client.get("/s/grid/?lang=en").content.decode())
    assert "<caption>How much do you agree?</caption>" in table
    assert re.findall(r'<th scope="col">([^<]+)</th>', table) == [
        "Not at all",
        "A little",
        "Quite",
        "Very much",
    ]
    rows = re.findall(r'<tr class="question[^"]*" id="q-(\w+)"[^>]*>(.*?)</tr>', table, re.S)
    assert [name for name, _ in rows] == ["productivity", "isolation", "training"]
    for name, row in rows:
        assert re.search(r'<th scope="row">', row)
        assert re.search(r"<fieldset[^>]*><legend>", row)  # the row's group, named
        assert len(re.findall(rf'<input type="radio" name="{name}"', row)) == 4
        assert len(re.findall(r"<label for=", row)) == 4  # each button has its choice's name
    assert "(optional)" in dict(rows)["training"]
    assert 'id="q-isolation" data-name="isolation" hidden' in table  # not yet relevant


def test_a_question_of_the_group_after_the_rows_is_drawn_after_the_table(client, grid_survey):
    html = client.get("/s/grid/?lang=en").content.decode()
    assert html.index("</table>") < html.index('id="q-why"')
    assert 'id="q-why"' not in _table(html)


def test_a_grid_is_answered_without_the_script_and_stored_row_by_row(client, grid_survey):
    sent = {"remote": "yes", "productivity": "4", "isolation": "2", "why": "Ok"}
    assert _post(client, 0, sent).status_code == 302
    assert _post(client, 1, {}).status_code == 302
    (response,) = Response.objects.filter(status=Response.Status.COMPLETE)
    assert response.answers == {
        "remote": "yes",
        "productivity": "4",
        "isolation": "2",
        "why": "Ok",
    }


def test_errors_name_the_row_and_mark_it(client, grid_survey):
    html = _post(client, 0, {"remote": "yes", "training": "3"}).content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None
    assert "Productivity grew" in summary[0] and "I feel isolated" in summary[0]
    assert 'href="#q-productivity"' in summary[0]
    table = _table(html)
    for name in ("productivity", "isolation"):
        row = re.search(rf'<tr class="question has-error" id="q-{name}".*?</tr>', table, re.S)
        assert row is not None and 'id="err-' + name + '"' in row[0]
        assert f'aria-describedby="err-{name}"' in row[0]
    assert 'id="q-training" data-name="training"><th' in table  # no error: as it was
    assert 'value="3" checked' in table  # what was chosen stays chosen


def test_a_row_that_does_not_apply_is_neither_required_nor_kept(client, grid_survey):
    sent = {"remote": "no", "productivity": "1", "isolation": "4"}  # isolation hidden
    assert _post(client, 0, sent).status_code == 302
    (response,) = Response.objects.all()
    assert "isolation" not in response.answers


def test_a_page_that_is_a_table_list_says_its_caption_once(db, client):
    form = """
    | survey |
    | | type | name | label | appearance |
    | | begin_group | services | Services | table-list |
    | | select_one rating | desk | Front desk | |
    | | select_multiple rating | phone | Phone | |
    | | end_group | | | |
    | choices |
    | | list_name | name | label |
    | | rating | good | Good |
    | | rating | bad | Bad |
    """
    open_survey(import_form(textwrap.dedent(form).encode(), "s.md", slug="services").survey)
    html = client.get("/s/services/").content.decode()
    assert "<h1>Services</h1>" in html
    table = _table(html)
    assert '<caption class="visually-hidden">Services</caption>' in table
    assert '<input type="checkbox" name="phone"' in table  # a select_multiple row: boxes
