"""`indagine backup` and `indagine restore` for uploads kept in a bucket
(`INDAGINE_UPLOADS_S3_BUCKET`) rather than in the data folder: listed, read and written back
through Django's storage API alone (listdir, open, get_modified_time, save, delete), so the
backup's `uploads/` holds the same names and bytes as for the folder. A backup of either store
restores into either.

A file is read whole before its entry goes into the archive (django-storages holds it in memory
up to 1 MiB, then in a temporary file: never all the uploads in memory), so one deleted since it
was listed is left out cleanly rather than cutting the archive short.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from indagine.site.config import setting
from indagine.web.refusals import Code, Refused

UPLOADS = "uploads"  # the archive's folder, as for the data folder's files (commands.backup)


def in_store() -> Any | None:
    """The uploads' storage when it is not the data folder's (whose files a backup reads from
    the folder itself, as it always has); None when it is."""
    from django.core.files.storage import FileSystemStorage, storages

    uploads = storages["uploads"]
    return None if isinstance(uploads, FileSystemStorage) else uploads


def where() -> str:
    """The store in words, for messages: s3://bucket/prefix/."""
    prefix = setting("INDAGINE_UPLOADS_S3_PREFIX").strip("/")
    return f"s3://{setting('INDAGINE_UPLOADS_S3_BUCKET')}/{prefix + '/' if prefix else ''}"


def listing(store: Any, fail: Code, folder: str = "") -> list[str]:
    """Every file's name under `folder` of the store, at any depth, sorted."""
    with _errors(fail, f"cannot list {where()}{folder}"):
        folders, files = store.listdir(folder)
    found = [f"{folder}{name}" for name in files]
    for sub in folders:
        found += listing(store, fail, f"{folder}{sub}/")
    return sorted(found)


def check_empty(store: Any, not_empty: Code, fail: Code) -> None:
    """Refuse a prefix holding anything: a restore never mixes its files with others."""
    with _errors(fail, f"cannot list {where()}"):
        folders, files = store.listdir("")
    if folders or files:
        raise Refused(
            not_empty,
            f"{where()} holds files: restore into an empty prefix (INDAGINE_UPLOADS_S3_PREFIX) "
            "or bucket",
        )


def add_to_archive(tar: tarfile.TarFile, store: Any, names: Sequence[str], fail: Code) -> list[str]:
    """Each file into the archive as `uploads/NAME`, mode 600; notes of those gone meanwhile."""
    notes = []
    for name in names:
        with _errors(fail, f"cannot read {where()}{name}"):
            try:
                with store.open(name, "rb") as handle:
                    # django-storages fetches the object at this first touch: a file gone since
                    # the listing is found here, before its header is in the archive
                    handle.seek(0, io.SEEK_END)
                    info = tarfile.TarInfo(f"{UPLOADS}/{name}")
                    info.size, info.mode = handle.tell(), 0o600
                    info.mtime = int(store.get_modified_time(name).timestamp())
                    handle.seek(0)
                    tar.addfile(info, handle)
            except Exception as error:
                if not _gone(error):
                    raise
                notes.append(f"{where()}{name} was deleted while the backup was written: left out")
    return notes


@contextlib.contextmanager
def written_back(store: Any | None, folder: Path, fail: Code) -> Iterator[None]:
    """Write the restored files of `folder` into the store (nothing when there is no store),
    then run the block, which puts the database in place. Should either fail, the files written
    are deleted again: the prefix is empty once more, as the refusal says."""
    from django.core.files import File

    if store is None or not folder.is_dir():
        yield
        return
    written: list[str] = []
    try:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            with _errors(fail, f"cannot write {where()}{name}"), path.open("rb") as handle:
                saved = store.save(name, File(handle))
            written.append(saved)
            if saved != name:  # another process wrote there since the check that it was empty
                raise Refused(fail, f"{where()}{name} appeared during the restore: restore again")
        yield
    except BaseException:
        for name in written:
            with contextlib.suppress(Exception):
                store.delete(name)
        raise


def _gone(error: Exception) -> bool:
    """Whether `error` says the file is not there (the data folder's, or S3's 404)."""
    if isinstance(error, FileNotFoundError):
        return True
    reply = getattr(error, "response", None)
    status = reply.get("ResponseMetadata", {}).get("HTTPStatusCode") if reply else None
    return status == 404


@contextlib.contextmanager
def _errors(fail: Code, doing: str) -> Iterator[None]:
    """A store that cannot be reached or refuses (its keys, its bucket): one line, its reason."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:  # not OSError: the archive's disk says its own
        raise Refused(fail, f"{doing}: {error}") from error
