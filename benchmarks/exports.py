"""Export benchmark: time and peak memory of each format for 1,000,000 responses.

    .venv/bin/python benchmarks/exports.py [--rows 1000000] [--formats csv,xlsx,sav,parquet]
                                           [--keep DIR]

It makes a fresh data folder (SQLite) with `indagine init`, adds 400 synthetic responses to the
built-in survey (checked like web submissions) and 40 partial ones (first page only), then copies
them with INSERT ... SELECT until there are `--rows`. Each format is exported in its own process
(`indagine.collect.exports.export`, chunks of 5,000), which prints the wall time, its resident
memory before the export (Django and the format's libraries loaded), its peak (VmHWM) and the
file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLUG = "remote-working-2020"
FORMATS = ("csv", "xlsx", "sav", "parquet")
SEED_ROWS, PARTIAL_ROWS = 400, 40
LIBRARIES = {
    "csv": (),
    "xlsx": ("openpyxl",),
    "sav": ("polars", "pyreadstat"),
    "parquet": ("pyarrow.parquet",),
}


def _memory_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


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

    add_synthetic(SLUG, SEED_ROWS, seed=2020)
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
    from indagine.collect.exports import export

    for module in LIBRARIES[fmt]:  # loaded before, so the peak shows what the export adds
        __import__(module)
    out = folder / f"responses.{fmt}"
    before = _memory_mb("VmRSS")
    start = time.perf_counter()
    count = export(SLUG, out, fmt)
    seconds = time.perf_counter() - start
    return {
        "format": fmt,
        "rows": count,
        "seconds": round(seconds, 1),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(_memory_mb("VmHWM")),
        "file_mb": round(out.stat().st_size / 2**20, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--keep", help="use (and keep) this data folder; filled if empty")
    parser.add_argument("--json", action="store_true", help="one JSON line per format")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)  # internal
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one format, one process
    args = parser.parse_args()
    if args.fill:
        fill(Path(args.keep), args.rows)
        return 0
    if args.measure:
        print(json.dumps(measure(Path(args.keep), args.measure)))
        return 0
    folder = Path(args.keep or tempfile.mkdtemp(prefix="indagine-exports-"))
    if not (folder / "indagine.sqlite3").exists():
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--keep", str(folder), "--fill"],
            check=True,
        )
        print(f"filled in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if not args.json:
        print(f"{'format':8} {'rows':>10} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} file")
    for fmt in args.formats.split(","):
        result = subprocess.run(
            [sys.executable, __file__, "--keep", str(folder), "--measure", fmt],
            check=True,
            capture_output=True,
            text=True,
        )
        line = result.stdout.strip().splitlines()[-1]
        if args.json:
            print(line, flush=True)
            continue
        r = json.loads(line)
        print(
            f"{r['format']:8} {r['rows']:>10,} {r['seconds']:>8} {r['rss_before_mb']:>8} MB "
            f"{r['peak_rss_mb']:>6} MB {r['file_mb']:>6} MB",
            flush=True,
        )
    if not args.keep:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
