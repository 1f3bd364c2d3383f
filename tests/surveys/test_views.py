"""The organiser's pages: login, upload with located errors, open/close/schedule, counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from indagine.collect.models import Response
from indagine.surveys.models import AuditEntry, FormVersion, Survey
from organisers import make_organiser


@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "url", ["/manage/", "/manage/new/", "/manage/small/", "/manage/small/preview/", "/admin/"]
)
def test_organiser_pages_need_login(client, open_survey, url):
    reply = client.get(url)
    assert reply.status_code == 302 and "login" in reply["Location"]


def test_closing_needs_login(client, open_survey):
    reply = client.post("/manage/small/close/")
    assert reply.status_code == 302 and "login" in reply["Location"]
    assert Survey.objects.get(slug="small").state == Survey.State.OPEN


ORGANISER_PAGES = [
    "/manage/",
    "/manage/small/",
    "/manage/small/preview/",
    "/manage/small/results/",
    "/manage/small/report.html",
    "/manage/small/newsletter.md",
    "/manage/small/panel/",
]


def test_logging_in_is_not_enough_to_be_an_organiser(client, open_survey, django_user_model):
    """A club account without the organiser's permissions sees no survey and changes none:
    403 everywhere, as the API answers the same user (surveys.access)."""
    client.force_login(django_user_model.objects.create_user("socio", password="pw-123-socio"))
    for url in ORGANISER_PAGES:
        assert client.get(url).status_code == 403, url
    assert "FORBIDDEN" in client.get("/manage/").content.decode()
    assert client.post("/manage/small/close/").status_code == 403
    assert client.post("/manage/small/panel/remind/").status_code == 403
    assert client.post("/manage/new/", {"slug": "x"}).status_code == 403
    assert Survey.objects.get(slug="small").state == Survey.State.OPEN
    assert not AuditEntry.objects.filter(user__username="socio").exists()


def test_a_reader_sees_the_results_but_changes_nothing(client, open_survey, django_user_model):
    client.force_login(make_organiser(django_user_model, "lettore", change=False))
    for url in ORGANISER_PAGES:
        assert client.get(url).status_code == 200, url
    assert client.post("/manage/small/close/").status_code == 403
    assert Survey.objects.get(slug="small").state == Survey.State.OPEN


def test_upload_creates_a_survey_and_a_version(client, organiser, small_form_source):
    upload = SimpleUploadedFile("small.md", small_form_source)
    reply = client.post("/manage/new/", {"file": upload, "slug": "mine"})
    assert reply.status_code == 302 and reply["Location"] == "/manage/mine/"
    survey = Survey.objects.get(slug="mine")
    assert survey.state == Survey.State.DRAFT and survey.current_version.number == 1
    assert AuditEntry.objects.filter(action="form.import", user=organiser).exists()


def test_upload_errors_are_shown_as_a_table_with_row_and_column(client, organiser):
    broken = b"| survey |\n| | type | name | label |\n| | geopoint | where | Where? |\n"
    reply = client.post("/manage/new/", {"file": SimpleUploadedFile("broken.md", broken)})
    html = reply.content.decode()
    assert reply.status_code == 400
    assert "FORM_UNSUPPORTED_TYPE" in html and "<td>2</td>" in html and "A type" in html
    assert not Survey.objects.exists()


def test_what_the_pages_do_not_honour_is_shown_at_its_cell_after_an_upload(client, organiser):
    """A form accepted with warnings (a seed from an answer, a group's 'w3') says so on the
    survey's page, each at its cell with what respondents see instead; nothing is silently
    ignored."""
    form = (
        "| survey |\n| | type | name | label | parameters | appearance |\n"
        "| | begin_group | grid | Grid | | w3 |\n"
        "| | select_one yn | a | A | randomize=true seed=${a} | |\n"
        "| | end_group | | | | |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | y | Yes |\n| | yn | n | No |\n"
    )
    reply = client.post("/manage/new/", {"file": SimpleUploadedFile("w.md", form.encode())})
    assert reply.status_code == 302 and reply["Location"] == "/manage/w/#warnings"
    page = client.get("/manage/w/?lang=en", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert html.count("FORM_NOT_HONOURED") == 2
    assert "<td>2</td>" in html and "<td>3</td>" in html  # the group's row, the select's row
    assert "an order of their own" in html
    plain = client.post(
        "/manage/new/",
        {
            "file": SimpleUploadedFile(
                "p.md", b"| survey |\n| | type | name | label |\n| | text | t | T |\n"
            )
        },
    )
    assert plain["Location"] == "/manage/p/"
    assert 'id="warnings"' not in client.get("/manage/p/").content.decode()


def test_a_new_version_keeps_the_old_one(client, organiser, open_survey, small_form_source):
    upload = SimpleUploadedFile("small-v2.md", small_form_source.replace(b"Piccola", b"Grande"))
    client.post("/manage/new/", {"file": upload, "version_of": "small"})  # the survey's page
    survey = Survey.objects.get(slug="small")
    assert survey.current_version.number == 2 and survey.title == "Grande"
    assert FormVersion.objects.filter(survey=survey).count() == 2


def test_form_versions_are_immutable(open_survey):
    version = open_survey.current_version
    version.source_name = "changed.md"
    with pytest.raises(ValueError):
        version.save()


def test_open_close_and_schedule(client, organiser, open_survey):
    client.post("/manage/small/close/")
    assert Survey.objects.get(slug="small").phase() == "closed"
    client.post("/manage/small/open/")
    assert Survey.objects.get(slug="small").phase() == "open"
    later = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    client.post("/manage/small/schedule/", {"closes_at": later})
    survey = Survey.objects.get(slug="small")
    assert survey.closes_at is not None and survey.is_accepting()
    assert not survey.is_accepting(survey.closes_at + dt.timedelta(seconds=1))


def test_a_closing_date_in_the_past_is_refused(client, organiser, open_survey):
    reply = client.post("/manage/small/schedule/", {"closes_at": "2001-01-01T10:00"}, follow=True)
    assert "SURVEY_CLOSING_IN_PAST" in reply.content.decode()
    assert Survey.objects.get(slug="small").closes_at is None


def test_the_detail_page_counts_partial_and_complete(client, organiser, open_survey):
    version = open_survey.current_version
    Response.objects.create(survey=open_survey, form_version=version, language="it")
    for _ in range(2):
        Response.objects.create(
            survey=open_survey, form_version=version, language="it", status=Response.Status.COMPLETE
        )
    html = client.get("/manage/small/").content.decode()
    assert '<dd id="count-partial">1</dd>' in html
    assert '<dd id="count-complete">2</dd>' in html


def test_preview_shows_pages_and_stores_nothing(client, organiser, open_survey):
    html = client.get("/manage/small/preview/?page=1&lang=en").content.decode()
    assert "Share" in html and 'id="in-share"' in html
    assert not Response.objects.exists()


def test_a_draft_survey_says_it_is_not_open_yet(client, db, small_form_source):
    from indagine.surveys.services import import_form

    import_form(small_form_source, "small.md", slug="draft")
    html = client.get("/s/draft/").content.decode()
    assert "non è ancora aperta" in html


def test_anonymity_is_set_before_answers_and_fixed_after(client, organiser, open_survey):
    client.post("/manage/small/settings/", {"anonymous": "on", "panel_only": "on"})
    survey = Survey.objects.get(slug="small")
    assert survey.anonymous and survey.panel_only
    Response.objects.create(survey=survey, form_version=survey.current_version, language="it")
    reply = client.post("/manage/small/settings/", {}, follow=True)
    assert "SURVEY_HAS_RESPONSES" in reply.content.decode()
    assert Survey.objects.get(slug="small").anonymous


def test_a_panel_only_survey_turns_away_visitors_without_a_link(client, open_survey):
    from indagine.surveys.services import configure

    configure(open_survey, anonymous=False, panel_only=True)
    assert "link personale" in client.get("/s/small/").content.decode()
    reply = client.post("/s/small/", {"_page": "0", "_key": "z" * 43, "org": "bpo"})
    assert reply.status_code == 403 and b"SURVEY_PANEL_ONLY" in reply.content
    assert not Response.objects.exists()


def test_odd_page_numbers_in_the_preview_and_dashboard_are_no_server_error(
    client, organiser, open_survey
):
    assert client.get("/manage/small/preview/", {"page": "\u00b2"}).status_code == 200
    assert client.get("/manage/small/results/", {"every": "9" * 5000}).status_code == 200


def test_an_upload_refused_before_reading_shows_its_code(client, organiser, settings):
    settings.MAX_UPLOAD_BYTES = 10
    big = client.post("/manage/new/", {"file": SimpleUploadedFile("f.md", b"x" * 11)})
    assert big.status_code == 400 and "(FORM_TOO_LARGE)" in big.content.decode()
    settings.MAX_UPLOAD_BYTES = 10_000
    odd = client.post("/manage/new/", {"file": SimpleUploadedFile("f.txt", b"x")})
    assert odd.status_code == 400 and "(FORM_UNREADABLE)" in odd.content.decode()


@pytest.mark.parametrize("slug", ["", "small"])
def test_the_new_survey_page_never_replaces_an_existing_surveys_questionnaire(
    client, organiser, open_survey, small_form_source, slug
):
    """Same form_id (no address given) or the same address typed: refused, not version 2 of a
    live survey; new versions are imported from the survey's own page."""
    upload = SimpleUploadedFile("again.md", small_form_source.replace(b"Piccola", b"Altra"))
    reply = client.post("/manage/new/", {"file": upload, "slug": slug})
    assert reply.status_code == 400 and "SURVEY_EXISTS" in reply.content.decode()
    survey = Survey.objects.get(slug="small")
    assert survey.current_version.number == 1 and survey.title == "Piccola"


def test_a_scheduled_closing_date_is_shown_in_its_box_and_actions_say_what_they_did(
    client, organiser, open_survey
):
    reply = client.post("/manage/small/schedule/", {"closes_at": "2031-03-31T18:00"}, follow=True)
    html = reply.content.decode()
    assert 'value="2031-03-31T18:00"' in html  # a datetime-local box reads only this form
    assert "Data di chiusura salvata." in html or "Closing date saved." in html
    closed = client.post("/manage/small/close/", follow=True).content.decode()
    assert "indagine è chiusa: non accetta" in closed or "The survey is closed" in closed
    refused = client.post("/manage/small/schedule/", {"closes_at": "2001-01-01T10:00"}, follow=True)
    text = refused.content.decode()
    assert 'class="problem"' in text and "SURVEY_CLOSING_IN_PAST" in text


def test_organiser_pages_declare_the_language_they_are_in(client, organiser, open_survey):
    english = client.get("/manage/small/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in english
    italian = client.get("/manage/small/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert '<html lang="it"' in italian


def test_the_questionnaire_downloads_as_an_xlsform_that_imports_back(
    client, organiser, open_survey
):
    page = client.get("/manage/small/").content.decode()
    assert 'href="/manage/small/questionnaire/"' in page
    reply = client.get("/manage/small/questionnaire/")
    assert reply.status_code == 200
    assert reply["Content-Disposition"] == 'attachment; filename="small.xlsx"'
    from indagine.forms.loader import load_form

    again = load_form(reply.content, "small.xlsx")
    assert again.ok and again.form is not None
    assert again.form.to_json() == open_survey.current_version.form.to_json()


def test_the_questionnaire_download_needs_the_right_to_see_the_survey(
    client, open_survey, django_user_model
):
    assert client.get("/manage/small/questionnaire/").status_code == 302  # to the login
    client.force_login(django_user_model.objects.create_user("estraneo", password="x" * 12))
    assert client.get("/manage/small/questionnaire/").status_code == 403
