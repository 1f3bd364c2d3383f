"""The editor's changes to a questionnaire's rows (`forms.editing`)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indagine.forms import editing, workbook
from indagine.forms.loader import load_form

pytestmark = pytest.mark.pure

SOURCE = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) |
| | begin_group | p1 | Uno | One |
| | text | a | A | A |
| | begin_group | g | Gruppo | Group |
| | text | b | B | B |
| | text | c | C | C |
| | end_group | | | |
| | text | d | D | D |
| | end_group | | | |
| | begin_group | p2 | Due | Two |
| | select_one sn | e | E | E |
| | end_group | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | sn | si | Sì | Yes |
| | sn | no | No | No |
| | altra | x | X | X |
| settings |
| | form_title | form_id | default_language |
| | T | t | Italiano (it) |
"""


def _book() -> workbook.Workbook:
    return workbook.read(SOURCE.encode(), "t.md")


def _names(book: workbook.Workbook) -> list[str]:
    return [r.get("name", "/") for r in book.sheet("survey").rows]


def test_items_know_their_depth_and_span():
    every = editing.items(_book())
    assert [(i.name or "/", i.depth, i.kind) for i in every][:4] == [
        ("p1", 0, "group"),
        ("a", 1, "question"),
        ("g", 1, "group"),
        ("b", 2, "question"),
    ]
    assert (every[0].end, every[2].end) == (8, 6)
    assert editing.languages(_book()) == ["Italiano (it)", "English (en)"]
    assert editing.default_language(_book()) == "Italiano (it)"


def test_moving_stays_among_siblings_and_takes_a_group_along():
    book = _book()
    assert editing.move(book, 1, -1) == 1  # first in its page: stays
    assert editing.move(book, 1, +1) == 5  # a jumps over the group g and its 4 rows
    assert _names(book)[:8] == ["p1", "g", "b", "c", "/", "a", "d", "/"]
    assert editing.move(book, 1, -1) == 1  # g is first now: stays
    assert editing.move(book, 6, +1) == 6  # d is last in its page: stays
    assert editing.move(book, 8, -1) == 0  # page p2 before p1
    assert _names(book)[:3] == ["p2", "e", "/"]


def test_duplicate_and_delete_a_group():
    book = _book()
    at = editing.duplicate(book, 2)
    assert at == 6 and _names(book)[6:10] == ["g_2", "b_2", "c_2", "/"]
    editing.delete(book, 2)
    assert _names(book)[:7] == ["p1", "a", "g_2", "b_2", "c_2", "/", "d"]
    data, name = workbook.to_source(book)
    assert load_form(data, name).ok


def test_a_row_that_is_not_there_is_refused():
    with pytest.raises(editing.EditRefused):
        editing.item(_book(), 99)
    with pytest.raises(editing.EditRefused):
        editing.delete(_book(), 5)  # an end row is no item


@pytest.mark.parametrize(
    ("label", "taken", "name"),
    [
        ("Quanti anni ha?", set(), "quanti_anni_ha"),
        ("Città è più bella", set(), "citta_e_piu_bella"),
        ("2020: com'è andata", set(), "q_2020_com_e_andata"),
        ("Sede", {"sede", "sede_2"}, "sede_3"),
        ("???", set(), "q"),
        (
            "una domanda molto lunga che supera il limite dei nomi",
            set(),
            "una_domanda_molto_lunga_che",
        ),
    ],
)
def test_a_name_suggested_from_a_label(label, taken, name):
    suggested = editing.suggest_name(label, taken)
    assert suggested == name and editing.check_name(suggested) is None
    assert len(suggested) <= editing.NAME_LENGTH


@pytest.mark.parametrize("name", ["", "due parole", "2x", "città", "a-b c"])
def test_names_that_are_not_xml_names_are_said(name):
    assert editing.check_name(name)


def test_choices_replaced_where_the_list_stands():
    book = _book()
    editing.set_choices(
        book, "sn", [{"name": "si", "label::Italiano (it)": "Sì", "label::English (en)": "Yes"}]
    )
    lists = [r["list_name"] for r in book.sheet("choices").rows]
    assert lists == ["sn", "altra"]
    editing.set_choices(book, "nuova", [{"name": "1", "label::Italiano (it)": "Uno", "score": "1"}])
    assert [r["list_name"] for r in book.sheet("choices").rows] == ["sn", "altra", "nuova"]
    assert "score" in book.sheet("choices").columns


def test_a_text_in_a_new_language_column_goes_beside_its_kin():
    book = _book()
    editing.update(book, 1, {"hint::English (en)": "Say", "hint::Italiano (it)": "Dica"})
    columns = book.sheet("survey").columns
    assert columns.index("hint::Italiano (it)") == columns.index("hint::English (en)") + 1


OPS = st.lists(
    st.tuples(st.sampled_from(["up", "down", "copy", "delete"]), st.integers(0, 30)), max_size=12
)


@given(OPS)
@settings(max_examples=150, deadline=None)
def test_any_run_of_changes_keeps_every_group_closed(ops):
    """An organiser clicking around: whatever the buttons, groups stay balanced and names
    unique, so a change is refused only for what it means, never for a broken sheet."""
    book = _book()
    for op, index in ops:
        rows = book.sheet("survey").rows
        if not rows:
            break
        index %= len(rows)
        if editing.items(book)[index].kind == "end":
            continue
        if op == "up":
            editing.move(book, index, -1)
        elif op == "down":
            editing.move(book, index, +1)
        elif op == "copy":
            editing.duplicate(book, index)
        else:
            editing.delete(book, index)
        depth = 0
        for row in book.sheet("survey").rows:
            kind = row.get("type", "")
            depth += kind.startswith("begin") - kind.startswith("end")
            assert depth >= 0
        assert depth == 0
        names = [r["name"] for r in book.sheet("survey").rows if r.get("name")]
        assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("text", "join", "conditions"),
    [
        ("", "all", []),
        ("${a} = 'x'", "all", [("a", "=", "x")]),
        ("${n} >= 18 and ${a} != 'no'", "all", [("n", ">=", "18"), ("a", "!=", "no")]),
        (
            "selected(${t}, 'vpn') or not(selected(${t}, 'cloud'))",
            "any",
            [("t", "selected", "vpn"), ("t", "not selected", "cloud")],
        ),
    ],
)
def test_conditions_the_menus_show_are_read_and_written_back(text, join, conditions):
    parsed = editing.parse_condition(text)
    assert parsed is not None
    assert parsed[0] == join
    assert [(c.name, c.comparison, c.value) for c in parsed[1]] == conditions
    assert editing.build_condition(join, parsed[1], {"n"}) == text


@pytest.mark.parametrize(
    "text",
    [
        "${a} = 'x' and ${b} = 'y' or ${c} = 'z'",
        "(${a} = 'x')",
        "count-selected(${t}) > 2",
        "${a} = ${b}",
        "not(selected(${t}, 'x')",
    ],
)
def test_other_shapes_are_left_to_the_expression(text):
    assert editing.parse_condition(text) is None


def test_a_quote_in_a_compared_value_is_refused():
    with pytest.raises(editing.EditRefused):
        editing.build_condition("all", [editing.Condition("a", "=", "l'altro")], set())


def test_later_questions_are_named():
    book = _book()
    assert editing.later(book, 3, "${a} = 'x' and ${c} = 'y' and ${b} = 'z'") == ["c", "b"]
    assert editing.later(book, 2, "${b} = 'x'") == ["b"]  # a group's own question


def test_a_claim_written_with_a_language_code_is_found_beside_full_names():
    source = SOURCE.replace(
        "| type | name | label::Italiano (it) | label::English (en) |",
        "| type | name | label::Italiano (it) | label::English (en) | claim::it |",
    )
    book = workbook.read(source.encode(), "t.md")
    assert editing.languages(book) == ["Italiano (it)", "English (en)"]
    assert editing.text_column(book, "survey", "claim", "Italiano (it)") == "claim::it"
    assert editing.text_column(book, "survey", "claim", "English (en)") == "claim::English (en)"


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("", editing.Check()),
        (". >= 0 and . <= 100", editing.Check("0", "100")),
        ("string-length(.) <= 20", editing.Check(longest="20")),
        (
            "regex(., '^[0-9]{5}$') and string-length(.) <= 5",
            editing.Check(longest="5", pattern="^[0-9]{5}$"),
        ),
    ],
)
def test_checks_the_boxes_show(text, check):
    assert editing.parse_check(text) == check
    if text:
        again = editing.parse_check(editing.build_check(check))
        assert again == check


@pytest.mark.parametrize("text", [". > 0", ". >= ${other}", "selected(., 'a')", ". >= 1 or . <= 3"])
def test_other_checks_stay_expressions(text):
    assert editing.parse_check(text) is None


@pytest.mark.parametrize(
    "check",
    [editing.Check(least="zero"), editing.Check(longest="-3"), editing.Check(pattern="l'a")],
)
def test_a_check_that_cannot_be_written_is_refused(check):
    with pytest.raises(editing.CheckRefused):
        editing.build_check(check)


def test_move_to_takes_a_block_before_another_item_or_to_the_end():
    book = _book()
    assert editing.move_to(book, 6, 1) == 1  # d before a, in the same page
    assert _names(book)[:3] == ["p1", "d", "a"]
    assert editing.move_to(book, 1, 9) == 8  # d into page p2, before e
    assert _names(book)[7:10] == ["p2", "d", "e"]
    assert editing.move_to(book, 3, 4) == 3  # the group g dropped inside itself: stays
    end = len(book.sheet("survey").rows)
    assert editing.move_to(book, 0, end) == end - 7  # page p1 (7 rows) to the end
    assert _names(book)[0] == "p2"
