"""``indagine stats`` on CSV files: the JSON layout, the table, and bad input (exit code 2)."""

from __future__ import annotations

import json

import pytest

from indagine.stats.cli import main

from .conftest import AGE, DATA, SEX


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_report_matches_r_for_a_stratified_file(capsys, reference):
    code, out, _ = run(
        capsys,
        str(DATA / "stratified.csv"),
        "--strata",
        "stratum",
        "--fpc",
        "N",
        "--mean",
        "y",
        "--total",
        "y",
        "--prop",
        "x",
        "--crosstab",
        "a",
        "b",
    )
    assert code == 0
    report = json.loads(out)
    assert report["layout"] == 1
    assert report["design"]["degrees_of_freedom"] == 177
    assert report["means"][0]["se"] == pytest.approx(reference["stratified.mean_y.se"], rel=1e-6)
    assert report["totals"][0]["estimate"] == pytest.approx(reference["stratified.total_y.est"])
    share = next(s for s in report["proportions"][0]["shares"] if s["answer"] == "1")
    assert share["ci_low"] == pytest.approx(reference["stratified.ciprop_x.low"], rel=1e-6)
    test = report["crosstabs"][0]["test"]
    assert test["statistic"] == pytest.approx(reference["stratified.F"], rel=1e-6)
    assert report["crosstabs"][0]["counts"] and len(report["crosstabs"][0]["row_shares"]) == 5


def test_raking_from_a_margins_file_with_a_sequence(capsys, tmp_path, reference):
    margins = tmp_path / "margins.json"
    margins.write_text(json.dumps({"sex": SEX, "age": AGE}))
    code, out, _ = run(
        capsys,
        str(DATA / "panel.csv"),
        "--weights",
        "w",
        "--fpc",
        "N",
        "--rake",
        str(margins),
        "--mean",
        "y",
        "--prop",
        "x",
        "--sequence",
        "--threshold",
        "0.2",
    )
    assert code == 0
    report = json.loads(out)
    assert report["design"]["weighting"]["converged"] is True
    assert report["means"][0]["se"] == pytest.approx(reference["calibrated.mean_y.se"], rel=1e-6)
    sequence = report["proportions"][0]["shares"][1]["sequence"]
    assert sequence["asymptotic"] is True
    assert sequence["consolidated"]["side"] == "above"


def test_dont_know_is_reported_outside_the_base_and_tables_render(capsys, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("q\nyes\nno\nyes\ndk\n\nyes\n")
    code, out, _ = run(capsys, str(path), "--prop", "q", "--fpc", "50", "--sequence")
    report = json.loads(out)
    assert code == 0
    assert report["proportions"][0]["excluded"] == {"dk": 1, "skipped": 1}
    assert report["proportions"][0]["n"] == 4
    assert "without replacement" in report["proportions"][0]["shares"][0]["sequence"]["method"]
    code, out, _ = run(capsys, str(path), "--prop", "q", "--format", "table", "--ci", "wilson")
    assert code == 0 and "shares of q" in out and "not in the base: dk 1, skipped 1" in out


@pytest.mark.parametrize(
    ("content", "argv", "code"),
    [
        ("a,w\nx,1\n", ["--mean", "nope"], "missing-column"),
        ("a,w\nx,1\ny,heavy\n", ["--weights", "w", "--prop", "a"], "non-numeric"),
        ("a,s\nx,1\ny,\nz,2\n", ["--strata", "s", "--prop", "a"], "empty-stratum"),
        ("a,y\nx,1\ny,two\n", ["--mean", "y"], "non-numeric"),
        ("sex\nF\nM\nX\n", ["--rake", "MARGINS"], "margin-mismatch"),
        ("sex\nF\nM\n", ["--rake", "BROKEN"], "bad-file"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_code_2(capsys, tmp_path, content, argv, code):
    path = tmp_path / "data.csv"
    path.write_text(content)
    (tmp_path / "m.json").write_text(json.dumps({"sex": {"F": 10, "M": 10}}))
    (tmp_path / "b.json").write_text("{not json")
    argv = [
        str(tmp_path / "m.json")
        if a == "MARGINS"
        else str(tmp_path / "b.json")
        if a == "BROKEN"
        else a
        for a in argv
    ]
    status, out, err = run(capsys, str(path), *argv)
    assert status == 2
    assert out == ""
    assert f"error: {code}:" in err


def test_unknown_options_and_missing_files_exit_with_2(capsys, tmp_path):
    assert run(capsys, str(tmp_path / "absent.csv"))[0] == 2
    assert run(capsys, "x.csv", "--ci", "normal")[0] == 2
