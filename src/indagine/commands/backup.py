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

This module registers both commands and writes a backup; `backup_restore` reads one and
restores it, and `backup_archive` holds what the two share: the format's names, the
refusals' codes and the helpers both use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sqlite3
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from indagine.commands import EXIT_ERRORS, EXIT_OK, uploads_store
from indagine.commands.backup_archive import (
    DATABASE_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    KEY_MEMBER,
    MANIFEST,
    UPLOADS,
    _database_errors,
    _holds,
    _migrations,
    _pg_client,
    _run_pg,
    _setup_django,
    _sha256,
    _sqlite_tables,
    key_fingerprint,
)
from indagine.commands.backup_archive import BackupCode as BackupCode  # tests import the codes here
from indagine.commands.backup_archive import Outcome as Outcome
from indagine.commands.backup_restore import restore_backup
from indagine.site.config import data_dir, secret_key
from indagine.web.refusals import Refused


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
