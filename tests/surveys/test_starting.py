"""A new survey from scratch, from a template, or as a copy (#16.1), as an organiser starts one."""

from __future__ import annotations

import pytest

from indagine.collect.models import Response
from indagine.library.catalogue import TEMPLATES
from indagine.panel.models import Member, MessageTemplate
from indagine.surveys.models import AuditEntry, Survey
from organisers import make_organiser


@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user


def test_the_new_survey_page_offers_four_ways(client, organiser, open_survey):
    page = client.get("/manage/new/").content.decode()
    for anchor in ("from-scratch", "from-template", "from-copy", "from-file"):
        assert f'id="{anchor}"' in page
    for t in TEMPLATES:
        assert f'value="{t.key}"' in page
    assert 'value="small"' in page  # a survey to copy


def test_from_scratch_in_two_languages_then_its_editor(client, organiser):
    reply = client.post(
        "/manage/new/",
        {"start": "scratch", "title": "Soci 2027", "languages": ["it", "en"]},
    )
    assert reply.status_code == 302 and reply["Location"] == "/manage/soci-2027/edit/"
    survey = Survey.objects.get(slug="soci-2027")
    form = survey.current_version.form
    assert survey.title == "Soci 2027" and survey.state == "draft"
    # in their order on PostgreSQL too, whose jsonb keeps an object's keys in an order of its own
    assert list(form.languages) == ["it", "en"] and form.default_language == "it"
    assert form.question("prima_domanda").label.get("en") == "First question"
    page = client.get("/manage/soci-2027/edit/").content.decode()
    assert "Prima domanda" in page
    assert AuditEntry.objects.filter(action="survey.create", survey=survey).exists()


@pytest.mark.parametrize("template", [t.key for t in TEMPLATES])
def test_from_each_template(client, organiser, template):
    reply = client.post("/manage/new/", {"start": "template", "template": template, "slug": "t"})
    assert reply.status_code == 302
    survey = Survey.objects.get(slug="t")
    chosen = next(t for t in TEMPLATES if t.key == template)
    assert survey.current_version.source_name == chosen.filename
    assert survey.current_version.form.languages.keys() >= {"it", "en"}


def test_a_copy_takes_the_questionnaire_settings_and_wording_not_the_responses(
    client, organiser, open_survey
):
    open_survey.anonymous, open_survey.retention_months = True, 6
    open_survey.save()
    MessageTemplate.objects.create(
        survey=open_survey, kind="invite", language="it", subject="Ciao", text="Vai a {{ link }}"
    )
    Member.objects.create(survey=open_survey, email="socio@example.org")
    Response.objects.create(
        survey=open_survey, form_version=open_survey.current_version, language="it"
    )
    reply = client.post(
        "/manage/new/",
        {"start": "copy", "source": "small", "title": "Piccola 2027", "slug": "small-2027"},
    )
    assert reply.status_code == 302
    copy = Survey.objects.get(slug="small-2027")
    assert copy.title == "Piccola 2027" and copy.anonymous and copy.retention_months == 6
    assert copy.state == "draft" and copy.closes_at is None
    before, after = open_survey.current_version.form, copy.current_version.form
    assert [q.to_json() for q in after.questions()] == [q.to_json() for q in before.questions()]
    assert after.form_id == "small_2027"
    wording = MessageTemplate.objects.get(survey=copy)
    assert (wording.kind, wording.subject, wording.text) == ("invite", "Ciao", "Vai a {{ link }}")
    assert not copy.responses.exists() and not Member.objects.filter(survey=copy).exists()


def test_what_cannot_start_a_survey_is_said_and_nothing_made(
    client, organiser, open_survey, django_user_model
):
    cases = [
        ({"start": "scratch", "title": ""}, "SURVEY_NO_TITLE"),
        (
            {"start": "scratch", "title": "Piccola", "slug": "small", "languages": "it"},
            "SURVEY_EXISTS",
        ),
        ({"start": "template", "template": "nessuno", "slug": "x"}, "SURVEY_NO_TEMPLATE"),
        ({"start": "copy", "source": "nessuna", "slug": "x"}, "SURVEY_NO_TEMPLATE"),
        ({"start": "template", "template": TEMPLATES[1].key, "slug": "new"}, "SURVEY_BAD_SLUG"),
    ]
    for data, code in cases:
        reply = client.post("/manage/new/", data)
        assert reply.status_code == 400 and code in reply.content.decode(), data
    assert list(Survey.objects.values_list("slug", flat=True)) == ["small"]


def test_a_copy_only_of_a_survey_the_organiser_can_see(client, open_survey, django_user_model):
    from guardian.shortcuts import assign_perm

    user = django_user_model.objects.create_user("altro", password="x" * 12)
    assign_perm("surveys.change_survey", user)  # may create surveys
    client.force_login(user)
    reply = client.post("/manage/new/", {"start": "copy", "source": "small", "slug": "mine"})
    assert reply.status_code == 302  # the global right sees every survey
    assert Survey.objects.filter(slug="mine").exists()
