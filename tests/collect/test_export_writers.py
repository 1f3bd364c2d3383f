"""The export writers on an ExportPlan and Records made by hand: no survey, no database.

Each writer's file is read back (csv, openpyxl, pyreadstat, pyarrow) and must hold the values,
types and labels that went in.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import textwrap

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from indagine.collect.exports import (
    ExportPlan,
    Record,
    write_csv,
    write_parquet,
    write_sav,
    write_xlsx,
)
from indagine.collect.exports.csv import CSV_TAIL
from indagine.forms.loader import load_form

FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) |
| | begin_group | work | Lavoro | Work |
| | select_one sector | sector | Settore | Sector |
| | select_multiple tools | tools | Strumenti | Tools |
| | integer | staff | Addetti | Staff |
| | decimal | share | Quota | Share |
| | end_group | | | |
| | select_one agree | happy | Soddisfatto? | Satisfied? |
| | date | since | Da quando? | Since when? |
| | text | comment | Commento | Comment |
| | note | thanks | Grazie | Thanks |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) | score |
| | sector | bpo | BPO | BPO | |
| | sector | public | Pubblico | Public | |
| | tools | vpn | VPN | VPN | |
| | tools | cloud | Cloud | Cloud | |
| | agree | no | No | No | 1 |
| | agree | partly | In parte | Partly | 2 |
| | agree | yes | Sì | Yes | 3 |
| settings |
| | form_title | form_id | version | default_language |
| | Prova | writers | 1 | Italiano (it) |
"""

TRICKY = 'con, virgola "tra virgolette"\nseconda riga'
UTC = dt.UTC
ROME = dt.timezone(dt.timedelta(hours=2))

ANSWERS = [
    {
        "sector": "bpo",
        "tools": ["vpn", "cloud"],
        "staff": 40,
        "share": 12.5,
        "happy": "yes",
        "since": "2020-03-09",
        "comment": TRICKY,
    },
    {"sector": "public", "tools": ["cloud"], "staff": 3, "happy": "no", "comment": "=1+2"},
    {"sector": "bpo"},  # stopped on the first page
]
RECORDS = [
    Record(f"uuid:{n}", dt.datetime(2020, 5, n, 10, 30, tzinfo=ROME), answers, status, 1, "it")
    for n, (answers, status) in enumerate(
        zip(ANSWERS, ("complete", "complete", "partial"), strict=True), 1
    )
]
COLUMNS = [
    "SubmissionDate",
    "work-sector",
    "work-tools",
    "work-staff",
    "work-share",
    "happy",
    "since",
    "comment",
    *CSV_TAIL,
]


def _layout(lang: str = "it") -> ExportPlan:
    form = load_form(textwrap.dedent(FORM), "writers.md").form
    assert form is not None
    questions = tuple(q for q in form.questions() if q.type.value != "note")
    return ExportPlan(form, questions, lang)


def _chunks(size: int = 2) -> list[list[Record]]:
    return [RECORDS[i : i + size] for i in range(0, len(RECORDS), size)]


def _utc(record: Record) -> dt.datetime:
    return record.submitted.astimezone(UTC).replace(tzinfo=None)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# -- CSV ----------------------------------------------------------------------------------------


def _read_csv(path):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def test_csv_codes_in_odk_centrals_layout(tmp_path):
    out = tmp_path / "codes.csv"
    assert write_csv(_layout(), _chunks(), out) == len(RECORDS)
    header, rows = _read_csv(out)
    assert header == COLUMNS
    first, second, third = rows
    assert first["work-tools"] == "vpn cloud" and first["work-share"] == "12.5"
    assert first["comment"] == TRICKY and second["comment"] == "=1+2"
    assert first["since"] == "2020-03-09" and first["work-staff"] == "40"
    assert third["work-tools"] == third["happy"] == third["since"] == ""
    for row, record in zip(rows, RECORDS, strict=True):
        assert row["KEY"] == row["meta-instanceID"] == record.key
        assert (row["Status"], row["FormVersion"], row["Language"]) == (record.status, "1", "it")
        assert dt.datetime.fromisoformat(row["SubmissionDate"]) == record.submitted


@pytest.mark.parametrize(
    ("lang", "sectors", "tools", "happy"),
    [
        ("it", ["BPO", "Pubblico", "BPO"], "VPN; Cloud", "Sì"),
        ("en", ["BPO", "Public", "BPO"], "VPN; Cloud", "Yes"),
    ],
)
def test_csv_labels_in_each_language(tmp_path, lang, sectors, tools, happy):
    out = tmp_path / "labels.csv"
    write_csv(_layout(lang), _chunks(), out, labels=True)
    _, rows = _read_csv(out)
    assert [r["work-sector"] for r in rows] == sectors
    assert rows[0]["work-tools"] == tools and rows[0]["happy"] == happy
    assert rows[0]["work-staff"] == "40" and rows[2]["work-tools"] == ""


def test_csv_of_no_responses_is_its_header(tmp_path):
    out = tmp_path / "empty.csv"
    assert write_csv(_layout(), [], out) == 0
    assert _read_csv(out) == (COLUMNS, [])


# -- XLSX ---------------------------------------------------------------------------------------


def _sheet(workbook, name):
    rows = list(workbook[name].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_xlsx_typed_cells_and_its_dictionary(tmp_path):
    out = tmp_path / "codes.xlsx"
    assert write_xlsx(_layout(), _chunks(), out) == len(RECORDS)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["data", "variables", "labels"]
    header, rows = _sheet(workbook, "data")
    assert header == COLUMNS
    data = [dict(zip(header, row, strict=True)) for row in rows]
    assert data[0]["work-staff"] == 40 and data[0]["work-share"] == 12.5
    assert data[0]["since"] == dt.datetime(2020, 3, 9)  # an Excel date
    assert data[0]["work-tools"] == "vpn cloud" and data[0]["comment"] == TRICKY
    assert data[1]["comment"] == "=1+2" and workbook["data"]["H3"].data_type == "s"
    assert data[2]["work-staff"] is None and data[2]["since"] is None
    for row, record in zip(data, RECORDS, strict=True):
        assert abs(row["SubmissionDate"] - _utc(record)) <= dt.timedelta(milliseconds=1)
        assert (row["KEY"], row["Status"], row["FormVersion"]) == (record.key, record.status, 1)
    header, variables = _sheet(workbook, "variables")
    assert header == ["column", "type", "list", "label::it", "label::en"]
    assert ("work-sector", "select_one", "sector", "Settore", "Sector") in variables
    assert ("since", "date", None, "Da quando?", "Since when?") in variables
    assert ("FormVersion", "integer", None, None, None) in variables
    _, labels = _sheet(workbook, "labels")
    assert labels[:2] == [
        ("sector", "bpo", "BPO", "BPO"),
        ("sector", "public", "Pubblico", "Public"),
    ]
    assert ("agree", "yes", "Sì", "Yes") in labels


def test_xlsx_with_labels(tmp_path):
    out = tmp_path / "labels.xlsx"
    write_xlsx(_layout("en"), _chunks(), out, labels=True)
    header, rows = _sheet(openpyxl.load_workbook(out, read_only=True), "data")
    assert [r[header.index("work-sector")] for r in rows] == ["BPO", "Public", "BPO"]
    assert rows[0][header.index("work-tools")] == "VPN; Cloud"


def test_xlsx_goes_on_in_another_sheet_past_excels_last_row(tmp_path, monkeypatch):
    from indagine.collect.exports import xlsx

    monkeypatch.setattr(xlsx, "XLSX_MAX_ROWS", 3)  # a header and two responses a sheet
    out = tmp_path / "long.xlsx"
    assert write_xlsx(_layout(), _chunks(size=1), out) == len(RECORDS)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["data", "data_2", "variables", "labels"]
    first, second = _sheet(workbook, "data"), _sheet(workbook, "data_2")
    assert first[0] == second[0] == COLUMNS
    keys = [row[COLUMNS.index("KEY")] for row in (*first[1], *second[1])]
    assert keys == [r.key for r in RECORDS]


def test_xlsx_cells_hold_what_excel_can(tmp_path):
    """Control characters XML refuses are dropped, text past Excel's 32,767 characters is cut;
    an answer that is no number under a number question stays text; no formula, no link."""
    link = "http://example.invalid/" + "è" * 40_000
    answers = [
        {"comment": "a\x01b\x1fc\td\ne", "staff": "forty", "since": "soon", "share": 0.5},
        {"comment": link, "staff": 2**40, "sector": '=HYPERLINK("http://x.invalid/")'},
    ]
    records = [
        Record(f"uuid:{n}", RECORDS[0].submitted, a, "complete", 1, "it")
        for n, a in enumerate(answers)
    ]
    out = tmp_path / "odd.xlsx"
    assert write_xlsx(_layout(), [records], out) == 2
    sheet = openpyxl.load_workbook(out)["data"]
    header = [c.value for c in sheet[1]]
    first, second = (
        {h: c for h, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)
    )
    assert first["comment"].value == "abc\td\ne"
    assert (first["work-staff"].value, first["work-staff"].data_type) == ("forty", "s")
    assert (first["since"].value, first["work-share"].value) == ("soon", 0.5)
    assert second["comment"].value == link[:32_767] and second["comment"].hyperlink is None
    assert second["work-staff"].value == 2**40
    assert second["work-sector"].data_type == "s" and second["work-sector"].value.startswith("=")


# -- SPSS ---------------------------------------------------------------------------------------


def test_sav_values_and_labels(tmp_path):
    out = tmp_path / "codes.sav"
    assert write_sav(_layout(), _chunks(), out) == len(RECORDS)
    frame, meta = pyreadstat.read_sav(str(out))
    assert meta.column_names == [
        "SubmissionDate",
        "sector",
        "tools_vpn",
        "tools_cloud",
        "staff",
        "share",
        "happy",
        "since",
        "comment",
        "KEY",
        "Status",
        "FormVersion",
        "Language",
    ]
    labels = meta.column_names_to_labels
    assert labels["sector"] == "Settore" and labels["tools_cloud"] == "Strumenti: Cloud"
    values = meta.variable_value_labels
    assert values["sector"] == {1: "BPO", 2: "Pubblico"}
    assert values["happy"] == {1: "No", 2: "In parte", 3: "Sì"}  # a scale: its own scores
    assert values["tools_vpn"] == {0: "non selezionato", 1: "selezionato"}
    measures = meta.variable_measure
    assert (measures["happy"], measures["sector"], measures["staff"]) == (
        "ordinal",
        "nominal",
        "scale",
    )
    first, second, third = frame.to_dict("records")
    assert (first["sector"], first["tools_vpn"], first["tools_cloud"]) == (1, 1, 1)
    assert (second["sector"], second["tools_vpn"], second["happy"]) == (2, 0, 1)
    assert (first["staff"], first["share"], first["happy"]) == (40, 12.5, 3)
    assert first["since"] == dt.date(2020, 3, 9) and first["comment"] == TRICKY
    assert all(_missing(third[v]) for v in ("tools_vpn", "staff", "happy", "since"))
    assert third["comment"] == ""
    for row, record in zip((first, second, third), RECORDS, strict=True):
        assert abs(row["SubmissionDate"] - _utc(record)) < dt.timedelta(milliseconds=1)
        assert (row["KEY"], row["Status"], row["FormVersion"]) == (record.key, record.status, 1)


def test_sav_labels_in_english(tmp_path):
    out = tmp_path / "en.sav"
    write_sav(_layout("en"), _chunks(), out)
    _, meta = pyreadstat.read_sav(str(out), metadataonly=True)
    assert meta.column_names_to_labels["sector"] == "Sector"
    assert meta.variable_value_labels["tools_vpn"] == {0: "not selected", 1: "selected"}


def test_sav_of_no_responses_has_every_variable(tmp_path):
    out = tmp_path / "empty.sav"
    assert write_sav(_layout(), [], out) == 0
    frame, meta = pyreadstat.read_sav(str(out))
    assert len(frame) == 0 and "tools_cloud" in meta.column_names


def test_sav_strings_are_as_wide_as_the_widest_answer_of_any_chunk(tmp_path):
    """The widths come from every chunk (the widest answer here is in the last one, and longer
    than 255 bytes: SPSS's "very long string"); the spilled chunks leave no file behind."""
    wide = "è" * 200 + "x" * 100  # 500 bytes
    answers = [{"comment": "corto"}, {}, {"comment": "medio " * 10}, {"comment": wide}]
    records = [
        Record(f"uuid:{n}", RECORDS[0].submitted, a, "complete", 1, "it")
        for n, a in enumerate(answers)
    ]
    out = tmp_path / "wide.sav"
    assert write_sav(_layout(), [records[i : i + 2] for i in (0, 2)], out) == 4
    frame, meta = pyreadstat.read_sav(str(out))
    # SPSS pads a string with spaces: a reader gives it back without the trailing ones
    assert list(frame["comment"]) == ["corto", "", ("medio " * 10).rstrip(), wide]
    assert meta.variable_storage_width["comment"] == 500
    assert [p.name for p in tmp_path.iterdir()] == ["wide.sav"]


def test_sav_cuts_a_text_past_spss_limit_and_says_so(tmp_path):
    huge = "è" * 20_000  # 40,000 bytes; SPSS holds 32,767
    records = [Record("uuid:1", RECORDS[0].submitted, {"comment": huge}, "complete", 1, "it")]
    out = tmp_path / "huge.sav"
    with pytest.warns(Warning, match="32767"):
        write_sav(_layout(), [records], out)
    frame, meta = pyreadstat.read_sav(str(out))
    assert frame["comment"][0] == huge[:16_383]  # whole characters only: 32,766 bytes
    assert meta.variable_storage_width["comment"] == 32_767


# -- Parquet ------------------------------------------------------------------------------------


def test_parquet_types_values_and_metadata(tmp_path):
    out = tmp_path / "codes.parquet"
    assert write_parquet(_layout(), _chunks(), out) == len(RECORDS)
    assert pq.ParquetFile(out).metadata.num_row_groups == 2  # one per chunk
    table = pq.read_table(out)
    schema = table.schema
    assert schema.names == [*COLUMNS[:8], "KEY", "Status", "FormVersion", "Language"]
    assert schema.field("work-sector").type == pa.dictionary(pa.int32(), pa.string())
    assert schema.field("work-tools").type == pa.list_(pa.string())
    assert schema.field("work-staff").type == pa.int64()
    assert schema.field("work-share").type == pa.float64()
    assert schema.field("since").type == pa.date32()
    assert schema.field("SubmissionDate").type == pa.timestamp("us", tz="UTC")
    assert schema.metadata[b"indagine.form_id"] == b"writers"
    rows = table.to_pylist()
    for row, record in zip(rows, RECORDS, strict=True):
        assert row["SubmissionDate"] == record.submitted
        assert (row["KEY"], row["Status"], row["FormVersion"]) == (record.key, record.status, 1)
        assert row["work-tools"] == record.answers.get("tools")
        assert row["work-sector"] == record.answers.get("sector")
    assert rows[0]["since"] == dt.date(2020, 3, 9) and rows[0]["work-staff"] == 40
    assert rows[2]["work-staff"] is None and rows[2]["comment"] is None
    field = schema.field("happy")
    assert field.metadata[b"type"] == b"select_one" and field.metadata[b"list"] == b"agree"
    assert json.loads(field.metadata[b"label"]) == {"it": "Soddisfatto?", "en": "Satisfied?"}
    assert json.loads(field.metadata[b"choices"])[2] == {
        "name": "yes",
        "label": {"it": "Sì", "en": "Yes"},
    }
