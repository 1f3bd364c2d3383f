"""The columnar snapshot: column types, choice columns, incremental extend, JSON, Parquet."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from indagine.analysis.frame import Snapshot, form_signature, frame_from_json, frame_from_rows

from .conftest import form_from, rows_of

FORM = """
| survey |
| | type | name | label::English (en) | relevant | calculation |
| | note | hello | Hello | | |
| | select_one org | org | Type | | |
| | select_multiple tools | tools | Tools | | |
| | integer | staff | Staff | | |
| | decimal | share | Share | | |
| | range | score | Score | | |
| | text | comment | Comment | | |
| | date | started | Started | | |
| | calculate | double | | | ${staff} * 2 |
| | calculate | kind | | | if(${staff} > 10, 'big', 'small') |
| choices |
| | list_name | name | label::English (en) |
| | org | bpo | BPO |
| | org | inhouse | In-house |
| | tools | vpn | VPN |
| | tools | cloud | Cloud |
| | tools | byod | Own devices |
"""

ANSWERS = [
    {
        "org": "bpo",
        "tools": ["vpn", "cloud"],
        "staff": 12,
        "share": 80.5,
        "score": 3,
        "comment": "ok",
        "started": "2020-03-10",
        "double": 24,
        "kind": "big",
    },
    {"org": "inhouse", "staff": 4, "share": 10.0, "double": 8, "kind": "small"},
    {"org": "bpo", "tools": ["byod"], "score": 7, "started": "2020-03-12"},
]


@pytest.fixture
def form():
    return form_from(FORM)


def test_columns_have_the_types_of_their_questions(form):
    frame = frame_from_rows(form, rows_of(ANSWERS))
    assert frame.schema == pl.Schema(
        {
            "_id": pl.Int64,
            "_completed_at": pl.Datetime("us", "UTC"),
            "org": pl.String,
            "tools/vpn": pl.Boolean,
            "tools/cloud": pl.Boolean,
            "tools/byod": pl.Boolean,
            "staff": pl.Float64,
            "share": pl.Float64,
            "score": pl.Float64,
            "comment": pl.String,
            "started": pl.Date,
            "double": pl.Float64,
            "kind": pl.String,
        }
    )
    assert frame["org"].to_list() == ["bpo", "inhouse", "bpo"]
    assert frame["started"].to_list() == [dt.date(2020, 3, 10), None, dt.date(2020, 3, 12)]
    assert frame["double"].to_list() == [24.0, 8.0, None]
    assert frame["kind"].to_list() == ["big", "small", None]


def test_a_multiple_choice_has_one_boolean_column_per_choice_null_when_unanswered(form):
    frame = frame_from_rows(form, rows_of(ANSWERS))
    assert frame["tools/vpn"].to_list() == [True, None, False]
    assert frame["tools/cloud"].to_list() == [True, None, False]
    assert frame["tools/byod"].to_list() == [False, None, True]


def test_json_text_gives_the_same_frame_as_answer_dicts(form):
    rows = rows_of(ANSWERS)
    from_json = frame_from_json(
        form, [r[0] for r in rows], [r[1] for r in rows], [json.dumps(r[2]) for r in rows]
    )
    assert from_json.equals(frame_from_rows(form, rows))


def test_extend_appends_only_new_rows_and_equals_a_full_rebuild(form):
    many = ANSWERS * 5
    rows = rows_of(many)
    snapshot = Snapshot.build(form, rows[:6])
    assert snapshot.last_id == 6
    grown = snapshot.extend(rows[3:11]).extend(rows[11:]).extend(rows[:4])
    assert grown.last_id == len(many)
    assert grown.frame.equals(Snapshot.build(form, rows).frame)
    assert snapshot.n == 6  # snapshots are values: extending makes a new one


def test_extend_json_equals_extend(form):
    rows = rows_of(ANSWERS * 3)
    start = Snapshot.build(form, rows[:2])
    texts = [json.dumps(r[2]) for r in rows]
    by_json = start.extend_json([r[0] for r in rows], [r[1] for r in rows], texts)
    assert by_json.frame.equals(start.extend(rows).frame)


def test_a_calculation_that_turns_to_text_makes_the_column_text(form):
    first = Snapshot.build(form, rows_of([{"double": 3}]))
    later = first.extend(rows_of([{"double": "n/a"}], start_id=2))
    assert later.frame["double"].to_list() == ["3.0", "n/a"]


def test_an_empty_snapshot_has_the_columns(form):
    empty = Snapshot.empty(form)
    assert empty.n == 0 and empty.last_id == 0
    assert "tools/byod" in empty.frame.columns
    assert empty.extend(rows_of(ANSWERS)).frame.equals(frame_from_rows(form, rows_of(ANSWERS)))


def test_naive_completion_times_are_taken_as_utc(form):
    naive = [(1, dt.datetime(2020, 3, 18, 9, 0), {"org": "bpo"})]
    aware = [
        (
            1,
            dt.datetime(2020, 3, 18, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            {"org": "bpo"},
        )
    ]
    assert frame_from_rows(form, naive).equals(frame_from_rows(form, aware))


def test_parquet_round_trip_and_a_stale_file_is_not_loaded(form, tmp_path):
    path = tmp_path / "snapshot.parquet"
    snapshot = Snapshot.build(form, rows_of(ANSWERS))
    snapshot.save(path)
    loaded = Snapshot.load(path, form)
    assert loaded is not None
    assert loaded.frame.equals(snapshot.frame)
    assert loaded.last_id == 3
    changed = form_from(FORM.replace("| | tools | byod | Own devices |", ""))
    assert form_signature(changed) != form_signature(form)
    assert Snapshot.load(path, changed) is None
    assert Snapshot.load(tmp_path / "missing.parquet", form) is None


def test_a_response_completed_late_is_new_though_its_id_is_lower(form):
    """A response started first and completed last has the lowest id: 'above the last id'
    would leave it out for ever; the snapshot takes in every row it does not hold."""
    rows = rows_of(ANSWERS * 2)
    early, rest = rows[0], rows[1:]
    snapshot = Snapshot.build(form, rest)
    grown = snapshot.extend([*rest[-2:], early])
    assert grown.n == len(rows)
    assert sorted(grown.frame.get_column("_id").to_list()) == [r[0] for r in rows]
    texts = [json.dumps(r[2]) for r in (early, rest[0])]
    by_json = snapshot.extend_json([early[0], rest[0][0]], [early[1], rest[0][1]], texts)
    assert by_json.frame.equals(grown.frame)
