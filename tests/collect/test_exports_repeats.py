"""Exports of a form with repeats, in ODK Central's layout: the main table without the repeats'
questions, a table per repeat with a row per instance, its PARENT_KEY the response's KEY; CSV,
.sav, .dta and Parquet as a zip of a file per table, XLSX as a sheet per repeat. Each format is
read back with its own library (csv and zipfile, openpyxl, pyreadstat, pyarrow)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import textwrap
import tracemalloc
import zipfile

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest
from django.utils import timezone

from indagine.cli import main
from indagine.collect import responses
from indagine.collect.exports import ExportPlan, Record, Table, export, file_names, suffix
from indagine.collect.exports.csv import CSV_TAIL
from indagine.collect.exports.records import response_key
from indagine.collect.exports.xlsx import _SheetNames, write_xlsx
from indagine.collect.models import Response
from indagine.forms.loader import load_form
from indagine.forms.model import Question, QuestionType, Repeat, Text
from indagine.surveys.models import FormVersion, Survey

SLUG = "sedi"
TRICKY = 'Reggio, "Calabria"\nseconda riga'

# Sites within a group, each with a group of its own inside; colleagues at the top level.
FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | repeat_count | relevant | calculation | parameters |
| | select_one kind | kind | Tipo | Kind | | | | |
| | integer | n_sites | Quante sedi? | How many sites? | | | | |
| | begin_group | where | Dove | Where | | | | |
| | begin_repeat | site | Sede | Site | ${n_sites} | ${n_sites} > 0 | | |
| | text | city | Città | City | | | | |
| | integer | seats | Postazioni | Seats | | | | |
| | begin_group | detail | Dettagli | Details | | | | |
| | select_one yn | remote | Da remoto? | Remote? | | | | |
| | select_multiple tools | tools | Strumenti | Tools | | | | randomize=true |
| | date | opened | Aperta il | Opened on | | | | |
| | dateTime | checked | Controllata | Checked | | | | |
| | end_group | | | | | | | |
| | calculate | number | | | | | position(..) | |
| | end_repeat | | | | | | | |
| | end_group | | | | | | | |
| | begin_repeat | colleague | Collega | Colleague | | | | |
| | text | role | Ruolo | Role | | | | |
| | end_repeat | | | | | | | |
| | calculate | seats_total | | | | | sum(${seats}) | |
| | note | bye | Grazie | Thanks | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | kind | bpo | BPO | BPO |
| | kind | inhouse | Interno | In-house |
| | yn | yes | Sì | Yes |
| | yn | no | No | No |
| | tools | vpn | VPN | VPN |
| | tools | cloud | Cloud | Cloud |
| settings |
| | form_title | form_id | version | default_language |
| | Sedi | sedi_form | 1 | Italiano (it) |
"""

ROMA = {"city": "Roma", "seats": 30, "remote": "yes", "tools": ["vpn", "cloud"], "number": 1,
        "opened": "2020-03-09", "checked": "2020-03-18T09:30:00"}  # fmt: skip
BARI = {"city": "Bari", "seats": 4, "number": 2}
CHECKED = dt.datetime(2020, 3, 18, 9, 30)
# name: (answers, status, test, the order the respondent saw the tools in)
ROWS = {
    "two_sites": ({"kind": "bpo", "n_sites": 2, "site": [ROMA, BARI],
                   "colleague": [{"role": "capo"}]}, "complete", False, ["cloud", "vpn"]),
    # the sites did not apply (no key); the colleagues applied with none ([])
    "no_site": ({"kind": "inhouse", "n_sites": 0, "colleague": []}, "complete", False, None),
    "partial": ({"kind": "bpo", "n_sites": 1, "site": [{"city": TRICKY, "seats": 7}]},
                "partial", False, None),
    "test": ({"kind": "bpo", "n_sites": 1, "site": [{"city": "Prova"}],
              "colleague": [{"role": "t"}]}, "complete", True, None),
}  # fmt: skip
FILES = ["sedi_form.csv", "sedi_form-site.csv", "sedi_form-colleague.csv"]
SITE_COLUMNS = ["city", "seats", "detail-remote", "detail-tools", "detail-tools_order",
                "detail-opened", "detail-checked", "number", "PARENT_KEY", "KEY"]  # fmt: skip


def _form_survey(slug: str = SLUG) -> Survey:
    """A survey of the form with repeats, stored as an import would store it: forms with
    repeats are still refused on upload, so the version is made here from the loaded form."""
    from indagine.surveys.services import open_survey

    source = textwrap.dedent(FORM).encode()
    result = load_form(source.decode(), "sedi.md")
    assert result.ok and result.form is not None, result.issues
    survey = Survey.objects.create(slug=slug, title="Sedi")
    version = FormVersion.objects.create(
        survey=survey,
        number=1,
        form_json=result.form.to_json(),
        source=source,
        source_name="sedi.md",
        sha256=hashlib.sha256(source).hexdigest(),
    )
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return open_survey(survey)


@pytest.fixture
def sites(db):
    """The survey and its responses' KEYs by name (ROWS)."""
    survey = _form_survey()
    keys = {}
    for name, (answers, status, test, shown) in ROWS.items():
        response = Response.objects.create(
            survey=survey,
            form_version=survey.current_version,
            answers=answers,
            status=status,
            language="it",
            test=test,
            orders={"tools": shown} if shown else {},
            completed_at=timezone.now() if status == "complete" else None,
        )
        keys[name] = response_key(SLUG, response.pk)
    return survey, keys


def _zip_csv(path):
    """Each file of the zip, in order: its header and rows (as dicts)."""
    with zipfile.ZipFile(path) as archive:
        tables = {}
        for name in archive.namelist():
            reader = csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"), newline=""))
            tables[name] = (reader.fieldnames, list(reader))
        return tables


def _linked(main_keys, rows):
    """Each instance's PARENT_KEY is a KEY of the main table; instance KEYs are unique."""
    assert {r["PARENT_KEY"] for r in rows} <= set(main_keys)
    assert len({r["KEY"] for r in rows}) == len(rows)


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_is_a_zip_of_the_main_file_and_one_per_repeat_as_odk_central(sites, tmp_path):
    _, keys = sites
    out = tmp_path / "sedi.csv.zip"
    assert export(SLUG, out, "csv", chunk_size=1) == 3  # the test response left out
    tables = _zip_csv(out)
    assert list(tables) == FILES
    header, main = tables["sedi_form.csv"]
    # the repeats' questions are not in the main file; no column for a repeat, as in Central
    assert header == ["SubmissionDate", "kind", "n_sites", "seats_total", *CSV_TAIL]
    assert [r["KEY"] for r in main] == [keys["two_sites"], keys["no_site"], keys["partial"]]
    header, site = tables["sedi_form-site.csv"]
    assert header == SITE_COLUMNS
    two, partial = keys["two_sites"], keys["partial"]
    assert [(r["PARENT_KEY"], r["KEY"]) for r in site] == [
        (two, f"{two}/where/site[1]"),  # the group around the repeat is in the KEY, as Central's
        (two, f"{two}/where/site[2]"),
        (partial, f"{partial}/where/site[1]"),
    ]
    _linked([r["KEY"] for r in main], site)
    roma, bari, tricky = site
    assert roma["city"] == "Roma" and roma["seats"] == "30" and roma["detail-remote"] == "yes"
    assert roma["detail-tools"] == "vpn cloud" and roma["detail-opened"] == "2020-03-09"
    assert roma["detail-tools_order"] == bari["detail-tools_order"] == "cloud vpn"
    checked = dt.datetime.fromisoformat(roma["detail-checked"])  # with the survey's offset
    assert checked.utcoffset() is not None and checked.replace(tzinfo=None) == CHECKED
    assert bari["city"] == "Bari" and bari["detail-remote"] == "" and bari["number"] == "2"
    assert tricky["city"] == TRICKY and tricky["detail-tools_order"] == ""
    header, colleague = tables["sedi_form-colleague.csv"]
    assert header == ["role", "PARENT_KEY", "KEY"]
    # the response whose colleagues applied with none has no row, as the one without sites
    assert colleague == [{"role": "capo", "PARENT_KEY": two, "KEY": f"{two}/colleague[1]"}]


def test_csv_labels_and_test_responses_in_the_repeat_tables(sites, tmp_path):
    _, keys = sites
    out = tmp_path / "labels.csv.zip"
    assert export(SLUG, out, "csv", labels=True, lang="en", tests=True, chunk_size=2) == 4
    tables = _zip_csv(out)
    main = [r["KEY"] for r in tables["sedi_form.csv"][1]]
    site = tables["sedi_form-site.csv"][1]
    colleague = tables["sedi_form-colleague.csv"][1]
    assert site[0]["detail-remote"] == "Yes" and site[0]["detail-tools"] == "VPN; Cloud"
    assert [r["city"] for r in site] == ["Roma", "Bari", TRICKY, "Prova"]
    assert site[3]["PARENT_KEY"] == keys["test"] == main[3]
    assert [r["role"] for r in colleague] == ["capo", "t"]
    _linked(main, site)
    _linked(main, colleague)


def test_the_organisers_filter_keeps_the_instances_of_the_responses_it_keeps(sites, tmp_path):
    survey, keys = sites
    form = survey.current_version.form
    out = tmp_path / "segment.csv.zip"
    kept = responses.chosen(survey, form, responses.Filter(segment=("kind", "inhouse")))
    assert export(SLUG, out, "csv", responses=kept) == 1
    tables = _zip_csv(out)
    assert [r["KEY"] for r in tables["sedi_form.csv"][1]] == [keys["no_site"]]
    assert tables["sedi_form-site.csv"] == (SITE_COLUMNS, [])  # the header alone
    assert tables["sedi_form-colleague.csv"] == (["role", "PARENT_KEY", "KEY"], [])
    kept = responses.chosen(survey, form, responses.Filter(status="partial"))
    export(SLUG, out, "csv", responses=kept)
    site = _zip_csv(out)["sedi_form-site.csv"][1]
    assert [(r["city"], r["PARENT_KEY"]) for r in site] == [(TRICKY, keys["partial"])]


# -- XLSX ---------------------------------------------------------------------------------------


def _sheet(workbook, name):
    rows = list(workbook[name].iter_rows(values_only=True))
    return list(rows[0]), [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_xlsx_has_a_sheet_per_repeat_with_its_parents_key(sites, tmp_path):
    _, keys = sites
    out = tmp_path / "sedi.xlsx"
    assert export(SLUG, out, "xlsx", chunk_size=1) == 3
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["data", "site", "colleague", "variables", "labels"]
    header, data = _sheet(workbook, "data")
    assert header == ["SubmissionDate", "kind", "n_sites", "seats_total", *CSV_TAIL]
    header, site = _sheet(workbook, "site")
    assert header == SITE_COLUMNS
    _linked([r["KEY"] for r in data], site)
    two = keys["two_sites"]
    assert [r["PARENT_KEY"] for r in site] == [two, two, keys["partial"]]
    assert site[1]["KEY"] == f"{two}/where/site[2]" and site[1]["city"] == "Bari"
    assert site[0]["seats"] == 30 and site[0]["detail-opened"] == dt.datetime(2020, 3, 9)
    assert site[0]["detail-tools"] == "vpn cloud" and site[2]["detail-remote"] is None
    _, colleague = _sheet(workbook, "colleague")
    assert [(r["role"], r["PARENT_KEY"]) for r in colleague] == [("capo", two)]
    header, variables = _sheet(workbook, "variables")
    assert header[:4] == ["sheet", "column", "type", "list"]
    rows = [tuple(r.values()) for r in variables]
    assert ("site", "detail-remote", "select_one", "yn", "Da remoto?", "Remote?") in rows
    assert ("data", "kind", "select_one", "kind", "Tipo", "Kind") in rows
    assert ("colleague", "PARENT_KEY", "text", None, None, None) in rows
    lists = {r["list"] for r in _sheet(workbook, "labels")[1]}
    assert lists == {"kind", "yn", "tools"}  # the repeats' lists too


def test_xlsx_labels_in_a_repeat_sheet(sites, tmp_path):
    out = tmp_path / "labels.xlsx"
    export(SLUG, out, "xlsx", labels=True, lang="en", tests=True)
    _, site = _sheet(openpyxl.load_workbook(out, read_only=True), "site")
    assert [r["detail-remote"] for r in site] == ["Yes", None, None, None]
    assert site[0]["detail-tools"] == "VPN; Cloud" and site[3]["city"] == "Prova"


def test_sheet_names_fit_excel_and_are_unique_ignoring_case():
    names = _SheetNames()
    long = "a_repeat_with_a_name_longer_than_excel_allows"
    made = [names.make(n) for n in ("data", "Data", "labels", long, long, "x[1]:y")]
    # the dictionary's sheets keep their names; Excel tells no case apart
    assert made == ["data", "Data~2", "labels~2", long[:31], f"{long[:29]}~2", "x_1__y"]
    assert names.make("data", "_2") == "data_2" and names.make(long, "_2") == f"{long[:29]}_2"
    assert all(len(n) <= 31 for n in made)


def test_xlsx_repeat_sheets_named_like_the_dictionary_or_too_long(tmp_path):
    form = load_form(textwrap.dedent(FORM), "sedi.md").form
    assert form is not None
    long = "r" * 40
    tables = tuple(
        Table(
            (Question("x", QuestionType.TEXT, group_path=(name,), repeat=name),),
            Repeat(name, Text({})),
        )
        for name in ("labels", long)
    )
    layout = ExportPlan(form, (), "it", {}, tables)
    answers = {"labels": [{"x": "a"}, {"x": "b"}], long: [{"x": "c"}]}
    record = Record("uuid:1", dt.datetime(2020, 5, 1, tzinfo=dt.UTC), answers, "complete", 1, "it")
    write_xlsx(layout, [[record]], tmp_path / "n.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "n.xlsx")
    assert workbook.sheetnames == ["data", "labels~2", "r" * 31, "variables", "labels"]
    assert [r["x"] for r in _sheet(workbook, "labels~2")[1]] == ["a", "b"]
    assert _sheet(workbook, "r" * 31)[1] == [
        {"x": "c", "PARENT_KEY": "uuid:1", "KEY": f"uuid:1/{long}[1]"}
    ]
    sheets = {r["sheet"] for r in _sheet(workbook, "variables")[1]}
    assert sheets == {"data", "labels~2", "r" * 31}


# -- SPSS and Stata -----------------------------------------------------------------------------


def _members(path, tmp_path):
    """The zip's files, unpacked beside it: pyreadstat reads from a path."""
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "unzipped")
        return [tmp_path / "unzipped" / name for name in archive.namelist()]


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize(
    ("fmt", "read"), [("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)]
)
def test_sav_and_dta_are_a_zip_of_a_file_per_table(sites, tmp_path, fmt, read):
    _, keys = sites
    out = tmp_path / f"sedi.{fmt}.zip"
    assert export(SLUG, out, fmt, chunk_size=2) == 3
    main_path, site_path, colleague_path = _members(out, tmp_path)
    assert [p.name for p in (main_path, site_path, colleague_path)] == [
        f.replace(".csv", f".{fmt}") for f in FILES
    ]
    main, _ = read(str(main_path))
    assert "city" not in main.columns and "seats" not in main.columns
    assert list(main["KEY"]) == [keys["two_sites"], keys["no_site"], keys["partial"]]
    site, meta = read(str(site_path))
    assert list(site.columns[-2:]) == ["PARENT_KEY", "KEY"]
    assert set(site["PARENT_KEY"]) <= set(main["KEY"]) and site["KEY"].is_unique
    two = keys["two_sites"]
    assert list(site["PARENT_KEY"]) == [two, two, keys["partial"]]
    assert list(site["city"]) == ["Roma", "Bari", TRICKY] and list(site["seats"]) == [30, 4, 7]
    assert site["remote"][0] == 1 and _missing(site["remote"][1])
    assert list(site["tools_vpn"][:1]) == [1] and _missing(site["tools_vpn"][1])
    assert meta.column_names_to_labels["city"] == "Città"
    labels = (
        meta.variable_value_labels
        if fmt == "sav"
        else {v: meta.value_labels[k] for v, k in meta.variable_to_label.items()}
    )
    assert labels["remote"] == {1: "Sì", 2: "No"}
    assert site["opened"][0] == dt.date(2020, 3, 9) and _missing(site["opened"][1])
    colleague, _ = read(str(colleague_path))
    assert list(colleague["role"]) == ["capo"] and list(colleague["PARENT_KEY"]) == [two]


# -- Parquet ------------------------------------------------------------------------------------


def test_parquet_is_a_zip_of_a_file_per_table(sites, tmp_path):
    _, keys = sites
    out = tmp_path / "sedi.parquet.zip"
    assert export(SLUG, out, "parquet", tests=True, chunk_size=3) == 4
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == [f.replace(".csv", ".parquet") for f in FILES]
        main, site, colleague = (
            pq.read_table(io.BytesIO(archive.read(n))) for n in archive.namelist()
        )
    assert "city" not in main.column_names
    assert site.schema.metadata[b"indagine.repeat"] == b"site"
    assert site.schema.field("seats").type == pa.int64()
    assert site.schema.field("detail-tools").type == pa.list_(pa.string())
    assert site.schema.field("detail-opened").type == pa.date32()
    rows = site.to_pylist()
    assert set(site.column("PARENT_KEY").to_pylist()) <= set(main.column("KEY").to_pylist())
    assert len(set(site.column("KEY").to_pylist())) == len(rows) == 4  # the test's instance too
    assert rows[0]["detail-tools"] == ["vpn", "cloud"] and rows[0]["detail-remote"] == "yes"
    assert rows[0]["detail-opened"] == dt.date(2020, 3, 9) and rows[1]["seats"] == 4
    assert rows[3]["PARENT_KEY"] == keys["test"] and rows[3]["city"] == "Prova"
    assert colleague.column("role").to_pylist() == ["capo", "t"]


# -- names, downloads, the command line, failures, memory ---------------------------------------


def test_the_files_ending_says_zip_only_for_a_form_with_repeats(sites, open_survey):
    assert [suffix(SLUG, f) for f in ("csv", "xlsx", "sav", "dta", "parquet")] == [
        "csv.zip",
        "xlsx",
        "sav.zip",
        "dta.zip",
        "parquet.zip",
    ]
    assert suffix("small", "csv") == "csv" and suffix("small", "sav") == "sav"


def test_file_names_in_the_zip_differ_even_ignoring_case():
    form = load_form(textwrap.dedent(FORM), "sedi.md").form
    assert form is not None
    tables = tuple(Table((), Repeat(n, Text({}))) for n in ("Site", "site", "other"))
    names = file_names(ExportPlan(form, (), "it", {}, tables), "csv")
    assert names == [
        "sedi_form.csv",
        "sedi_form-Site~1.csv",
        "sedi_form-site~2.csv",
        "sedi_form-other.csv",
    ]


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(user)
    return user


def test_the_download_is_a_zip_named_and_typed_so(sites, client, organiser):
    _, keys = sites
    reply = client.get(f"/manage/{SLUG}/responses/download/?format=csv&segment=kind:bpo")
    assert reply.status_code == 200 and reply["Content-Type"] == "application/zip"
    assert 'filename="sedi-responses.csv.zip"' in reply["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(reply.streaming_content))) as archive:
        assert archive.namelist() == FILES
        site = list(csv.DictReader(io.StringIO(archive.read(FILES[1]).decode("utf-8"))))
    assert {r["PARENT_KEY"] for r in site} == {keys["two_sites"], keys["partial"]}
    reply = client.get(f"/manage/{SLUG}/responses/download/?format=xlsx")
    assert 'filename="sedi-responses.xlsx"' in reply["Content-Disposition"]
    assert reply["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_command_line_names_the_zip(sites, tmp_path, capsys):
    out = tmp_path / "sedi.csv"
    assert main(["responses", "export", SLUG, "-o", str(out), "--quiet"]) == 0
    assert f"written to {out}.zip" in capsys.readouterr().out
    assert not out.exists() and list(_zip_csv(f"{out}.zip")) == FILES
    out = tmp_path / "named.zip"
    argv = ["responses", "export", SLUG, "--format", "sav", "-o", str(out), "--quiet"]
    assert main(argv) == 0 and zipfile.is_zipfile(out)
    argv = ["responses", "export", SLUG, "--format", "xlsx", "-o", str(tmp_path / "s.xlsx")]
    assert main([*argv, "--quiet"]) == 0 and (tmp_path / "s.xlsx").exists()


def test_a_zip_export_that_fails_half_way_leaves_nothing_behind(sites, tmp_path, monkeypatch):
    from indagine.collect import exports

    out = tmp_path / "sedi.csv.zip"
    export(SLUG, out, "csv")
    before = out.read_bytes()
    real = exports._chunks

    def failing(*args, **kwargs):
        yield next(real(*args, **kwargs))
        raise RuntimeError("killed half way")

    monkeypatch.setattr(exports, "_chunks", failing)
    for fmt in ("csv", "sav", "parquet", "xlsx"):
        with pytest.raises(RuntimeError):
            export(SLUG, out, fmt, chunk_size=1)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["sedi.csv.zip"]  # no table files left


def _peak(fmt, path):
    """Python's allocations (tracemalloc) plus Arrow's (its own pool) while exporting."""
    pool = pa.default_memory_pool()
    tracemalloc.start()
    export(SLUG, path, fmt, chunk_size=250)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak + pool.max_memory() if fmt in ("parquet", "sav") else peak


def test_memory_does_not_grow_with_the_number_of_responses(db, tmp_path):
    survey = _form_survey()
    answers = ROWS["two_sites"][0]
    version = survey.current_version

    def add(n):
        Response.objects.bulk_create(
            Response(survey=survey, form_version=version, answers=answers, language="it")
            for _ in range(n)
        )

    formats = ("csv", "parquet", "sav", "xlsx")
    add(500)
    for fmt in formats:  # imports and Arrow's lazily loaded kernels stay out of the peaks
        export(SLUG, tmp_path / f"warm.{fmt}", fmt)
    small_peaks = [_peak(fmt, tmp_path / f"small.{fmt}") for fmt in formats]
    add(4_500)
    large_peaks = [_peak(fmt, tmp_path / f"large.{fmt}") for fmt in formats]
    for fmt, small_peak, large_peak in zip(formats, small_peaks, large_peaks, strict=True):
        assert large_peak < 1.5 * small_peak, (fmt, small_peak, large_peak)  # 10 times the rows
    with zipfile.ZipFile(tmp_path / "large.csv") as archive:
        site = archive.read("sedi_form-site.csv").decode("utf-8")
    assert site.count("/where/site[") == 2 * 5_000  # every instance was written
