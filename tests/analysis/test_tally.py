"""Findings from tallies: the same numbers as the row-by-row analysis, and incremental updates
that equal a full recomputation (to 1e-9)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import subprocess
import sys
from typing import Any

import numpy as np
import polars as pl
import pytest

from indagine.analysis.compute import Analysis, analyse
from indagine.analysis.frame import Snapshot, frame_from_rows
from indagine.analysis.tally import Plan, tally
from indagine.stats.errors import StatsError

from . import rowwise
from .conftest import form_from, rows_of
from .test_builtin import MARGINS, PANEL
from .test_compute import FORM, _answers


def assert_same(a: Any, b: Any, path: str = "findings", rel: float = 1e-9) -> None:
    """Every field equal; floats to `rel` (SEs that are zero up to rounding: to 1e-15)."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            if f.name == "moments":  # the sums a sequence is made from: the sequence is compared
                continue
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}", rel)
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}", rel)
    elif isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), path
        else:
            assert a == pytest.approx(b, rel=rel, abs=1e-15), path
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def builtin_frame(builtin, builtin_rows):
    return Snapshot.build(builtin, builtin_rows).frame


@pytest.mark.parametrize(
    "options",
    [
        {"panel_size": PANEL},
        {},
        {"panel_size": PANEL, "margins": MARGINS},
        {"panel_size": PANEL, "margins": {"org_type": MARGINS["org_type"]}},
        {"margins": MARGINS, "exact_up_to": 100},
        {"panel_size": PANEL, "exact_up_to": 100, "contrast_items": ("agree_productivity",)},
        {"panel_size": PANEL, "profile": ("org_type", "remote"), "alpha": 0.1},
    ],
    ids=["panel", "no-panel", "raked", "post-stratified", "asymptotic", "few", "profile"],
)
def test_the_tallied_findings_are_the_row_by_row_ones(builtin, builtin_frame, options):
    assert_same(
        analyse(builtin, builtin_frame, **options),
        rowwise.analyse(builtin, builtin_frame, **options),
    )


def test_the_small_forms_findings_are_the_row_by_row_ones_with_contrasts():
    form = form_from(FORM)
    frame = frame_from_rows(form, rows_of(_answers(1500, seed=11)))
    margins = {"org": {"bpo": 1200, "inhouse": 1800}, "remote": {"yes": 2000, "no": 1000}}
    for options in ({"panel_size": 3000}, {"panel_size": 3000, "margins": margins}):
        mine = analyse(form, frame, **options)
        assert mine.contrasts
        assert_same(mine, rowwise.analyse(form, frame, **options))


def test_a_rows_order_does_not_change_the_tally_but_orders_the_exact_sequences(
    builtin, builtin_frame
):
    shuffled = builtin_frame.sample(fraction=1.0, shuffle=True, seed=5)
    assert_same(
        analyse(builtin, shuffled, panel_size=PANEL),
        analyse(builtin, builtin_frame, panel_size=PANEL),
    )


def _chunks(frame: pl.DataFrame, sizes: list[int]) -> list[pl.DataFrame]:
    out, start = [], 0
    for size in sizes:
        out.append(frame.slice(start, size))
        start += size
    return out


@pytest.mark.parametrize(
    "options",
    [
        {"panel_size": PANEL},
        {"panel_size": PANEL, "margins": MARGINS},
        {"margins": MARGINS, "exact_up_to": 150},
        {"panel_size": PANEL, "margins": {"cc_size": MARGINS["cc_size"]}, "exact_up_to": None},
    ],
    ids=["exact", "raked", "asymptotic-later", "post-stratified"],
)
def test_updating_chunk_by_chunk_equals_a_full_recomputation(builtin, builtin_frame, options):
    findings_options = {k: v for k, v in options.items() if k in ("panel_size", "margins")}
    analysis = Analysis(
        builtin,
        margins=tuple(options.get("margins", {})),
        exact_up_to=options.get("exact_up_to", 20_000),
    )
    seen = 0
    for chunk in _chunks(builtin_frame, [2, 119, 79, 150, 50]):
        analysis.update(chunk)
        seen += chunk.height
        try:
            full = analyse(builtin, builtin_frame.head(seen), **options)
        except StatsError as error:  # a margin's level nobody in the first rows has
            with pytest.raises(StatsError) as raised:
                analysis.findings(**findings_options)
            assert raised.value.code == error.code
            continue
        assert_same(analysis.findings(**findings_options), full)


def test_answers_arriving_out_of_order_are_sequenced_by_completion(builtin, builtin_rows):
    late = [(i, t - dt.timedelta(days=30), a) for i, t, a in builtin_rows[300:]]
    frame = Snapshot.build(builtin, builtin_rows[:300] + late).frame
    analysis = Analysis(builtin).update(frame.head(300)).update(frame.slice(300))
    assert_same(
        analysis.findings(panel_size=PANEL), rowwise.analyse(builtin, frame, panel_size=PANEL)
    )


def test_number_tallies_merge_by_chan_s_formula():
    rng = np.random.default_rng(3)
    values = rng.normal(60, 20, 1000)
    values[rng.random(1000) < 0.2] = np.nan
    frame = pl.DataFrame(
        {
            "_id": np.arange(1000),
            "_completed_at": pl.Series(np.arange(1000) * 1_000_000).cast(pl.Datetime("us", "UTC")),
            "pct": values,
        }
    )
    form = form_from("| survey |\n| | type | name | label |\n| | decimal | pct | Pct |\n")
    whole = tally(form, frame, Plan())
    parts = tally(form, frame.head(333), Plan()) + tally(form, frame.slice(333), Plan())
    ok = values[~np.isnan(values)]
    for t in (whole, parts):
        numbers = t.numbers["pct"]
        assert int(numbers.answered.sum()) == ok.size
        assert numbers.total.sum() == pytest.approx(ok.sum(), rel=1e-12)
        assert numbers.scatter.sum() == pytest.approx(((ok - ok.mean()) ** 2).sum(), rel=1e-12)
        assert (numbers.low, numbers.high) == (ok.min(), ok.max())


def test_margins_of_other_questions_than_the_tallys_are_refused(builtin, builtin_frame):
    analysis = Analysis(builtin, margins=("org_type",)).update(builtin_frame)
    with pytest.raises(ValueError, match="cells of"):
        analysis.findings(margins={"cc_size": MARGINS["cc_size"]})


def test_the_analysis_and_the_engine_import_no_django():
    code = (
        "import sys, indagine.analysis.compute, indagine.stats.report; "
        "sys.exit(any(m.startswith('django') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
