"""A survey's complete responses read from the database column by column, for the results'
snapshot.

Through the DB-API cursor rather than the ORM, and a batch at a time joined by the database
itself: each batch comes as four texts (ids, completion times, durations, and the answers'
JSON one line per response), not as ten thousand rows of Python objects with Django's datetime
converters; polars and numpy parse them. What changed since a snapshot is found by the set
difference of ids, never by an order of completion, which an anonymous survey does not keep
(random ids, times of the day only).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from indagine.analysis.frame import COMPLETED_AT
from indagine.collect.models import Response

IdArray = npt.NDArray[np.int64]
BATCH = 10_000
"""Rows read and decoded at a time: about 8 MB of JSON text, so that memory stays near the
frame's (50,000 at a time: 150 MB more at the peak of a million rows, and no faster)."""
LISTED = 10_000
"""Ids per `IN (...)` list: below SQLite's 32,766 parameters and PostgreSQL's 65,535, and as
many as a batch read by ranges holds (2,000 a list made 100,000 new rows cost a fifth more in
the fixed cost of each query and decoding)."""


@dataclass(frozen=True)
class Mark:
    """Which complete responses there are: how many, and a digest of their ids sorted. Equal
    marks mean the same set of ids (up to a collision of BLAKE2b's 128 bits); a cache keyed by
    the mark is never served for another set of responses."""

    count: int
    digest: str

    @classmethod
    def of(cls, ids: IdArray) -> Mark:
        """The mark of sorted ids (8 ms at a million)."""
        ordered = np.ascontiguousarray(ids, dtype=np.int64)
        digest = hashlib.blake2b(ordered.tobytes(), digest_size=16).hexdigest()
        return cls(int(ordered.size), digest)


@dataclass(frozen=True)
class Batch:
    """Some complete responses as columns: ids, completion times (UTC), seconds from the first
    page to the last (null where not known), and the answers as JSON lines (JSON text holds no
    raw newline: one line a response), all in the same order."""

    ids: IdArray
    completed_at: pl.Series
    seconds: pl.Series
    lines: bytes


def _where(tests: bool) -> str:
    """The survey's complete responses, test responses among them only when `tests`."""
    table = connection.ops.quote_name(Response._meta.db_table)
    counted = "" if tests else " AND test = %s"
    return f"FROM {table} WHERE survey_id = %s AND status = %s{counted}"


def _params(survey_id: int, tests: bool) -> list[object]:
    params: list[object] = [survey_id, str(Response.Status.COMPLETE)]
    return params if tests else [*params, False]


def complete_ids(survey_id: int, tests: bool = False) -> IdArray:
    """The ids of the survey's complete responses, sorted: joined into one text by the
    database over the (survey, status, test, id) index, parsed by numpy (0.15 s at a million
    rows: less than the index's aggregates of sums this replaced, and then the ids are at
    hand for what changed, instead of a second pass over the index)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_joined(_ID[connection.vendor], _COMMA)} {_where(tests)}",
            _params(survey_id, tests),
        )
        text = cursor.fetchone()[0]
    return np.sort(_ids(text))


def every_batch(survey_id: int, tests: bool = False) -> Iterator[Batch]:
    """All the survey's complete responses, BATCH at a time, by ranges of ids (random in an
    anonymous survey): each batch one short query on the index, so nothing is held open."""
    after = -1
    while True:
        rows = f"{_where(tests)} AND id > %s ORDER BY id LIMIT %s"
        batch = _read(rows, [*_params(survey_id, tests), after, BATCH])
        if batch is None:
            return
        yield batch
        after = int(batch.ids.max())


def batches_of(survey_id: int, ids: IdArray, tests: bool = False) -> Iterator[Batch]:
    """The survey's complete responses with these ids (those still complete), in batches."""
    for start in range(0, ids.size, LISTED):
        listed = [int(i) for i in ids[start : start + LISTED]]
        marks = ", ".join(["%s"] * len(listed))
        batch = _read(f"{_where(tests)} AND id IN ({marks})", [*_params(survey_id, tests), *listed])
        if batch is not None:
            yield batch


# Per vendor: a row's id, completion time (epoch microseconds, or Django's text), the
# completion's start (seconds spent, or the start's text) and answers, each as text; SQLite's
# times selected as expressions escape the converters Django registers for datetime columns.
_ID = {"postgresql": "id::text", "sqlite": "id"}
_DONE = {
    "postgresql": "(EXTRACT(EPOCH FROM completed_at) * 1000000)::bigint::text",
    "sqlite": "CAST(completed_at AS TEXT)",
}
_SPENT = {
    "postgresql": "EXTRACT(EPOCH FROM completed_at - started_at)::text",
    "sqlite": "CAST(started_at AS TEXT)",
}
_ANSWERS = {"postgresql": "answers::text", "sqlite": "answers"}
_COMMA = "','"
_NEWLINE = {"postgresql": "E'\\n'", "sqlite": "char(10)"}


def _read(rows: str, params: Sequence[object]) -> Batch | None:
    """One batch: the rows `rows` selects (what follows SELECT's columns), each column joined
    into one text in one pass over them, so that the four stay aligned row by row."""
    vendor = connection.vendor
    done = _joined(f"coalesce({_DONE[vendor]}, '')", _COMMA)
    spent = _joined(f"coalesce({_SPENT[vendor]}, '')", _COMMA)
    lines = _joined(f"coalesce({_ANSWERS[vendor]}, '{{}}')", _NEWLINE[vendor])
    if vendor != "postgresql":
        lines = f"CAST({lines} AS BLOB)"  # bytes for polars: not decoded, not encoded again
    sql = (
        f"SELECT {_joined(_ID[vendor], _COMMA)}, {done}, {spent}, {lines} "
        f"FROM (SELECT id, completed_at, started_at, answers {rows}) AS picked"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        ids_text, done_text, spent_text, joined = cursor.fetchone()
    if not ids_text:
        return None
    ids = _ids(ids_text)
    if vendor == "postgresql":
        completed_at = _split(done_text).cast(pl.Int64).cast(pl.Datetime("us"))
        completed_at = completed_at.dt.replace_time_zone("UTC")
        seconds = _split(spent_text).cast(pl.Float64)
    else:
        completed_at = _sqlite_times(done_text)
        seconds = (completed_at - _sqlite_times(spent_text)).dt.total_microseconds() / 1e6
    data = joined.encode() if isinstance(joined, str) else bytes(joined)
    return Batch(ids, completed_at.alias(COMPLETED_AT), seconds.cast(pl.Float64), data)


def _joined(expression: str, separator: str) -> str:
    """The values of `expression` joined into one text (`separator`: an SQL literal)."""
    function = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return f"{function}({expression}, {separator})"


def _ids(text: str | None) -> IdArray:
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _split(text: str) -> pl.Series:
    """A joined column back into values, empty ones (NULL in the database) as nulls."""
    parts = pl.Series([text]).str.split(",").explode()
    return pl.select(pl.when(parts != "").then(parts)).to_series()


def _sqlite_times(text: str) -> pl.Series:
    """Django's texts of UTC times in SQLite ('2026-11-06 22:59:03.015262') as times, parsed by
    Arrow's ISO 8601 cast: a tenth of the CPU of polars' `str.to_datetime` (0.85 s of a million
    rows' build)."""
    parsed = pc.cast(_split(text).to_arrow().cast(pa.string()), pa.timestamp("us"))
    return pl.Series(parsed).dt.replace_time_zone("UTC")
