"""Rights on one survey alone (#17.9): a colleague sees, or changes, the survey of their
committee and no other, on the web and through the API; administrators give and take back
those rights on the survey's page."""

from __future__ import annotations

import textwrap

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import SMALL_FORM
from indagine.collect.models import Response
from indagine.results.models import ApiToken
from indagine.surveys import services
from indagine.surveys.models import AuditEntry, Survey
from organisers import make_organiser

OTHER = SMALL_FORM.replace("| Piccola | small |", "| Altra | other |")


@pytest.fixture
def two(open_survey):
    """The small survey and another one, each with a complete and a test response."""
    other = services.open_survey(
        services.import_form(textwrap.dedent(OTHER).encode(), "o.md", slug="other").survey
    )
    for survey in (open_survey, other):
        for test in (False, True):
            Response.objects.create(
                survey=survey,
                form_version=survey.current_version,
                answers={"org": "bpo", "share": 1.0},
                status="complete",
                language="it",
                completed_at=timezone.now(),
                test=test,
            )
    return open_survey, other


def _colleague(django_user_model, right: str):
    user = django_user_model.objects.create_user("comitato", password="pw-for-tests-123")
    services.grant(Survey.objects.get(slug="small"), "comitato", right)
    return user


PAGES = [
    "/manage/{}/",
    "/manage/{}/preview/",
    "/manage/{}/results/",
    "/manage/{}/report.html",
    "/manage/{}/newsletter.md",
    "/manage/{}/panel/",
    "/manage/{}/responses/",
    "/manage/{}/responses/download/?format=csv",
]


def test_a_right_to_see_one_survey_opens_its_pages_and_no_other(two, client, django_user_model):
    client.force_login(_colleague(django_user_model, "view"))
    for page in PAGES:
        assert client.get(page.format("small")).status_code == 200, page
        assert client.get(page.format("other")).status_code == 403, page
    listed = client.get("/manage/").content.decode()
    assert "/manage/small/" in listed and "/manage/other/" not in listed
    assert "/manage/new/" not in listed  # creating a survey is every survey's right
    detail = client.get("/manage/small/").content.decode()
    assert "/manage/small/close/" not in detail and 'id="rights"' not in detail
    assert client.post("/manage/small/close/").status_code == 403
    response = Response.objects.filter(survey__slug="small").first()
    assert client.post(f"/manage/small/responses/{response.pk}/delete/").status_code == 403
    assert Survey.objects.get(slug="small").state == Survey.State.OPEN
    assert client.get("/manage/nothing-here/").status_code == 403  # not told what exists


def test_a_right_to_change_one_survey_changes_it_and_no_other(two, client, django_user_model):
    client.force_login(_colleague(django_user_model, "change"))
    assert client.get("/manage/small/").status_code == 200  # changing includes seeing
    assert client.post("/manage/small/close/").status_code == 302
    assert client.post("/manage/other/close/").status_code == 403
    assert Survey.objects.get(slug="small").state == Survey.State.CLOSED
    assert Survey.objects.get(slug="other").state == Survey.State.OPEN
    source = textwrap.dedent(SMALL_FORM).encode()
    mine = SimpleUploadedFile("small.md", source)
    assert client.post("/manage/new/", {"file": mine, "version_of": "small"}).status_code == 302
    theirs = SimpleUploadedFile("other.md", source)
    assert client.post("/manage/new/", {"file": theirs, "version_of": "other"}).status_code == 403
    fresh = SimpleUploadedFile("new.md", source)
    assert client.post("/manage/new/", {"file": fresh, "slug": "mine"}).status_code == 403
    assert not Survey.objects.filter(slug="mine").exists()
    assert (
        client.post("/manage/small/grant/", {"username": "x", "right": "view"}).status_code == 403
    )
    assert client.get("/manage/settings/").status_code == 403


def test_api_tokens_follow_the_rights(two, client, django_user_model):
    key = ApiToken.issue(_colleague(django_user_model, "view"), "comitato")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    listed = client.get("/api/surveys", **auth).json()
    assert [s["slug"] for s in listed] == ["small"] and listed[0]["complete"] == 1
    assert client.get("/api/surveys/small", **auth).status_code == 200
    assert client.get("/api/surveys/other", **auth).status_code == 403
    assert client.get("/api/surveys/small/results", **auth).json()["n"] == 1
    assert client.get("/api/surveys/other/results", **auth).status_code == 403
    rows = client.get("/api/surveys/small/responses", **auth).json()["items"]
    assert len(rows) == 1  # the test response left out
    assert len(client.get("/api/surveys/small/responses?tests=true", **auth).json()["items"]) == 2
    assert client.get("/api/surveys/other/responses", **auth).status_code == 403
    assert client.get("/api/surveys/nothing/results", **auth).status_code == 403


def test_an_administrator_gives_and_takes_back_rights_on_the_survey_s_page(
    two, client, django_user_model
):
    admin = make_organiser(django_user_model, "segreteria")
    colleague = django_user_model.objects.create_user("comitato", password="pw-for-tests-123")
    client.force_login(admin)
    client.post("/manage/small/grant/", {"username": "comitato", "right": "view"})
    page = client.get("/manage/small/").content.decode()
    table = page[page.index('id="rights-table"') :]
    assert "comitato" in table[: table.index("</table>")]
    assert services.rights(Survey.objects.get(slug="small"))[0][1] == ["view"]
    client.post("/manage/small/grant/", {"username": "comitato", "right": "change"})
    assert services.rights(Survey.objects.get(slug="small"))[0][1] == ["change"]
    unknown = client.post("/manage/small/grant/", {"username": "nessuno", "right": "view"})
    assert "SURVEY_NO_SUCH_USER" in client.get(unknown["Location"]).content.decode()
    bad = client.post("/manage/small/grant/", {"username": "comitato", "right": "all"})
    assert "SURVEY_BAD_RIGHT" in client.get(bad["Location"]).content.decode()
    client.post("/manage/small/revoke/", {"username": "comitato"})
    assert services.rights(Survey.objects.get(slug="small")) == []
    actions = list(AuditEntry.objects.filter(action__startswith="survey.g").values_list("action"))
    assert len(actions) == 2
    assert AuditEntry.objects.filter(action="survey.revoke", user=admin).exists()
    client.force_login(colleague)
    assert client.get("/manage/small/").status_code == 403
