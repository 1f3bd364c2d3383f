"""Forms and responses for the analysis tests: small markdown forms and the built-in survey."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from indagine.forms.answers import check_submission
from indagine.forms.loader import load_form
from indagine.forms.model import Form
from indagine.forms.synthetic import synthesize_valid
from indagine.library.remote_working_2020_demo import PROFILE

LIBRARY = Path(__file__).resolve().parents[2] / "src" / "indagine" / "library"
START = dt.datetime(2020, 3, 18, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2020, 3, 25)


def form_from(text: str) -> Form:
    result = load_form(text, "form.md")
    assert result.ok, result.issues
    assert result.form is not None
    return result.form


def rows_of(answers: list[dict], start_id: int = 1) -> list[tuple[int, dt.datetime, dict]]:
    """Rows as the database gives them: ids in order, one completion every 7 minutes."""
    return [
        (start_id + i, START + dt.timedelta(minutes=7 * (start_id + i)), a)
        for i, a in enumerate(answers)
    ]


@pytest.fixture(scope="session")
def builtin() -> Form:
    result = load_form(LIBRARY / "remote_working_2020.md")
    assert result.form is not None
    return result.form


@pytest.fixture(scope="session")
def builtin_rows(builtin: Form) -> list[tuple[int, dt.datetime, dict]]:
    """400 synthetic respondents to the built-in survey with the demo profile (seed fixed)."""
    rng = random.Random(2020)
    answers = []
    for _ in range(400):
        raw = synthesize_valid(builtin, rng, PROFILE, today=TODAY)
        checked = check_submission(builtin, raw, lang="it", today=TODAY)
        assert checked.ok
        answers.append(checked.answers)
    return rows_of(answers)
