"""Dashboard benchmark: the results snapshot and the dashboard at 1,000,000 stored responses,
through the path a server runs (a fresh process, the database, Django's view).

    .venv/bin/python benchmarks/dashboard.py [--rows 1000000] [--seed 1] [--postgres]
                                             [--keep DIR] [--src PATH]

1. A fresh data folder (SQLite; with --postgres a throwaway database on 127.0.0.1:5432, created
   and dropped here) set up as `indagine init` does, then `--rows` complete responses to the
   built-in survey stored fast by SQL (executemany; COPY on PostgreSQL): answers drawn column by
   column with a fixed seed (`report.synthetic_answers`: skip logic, multiple choices, open
   text), completion times spread over 30 days, plus 2% partial responses.
2. "spread", in a fresh process: the snapshot built from the database with no Parquet on disk
   (`results.services.snapshot`, what the dashboard's first request runs), its wall time, CPU
   time and the process's peak RSS (ru_maxrss, so numpy's and polars' buffers count); then
   requests through Django's test Client to the dashboard URL: the first (findings from
   scratch), warm ones with nothing new, and warm ones after 1,000 and 10,000 arrivals.
3. "restart": a fresh process with the Parquet on disk: its first request.
4. "together": 900,000 of the responses given one completion stamp (as an anonymous survey's
   day stamp, or a CSV import, leaves them), the survey made anonymous; a fresh process builds
   the snapshot, then warm requests with nothing new and after 1,000 arrivals (random ids,
   day-stamped, as anonymous completions are stored).

`--src PATH` runs the measuring processes on another source tree (the committed code:
`git worktree add /tmp/base HEAD`, then `--src /tmp/base/src`), so one script measures both.
Each phase prints wall seconds with CPU seconds beside them: the machine these figures come
from has 2 cores that other people's test runs were using at the same time (load average 3 to
6), so wall times carry their share of that contention; CPU times less so.

Recorded 2026-12-05, SQLite, 1,000,000 responses, each code on a freshly filled folder (load
average about 2: other test runs shared the cores). Wall s / CPU s / peak RSS MB of the process
(200 MB of it is Django, numpy and polars loaded before anything is read):

| phase    | step                                  | baseline (de0a662)  | this code         |
|----------|---------------------------------------|---------------------|-------------------|
| spread   | snapshot built from the database      | 14.07 / 17.65 / 1391| 7.75 / 10.04 / 593|
| spread   | first request (findings from scratch) | 16.44 / 16.46 / 1391| 4.42 / 4.46 / 948 |
| spread   | warm request, nothing new             | 14.27 / 13.03       | 0.22 / 0.22       |
| spread   | warm request after 1,000 arrivals     | 20.05 / 15.74 / 1442| 1.73 / 1.76 / 948 |
| spread   | warm request after 10,000 arrivals    | 15.93 / 16.01 / 1483| 2.07 / 1.91 / 948 |
| restart  | first request, Parquet on disk        | 27.53 / 16.39 / 1223| 4.76 / 5.00 / 859 |
| together | snapshot built from the database      | 13.05 / 15.75 / 1404| 7.72 / 10.28 / 634|
| together | warm request, nothing new             | 19.09 / 18.53       | 0.23 / 0.23       |
| together | warm request after 1,000 arrivals     | 18.77 / 21.59 / 1559| 1.81 / 1.82 / 972 |

Against #14's targets: a warm request with nothing new is 0.22 s (was 13-19 s, most of it the
ORM reading a million datetimes for the days and durations); after arrivals it is 1.7-2.1 s,
of which the snapshot's update is 0.44-0.55 s and matplotlib redrawing the charts whose numbers
moved about 1 s (a cProfile of one such request: 13 charts, 72% of its time), so the 1 s target
is not met yet. The build from the database is 7.7 s (target 3 s) with a peak 393 MB above the
imports (593 MB in all; target 500 MB).

Recorded 2026-12-06, SQLite, 1,000,000 responses in one kept folder, charts drawn to the
precision they show (shares to half a point, Likert counts left to their table, running totals
to three figures: `charts.canvas`), against the committed code (`--src`) on the same folder; a
clean-checkout test run shared the cores throughout (load average 3 to 4), so CPU seconds are
the figures to compare. Wall s / CPU s:

| step                               | committed (220ae22) | this code, two runs      |
|------------------------------------|---------------------|--------------------------|
| warm request after 1,000 arrivals  | 2.85 / 2.07         | 0.99 / 0.99, 1.58 / 0.89 |
| warm request after 10,000 arrivals | 3.03 / 2.16         | 1.27 / 1.25, 1.91 / 1.32 |

A cProfile of a request after 10,000 arrivals (1.8 s wall under that load): the snapshot's
update 1.03 s (the four-number mark of the ids 0.41 s and the complete ids 0.38 s, both read by
SQLite over the million rows; the new rows appended 0.22 s), the findings 0.16 s, the one chart
whose numbers moved (responses over time) 0.20 s. After 1,000 arrivals no chart is drawn again.
The 1 s target is met after 1,000 arrivals by CPU, not yet after 10,000: what is left is the
database's reading of a million ids.

Recorded 2026-12-07, SQLite, 1,000,000 responses in one kept folder, nothing else running (load
average under 1), the committed code (44b84d3, `--src`) then this one, on the same folder. Each
look at the database reads the complete ids once (0.15 s) and compares their digest, where it
ran an aggregate of sums over the index (0.2 s) and then, when anything had changed, read the
ids as well; the build decodes each batch in a thread while the next is read, single choices
straight into their Enum, SQLite's times parsed by Arrow, and Parquet written by polars. Wall s
/ CPU s / snapshot s / peak RSS MB:

| phase | step | committed (44b84d3) | this code |
|---|---|---|---|
| spread | snapshot built from the database | 7.64 / 9.66 / - / 647 | 5.85 / 8.95 / - / 649 |
| spread | warm request, nothing new | 0.25 / 0.25 / 0.17 | 0.23 / 0.23 / 0.14 |
| spread | warm request after 1,000 arrivals | 0.68 / 0.69 / 0.35 | 0.48 / 0.49 / 0.23 |
| spread | warm request after 10,000 arrivals | 0.95 / 0.98 / 0.43 | 0.62 / 0.65 / 0.29 |
| restart | first request, Parquet on disk | 4.11 / 4.32 / 0.70 | 4.08 / 4.28 / 0.58 |
| together | snapshot built from the database | 7.28 / 9.61 / - / 650 | 6.22 / 9.63 / - / 652 |
| together | warm request after 1,000 arrivals | 0.65 / 0.64 / 0.41 | 0.50 / 0.51 / 0.25 |

A warm request is now under 1 s after 1,000 and 10,000 arrivals, with margin under a test run's
load too (the committed code's 0.98 s here was 1.25-1.32 s under that load). After 100,000
arrivals between two requests (1,300,000 held) it took 1.8-2.4 s: bringing in the new rows is
proportional to them (decoding 100,000 JSON lines and reading them, 1.1-1.2 s once new ids are
read 10,000 a query): the target "whatever the rate of arrival" holds for bursts of about
10,000 between two looks, not of 100,000. The build's 3 s is out of reach while answers are
stored as JSON text: decoding the million lines alone (polars'
`read_ndjson`, both cores) takes 2.4-2.75 s of wall time and 4.2 s of CPU (pyarrow's JSON reader
the same), and SQLite's reading them 1.4-1.75 s of CPU, so the two cores need 3 s for those two
steps before anything is shaped or saved. Of the peak, 235 MB is the imports; the frame itself
holds about 190 MB resident (its five text columns 124 MB of it: 16-byte string views a row,
null or not), and glibc keeps about 50 MB of the database's joined texts (a fixed mmap threshold
returns them, at 0.7 s more CPU; not taken).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

SLUG = "remote-working-2020"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "indagine_dashboard"
CHUNK = 50_000
TOGETHER = 900_000
PARTIAL_SHARE = 0.02
SPREAD_DAYS = 30
COLUMNS = (
    "survey_id, form_version_id, key_hash, status, answers, language, page, source, "
    "started_at, updated_at, completed_at, orders, test"
)
PHASES = ("spread", "restart", "together")
FILLED = "filled"  # a marker in the data folder: its database holds the responses
# The committed code's figures (--src on a worktree of HEAD), per vendor: (phase, step) ->
# (wall s, CPU s, of which snapshot s, peak RSS MB), as recorded in the docstring (de0a662).
BASELINE: dict[str, dict[tuple[str, str], tuple[float, float, float, float]]] = {
    "SQLite": {
        ("spread", "snapshot built from the database"): (14.07, 17.65, 14.07, 1391),
        ("spread", "first request"): (16.44, 16.46, 0.72, 1391),
        ("spread", "warm request, nothing new"): (14.27, 13.03, 0.64, 1391),
        ("spread", "warm request after 1,000 arrivals"): (20.05, 15.74, 2.94, 1442),
        ("spread", "warm request after 10,000 arrivals"): (15.93, 16.01, 2.2, 1483),
        ("restart", "first request"): (27.53, 16.39, 1.16, 1223),
        ("restart", "warm request, nothing new"): (13.46, 13.18, 0.94, 1223),
        ("restart", "warm request after 1,000 arrivals"): (16.13, 15.87, 2.39, 1463),
        ("together", "snapshot built from the database"): (13.05, 15.75, 13.05, 1404),
        ("together", "first request"): (21.19, 21.9, 11.57, 1404),
        ("together", "warm request, nothing new"): (19.09, 18.53, 12.11, 1404),
        ("together", "warm request after 1,000 arrivals"): (18.77, 21.59, 11.02, 1559),
    }
}
RECORDED: dict[str, dict[str, str]] = {}  # phase/step -> {"before": ..., "after": ...}


# -- the data folder and its database


def _environment(folder: Path, database_url: str | None) -> None:
    os.environ["INDAGINE_DATA_DIR"] = str(folder)
    os.environ.setdefault("INDAGINE_SECRET_KEY", "benchmark-only-" + "x" * 40)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)


def _django(folder: Path, database_url: str | None) -> None:
    _environment(folder, database_url)
    from indagine.commands.setup import setup_django

    setup_django()


def _moment(value: dt.datetime, vendor: str) -> Any:
    """A time as Django stores it: naive UTC text in SQLite, a timestamptz in PostgreSQL."""
    if vendor == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _write(rows: list[tuple[Any, ...]], with_ids: bool) -> None:
    """Rows by COPY (PostgreSQL) or executemany; ids given, or counted by the database."""
    from django.db import connection, transaction

    columns = f"id, {COLUMNS}" if with_ids else COLUMNS
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY collect_response ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if with_ids:  # the id sequence counts on from the largest id stored
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('collect_response', 'id'), "
                    "(SELECT max(id) FROM collect_response WHERE id < 2 ^ 40))"
                )
        else:
            marks = ", ".join(["%s"] * len(columns.split(",")))
            cursor.executemany(f"INSERT INTO collect_response ({columns}) VALUES ({marks})", rows)


def _survey() -> Any:
    from indagine.surveys.models import Survey

    return Survey.objects.select_related("current_version").get(slug=SLUG)


def store(
    count: int,
    seed: int,
    *,
    ids: Iterator[int] | None,
    completed: Callable[[int], dt.datetime],
    started: Callable[[int], dt.datetime],
) -> None:
    """`count` complete responses to the built-in survey, in chunks, by SQL."""
    from django.db import connection

    from report import synthetic_answers  # benchmarks/report.py: the same draws

    survey = _survey()
    vendor = connection.vendor
    for offset in range(0, count, CHUNK):
        n = min(CHUNK, count - offset)
        answers = synthetic_answers(survey.current_version.form, n, seed + offset)
        rows = []
        for i, a in enumerate(answers, start=offset):
            done, begun = completed(i), started(i)
            rows.append(
                (
                    *([next(ids)] if ids is not None else []),
                    survey.pk,
                    survey.current_version_id,
                    None,
                    "complete",
                    json.dumps(a, ensure_ascii=False),
                    "it",
                    6,
                    "web",
                    _moment(begun, vendor),
                    _moment(done, vendor),
                    _moment(done, vendor),
                    "{}",  # no question in random order: no order kept
                    False,  # a member's answer, not a test
                )
            )
        _write(rows, ids is not None)


def store_partial(count: int, seed: int) -> None:
    """Respondents who stopped on some page (with a key), for the drop-off chart."""
    from django.db import connection

    survey = _survey()
    rng = np.random.default_rng(seed)
    now = dt.datetime.now(dt.UTC)
    stamp = _moment(now, connection.vendor)
    rows = [
        (
            survey.pk,
            survey.current_version_id,
            f"{seed:08x}{i:056x}",
            "partial",
            json.dumps({"org_type": "bpo"}),
            "it",
            int(page),
            "web",
            stamp,
            stamp,
            None,
            "{}",
            False,
        )
        for i, page in enumerate(rng.integers(0, 7, count))
    ]
    _write(rows, False)


def fill(folder: Path, database_url: str | None, rows: int, seed: int) -> None:
    """A fresh data folder with `rows` complete responses spread over 30 days (ids 1..rows)."""
    _environment(folder, database_url)
    from indagine.commands.setup import init

    init()
    end = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    step = dt.timedelta(days=SPREAD_DAYS) / rows
    start = end - dt.timedelta(days=SPREAD_DAYS)
    rng = np.random.default_rng(seed)
    minutes = rng.uniform(3, 20, rows)
    store(
        rows,
        seed,
        ids=iter(range(1, rows + 1)),
        completed=lambda i: start + step * i,
        started=lambda i: start + step * i - dt.timedelta(minutes=float(minutes[i])),
    )
    store_partial(int(rows * PARTIAL_SHARE), seed)
    _analyse_tables()


def _analyse_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")


def complete_together(rows: int) -> dt.datetime:
    """The newest TOGETHER responses given one stamp, today's midnight, as an anonymous survey
    stores them, and so every one completed since (the earlier phases' arrivals): the stamp is
    the newest completion, as it is in an anonymous survey. The survey made anonymous."""
    from django.db import connection
    from django.utils import timezone

    survey = _survey()
    day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = _moment(day, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE collect_response SET completed_at = %s, started_at = %s, updated_at = %s "
            "WHERE survey_id = %s AND status = 'complete' AND (id > %s OR completed_at > %s)",
            [stamp, stamp, stamp, survey.pk, rows - min(TOGETHER, rows * 9 // 10), stamp],
        )
        cursor.execute("UPDATE surveys_survey SET anonymous = %s WHERE id = %s", [True, survey.pk])
    _analyse_tables()
    return day


def arrive(count: int, seed: int, anonymous: bool) -> None:
    """`count` responses completed now: precise times and counted ids, or (anonymous) today's
    stamp and random ids, as `collect.services` writes them."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    if anonymous:
        day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        with connection.cursor() as cursor:  # a kept folder's earlier runs drew ids already
            cursor.execute("SELECT count(*) FROM collect_response")
            stored = cursor.fetchone()[0]
        rng = np.random.default_rng([seed, stored])
        drawn = rng.integers(2**40, 2**52, count)
        store(
            count,
            seed,
            ids=iter(int(i) for i in drawn),
            completed=lambda i: day,
            started=lambda i: day,
        )
    else:
        store(
            count,
            seed,
            ids=None,
            completed=lambda i: now,
            started=lambda i: now - dt.timedelta(minutes=9),
        )


# -- measuring, in a process of its own


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SNAPSHOT_SECONDS: list[float] = []


def _count_snapshot_time() -> None:
    """Time spent bringing the snapshot up to date inside requests: the function the views'
    services call for it (`snapshots.held_for` in this code, `_held` or `snapshot` in older
    ones), replaced on the module the services read it from."""
    from indagine.results import services

    if hasattr(services, "snapshots") and hasattr(services.snapshots, "held_for"):
        owner: Any = services.snapshots
        name = "held_for"
    else:
        owner, name = services, "_held" if hasattr(services, "_held") else "snapshot"
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SNAPSHOT_SECONDS.append(time.perf_counter() - start)

    setattr(owner, name, counted)  # called through the module's globals: each call counted


@contextmanager
def timed(out: list[dict[str, Any]], step: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    SNAPSHOT_SECONDS.clear()
    yield
    out.append(
        {
            "step": step,
            "wall": round(time.perf_counter() - wall, 2),
            "cpu": round(time.process_time() - cpu, 2),
            "snapshot": round(sum(SNAPSHOT_SECONDS), 2),
            "peak_mb": round(peak_mb()),
        }
    )
    print(f"    {step}: {out[-1]['wall']} s", file=sys.stderr, flush=True)


def _client() -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # 'testserver' among the allowed hosts, nothing else changed
    client = Client()
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    return client


def _get(client: Any, url: str) -> None:
    reply = client.get(url)
    if reply.status_code != 200:
        raise SystemExit(f"{url}: HTTP {reply.status_code}")


def _warm(out: list[dict[str, Any]], client: Any, step: str, url: str, times: int = 3) -> None:
    """The median of `times` requests, as one step."""
    runs: list[dict[str, Any]] = []
    for i in range(times):
        with timed(runs, f"{step} #{i + 1}"):
            _get(client, url)
    out.append(
        {
            "step": step,
            "wall": statistics.median(r["wall"] for r in runs),
            "cpu": statistics.median(r["cpu"] for r in runs),
            "snapshot": statistics.median(r["snapshot"] for r in runs),
            "peak_mb": runs[-1]["peak_mb"],
        }
    )


def measure(folder: Path, database_url: str | None, phase: str, rows: int, seed: int) -> None:
    """One phase, in this (fresh) process: one JSON line per step on stdout."""
    _django(folder, database_url)
    import polars  # noqa: F401 - loaded before, so the peak shows what the work adds

    from indagine.results import services

    out: list[dict[str, Any]] = [
        {"step": "before", "wall": 0, "cpu": 0, "snapshot": 0, "peak_mb": round(peak_mb())}
    ]
    url = f"/manage/{SLUG}/results/"
    if phase == "together":
        complete_together(rows)
    if phase in ("spread", "together"):
        shutil.rmtree(folder / "snapshots", ignore_errors=True)
        survey = _survey()
        with timed(out, "snapshot built from the database"):
            snapshot = services.snapshot(survey)
        assert snapshot.n >= rows, snapshot.n
        out[-1]["snapshot"] = out[-1]["wall"]
    _count_snapshot_time()
    client = _client()
    with timed(out, "first request"):
        _get(client, url)
    _warm(out, client, "warm request, nothing new", url)
    anonymous = phase == "together"
    for count in (1_000, 10_000) if phase == "spread" else (1_000,):
        runs: list[dict[str, Any]] = []
        for i in range(2):
            arrive(count, seed + 7 * count + i + (100 if anonymous else 0), anonymous)
            with timed(runs, f"warm request, {count:,} new #{i + 1}"):
                _get(client, url)
        out.append({**runs[-1], "step": f"warm request after {count:,} arrivals"})
    for line in out:
        print(json.dumps({"phase": phase, **line}), flush=True)


# -- the run


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def database(args: argparse.Namespace, folder: Path) -> Iterator[str | None]:
    """The database's URL (None: SQLite in the folder). A PostgreSQL database is created for
    a fresh folder and dropped at the end unless the folder is kept."""
    if not args.postgres:
        yield None
        return
    name = PG_NAME + "_" + "".join(c if c.isalnum() else "_" for c in folder.name).lower()
    if not (folder / FILLED).exists():
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        if not args.keep or args.drop:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child(args: argparse.Namespace, folder: Path, url: str | None, *extra: str) -> str:
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join([args.src, str(Path(__file__).parent)])
    command = [sys.executable, __file__, "--rows", str(args.rows), "--seed", str(args.seed)]
    command += ["--keep", str(folder), *(["--database-url", url] if url else []), *extra]
    return subprocess.run(command, check=True, env=env, stdout=subprocess.PIPE, text=True).stdout


def run_all(args: argparse.Namespace, folder: Path, url: str | None) -> list[dict[str, Any]]:
    if not (folder / FILLED).exists():
        start = time.perf_counter()
        _child(args, folder, url, "--fill")
        (folder / FILLED).touch()
        print(f"filled in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    results = []
    for phase in [p for p in args.phases.split(",") if p]:
        print(f"  {phase}…", file=sys.stderr)
        output = _child(args, folder, url, "--measure", phase)
        results += [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--keep", help="the data folder to use and keep (filled if new)")
    parser.add_argument("--drop", action="store_true", help="drop the kept PostgreSQL database")
    parser.add_argument("--phases", default=",".join(PHASES), help="in this order, after a fill")
    parser.add_argument("--src", help="measure this source tree (e.g. the committed code)")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # internal
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)  # internal
    parser.add_argument("--measure", choices=PHASES, help=argparse.SUPPRESS)  # internal
    args = parser.parse_args()
    if args.fill:
        fill(Path(args.keep), args.database_url, args.rows, args.seed)
        return 0
    if args.measure:
        measure(Path(args.keep), args.database_url, args.measure, args.rows, args.seed)
        return 0
    folder = Path(args.keep or tempfile.mkdtemp(prefix="indagine-dashboard-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with database(args, folder) as url:
            results = run_all(args, folder, url) if not args.drop else []
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    vendor = "PostgreSQL" if args.postgres else "SQLite"
    if args.keep:  # a kept folder gathers every run's figures
        with (folder / "results.jsonl").open("a") as log:
            log.writelines(json.dumps({"src": args.src, **r}) + "\n" for r in results)
    print(f"\n{args.rows:,} responses, {vendor}, code from {args.src or 'this tree'}")
    print("(beside each figure, in brackets: the committed code's, recorded below BASELINE)\n")
    print("| phase | step | wall (s) | CPU (s) | of which snapshot (s) | peak RSS (MB) |")
    print("|---|---|---:|---:|---:|---:|")
    recorded = BASELINE.get(vendor, {}) if not args.src else {}
    for r in results:
        was = recorded.get((r["phase"], r["step"]))
        wall, cpu, snap, peak = (f" [{v}]" if was else "" for v in (was or (0, 0, 0, 0)))
        print(
            f"| {r['phase']} | {r['step']} | {r['wall']}{wall} | {r['cpu']}{cpu} "
            f"| {r['snapshot']}{snap} | {r['peak_mb']:.0f}{peak} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
