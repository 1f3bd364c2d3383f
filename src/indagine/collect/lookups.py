"""The respondent's hot path in plain SQL: the survey by its address together with the
respondent's response, a response by its key (plain or locked for update), and the
conditional write of a page, and the save of a response a page creates or completes.

Hand-written on purpose: every page request runs one or two of these statements, and building
them with the ORM's query compiler costs 5 to 9 times what running them does (0.23 ms against
0.05 ms for the survey, 0.36 against 0.06 for the response, 0.11 against 0.01 for the update,
measured on SQLite). They still return model instances, built by the ORM's own `Model.from_db`,
and the statements are plain SQL that SQLite and PostgreSQL both accept. Each function takes the
thread's connection once (`connections[...]`): every attribute read through the module-level
`django.db.connection` proxy looks it up again in a context-local store.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from indagine.collect.models import Response, Webhook
from indagine.surveys.models import FormVersion, Survey

_VERSIONS: dict[tuple[int, str], FormVersion] = {}

_SURVEY_SQL = (
    "SELECT s.id, s.slug, s.title, s.state, s.opens_at, s.closes_at, s.anonymous, "
    "s.panel_only, s.created_at, s.current_version_id, s.benchmark, v.sha256 AS version_sha "
    f"FROM {Survey._meta.db_table} s "
    f"LEFT JOIN {FormVersion._meta.db_table} v ON v.id = s.current_version_id "
    "WHERE s.slug = %s"
)
_RESPONSE_SQL = (
    "SELECT r.id, r.survey_id, r.status, r.answers, r.language, r.page, r.updated_at, "
    "r.source, r.key_hash, r.form_version_id, r.completed_at, r.orders, r.test, "
    "v.sha256 AS version_sha "
    f"FROM {Response._meta.db_table} r "
    f"JOIN {FormVersion._meta.db_table} v ON v.id = r.form_version_id "
    "WHERE r.survey_id = %s AND r.key_hash = %s"
)
_BOTH_SQL = (
    "SELECT s.id, s.slug, s.title, s.state, s.opens_at, s.closes_at, s.anonymous, "
    "s.panel_only, s.created_at, s.current_version_id, s.benchmark, v.sha256, "
    "r.id, r.survey_id, r.status, r.answers, r.language, r.page, r.updated_at, "
    "r.source, r.key_hash, r.form_version_id, r.completed_at, r.orders, r.test, rv.sha256 "
    f"FROM {Survey._meta.db_table} s "
    f"LEFT JOIN {FormVersion._meta.db_table} v ON v.id = s.current_version_id "
    f"LEFT JOIN {Response._meta.db_table} r ON r.survey_id = s.id AND r.key_hash = %s "
    f"LEFT JOIN {FormVersion._meta.db_table} rv ON rv.id = r.form_version_id "
    "WHERE s.slug = %s"
)
_UPDATE_SQL = (
    f"UPDATE {Response._meta.db_table} SET answers = %s, language = %s, page = %s, "
    "updated_at = %s WHERE id = %s AND updated_at = %s AND status = 'partial'"
)


def version(pk: int, sha256: str) -> FormVersion:
    """A form version, read once per process: versions never change (the key includes the
    content's hash, so a test database that reuses ids cannot return a stale one)."""
    key = (pk, sha256)
    found = _VERSIONS.get(key)
    if found is None:
        found = _VERSIONS[key] = FormVersion.objects.defer("source").get(pk=pk)
    return found


_SURVEY_FIELDS = (
    "id",
    "slug",
    "title",
    "state",
    "opens_at",
    "closes_at",
    "anonymous",
    "panel_only",
    "created_at",
    "current_version_id",
    "benchmark",  # read on every completed page (`collect.views`): not left to a query of its own
)
_RESPONSE_FIELDS = (
    "id",
    "survey_id",
    "status",
    "answers",
    "language",
    "page",
    "updated_at",
    "source",
    "key_hash",
    "form_version_id",
    "completed_at",
    "orders",
    "test",
)


def _instance(model: Any, names: tuple[str, ...], values: list[Any]) -> Any:
    """A model instance as the ORM builds it from a row (`from_db` wants the model's own
    field order; fields not read stay deferred)."""
    fields, order = _field_order(model, names)
    return model.from_db(DEFAULT_DB_ALIAS, fields, [values[i] for i in order])


@functools.cache
def _field_order(model: Any, names: tuple[str, ...]) -> tuple[list[str], tuple[int, ...]]:
    """The fields of `names` in the model's own order, and where each is in `names`: worked
    out once per process, not on every row."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in names]
    return fields, tuple(names.index(f) for f in fields)


def _row(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _moment(value: Any) -> dt.datetime | None:
    """A timestamp as the database driver gave it, as an aware datetime (SQLite keeps UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def survey_by_slug(slug: str) -> Survey | None:
    """The survey at `slug` with its current form version, if it has one."""
    row = _row(_SURVEY_SQL, [slug])
    return None if row is None else _survey(row)


def response_by_key(survey: Survey, key_hash: str, *, for_update: bool = False) -> Response | None:
    """The response under this key hash, if any; `for_update` locks its row until the end of
    the transaction where the database has row locks (SQLite has one writer at a time)."""
    sql = _RESPONSE_SQL
    if for_update and connections[DEFAULT_DB_ALIAS].features.has_select_for_update_of:
        sql += " FOR UPDATE OF r"
    row = _row(sql, [survey.pk, key_hash])
    return None if row is None else _response(row, survey)


def survey_and_response(slug: str, key_hash: str | None) -> tuple[Survey | None, Response | None]:
    """`survey_by_slug` and `response_by_key` in one statement: what every page request needs."""
    row = _row(_BOTH_SQL, [key_hash, slug])
    if row is None:
        return None, None
    survey = _survey(row[:12])
    if survey is None or row[12] is None:
        return survey, None
    return survey, _response(row[12:], survey)


def _survey(row: tuple[Any, ...]) -> Survey | None:
    if row[9] is None:
        return None
    values = list(row[:11])
    for i in (4, 5, 8):
        values[i] = _moment(values[i])
    for i in (6, 7, 10):  # 0 or 1 on SQLite
        values[i] = bool(values[i])
    found = _instance(Survey, _SURVEY_FIELDS, values)
    found.current_version = version(row[9], row[11])
    return found


def _response(row: tuple[Any, ...], survey: Survey) -> Response:
    """The response of the row, its survey the one it was looked up in (not read again by
    `response.survey`: a query on every completed page)."""
    values = list(row[:13])
    for i in (3, 11):  # JSON: text on SQLite, decoded already by psycopg
        values[i] = json.loads(values[i]) if isinstance(values[i], str | bytes) else values[i]
    values[6], values[10] = _moment(values[6]), _moment(values[10])
    values[12] = bool(values[12])  # 0 or 1 on SQLite
    found = _instance(Response, _RESPONSE_FIELDS, values)
    found.form_version = version(row[9], row[13])
    found.survey = survey
    return found


def webhook_ids(survey_id: int) -> list[int]:
    """The ids of the survey's webhooks (read on every completed page: one short statement,
    not a queryset)."""
    table = Webhook._meta.db_table
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE survey_id = %s ORDER BY id", [survey_id])
        return [row[0] for row in cursor.fetchall()]


def update_if_unchanged(
    current: Response, answers: dict[str, Any], lang: str, page: int
) -> dt.datetime | None:
    """Write a page of a partial response unless it changed since `current` was read: one
    statement, atomic on its own. Returns the new `updated_at`, or None when it changed."""
    db = connections[DEFAULT_DB_ALIAS]
    ops = db.ops
    now = timezone.now()
    stored = Response._meta.get_field("answers").get_db_prep_save(answers, db)
    with db.cursor() as cursor:
        cursor.execute(
            _UPDATE_SQL,
            [
                stored,
                lang,
                page,
                ops.adapt_datetimefield_value(now),
                current.pk,
                ops.adapt_datetimefield_value(current.updated_at),
            ],
        )
        return now if cursor.rowcount == 1 else None


_SAVED_FIELDS = ("answers", "language", "page", "status", "completed_at")
_INSERTED_FIELDS = (
    "survey", "form_version", "key_hash", "source", "orders", "test", *_SAVED_FIELDS
)  # fmt: skip
_INSERT_SQL = (
    f"INSERT INTO {Response._meta.db_table} "
    f"({', '.join(Response._meta.get_field(n).column for n in _INSERTED_FIELDS)}, "
    "started_at, updated_at) "
    f"VALUES ({', '.join(['%s'] * (len(_INSERTED_FIELDS) + 2))}) RETURNING id"
)
_SAVE_SQL = (
    f"UPDATE {Response._meta.db_table} SET "
    f"{', '.join(f'{Response._meta.get_field(n).column} = %s' for n in _SAVED_FIELDS)}, "
    "updated_at = %s WHERE id = %s"
)


def save_response(response: Response, now: dt.datetime | None = None) -> None:
    """What `response.save()` does on a page, in one statement: a new response is inserted
    (its id, `started_at` and `updated_at` set on the instance), an existing one gets its
    answers, language, page, status and completion time written (the only fields a page
    changes) with a new `updated_at` (`now`, by default the present moment)."""
    now = now or timezone.now()
    db = connections[DEFAULT_DB_ALIAS]
    stamp = db.ops.adapt_datetimefield_value(now)
    names = _INSERTED_FIELDS if response.pk is None else _SAVED_FIELDS
    values = [
        field.get_db_prep_save(getattr(response, field.attname), db)
        for field in (Response._meta.get_field(n) for n in names)
    ]
    with db.cursor() as cursor:
        if response.pk is None:
            cursor.execute(_INSERT_SQL, [*values, stamp, stamp])
            (response.pk,) = cursor.fetchone()
            response.started_at = now
            response._state.adding, response._state.db = False, DEFAULT_DB_ALIAS
        else:
            cursor.execute(_SAVE_SQL, [*values, stamp, response.pk])
    response.updated_at = now
