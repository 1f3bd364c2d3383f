"""`indagine backup -o FILE` and `indagine restore FILE`: a running server's data in one file,
and back into an empty data folder or database.

A backup is a gzip'd tar, read in this order (a restore checks each part before the next):

    manifest.json                what it holds: format, indagine's version, the database's vendor,
                                 Django's migrations per app, when it was made
    secret_key                   the data folder's key file, when the server reads its key there
    database/indagine.sqlite3    SQLite's online backup of the live database, or
    database/indagine.pgdump     pg_dump --format=custom of the PostgreSQL database
    uploads/...                  files stored through Django's storage: the data folder's
                                 uploads/, or every object under the S3 bucket's prefix

Not in it: snapshots/ (the results' Parquet cache, rebuilt from the database on demand) and
write.lock. A backup restores onto the vendor it was made from only: SQLite to SQLite,
PostgreSQL to PostgreSQL (docs/backup.md says why).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from indagine.commands import EXIT_ERRORS, EXIT_OK, uploads_store
from indagine.site.config import data_dir, secret_key
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


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `backup` and `restore` to the command's subparsers."""
    backup = commands.add_parser(
        "backup", help="write the database, the secret key and uploads to one file, while serving"
    )
    backup.add_argument("-o", "--output", required=True, help="the backup file (.tar.gz)")
    backup.set_defaults(run=back_up)
    restore = commands.add_parser(
        "restore", help="load a backup into an empty data folder or database"
    )
    restore.add_argument("file")
    restore.set_defaults(run=restore_from)


def back_up(args: argparse.Namespace) -> int:
    """Write the backup; one line saying what it holds, or one line with the refusal's code."""
    try:
        made = write_backup(Path(args.output))
    except Refused as refused:
        print(f"error {refused}", file=sys.stderr)
        return EXIT_ERRORS
    for note in made.notes:
        print(f"indagine: {note}", file=sys.stderr)
    size = Path(args.output).stat().st_size
    print(f"indagine: backup written to {args.output} ({size / 1e6:.1f} MB): {made.holds}")
    return EXIT_OK


def restore_from(args: argparse.Namespace) -> int:
    """Restore the backup; refused whole (nothing changed) with one line and its code."""
    try:
        done = restore_backup(Path(args.file))
    except Refused as refused:
        print(f"error {refused}", file=sys.stderr)
        return EXIT_ERRORS
    for note in done.notes:
        print(f"indagine: {note}", file=sys.stderr)
    made = done.manifest
    print(
        f"indagine: restored {args.file} (made {made['created']} by indagine "
        f"{made['indagine']}): {done.holds}"
    )
    return EXIT_OK


@dataclass
class Outcome:
    """What a backup or a restore did: its manifest, what it holds in words, notes to say."""

    manifest: dict[str, Any]
    holds: str
    notes: list[str] = field(default_factory=list)


# Backing up


@dataclass(frozen=True)
class DatabaseCopy:
    path: Path
    vendor: str
    migrations: dict[str, list[str]]
    tool: str  # what made it, with its version: "sqlite 3.40.1", "pg_dump 15.20"


def write_backup(output: Path) -> Outcome:
    """Copy the live database consistently, then write it, the key file and the uploads to
    `output` (mode 600: it holds what the data folder holds); `output` appears whole or not."""
    key = secret_key()  # before Django: whether the key lives in the data folder
    _setup_django(key[0] if key else None)
    with _database_errors(BackupCode.FAILED):
        return _write_backup(output, key)


def _write_backup(output: Path, key: tuple[str, str] | None) -> Outcome:
    from django.db import connection

    if connection.vendor not in DATABASE_MEMBER:
        raise Refused(
            BackupCode.UNSUPPORTED_DATABASE,
            f"a {connection.vendor} database: backups handle SQLite and PostgreSQL",
        )
    folder, notes = data_dir(), []
    key_file = folder / KEY_MEMBER if key and key[1] != "INDAGINE_SECRET_KEY" else None
    if key is None:
        notes.append(
            "no secret key here (neither INDAGINE_SECRET_KEY nor the data folder's file): the "
            "backup holds none, and personal links need the server's key after a restore"
        )
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".indagine-backup-", dir=output.parent) as work:
            copy = _copy_database(Path(work))
            # Uploads are listed after the database is copied: Django's storage writes a file
            # before the row naming it commits, so every file the copy names is listed whole.
            store = uploads_store.in_store()
            uploads: Sequence[Path | str] = (
                sorted(p for p in (folder / UPLOADS).rglob("*") if p.is_file())
                if store is None
                else uploads_store.listing(store, BackupCode.FAILED)
            )
            manifest = _manifest(copy, key, key_file is not None, uploads)
            notes += _write_archive(output, manifest, copy, key_file, uploads, folder, store)
    except OSError as error:
        raise Refused(BackupCode.FAILED, f"cannot write {output}: {error.strerror}") from error
    return Outcome(manifest, _holds(manifest), notes)


def _copy_database(work: Path) -> DatabaseCopy:
    from django.db import connection

    from indagine.surveys.models import Survey

    if connection.vendor == "sqlite":
        return _copy_sqlite(Path(connection.settings_dict["NAME"]), work, Survey._meta.db_table)
    if Survey._meta.db_table not in connection.introspection.table_names():
        raise Refused(
            BackupCode.NO_DATABASE,
            "the PostgreSQL database has no indagine tables: nothing to back up",
        )
    return _dump_postgresql(work)


def _copy_sqlite(live: Path, work: Path, marker_table: str) -> DatabaseCopy:
    """SQLite's online backup API, in one step: one read transaction copies every page, so the
    copy is the database as one moment saw it. In WAL mode (the server's) writers go on
    meanwhile; whatever they commit after that moment is not in the copy.

    The live file is opened by its path, as the server opens it, and only read. Not as a
    read-only URI (`file:...?mode=ro`): a data folder whose path holds `#`, `?` or `%` is
    another file there, and a read-only connection to a WAL database no server has open
    creates the -wal and -shm files and cannot remove them (the server's last connection
    does that), leaving them behind; a connection that may write removes them on close."""
    tables = _sqlite_tables(live, BackupCode.NO_DATABASE)
    if marker_table not in tables:
        raise Refused(BackupCode.NO_DATABASE, f"no indagine database at {live}: nothing to back up")
    copy = work / "indagine.sqlite3"
    source = sqlite3.connect(live, timeout=20)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # pages=-1: all at once, in one read transaction
        # the copy carries the source's WAL mode in its header; a single file travels better
        target.execute("PRAGMA journal_mode=DELETE")
        migrations = _migrations(target.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.Error as error:  # locked past the timeout, a disk error, a full disk
        raise Refused(BackupCode.FAILED, f"cannot copy {live}: {error}") from error
    finally:
        target.close()
        source.close()
    return DatabaseCopy(copy, "sqlite", migrations, f"sqlite {sqlite3.sqlite_version}")


def _dump_postgresql(work: Path) -> DatabaseCopy:
    """pg_dump of a snapshot this transaction exports: the migrations recorded here and the
    dump read the database as of the same moment, while the server keeps writing."""
    from django.db import connection

    tool, client = _pg_client("pg_dump", BackupCode.PG_CLIENT)
    server = connection.pg_version // 10000
    if client < server:
        raise Refused(
            BackupCode.PG_CLIENT,
            f"pg_dump {client} cannot dump a PostgreSQL {server} server: install "
            f"postgresql-client-{server}",
        )
    dump = work / "indagine.pgdump"
    with connection.cursor() as cursor:
        # Django's connection is in autocommit mode: this transaction is ours alone
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            cursor.execute("SELECT app, name FROM django_migrations")
            migrations = _migrations(cursor.fetchall())
            # --compress=0: the archive's gzip compresses the whole once
            options = ["--format=custom", "--compress=0", f"--snapshot={snapshot}"]
            _run_pg("pg_dump", [*options, f"--file={dump}"], BackupCode.FAILED)
        finally:
            cursor.execute("ROLLBACK")
    return DatabaseCopy(dump, "postgresql", migrations, tool)


def _manifest(
    copy: DatabaseCopy,
    key: tuple[str, str] | None,
    key_included: bool,
    uploads: Sequence[Path | str],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "indagine": metadata.version("indagine"),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "database": {
            "vendor": copy.vendor,
            "member": DATABASE_MEMBER[copy.vendor],
            "made_by": copy.tool,
            "bytes": copy.path.stat().st_size,
            "sha256": _sha256(copy.path),
        },
        "migrations": copy.migrations,
        "secret_key": {
            "included": key_included,
            "fingerprint": key_fingerprint(key[0]) if key else None,
        },
        "uploads": len(uploads),
    }


def _write_archive(
    output: Path,
    manifest: dict[str, Any],
    copy: DatabaseCopy,
    key_file: Path | None,
    uploads: Sequence[Path | str],
    folder: Path,
    store: Any | None = None,
) -> list[str]:
    """Write the archive beside `output`, then rename it into place. The uploads are the data
    folder's files, or the names of the files in `store` (read through it)."""
    partial = output.with_name(f".{output.name}.partial")
    notes = []
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            # level 6, not tarfile's 9: a third of the time for a file 2 % larger
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = (
                    len(data),
                    int(dt.datetime.now().timestamp()),
                    0o600,
                )
                tar.addfile(info, io.BytesIO(data))
                if key_file is not None:
                    tar.add(key_file, arcname=KEY_MEMBER)
                tar.add(copy.path, arcname=DATABASE_MEMBER[copy.vendor])
                if store is not None:
                    names = [str(name) for name in uploads]
                    notes += uploads_store.add_to_archive(tar, store, names, BackupCode.FAILED)
                else:
                    for path in map(Path, uploads):
                        try:
                            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
                        except FileNotFoundError:  # deleted since it was listed
                            notes.append(
                                f"{path} was deleted while the backup was written: left out"
                            )
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return notes


# Restoring


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
def _database_errors(code: BackupCode) -> Iterator[None]:
    """A database that cannot be reached (or fails a statement): one line, not a traceback."""
    from django.db import Error

    try:
        yield
    except Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Refused(code, f"the database: {first}") from error


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


# Shared by both


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


def _sqlite_tables(path: Path, code: BackupCode) -> set[str]:
    """The tables of the SQLite database at `path`, read without creating the file (opened by
    its path, as `_copy_sqlite` says why); a file that is not a database refused with `code`."""
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
