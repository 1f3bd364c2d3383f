"""`indagine restore FILE`: a backup read as a stream, each part checked before the next (the
manifest, the key file, the database against its checksum, the uploads, and gzip's checksum over
the whole file), into a target checked empty and of the backup's vendor; only then is each part
put in place. A refusal before that changes nothing.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from indagine.commands import uploads_store
from indagine.commands.backup_archive import (
    CHUNK,
    DATABASE_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    KEY_MEMBER,
    MANIFEST,
    UPLOADS,
    BackupCode,
    Outcome,
    _copy_hashing,
    _damaged_if_unreadable,
    _database_errors,
    _drain,
    _holds,
    _next,
    _pg_client,
    _run_pg,
    _setup_django,
    _sqlite_tables,
    key_fingerprint,
)
from indagine.site.config import data_dir, secret_key
from indagine.web.refusals import Refused


@dataclass
class Target:
    """Where a restore writes: the data folder, and the database (a file, or PostgreSQL's)."""

    folder: Path
    vendor: str
    database: Path | None  # SQLite's file; None for PostgreSQL
    store: Any | None = None  # the uploads' bucket; None: the data folder's uploads/

    @property
    def uploads(self) -> Path:
        return self.folder / UPLOADS


def restore_backup(path: Path) -> Outcome:
    """Check the backup and the target, stage every part and verify it, then put each in place:
    the database (SQLite: renamed into place; PostgreSQL: pg_restore in one transaction), the
    uploads, the key file. A refusal before that changes nothing."""
    with _open(path) as gz, _open_tar(gz, path) as tar, _database_errors(BackupCode.RESTORE_FAILED):
        manifest = _read_manifest(tar, path)
        backup_key = _read_key(tar) if manifest["secret_key"]["included"] else None
        key = secret_key()  # before Django: the key the server will read, if any
        _setup_django(key[0] if key else backup_key)
        target = _target()
        _check_vendor(manifest, target)
        _check_migrations(manifest)
        _check_empty(target)
        notes = _check_key(manifest, target, key, backup_key)
        if target.vendor == "postgresql":
            _check_pg_restore(manifest)
        created = not target.folder.exists()
        try:
            notes += _restore_parts(tar, gz, manifest, target, backup_key)
        except BaseException as error:
            if created:
                with contextlib.suppress(OSError):
                    target.folder.rmdir()  # made by this restore, and empty again
            if isinstance(error, OSError):  # a folder it may not write in, a full disk
                raise Refused(
                    BackupCode.RESTORE_FAILED,
                    f"cannot write {error.filename or target.folder}: {error.strerror or error}",
                ) from error
            raise
    return Outcome(manifest, _holds(manifest), notes)


def _restore_parts(
    tar: tarfile.TarFile,
    gz: gzip.GzipFile,
    manifest: dict[str, Any],
    target: Target,
    backup_key: str | None,
) -> list[str]:
    """Stage the database and the uploads beside where they go, then put them in place."""
    with contextlib.ExitStack() as stack:
        staging = stack.enter_context(_staging_dir(target.folder))
        near_db = staging
        if target.database is not None and target.database.parent != target.folder:
            near_db = stack.enter_context(_staging_dir(target.database.parent))
        database = _stage(tar, gz, manifest, near_db, staging)
        return _put_in_place(target, database, staging, backup_key)


@contextlib.contextmanager
def _open(path: Path) -> Iterator[gzip.GzipFile]:
    try:
        gz = gzip.open(path, "rb")  # noqa: SIM115 - closed by the `with` below
    except OSError as error:
        raise Refused(BackupCode.NOT_A_BACKUP, f"cannot read {path}: {error.strerror}") from error
    with gz:
        yield gz


def _open_tar(gz: gzip.GzipFile, path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(fileobj=gz, mode="r|")  # a stream: each part read once, in order
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise Refused(
            BackupCode.NOT_A_BACKUP, f"{path} is not an indagine backup (not a .tar.gz)"
        ) from error


def _read_manifest(tar: tarfile.TarFile, path: Path) -> dict[str, Any]:
    """The first member, which says what the file is; refused if it says otherwise."""
    not_one = Refused(BackupCode.NOT_A_BACKUP, f"{path} is not an indagine backup (no manifest)")
    try:
        first = tar.next()
        if first is None or first.name != MANIFEST or not first.isfile() or first.size > CHUNK:
            raise not_one
        handle = tar.extractfile(first)
        manifest = json.loads(handle.read()) if handle else None
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as error:
        raise not_one from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise not_one
    if manifest.get("format_version") != FORMAT_VERSION:
        raise Refused(
            BackupCode.TOO_NEW,
            f"backup format {manifest.get('format_version')} (indagine "
            f"{manifest.get('indagine')}); this indagine reads format {FORMAT_VERSION}: upgrade",
        )
    if not _well_formed(manifest):
        raise Refused(BackupCode.DAMAGED, f"{path}: its manifest lacks what a restore reads")
    return manifest


def _well_formed(manifest: dict[str, Any]) -> bool:
    """Whether the manifest holds each field a restore reads, of its type (one edited by hand,
    or cut short, is refused with a code rather than failing with a traceback)."""
    database, key, migrations = (manifest.get(k) for k in ("database", "secret_key", "migrations"))
    return (
        isinstance(database, dict)
        and database.get("vendor") in DATABASE_MEMBER
        and all(isinstance(database.get(k), str) for k in ("member", "made_by", "sha256"))
        and isinstance(key, dict)
        and isinstance(key.get("included"), bool)
        and isinstance(key.get("fingerprint"), str | None)
        and isinstance(migrations, dict)
        and all(isinstance(names, list) for names in migrations.values())
        and all(isinstance(manifest.get(k), str) for k in ("indagine", "created"))
        and isinstance(manifest.get("uploads"), int)
    )


def _read_key(tar: tarfile.TarFile) -> str:
    member = _next(tar)
    handle = tar.extractfile(member) if member.name == KEY_MEMBER else None
    if handle is None:
        raise Refused(BackupCode.DAMAGED, f"the manifest names a {KEY_MEMBER}, the file has none")
    return _damaged_if_unreadable(lambda: handle.read().decode().strip())


def _target() -> Target:
    from django.db import connection

    database = Path(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else None
    return Target(data_dir(), connection.vendor, database, uploads_store.in_store())


def _check_vendor(manifest: dict[str, Any], target: Target) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != target.vendor:
        setting = "set DATABASE_URL to" if vendor == "postgresql" else "unset DATABASE_URL for"
        raise Refused(
            BackupCode.WRONG_VENDOR,
            f"a backup of a {vendor} database cannot be restored into {target.vendor}: "
            f"{setting} a {vendor} database",
        )


def _check_migrations(manifest: dict[str, Any]) -> None:
    """Refuse a database migrated further than this code knows: it would serve a schema it
    does not understand. An older one is brought up to date by `indagine serve`."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(f"{app}.{name}" for app, name in applied - known)
    if unknown:
        raise Refused(
            BackupCode.TOO_NEW,
            f"the backup's database has migrations this indagine ({metadata.version('indagine')}) "
            f"does not know ({', '.join(unknown[:3])}): restore it with indagine "
            f"{manifest.get('indagine')} or later",
        )


def _check_empty(target: Target) -> None:
    from django.db import connection

    if target.database is not None:
        tables = sorted(_sqlite_tables(target.database, BackupCode.NOT_EMPTY))
        where = str(target.database)
    else:
        tables = sorted(connection.introspection.table_names())
        where = f"the PostgreSQL database {connection.settings_dict['NAME']}"
    if tables:
        raise Refused(
            BackupCode.NOT_EMPTY,
            f"{where} has {len(tables)} table(s) ({', '.join(tables[:3])}): a backup is restored "
            "into an empty database only",
        )
    if target.store is not None:
        uploads_store.check_empty(target.store, BackupCode.NOT_EMPTY, BackupCode.RESTORE_FAILED)
    elif target.uploads.is_dir() and any(target.uploads.iterdir()):
        raise Refused(
            BackupCode.NOT_EMPTY, f"{target.uploads} holds files: restore into an empty one"
        )


def _check_key(
    manifest: dict[str, Any], target: Target, key: tuple[str, str] | None, backup_key: str | None
) -> list[str]:
    """The key signs every personal link sent: the backup's must come back with the data.
    Refuse to replace a different key file; say when the key in use will not verify them."""
    file = target.folder / KEY_MEMBER
    if backup_key is not None and file.exists() and file.read_text().strip() != backup_key:
        raise Refused(
            BackupCode.KEY_DIFFERS,
            f"{file} holds another key than the backup's, which signed the personal links "
            "already sent: move it aside, then restore again",
        )
    fingerprint = manifest["secret_key"]["fingerprint"]
    in_use = key[0] if key else backup_key  # after the restore: the setting, else the file
    if fingerprint is None or (in_use is not None and key_fingerprint(in_use) == fingerprint):
        return []
    if key is not None and key[1] == "INDAGINE_SECRET_KEY":
        kept = f" (the backup's is in {file}, read once it is unset)" if backup_key else ""
        return [
            "INDAGINE_SECRET_KEY is not the backup's key: personal and unsubscribe links "
            f"signed with the backup's key will not verify{kept}"
        ]
    return [
        "the data folder's key is not the backup's, and the backup holds no key file (its "
        "server read INDAGINE_SECRET_KEY): set INDAGINE_SECRET_KEY to that key before serving, "
        "or personal links will not verify"
        if key is not None
        else "the backup holds no key file (its server read INDAGINE_SECRET_KEY): set "
        "INDAGINE_SECRET_KEY to that key before serving, or personal links will not verify"
    ]


def _check_pg_restore(manifest: dict[str, Any]) -> None:
    _tool, client = _pg_client("pg_restore", BackupCode.RESTORE_PG_CLIENT)
    made_by = manifest["database"]["made_by"]
    dumped = int(re.findall(r"\d+", made_by)[0])
    if client < dumped:
        raise Refused(
            BackupCode.RESTORE_PG_CLIENT,
            f"pg_restore {client} cannot read what {made_by} wrote: install "
            f"postgresql-client-{dumped}",
        )


@contextlib.contextmanager
def _staging_dir(parent: Path) -> Iterator[Path]:
    """A private folder beside where the parts go (a rename there is atomic), removed after."""
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".indagine-restore-", dir=parent) as path:
        yield Path(path)


def _stage(
    tar: tarfile.TarFile, gz: gzip.GzipFile, manifest: dict[str, Any], near_db: Path, staging: Path
) -> Path:
    """Read the rest of the backup into the staging folders, checking the database's checksum
    and, by reading the gzip stream to its end, its checksum over the whole file."""
    expected = manifest["database"]
    member = _next(tar)
    if member.name != expected["member"] or not member.isfile():
        raise Refused(BackupCode.DAMAGED, f"expected {expected['member']}, found {member.name}")
    database = near_db / Path(member.name).name
    handle = tar.extractfile(member)
    assert handle is not None  # a regular file's
    digest = _damaged_if_unreadable(lambda: _copy_hashing(handle, database))
    if digest != expected["sha256"]:
        raise Refused(BackupCode.DAMAGED, f"{member.name} does not match its checksum")
    while (member := _next(tar, end_ok=True)) is not None:
        if not (member.name == UPLOADS or member.name.startswith(f"{UPLOADS}/")):
            raise Refused(BackupCode.DAMAGED, f"an unexpected part: {member.name}")
        # the "data" filter refuses links and paths that lead out of the folder
        _damaged_if_unreadable(lambda m=member: tar.extract(m, staging, filter="data"))
    _damaged_if_unreadable(lambda: _drain(gz))
    return database


def _put_in_place(
    target: Target, database: Path, staging: Path, backup_key: str | None
) -> list[str]:
    notes = []
    if target.database is not None:
        _check_sqlite(database)
    # A bucket's files are written before the database goes in place, and deleted again if it
    # fails: a refusal leaves the prefix empty. (The folder's are renamed in after it, below.)
    with uploads_store.written_back(target.store, staging / UPLOADS, BackupCode.RESTORE_FAILED):
        if target.database is not None:
            for leftover in ("-wal", "-shm"):  # an empty database's: never replayed onto it
                Path(f"{target.database}{leftover}").unlink(missing_ok=True)
            os.replace(database, target.database)
        else:
            _restore_postgresql(database)
    if target.store is None and (staging / UPLOADS).is_dir():
        with contextlib.suppress(FileNotFoundError):
            target.uploads.rmdir()  # empty: checked before
        os.replace(staging / UPLOADS, target.uploads)
    cache = target.folder / "snapshots"
    if cache.is_dir():
        shutil.rmtree(cache)
        notes.append(f"removed {cache}: a cache of another database's answers")
    file = target.folder / KEY_MEMBER
    if backup_key is not None and not file.exists():
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(backup_key)
    return notes


def _check_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchall()
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise Refused(BackupCode.DAMAGED, f"the database does not open: {error}") from error
    finally:
        connection.close()
    if verdict != [("ok",)] or broken:
        problem = verdict[0][0] if verdict != [("ok",)] else f"{len(broken)} broken reference(s)"
        raise Refused(BackupCode.DAMAGED, f"the database fails SQLite's checks: {problem}")


def _restore_postgresql(dump: Path) -> None:
    """pg_restore in one transaction, stopping at the first error: all of it, or nothing. The
    tables belong to the user indagine connects as, whoever owned them where the dump was made."""
    from django.db import connection

    options = ["--single-transaction", "--exit-on-error", "--no-owner", "--no-acl"]
    # pg_restore writes into the database its --dbname names (without one it prints SQL), and
    # Django's client puts the database's name last: after --dbname, it is that option's value
    _run_pg("pg_restore", [*options, str(dump), "--dbname"], BackupCode.RESTORE_FAILED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, which a dump does not carry
