"""Synthetic respondents: valid through `check_submission`, reproducible, and, with the built-in
survey's demo profile, telling the club's interim findings."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from indagine.forms.answers import check_submission
from indagine.forms.loader import load_form
from indagine.forms.model import Form
from indagine.forms.synthetic import (
    Profile,
    Shift,
    SynthesisError,
    synthesize,
    synthesize_valid,
)
from indagine.library.remote_working_2020_demo import PROFILE, profile_for

TODAY = date(2020, 3, 25)
LIBRARY = Path(__file__).resolve().parents[2] / "src" / "indagine" / "library"

EVERY_TYPE = """
| survey |
| | type | name | label | required | relevant | constraint | choice_filter | calculation | parameters |
| | note | hello | Welcome | | | | | | |
| | select_one region | region | Region | yes | | | | | |
| | select_one city | city | City | yes | | | region=${region} | | |
| | select_multiple fruit | fruits | Fruits | yes | | not(selected(., 'none') and count-selected(.) > 1) | | | |
| | text | fruits_other | Which other fruit? | yes | selected(${fruits}, 'other') | | | | |
| | integer | age | Age | yes | | . >= 18 and . <= 99 | | | |
| | calculate | months | | | | | | ${age} * 12 | |
| | decimal | height | Height in metres | | | . > 1.2 and . < 2.2 | | | |
| | range | score | Score | yes | | | | | start=0 end=10 step=2 |
| | text | comment | Comment | | ${months} > 600 | string-length(.) <= 200 | | | |
| | date | visit | Date of the visit | yes | | . <= today() | | | |
| | integer | children | Children | | | . <= ${age} div 10 | | | |
| choices |
| | list_name | name | label | region |
| | region | north | North | |
| | region | south | South | |
| | city | milan | Milan | north |
| | city | turin | Turin | north |
| | city | naples | Naples | south |
| | city | bari | Bari | south |
| | fruit | apple | Apple | |
| | fruit | pear | Pear | |
| | fruit | other | Other | |
| | fruit | none | None of these | |
| settings |
| | form_id |
| | every_type |
"""


def _load(text: str) -> Form:
    result = load_form(text, "form.md")
    assert result.ok, result.issues
    assert result.form is not None
    return result.form


@pytest.fixture(scope="module")
def every_type() -> Form:
    return _load(EVERY_TYPE)


@pytest.fixture(scope="module")
def builtin() -> Form:
    return _load((LIBRARY / "remote_working_2020.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(builtin: Form) -> list[dict[str, Any]]:
    """2,000 synthetic respondents of the built-in survey, each checked as a web answer is."""
    rng = random.Random(2020)
    rows = []
    for _ in range(2000):
        checked = check_submission(
            builtin, synthesize(builtin, rng, PROFILE, today=TODAY), today=TODAY
        )
        assert checked.ok, checked.errors
        rows.append(checked.answers)
    return rows


def _share(rows: Sequence[dict[str, Any]], name: str, values: set[str]) -> float:
    answered = [row[name] for row in rows if name in row]
    return sum(value in values for value in answered) / len(answered)


def _where(
    rows: Sequence[dict[str, Any]], test: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    return [row for row in rows if test(row)]


# -- validity


@pytest.mark.parametrize("profile", [None, Profile(answer_rate=0.5, latent=0.8)])
def test_every_type_passes_check_submission(every_type: Form, profile: Profile | None) -> None:
    rng = random.Random(7)
    for _ in range(300):
        raw = synthesize(every_type, rng, profile, today=TODAY)
        checked = check_submission(every_type, raw, today=TODAY)
        assert checked.ok, (raw, checked.errors)


def test_every_type_answers_look_like_a_web_post(every_type: Form) -> None:
    rng = random.Random(11)
    rows = [synthesize(every_type, rng, today=TODAY) for _ in range(300)]
    assert all(
        isinstance(v, list) and all(isinstance(s, str) for s in v)
        for row in rows
        for v in row.values()
    )
    assert all("hello" not in row and "months" not in row for row in rows)  # no note, no calc
    cities = {"north": {"milan", "turin"}, "south": {"naples", "bari"}}
    assert all(row["city"][0] in cities[row["region"][0]] for row in rows)  # choice_filter
    assert all(row["score"][0] in {"0", "2", "4", "6", "8", "10"} for row in rows)
    assert all(18 <= int(row["age"][0]) <= 99 for row in rows)
    assert all(row["visit"][0] <= TODAY.isoformat() for row in rows)
    assert all(row["fruits"] == ["none"] or "none" not in row["fruits"] for row in rows)
    assert any("fruits_other" in row for row in rows)
    assert all(("fruits_other" in row) == ("other" in row["fruits"]) for row in rows)
    assert {"height" in row for row in rows} == {True, False}  # optional: sometimes empty
    assert any("comment" in row for row in rows)  # relevant only when months > 600


def test_builtin_without_profile_passes_and_writes_italian(builtin: Form) -> None:
    rng = random.Random(3)
    for _ in range(200):
        raw = synthesize(builtin, rng, today=TODAY)
        assert check_submission(builtin, raw, today=TODAY).ok
        if "testimony" in raw:
            assert raw["testimony"][0] in {
                "Nulla da aggiungere.",
                "Nel complesso l'esperienza è stata positiva.",
                "All'inizio ci sono state difficoltà, poi superate.",
                "Abbiamo dovuto adattarci rapidamente.",
                "La situazione è ancora in evoluzione.",
                "Il bilancio è positivo, con qualche punto da migliorare.",
            }


def test_synthesize_valid_returns_checked_answers(builtin: Form) -> None:
    raw = synthesize_valid(builtin, random.Random(5), PROFILE, today=TODAY)
    assert check_submission(builtin, raw, today=TODAY).ok


def test_synthesize_valid_raises_when_no_answer_can_pass() -> None:
    form = _load("""
| survey |
| | type | name | label | required | constraint |
| | integer | impossible | Impossible | yes | . > 5 and . < 5 |
""")
    with pytest.raises(SynthesisError, match="impossible"):
        synthesize_valid(form, random.Random(1), attempts=3)


# -- reproducibility


def test_same_seed_same_answers(builtin: Form, every_type: Form) -> None:
    for form in (builtin, every_type):
        first = [synthesize(form, random.Random(42), PROFILE, today=TODAY) for _ in range(3)]
        again = [synthesize(form, random.Random(42), PROFILE, today=TODAY) for _ in range(3)]
        assert first == again
    rng_a, rng_b = random.Random(1), random.Random(2)
    a = [synthesize(builtin, rng_a, PROFILE, today=TODAY) for _ in range(5)]
    b = [synthesize(builtin, rng_b, PROFILE, today=TODAY) for _ in range(5)]
    assert a != b


# -- profiles


def test_profile_weights_shifts_and_numbers(every_type: Form) -> None:
    profile = Profile(
        weights={"region": {"north": 1.0}, "fruits": {"apple": 1.0, "pear": 0.0}},
        numbers={"age": (40.0, 1.0)},
        shifts=(
            Shift("city", "selected(${region}, 'north')", {"turin": 0.0}),
            Shift("age", "selected(${city}, 'milan')", offset=20.0),
        ),
    )
    rng = random.Random(9)
    rows = [synthesize(every_type, rng, profile, today=TODAY) for _ in range(100)]
    assert all(row["region"] == ["north"] and row["city"] == ["milan"] for row in rows)
    assert all(row["fruits"] == ["apple"] for row in rows)
    assert 55 <= statistics.mean(int(row["age"][0]) for row in rows) <= 65


def test_profile_for() -> None:
    assert profile_for("remote_working_2020") is PROFILE
    assert profile_for("something_else") is None


# -- the demo profile tells the interim findings (2,000 respondents, seed 2020)


def test_profile_mix(demo: list[dict[str, Any]]) -> None:
    expected = {"inhouse": 0.45, "bpo": 0.25, "public": 0.10, "supplier": 0.15, "other": 0.05}
    for value, share in expected.items():
        assert _share(demo, "org_type", {value}) == pytest.approx(share, abs=0.03)
    for size in ("lt50", "50_249", "250_999", "1000plus"):
        assert 0.12 <= _share(demo, "cc_size", {size}) <= 0.40


def test_interim_findings(demo: list[dict[str, Any]]) -> None:
    top2 = {"4", "5"}
    assert 0.60 <= _share(demo, "agree_change", top2) <= 0.72
    assert _share(demo, "digital_use", {"increased", "increased_lot"}) > 0.80
    assert 0.44 <= _share(demo, "agree_digital_better", top2) <= 0.56
    better = statistics.mean(int(row["agree_digital_better"]) for row in demo)
    assert 3.0 <= better <= 3.2  # split near the midpoint: "not yet clear", not "moderately"
    training = statistics.mean(int(row["agree_digital_training"]) for row in demo)
    assert 3.2 <= training <= 3.6
    assert 0.70 <= _share(demo, "remote", {"most", "part"}) <= 0.80
    remote = _where(demo, lambda row: row["remote"] in ("most", "part"))
    assert all("remote_share" in row for row in remote)
    assert 78 <= statistics.mean(row["remote_share"] for row in remote) <= 86


def test_strongest_effects_are_balance_and_continuity(demo: list[dict[str, Any]]) -> None:
    strong = {"significant", "very_significant"}
    effects = ["balance", "continuity", "quality", "costs", "commuting", "realestate", "cohesion"]
    shares = {e: _share(demo, f"effect_{e}", strong) for e in effects}
    rest = max(v for e, v in shares.items() if e not in ("balance", "continuity"))
    assert shares["balance"] >= rest + 0.15
    assert shares["continuity"] >= rest + 0.15


def test_crosstabs_show_modest_associations(demo: list[dict[str, Any]]) -> None:
    bpo = _where(demo, lambda row: row["org_type"] == "bpo")
    rest = _where(demo, lambda row: row["org_type"] != "bpo")
    assert _share(bpo, "remote", {"most"}) >= _share(rest, "remote", {"most"}) + 0.05

    def cloud(rows: list[dict[str, Any]]) -> float:
        return sum("cloud_cc" in row["solutions"] for row in rows) / len(rows)

    large = _where(demo, lambda row: row["cc_size"] == "1000plus")
    small = _where(demo, lambda row: row["cc_size"] == "lt50")
    assert cloud(large) >= cloud(small) + 0.15
    # the agreement propensity: the two statements about change go together
    change = _where(demo, lambda row: row["agree_change"] in ("4", "5"))
    doubt = _where(demo, lambda row: row["agree_change"] in ("1", "2", "3"))
    assert _share(change, "agree_no_return", {"4", "5"}) > _share(
        doubt, "agree_no_return", {"4", "5"}
    )
