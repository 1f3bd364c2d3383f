"""Responses out as CSV, XLSX, SPSS .sav, Stata .dta and Parquet, read from the database in
chunks. Test responses are left out unless asked for.

Pipeline: `plan(survey, lang)` merges the questions of every form version the survey has (current
version's order first, choices united) into an `ExportPlan` (`exports.layout`); `read_chunks`
reads the responses ordered by pk, `chunk_size` at a time (`values_list(...).iterator()`) as
`Record`s (`exports.records`); one writer per format (`exports.csv`, `.xlsx`, `.sav`,
`.parquet`) turns each chunk into rows and writes it before the next chunk is read. The writers
take an `ExportPlan` and chunks of `Record`s, and touch no database.

Layout. Question columns are named as in ODK Central's CSV (`path_name`: groups and name joined
with '-'), between the meta columns: `SubmissionDate` (completion time, or last change for a
partial response; UTC), then `KEY` (uuid derived from the response id, as in the CSV), `Status`
(partial or complete), `FormVersion` and `Language`. Each writer's module says how its format
holds the answers. After a question whose choices are randomized (`randomize=true`) comes
`<name>_order`: the choices in the order that respondent saw them, space-separated, first first
(empty for a response that keeps none), for the analysis of order effects.

Repeats, as ODK Central exports them (`exports.tables`, which cites Central's code). The main
table leaves a repeat's questions out: each has one answer per instance. Each repeat has a table
of its own, one row per instance: the repeat's questions (named by their path within the repeat),
then PARENT_KEY (the response's KEY) and KEY (the response's KEY, the groups around the repeat
and `<repeat>[<n>]`, joined with '/'). A response with no instance (the repeat did not apply, or
applied with none) has no row there. CSV, .sav, .dta and Parquet hold one table a file: for a
form with repeats they are a zip of `<formId>.<ext>` and `<formId>-<repeat>.<ext>` per repeat
(Central's `submissions.csv.zip`; `suffix` gives the file's ending, "csv.zip"); XLSX has a sheet
per repeat after `data`. Labels or codes, test responses and the organiser's filter apply to
every table alike: the repeat tables are made from the same chunks of responses.

Memory. Every writer holds one chunk at a time: memory does not grow with the number of
responses. xlsx's sheets go to temporary files row by row (rust_xlsxwriter's constant-memory
mode); sav, whose file header carries the number of cases and each string's width, spills the
chunks to an unnamed temporary file beside the export while measuring them, then writes the file
from it (see `exports.sav`). A zip's tables are written chunk by chunk to files of their own
beside the export, then streamed into the zip one after the other. Peak RSS and time per format,
against the previous writers (openpyxl, and pyreadstat from a whole frame): benchmarks/exports.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.db.models import QuerySet

from indagine.collect.codes import TransferCode
from indagine.collect.exports.csv import CSV_TAIL, write_csv
from indagine.collect.exports.layout import ExportPlan, Record, Table, plan
from indagine.collect.exports.parquet import write_parquet
from indagine.collect.exports.records import read_chunks, response_key
from indagine.collect.exports.sav import SavVariable, SpssNames, sav_codes, sav_variables, write_sav
from indagine.collect.exports.tables import file_names
from indagine.collect.exports.xlsx import XLSX_MAX_ROWS, write_xlsx
from indagine.collect.models import Response
from indagine.collect.transfer import _survey
from indagine.web.refusals import Refused

FORMATS = ("csv", "xlsx", "sav", "dta", "parquet")
LABELLED = ("csv", "xlsx")  # formats whose cells can hold labels instead of codes
CHUNK = 5000

# The reader `export` reads through, by the name under which a test puts a failing one in its place.
_chunks = read_chunks

__all__ = [
    "CHUNK",
    "CSV_TAIL",
    "FORMATS",
    "LABELLED",
    "XLSX_MAX_ROWS",
    "ExportPlan",
    "Record",
    "SavVariable",
    "SpssNames",
    "Table",
    "export",
    "file_names",
    "plan",
    "read_chunks",
    "response_key",
    "sav_codes",
    "sav_variables",
    "suffix",
    "write_csv",
    "write_parquet",
    "write_sav",
    "write_xlsx",
]


def export(
    slug: str,
    path: Path,
    fmt: str = "csv",
    *,
    labels: bool = False,
    lang: str | None = None,
    progress: bool = False,
    chunk_size: int = CHUNK,
    responses: QuerySet[Response] | None = None,
    tests: bool = False,
) -> int:
    """Write the survey's responses (partial and complete; test ones only with `tests`), or
    those of `responses`, to `path`; return how many."""
    if fmt not in FORMATS:
        raise Refused(TransferCode.EXPORT_BAD_FORMAT, f"Unknown format '{fmt}': one of {FORMATS}.")
    if labels and fmt not in LABELLED:
        raise Refused(
            TransferCode.EXPORT_LABELS_FORMAT,
            f"Labels instead of codes apply to {LABELLED}; {fmt} has both.",
        )
    survey = _survey(slug)
    layout = plan(survey, lang)
    if responses is None and tests:
        responses = survey.responses.all()
    questions = layout.every_question()
    chunks = _chunks(survey, chunk_size, progress, questions, layout.orders, responses)
    # Written beside the target and renamed onto it when whole: an export killed half way
    # leaves the previous file as it was, never a shorter one that looks complete.
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if fmt == "csv":
            count = write_csv(layout, chunks, partial, labels=labels)
        elif fmt == "xlsx":
            count = write_xlsx(layout, chunks, partial, labels=labels)
        elif fmt == "sav":
            count = write_sav(layout, chunks, partial)
        elif fmt == "dta":
            count = write_sav(layout, chunks, partial, stata=True)
        else:
            count = write_parquet(layout, chunks, partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def suffix(slug: str, fmt: str) -> str:
    """The ending of the survey's export file in `fmt`: the format's own ("csv"), or
    "<fmt>.zip" where a form version has repeats and the format holds one table a file (all
    but xlsx), as ODK Central names its zip of CSV files `submissions.csv.zip`."""
    survey = _survey(slug)
    if fmt != "xlsx" and any(v.form.repeats() for v in survey.versions.all()):
        return f"{fmt}.zip"
    return fmt
