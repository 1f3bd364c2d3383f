"""Scale-out, shown: two `indagine serve` and two `indagine worker` on one PostgreSQL database.

Each server and each worker is a real process with a data folder of its own (as on separate
machines), sharing only DATABASE_URL and the secret key. Respondents are driven over HTTP, each
one's pages split across both servers (the first page from one, the next from the other, as a
load balancer without sticky sessions would); some come through the personal links of the
invitations the workers are sending meanwhile. One worker is killed with SIGKILL while it sends;
the other takes over its claims once their lease runs out.

Then: every acknowledged answer is stored once, in one response per respondent; every member
got one invitation and every respondent who came through a personal link one thank-you, except
the one message the killed worker had handed to the SMTP server but could not record as sent,
which goes again with the same Message-ID (the documented limit, docs/deploy.md); and both
servers' dashboards and API show the same figures. Nothing is left running.

Each worker sends through an SMTP server of its own (aiosmtpd, in this process), so the test
knows which worker delivered each copy of a message.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.server import (
    SLUG,
    ProductionServer,
    postgres_base_url,
    server_env,
    throwaway_database,
)
from panel.conftest import Inbox, personal_link, start_smtp

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        postgres_base_url() is None,
        reason="scale-out needs PostgreSQL: SQLite is one machine's file, not a shared database",
    ),
]

MEMBERS = 150
PUBLIC = 48  # respondents through the survey's public address
PERSONAL = 12  # respondents through the personal link of their invitation
KILL_AT = 10  # the killed worker dies just after its SMTP server accepted its 10th message
LEASE_SECONDS = "5"  # how long the killed worker's claims wait before the other takes them
DEADLINE = 90  # seconds, for anything waited on

TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_FIELD = re.compile(r'name="_key" value="([^"]+)"')
PASSWORD = re.compile(r"user 'admin', password '([^']+)'")

AGREE = (
    "agree_change",
    "agree_digital_better",
    "agree_digital_training",
    "agree_no_return",
    "agree_productivity",
    "agree_objectives",
    "agree_compensation",
    "agree_augmented",
)
EFFECTS = (
    "effect_balance",
    "effect_continuity",
    "effect_quality",
    "effect_costs",
    "effect_commuting",
    "effect_realestate",
    "effect_cohesion",
)
TOOLS = ("vpn", "cloud", "softphone", "collab", "laptops", "byod")
CHANNELS = ("chat", "social", "email", "selfservice", "video", "voice")
SOLUTIONS = ("cloud_cc", "chatbot", "social_care", "video", "remote_support", "agent_assist")


def _some(rng: random.Random, choices: tuple[str, ...]) -> list[str]:
    """A non-empty subset, in the order the form lists the choices."""
    picked = set(rng.sample(choices, rng.randint(1, 3)))
    return [c for c in choices if c in picked]


def pages_of(rng: random.Random) -> list[dict[str, Any]]:
    """One respondent's answers to the built-in survey's 7 pages, as they are stored (a number
    as a number, several choices as a list); only the questions that apply, as a browser
    without JavaScript sends them."""
    remote = rng.choice(["most", "part", "planned", "no"])
    working = {"remote": remote}
    if remote in ("most", "part"):
        working |= {
            "remote_share": float(rng.randrange(0, 101, 5)),
            "remote_days": rng.randint(1, 90),
            "remote_tools": _some(rng, TOOLS),
        }
    digital = {"digital_use": rng.choice(["decreased", "unchanged", "increased", "increased_lot"])}
    if digital["digital_use"].startswith("increased"):
        digital["digital_channels"] = _some(rng, CHANNELS)
    testimony: dict[str, Any] = {}
    if rng.random() < 0.5:
        testimony = {"testimony": "Abbiamo retto bene, però è stata dura.", "quote_ok": "yes"}
    return [
        {
            "org_type": rng.choice(["inhouse", "bpo", "public", "supplier"]),
            "role": rng.choice(["executive", "cc_head", "operations", "it", "hr", "sales"]),
            "cc_size": rng.choice(["lt50", "50_249", "250_999", "1000plus"]),
            "sector": rng.choice(["telco", "energy", "finance", "pa", "retail", "transport"]),
        },
        working,
        {name: str(rng.randint(1, 5)) for name in AGREE},
        digital,
        {
            name: rng.choice(["none", "limited", "significant", "very_significant"])
            for name in EFFECTS
        },
        {"solutions": _some(rng, SOLUTIONS)},
        testimony,
    ]


def _form(answers: dict[str, Any]) -> dict[str, str | list[str]]:
    """Answers as a form sends them: text, a list for several choices, 60 for 60.0."""
    sent: dict[str, str | list[str]] = {}
    for name, value in answers.items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        sent[name] = value if isinstance(value, list) else str(value)
    return sent


@dataclass
class Walk:
    """One respondent's way through the survey: the key the pages carried, the answers of
    every page a server acknowledged (answered with the next page's address, or the thank-you
    page's), and what went wrong."""

    key: str = ""
    acknowledged: dict[str, Any] = field(default_factory=dict)
    pages: int = 0
    failures: list[str] = field(default_factory=list)


def walk(bases: list[str], seed: int, token: str | None = None) -> Walk:
    """GET the first page from one server, then POST each page to the other one in turn; with
    a personal link, open it first. One cookie jar for both, as one browser behind one
    address: the cookies of 127.0.0.1 go to both ports."""
    done = Walk()
    servers = itertools.cycle(bases[seed % 2 :] + bases[: seed % 2])
    pages = pages_of(random.Random(seed))
    with httpx.Client(timeout=30) as client:
        if token is not None:
            entered = client.get(f"{next(servers)}/s/{SLUG}/t/{token}/")
            if entered.status_code != 302:
                done.failures.append(f"personal link: {entered.status_code}")
                return done
        first = client.get(f"{next(servers)}/s/{SLUG}/")
        csrf, key = TOKEN_FIELD.search(first.text), KEY_FIELD.search(first.text)
        if first.status_code != 200 or not csrf or not key:
            done.failures.append(f"first page: {first.status_code} {first.text[:300]}")
            return done
        done.key = key[1]
        for index, answers in enumerate(pages):
            data = {"csrfmiddlewaretoken": csrf[1], "_key": done.key, "_page": str(index)}
            data |= {"_action": "next", "_lang": "it"}
            reply = client.post(f"{next(servers)}/s/{SLUG}/", data={**data, **_form(answers)})
            expected = "/thanks/" if index == len(pages) - 1 else f"?page={index + 1}"
            if reply.status_code != 302 or expected not in reply.headers.get("location", ""):
                location = reply.headers.get("location", "")
                done.failures.append(
                    f"page {index}: {reply.status_code} {location} {reply.text[:300]}"
                )
                return done
            done.acknowledged |= answers
            done.pages += 1
    return done


@dataclass
class Worker:
    """`indagine worker`, its own process group, its log in a file."""

    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_worker(name: str, folder: Path, env: dict[str, str]) -> Worker:
    folder.mkdir()
    log_path = folder / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "indagine.cli", "worker", "--interval", "0.2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(name, process, log_path)


class Killer:
    """SMTP hooks that SIGKILL the first worker whose server takes its KILL_AT-th message,
    just after the server accepted it: the worker never hears "250" and never records the
    message as sent (the one window in which a message can go twice).

    A hook is in place before its worker starts, and finds the worker by name when it fires:
    by then the worker has sent KILL_AT - 1 messages, so it is long in `workers`."""

    def __init__(self, workers: dict[str, Worker]) -> None:
        self.workers = workers
        self.lock = threading.Lock()
        self.killed: Worker | None = None
        self.message_id = ""

    def hook(self, name: str, inbox: Inbox) -> Callable[[int, Any], str | None]:
        def on_data(count: int, envelope: Any) -> str | None:
            if count != KILL_AT:
                return None
            with self.lock:
                if self.killed is not None:
                    return None
                self.killed = worker = self.workers[name]
            inbox.accept(envelope)
            self.message_id = inbox.messages[-1]["Message-ID"]
            os.kill(worker.process.pid, signal.SIGKILL)
            return "250 OK"

        return on_data


def wait_for(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def group_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, controller = start_smtp()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def sql(database_url: str, query: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(query).fetchall()


def set_up(folder: Path, env: dict[str, str]) -> str:
    """`indagine init`, `panel import` of MEMBERS members, `panel invite`, in one process
    (Django starts once); the admin's password."""
    members = folder / "members.csv"
    members.write_text(
        "email,name\n" + "".join(f"member{i:03d}@example.org,Member {i}\n" for i in range(MEMBERS))
    )
    argvs = [["init"], ["panel", "import", SLUG, str(members)], ["panel", "invite", SLUG]]
    code = (
        f"from indagine.cli import main\nfor argv in {argvs!r}:\n    assert main(argv) == 0, argv\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{MEMBERS} invitation(s) queued" in done.stdout, done.stdout
    password = PASSWORD.search(done.stdout)
    assert password, done.stdout
    return password[1]


def start_servers(servers: list[ProductionServer]) -> None:
    """Start them side by side (each waits until its /healthz answers); a failure is raised
    here."""
    with ThreadPoolExecutor(len(servers)) as pool:
        for started in [pool.submit(s.start, timeout=DEADLINE) for s in servers]:
            started.result()


def received(inboxes: dict[str, Inbox]) -> list[tuple[str, str, str, str]]:
    """Every message the SMTP servers accepted: (worker, kind, recipient, Message-ID).

    Read while the servers' threads append: `Inbox.accept` appends the message, then its
    envelope, so the first len(envelopes) messages are whole pairs."""
    found = []
    for name, inbox in inboxes.items():
        count = len(inbox.envelopes)
        for message, recipients in zip(
            inbox.messages[:count], inbox.envelopes[:count], strict=True
        ):
            message_id = message["Message-ID"]
            found += [(name, message_id[1:].split(".")[0], r, message_id) for r in recipients]
    return found


def test_two_servers_and_two_workers_on_one_database(tmp_path):
    secret_key = secrets.token_urlsafe(50)
    with ExitStack() as stack:
        database_url = stack.enter_context(throwaway_database("indagine_scale"))
        assert database_url is not None
        smtp = {name: stack.enter_context(smtp_server()) for name in ("a", "b")}
        inboxes = {name: inbox for name, (inbox, _) in smtp.items()}

        (tmp_path / "setup").mkdir()
        password = set_up(
            tmp_path / "setup",
            server_env(tmp_path / "setup", database_url, INDAGINE_SECRET_KEY=secret_key),
        )

        settings = {"INDAGINE_SECRET_KEY": secret_key, "INDAGINE_SUBMIT_RATE": "off"}
        servers = [
            ProductionServer(tmp_path / f"server-{n}", database_url, 1, 4, dict(settings))
            for n in ("a", "b")
        ]
        for server in servers:
            stack.callback(server.kill)  # the group, whatever happens below
        start_servers(servers)
        bases = [server.base for server in servers]

        # The workers start as the respondents do: the kill comes while pages are being sent.
        workers: dict[str, Worker] = {}
        killer = Killer(workers)
        for name, (inbox, port) in smtp.items():
            inbox.on_data = killer.hook(name, inbox)
            env = server_env(
                tmp_path / f"worker-{name}",
                database_url,
                INDAGINE_SECRET_KEY=secret_key,
                INDAGINE_EMAIL_URL=f"smtp://127.0.0.1:{port}",
                INDAGINE_SEND_LEASE_SECONDS=LEASE_SECONDS,
                INDAGINE_BASE_URL=bases[0],
            )
            workers[name] = start_worker(name, tmp_path / f"worker-{name}", env)
            stack.callback(_kill_group, workers[name].process)

        def invitations() -> list[str]:
            return [r for _, kind, r, _ in received(inboxes) if kind == "invite"]

        taken: set[str] = set()
        taking = threading.Lock()

        def personal(index: int) -> Walk:
            """A member whose invitation has arrived, and whom no other respondent took,
            answers through the invitation's link."""
            chosen: list[str] = []

            def take() -> bool:
                with taking:
                    free = [a for a in invitations() if a not in taken]
                    if free:
                        taken.add(free[0])
                        chosen.append(free[0])
                    return bool(free)

            wait_for(take, f"an invitation for respondent {index}")
            message = next(m for i in inboxes.values() for m in i.to(chosen[0]))
            return walk(bases, 1000 + index, token=personal_link(message)[1])

        with ThreadPoolExecutor(8) as public_pool, ThreadPoolExecutor(4) as personal_pool:
            public = [public_pool.submit(walk, bases, seed) for seed in range(PUBLIC)]
            members = [personal_pool.submit(personal, index) for index in range(PERSONAL)]
            walks = [future.result() for future in public + members]

        # 1. Every page was acknowledged, and is stored once, in one response per respondent.
        assert [w.failures for w in walks if w.failures] == []
        assert {w.pages for w in walks} == {7}
        stored = sql(
            database_url,
            "SELECT key_hash, status, answers FROM collect_response ORDER BY id",
        )
        assert len(stored) == len(walks) == PUBLIC + PERSONAL
        by_key = {key_hash: (status, answers) for key_hash, status, answers in stored}
        for one in walks:
            assert by_key[hashlib.sha256(one.key.encode()).hexdigest()] == (
                "complete",
                one.acknowledged,
            )

        # 2. Every message sent: the killed worker's claims were taken over once their lease
        # ran out. The members who answered through their links were thanked.
        assert killer.killed is not None, "no worker was killed"
        killed = killer.killed
        survivor = next(w for w in workers.values() if w is not killed)
        assert killed.process.wait(timeout=DEADLINE) == -signal.SIGKILL

        def all_sent() -> bool:
            rows = sql(
                database_url, "SELECT kind, status, COUNT(*) FROM panel_message GROUP BY 1, 2"
            )
            return sorted(rows) == [("invite", "sent", MEMBERS), ("thanks", "sent", PERSONAL)]

        wait_for(all_sent, f"every message sent\n{survivor.log}")
        assert survivor.process.poll() is None, survivor.log

        # 3. Each message went once, but for the one the killed worker had handed over when
        # it died: a second copy, with the same Message-ID, from the other worker.
        copies = Counter(message_id for *_, message_id in received(inboxes))
        assert {m: n for m, n in copies.items() if n != 1} == {killer.message_id: 2}
        by_worker = Counter(
            (worker, message_id)
            for worker, *_, message_id in received(inboxes)
            if message_id == killer.message_id
        )
        assert by_worker == {
            (killed.name, killer.message_id): 1,
            (survivor.name, killer.message_id): 1,
        }
        assert inboxes[killed.name].messages[-1]["Message-ID"] == killer.message_id
        kinds = Counter((kind, recipient) for _, kind, recipient, _ in received(inboxes))
        expected = Counter({("invite", f"member{i:03d}@example.org"): 1 for i in range(MEMBERS)})
        thanked = sql(
            database_url,
            "SELECT m.email FROM panel_member m JOIN panel_invitation i ON i.member_id = m.id "
            "WHERE i.completed",
        )
        expected.update({("thanks", email): 1 for (email,) in thanked})
        kind, recipient = (
            killer.message_id[1:].split(".")[0],
            _recipient(inboxes, killer.message_id),
        )
        expected[(kind, recipient)] += 1
        assert len(thanked) == PERSONAL
        assert kinds == expected

        # 4. Both servers show the same figures: the dashboard (its body, whose ETag is its
        # digest) and the API's findings, to an organiser logged in on one server only.
        with httpx.Client(timeout=60) as organiser:
            login = TOKEN_FIELD.search(organiser.get(f"{bases[0]}/accounts/login/").text)
            assert login
            reply = organiser.post(
                f"{bases[0]}/accounts/login/",
                data={
                    "csrfmiddlewaretoken": login[1],
                    "username": "admin",
                    "password": password,
                },
            )
            assert reply.status_code == 302, reply.text[:500]
            views = [_figures(organiser, base) for base in bases]
        assert views[0] == views[1]
        survey, findings, _ = views[0]
        assert (survey["complete"], survey["partial"]) == (PUBLIC + PERSONAL, 0)
        assert _respondents(findings) == PUBLIC + PERSONAL

        # 5. Everything stops, and nothing is left running.
        survivor.process.send_signal(signal.SIGTERM)
        assert survivor.process.wait(timeout=15) == 0, survivor.log
        for server in servers:
            server.stop()
        processes = [s.process for s in servers] + [w.process for w in workers.values()]
        wait_for(
            lambda: all(p is not None and group_gone(p.pid) for p in processes),
            "every process group gone",
            timeout=15,
        )


def _recipient(inboxes: dict[str, Inbox], message_id: str) -> str:
    return next(r for _, _, r, m in received(inboxes) if m == message_id)


def _figures(client: httpx.Client, base: str) -> tuple[dict, dict, str]:
    """What one server shows: the survey (API), its findings (API), the dashboard's ETag."""
    survey = client.get(f"{base}/api/surveys/{SLUG}")
    findings = client.get(f"{base}/api/surveys/{SLUG}/results")
    dashboard = client.get(f"{base}/manage/{SLUG}/results/", params={"fragment": "1"})
    for reply in (survey, findings, dashboard):
        assert reply.status_code == 200, (reply.url, reply.text[:500])
    detail, found = survey.json(), findings.json()
    detail.pop("form")
    found.pop("computed_at")  # when this server computed them
    return detail, found, dashboard.headers["ETag"]


def _respondents(findings: dict) -> int:
    return findings["n"]


def _kill_group(process: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
