"""What `indagine backup` and `indagine restore` share: the archive's format (its members' names
and version), the refusals' codes, the outcome each reports, and the helpers both use: Django
set up without what a first run does, the key's fingerprint, a SQLite file's tables, the
PostgreSQL client tools, and the archive's stream read part by part, a truncated or corrupted
file refused as damaged.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import hmac
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from indagine.site.config import secret_key
from indagine.web.refusals import Code, Refused

FORMAT, FORMAT_VERSION = "indagine-backup", 1
MANIFEST, KEY_MEMBER = "manifest.json", "secret_key"
DATABASE_MEMBER = {"sqlite": "database/indagine.sqlite3", "postgresql": "database/indagine.pgdump"}
# The folder under the data folder where uploaded files are stored through Django's storage:
# issue #15's storage keeps them there. Backed up whenever it exists, so this format need not
# change when it arrives.
UPLOADS = "uploads"
CHUNK = 1 << 20


class BackupCode(Code):
    NO_DATABASE = "BACKUP_NO_DATABASE"
    UNSUPPORTED_DATABASE = "BACKUP_UNSUPPORTED_DATABASE"
    PG_CLIENT = "BACKUP_PG_CLIENT"
    FAILED = "BACKUP_FAILED"
    NOT_A_BACKUP = "RESTORE_NOT_A_BACKUP"
    DAMAGED = "RESTORE_DAMAGED"
    TOO_NEW = "RESTORE_TOO_NEW"
    WRONG_VENDOR = "RESTORE_WRONG_VENDOR"
    NOT_EMPTY = "RESTORE_NOT_EMPTY"
    KEY_DIFFERS = "RESTORE_KEY_DIFFERS"
    RESTORE_PG_CLIENT = "RESTORE_PG_CLIENT"
    RESTORE_FAILED = "RESTORE_FAILED"


@dataclass
class Outcome:
    """What a backup or a restore did: its manifest, what it holds in words, notes to say."""

    manifest: dict[str, Any]
    holds: str
    notes: list[str] = field(default_factory=list)


def key_fingerprint(key: str) -> str:
    """What a backup records of the key it was made under: enough to tell whether another key
    is the same, nothing that helps to find it (an HMAC under the key)."""
    return hmac.new(key.encode(), b"indagine.backup.key", hashlib.sha256).hexdigest()[:16]


def _setup_django(key: str | None) -> None:
    """Django set up without what a first run does (generate a key, migrate): a backup or a
    restore must not make a new key, which would sign nothing already sent, nor tables in the
    database a restore fills. With no key anywhere yet, this process alone gets one: it signs
    nothing."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indagine.site.settings")
    if not secret_key():
        os.environ["INDAGINE_SECRET_KEY"] = key or secrets.token_urlsafe(50)
    django.setup()


@contextlib.contextmanager
def _database_errors(code: BackupCode) -> Iterator[None]:
    """A database that cannot be reached (or fails a statement): one line, not a traceback."""
    from django.db import Error

    try:
        yield
    except Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Refused(code, f"the database: {first}") from error


def _sqlite_tables(path: Path, code: BackupCode) -> set[str]:
    """The tables of the SQLite database at `path`, read without creating the file (opened by
    its path, as `backup._copy_sqlite` says why); a file that is not a database refused with
    `code`."""
    if not path.exists():
        return set()
    connection = sqlite3.connect(path, timeout=20)
    try:
        return {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    except sqlite3.DatabaseError as error:
        raise Refused(code, f"{path} is not a SQLite database ({error})") from error
    finally:
        connection.close()


def _migrations(rows: Any) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _pg_client(tool: str, code: BackupCode) -> tuple[str, int]:
    """The client tool's version ("pg_dump 15.20") and major version, refused if missing."""
    found = shutil.which(tool)
    version = (
        subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
        if found
        else ""
    )
    match = re.search(r"\)\s+(\d+)(?:\.(\d+))?", version)
    if match is None:
        raise Refused(code, f"{tool} not found: install Debian's postgresql-client")
    return f"{tool} {match[1]}.{match[2] or 0}", int(match[1])


def _run_pg(tool: str, parameters: list[str], code: BackupCode) -> None:
    """Run pg_dump or pg_restore on Django's database, with its connection settings (Django's
    own client, as `dbshell` uses), never waiting for a password at a prompt."""
    from django.db import connection

    args, env = connection.client.settings_to_cmd_args_env(
        connection.settings_dict, ["--no-password", *parameters]
    )
    if args[-1] == "--dbname":  # no name, a service names the database: libpq's default ("")
        args.append("")
    done = subprocess.run(
        [tool, *args[1:]],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise Refused(code, f"{tool} failed: {lines[-1] if lines else f'exit {done.returncode}'}")


def _next(tar: tarfile.TarFile, *, end_ok: bool = False) -> Any:
    member = _damaged_if_unreadable(tar.next)
    if member is None and not end_ok:
        raise Refused(BackupCode.DAMAGED, "the backup ends early")
    return member


def _damaged_if_unreadable(read: Any) -> Any:
    """`read()`, a truncated or corrupted file refused as damaged."""
    try:
        return read()
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeError) as error:
        raise Refused(
            BackupCode.DAMAGED, f"the file is truncated or corrupted ({error})"
        ) from error


def _copy_hashing(source: IO[bytes], path: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _drain(gz: gzip.GzipFile) -> None:
    """Read to the end: gzip checks its CRC there (tar's end marker comes before it)."""
    while gz.read(CHUNK):
        pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _holds(manifest: dict[str, Any]) -> str:
    key = "the secret key" if manifest["secret_key"]["included"] else "no key file"
    return (
        f"the {manifest['database']['vendor']} database, {key}, "
        f"{manifest['uploads']} uploaded file(s)"
    )
