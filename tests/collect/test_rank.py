"""Ranking (`rank LIST`) on the respondent's page: a menu of positions per item without the
script, ties refused at the question, the order stored as ODK stores it."""

from __future__ import annotations

import re
import textwrap

import pytest

from indagine.collect.models import Response
from indagine.surveys.services import import_form, open_survey

# A club asking its members to order its priorities, an open question on the same page, and a
# last page.
RANK_FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | required |
| | begin_group | p1 | Priorità | Priorities | |
| | rank priorities | priorities | Metta in ordine, la più importante prima | Put these in order, most important first | yes |
| | text | missing | Manca qualcosa? | Is anything missing? | |
| | end_group | | | | |
| | begin_group | p2 | Fine | End | |
| | text | comment | Commento | Comment | |
| | end_group | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | priorities | training | Formazione | Training |
| | priorities | events | Eventi | Events |
| | priorities | research | Ricerca | Research |
| | priorities | lobbying | Rappresentanza | Lobbying |
| settings |
| | form_title | form_id | default_language |
| | Priorità | priorities | Italiano (it) |
"""


@pytest.fixture
def rank_survey(db):
    source = textwrap.dedent(RANK_FORM).encode()
    return open_survey(import_form(source, "rank.md", slug="rank").survey)


def _post(client, data):
    body = {"_page": "0", "_key": "r" * 43, "_action": "next", "_lang": "en", **data}
    return client.post("/s/rank/", body)


def _items(html: str) -> list[tuple[str, str]]:
    """Each item in the order listed, with the position its menu shows ('' for none)."""
    out = []
    for item in re.findall(r'<li class="rank-item">(.*?)</li>', html, re.S):
        label = re.search(r"<label[^>]*>([^<]+)</label>", item)
        chosen = re.search(r'<option value="\w+:(\d*)" selected>', item)
        assert label is not None
        out.append((label[1], chosen[1] if chosen else ""))
    return out


def test_each_item_has_a_menu_of_positions_named_by_its_label(client, rank_survey):
    html = client.get("/s/rank/?lang=en").content.decode()
    fieldset = re.search(r'<fieldset class="rank".*?</fieldset>', html, re.S)
    assert fieldset is not None
    assert "<legend>Put these in order, most important first</legend>" in fieldset[0]
    assert _items(fieldset[0]) == [
        ("Training", ""),
        ("Events", ""),
        ("Research", ""),
        ("Lobbying", ""),
    ]
    menus = re.findall(r'<select name="priorities" id="([\w-]+)"', fieldset[0])
    assert all(f'<label for="{menu}">' in fieldset[0] for menu in menus) and len(menus) == 4
    assert 'data-up="Move up" data-down="Move down"' in fieldset[0]  # the script's words


def test_positions_sent_without_the_script_are_stored_as_the_order(client, rank_survey):
    sent = {"priorities": ["training:3", "events:4", "research:1", "lobbying:2"]}
    assert _post(client, sent).status_code == 302
    (response,) = Response.objects.all()
    assert response.answers == {"priorities": "research lobbying training events"}
    page = client.get("/s/rank/?page=0&lang=en").content.decode()  # in the order given
    assert _items(page) == [
        ("Research", "1"),
        ("Lobbying", "2"),
        ("Training", "3"),
        ("Events", "4"),
    ]


def test_a_tie_is_refused_at_the_question_and_the_positions_stay(client, rank_survey):
    sent = {"priorities": ["training:1", "events:1", "research:2", "lobbying:3"]}
    html = _post(client, sent).content.decode()
    assert "Two items share position 1: give each its own." in html
    assert 'href="#q-priorities"' in html
    assert sorted(_items(html)) == [
        ("Events", "1"),
        ("Lobbying", "3"),
        ("Research", "2"),
        ("Training", "1"),
    ]
    assert not Response.objects.filter(answers__has_key="priorities").exists()


def test_some_items_left_without_a_position_are_refused(client, rank_survey):
    html = _post(client, {"priorities": ["training:1", "events:", "research:", "lobbying:"]})
    assert "Give every item a position, from 1 to 4." in html.content.decode()


def test_a_ranking_left_untouched_is_a_required_answer_missing(client, rank_survey):
    html = _post(client, {"priorities": [f"{n}:" for n in ("training", "events")]}).content
    assert "This question needs an answer." in html.decode()
