"""`indagine backup` and `indagine restore`, run as people run them: a production server on a data
folder of its own (and, on the PostgreSQL pass, a database of its own), each command a process.

A backup made while a respondent answers restores one moment of the database: every table as it
stood between two of that respondent's requests, at a moment after the command started and before
it ended. A backup made at rest restores every table as it is, the uploaded files byte for byte
and the key file, under which the personal links sent before open the survey on a server started
on the restored folder. Each refusal is one line with its code and exit 1, and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.server import (
    BUILTIN_FILE,
    SLUG,
    ProductionServer,
    postgres_base_url,
    production_server,
    server_env,
    throwaway_database,
)
from indagine.commands.backup import BackupCode
from indagine.forms.loader import load_form

pytestmark = pytest.mark.slow

KEY_FIELD = re.compile(r'name="_key" value="([^"]+)"')
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Nothing listens on port 9 (discard): a restore must refuse another vendor before connecting.
UNREACHABLE_POSTGRES = "postgres://indagine@127.0.0.1:9/nothing"

# One complete set of answers to the built-in survey, page by page.
AGREE = ("change", "digital_better", "digital_training", "no_return", "productivity")
AGREE += ("objectives", "compensation", "augmented")
EFFECTS = ("balance", "continuity", "quality", "costs", "commuting", "realestate", "cohesion")
PLAN: list[dict[str, str | list[str]]] = [
    {"org_type": "inhouse", "role": "cc_head", "cc_size": "50_249", "sector": "telco"},
    {"remote": "most", "remote_share": "60", "remote_days": "5", "remote_tools": ["vpn", "cloud"]},
    {f"agree_{name}": "4" for name in AGREE},
    {"digital_use": "increased", "digital_channels": ["chat", "email"]},
    {f"effect_{name}": "significant" for name in EFFECTS},
    {"solutions": ["cloud_cc", "chatbot"]},
    {"testimony": "", "quote_ok": "yes"},
]
MEMBERS = (
    "email,name,organisation,language\n"
    "anna@example.org,Anna Rossi,Acme,it\n"
    "bruno@example.org,Bruno Bianchi,Beta,en\n"
)
# What the uploads folder holds: names with spaces and accents, nested folders, an empty file,
# and random bytes (incompressible) larger than the command's 1 MiB read size.
UPLOADS = {
    "uploads/logo.png": random.Random(14).randbytes(1_500_000),
    "uploads/2026/03/verbale è 1.txt": "Il verbale dell'assemblea è approvato.\n".encode(),
    "uploads/2026/03/empty.csv": b"",
}


# The command, and what it says


def indagine(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`indagine ARGS` in a process of its own, as a person (or cron) runs it."""
    return subprocess.run(
        [sys.executable, "-m", "indagine.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def succeeded(done: subprocess.CompletedProcess, says: str) -> None:
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(says), done.stdout
    assert "Traceback" not in done.stderr, done.stderr


def refused(done: subprocess.CompletedProcess, code: BackupCode) -> None:
    """Exit 1, nothing on stdout, one line on stderr: `error CODE: what to do`."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error {code}: "), done.stderr


# Every table of a database, read as it stands


Tables = dict[str, list[tuple]]


def _rows(cursor: Any, table: str) -> list[tuple]:
    rows = cursor.execute(f'SELECT * FROM "{table}"').fetchall()
    plain = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]
    return sorted(plain, key=repr)


@contextmanager
def reader(folder: Path, url: str | None) -> Iterator[Callable[..., Tables]]:
    """`read()`: every table of the data folder's database (or PostgreSQL's at `url`), all read
    in one transaction; `read(sequences=True)` adds PostgreSQL's sequences as one more table."""
    if url:
        import psycopg

        connection: Any = psycopg.connect(url)
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ

        def read(sequences: bool = False) -> Tables:
            try:
                names = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                found = {name: _rows(connection, name) for (name,) in connection.execute(names)}
                if sequences:
                    found["(sequences)"] = connection.execute(
                        "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"
                    ).fetchall()
                return found
            finally:
                connection.rollback()

    else:
        connection = sqlite3.connect(folder / "indagine.sqlite3", isolation_level=None)

        def read(sequences: bool = False) -> Tables:
            connection.execute("BEGIN")
            try:
                names = "SELECT name FROM sqlite_master WHERE type = 'table'"
                return {name: _rows(connection, name) for (name,) in connection.execute(names)}
            finally:
                connection.execute("COMMIT")

    try:
        yield read
    finally:
        connection.close()


def fingerprint(tables: Tables) -> dict[str, str]:
    return {name: hashlib.sha256(repr(rows).encode()).hexdigest() for name, rows in tables.items()}


def model_tables() -> set[str]:
    """The table of every installed model (and of its many-to-many links), and Django's record
    of migrations: each must be among the tables compared, or a comparison proves nothing."""
    from django.apps import apps

    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    } | {"django_migrations"}


def differing(left: Tables, right: Tables) -> list[str]:
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path there: the whole folder, byte for byte."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def untouched(folder: Path, url: str | None) -> tuple[dict[str, bytes] | None, Tables | None]:
    """What a refused command must leave as it was: the folder's files (None: no folder) and
    the tables of the database (on PostgreSQL)."""
    tables = None
    if url:
        with reader(folder, url) as read:
            tables = read()
    return (files(folder) if folder.exists() else None), tables


def nothing(url: str | None) -> tuple[None, Tables | None]:
    """`untouched` of a folder never made and an empty database."""
    return None, ({} if url else None)


# The source: a server serving the built-in survey, with members, uploads and a results cache


@pytest.fixture(scope="module")
def form():
    source = resources.files("indagine.library").joinpath(BUILTIN_FILE).read_bytes()
    return load_form(source, BUILTIN_FILE).form


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Iterator[ProductionServer]:
    folder = tmp_path_factory.mktemp("source") / "data"
    with production_server(folder, "indagine_backup_source", workers=1, threads=2) as server:
        members = folder.parent / "members.csv"
        members.write_text(MEMBERS)
        done = indagine(server.env, "panel", "import", SLUG, str(members))
        succeeded(done, f"{SLUG}: {MEMBERS.count('@')} member(s) added")
        for name, content in UPLOADS.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
        (folder / "snapshots").mkdir()
        (folder / "snapshots" / "results.parquet").write_bytes(b"a cache, rebuilt on demand")
        yield server


@pytest.fixture(scope="module")
def links(source) -> list[tuple[str, str]]:
    """Each member's personal token and unsubscribe token, made as the invitation emails make
    them (panel/mail.py), under the source's key."""
    code = (
        "import json\n"
        "from indagine.panel.models import Invitation\n"
        "from indagine.panel.tokens import member_token, unsubscribe_token\n"
        "print(json.dumps([[member_token(i.member_id, i.nonce), unsubscribe_token(i.member_id)]"
        " for i in Invitation.objects.order_by('pk')]))\n"
    )
    made = [tuple(pair) for pair in json.loads(source.django(code))]
    assert len(made) == MEMBERS.count("@")
    return made


@pytest.fixture(scope="module")
def quiet_backup(source, tmp_path_factory) -> Path:
    """A backup of the source at rest: the respondent's test is over, and nothing else writes."""
    path = tmp_path_factory.mktemp("backups") / "indagine.tar.gz"
    succeeded(
        indagine(source.env, "backup", "-o", str(path)), f"indagine: backup written to {path}"
    )
    return path


@pytest.fixture(scope="module")
def empty_database() -> Iterator[str | None]:
    """A PostgreSQL database with no tables, for the refusals (None on the SQLite pass): each
    refusal must leave it so."""
    with throwaway_database("indagine_restore_refused") as url:
        yield url


# A respondent writing while the backup is made


class Respondent(threading.Thread):
    """Respondents one after another, each through every page of the survey, one request at a
    time: nothing else writes to the server's database, so between two requests it holds one
    state, which the end of each request records (every table's fingerprint). A copy made
    meanwhile holds one of these states, or is not a consistent one."""

    def __init__(self, server: ProductionServer, form: Any) -> None:
        super().__init__(daemon=True)
        self.server, self.form = server, form
        self.read: Callable[[], Tables] = dict  # the database's reader, opened in this thread
        self.states: list[dict[str, str]] = []
        self.completed = 0
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self._progress = threading.Condition()

    def run(self) -> None:
        folder, url = self.server.data_dir, self.server.database_url
        try:
            with reader(folder, url) as read, httpx.Client(timeout=30) as client:
                self.read = read
                self._record()
                while not self.stop.is_set():
                    self._answer(client)
        except BaseException as failure:  # the test reads it and fails
            self.failure = failure
            with self._progress:
                self._progress.notify_all()

    def wait_for(self, states: int) -> int:
        """Wait until `states` states are recorded (a deadline, not a pace); how many are."""
        with self._progress:
            self._progress.wait_for(
                lambda: len(self.states) >= states or self.failure is not None, timeout=120
            )
        assert self.failure is None, self.failure
        assert len(self.states) >= states, "the respondent stalled"
        return len(self.states)

    def _record(self) -> None:
        state = fingerprint(self.read())
        with self._progress:
            self.states.append(state)
            self._progress.notify_all()

    def _answer(self, client: httpx.Client) -> None:
        url = self.server.survey_url
        client.cookies.clear()
        first = client.get(url)
        assert first.status_code == 200, first.text[:300]
        self._record()
        fields = {
            "csrfmiddlewaretoken": TOKEN_FIELD.search(first.text)[1],
            "_key": KEY_FIELD.search(first.text)[1],
            "_action": "next",
            "_lang": "it",
        }
        for index, page in enumerate(self.form.pages):
            if self.stop.is_set():
                return
            shown = " ".join(q.name for q in page.questions)
            data = {**fields, "_page": str(index), "_shown": shown, **PLAN[index]}
            reply = client.post(url, data=data)
            assert reply.status_code == 302, (index, reply.status_code, reply.text[:300])
            self._record()
        self.completed += 1


def test_a_backup_made_while_a_respondent_answers_restores_one_moment_of_every_table(
    source, form, tmp_path
):
    busy = tmp_path / "busy.tar.gz"
    writer = Respondent(source, form)
    writer.start()
    try:
        writer.wait_for(6)  # into the stream of pages
        launched = len(writer.states)
        made = indagine(source.env, "backup", "-o", str(busy))
        finished = len(writer.states)
        writer.wait_for(finished + 3)  # and the respondent went on after it
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert writer.failure is None, writer.failure
    succeeded(made, f"indagine: backup written to {busy}")

    with throwaway_database("indagine_restore_busy") as url:
        folder = tmp_path / "restored"
        succeeded(
            indagine(server_env(folder, url), "restore", str(busy)), f"indagine: restored {busy}"
        )
        with reader(folder, url) as read:
            copy = read()
    assert model_tables() <= copy.keys(), model_tables() - copy.keys()
    moments = [i for i, state in enumerate(writer.states) if state == fingerprint(copy)]
    # Between `launched - 1` (the state when the command started, or the request in flight
    # then) and `finished` (the request in flight when it ended, recorded just after).
    print(
        f"{writer.completed} respondents, {len(writer.states)} states, "
        f"the command ran over states {launched - 1} to {finished}, the copy is state {moments}"
    )
    near = writer.states[min(finished, len(writer.states) - 1)]
    assert moments, "the copy is no state the database held; it differs from the state at " + (
        f"the command's end in {[t for t in near if near[t] != fingerprint(copy).get(t)]}"
    )
    assert any(launched - 1 <= moment <= finished for moment in moments), moments


def test_a_backup_at_rest_restores_every_table_the_uploads_and_the_key(
    source, links, quiet_backup, tmp_path
):
    with reader(source.data_dir, source.database_url) as read:
        before = read(sequences=True)
    with throwaway_database("indagine_restore_quiet") as url:
        folder = tmp_path / "restored"
        done = indagine(server_env(folder, url), "restore", str(quiet_backup))
        succeeded(done, f"indagine: restored {quiet_backup}")
        assert "the secret key, 3 uploaded file(s)" in done.stdout
        with reader(folder, url) as read:
            after = read(sequences=True)
        assert model_tables() <= after.keys(), model_tables() - after.keys()
        assert differing(before, after) == []

        restored = files(folder)
        expected = {"secret_key", *UPLOADS} | (set() if url else {"indagine.sqlite3"})
        assert set(restored) == expected  # no results cache, no write lock
        assert all(restored[name] == content for name, content in UPLOADS.items())
        assert restored["secret_key"] == (source.data_dir / "secret_key").read_bytes()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600

        # A server on the restored folder opens the links sent before the backup.
        server = ProductionServer(folder, url, workers=1, threads=2).start()
        try:
            with httpx.Client(base_url=server.base, timeout=30) as client:
                for token, unsubscribe in links:
                    entered = client.get(f"/s/{SLUG}/t/{token}/")
                    assert entered.status_code == 302, entered.text[:300]
                    assert entered.headers["location"].startswith(f"/s/{SLUG}/")
                    assert client.get(f"/u/{unsubscribe}/").status_code == 200
                forged = client.get(f"/s/{SLUG}/t/{links[0][0][::-1]}/")
                assert forged.status_code == 404 and "TOKEN_UNKNOWN" in forged.text
        finally:
            server.stop()


def test_restore_refuses_a_database_that_is_not_empty(source, quiet_backup):
    """Into the running source itself: its tables, uploads and key stay as they are."""
    with reader(source.data_dir, source.database_url) as read:
        before = read(sequences=True)
        kept = files(source.data_dir / "uploads"), (source.data_dir / "secret_key").read_bytes()
        refused(indagine(source.env, "restore", str(quiet_backup)), BackupCode.NOT_EMPTY)
        assert differing(before, read(sequences=True)) == []
    now = files(source.data_dir / "uploads"), (source.data_dir / "secret_key").read_bytes()
    assert now == kept


def test_restore_refuses_a_folder_holding_uploads(quiet_backup, empty_database, tmp_path):
    """An empty database, but uploaded files already there: not an empty target either."""
    folder = tmp_path / "data"
    (folder / "uploads").mkdir(parents=True)
    (folder / "uploads" / "someone's.pdf").write_bytes(b"%PDF-1.7")
    before = untouched(folder, empty_database)
    done = indagine(server_env(folder, empty_database), "restore", str(quiet_backup))
    refused(done, BackupCode.NOT_EMPTY)
    assert untouched(folder, empty_database) == before


def test_restore_refuses_a_file_that_is_not_a_backup(empty_database, tmp_path):
    text = tmp_path / "members.csv"
    text.write_text(MEMBERS)
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(text, arcname="members.csv")
    folder = tmp_path / "data"
    for path in (text, archive, tmp_path / "missing.tar.gz"):
        done = indagine(server_env(folder, empty_database), "restore", str(path))
        refused(done, BackupCode.NOT_A_BACKUP)
        assert untouched(folder, empty_database) == nothing(empty_database)


def damaged_copies(backup: Path, folder: Path) -> dict[str, Path]:
    """The backup cut short in its uploads (after the database), a byte changed in its
    database, and its gzip checksum changed (read only at the very end)."""
    data = backup.read_bytes()
    variants = {
        "truncated": data[: len(data) * 3 // 5],
        "changed": data[:5000] + bytes([data[5000] ^ 0xFF]) + data[5001:],
        "checksum": data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:],
    }
    for name, content in variants.items():
        (folder / f"{name}.tar.gz").write_bytes(content)
    return {name: folder / f"{name}.tar.gz" for name in variants}


def test_restore_refuses_a_damaged_backup_and_leaves_the_target_empty(
    quiet_backup, empty_database, tmp_path
):
    folder = tmp_path / "data"
    for name, path in damaged_copies(quiet_backup, tmp_path).items():
        done = indagine(server_env(folder, empty_database), "restore", str(path))
        refused(done, BackupCode.DAMAGED)
        assert untouched(folder, empty_database) == nothing(empty_database), name


def test_restore_refuses_another_vendor_before_connecting(quiet_backup, tmp_path):
    """A PostgreSQL backup into SQLite; a SQLite one into PostgreSQL (a server that is not
    even there: the refusal comes first)."""
    other = None if postgres_base_url() else UNREACHABLE_POSTGRES
    folder = tmp_path / "data"
    refused(
        indagine(server_env(folder, other), "restore", str(quiet_backup)),
        BackupCode.WRONG_VENDOR,
    )
    assert not folder.exists()


def test_restore_refuses_a_folder_holding_another_key(quiet_backup, empty_database, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "secret_key").write_text("another key " * 6)
    before = untouched(folder, empty_database)
    done = indagine(server_env(folder, empty_database), "restore", str(quiet_backup))
    refused(done, BackupCode.KEY_DIFFERS)
    assert untouched(folder, empty_database) == before


def test_backup_refuses_a_folder_never_set_up(empty_database, tmp_path):
    folder, output = tmp_path / "data", tmp_path / "out" / "indagine.tar.gz"
    output.parent.mkdir()
    done = indagine(server_env(folder, empty_database), "backup", "-o", str(output))
    refused(done, BackupCode.NO_DATABASE)
    assert untouched(folder, empty_database) == nothing(empty_database)
    assert list(output.parent.iterdir()) == []  # neither the file nor its work folder
