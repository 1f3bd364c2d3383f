"""Responses in and out as CSV in the layout of ODK Central's export, and synthetic responses.

Columns: one per question, named by its group path and name joined with '-'; a multiple choice
holds its choice names separated by spaces; meta columns (SubmissionDate, KEY, ...) around them.
Every imported row goes through the same validation as a web submission.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from indagine.collect import orders
from indagine.collect.codes import TransferCode
from indagine.collect.models import Response
from indagine.forms.answers import check_submission
from indagine.forms.messages import AnswerCode
from indagine.forms.model import Form, Question, QuestionType
from indagine.surveys.models import Survey
from indagine.web.refusals import Refused

META_COLUMNS = (
    "SubmissionDate",
    "meta-instanceID",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "instanceID",
    "Language",
)
BATCH = 500


ImportRefused = Refused  # the name the command line and the tests know


@dataclass
class ImportReport:
    stored: int = 0
    skipped: list[str] = field(default_factory=list)


def _survey(slug: str) -> Survey:
    survey = Survey.objects.select_related("current_version").filter(slug=slug).first()
    if survey is None or survey.current_version is None:
        raise Refused(TransferCode.SURVEY_NOT_FOUND, f"No survey '{slug}' with a questionnaire.")
    return survey


def _columns(form: Form) -> list[tuple[str, str]]:
    """(CSV column, question name) for every question that holds an answer."""
    return [(q.path_name, q.name) for q in form.questions() if q.type is not QuestionType.NOTE]


def _read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise Refused(
            TransferCode.CSV_UNREADABLE, f"The file cannot be read ({exc.strerror}): {path}"
        ) from None
    except UnicodeDecodeError as exc:
        raise Refused(
            TransferCode.CSV_ENCODING,
            f"The file is not UTF-8 text ({exc.reason} at byte {exc.start}).",
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        names = list(reader.fieldnames or ())
        twice = sorted({c for c in names if names.count(c) > 1})
        if twice:  # DictReader would keep the last one's cells, silently
            raise Refused(
                TransferCode.CSV_DUPLICATE_COLUMN, "Columns named twice: " + ", ".join(twice)
            )
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise Refused(TransferCode.CSV_MALFORMED, f"Line {reader.line_num}: {exc}.") from None


def _new_response(
    survey: Survey,
    answers: Mapping[str, Any],
    source: str,
    lang: str,
    shown: Mapping[str, list[str]] | None = None,
) -> Response:
    now = timezone.now()
    return Response(
        survey=survey,
        form_version=survey.current_version,
        answers=dict(answers),
        orders=dict(shown or {}),
        status=Response.Status.COMPLETE,
        language=lang,
        source=source,
        test=source == "demo",  # synthetic answers never reach what members read
        completed_at=now,
        key_hash=None,
    )


def import_csv(
    slug: str, path: Path, *, skip_invalid: bool = False, progress: bool = False
) -> ImportReport:
    """Validate every row like a web submission; store all of them in one transaction, or none
    when any row has an error (unless `skip_invalid`)."""
    survey = _survey(slug)
    form = survey.current_version.form
    _refuse_repeats(form)
    by_column = dict(_columns(form))
    order_columns = orders.order_columns(form)  # an export's "<name>_order" columns
    rows = _read_rows(path)
    report = ImportReport()
    valid: list[Response] = []
    problems: list[str] = []
    partial: list[str] = []
    header_checked = False
    for line, row in tqdm(rows, desc="checking", unit=" rows", disable=not progress):
        if not header_checked:
            _check_header([c for c in row if c is not None], {*by_column, *order_columns})
            header_checked = True
        if None in row:
            problems.append(f"line {line}: more cells than columns")
            continue
        if row.get("Status") == "partial":  # an export's unfinished answers: not a submission
            partial.append(f"line {line}: a partial response (only complete ones are imported)")
            continue
        raw = {
            by_column[c]: [v]
            for c, v in row.items()
            if c in by_column and form.question(by_column[c]).type.takes_input
        }
        made, wrong = _checked_row(survey, form, line, row, raw, order_columns)
        if made is None:
            problems.extend(wrong)
            continue
        valid.append(made)
    if not header_checked:
        raise Refused(TransferCode.CSV_EMPTY, "The file has no header or no rows.")
    if problems and not skip_invalid:
        raise Refused(
            TransferCode.CSV_INVALID_ROWS,
            f"{len(problems)} problem(s); nothing was stored (use "
            "--skip-invalid to store the valid rows).",
            problems,
        )
    with transaction.atomic():
        Response.objects.bulk_create(valid, batch_size=BATCH)
    report.stored = len(valid)
    report.skipped = partial + problems
    return report


def _checked_row(
    survey: Survey,
    form: Form,
    line: int,
    row: Mapping[str, str],
    raw: dict[str, list[str]],
    order_columns: Mapping[str, Question],
) -> tuple[Response | None, list[str]]:
    """A row's response, `raw` checked like a web submission; or None and what is wrong."""
    checked = check_submission(
        form, _split_multiple(form, raw), lang="en", max_text=settings.INDAGINE_MAX_TEXT_LENGTH
    )
    if checked.errors:
        return None, [f"line {line}: {e.name}: {e.code.value}: {e.message}" for e in checked.errors]
    shown, wrong = _orders(row, order_columns)
    wrong += _unknown_files(survey, form, checked.answers)
    if wrong:
        return None, [f"line {line}: {w}" for w in wrong]
    lang = row.get("Language") or form.default_language
    if lang not in form.languages:
        return None, [
            f"line {line}: Language: '{lang[:20]}' is none of the form's languages "
            f"({', '.join(form.languages)})"
        ]
    return _new_response(survey, checked.answers, "import", lang, shown), []


def _refuse_repeats(form: Form) -> None:
    """A CSV row is one response: a repeat's instances would be dropped without a word."""
    if form.repeats():
        raise Refused(
            TransferCode.CSV_REPEATS,
            f"The form has repeats ({', '.join(form.repeats())}): a CSV file holds one row per "
            "response and cannot carry their instances, so nothing is imported.",
        )


def _unknown_files(survey: Survey, form: Form, answers: Mapping[str, Any]) -> list[str]:
    """An upload's cell names a file only where this survey stored it (an export read back):
    files themselves are not imported."""
    store = storages["uploads"]
    return [
        f"{name}: {AnswerCode.FILE_UNKNOWN.value}: no file '{name and answers[name]}' was "
        "uploaded to this survey (files are not imported)"
        for name in (q.name for q in form.questions() if q.type.is_upload)
        if answers.get(name) and not store.exists(f"{survey.slug}/{answers[name]}")
    ]


def _orders(
    row: Mapping[str, str], columns: Mapping[str, Question]
) -> tuple[dict[str, list[str]], list[str]]:
    """The orders a row's order columns give (as an export wrote them), and what is wrong."""
    shown: dict[str, list[str]] = {}
    wrong: list[str] = []
    for column, question in columns.items():
        order = orders.parse(question, row.get(column) or "")
        if order is None:
            wrong.append(
                f"{column}: {TransferCode.CSV_BAD_ORDER.value}: not every choice of "
                f"'{question.name}' once, space-separated"
            )
        elif order:
            shown[question.name] = order
    return shown, wrong


def _check_header(header: list[str], known: Collection[str]) -> None:
    unknown = [c for c in header if c not in known and c not in META_COLUMNS]
    if unknown:
        raise Refused(
            TransferCode.CSV_UNKNOWN_COLUMN,
            "Columns that match no question: " + ", ".join(unknown[:10]),
        )


def _split_multiple(form: Form, raw: dict[str, list[str]]) -> dict[str, list[str]]:
    for name, values in raw.items():
        question = form.question(name)
        if question is not None and question.type is QuestionType.SELECT_MULTIPLE:
            raw[name] = values[0].split() if values else []
    return raw


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_csv(slug: str, path: Path, *, progress: bool = False) -> int:
    """Write every response (partial and complete), streamed in chunks."""
    survey = _survey(slug)
    columns = _export_columns(survey)
    total = survey.responses.count()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "SubmissionDate",
                *(c for c, _ in columns),
                "meta-instanceID",
                "KEY",
                "Status",
                "FormVersion",
                "Language",
            ]
        )
        rows = (
            survey.responses.order_by("pk")
            .values_list(
                "pk",
                "completed_at",
                "updated_at",
                "answers",
                "status",
                "form_version__number",
                "language",
            )
            .iterator(chunk_size=2000)
        )
        count = 0
        for pk, completed, updated, answers, status, version, lang in tqdm(
            rows, total=total, desc="exporting", unit=" rows", disable=not progress
        ):
            key = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{survey.slug}/{pk}')}"
            stamp = (completed or updated).isoformat()
            writer.writerow(
                [
                    stamp,
                    *(_cell(answers.get(n)) for _, n in columns),
                    key,
                    key,
                    status,
                    version,
                    lang,
                ]
            )
            count += 1
    return count


def _export_columns(survey: Survey) -> list[tuple[str, str]]:
    """Columns of every form version the responses use, current version's order first."""
    columns = _columns(survey.current_version.form)
    seen = {name for _, name in columns}
    for version in survey.versions.exclude(pk=survey.current_version_id):
        for column, name in _columns(version.form):
            if name not in seen:
                columns.append((column, name))
                seen.add(name)
    return columns


def add_synthetic(
    slug: str, count: int, *, seed: int, progress: bool = False, test: bool = True
) -> int:
    """Add `count` plausible complete responses, each checked like a web submission: test
    responses (`indagine demo`'s), never counted in what members read; with `test=False`,
    counted as real answers (tests and benchmarks that need many of them)."""
    from indagine.forms.synthetic import synthesize_valid
    from indagine.library.remote_working_2020_demo import profile_for

    if count < 0:
        raise Refused(TransferCode.DEMO_BAD_COUNT, "The number of responses must be positive.")
    survey = _survey(slug)
    form = survey.current_version.form
    profile = profile_for(form.form_id)
    rng = random.Random(seed)
    batch: list[Response] = []
    for _ in tqdm(range(count), desc="synthesizing", unit=" responses", disable=not progress):
        raw = synthesize_valid(form, rng, profile)
        checked = check_submission(
            form, raw, lang=form.default_language, max_text=settings.INDAGINE_MAX_TEXT_LENGTH
        )
        if checked.errors:
            raise Refused(
                TransferCode.DEMO_INVALID,
                f"A synthetic response failed validation: {checked.errors[0]}",
            )
        lang = "en" if rng.random() < 0.1 else form.default_language
        made = _new_response(survey, checked.answers, "demo", lang)
        made.test = test
        batch.append(made)
    with transaction.atomic():
        Response.objects.bulk_create(batch, batch_size=BATCH)
    return len(batch)
