"""The REST API: tokens, permissions, cursor pagination; schemathesis finds no server error."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from indagine.collect.models import Response
from indagine.results.models import ApiToken
from indagine.site.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def token(db, django_user_model):
    user = django_user_model.objects.create_superuser("analyst", password="pw-for-tests-123")
    return ApiToken.issue(user, "tests")[1]


@pytest.fixture
def answered(open_survey):
    for i in range(5):
        Response.objects.create(
            survey=open_survey,
            form_version=open_survey.current_version,
            language="it",
            status="complete",
            answers={"org": "bpo", "share": float(i)},
        )
    return open_survey


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_no_token_no_data(client, answered):
    assert client.get("/api/surveys").status_code == 401
    assert client.get("/api/surveys", **auth("ind_forged")).status_code == 401


def test_only_the_hash_of_a_token_is_stored(token):
    assert not ApiToken.objects.filter(key_hash=token).exists()
    assert ApiToken.objects.filter(key_hash=ApiToken.digest(token)).exists()


def test_a_token_issued_on_the_organiser_page_is_shown_once_and_never_sent_in_a_cookie(
    client, answered, django_user_model
):
    django_user_model.objects.create_superuser("owner", password="pw-for-tests-123")
    client.login(username="owner", password="pw-for-tests-123")
    issued = client.post("/manage/api-tokens/", {"name": "dashboard"}, HTTP_ACCEPT_LANGUAGE="en")
    assert issued.status_code == 302
    assert not any(c.key == "messages" for c in issued.cookies.values())  # kept server-side
    shown = client.get(issued["Location"]).content.decode()
    key = shown.split("API token (shown once, keep it): ")[1].split("<")[0].strip()
    assert key.startswith("ind_") and client.get("/api/surveys", **auth(key)).status_code == 200
    assert key not in client.get(issued["Location"]).content.decode()


def test_permissions_apply(client, answered, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="pw-for-tests-123")
    key = ApiToken.issue(clerk, "no rights")[1]
    assert client.get("/api/surveys", **auth(key)).status_code == 403


def test_surveys_and_cursor_pagination(client, answered, token):
    surveys = client.get("/api/surveys", **auth(token)).json()
    assert surveys[0]["slug"] == "small" and surveys[0]["complete"] == 5
    seen, cursor = [], None
    while True:
        url = "/api/surveys/small/responses?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, **auth(token)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(Response.objects.values_list("pk", flat=True))


def test_a_forged_cursor_is_a_clear_400(client, answered, token):
    reply = client.get("/api/surveys/small/responses?cursor=%%%", **auth(token))
    assert reply.status_code == 400 and "RESPONSES_BAD_CURSOR" in reply.json()["detail"]


def test_the_session_of_a_logged_in_organiser_works(client, answered, django_user_model):
    user = django_user_model.objects.create_superuser("boss", password="pw-for-tests-123")
    client.force_login(user)
    assert client.get("/api/surveys/small").json()["form"]["form_id"] == "small"


@pytest.fixture
def keep_connection():
    """Django's test client stops a request's end from closing the database connection (which
    would end the test's transaction); schemathesis calls the WSGI app directly, so do the same."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_connection")
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_server_error(case, request):
    user_model = request.getfixturevalue("django_user_model")
    user = user_model.objects.filter(
        username="fuzz"
    ).first() or user_model.objects.create_superuser("fuzz", password="pw-for-tests-123")
    key = ApiToken.issue(user, "fuzz")[1]
    # identity: schemathesis's WSGI transport asks for gzip (as requests does) but does not
    # undo it, so a refusal long enough for the server to compress could not be read back
    case.call_and_validate(
        headers={"Authorization": f"Bearer {key}", "Accept-Encoding": "identity"}
    )


def test_results_as_estimates_json(client, builtin_survey, token):
    from indagine.collect.transfer import add_synthetic

    add_synthetic("remote-working-2020", 60, seed=5, test=False)
    body = client.get("/api/surveys/remote-working-2020/results", **auth(token)).json()
    assert body["layout"] == 1 and body["n"] == 60
    finding = next(f for f in body["items"] if f["key"] == "agree_change")
    share = finding["share"]
    assert 0 <= share["estimate"]["ci_low"] <= share["estimate"]["estimate"] <= 1
    assert share["sequence"]["low"] <= share["estimate"]["estimate"] <= share["sequence"]["high"]
    weighted = client.get(
        "/api/surveys/remote-working-2020/results?weighted=true", **auth(token)
    ).json()
    assert weighted["n"] == 60
    bad = client.get("/api/surveys/remote-working-2020/results?segment=nope", **auth(token))
    assert bad.status_code == 400 and "RESULTS_BAD_SEGMENT" in bad.json()["detail"]
    unknown = client.get(
        "/api/surveys/remote-working-2020/results?segment=org_type:nope", **auth(token)
    )
    assert unknown.status_code == 400 and "has no choice 'nope'" in unknown.json()["detail"]
    missing = client.get("/api/surveys/no-such-survey/results", **auth(token))
    assert missing.status_code == 404 and missing.json()["detail"].startswith("NOT_FOUND")


def test_the_api_docs_page_needs_nothing_from_outside(client, db):
    """Swagger UI from ninja's own static files: the page works offline and tells no CDN who
    reads it."""
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn." not in html and "jsdelivr" not in html
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    assert client.get(scripts[0]).status_code == 200
