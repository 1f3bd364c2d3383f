"""Export benchmark: time and peak memory of each format, beside a baseline's.

    .venv/bin/python benchmarks/exports.py [--rows 200000[,400000...]] [--formats csv,xlsx,...]
                                           [--baseline SRC] [--repeat N] [--keep DIR]

It makes a fresh data folder (SQLite) per row count with `indagine init`, adds 400 synthetic
responses to the built-in survey (checked like web submissions) and 40 partial ones (first page
only), then copies them with INSERT ... SELECT until there are `--rows`. Each format is exported
in a process of its own (`indagine.collect.exports.export`, chunks of 5,000), after an export of
no responses that loads the writer's libraries, so the peak shows what the rows add. It prints
the wall time, the CPU time (user + system), the peak resident memory (getrusage's maxrss) and
the file's size; with `--baseline SRC` the same again for the code in SRC (put first on
PYTHONPATH), e.g. the last commit checked out with `git worktree add /tmp/base-exports HEAD`
and `--baseline /tmp/base-exports/src` (the data folders are filled by this tree's code: the
baseline must read its database and stored forms). `--repeat N` keeps each figure's best of N.

Figures (#14 item 6), measured 2026-12-05 on 2 cores shared with other people's test runs
(load average 2 to 6 while measuring): wall times swing with that load, CPU times (this process's
own) much less, so both are given. Baseline: the commit before this change (openpyxl's
write-only workbook; pyreadstat from one polars frame of every response). Now: rust_xlsxwriter
through rvgsrust-xlsxwriter (constant-memory sheets); readstat-arrow's SavWriter fed from a
spill file. Best of 2 runs each, SQLite, chunks of 5,000.

    200,000 responses    now: wall s  CPU s  peak RSS  |  baseline: wall s  CPU s  peak RSS
    csv                        11.9    9.1    161 MB  |             12.7    8.7    160 MB
    xlsx                       26.4   16.6    198 MB  |             92.7   76.1    161 MB
    sav                        28.4   18.3    262 MB  |             56.9   19.0    277 MB
    parquet                    31.3   15.4    274 MB  |             14.8   11.6    274 MB
    (parquet's writer did not change: its difference is the machine's noise)

    xlsx / csv, CPU: 1.8 (baseline 8.7). Wall: 1.65 in a quieter moment (load 2: csv 9.8 s,
    xlsx 16.2 s, CPU 9.1 and 16.1), up to 2.6 under load (xlsx writes 340 MB of sheet XML
    to temporary files and zips it: with them on tmpfs, under the same load, it took 36-47 s
    instead of 56-76 s, so the disk's contention shows in its wall time).

    sav, peak RSS      50,000    200,000    400,000 responses
    now                264 MB     267 MB     268 MB   flat: one chunk in memory, the rest spilled
    baseline           237 MB     277 MB     334 MB   +0.28 MB per 1,000 responses
    (CPU s: now 3.8, 14.7, 31.8; baseline 3.7, 12.0, 28.4.) The floor is higher by Arrow's
    libraries (about 50 MB): below about 150,000 responses the baseline's peak was lower.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLUG = "remote-working-2020"
FORMATS = ("csv", "xlsx", "sav", "parquet")
SEED_ROWS, PARTIAL_ROWS = 400, 40


def _django(folder: Path) -> None:
    os.environ["INDAGINE_DATA_DIR"] = str(folder)
    os.environ.pop("DATABASE_URL", None)
    from indagine.cli import _django as setup

    setup()


def fill(folder: Path, rows: int) -> None:
    """A fresh data folder holding `rows` responses to the built-in survey."""
    from indagine.cli import init

    os.environ["INDAGINE_DATA_DIR"] = str(folder)
    os.environ.pop("DATABASE_URL", None)
    init()
    from django.db import connection

    from indagine.collect.models import Response
    from indagine.collect.transfer import add_synthetic

    add_synthetic(SLUG, SEED_ROWS, seed=2020, test=False)
    first_page = ("org_type", "org_type_other", "role", "role_other", "cc_size", "sector")
    partial = [
        Response(
            survey_id=r.survey_id,
            form_version_id=r.form_version_id,
            answers={k: v for k, v in r.answers.items() if k in first_page},
            status=Response.Status.PARTIAL,
            language=r.language,
        )
        for r in Response.objects.all()[:PARTIAL_ROWS]
    ]
    Response.objects.bulk_create(partial)
    table = Response._meta.db_table
    columns = (
        "survey_id, form_version_id, status, answers, language, page, source, "
        "started_at, updated_at, completed_at"
    )
    with connection.cursor() as cursor:
        while (count := Response.objects.count()) < rows:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} "
                f"ORDER BY id LIMIT {min(count, rows - count)}"
            )
    print(f"{Response.objects.count():,} responses in {folder}", file=sys.stderr)


def measure(folder: Path, fmt: str) -> dict[str, object]:
    """Export once, in this process; what it cost."""
    _django(folder)
    from indagine.collect import exports
    from indagine.collect.transfer import _survey

    empty = folder / f"empty.{fmt}"  # loads the writer's libraries: the peak is the rows'
    writers = {"csv": "write_csv", "xlsx": "write_xlsx", "sav": "write_sav"}
    getattr(exports, writers.get(fmt, "write_parquet"))(exports.plan(_survey(SLUG)), [], empty)
    empty.unlink()
    out = folder / f"responses.{fmt}"
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    count = exports.export(SLUG, out, fmt)
    seconds = time.perf_counter() - start
    return {
        "format": fmt,
        "rows": count,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(_cpu_seconds() - cpu_before, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "file_mb": round(out.stat().st_size / 2**20, 1),
        "code": str(Path(exports.__file__).parent),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(folder: Path, fmt: str, src: str | None, repeat: int) -> dict[str, object]:
    """The format's best figures over `repeat` runs, each in a fresh process (code from `src`
    when given)."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    runs = []
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, __file__, "--keep", str(folder), "--measure", fmt],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    best = dict(runs[0])
    for key in ("seconds", "cpu_seconds", "peak_rss_mb"):
        best[key] = min(r[key] for r in runs)  # type: ignore[type-var]
    return best


def _folder(root: Path, rows: int) -> Path:
    """The data folder holding `rows` responses, filled if it is new."""
    folder = root / f"rows-{rows}"
    if not (folder / "indagine.sqlite3").exists():
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--rows", str(rows), "--keep", str(folder), "--fill"],
            check=True,
        )
        print(f"filled in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return folder


def _line(r: dict[str, object]) -> str:
    return f"{r['seconds']:>7} {r['cpu_seconds']:>6} {r['peak_rss_mb']:>6} MB {r['file_mb']:>6} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", default="200000", help="one or more counts, comma-separated")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--baseline", help="source folder of the code to compare with")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    parser.add_argument("--keep", help="use (and keep) this folder of data folders")
    parser.add_argument("--json", action="store_true", help="one JSON line per measure")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)  # internal
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one format, one process
    args = parser.parse_args()
    if args.fill:
        fill(Path(args.keep), int(args.rows))
        return 0
    if args.measure:
        print(json.dumps(measure(Path(args.keep), args.measure)))
        return 0
    root = Path(args.keep or tempfile.mkdtemp(prefix="indagine-exports-"))
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores shared)", file=sys.stderr)
    if not args.json:
        head = f"{'wall s':>7} {'CPU s':>6} {'peak RSS':>9} {'file':>9}"
        tail = f"  | baseline {head}" if args.baseline else ""
        print(f"{'format':8} {'rows':>9}  {head}{tail}")
    for rows in (int(n) for n in args.rows.split(",")):
        folder = _folder(root, rows)
        for fmt in args.formats.split(","):
            now = _run(folder, fmt, None, args.repeat)
            base = _run(folder, fmt, args.baseline, args.repeat) if args.baseline else None
            if args.json:
                print(json.dumps({"now": now, "baseline": base}), flush=True)
                continue
            line = f"{fmt:8} {now['rows']:>9,}  {_line(now)}"
            print(line + (f"  |          {_line(base)}" if base else ""), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    if not args.keep:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
