"""A form with repeats exported as ODK Central exports one: a table per repeat beside the main
one, and for the formats that hold one table a file (CSV, .sav, .dta, Parquet) a zip of them.

ODK Central's `submissions.csv.zip` (central-backend, lib/data/briefcase.js, and its tests in
test/unit/data/briefcase.js) holds `<formId>.csv`, one row per submission with no column for a
repeat, and `<formId>-<repeat name>.csv` per repeat (the repeat's name alone, not its groups;
names two repeats share numbered `~1`, `~2`), one row per instance: the repeat's fields named by
their path within the repeat, then PARENT_KEY (the submission's KEY) and KEY (the submission's
KEY, the groups around the repeat and `<repeat>[<n>]`, joined with '/'). A repeat table is
written even when no response has an instance of it: its header alone.

Each table's writer (`TableWriter`) takes its rows a chunk at a time into a file of its own in a
temporary folder beside the export; when every chunk is written the files go into the zip one
after the other, each streamed from the disk: memory holds one chunk whatever the responses.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from indagine.collect.exports.layout import ExportPlan, Record, Table

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')  # what no file name may hold on any system


class TableWriter(Protocol):
    """One table's file, written a chunk of rows at a time."""

    def write(self, rows: list[Record]) -> None: ...

    def finish(self) -> None:
        """Complete the file (its handles are closed by the `ExitStack` it was opened with)."""


# Opens a table's writer at a path; what must be closed even on failure goes on the stack.
Opener = Callable[[Table, Path, contextlib.ExitStack], TableWriter]


def write_tables(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, ext: str, opener: Opener
) -> int:
    """The main table at `path` for a form without repeats; else a zip of every table, named as
    in ODK Central's (`file_names`). Returns the number of responses."""
    if not layout.repeats:
        with contextlib.ExitStack() as stack:
            writer = opener(layout.tables()[0], path, stack)
            count = _write_chunks(layout.tables(), [writer], chunks)
            writer.finish()
        return count
    tables = layout.tables()
    with (
        tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as folder,
        contextlib.ExitStack() as stack,
    ):
        # numbered, not named: a form's id could be anything the disk refuses
        files = [Path(folder) / f"{n}.{ext}" for n in range(len(tables))]
        writers = [opener(table, file, stack) for table, file in zip(tables, files, strict=True)]
        count = _write_chunks(tables, writers, chunks)
        for writer in writers:
            writer.finish()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for name, file in zip(file_names(layout, ext), files, strict=True):
                archive.write(file, name)
    return count


def _write_chunks(
    tables: list[Table], writers: list[TableWriter], chunks: Iterable[list[Record]]
) -> int:
    """Each chunk's rows to every table's writer before the next chunk is read."""
    count = 0
    for chunk in chunks:
        for table, writer in zip(tables, writers, strict=True):
            writer.write(table.rows(chunk))
        count += len(chunk)
    return count


def file_names(layout: ExportPlan, ext: str) -> list[str]:
    """The zip's file names, as ODK Central's: `<formId>.<ext>`, then `<formId>-<repeat>.<ext>`
    per repeat, `~1`, `~2` ... where names would be the same (here: the same but for case,
    which Windows' and macOS's disks do not tell apart)."""
    form_id = _UNSAFE.sub("_", layout.form.form_id).strip(" .") or "responses"
    names = [r.repeat.name if r.repeat else "" for r in layout.repeats]
    totals: dict[str, int] = {}
    for name in names:
        totals[name.casefold()] = totals.get(name.casefold(), 0) + 1
    counts: dict[str, int] = {}
    files = [f"{form_id}.{ext}"]
    for name in names:
        safe = _UNSAFE.sub("_", name)
        if totals[name.casefold()] > 1:
            counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
            safe = f"{safe}~{counts[name.casefold()]}"
        files.append(f"{form_id}-{safe}.{ext}")
    return files
