"""The built-in questionnaire "Remote Working e Contact Center" (2020), read by pyxform."""

import re
from pathlib import Path

import pytest
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

FORM = (
    Path(__file__).resolve().parents[2] / "src" / "indagine" / "library" / "remote_working_2020.md"
)
LANGS = ("Italiano (it)", "English (en)")
CLAIM_LANGS = ("it", "en")
TEXT_COLUMNS = ("label", "hint", "required_message", "constraint_message")

IF_REMOTE = "selected(${remote}, 'most') or selected(${remote}, 'part')"

PAGES = [
    "page_profile",
    "page_remote",
    "page_agreement",
    "page_channels",
    "page_effects",
    "page_solutions",
    "page_testimony",
]

AGREE_ITEMS = [
    "agree_change",
    "agree_digital_better",
    "agree_digital_training",
    "agree_no_return",
    "agree_productivity",
    "agree_objectives",
    "agree_compensation",
    "agree_augmented",
]
EFFECT_ITEMS = [
    "effect_balance",
    "effect_continuity",
    "effect_quality",
    "effect_costs",
    "effect_commuting",
    "effect_realestate",
    "effect_cohesion",
]

# page -> [(name, type, list_name or None, relevant or None, required)]
EXPECTED = {
    "page_profile": [
        ("welcome", "note", None, None, False),
        ("org_type", "select one", "org_type", None, True),
        ("org_type_other", "text", None, "selected(${org_type}, 'other')", True),
        ("role", "select one", "role", None, True),
        ("role_other", "text", None, "selected(${role}, 'other')", True),
        ("cc_size", "select one", "cc_size", None, True),
        ("sector", "select one", "sector", None, True),
        ("sector_other", "text", None, "selected(${sector}, 'other')", True),
    ],
    "page_remote": [
        ("remote", "select one", "remote", None, True),
        ("remote_share", "decimal", None, IF_REMOTE, True),
        ("remote_days", "integer", None, IF_REMOTE, True),
        ("remote_tools", "select all that apply", "remote_tools", IF_REMOTE, True),
        ("remote_tools_other", "text", None, "selected(${remote_tools}, 'other')", True),
    ],
    "page_agreement": [
        ("agree_intro", "note", None, None, False),
        *[(n, "select one", "agree5", None, True) for n in AGREE_ITEMS],
    ],
    "page_channels": [
        ("digital_use", "select one", "digital_use", None, True),
        (
            "digital_channels",
            "select all that apply",
            "channels",
            "selected(${digital_use}, 'increased') or selected(${digital_use}, 'increased_lot')",
            True,
        ),
    ],
    "page_effects": [
        ("effects_intro", "note", None, None, False),
        *[(n, "select one", "effect4", None, True) for n in EFFECT_ITEMS],
    ],
    "page_solutions": [
        ("solutions", "select all that apply", "solutions", None, True),
    ],
    "page_testimony": [
        ("testimony", "text", None, None, False),
        ("quote_ok", "select one", "yesno", "string-length(${testimony}) > 0", True),
    ],
}

CLAIMED = ["remote", "digital_use", *AGREE_ITEMS, *EFFECT_ITEMS]


@pytest.fixture(scope="module")
def text():
    return FORM.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def form(text):
    """The form as pyxform's JSON: the survey with its pages as children."""
    return workbook_to_json(workbook_dict=get_xlsform(xlsform=text, file_type=".md"))


@pytest.fixture(scope="module")
def pages(form):
    """The questionnaire's pages, without the meta block pyxform adds at the end."""
    return [c for c in form["children"] if c["type"] == "group" and c["name"] != "meta"]


@pytest.fixture(scope="module")
def questions(pages):
    return {q["name"]: q for page in pages for q in page["children"]}


@pytest.fixture(scope="module")
def workbook(text):
    return get_xlsform(xlsform=text, file_type=".md")


def test_file_is_a_markdown_xlsform(text):
    assert text.splitlines()[0] == "| survey |"
    sheets = [line for line in text.splitlines() if re.match(r"^\|\s*\w+\s*\|\s*$", line)]
    assert sheets == ["| survey |", "| choices |", "| settings |"]


def test_converts_without_errors_or_warnings(text):
    warnings: list[str] = []
    result = convert(xlsform=text, file_type=".md", warnings=warnings)
    assert warnings == []
    assert "<h:title>Remote Working e Contact Center</h:title>" in result.xform
    assert 'id="remote_working_2020"' in result.xform
    assert 'version="2020031801"' in result.xform


def test_settings(workbook):
    (settings,) = workbook.settings
    assert settings == {
        "form_title": "Remote Working e Contact Center",
        "form_id": "remote_working_2020",
        "version": "2020031801",
        "default_language": "Italiano (it)",
    }


def test_pages_in_order_with_titles_in_both_languages(form, pages):
    # Every question sits on a page: nothing outside the pages but pyxform's meta block.
    assert [c["name"] for c in form["children"]] == [*PAGES, "meta"]
    assert [p["name"] for p in pages] == PAGES
    for page in pages:
        assert page["control"] == {"appearance": "field-list"}, page["name"]
        assert set(page["label"]) == set(LANGS), page["name"]
        assert all(page["label"][lang].strip() for lang in LANGS), page["name"]
        assert all(c["type"] != "group" for c in page["children"]), "pages are not nested"


@pytest.mark.parametrize("page_name", PAGES)
def test_page_questions(pages, page_name):
    (page,) = [p for p in pages if p["name"] == page_name]
    found = [
        (
            q["name"],
            q["type"],
            q.get("list_name"),
            q.get("bind", {}).get("relevant"),
            q.get("bind", {}).get("required") == "yes",
        )
        for q in page["children"]
    ]
    assert found == EXPECTED[page_name]


def test_about_thirty_questions(questions):
    answered = [n for n, q in questions.items() if q["type"] != "note"]
    asked_of_all = [n for n in answered if "relevant" not in questions[n].get("bind", {})]
    assert 28 <= len(answered) <= 36
    assert len(asked_of_all) == 23


def test_testimony_is_last_and_optional(pages, questions):
    assert [q["name"] for q in pages[-1]["children"]] == ["testimony", "quote_ok"]
    testimony = questions["testimony"]
    assert "required" not in testimony.get("bind", {})
    assert testimony["control"] == {"appearance": "multiline"}
    assert testimony["bind"]["constraint"] == "string-length(.) <= 2000"


def _iter_rows(pages):
    for page in pages:
        yield page
        yield from page["children"]


def test_every_text_in_both_languages(pages):
    for row in _iter_rows(pages):
        texts = {key: row.get(key) for key in ("label", "hint")}
        texts["required_message"] = row.get("bind", {}).get("jr:requiredMsg")
        texts["constraint_message"] = row.get("bind", {}).get("jr:constraintMsg")
        for key, value in texts.items():
            if value is None:
                continue
            assert isinstance(value, dict), (row["name"], key)
            assert set(value) == set(LANGS), (row["name"], key)
            assert all(value[lang].strip() for lang in LANGS), (row["name"], key)
        for choice in row.get("choices", []):
            assert set(choice["label"]) == set(LANGS), (row["name"], choice["name"])
            assert all(choice["label"][lang].strip() for lang in LANGS)


def test_language_columns_come_in_pairs(workbook):
    """A text column present in one language is filled in the other on the same row."""
    for sheet in (workbook.survey, workbook.choices):
        for row in sheet:
            for column in TEXT_COLUMNS:
                present = [f"{column}::{lang}" in row for lang in LANGS]
                assert all(present) or not any(present), (row.get("name"), column)
            claim = [f"claim::{lang}" in row for lang in CLAIM_LANGS]
            assert all(claim) or not any(claim), row.get("name")


def test_required_and_constrained_questions_explain_themselves(questions):
    for name, q in questions.items():
        bind = q.get("bind", {})
        if bind.get("required") == "yes":
            assert "jr:requiredMsg" in bind, name
        if "constraint" in bind:
            assert "jr:constraintMsg" in bind, name


@pytest.mark.parametrize("name", CLAIMED)
def test_claims(questions, name):
    claim = questions[name]["claim"]
    assert set(claim) == set(CLAIM_LANGS)
    assert all(claim[lang].strip() == claim[lang] and claim[lang] for lang in CLAIM_LANGS)
    # Clauses continue a sentence: no capital letter, no full stop.
    assert all(claim[lang][0].islower() and not claim[lang].endswith(".") for lang in CLAIM_LANGS)


def test_only_findings_carry_claims(questions):
    assert sorted(n for n, q in questions.items() if "claim" in q) == sorted(CLAIMED)


def test_agree_change_claim(questions):
    assert questions["agree_change"]["claim"] == {
        "it": "l'emergenza cambi in modo sostanziale i modelli organizzativi dei contact center",
        "en": "the emergency substantially changes how contact centers are organised",
    }


def _scores(questions, name):
    return [(c["name"], c.get("score")) for c in questions[name]["choices"]]


def test_agreement_scale(questions):
    for name in AGREE_ITEMS:
        q = questions[name]
        assert q["control"] == {"appearance": "likert"}
        assert _scores(questions, name) == [(str(i), str(i)) for i in range(1, 6)]
    labels = [c["label"] for c in questions["agree_change"]["choices"]]
    assert [label["Italiano (it)"] for label in labels] == [
        "Per nulla d'accordo",
        "Poco d'accordo",
        "Né d'accordo né in disaccordo",
        "Abbastanza d'accordo",
        "Del tutto d'accordo",
    ]


def test_effect_scale(questions):
    for name in EFFECT_ITEMS:
        assert questions[name]["control"] == {"appearance": "likert"}
        assert _scores(questions, name) == [
            ("none", "1"),
            ("limited", "2"),
            ("significant", "3"),
            ("very_significant", "4"),
        ]


def test_digital_use_is_ordered(questions):
    assert _scores(questions, "digital_use") == [
        ("decreased", "1"),
        ("unchanged", "2"),
        ("increased", "3"),
        ("increased_lot", "4"),
    ]


def test_choice_codes(questions):
    assert [c["name"] for c in questions["cc_size"]["choices"]] == [
        "lt50",
        "50_249",
        "250_999",
        "1000plus",
    ]
    assert [c["name"] for c in questions["org_type"]["choices"]] == [
        "inhouse",
        "bpo",
        "public",
        "supplier",
        "other",
    ]
    assert [c["name"] for c in questions["remote"]["choices"]] == ["most", "part", "planned", "no"]
    assert [c["name"] for c in questions["quote_ok"]["choices"]] == ["yes", "no"]
    assert "none" in [c["name"] for c in questions["solutions"]["choices"]]
    for name, q in questions.items():
        for choice in q.get("choices", []):
            assert re.fullmatch(r"[a-z0-9_]+", choice["name"]), (name, choice["name"])


def test_other_is_specified_right_after(pages):
    for page in pages:
        children = page.get("children", [])
        for i, q in enumerate(children):
            if "other" not in [c["name"] for c in q.get("choices", [])]:
                continue
            follower = children[i + 1]
            assert follower["name"] == f"{q['name']}_other"
            assert follower["type"] == "text"
            assert follower["bind"]["required"] == "yes"
            assert follower["bind"]["relevant"] == f"selected(${{{q['name']}}}, 'other')"


def test_validation_rules(questions):
    assert questions["remote_share"]["bind"]["constraint"] == ". >= 0 and . <= 100"
    assert questions["remote_days"]["bind"]["constraint"] == ". >= 0 and . <= 365"
    assert (
        questions["solutions"]["bind"]["constraint"]
        == "not(selected(., 'none') and count-selected(.) > 1)"
    )
    assert questions["remote_share"]["hint"]["Italiano (it)"].startswith(
        "Percentuale sul totale degli addetti del contact center"
    )
