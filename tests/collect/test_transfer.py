"""CSV in and out in ODK Central's layout; synthetic responses."""

from __future__ import annotations

import csv

import pytest

from indagine.collect.models import Response
from indagine.collect.transfer import ImportRefused, add_synthetic, export_csv, import_csv
from indagine.forms.answers import check_submission

HEADER = "SubmissionDate,p1-org,p1-org_other,p2-share,p2-tools,p3-comment,KEY\n"


def write(tmp_path, text, name="rows.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_validates_and_stores_every_row(open_survey, tmp_path):
    path = write(tmp_path, HEADER + ",bpo,,12.5,vpn cloud,ok,uuid:1\n,other,Studio,3,,,uuid:2\n")
    report = import_csv("small", path)
    assert report.stored == 2 and not report.skipped
    answers = sorted((r.answers for r in Response.objects.all()), key=lambda a: a["org"])
    assert answers[0] == {"org": "bpo", "share": 12.5, "tools": ["vpn", "cloud"], "comment": "ok"}
    assert answers[1] == {"org": "other", "org_other": "Studio", "share": 3}
    assert all(r.status == Response.Status.COMPLETE for r in Response.objects.all())


def test_a_file_with_errors_stores_nothing_and_names_the_lines(open_survey, tmp_path):
    path = write(tmp_path, HEADER + ",bpo,,12,,,k1\n,zzz,,12,,,k2\n,bpo,,500,,,k3\n,bpo,,,,,k4\n")
    with pytest.raises(ImportRefused) as refused:
        import_csv("small", path)
    assert refused.value.code == "CSV_INVALID_ROWS"
    problems = "\n".join(refused.value.problems)
    assert "line 3: org: ANSWER_UNKNOWN_CHOICE" in problems
    assert "line 4: share: ANSWER_CONSTRAINT" in problems
    assert "line 5: share: ANSWER_REQUIRED" in problems
    assert not Response.objects.exists()


def test_skip_invalid_stores_the_valid_rows(open_survey, tmp_path):
    path = write(tmp_path, HEADER + ",bpo,,12,,,k1\n,zzz,,12,,,k2\n")
    report = import_csv("small", path, skip_invalid=True)
    assert report.stored == 1 and len(report.skipped) == 1
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\xff\xfe\x00garbage", "CSV_ENCODING"),
        (b"", "CSV_EMPTY"),
        (b"p1-org,nonsense\nbpo,1\n", "CSV_UNKNOWN_COLUMN"),
        (b'p1-org,p2-share\n"bpo,12\n', "CSV_MALFORMED"),
        (b"p1-org,p2-share\nbpo,12,extra\n", "CSV_INVALID_ROWS"),  # not a TypeError
        (b"p1-org,p2-share,p1-org\nbpo,12,inhouse\n", "CSV_DUPLICATE_COLUMN"),
        (b"p1-org,p2-share,Language\nbpo,12,=HYPERLINK(1)\n", "CSV_INVALID_ROWS"),
    ],
)
def test_unparseable_files_get_a_stable_code(open_survey, tmp_path, content, code):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRefused) as refused:
        import_csv("small", path)
    assert refused.value.code == code
    assert not Response.objects.exists()


def test_an_unknown_survey_is_refused(db, tmp_path):
    with pytest.raises(ImportRefused) as refused:
        import_csv("nope", write(tmp_path, HEADER))
    assert refused.value.code == "SURVEY_NOT_FOUND"


def test_export_then_import_round_trips(open_survey, tmp_path):
    source = write(
        tmp_path, HEADER + ',bpo,,12.5,vpn cloud,"con, virgola",k1\n,other,Studio,3,,,k2\n'
    )
    import_csv("small", source)
    exported = tmp_path / "out.csv"
    assert export_csv("small", exported) == 2
    with exported.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:6] == [
        "SubmissionDate",
        "p1-org",
        "p1-org_other",
        "p2-share",
        "p2-tools",
        "p3-comment",
    ]
    assert rows[0]["p2-tools"] == "vpn cloud" and rows[0]["p3-comment"] == "con, virgola"
    assert rows[0]["Status"] == "complete"
    before = sorted(str(r.answers) for r in Response.objects.all())
    Response.objects.all().delete()
    import_csv("small", exported)
    assert sorted(str(r.answers) for r in Response.objects.all()) == before


def test_export_works_whatever_the_state(open_survey, tmp_path):
    from indagine.surveys.services import close_survey

    Response.objects.create(
        survey=open_survey,
        form_version=open_survey.current_version,
        language="it",
        answers={"org": "bpo"},
    )
    close_survey(open_survey)
    out = tmp_path / "closed.csv"
    assert export_csv("small", out) == 1
    assert "partial" in out.read_text()


def test_synthetic_responses_pass_validation(builtin_survey):
    assert add_synthetic("remote-working-2020", 25, seed=7) == 25
    form = builtin_survey.current_version.form
    for response in Response.objects.all():
        raw = {
            k: v if isinstance(v, list) else [str(v)]
            for k, v in response.answers.items()
            if form.question(k).type.takes_input
        }
        assert check_submission(form, raw).errors == ()
    first = sorted(str(r.answers) for r in Response.objects.all())
    Response.objects.all().delete()
    add_synthetic("remote-working-2020", 25, seed=7)
    assert sorted(str(r.answers) for r in Response.objects.all()) == first


def test_a_missing_file_is_refused_with_a_code(open_survey, tmp_path):
    with pytest.raises(ImportRefused) as refused:
        import_csv("small", tmp_path / "none.csv")
    assert refused.value.code == "CSV_UNREADABLE"


def test_an_exports_partial_rows_are_skipped_on_import_not_stored_as_complete(
    open_survey, tmp_path
):
    path = write(tmp_path, HEADER + ",bpo,,12,,,k1\n")
    rows = path.read_text().splitlines()
    header = rows[0] + ",Status"
    body = [rows[1] + ",complete", ",inhouse,,,,,k2,partial"]
    path.write_text("\n".join([header, *body]) + "\n")
    report = import_csv("small", path)
    assert report.stored == 1 and report.skipped == [
        "line 3: a partial response (only complete ones are imported)"
    ]
    assert Response.objects.get().status == Response.Status.COMPLETE


def test_a_nul_character_in_a_text_answer_is_dropped(open_survey, tmp_path):
    path = write(tmp_path, HEADER + ",bpo,,12,,ok\x00 then,k1\n")
    import_csv("small", path)
    assert Response.objects.get().answers["comment"] == "ok then"
