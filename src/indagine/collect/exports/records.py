"""The survey's responses read from the database as `Record`s, `size` at a time."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from tqdm import tqdm

from indagine.collect.exports.layout import Record
from indagine.forms.model import Question, QuestionType

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from indagine.collect.models import Response
    from indagine.surveys.models import Survey


def read_chunks(
    survey: Survey,
    size: int,
    progress: bool,
    questions: Iterable[Question] = (),
    orders: Mapping[str, str] | None = None,
    responses: QuerySet[Response] | None = None,
) -> Iterator[list[Record]]:
    """Every response, partial and complete, but for test ones (or those of `responses`),
    ordered by pk: `size` Records per chunk; with `orders` (order column to question), each
    randomized question's order as shown."""
    questions = list(questions)
    orders = dict(orders or {})
    metadata = [q for q in questions if q.type.is_metadata and not q.repeat]
    moments = [q.name for q in questions if q.type is QuestionType.DATETIME and not q.repeat]
    inner = _inner_moments(questions)
    fields = ["pk", "completed_at", "updated_at", "answers", "status", "form_version__number"]
    fields.append("language")
    if orders:
        fields.append("orders")
    if metadata:  # each datetime read costs a converter call per row: only when asked for
        fields.append("started_at")
    chosen = survey.responses.filter(test=False) if responses is None else responses
    rows = chosen.order_by("pk").values_list(*fields).iterator(chunk_size=size)
    bar = tqdm(total=chosen.count(), desc="exporting", unit=" rows", disable=not progress)
    with bar:
        while batch := list(itertools.islice(rows, size)):
            yield [_record(survey.slug, row, metadata, moments, orders, inner) for row in batch]
            bar.update(len(batch))


def _record(
    slug: str,
    row: tuple[Any, ...],
    metadata: list[Question],
    moments: Sequence[str] = (),
    orders: Mapping[str, str] | None = None,
    inner: Mapping[str, Sequence[str]] | None = None,
) -> Record:
    pk, completed, updated, answers, status, number, lang, *rest = row
    submitted = completed or updated
    if orders:
        shown, *rest = rest
        answers = {**answers, **_orders(shown, orders)}
    started = rest
    if metadata:
        answers = _with_times(answers, metadata, started[0], submitted)
    if moments:
        answers = {**answers, **{n: with_offset(answers[n]) for n in moments if n in answers}}
    if inner:
        answers = _with_inner_offsets(answers, inner)
    return Record(response_key(slug, pk), submitted, answers, status, number, lang)


def _inner_moments(questions: Iterable[Question]) -> dict[str, list[str]]:
    """The datetime questions asked in each repeat, by the repeat's name."""
    inner: dict[str, list[str]] = {}
    for q in questions:
        if q.repeat and q.type is QuestionType.DATETIME:
            inner.setdefault(q.repeat, []).append(q.name)
    return inner


def _with_inner_offsets(
    answers: Mapping[str, Any], inner: Mapping[str, Sequence[str]]
) -> Mapping[str, Any]:
    """The answers with each instance's datetime answers given their offset (`with_offset`),
    as the answers asked once are."""
    changed = dict(answers)
    for repeat, names in inner.items():
        instances = answers.get(repeat)
        if isinstance(instances, list):
            changed[repeat] = [
                {**i, **{n: with_offset(i[n]) for n in names if n in i}}
                if isinstance(i, dict)
                else i
                for i in instances
            ]
    return changed


def _orders(shown: Any, columns: Mapping[str, str]) -> dict[str, str]:
    """The order columns' values: the choices as shown, space-separated (none where the
    response keeps no order: imported, or begun before the question was randomized)."""
    if isinstance(shown, str | bytes):
        shown = json.loads(shown)
    shown = shown or {}
    return {c: " ".join(shown[q]) for c, q in columns.items() if shown.get(q)}


def _with_times(
    answers: Mapping[str, Any], metadata: list[Question], started: dt.datetime, ended: dt.datetime
) -> Mapping[str, Any]:
    """The answers with the form's start, end and today questions, from the response's times:
    ISO 8601 in the survey's time zone, as ODK Central writes them (an anonymous survey's times
    are of the day only)."""
    start, end = timezone.localtime(started), timezone.localtime(ended)
    values = {
        QuestionType.START: start.isoformat(timespec="milliseconds"),
        QuestionType.END: end.isoformat(timespec="milliseconds"),
        QuestionType.TODAY: start.date().isoformat(),
    }
    return {**answers, **{q.name: values[q.type] for q in metadata}}


def with_offset(value: Any) -> Any:
    """A datetime answer (typed in the survey's time zone, stored without it) as ISO 8601 with
    that zone's offset on its day: "2020-03-18T09:30:00+01:00", as ODK Central exports it."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return value  # another form version's answer under the name: as stored
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment.isoformat()


def response_key(slug: str, pk: int) -> str:
    """The response's KEY: a uuid derived from the survey and the response id, as in the CSV."""
    return f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{slug}/{pk}')}"
