"""Wiping what SQLite keeps of deleted rows, so that what was deleted is gone from the disk too.

`PRAGMA secure_delete=ON` (site/settings.py) zeroes a deleted row's bytes in the database's
pages. But in WAL mode every page written since the last checkpoint is also in the write-ahead
log (`indagine.sqlite3-wal`), once for each time it was written: the partial row an anonymous
response was filled in, its key hash beside its answers, stays there after the row is deleted,
until the log is checkpointed and overwritten. `wipe_log` checkpoints the log into the database
(where secure_delete has zeroed the row) and truncates it to nothing, right after the
anonymising step's transaction commits (`wipe_after_commit`), and after members' personal data
is erased (panel).

A TRUNCATE checkpoint waits until no reader uses the log, and while it waits it holds off every
writer. So it waits at most WAIT_MS: a respondent's request is not held up behind a long export,
nor other respondents' pages behind it. When readers are still there, the `wipe` task (run by
`indagine worker`) tries again at once, then every RETRY_AFTER until it succeeds: the bytes are
gone as soon as no reader holds the log for WAIT_MS, i.e. within the longest read (an export,
the results) plus RETRY_AFTER. Without a worker, the next anonymous completion tries again, and
SQLite removes the log when the last connection closes (the server stops).

PostgreSQL keeps deleted rows in the table's file and in its own write-ahead log (pg_wal),
neither of which this can reach: docs/anonymity.md says what is kept there.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

WAIT_MS = 100
RETRY_AFTER = dt.timedelta(seconds=10)


def wipe_after_commit() -> None:
    """Wipe the log once the current transaction commits (at once outside one)."""
    transaction.on_commit(wipe_or_retry_later)


def wipe_log(wait_ms: int = WAIT_MS) -> bool:
    """Checkpoint SQLite's write-ahead log and truncate it, waiting at most `wait_ms` for
    readers and writers. True when the log is empty (or there is none to wipe: PostgreSQL, an
    in-memory database); False when readers kept it, and nothing was truncated."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (patience,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cursor.fetchone()
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(patience)}")
    return not busy


def wipe_or_retry_later() -> None:
    """Wipe the log now, or have a worker try again (`wipe`) if readers keep it."""
    if not wipe_log():
        logger.info("write-ahead log busy: its wiping is left to the worker")
        retry_later(timezone.now())


@task()
def wipe() -> bool:
    """wipe_log as a background task: tried again every RETRY_AFTER until it succeeds."""
    done = wipe_log()
    if not done:
        retry_later(timezone.now() + RETRY_AFTER)
    return done


def retry_later(when: dt.datetime) -> None:
    """Queue `wipe` for `when`, unless one is queued already (one wipe empties the whole log)."""
    if not DBTaskResult.objects.filter(task_path=wipe.module_path, status="READY").exists():
        wipe.using(run_after=when).enqueue()
