"""`indagine worker --burst` as separate processes against one queue: two at once send every
message exactly once; a worker killed with SIGKILL mid-batch loses and doubles nothing.

Each test gets its own data folder and database: on the PostgreSQL pass a throwaway database
next to DATABASE_URL (created with `indagine init`, dropped after), on the SQLite pass a SQLite
file that both workers share. The SMTP server (aiosmtpd) runs in the test process.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser.server import server_env, throwaway_database
from panel.conftest import Inbox, start_smtp

pytestmark = pytest.mark.slow

SLUG = "remote-working-2020"


@dataclass
class Site:
    """A data folder and database of its own, driven through the `indagine` command."""

    data_dir: Path
    database_url: str | None
    smtp_port: int

    def env(self, **settings: str) -> dict[str, str]:
        return server_env(
            self.data_dir,
            self.database_url,
            INDAGINE_EMAIL_URL=f"smtp://127.0.0.1:{self.smtp_port}",
            **settings,
        )

    def django(self, code: str) -> str:
        """Run Python with Django set up on this site (as the `indagine` command does)."""
        prelude = "from indagine.cli import _django, main\n_django()\n"
        done = subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(code)],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def commands(self, *argvs: list[str], then: str = "") -> str:
        """Run `indagine` commands in one process (Django starts once), then `then`."""
        return self.django(
            f"for argv in {argvs!r}:\n    assert main(argv) == 0, argv\n" + textwrap.dedent(then)
        )

    def worker(self, name: str, *, burst: bool = True, **settings: str) -> subprocess.Popen:
        log = (self.data_dir / f"{name}.log").open("w")
        return subprocess.Popen(
            [sys.executable, "-m", "indagine.cli", "worker", "--interval", "0.1"]
            + (["--burst"] if burst else []),
            env=self.env(**settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self, name: str) -> str:
        return (self.data_dir / f"{name}.log").read_text()

    def sql(self, query: str) -> list[tuple]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                cursor = conn.execute(query)
                return cursor.fetchall() if cursor.description else []
        conn = sqlite3.connect(self.data_dir / "indagine.sqlite3", timeout=20)
        try:
            with conn:
                return conn.execute(query).fetchall()
        finally:
            conn.close()

    def statuses(self, kind: str) -> dict[str, int]:
        rows = self.sql(
            f"SELECT status, COUNT(*) FROM panel_message WHERE kind = '{kind}' GROUP BY status"
        )
        return dict(rows)

    def import_members(self, count: int, then: str = "") -> list[str]:
        addresses = [f"member{i:04d}@example.org" for i in range(count)]
        path = self.data_dir / "members.csv"
        path.write_text(
            "email,name,size\n"
            + "".join(
                f"{a},Member {i},{'small' if i % 3 else 'large'}\n" for i, a in enumerate(addresses)
            ),
            encoding="utf-8",
        )
        self.commands(["panel", "import", SLUG, str(path)], ["panel", "invite", SLUG], then=then)
        return addresses


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[Site, Inbox]]:
    inbox, controller = start_smtp()
    try:
        with throwaway_database("indagine_workers") as database_url:
            made = Site(tmp_path, database_url, controller.port)
            made.commands(["init"])
            yield made, inbox
    finally:
        controller.stop()


def _wait(process: subprocess.Popen, site: Site, name: str, timeout: float = 90) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError(f"{name} did not finish:\n{site.log(name)}") from None


AGE_AND_REMIND = """
import datetime as dt
from django.db.models import F
from indagine.panel.models import Message
Message.objects.update(queued_at=F("queued_at") - dt.timedelta(days=4))
assert main(["panel", "remind", "remote-working-2020"]) == 0
"""


def _task_outcomes(site: Site) -> list[tuple[list[str], dict]]:
    rows = site.sql(
        "SELECT worker_ids, return_value FROM django_tasks_database_dbtaskresult "
        "WHERE task_path LIKE '%deliver' AND status = 'SUCCESSFUL'"
    )

    def value(cell):
        return json.loads(cell) if isinstance(cell, str) else cell

    return [(value(ids), value(result) or {}) for ids, result in rows]


def test_two_workers_at_once_send_every_message_exactly_once(site):
    site, inbox = site
    addresses = site.import_members(300, then=AGE_AND_REMIND)
    assert site.statuses("remind") == {"queued": 300}

    async def until_both_workers_send(n, envelope):
        """Hold the first messages until a second connection is sending too: the two workers
        then certainly run at the same time."""
        deadline = time.monotonic() + 30
        while len(inbox.sessions) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return None

    inbox.on_data = until_both_workers_send
    inbox.delay = 0.001
    workers = [site.worker("worker-a"), site.worker("worker-b")]
    for name, process in zip(("worker-a", "worker-b"), workers, strict=True):
        assert _wait(process, site, name) == 0, site.log(name)

    assert len(inbox.sessions) >= 2
    assert inbox.by_recipient() == {a: 2 for a in addresses}  # the invitation and the reminder
    assert set(inbox.by_message_id().values()) == {1}
    kinds = sorted(m["Message-ID"].split(".")[0] for m in inbox.messages)
    assert kinds == ["<invite"] * 300 + ["<remind"] * 300
    assert site.sql(
        "SELECT status, attempts, COUNT(*) FROM panel_message GROUP BY status, attempts"
    ) == [("sent", 1, 600)]
    busy = {ids[-1] for ids, result in _task_outcomes(site) if result.get("sent")}
    assert len(busy) == 2, "both workers sent messages"
    assert sum(result.get("sent", 0) for _, result in _task_outcomes(site)) == 600


def _kill_at(process: subprocess.Popen, n: int, *, accepted: bool):
    """An SMTP hook that SIGKILLs the worker during the n-th message: before the server accepts
    it (the worker never hears "250"), or after (the server keeps it, the worker dies before
    writing down that it was sent)."""

    def hook(count, envelope):
        if count != n:
            return None
        if accepted:
            hook.inbox.accept(envelope)
        os.kill(process.pid, signal.SIGKILL)
        return "250 OK" if accepted else "421 4.3.0 Going away"

    return hook


# The killed workers hold their claims for an hour, so no worker takes them up before the test
# says the hour has passed, however slow the machine; then it moves the time in the database.
LEASE_OF_THE_KILLED = "3600"
LONG_AGO = "2000-01-01 00:00:00"


def _lease_runs_out(site: Site) -> None:
    """The killed worker's lease runs out: its claims may be taken over from now on."""
    assert site.sql("SELECT COUNT(*) FROM panel_message WHERE status = 'sending'")[0][0] > 0
    site.sql(f"UPDATE panel_message SET lease_until = '{LONG_AGO}' WHERE status = 'sending'")


def _deliveries_for_later(site: Site) -> list:
    """When each delivery queued for a later moment is to run."""
    rows = site.sql(
        "SELECT run_after FROM django_tasks_database_dbtaskresult WHERE status = 'READY' "
        "AND task_path LIKE '%deliver' AND run_after < '9000-01-01'"
    )
    return [when for (when,) in rows]


def _until(condition, process: subprocess.Popen, site: Site, name: str, timeout: float = 90):
    """Wait, while the worker runs, until `condition()` holds (a failure after `timeout`)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            raise AssertionError(f"{name}: {condition.__doc__}\n{site.log(name)}")
        time.sleep(0.1)


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(site):
    site, inbox = site
    addresses = site.import_members(200)

    # 1. Killed before the 60th invitation is accepted, and a worker started again at once (a
    # service manager restarts it): what the killed worker held goes out when its lease runs
    # out, through the delivery the new worker queues for that moment. Every member gets one.
    first = site.worker("killed-1", INDAGINE_SEND_LEASE_SECONDS=LEASE_OF_THE_KILLED)
    inbox.on_data = _kill_at(first, 60, accepted=False)
    inbox.on_data.inbox = inbox
    assert _wait(first, site, "killed-1") == -signal.SIGKILL
    assert len(inbox.messages) == 59
    assert site.statuses("invite") == {"sent": 59, "sending": 41, "queued": 100}
    inbox.on_data = None
    again = site.worker("again-1", burst=False)

    def later_delivery_queued():
        """a delivery queued for when the killed worker's lease runs out"""
        return bool(_deliveries_for_later(site))

    _until(later_delivery_queued, again, site, "again-1")
    (held_until,) = site.sql("SELECT MIN(lease_until) FROM panel_message WHERE status = 'sending'")
    assert _deliveries_for_later(site) == [held_until[0]]
    assert site.statuses("invite") == {"sent": 159, "sending": 41}
    assert set(inbox.by_recipient().values()) == {1}
    _lease_runs_out(site)
    site.sql(
        f"UPDATE django_tasks_database_dbtaskresult SET run_after = '{LONG_AGO}' "
        "WHERE status = 'READY' AND task_path LIKE '%deliver' AND run_after < '9000-01-01'"
    )

    def all_sent():
        """every invitation sent"""
        return site.statuses("invite") == {"sent": 200}

    _until(all_sent, again, site, "again-1")
    again.send_signal(signal.SIGTERM)
    assert _wait(again, site, "again-1") == 0, site.log("again-1")
    assert inbox.by_recipient() == {a: 1 for a in addresses}
    assert _deliveries_for_later(site) == []

    # 2. Killed after the server accepted the 60th reminder but before the worker could record
    # it. That message is sent again: SMTP cannot tell a lost "250" from a lost message. The
    # copy carries the same Message-ID (kind, round, member, survey), so mail clients show it
    # once; every other member gets exactly one reminder.
    inbox.messages.clear()
    inbox.envelopes.clear()
    inbox.data_commands = 0
    assert "200 reminder(s) queued" in site.django(AGE_AND_REMIND)
    second = site.worker("killed-2", INDAGINE_SEND_LEASE_SECONDS=LEASE_OF_THE_KILLED)
    inbox.on_data = _kill_at(second, 60, accepted=True)
    inbox.on_data.inbox = inbox
    assert _wait(second, site, "killed-2") == -signal.SIGKILL
    assert site.statuses("remind") == {"sent": 59, "sending": 41, "queued": 100}
    inbox.on_data = None
    _lease_runs_out(site)
    again = site.worker("again-2")
    assert _wait(again, site, "again-2") == 0, site.log("again-2")
    received = inbox.by_recipient()
    assert set(received) == set(addresses)
    doubled = [a for a, n in received.items() if n > 1]
    assert len(doubled) == 1 and received[doubled[0]] == 2
    assert len(inbox.by_message_id()) == 200  # by Message-ID: each reminder exactly once
    assert site.statuses("remind") == {"sent": 200}
