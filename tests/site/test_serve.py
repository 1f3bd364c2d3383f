"""`indagine init` and `indagine serve` on a fresh data folder, and what the production server
refuses: forged or malformed POSTs, missing CSRF token, a closed survey, too many submissions."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import httpx
import pytest

from browser.server import BUILTIN_FILE, SLUG, ProductionServer, production_server, server_env
from browser.server import throwaway_database as throwaway

pytestmark = pytest.mark.slow

PASSWORD = re.compile(r"password '([^']+)'")
KEY_FIELD = re.compile(r'name="_key" value="([^"]+)"')
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROFILE = {"org_type": "bpo", "role": "it", "cc_size": "lt50", "sector": "telco"}


def test_init_twice_is_idempotent_and_shows_the_password_once(tmp_path):
    with throwaway("indagine_init") as database_url:
        env = server_env(tmp_path / "data", database_url)

        def init() -> str:
            done = subprocess.run(
                [sys.executable, "-m", "indagine.cli", "init"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        first, second = init(), init()
        assert PASSWORD.search(first) and "admin" in first
        assert "password" not in second
        counts = ProductionServer(tmp_path / "data", database_url).django(
            "from django.contrib.auth import get_user_model\n"
            "from indagine.surveys.models import Survey\n"
            "print(Survey.objects.filter(slug='remote-working-2020').count(),"
            " get_user_model().objects.filter(is_superuser=True).count())"
        )
        assert counts.split() == ["1", "1"]
        assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = {"INDAGINE_SUBMIT_RATE": "8/m", "INDAGINE_MAX_TEXT_LENGTH": "50"}
    with production_server(
        tmp_path_factory.mktemp("serve-data"),
        "indagine_serve",
        workers=1,
        threads=4,
        settings=settings,
    ) as served:
        yield served


def test_serve_on_a_fresh_data_folder_serves_the_survey(server):
    assert f"indagine: survey  {server.base}/s/{SLUG}/" in server.log
    assert f"indagine: admin   {server.base}/manage/" in server.log
    password = PASSWORD.search(server.log)
    assert password, server.log
    with httpx.Client(base_url=server.base, timeout=10) as client:
        page = client.get(f"/s/{SLUG}/")
        assert page.status_code == 200 and "Remote Working e Contact Center" in page.text
        login = client.get("/accounts/login/")
        reply = client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": TOKEN_FIELD.search(login.text)[1],
                "username": "admin",
                "password": password[1],
            },
        )
        assert reply.status_code == 302 and reply.headers["location"] == "/manage/"
        assert client.get("/manage/").status_code == 200


class Respondent:
    """A client that fetched the first page: it holds the CSRF cookie, the token and a key."""

    def __init__(self, server: ProductionServer, slug: str = SLUG) -> None:
        self.server, self.slug = server, slug
        self.client = httpx.Client(base_url=server.base, timeout=10)
        page = self.client.get(f"/s/{slug}/")
        self.token = TOKEN_FIELD.search(page.text)[1]
        self.key = KEY_FIELD.search(page.text)[1]

    def post(self, answers: dict, *, page: int = 0, token: bool = True) -> httpx.Response:
        data = {"_page": str(page), "_key": self.key, "_action": "next", "_lang": "it", **answers}
        if token:
            data["csrfmiddlewaretoken"] = self.token
        return self.client.post(f"/s/{self.slug}/", data=data)

    def stored(self) -> bool:
        digest = hashlib.sha256(self.key.encode()).hexdigest()
        return any(r.key_hash == digest for r in self.server.responses(self.slug))


@pytest.mark.parametrize(
    ("answers", "status", "code"),
    [
        ({**PROFILE, "org_type": "hacker"}, 400, "ANSWER_UNKNOWN_CHOICE"),
        ({**PROFILE, "evil": "x"}, 400, "SUBMISSION_UNKNOWN_FIELD"),
        ({**PROFILE, "org_type": "other", "org_type_other": "x" * 51}, 400, "ANSWER_TOO_LONG"),
        ({**PROFILE, "role": ["it", "hr"]}, 400, "ANSWER_MULTIPLE_VALUES"),
        ({**PROFILE, "_page": "x"}, 400, "SUBMISSION_BAD_PAGE"),
        ({**PROFILE, "_action": "delete"}, 400, "SUBMISSION_BAD_ACTION"),
    ],
)
def test_forged_posts_are_refused_with_a_code_and_nothing_is_stored(server, answers, status, code):
    respondent = Respondent(server)
    reply = respondent.post(answers)
    assert reply.status_code == status and code in reply.text
    assert not respondent.stored()


def test_a_post_without_csrf_token_is_refused(server):
    respondent = Respondent(server)
    reply = respondent.post(PROFILE, token=False)
    assert reply.status_code == 403 and "CSRF_TOKEN" in reply.text
    assert not respondent.stored()


def test_a_closed_survey_refuses_answers(server):
    server.django(f"""
from importlib import resources
from indagine.surveys.services import close_survey, import_form, open_survey
source = resources.files("indagine.library").joinpath("{BUILTIN_FILE}").read_bytes()
open_survey(import_form(source, "{BUILTIN_FILE}", slug="closing").survey)
""")
    respondent = Respondent(server, "closing")
    server.django("""
from indagine.surveys.models import Survey
from indagine.surveys.services import close_survey
close_survey(Survey.objects.get(slug="closing"))
""")
    reply = respondent.post(PROFILE)
    assert reply.status_code == 403 and "SURVEY_NOT_ACCEPTING" in reply.text
    assert not respondent.stored()


def test_submissions_are_rate_limited_per_client(server):
    """Last in this module: it spends the address's budget (INDAGINE_SUBMIT_RATE=8/m)."""
    respondent = Respondent(server)
    replies = [respondent.post({**PROFILE, "_action": "save"}) for _ in range(10)]
    statuses = [reply.status_code for reply in replies]
    assert 429 in statuses, statuses
    refused = statuses.index(429)
    assert "RATE_LIMITED" in replies[refused].text
    assert all(status == 429 for status in statuses[refused:]), statuses


def test_a_worker_imports_every_view_as_it_starts(tmp_path):
    """So the first respondent after a (re)start does not wait for numpy, scipy and matplotlib."""
    with throwaway("indagine_wsgi") as database_url:
        env = server_env(tmp_path / "data", database_url)
        assert (
            subprocess.run([sys.executable, "-m", "indagine.cli", "init"], env=env).returncode == 0
        )
        code = "import sys, indagine.site.wsgi; print('indagine.results.views' in sys.modules)"
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
