"""Exports read back (csv, openpyxl, pyreadstat, polars) give the values and labels that went in."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil
import subprocess
import textwrap
import tracemalloc

import openpyxl
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest
from django.utils import timezone

from indagine.cli import main
from indagine.collect.exports import export, plan, sav_codes, sav_variables
from indagine.collect.exports.records import response_key as _key
from indagine.collect.exports.sav import SpssNames as _SpssNames
from indagine.collect.models import Response
from indagine.collect.transfer import ImportRefused, add_synthetic, export_csv

TRICKY = 'con, virgola "tra virgolette"\nseconda riga: perché sì, à la carte'
SMALL = "small"
BUILTIN = "remote-working-2020"

# What went in: the small form's answers (org, org_other, share, tools, comment), and status.
SMALL_ROWS = [
    ({"org": "bpo", "share": 12.5, "tools": ["vpn", "cloud"], "comment": TRICKY}, "complete"),
    ({"org": "other", "org_other": "Studio «Rossi», s.r.l.", "share": 3.0}, "complete"),
    ({"org": "inhouse"}, "partial"),  # stopped on the first page
    ({"org": "bpo", "share": 0.25, "tools": ["cloud"], "comment": "=1+2"}, "complete"),
]


def _respond(survey, answers, status, lang="it"):
    done = status == "complete"
    return Response.objects.create(
        survey=survey,
        form_version=survey.current_version,
        answers=answers,
        status=status,
        language=lang,
        completed_at=timezone.now() if done else None,
    )


@pytest.fixture
def small(open_survey):
    responses = [_respond(open_survey, a, s) for a, s in SMALL_ROWS]
    return {_key(SMALL, r.pk): r for r in responses}


@pytest.fixture
def builtin(builtin_survey):
    add_synthetic(BUILTIN, 60, seed=11, test=False)
    _respond(builtin_survey, {"org_type": "public", "role": "hr"}, "partial", lang="en")
    _respond(builtin_survey, {}, "partial")
    responses = Response.objects.filter(survey=builtin_survey).order_by("pk")
    return builtin_survey, {_key(BUILTIN, r.pk): r for r in responses}


def _questions(survey):
    form = survey.current_version.form
    return [q for q in form.questions() if q.type.value != "note"]


def _stamp(response):
    return response.completed_at or response.updated_at


# -- CSV ----------------------------------------------------------------------------------------


def _read_csv(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["KEY"]: row for row in csv.DictReader(handle)}


def test_csv_codes_are_todays_odk_layout_byte_for_byte(small, tmp_path):
    ours, todays = tmp_path / "ours.csv", tmp_path / "today.csv"
    assert export(SMALL, ours, "csv", chunk_size=3) == len(SMALL_ROWS)
    export_csv(SMALL, todays)
    assert ours.read_bytes() == todays.read_bytes()
    rows = _read_csv(ours)
    for key, response in small.items():
        row = rows[key]
        assert row["p1-org"] == response.answers["org"]
        assert row["p2-tools"] == " ".join(response.answers.get("tools", []))
        assert row["p3-comment"] == response.answers.get("comment", "")
        assert row["Status"] == response.status and row["Language"] == "it"
        assert row["meta-instanceID"] == key and row["FormVersion"] == "1"
        assert dt.datetime.fromisoformat(row["SubmissionDate"]) == _stamp(response)


@pytest.mark.parametrize(
    ("lang", "org", "tools"),
    [
        ("it", ["BPO", "Altro", "Interno", "BPO"], "VPN; Cloud"),
        ("en", ["BPO", "Other", "In-house", "BPO"], "VPN; Cloud"),
    ],
)
def test_csv_labels_in_each_language(small, tmp_path, lang, org, tools):
    out = tmp_path / "labels.csv"
    export(SMALL, out, "csv", labels=True, lang=lang)
    rows = list(_read_csv(out).values())
    assert [r["p1-org"] for r in rows] == org
    assert rows[0]["p2-tools"] == tools and rows[3]["p2-tools"] == "Cloud"
    assert rows[0]["p3-comment"] == TRICKY and rows[1]["p2-share"] == "3.0"
    assert rows[2]["p2-tools"] == rows[2]["p2-share"] == ""


def test_csv_of_the_builtin_survey_holds_every_answer(builtin, tmp_path):
    survey, responses = builtin
    out = tmp_path / "builtin.csv"
    assert export(BUILTIN, out, "csv", labels=True, lang="en", chunk_size=7) == len(responses)
    rows = _read_csv(out)
    for key, response in responses.items():
        for q in _questions(survey):
            value = response.answers.get(q.name)
            cell = rows[key][q.path_name]
            if value is None:
                assert cell == ""
            elif q.type.value == "select_multiple":
                assert cell == "; ".join(q.choice(v).label.get("en") for v in value)
            elif q.type.value == "select_one":
                assert cell == q.choice(value).label.get("en")
            else:
                assert cell == str(value)


# -- XLSX ---------------------------------------------------------------------------------------


def _sheet(workbook, name):
    rows = list(workbook[name].iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_xlsx_data_variables_and_labels_sheets(small, tmp_path):
    out = tmp_path / "small.xlsx"
    assert export(SMALL, out, "xlsx", chunk_size=2) == len(SMALL_ROWS)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["data", "variables", "labels"]
    header, rows = _sheet(workbook, "data")
    with (tmp_path / "today.csv").open("w") as _:
        export_csv(SMALL, tmp_path / "today.csv")
    assert list(header) == next(csv.reader((tmp_path / "today.csv").open(encoding="utf-8")))
    data = {row[header.index("KEY")]: dict(zip(header, row, strict=True)) for row in rows}
    for key, response in small.items():
        row, answers = data[key], response.answers
        assert row["p1-org"] == answers["org"]
        assert row["p1-org_other"] == answers.get("org_other")
        assert row["p2-share"] == answers.get("share")
        assert row["p2-tools"] == (" ".join(answers["tools"]) if "tools" in answers else None)
        assert row["p3-comment"] == answers.get("comment")  # "=1+2" stays text, not a formula
        assert row["Status"] == response.status and row["FormVersion"] == 1
        submitted = _stamp(response).astimezone(dt.UTC).replace(tzinfo=None)
        assert abs(row["SubmissionDate"] - submitted) <= dt.timedelta(milliseconds=1)  # Excel: ms
    assert workbook["data"]["E5"].data_type == "s"
    header, variables = _sheet(workbook, "variables")
    assert header == ("column", "type", "list", "label::it", "label::en")
    assert ("p1-org", "select_one", "org", "Tipo", "Type") in variables
    assert ("p2-share", "decimal", None, "Quota", "Share") in variables
    assert ("p2-tools", "select_multiple", "tools", "Strumenti", "Tools") in variables
    header, labels = _sheet(workbook, "labels")
    assert header == ("list", "code", "label::it", "label::en")
    assert labels == [
        ("org", "bpo", "BPO", "BPO"),
        ("org", "inhouse", "Interno", "In-house"),
        ("org", "other", "Altro", "Other"),
        ("tools", "vpn", "VPN", "VPN"),
        ("tools", "cloud", "Cloud", "Cloud"),
    ]


def test_xlsx_with_labels(small, tmp_path):
    out = tmp_path / "labels.xlsx"
    export(SMALL, out, "xlsx", labels=True, lang="en")
    header, rows = _sheet(openpyxl.load_workbook(out, read_only=True), "data")
    column = header.index("p1-org")
    assert [r[column] for r in rows] == ["BPO", "Other", "In-house", "BPO"]
    assert rows[0][header.index("p2-tools")] == "VPN; Cloud"


def test_xlsx_of_the_builtin_survey(builtin, tmp_path):
    survey, responses = builtin
    out = tmp_path / "builtin.xlsx"
    export(BUILTIN, out, "xlsx", chunk_size=25)
    header, rows = _sheet(openpyxl.load_workbook(out, read_only=True), "data")
    data = {row[header.index("KEY")]: dict(zip(header, row, strict=True)) for row in rows}
    assert len(data) == len(responses)
    for key, response in responses.items():
        for q in _questions(survey):
            value = response.answers.get(q.name)
            expected = " ".join(value) if isinstance(value, list) else value
            assert data[key][q.path_name] == expected, (key, q.name)


# -- SPSS ---------------------------------------------------------------------------------------


def _sav(path):
    frame, meta = pyreadstat.read_sav(str(path))
    rows = {row["KEY"]: row for row in frame.to_dict("records")}
    return rows, meta


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_sav_values_variable_labels_and_value_labels(small, tmp_path):
    out = tmp_path / "small.sav"
    assert export(SMALL, out, "sav", chunk_size=3) == len(SMALL_ROWS)
    rows, meta = _sav(out)
    assert meta.column_names == [
        "SubmissionDate",
        "org",
        "org_other",
        "share",
        "tools_vpn",
        "tools_cloud",
        "comment",
        "KEY",
        "Status",
        "FormVersion",
        "Language",
    ]
    labels = meta.column_names_to_labels
    assert labels["org"] == "Tipo" and labels["share"] == "Quota"
    assert labels["tools_cloud"] == "Strumenti: Cloud"
    assert meta.variable_value_labels["org"] == {1: "BPO", 2: "Interno", 3: "Altro"}
    assert meta.variable_value_labels["tools_vpn"] == {0: "non selezionato", 1: "selezionato"}
    assert meta.variable_measure["org"] == "nominal" and meta.variable_measure["share"] == "scale"
    codes = {"bpo": 1, "inhouse": 2, "other": 3}
    for key, response in small.items():
        row, answers = rows[key], response.answers
        assert row["org"] == codes[answers["org"]]
        assert row["org_other"] == answers.get("org_other", "")
        assert row["comment"] == answers.get("comment", "")
        if "share" in answers:
            assert row["share"] == answers["share"]
        else:
            assert _missing(row["share"])
        for choice in ("vpn", "cloud"):
            if "tools" in answers:
                assert row[f"tools_{choice}"] == int(choice in answers["tools"])
            else:
                assert _missing(row[f"tools_{choice}"])
        assert row["Status"] == response.status and row["FormVersion"] == 1
        assert row["Language"] == "it"
        submitted = _stamp(response).astimezone(dt.UTC).replace(tzinfo=None)
        assert abs(row["SubmissionDate"] - submitted) < dt.timedelta(milliseconds=1)


def test_sav_labels_in_english(small, tmp_path):
    out = tmp_path / "en.sav"
    export(SMALL, out, "sav", lang="en")
    _, meta = _sav(out)
    assert meta.column_names_to_labels["org"] == "Type"
    assert meta.variable_value_labels["org"] == {1: "BPO", 2: "In-house", 3: "Other"}
    assert meta.variable_value_labels["tools_vpn"] == {0: "not selected", 1: "selected"}


def test_sav_of_the_builtin_survey(builtin, tmp_path):
    survey, responses = builtin
    out = tmp_path / "builtin.sav"
    assert export(BUILTIN, out, "sav", chunk_size=16) == len(responses)
    rows, meta = _sav(out)
    assert len(rows) == len(responses)
    for q in _questions(survey):
        if q.type.value == "select_one":
            codes = sav_codes(q)
            expected = {codes[c.name]: c.label.get("it") for c in q.choices}
            assert meta.variable_value_labels[q.name] == expected
            assert meta.column_names_to_labels[q.name] == q.label.get("it")
    measures = meta.variable_measure
    assert measures["agree_change"] == "ordinal" and measures["org_type"] == "nominal"
    # The text question keeps its name; the multiple choice's 'other' option yields.
    assert meta.column_names_to_labels["remote_tools_other"] == "Quali altri strumenti?"
    assert meta.column_names_to_labels["remote_tools_other_2"].endswith(": Altro (specificare)")
    names = {(v.question.name, v.choice): v.name for v in sav_variables(plan(survey)) if v.question}
    assert set(names.values()) <= set(meta.column_names)
    for key, response in responses.items():
        for q in _questions(survey):
            _check_sav_value(rows[key], q, response.answers.get(q.name), names)
    # an ordered scale is coded by its scores, so a mean in SPSS is the report's mean
    remote = survey.current_version.form.question("remote")
    assert sav_codes(remote) == {c.name: int(c.score) for c in remote.choices}
    assert sav_codes(remote) != {c.name: i for i, c in enumerate(remote.choices, 1)}


def _check_sav_value(row, q, value, names):
    kind = q.type.value
    if kind == "select_multiple":
        for c in q.choices:
            cell = row[names[q.name, c.name]]
            assert _missing(cell) if value is None else cell == int(c.name in value)
    elif kind == "select_one":
        assert _missing(row[q.name]) if value is None else row[q.name] == sav_codes(q)[value]
    elif kind in ("integer", "decimal"):
        assert _missing(row[q.name]) if value is None else row[q.name] == value
    else:
        assert row[q.name] == ("" if value is None else value)


PSPP_DATES = {"DATE11": "%m/%d/%Y", "DATETIME20": "%m/%d/%Y %H:%M:%S"}


def _pspp_csv(sav, out, cells):
    """The .sav's cases as PSPP writes them to CSV: values in plain formats, or labels."""
    syntax = out.with_suffix(".sps")
    options = "/TEXTOPTIONS FORMAT=PLAIN" if cells == "values" else "/CELLS=LABELS"
    syntax.write_text(
        f"GET FILE='{sav}'.\n"
        f"SAVE TRANSLATE /OUTFILE='{out}' /TYPE=CSV /FIELDNAMES /REPLACE {options}.\n"
    )
    subprocess.run(["pspp", str(syntax)], check=True, capture_output=True, timeout=300)
    with out.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP is not installed")
def test_pspp_reads_the_sav_as_pyreadstat_does(builtin, tmp_path):
    """A second reader of the file, GNU PSPP (SPSS's free counterpart): the same cases, values,
    dates and value labels as pyreadstat reads."""
    _, responses = builtin
    out = tmp_path / "builtin.sav"
    export(BUILTIN, out, "sav", chunk_size=16)
    frame, meta = pyreadstat.read_sav(str(out))
    values = _pspp_csv(out, tmp_path / "values.csv", "values")
    labels = _pspp_csv(out, tmp_path / "labels.csv", "labels")
    assert len(values) == len(labels) == len(frame) == len(responses)
    assert list(values[0]) == meta.column_names
    formats = meta.original_variable_types
    for ours, pspp, named in zip(frame.to_dict("records"), values, labels, strict=True):
        for name, value in ours.items():
            cell = pspp[name].strip()
            if formats[name] in PSPP_DATES:
                moment = dt.datetime.strptime(cell, PSPP_DATES[formats[name]])
                assert abs(moment - dt.datetime.fromisoformat(str(value))) < dt.timedelta(seconds=1)
            elif formats[name].startswith("A"):
                assert cell == value, name
            elif _missing(value):
                assert cell == "" and named[name].strip() == "", name
            else:
                assert float(cell) == value, name
                value_labels = meta.variable_value_labels.get(name, {})
                assert named[name] == value_labels.get(value, cell), name


def test_spss_names_are_valid_and_unique():
    names = _SpssNames()
    made = [names.make(n) for n in ("q-1", "1x", "all", "Q_1", "città", "key", "x" * 70, "x" * 70)]
    assert made[:6] == ["q_1", "v_1x", "v_all", "Q_1_2", "citta", "key_2"]
    assert made[6] == "x" * 64 and made[7] == "x" * 62 + "_2"


# -- Parquet ------------------------------------------------------------------------------------


def test_parquet_values_types_and_metadata(small, tmp_path):
    out = tmp_path / "small.parquet"
    assert export(SMALL, out, "parquet", chunk_size=3) == len(SMALL_ROWS)
    assert pq.ParquetFile(out).metadata.num_row_groups == 2  # one per chunk
    frame = pl.read_parquet(out)
    assert frame.columns == [
        "SubmissionDate",
        "p1-org",
        "p1-org_other",
        "p2-share",
        "p2-tools",
        "p3-comment",
        "KEY",
        "Status",
        "FormVersion",
        "Language",
    ]
    assert frame.schema["p1-org"] == pl.Categorical
    assert frame.schema["p2-tools"] == pl.List(pl.String)
    assert frame.schema["p2-share"] == pl.Float64
    assert frame.schema["SubmissionDate"] == pl.Datetime("us", "UTC")
    rows = {row["KEY"]: row for row in frame.iter_rows(named=True)}
    for key, response in small.items():
        row, answers = rows[key], response.answers
        assert row["p1-org"] == answers["org"]
        assert row["p1-org_other"] == answers.get("org_other")
        assert row["p2-share"] == answers.get("share")
        assert row["p2-tools"] == answers.get("tools")
        assert row["p3-comment"] == answers.get("comment")
        assert row["Status"] == response.status and row["FormVersion"] == 1
        assert row["SubmissionDate"] == _stamp(response)
    field = pq.read_schema(out).field("p1-org")
    assert field.metadata[b"type"] == b"select_one"
    assert json.loads(field.metadata[b"label"]) == {"it": "Tipo", "en": "Type"}
    assert json.loads(field.metadata[b"choices"])[1] == {
        "name": "inhouse",
        "label": {"it": "Interno", "en": "In-house"},
    }


def test_parquet_of_the_builtin_survey(builtin, tmp_path):
    survey, responses = builtin
    out = tmp_path / "builtin.parquet"
    export(BUILTIN, out, "parquet", chunk_size=20)
    frame = pl.read_parquet(out)
    assert frame.schema["remote_days".join(["page_remote-", ""])] == pl.Int64
    rows = {row["KEY"]: row for row in frame.iter_rows(named=True)}
    assert len(rows) == len(responses)
    for key, response in responses.items():
        for q in _questions(survey):
            assert rows[key][q.path_name] == response.answers.get(q.name), (key, q.name)


# -- several form versions, errors, the command line, memory ------------------------------------


def test_answers_of_every_form_version_are_exported(open_survey, small_form_source, tmp_path):
    from indagine.surveys.services import import_form

    first = _respond(open_survey, {"org": "bpo", "share": 5.0}, "complete")
    second_form = (
        small_form_source.decode()
        .replace(
            "| | org | other | Altro | Other |",
            "| | org | other | Altro | Other |\n| | org | mixed | Misto | Mixed |",
        )
        .replace(
            "| | end_group | | | | | | | | | |\n| | begin_group | p3",
            textwrap.dedent("""\
        | | integer | staff | Addetti | Staff | | | | | | |
        | | end_group | | | | | | | | | |
        | | begin_group | p3"""),
            1,
        )
    )
    import_form(second_form.encode(), "small2.md", slug=SMALL)
    open_survey.refresh_from_db()
    second = _respond(open_survey, {"org": "mixed", "share": 1.0, "staff": 40}, "complete")
    out = tmp_path / "versions.sav"
    export(SMALL, out, "sav")
    rows, meta = _sav(out)
    assert meta.variable_value_labels["org"][4] == "Misto"
    assert rows[_key(SMALL, second.pk)]["org"] == 4 and rows[_key(SMALL, second.pk)]["staff"] == 40
    assert _missing(rows[_key(SMALL, first.pk)]["staff"])
    assert sorted(r["FormVersion"] for r in rows.values()) == [1, 2]


def test_refusals_have_stable_codes(small, tmp_path):
    with pytest.raises(ImportRefused) as refused:
        export(SMALL, tmp_path / "x.sav", "sav", labels=True)
    assert refused.value.code == "EXPORT_LABELS_FORMAT"
    with pytest.raises(ImportRefused) as refused:
        export(SMALL, tmp_path / "x.ods", "ods")
    assert refused.value.code == "EXPORT_BAD_FORMAT"
    with pytest.raises(ImportRefused) as refused:
        export("nope", tmp_path / "x.csv")
    assert refused.value.code == "SURVEY_NOT_FOUND"


def test_an_empty_survey_exports_headers_only(open_survey, tmp_path):
    for fmt in ("csv", "xlsx", "sav", "parquet"):
        assert export(SMALL, tmp_path / f"empty.{fmt}", fmt) == 0
    assert pl.read_parquet(tmp_path / "empty.parquet").height == 0
    assert pyreadstat.read_sav(str(tmp_path / "empty.sav"))[0].shape[0] == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "parquet"])
def test_the_command_line_writes_each_format(small, tmp_path, capsys, fmt):
    out = tmp_path / f"out.{fmt}"
    assert main(["responses", "export", SMALL, "--format", fmt, "-o", str(out), "--quiet"]) == 0
    assert f"{len(SMALL_ROWS)} response(s) written" in capsys.readouterr().out
    read = {
        "csv": lambda: len(_read_csv(out)),
        "xlsx": lambda: len(_sheet(openpyxl.load_workbook(out), "data")[1]),
        "sav": lambda: len(_sav(out)[0]),
        "parquet": lambda: pl.read_parquet(out).height,
    }
    assert read[fmt]() == len(SMALL_ROWS)


def test_the_command_line_labels_and_refusals(small, tmp_path, capsys):
    out = tmp_path / "labels.csv"
    argv = ["responses", "export", SMALL, "-o", str(out), "--labels", "--lang", "en", "--quiet"]
    assert main(argv) == 0
    assert [r["p1-org"] for r in _read_csv(out).values()][:3] == ["BPO", "Other", "In-house"]
    argv = ["responses", "export", SMALL, "--format", "sav", "--labels", "-o", str(out)]
    assert main(argv) == 1
    assert "EXPORT_LABELS_FORMAT" in capsys.readouterr().err


def _peak(fmt, path):
    """Python's allocations (tracemalloc) plus Arrow's (its own pool) while exporting."""
    pool = pa.default_memory_pool()
    tracemalloc.start()
    export(SMALL, path, fmt, chunk_size=250)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak + pool.max_memory() if fmt in ("parquet", "sav") else peak


def test_memory_does_not_grow_with_the_number_of_responses(open_survey, tmp_path):
    answers = {"org": "bpo", "share": 12.5, "tools": ["vpn", "cloud"], "comment": TRICKY}
    version = open_survey.current_version

    def add(n):
        Response.objects.bulk_create(
            Response(survey=open_survey, form_version=version, answers=answers, language="it")
            for _ in range(n)
        )

    # Python's allocations and Arrow's; the native writers' own (rust_xlsxwriter, ReadStat) are
    # measured as peak RSS by benchmarks/exports.py
    formats = ("csv", "parquet", "sav", "xlsx")
    add(500)
    for fmt in formats:  # imports and Arrow's lazily loaded kernels stay out of the peaks
        export(SMALL, tmp_path / f"warm.{fmt}", fmt)
    small_peaks = [_peak(fmt, tmp_path / f"small.{fmt}") for fmt in formats]
    add(4_500)
    large_peaks = [_peak(fmt, tmp_path / f"large.{fmt}") for fmt in formats]
    for fmt, small_peak, large_peak in zip(formats, small_peaks, large_peaks, strict=True):
        assert large_peak < 1.5 * small_peak, (fmt, small_peak, large_peak)  # 10 times the rows


def test_xlsx_labels_from_the_form_are_text_never_formulas(db, tmp_path):
    from indagine.surveys.services import import_form
    from indagine.surveys.services import open_survey as open_it

    source = b"""
| survey |
| | type | name | label |
| | select_one l | pick | =HYPERLINK("http://x.invalid/","go") |
| choices |
| | list_name | name | label |
| | l | a | =1+2 |
"""
    survey = open_it(import_form(source, "f.md", slug="formulas").survey)
    _respond(survey, {"pick": "a"}, "complete")
    out = tmp_path / "f.xlsx"
    export("formulas", out, "xlsx")
    workbook = openpyxl.load_workbook(out)
    cells = [c for name in ("variables", "labels") for row in workbook[name] for c in row]
    assert {"=1+2", '=HYPERLINK("http://x.invalid/","go")'} <= {c.value for c in cells}
    assert all(c.data_type != "f" for c in cells)


def test_an_export_that_fails_half_way_leaves_the_previous_file_whole(small, tmp_path, monkeypatch):
    from indagine.collect import exports

    out = tmp_path / "small.csv"
    export(SMALL, out, "csv")
    before = out.read_bytes()

    real = exports._chunks

    def failing(*args, **kwargs):
        yield next(real(*args, **kwargs))
        raise RuntimeError("killed half way")

    monkeypatch.setattr(exports, "_chunks", failing)
    with pytest.raises(RuntimeError):
        export(SMALL, out, "csv", chunk_size=1)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["small.csv"]  # no part file left


CHEAP_TYPES = """
| survey |
| | type | name | label | default | required | appearance |
| | start | began | | | | |
| | end | finished | | | | |
| | today | day | | | | |
| | hidden | source | | newsletter | | |
| | begin_group | one | Contatti | | | field-list |
| | phone number | tel | Telefono | | | |
| | acknowledge | consent | Accetto di partecipare | | yes | |
| | end_group | | | | | |
"""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "parquet"])
def test_the_cheap_types_through_the_page_into_every_export(client, db, tmp_path, fmt):
    """phone number, acknowledge and hidden through the respondent's page; start, end and
    today exported under the form's own names, in ISO 8601, from the response's times."""
    from indagine.surveys.services import import_form, open_survey

    open_survey(import_form(CHEAP_TYPES.encode(), "cheap.md", slug="cheap").survey)
    page = client.get("/s/cheap/")
    html = page.content.decode()
    assert 'type="tel"' in html and 'autocomplete="tel"' in html
    assert 'type="checkbox" name="consent"' in html and 'value="OK"' in html
    assert "began" not in html and "newsletter" not in html  # never shown
    index = str(page.context["page_index"])  # the metadata rows are pages of their own, unseen
    shown = page.context["shown"]
    body = {"_page": index, "_key": "c" * 43, "_action": "next", "tel": "call me", "_shown": shown}
    refused = client.post("/s/cheap/", body)
    assert refused.status_code == 200, (refused.status_code, refused.content[:400])
    errors = {q.name: q.error for q in refused.context["questions"] if q.error}
    assert set(errors) == {"tel", "consent"} and errors["tel"].startswith("Scriva un numero")
    done = client.post("/s/cheap/", {**body, "tel": "+39 02 1234567", "consent": "OK"})
    assert done.status_code == 302 and "/thanks/" in done["Location"]
    response = Response.objects.get()
    assert response.answers == {"source": "newsletter", "tel": "+39 02 1234567", "consent": "OK"}
    path = tmp_path / f"cheap.{fmt}"
    export("cheap", path, fmt)
    row = _first_row(path, fmt)
    began = timezone.localtime(response.started_at)
    assert str(row["began"]).startswith(began.strftime("%Y-%m-%dT%H:%M:%S"))
    assert str(row["finished"]).startswith(
        timezone.localtime(response.completed_at).strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert str(row["day"])[:10] == began.date().isoformat()
    assert (row["source"], row["tel"], row["consent"]) == ("newsletter", "+39 02 1234567", "OK")


def _first_row(path, fmt) -> dict:
    if fmt == "csv":
        with path.open(encoding="utf-8") as f:
            row = next(csv.DictReader(f))
        return {k.split("-")[-1]: v for k, v in row.items()}
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        return {str(k).split("-")[-1]: v for k, v in zip(rows[0], rows[1], strict=True)}
    if fmt == "sav":
        frame, _ = pyreadstat.read_sav(str(path))
        return {k: v for k, v in frame.iloc[0].items()}
    return {k.split("-")[-1]: v for k, v in pl.read_parquet(path).row(0, named=True).items()}


SHIFTS = """
| survey |
| | type | name | label | required | appearance |
| | begin_group | shift | Your shift | | field-list |
| | time | starts | When does your shift start? | yes | |
| | datetime | called | When did we call you? | yes | |
| | datetime | visited | When did we visit? | yes | |
| | end_group | | | | |
"""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "parquet"])
def test_times_typed_on_the_page_are_exported_in_iso_8601_with_the_survey_s_offset(
    client, db, tmp_path, fmt
):
    """A time box and date-and-time boxes (typed as people type where a browser draws no
    box); exported as ODK Central does: the time of day, and each moment with the offset of
    the survey's time zone on its day (Rome: +01:00 in March, +02:00 in July)."""
    from indagine.surveys.services import import_form, open_survey

    open_survey(import_form(SHIFTS.encode(), "shifts.md", slug="shifts").survey)
    html = client.get("/s/shifts/").content.decode()
    assert 'type="time" name="starts"' in html and 'type="datetime-local" name="called"' in html
    body = {"_page": "0", "_key": "t" * 43, "_action": "next", "starts": "25.10"}
    body |= {"called": "2020-03-18 9.30", "visited": "2020-07-01T18:05"}
    refused = client.post("/s/shifts/", body)
    assert refused.status_code == 200
    assert "Scriva un orario come 9:30 o 14.45." in refused.content.decode()
    done = client.post("/s/shifts/", {**body, "starts": "6.45"})
    assert done.status_code == 302
    (response,) = Response.objects.filter(status=Response.Status.COMPLETE)
    assert response.answers == {
        "starts": "06:45",
        "called": "2020-03-18T09:30",
        "visited": "2020-07-01T18:05",
    }
    path = tmp_path / f"shifts.{fmt}"
    export("shifts", path, fmt)
    row = _first_row(path, fmt)
    assert (row["starts"], row["called"], row["visited"]) == (
        "06:45",
        "2020-03-18T09:30:00+01:00",
        "2020-07-01T18:05:00+02:00",
    )
