"""A corpus of XLSForms in the shapes real questionnaires take, each with the outcome a user should get.

Every file of tests/forms/corpus/ is either accepted and walkable, page by page, to its end, or
refused with its code and cell: none is accepted and then drawn wrong (a question, note or choice
with no label in the form's default language, a select with no choice to make, pyxform's hidden
table-list header shown as a question). The expectations say what a user should get, not what the
loader does today; the cases it does not meet yet are listed in PENDING and run as strict xfails,
so the day one starts passing the suite says so (issue 12).

Other tests walk the accepted forms with `accepted_forms()` (tests/ is on pytest's pythonpath:
`from forms.test_corpus import accepted_forms`).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest

from indagine.forms.answers import check_page, check_submission, page_is_relevant
from indagine.forms.issues import FormCode
from indagine.forms.loader import LoadResult, load_form
from indagine.forms.model import Form
from indagine.forms.synthetic import synthesize_valid

CORPUS = Path(__file__).parent / "corpus"
TODAY = dt.date(2024, 3, 15)
SEEDS = range(5)
ACCEPTED = "accepted"

# file -> ACCEPTED, or (FormCode member name, "sheet!CELL") of the first error a user should see.
EXPECTED: dict[str, str | tuple[str, str]] = {
    # --- accepted, walkable to the end (warnings allowed) ---
    "household_composition_it.md": ACCEPTED,  # groups, bounds, calculation in a note, 'nessuna'
    "member_satisfaction_it_en.md": ACCEPTED,  # it/en labels and hints, scores, field-list
    "event_feedback_en.md": ACCEPTED,  # range, or_other with an exclusive 'none', regex
    "health_screening_it.md": ACCEPTED,  # '. <= today()', skip logic on a group, if()
    "customer_nps_en.md": ACCEPTED,  # NPS category calculated, used in later labels
    "training_evaluation_it.md": ACCEPTED,  # field-list of likert items, range, note
    "volunteer_signup_en_it_fr.md": ACCEPTED,  # en/it/fr (fr not offered: a warning)
    "cascading_region_province_it.md": ACCEPTED,  # three-level choice_filter
    "commuting_or_other_it.md": ACCEPTED,  # or_other on select_one and select_multiple
    "workplace_nested_groups_en.md": ACCEPTED,  # groups in groups, relevant on each
    "newsletter_preferences_defaults_it.md": ACCEPTED,  # defaults on selects, integer, text
    "wellbeing_ranges_en.md": ACCEPTED,  # ranges: decimal steps, default parameters
    "family_budget_calculations_it.md": ACCEPTED,  # chained calculations shown in notes
    "contact_details_regex_it.md": ACCEPTED,  # regex constraints (email, CAP, CF)
    "library_users_settings_it.md": ACCEPTED,  # full settings sheet, instance_name, style
    "course_catalogue_extra_columns_it.md": ACCEPTED,  # filters on extra choice columns
    "comuni_duplicate_names_it.md": ACCEPTED,  # allow_choice_duplicates
    "market_stall_metadata_en.md": ACCEPTED,  # start/end/today/deviceid/username
    "employment_skip_logic_it.md": ACCEPTED,  # whole groups skipped by the first answer
    "health_access_barriers_it.md": ACCEPTED,  # two exclusive choices ('nessuna', 'non_so')
    "volunteering_required_if_it.md": ACCEPTED,  # required written as an expression
    "library_loans_dates_en.md": ACCEPTED,  # dates against today() and each other
    "pharmacy_customers_plain_label_and_english.md": ACCEPTED,  # 'label' + 'label::English (en)'
    "service_ratings_table_list_it.md": ACCEPTED,  # table-list: no header row as a question
    "brand_awareness_randomize_en.md": ACCEPTED,  # randomize, seed: choices kept
    "canteen_menu_media_en.md": ACCEPTED,  # image/audio media columns: warned, not shown
    "newsletter_signup_odk_regex_en.md": ACCEPTED,  # [\w-\.] as ODK Collect reads it
    "research_consent_acknowledge_it.md": ACCEPTED,  # acknowledge (consent)
    "campaign_hidden_fields_en.md": ACCEPTED,  # hidden, phonenumber
    "household_roster_repeat_it.md": ACCEPTED,  # repeat_count, relevance in the instance
    "training_sessions_repeat_en.md": ACCEPTED,  # instances added, sum(), count(), position(..)
    # --- refused: the first error's code and cell ---
    "branches_nested_repeat_it.md": ("UNSUPPORTED_TYPE", "survey!A5"),  # a repeat in a repeat
    "site_visit_geopoint_en.md": ("UNSUPPORTED_TYPE", "survey!A4"),
    "damage_report_photo_it.md": ACCEPTED,  # an optional image upload
    "job_application_file_upload_en.md": ACCEPTED,  # a required file upload
    "comuni_from_file_it.md": ("UNSUPPORTED_TYPE", "survey!A4"),  # select_one_from_file
    "priorities_rank_en.md": ACCEPTED,  # rank: a position per item, stored as ODK does
    "shift_times_en.md": ACCEPTED,  # time: a time box that takes "9.30" typed
    "unbalanced_relevant_en.md": ("BAD_EXPRESSION", "survey!E4"),
    "bare_name_relevant_en.md": ("BAD_EXPRESSION", "survey!E3"),  # 'age' for '${age}'
    "choice_filter_unknown_column_it.md": ("BAD_EXPRESSION", "survey!E3"),
    "unknown_reference_typo_it.md": ("UNKNOWN_REFERENCE", "survey!E4"),  # not FORM_PYXFORM
    "discount_calculation_cycle_it.md": ("CYCLE", "survey!F4"),  # first row of the loop
    "missing_choice_list_it.md": ("PYXFORM", "survey!A3"),  # at the 'type' cell
    "duplicate_question_name_en.md": ("PYXFORM", "survey!B3"),
    "duplicated_label_column_it.md": ("DUPLICATE_COLUMN", "survey!D1"),  # the second header
    "reversed_range_it.md": ("BAD_RANGE", "survey!F3"),
    "visit_date_default_today_it.md": ("BAD_DEFAULT", "survey!E3"),  # today() as default
    "bad_score_choices_it.md": ("BAD_SCORE", "choices!D5"),
    "choice_without_label_it.md": ("NO_LABEL", "choices!C6"),  # would be an empty option
    "region_name_in_note_choice_name_it.md": ("BAD_EXPRESSION", "survey!E3"),  # jr:choice-name
}

# What a user should get and does not yet: strict xfails, each with what happens today.
PENDING: dict[str, str] = {}

NOT_SHOWN = frozenset(
    {"calculate", "hidden", "start", "end", "today", "deviceid", "phonenumber", "username",
     "email", "audit", "simserial", "subscriberid"}
)  # fmt: skip
"""Types a respondent never sees, so they need no label."""

# Answers the synthetic respondent cannot invent (text matching a pattern, the 'other' choice),
# laid over its answers for seed 0: the patterns and the added questions are walked too.
TYPED: dict[str, dict[str, list[str]]] = {
    "contact_details_regex_it.md": {
        "email": ["mario.rossi@esempio.it"],
        "cellulare": ["+393471234567"],
        "cap": ["20121"],
        "codice_fiscale": ["RSSMRA80A01F205X"],
    },
    "newsletter_signup_odk_regex_en.md": {"email": ["anna-maria.bianchi@mail.example.org"]},
    "event_feedback_en.md": {
        "improvements": ["catering", "other"],
        "improvements_other": ["Wi-Fi in the rooms"],
        "contact_ok": ["yes"],
        "contact_email": ["giulia.rossi@example.org"],
    },
    "commuting_or_other_it.md": {
        "mezzo_principale": ["other"],
        "mezzo_principale_other": ["Monopattino elettrico"],
        "minuti": ["25"],
        "problemi": ["traffico", "other"],
        "problemi_other": ["Piste ciclabili interrotte"],
    },
    "cascading_region_province_it.md": {
        "regione": ["lom"],
        "provincia": ["mi"],
        "comune": ["altro"],
        "comune_altro": ["Cologno Monzese"],
    },
    "health_access_barriers_it.md": {
        "servizi_usati": ["specialista", "farmacia"],
        "attesa_giorni": ["45"],
    },
    "pharmacy_customers_plain_label_and_english.md": {
        "motivo": ["ritiro", "consiglio"],
        "farmaco_mancante": ["Collirio antistaminico"],
    },
}

RESERVED = "reserved_name_for_field_list_labels"
"""pyxform's name for the header row of a table-list group, never a question."""


def accepted_forms(*, pending: bool = False) -> list[Path]:
    """The corpus forms a user should see accepted; with `pending`, also those not yet accepted."""
    return [
        CORPUS / name
        for name, expected in EXPECTED.items()
        if expected == ACCEPTED and (pending or name not in PENDING)
    ]


def _cases(accepted: bool) -> list[object]:
    cases = []
    for name, expected in EXPECTED.items():
        if (expected == ACCEPTED) is not accepted:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=PENDING[name])] if name in PENDING else []
        cases.append(pytest.param(name, expected, id=name.removesuffix(".md"), marks=marks))
    return cases


def _load(name: str) -> LoadResult:
    return load_form((CORPUS / name).read_text(encoding="utf-8"), name)


def test_every_corpus_file_has_an_expectation():
    files = {p.name for p in CORPUS.glob("*.md")}
    assert files == set(EXPECTED), (sorted(files - set(EXPECTED)), sorted(set(EXPECTED) - files))
    assert set(PENDING) <= set(EXPECTED)
    accepted = [n for n, e in EXPECTED.items() if e == ACCEPTED]
    assert len(files) >= 32 and len(accepted) >= 20 and len(files) - len(accepted) >= 8
    assert all(p.is_file() for p in accepted_forms(pending=True))


def assert_drawn_right(form: Form) -> None:
    """Every question, note and choice a respondent sees has a label in the default language,
    every select has choices, and pyxform's internal table-list row is no question."""
    lang = form.default_language
    for question in form.questions():
        assert not question.name.startswith(RESERVED), question.name
        if question.type.value in NOT_SHOWN:
            continue
        assert question.label.values.get(lang, "").strip(), (question.name, lang)
        if question.type.is_select:
            assert question.choices, f"{question.name} has no choice"
        for choice in question.choices:
            assert choice.label.values.get(lang, "").strip(), (question.name, choice.name, lang)


def walk(form: Form, submission: dict[str, list[str]]) -> dict[str, object]:
    """Send a whole submission page by page, as a respondent would, skipping pages that do not
    apply; returns the answers the last page leaves."""
    lang = form.default_language if form.default_language in ("it", "en") else "en"
    answers: dict[str, object] = {}
    sent: set[str] = set()
    for page in form.pages:
        if not page_is_relevant(page, answers, TODAY):
            continue
        asked = {q.name for q in page.questions} | set(page.repeats)
        page_raw = {k: v for k, v in submission.items() if re.sub(r"\[\d*\]$", "", k) in asked}
        checked = check_page(form, page, page_raw, answers, lang=lang, today=TODAY)
        assert checked.ok, (page.name, [(e.name, e.code) for e in checked.errors])
        answers = dict(checked.answers)
        sent |= set(page_raw)
    assert sent == set(submission), f"never on a page shown: {sorted(set(submission) - sent)}"
    return answers


@pytest.mark.parametrize(("name", "expected"), _cases(accepted=True))
def test_accepted_form_is_drawn_right_and_walks_to_its_end(name, expected):
    result = _load(name)
    assert result.errors == (), [str(i) for i in result.errors]
    assert result.form is not None
    form = result.form
    assert_drawn_right(form)
    for seed in SEEDS:
        submission = synthesize_valid(form, random.Random(seed), today=TODAY)
        whole = check_submission(form, submission, lang=form.default_language, today=TODAY)
        assert whole.ok, [(e.name, e.code) for e in whole.errors]
        assert walk(form, submission) == whole.answers, seed


@pytest.mark.parametrize("name", sorted(TYPED))
def test_typed_answers_walk_to_the_end(name):
    assert EXPECTED[name] == ACCEPTED and name not in PENDING
    result = _load(name)
    assert result.ok and result.form is not None, [str(i) for i in result.errors]
    form = result.form
    submission = {**synthesize_valid(form, random.Random(0), today=TODAY), **TYPED[name]}
    whole = check_submission(form, submission, lang=form.default_language, today=TODAY)
    assert whole.ok, [(e.name, e.code) for e in whole.errors]
    assert set(TYPED[name]) <= set(whole.answers)
    assert walk(form, submission) == whole.answers


@pytest.mark.parametrize(("name", "expected"), _cases(accepted=False))
def test_refused_form_names_its_code_and_cell(name, expected):
    code, cell = expected
    place = re.fullmatch(r"(\w+)!([A-Z]+)(\d+)", cell)
    assert place is not None, cell
    sheet, letter, row = place.groups()
    result = _load(name)
    assert not result.ok and result.errors, "accepted"
    first = result.errors[0]
    assert (first.code, first.sheet, first.column_letter, first.row) == (
        FormCode[code],
        sheet,
        letter,
        int(row),
    ), str(first)
