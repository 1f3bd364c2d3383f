"""The catalogue of questionnaires to start a survey from: each loads with no error and no warning,
speaks Italian and English throughout, and walks page by page to its end."""

from __future__ import annotations

import random

import pytest

from forms.test_corpus import SEEDS, TODAY, walk
from indagine.forms.answers import check_submission
from indagine.forms.loader import load_form
from indagine.forms.model import Form, QuestionType
from indagine.forms.synthetic import synthesize_valid
from indagine.library.catalogue import TEMPLATES, Template, template

pytestmark = pytest.mark.pure

LANGS = ("it", "en")
BUILTIN = "remote_working_2020"
NEW = [t for t in TEMPLATES if t.key != BUILTIN]

# Answers the synthetic respondent seldom gives (an 'other' to specify, a doubt about renewing),
# laid over its answers so that the skip conditions and the specify boxes are walked too.
TYPED: dict[str, dict[str, list[str]]] = {
    "member_satisfaction": {
        "participation": ["never"],
        "renew": ["unsure"],
        "renew_doubts": ["time", "other"],
        "renew_doubts_other": ["Mi trasferisco all'estero"],
    },
    "needs_priorities": {
        "needs": ["training", "other"],
        "needs_other": ["Uno sportello di consulenza legale"],
        "priorities": ["events training advocacy new_members communication"],
    },
    "event_feedback": {"attended": ["no"], "absence_reason": ["late"]},
}


def _form(t: Template) -> Form:
    result = load_form(t.source(), t.filename)
    assert result.errors == (), [str(i) for i in result.errors]
    assert result.warnings == (), [str(i) for i in result.warnings]
    assert result.form is not None
    return result.form


def _params(templates: list[Template]) -> list[object]:
    return [pytest.param(t, id=t.key) for t in templates]


def test_the_builtin_comes_first_then_the_templates():
    assert [t.key for t in TEMPLATES] == [
        BUILTIN,
        "member_satisfaction",
        "needs_priorities",
        "event_feedback",
    ]
    assert TEMPLATES[0].file == "remote_working_2020.md"
    assert all(template(t.key) is t for t in TEMPLATES)
    assert template("no_such_template") is None
    for t in TEMPLATES:
        assert all(t.title.get(lang) and t.description.get(lang) for lang in LANGS), t.key


@pytest.mark.parametrize("t", _params(list(TEMPLATES)))
def test_template_loads_in_both_languages_and_walks_to_its_end(t):
    form = _form(t)
    assert form.default_language == "it"
    assert set(LANGS) <= set(form.languages), form.languages
    for question in form.questions():
        if not question.type.is_shown:
            continue
        for lang in LANGS:
            assert question.label.values.get(lang, "").strip(), (question.name, lang)
            for choice in question.choices:
                assert choice.label.values.get(lang, "").strip(), (question.name, choice.name)
    for seed in SEEDS:
        submission = synthesize_valid(form, random.Random(seed), today=TODAY)
        whole = check_submission(form, submission, lang=form.default_language, today=TODAY)
        assert whole.ok, [(e.name, e.code) for e in whole.errors]
        assert walk(form, submission) == whole.answers, seed


@pytest.mark.parametrize("key", sorted(TYPED))
def test_skip_conditions_and_specify_boxes_walk_to_the_end(key):
    t = template(key)
    assert t is not None
    form = _form(t)
    submission = {**synthesize_valid(form, random.Random(0), today=TODAY), **TYPED[key]}
    if key == "event_feedback":  # not there: the rating page is skipped, and its answers with it
        page = next(p for p in form.pages if p.name == "page_rating")
        asked = {q.name for q in page.questions}
        submission = {k: v for k, v in submission.items() if k not in asked}
    whole = check_submission(form, submission, lang=form.default_language, today=TODAY)
    assert whole.ok, [(e.name, e.code) for e in whole.errors]
    assert set(TYPED[key]) <= set(whole.answers)
    assert walk(form, submission) == whole.answers


@pytest.mark.parametrize("t", _params(NEW))
def test_template_has_the_shape_of_a_member_survey(t):
    form = _form(t)
    assert t.source().decode("utf-8").startswith("# "), "a first line describing the template"
    assert 2 <= len(form.pages) <= 4
    asked = [q for q in form.questions() if q.type.takes_input]
    assert 8 <= len(asked) <= 14, len(asked)
    assert any(q.relevant for q in asked), "no skip condition"
    required = [q for q in asked if q.required]
    assert required and all(
        q.required_message.values.get(lang, "").strip() for q in required for lang in LANGS
    )
    scales = [q for q in asked if q.type is QuestionType.SELECT_ONE and q.is_scale]
    assert any(sorted(c.score for c in q.choices) == [1, 2, 3, 4, 5] for q in scales)
    free = [q for q in asked if q.type is QuestionType.TEXT and not q.required]
    assert len(free) == 1, [q.name for q in free]


def test_needs_and_priorities_ranks_once_and_offers_an_other_to_specify():
    t = template("needs_priorities")
    assert t is not None
    form = _form(t)
    assert [q.name for q in form.questions() if q.type is QuestionType.RANK] == ["priorities"]
    needs = form.question("needs")
    assert needs is not None and needs.type is QuestionType.SELECT_MULTIPLE
    assert needs.choice_filter is None and needs.choices[-1].name == "other"
    specify = form.question("needs_other")
    assert specify is not None and specify.relevant == "selected(${needs}, 'other')"
    assert any(q.is_likert and q.is_scale for q in form.questions())


def test_form_ids_are_distinct():
    ids = [_form(t).form_id for t in TEMPLATES]
    assert len(set(ids)) == len(ids), ids
