"""The `indagine` command, run in-process against the test database (and in a subprocess on a
data folder of its own, where a test needs one)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from browser.server import SLUG, server_env, throwaway_database
from indagine.cli import main
from indagine.collect.models import Response
from indagine.surveys.models import Survey

BROKEN = textwrap.dedent("""
    | survey |
    | | type | name | label | relevant |
    | | integer | age | Age | |
    | | geopoint | where | Where | |
    | | text | later | Later | ${age} > = 3 |
""")


def test_forms_check_accepts_the_builtin_survey(capsys):
    code = main(["forms", "check", "src/indagine/library/remote_working_2020.md"])
    assert code == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_forms_check_lists_errors_with_code_and_cell_and_fails(tmp_path, capsys):
    path = tmp_path / "broken.md"
    path.write_text(BROKEN)
    assert main(["forms", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FORM_UNSUPPORTED_TYPE [survey!A3 (type)]" in out


def test_forms_check_reports_bad_expressions_at_their_cell(tmp_path, capsys):
    path = tmp_path / "expr.md"
    path.write_text(BROKEN.replace("| | geopoint | where | Where | |\n", ""))
    assert main(["forms", "check", str(path)]) == 1
    assert "FORM_BAD_EXPRESSION [survey!D3 (relevant)]" in capsys.readouterr().out


def test_forms_check_on_a_missing_file_is_a_usage_error(tmp_path):
    assert main(["forms", "check", str(tmp_path / "none.xlsx")]) == 2


def test_forms_import_creates_then_versions(db, tmp_path, small_form_source, capsys):
    path = tmp_path / "small.md"
    path.write_bytes(small_form_source)
    assert main(["forms", "import", str(path)]) == 0
    assert main(["forms", "import", str(path), "--slug", "small"]) == 0
    out = capsys.readouterr().out
    assert "small: new survey, version 1" in out and "small: new version, version 2" in out
    assert Survey.objects.get(slug="small").versions.count() == 2


def test_forms_import_refuses_a_broken_form(db, tmp_path):
    path = tmp_path / "broken.md"
    path.write_text(BROKEN)
    assert main(["forms", "import", str(path)]) == 1
    assert not Survey.objects.exists()


@pytest.mark.parametrize("slug", ["Bad Slug/<x>", "x" * 81, "è"])
def test_forms_import_refuses_a_slug_that_cannot_be_an_address(db, tmp_path, slug, capsys):
    path = tmp_path / "small.md"
    path.write_text(BROKEN)  # the slug is checked first
    assert main(["forms", "import", str(path), "--slug", slug]) == 2
    assert "SURVEY_BAD_SLUG" in capsys.readouterr().err
    assert not Survey.objects.exists()


def test_forms_export_writes_what_imports_back_as_the_same_questionnaire(
    builtin_survey, tmp_path, capsys
):
    path = tmp_path / "club.xlsx"
    assert main(["forms", "export", builtin_survey.slug, "-o", str(path)]) == 0
    assert f"version 1 written to {path}" in capsys.readouterr().out
    assert main(["forms", "import", str(path), "--slug", "copy"]) == 0
    copy = Survey.objects.get(slug="copy").current_version.form
    assert copy.to_json() == builtin_survey.current_version.form.to_json()


def test_forms_export_says_what_it_cannot_do(builtin_survey, tmp_path, capsys):
    assert main(["forms", "export", "nothing", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "SURVEY_NOT_FOUND" in capsys.readouterr().err
    assert main(["forms", "export", builtin_survey.slug, "-o", str(tmp_path / "x.zip")]) == 2
    assert "SURVEY_EXPORT_SUFFIX" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


def test_responses_import_and_export(open_survey, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("p1-org,p2-share\nbpo,1\ninhouse,2\n")
    assert main(["responses", "import", "small", str(rows), "--quiet"]) == 0
    out = tmp_path / "out.csv"
    assert main(["responses", "export", "small", "--format", "csv", "-o", str(out), "--quiet"]) == 0
    assert out.read_text().count("\n") == 3
    assert "2 response(s) written" in capsys.readouterr().out


def test_responses_import_reports_lines_and_stores_nothing(open_survey, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("p1-org,p2-share\nbpo,1\nbpo,abc\n")
    assert main(["responses", "import", "small", str(rows), "--quiet"]) == 1
    assert "line 3: share: ANSWER_NOT_A_NUMBER" in capsys.readouterr().err
    assert not Response.objects.exists()


def test_demo_adds_responses(builtin_survey, capsys):
    assert main(["demo", "remote-working-2020", "--responses", "5", "--seed", "1", "--quiet"]) == 0
    assert Response.objects.filter(source="demo").count() == 5


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2


def test_the_data_folder_is_made_private(tmp_path, monkeypatch):
    import stat

    from indagine.cli import _prepare_data_dir

    monkeypatch.setenv("INDAGINE_DATA_DIR", str(tmp_path / "new" / "data"))
    monkeypatch.delenv("INDAGINE_SECRET_KEY", raising=False)
    folder = _prepare_data_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["panel", "status", SLUG],
        ["responses", "export", SLUG, "--format", "csv", "-o", "{folder}/out.csv"],
        ["manage", "showmigrations", "surveys"],
    ],
    ids=["panel-status", "responses-export", "manage"],
)
def test_a_command_on_a_data_folder_not_yet_set_up_sets_it_up_as_serve_would(tmp_path, command):
    """It used to end in a traceback (OperationalError: no such table)."""

    def indagine(*args: str) -> subprocess.CompletedProcess:
        argv = [a.format(folder=tmp_path) for a in args]
        return subprocess.run(
            [sys.executable, "-m", "indagine.cli", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    with throwaway_database("indagine_first_use") as database_url:
        env = server_env(tmp_path / "data", database_url)
        done = indagine(*command)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        said = done.stderr.splitlines()
        assert said[0].startswith("indagine: new database set up"), said
        assert not any("new database" in line for line in said[1:])  # one line, once
        again = indagine("panel", "status", SLUG)
        assert again.returncode == 0 and again.stderr == ""
        assert "password" in indagine("init").stdout  # the admin, shown once, is still serve's


@pytest.mark.slow
def test_three_commands_started_together_on_a_new_database_set_it_up_once(tmp_path):
    """Two servers and a worker started together on a new database all migrated at once, and
    on PostgreSQL one failed half way (a duplicate type): one sets up, the others wait."""
    with throwaway_database("indagine_together") as database_url:
        env = server_env(tmp_path / "data", database_url)
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "indagine.cli", "panel", "status", SLUG],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outcomes = [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in started]
        for process in started:
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()
        assert [code for code, _err in outcomes] == [0, 0, 0], outcomes
        assert not any("Traceback" in err for _code, err in outcomes)
        listed = subprocess.run(
            [sys.executable, "-m", "indagine.cli", "manage", "shell", "-c",
             "from indagine.surveys.models import Survey; print(Survey.objects.count())"],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        assert listed.stdout.strip().splitlines()[-1] == "1"  # the built-in survey, once


@contextlib.contextmanager
def set_up_under_way(data: Path, database_url: str | None) -> Iterator[Callable[[], bool]]:
    """Another process's set-up, caught half way: the set-up lock held and a first table made
    (one column of it). Yields whether some process now waits for the lock."""
    from indagine.commands.setup import _SET_UP_LOCK

    if database_url:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [_SET_UP_LOCK])
            conn.execute("CREATE TABLE surveys_survey (id integer)")

            def waiting() -> bool:
                row = conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ).fetchone()
                return bool(row and row[0])

            yield waiting
            conn.execute("DROP TABLE surveys_survey")
        return
    import fcntl
    import sqlite3

    with open(data / "setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.closing(sqlite3.connect(data / "indagine.sqlite3")) as conn:
            conn.execute("CREATE TABLE surveys_survey (id integer)")
            conn.commit()
        inode = f":{os.fstat(lock.fileno()).st_ino} "

        def waiting() -> bool:  # a blocked lock is listed with "->" in /proc/locks
            locks = Path("/proc/locks").read_text().splitlines()
            return any("->" in line and inode in line for line in locks)

        yield waiting
        with contextlib.closing(sqlite3.connect(data / "indagine.sqlite3")) as conn:
            conn.execute("DROP TABLE surveys_survey")
            conn.commit()


@pytest.mark.slow
def test_a_command_that_finds_a_set_up_under_way_waits_for_it_to_end(tmp_path):
    """A command that saw the first tables of another's set-up read the half-migrated
    database and failed (a column not there yet): it waits for the set-up to end, and here,
    the other having given up, sets the database up itself."""
    with throwaway_database("indagine_halfway") as database_url:
        data = tmp_path / "data"
        data.mkdir(mode=0o700)
        env = server_env(data, database_url)
        with set_up_under_way(data, database_url) as waiting:
            command = subprocess.Popen(
                [sys.executable, "-m", "indagine.cli", "panel", "status", SLUG],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + 120
            while command.poll() is None and not waiting() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert command.poll() is None, command.communicate()  # it waits, it has not failed
        _out, err = command.communicate(timeout=180)
        assert command.returncode == 0, err
        assert "new database set up" in err and "Traceback" not in err


def test_a_generated_secret_key_is_never_refused_as_weak():
    """What `indagine serve` writes to the data folder (50 random bytes) always passes."""
    import secrets

    from indagine.commands.preflight import key_weakness

    assert [k for k in (secrets.token_urlsafe(50) for _ in range(20_000)) if key_weakness(k)] == []
