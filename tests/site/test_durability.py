"""A stream of submissions, the production server killed with SIGKILL in the middle, restarted:
every acknowledged submission is stored complete, and nothing is stored half-written."""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from browser.server import BUILTIN_FILE, SLUG, production_server
from indagine.forms.answers import check_submission
from indagine.forms.loader import load_form

pytestmark = pytest.mark.slow

CLIENTS = 4
ACKNOWLEDGED_BEFORE_KILL = 25
KEY_FIELD = re.compile(r'name="_key" value="([^"]+)"')
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# One complete set of answers, page by page (the testimony is made unique per submission).
PLAN: list[dict[str, str | list[str]]] = [
    {"org_type": "inhouse", "role": "cc_head", "cc_size": "50_249", "sector": "telco"},
    {"remote": "most", "remote_share": "60", "remote_days": "5", "remote_tools": ["vpn", "cloud"]},
    {
        name: "4"
        for name in (
            "agree_change",
            "agree_digital_better",
            "agree_digital_training",
            "agree_no_return",
            "agree_productivity",
            "agree_objectives",
            "agree_compensation",
            "agree_augmented",
        )
    },
    {"digital_use": "increased", "digital_channels": ["chat", "email"]},
    {
        name: "significant"
        for name in (
            "effect_balance",
            "effect_continuity",
            "effect_quality",
            "effect_costs",
            "effect_commuting",
            "effect_realestate",
            "effect_cohesion",
        )
    },
    {"solutions": ["cloud_cc", "chatbot"]},
    {"testimony": "", "quote_ok": "yes"},
]


@pytest.fixture(scope="module")
def form():
    source = resources.files("indagine.library").joinpath(BUILTIN_FILE).read_bytes()
    return load_form(source, BUILTIN_FILE).form


@dataclass
class Attempt:
    key: str
    testimony: str
    acknowledged_pages: int = 0

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_pages == len(PLAN)


def page_answers(index: int, testimony: str) -> dict[str, str | list[str]]:
    return {**PLAN[index], "testimony": testimony} if index == len(PLAN) - 1 else PLAN[index]


def went_to(reply: httpx.Response, page: int) -> bool:
    """Whether a page POST was answered with the next page (or the thank-you page after the last)."""
    target = urlsplit(reply.headers.get("location", ""))
    if page == len(PLAN):
        return target.path == f"/s/{SLUG}/thanks/"
    return target.path == f"/s/{SLUG}/" and parse_qs(target.query).get("page") == [str(page)]


def submit(client: httpx.Client, base: str, attempts: list[Attempt], form) -> Attempt:
    """One respondent: GET the page (CSRF cookie and token, resume key), POST every page."""
    url = f"{base}/s/{SLUG}/"
    client.cookies.clear()
    first = client.get(url)
    assert first.status_code == 200, first.text[:500]
    attempt = Attempt(KEY_FIELD.search(first.text)[1], f"durability {uuid.uuid4().hex}")
    attempts.append(attempt)
    token = TOKEN_FIELD.search(first.text)[1]
    for index, page in enumerate(form.pages):
        last = index == len(form.pages) - 1
        data = {
            "csrfmiddlewaretoken": token,
            "_page": str(index),
            "_key": attempt.key,
            "_action": "next",
            "_lang": "it",
            "_shown": " ".join(q.name for q in page.questions),
            **page_answers(index, attempt.testimony),
        }
        reply = client.post(url, data=data)
        assert reply.status_code == 302 and went_to(reply, len(PLAN) if last else index + 1), (
            f"page {index}: {reply.status_code} {reply.headers} {reply.text[:500]}"
        )
        attempt.acknowledged_pages += 1
    return attempt


def stream(
    base: str, form, attempts: list[Attempt], stop: threading.Event, failures: list[BaseException]
) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            try:
                submit(client, base, attempts, form)
            except httpx.TransportError:
                if not stop.is_set():  # the server went away before we killed it
                    failures.append(RuntimeError("connection lost before the kill"))
                return
            except BaseException as failure:  # an unexpected reply: the test fails on it
                failures.append(failure)
                return


def as_raw(answers: dict) -> dict[str, list[str]]:
    def text(value) -> str:
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)

    return {
        name: [text(v) for v in value] if isinstance(value, list) else [text(value)]
        for name, value in answers.items()
    }


def expected_after(pages: int, testimony: str) -> dict:
    """The answers stored once `pages` pages are submitted, as the form types them."""
    typed = {"remote_share": 60, "remote_days": 5}
    answers: dict = {}
    for index in range(pages):
        answers.update(page_answers(index, testimony))
    return {name: typed.get(name, value) for name, value in answers.items()}


def test_acknowledged_submissions_survive_sigkill(tmp_path, form):
    with production_server(
        tmp_path / "data", "indagine_durability", workers=2, threads=4
    ) as server:
        attempts: list[Attempt] = []
        failures: list[BaseException] = []
        stop = threading.Event()
        clients = [
            threading.Thread(target=stream, args=(server.base, form, attempts, stop, failures))
            for _ in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 20
        while (
            sum(a.acknowledged for a in attempts) < ACKNOWLEDGED_BEFORE_KILL
            and time.monotonic() < deadline
            and not failures
        ):
            time.sleep(0.05)
        stop.set()
        server.kill()  # master and workers at once, requests in flight
        for client in clients:
            client.join(timeout=15)
        assert not failures, failures
        acknowledged = [a for a in attempts if a.acknowledged]
        assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

        server.start()  # the same data folder (and database)
        stored = {r.key_hash: r for r in server.responses()}
        print(
            f"{len(attempts)} submissions started, {len(acknowledged)} acknowledged, "
            f"{sum(r.status == 'complete' for r in stored.values())} stored complete, "
            f"{sum(r.status == 'partial' for r in stored.values())} partial"
        )
        for attempt in attempts:
            response = stored.get(hashlib.sha256(attempt.key.encode()).hexdigest())
            if attempt.acknowledged:
                assert response is not None and response.status == "complete", attempt
            if response is None:  # never reached the database: nothing was acknowledged
                assert attempt.acknowledged_pages == 0, attempt
                continue
            # Every acknowledged page is stored; at most the page in flight more.
            pages = len(PLAN) if response.status == "complete" else response.page
            assert attempt.acknowledged_pages <= pages <= attempt.acknowledged_pages + 1
            assert response.answers == expected_after(pages, attempt.testimony), attempt
        for response in stored.values():  # and nothing stored came from anywhere else
            if response.status == "complete":
                checked = check_submission(form, as_raw(response.answers))
                assert not checked.errors, checked.errors
            else:
                assert 0 <= response.page < len(PLAN)
        assert len(stored) <= len(attempts)

        # The restarted server takes answers again.
        with httpx.Client(timeout=10) as client:
            after = submit(client, server.base, [], form)
        assert after.acknowledged
