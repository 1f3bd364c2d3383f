"""The production server as people meet it: `indagine serve` (gunicorn) in its own process group.

Shared by the browser tests and the tests of the site (`tests/site`). The server gets a fresh data
folder and, on the PostgreSQL pass (DATABASE_URL set), a throwaway database of its own, so it never
touches the database pytest-django uses.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

SLUG = "remote-working-2020"
BUILTIN_FILE = "remote_working_2020.md"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_base_url() -> str | None:
    """The PostgreSQL URL of this test run, or None on the SQLite pass."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@contextmanager
def throwaway_database(prefix: str, base_url: str | None = None) -> Iterator[str | None]:
    """A fresh PostgreSQL database next to `base_url` (default: DATABASE_URL), dropped after.

    Yields None when there is no PostgreSQL URL (the SQLite pass)."""
    base = base_url or postgres_base_url()
    if base is None:
        yield None
        return
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(data_dir: Path, database_url: str | None, **settings: str) -> dict[str, str]:
    """The environment of a production server: none of the test run's own settings leak in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INDAGINE_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(INDAGINE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **settings)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@dataclass
class StoredResponse:
    key_hash: str
    status: str
    page: int
    answers: dict


@dataclass
class ProductionServer:
    """`indagine serve` on 127.0.0.1; start, stop, SIGKILL the whole process group, restart."""

    data_dir: Path
    database_url: str | None = None
    workers: int = 2
    threads: int = 4
    settings: dict[str, str] = field(default_factory=lambda: {"INDAGINE_SUBMIT_RATE": "off"})
    port: int = field(default_factory=free_port)
    output: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def survey_url(self) -> str:
        return f"{self.base}/s/{SLUG}/"

    @property
    def env(self) -> dict[str, str]:
        return server_env(self.data_dir, self.database_url, **self.settings)

    def start(self, timeout: float = 40) -> ProductionServer:
        argv = [
            sys.executable,
            "-m",
            "indagine.cli",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
        ]
        self.process = subprocess.Popen(
            argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, args=(self.process,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"indagine serve exited:\n{self.log}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"indagine serve did not answer within {timeout} s:\n{self.log}")

    def _drain(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line)

    @property
    def log(self) -> str:
        return "".join(self.output)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no cleanup, no graceful shutdown."""
        self._signal(signal.SIGKILL, wait=10)

    def stop(self) -> None:
        try:
            self._signal(signal.SIGTERM, wait=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def _signal(self, sig: int, wait: float) -> None:
        if self.process is None:
            return
        # SIGKILL goes to the group even when its main process has exited: granian's workers
        # may outlive it, and skipping them leaked processes.
        if sig == signal.SIGKILL or self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        self.process.wait(timeout=wait)
        if sig == signal.SIGKILL:  # the workers too: wait until the group is gone
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)

    def django(self, code: str) -> str:
        """Run Python with Django set up on this server's data (as the `indagine` CLI does)."""
        prelude = "from indagine.cli import _django; _django()\n"
        done = subprocess.run(
            [sys.executable, "-c", prelude + code],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(done.stderr)
        return done.stdout

    def responses(self, slug: str = SLUG) -> list[StoredResponse]:
        """Every stored response of a survey, read straight from the server's database."""
        sql = (
            "SELECT r.key_hash, r.status, r.page, r.answers FROM collect_response r "
            "JOIN surveys_survey s ON s.id = r.survey_id WHERE s.slug = {p} ORDER BY r.id"
        )
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                rows = conn.execute(sql.format(p="%s"), (slug,)).fetchall()
        else:
            conn = sqlite3.connect(self.data_dir / "indagine.sqlite3", timeout=20)
            try:
                rows = conn.execute(sql.format(p="?"), (slug,)).fetchall()
            finally:
                conn.close()
        return [
            StoredResponse(
                key, status, page, answers if isinstance(answers, dict) else json.loads(answers)
            )
            for key, status, page, answers in rows
        ]


@contextmanager
def production_server(data_dir: Path, prefix: str, **options) -> Iterator[ProductionServer]:
    """A started server on a fresh data folder (and a throwaway database on PostgreSQL)."""
    with throwaway_database(prefix) as database_url:
        server = ProductionServer(data_dir, database_url, **options).start()
        try:
            yield server
        finally:
            server.stop()
