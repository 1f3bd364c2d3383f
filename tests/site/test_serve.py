"""`indagine init` and `indagine serve` on a fresh data folder, and what the production server
refuses: forged or malformed POSTs, missing CSRF token, a closed survey, too many submissions;
what `indagine serve` refuses to start with (debug, a weak secret key, a port in use), and how
it stops on SIGTERM."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from browser.server import (
    BUILTIN_FILE,
    SLUG,
    ProductionServer,
    free_port,
    production_server,
    server_env,
)
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


# What `indagine serve` refuses, before any server process starts (commands/preflight.py)


def _serve(data_dir, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """`indagine serve` expected to refuse: if it starts a server instead, that server and its
    workers are killed after 30 s and the test fails."""
    process = subprocess.Popen(
        [sys.executable, "-m", "indagine.cli", "serve", *args],
        env=server_env(data_dir, None, **settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _refused(done: subprocess.CompletedProcess, code: str) -> bool:
    """Exit 1 with one line on stderr, naming the code, and nothing said on stdout."""
    line = done.stderr.strip()
    return done.returncode == 1 and "\n" not in line and code in line and done.stdout == ""


def test_serve_refuses_debug_mode(tmp_path):
    done = _serve(tmp_path / "data", "--port", str(free_port()), INDAGINE_DEBUG="1")
    assert _refused(done, "SERVE_DEBUG"), done
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "key",
    [
        "changeme",
        "secret",
        "x",
        "x" * 60,
        "short-but-random-Hq3",
        f"django-insecure-{'a1b2c3' * 10}",
    ],
)
def test_serve_refuses_a_secret_key_shorter_than_50_characters_or_a_placeholder(tmp_path, key):
    done = _serve(tmp_path / "data", "--port", str(free_port()), INDAGINE_SECRET_KEY=key)
    assert _refused(done, "SERVE_WEAK_SECRET_KEY"), done
    assert "INDAGINE_SECRET_KEY" in done.stderr
    assert not (tmp_path / "data").exists()


def test_serve_refuses_a_placeholder_in_the_data_folders_key_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text(
        "please-change-me-this-is-not-a-secret-key-at-all-0123\n"
    )
    done = _serve(tmp_path / "data", "--port", str(free_port()))
    assert _refused(done, "SERVE_WEAK_SECRET_KEY"), done
    assert str(tmp_path / "data" / "secret_key") in done.stderr


def test_serve_refuses_a_port_another_program_listens_on(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        done = _serve(tmp_path / "data", "--port", str(other.getsockname()[1]))
    assert _refused(done, "SERVE_PORT_IN_USE"), done
    assert not (tmp_path / "data").exists()


def test_a_second_serve_on_the_same_port_is_refused_even_before_the_first_listens(tmp_path):
    """The first one's only worker is held while it loads the site: the port is not bound yet,
    yet a second `indagine serve` on it is refused (granian's workers share a port silently)."""
    with throwaway("indagine_twice") as database_url:
        first, held = _held_server(tmp_path, database_url, workers=1, hold_start=2)
        try:
            first.launch()
            assert _wait_for(lambda: (held / "start-held").exists(), 60), first.log
            done = _serve(tmp_path / "second", "--port", str(first.port))
            assert _refused(done, "SERVE_PORT_IN_USE"), done
            assert not (tmp_path / "second").exists()
            (held / "start-go").touch()
            assert _wait_for(lambda: _answers(first.base), 60), first.log
            again = _serve(tmp_path / "second", "--port", str(first.port))
            assert _refused(again, "SERVE_PORT_IN_USE"), again
            assert _answers(first.base)
        finally:
            first.kill()


# A SIGTERM stops the server within 10 s: requests in flight finish, no process is left


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


class HeldServer(ProductionServer):
    """A production server that may be started without waiting for it to answer."""

    def launch(self) -> None:
        argv = [sys.executable, "-m", "indagine.cli", "serve", "--port", str(self.port)]
        argv += ["--workers", str(self.workers), "--threads", str(self.threads)]
        self.process = subprocess.Popen(
            argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, args=(self.process,), daemon=True).start()

    def kill(self) -> None:
        """SIGKILL the whole group, even when its main process has exited and left workers."""
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        super().kill()

    def gone(self, deadline: float) -> bool:
        """Whether every process of the server's group has exited by `deadline` (monotonic)."""
        assert self.process is not None

        def group_gone() -> bool:
            self.process.poll()  # reaps the main process: a zombie would still be in the group
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return True
            return False

        return _wait_for(group_gone, max(0.0, deadline - time.monotonic()))


def _held_server(tmp_path, database_url, *, workers, hold_start=0, server="granian"):
    """A server on held_site's settings (tests/site/held_site.py), and the folder of its files."""
    held = tmp_path / "held"
    held.mkdir()
    paths = [str(Path(__file__).parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    settings = {
        "INDAGINE_SUBMIT_RATE": "off",
        "INDAGINE_SERVER": server,
        "DJANGO_SETTINGS_MODULE": "held_site",
        "PYTHONPATH": os.pathsep.join(paths),
        "INDAGINE_TEST_HELD": str(held),
        "INDAGINE_TEST_HOLD_START": str(hold_start),
    }
    served = HeldServer(
        tmp_path / "data", database_url, workers=workers, threads=2, settings=settings
    )
    return served, held


def _terminate(server: HeldServer, target: str) -> float:
    """SIGTERM to the server's process (as `kill`, docker stop) or to its whole process group
    (as systemd, or Ctrl-C in a terminal); when it was sent."""
    assert server.process is not None
    sent = time.monotonic()
    if target == "group":
        os.killpg(server.process.pid, signal.SIGTERM)
    else:
        os.kill(server.process.pid, signal.SIGTERM)
    return sent


SHUTTING_DOWN = ("Shutting down granian", "Handling signal: term")  # granian's, gunicorn's


@pytest.mark.parametrize(
    ("server_name", "target"),
    [("granian", "process"), ("granian", "group"), ("gunicorn", "process")],
)
def test_serve_stops_within_10_s_of_sigterm_finishing_the_request_in_flight(
    tmp_path, server_name, target
):
    with throwaway("indagine_sigterm") as database_url:
        server, held = _held_server(tmp_path, database_url, workers=1, server=server_name)
        try:
            server.start()
            replies: list[httpx.Response | Exception] = []

            def ask() -> None:
                try:
                    replies.append(httpx.get(f"{server.base}/held/", timeout=30))
                except httpx.HTTPError as error:
                    replies.append(error)

            asking = threading.Thread(target=ask)
            asking.start()
            assert _wait_for(lambda: (held / "request-started").exists(), 30), server.log
            sent = _terminate(server, target)
            assert _wait_for(lambda: any(line in server.log for line in SHUTTING_DOWN), 10)
            (held / "request-go").touch()
            asking.join(timeout=30)
            assert [(r.status_code, r.text) for r in replies if isinstance(r, httpx.Response)] == [
                (200, "finished")
            ], replies
            assert server.gone(sent + 10), server.log
        finally:
            server.kill()


@pytest.mark.parametrize("target", ["process", "group"])
def test_serve_stops_within_10_s_of_sigterm_while_a_worker_is_still_starting(tmp_path, target):
    """Granian answers as soon as one worker has loaded the site; a SIGTERM that reached
    another while it was still loading used to be lost: it then served on, and the server
    waited for it forever."""
    with throwaway("indagine_sigterm") as database_url:
        server, held = _held_server(tmp_path, database_url, workers=2, hold_start=3)
        try:
            server.start()
            assert _wait_for(lambda: (held / "start-held").exists(), 60), server.log
            sent = _terminate(server, target)
            (held / "start-go").touch()
            assert server.gone(sent + 10), server.log
        finally:
            server.kill()
