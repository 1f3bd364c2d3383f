"""Benchmark of the results pipeline on the built-in survey: snapshot, findings, incremental update.

    .venv/bin/python benchmarks/report.py [--rows 1000000] [--new 1000] [--seed 1]

1. Synthetic responses to "Remote Working e Contact Center" (2020), drawn column by column with
   numpy from the demo profile's weights (skip logic kept: the remote-work block only for
   organisations that moved staff, digital channels only where use grew, the quote consent only
   after a testimony), stored as JSON text, one answer dict per response, as the database holds.
2. indagine: the snapshot built from the stored JSON; the full findings computed warm (every
   item with its interval and confidence sequence, raking to org_type and cc_size, four
   crosstabs with Rao-Scott), from a tally of every row; then 1,000 new responses: the
   snapshot extended, only the new rows tallied (``analysis.compute.Analysis.update``) and the
   findings recomputed from the tables.
3. Baseline, in the same run: what one would write without the engine, with pandas from the
   stored JSON: json.loads per row, a DataFrame, value_counts shares, normal-approximation
   intervals, raking by iterative proportional fitting with groupby, Wilson bounds after every
   response from cumulative means, pandas crosstabs with scipy's chi-square test.
Targets: full findings < 5 s, incremental < 0.5 s, at least 10× faster than the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from indagine.analysis.compute import Analysis, analyse
from indagine.analysis.findings import Findings
from indagine.analysis.frame import Snapshot, frame_from_json
from indagine.forms.loader import load_form
from indagine.forms.model import Form, QuestionType
from indagine.library.remote_working_2020_demo import PROFILE

ROOT = Path(__file__).resolve().parents[1]
FORM = ROOT / "src" / "indagine" / "library" / "remote_working_2020.md"
START = dt.datetime(2020, 3, 18, 9, 0, tzinfo=dt.UTC)
MARGIN_QUESTIONS = ("org_type", "cc_size")
CONTRAST_ITEMS = ("agree_productivity",)  # × 4 profile questions = four crosstabs
REMOTE = ("most", "part")
GREW = ("increased", "increased_lot")


# -- synthetic responses, column by column


def _single(rng: np.random.Generator, names: list[str], weights: dict[str, float], n: int) -> Any:
    p = np.array([weights.get(c, 0.0) for c in names], dtype=float)
    return np.array(names, dtype=object)[rng.choice(len(names), n, p=p / p.sum())]


def _multiple(
    rng: np.random.Generator, names: list[str], chances: dict[str, float], n: int
) -> list[list[str]]:
    ticks = np.column_stack([rng.random(n) < chances.get(c, 0.35) for c in names])
    if "none" in names:
        alone = ticks[:, names.index("none")]
        ticks[alone] = False
        ticks[alone, names.index("none")] = True
    empty = ~ticks.any(axis=1)
    ticks[empty, 0] = True
    return [[c for c, t in zip(names, row, strict=True) if t] for row in ticks.tolist()]


def synthetic_answers(form: Form, n: int, seed: int) -> list[dict[str, Any]]:
    """n answer dicts drawn with the demo profile's weights (no per-respondent loop in draws)."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    for q in form.questions():
        names = [c.name for c in q.choices]
        if q.type is QuestionType.SELECT_ONE and q.name != "quote_ok":
            columns[q.name] = _single(rng, names, PROFILE.weights.get(q.name, {}), n)
        elif q.type is QuestionType.SELECT_MULTIPLE:
            columns[q.name] = _multiple(rng, names, PROFILE.weights.get(q.name, {}), n)
    mean, sd = PROFILE.numbers["remote_share"]
    columns["remote_share"] = np.clip(np.round(rng.normal(mean, sd, n) / 5) * 5, 0, 100)
    mean, sd = PROFILE.numbers["remote_days"]
    columns["remote_days"] = np.clip(np.round(rng.normal(mean, sd, n)), 0, 365).astype(int)
    testimony = rng.random(n) < 0.3
    phrases = list(PROFILE.texts["testimony"])
    said = rng.integers(0, len(phrases), n)
    quote = rng.random(n) < 0.6
    answers = []
    for i in range(n):
        a: dict[str, Any] = {
            "org_type": columns["org_type"][i],
            "role": columns["role"][i],
            "cc_size": columns["cc_size"][i],
            "sector": columns["sector"][i],
            "remote": columns["remote"][i],
        }
        if a["org_type"] == "other":
            a["org_type_other"] = "Consorzio di servizi"
        if a["remote"] in REMOTE:
            a["remote_share"] = float(columns["remote_share"][i])
            a["remote_days"] = int(columns["remote_days"][i])
            a["remote_tools"] = columns["remote_tools"][i]
        for q in form.questions():
            if q.is_scale and q.name != "remote":
                a[q.name] = columns[q.name][i]
        if a["digital_use"] in GREW:
            a["digital_channels"] = columns["digital_channels"][i]
        a["solutions"] = columns["solutions"][i]
        if testimony[i]:
            a["testimony"] = phrases[said[i]]
            a["quote_ok"] = "yes" if quote[i] else "no"
        answers.append(a)
    return answers


def stored(answers: list[dict[str, Any]], first_id: int) -> tuple[list[int], list[Any], list[str]]:
    """Ids, completion times and JSON text, as the responses table holds them."""
    ids = list(range(first_id, first_id + len(answers)))
    times = [START + dt.timedelta(seconds=3 * i) for i in ids]
    return ids, times, [json.dumps(a, ensure_ascii=False) for a in answers]


def panel_margins(answers: list[dict[str, Any]], form: Form) -> dict[str, dict[str, float]]:
    """A panel composition that differs from the sample's, so that raking moves the weights."""
    size = 1.25 * len(answers)
    out: dict[str, dict[str, float]] = {}
    for name in MARGIN_QUESTIONS:
        q = form.question(name)
        assert q is not None
        tilt = np.linspace(0.7, 1.3, len(q.choices))
        weights = PROFILE.weights[name]
        share = np.array([weights[c.name] for c in q.choices]) * tilt
        out[name] = {c.name: size * s / share.sum() for c, s in zip(q.choices, share, strict=True)}
    return out


# -- the baseline: pandas, from the stored JSON


def _wilson_sequence(x: np.ndarray) -> tuple[float, float]:
    """Wilson bounds after every response (cumulative means), their running intersection."""
    t = np.arange(1, x.size + 1)
    p = np.cumsum(x) / t
    z = 1.96
    centre = (p + z * z / (2 * t)) / (1 + z * z / t)
    half = z * np.sqrt(p * (1 - p) / t + z * z / (4 * t * t)) / (1 + z * z / t)
    return float(np.max(centre - half)), float(np.min(centre + half))


def _baseline_rake(df: pd.DataFrame, margins: dict[str, dict[str, float]]) -> pd.Series:
    w = pd.Series(1.0, index=df.index)
    for _ in range(50):
        for name, target in margins.items():
            current = w.groupby(df[name]).sum()
            w = w * df[name].map(pd.Series(target) / current)
        error = max(
            float((w.groupby(df[name]).sum() - pd.Series(target)).abs().max())
            for name, target in margins.items()
        )
        if error < 1e-6:
            break
    return w


def baseline(
    form: Form, texts: list[str], times: list[Any], margins: dict[str, dict[str, float]]
) -> dict[str, Any]:
    df = pd.DataFrame([json.loads(t) for t in texts])
    df["_completed_at"] = pd.to_datetime(times, utc=True)
    df = df.sort_values("_completed_at", kind="stable")
    w = _baseline_rake(df, margins)
    out: dict[str, Any] = {}
    for q in form.questions():
        if q.name not in df:
            continue
        col = df[q.name]
        answered = col.notna()
        n = int(answered.sum())
        if q.type is QuestionType.SELECT_ONE:
            shares = col[answered].value_counts(normalize=True)
            weighted = w[answered].groupby(col[answered]).sum() / w[answered].sum()
            se = np.sqrt(shares * (1 - shares) / n)
            out[q.name] = (weighted, shares - 1.96 * se, shares + 1.96 * se)
            if q.is_scale:
                scores = {c.name: c.score for c in q.choices}
                y = col[answered].map(scores).astype(float).to_numpy()
                middle = (min(scores.values()) + max(scores.values())) / 2  # type: ignore[type-var]
                agree = (y > middle).astype(float)
                unit = (y - y.min()) / max(y.max() - y.min(), 1)
                out[q.name + ":share"] = (agree.mean(), _wilson_sequence(agree))
                out[q.name + ":mean"] = (y.mean(), y.std() / math.sqrt(n), _wilson_sequence(unit))
        elif q.type is QuestionType.SELECT_MULTIPLE:
            exploded = col[answered].explode()
            out[q.name] = exploded.value_counts() / n
        elif q.type in (QuestionType.DECIMAL, QuestionType.INTEGER):
            y = col[answered].astype(float)
            out[q.name] = (y.mean(), y.std() / math.sqrt(n), _wilson_sequence((y / y.max()).values))
    for by in ("org_type", "role", "cc_size", "sector"):
        table = pd.crosstab(df[by], df["agree_productivity"].isin(["4", "5"]))
        out["crosstab:" + by] = scipy_stats.chi2_contingency(table.to_numpy())[1]
    return out


# -- the run


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, rows: list[tuple[str, float, float]], step: Callable[[], Any]) -> Any:
    gc.collect()
    start = time.perf_counter()
    result = step()
    rows.append((label, time.perf_counter() - start, peak_mb()))
    print(f"  {label}: {rows[-1][1]:.2f} s", file=sys.stderr)
    return result


def _headline(findings: Findings) -> str:
    parts = []
    for key in ("agree_change", "digital_use", "agree_digital_better"):
        f = findings.finding(key)
        if f is not None and f.share is not None:
            parts.append(f"{key} {f.share.estimate.estimate:.3f} ({f.share.consolidated})")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exports", action="store_true", help="also time each export format")
    args = parser.parse_args(argv)
    form = load_form(FORM).form
    assert form is not None
    print(f"generating {args.rows:,} + {args.new:,} responses…", file=sys.stderr)
    answers = synthetic_answers(form, args.rows, args.seed)
    fresh = synthetic_answers(form, args.new, args.seed + 1)
    ids, times, texts = stored(answers, 1)
    new_ids, new_times, new_texts = stored(fresh, args.rows + 1)
    margins = panel_margins(answers, form)
    panel = int(1.25 * args.rows)
    del answers, fresh
    options: dict[str, Any] = {
        "panel_size": panel,
        "margins": margins,
        "contrast_items": CONTRAST_ITEMS,
    }
    ours: list[tuple[str, float, float]] = []
    theirs: list[tuple[str, float, float]] = []
    print("indagine…", file=sys.stderr)
    frame = timed(
        "snapshot from stored JSON", ours, lambda: frame_from_json(form, ids, times, texts)
    )
    snapshot = Snapshot(form, frame, Snapshot.empty(form).signature)
    analyse(form, snapshot.frame, **options)  # warm-up: imports, caches
    analysis = Analysis(form, margins=tuple(margins), contrast_items=CONTRAST_ITEMS)
    wanted = {"panel_size": panel, "margins": margins}

    def everything() -> Findings:  # the tally of every row, then the findings
        return analysis.update(snapshot.frame).findings(**wanted)

    full = timed("full findings (warm)", ours, everything)

    def incremental() -> Findings:  # the snapshot extended, only its new rows tallied
        grown = snapshot.extend_json(new_ids, new_times, new_texts)
        return analysis.update(grown.frame.slice(snapshot.n)).findings(**wanted)

    updated = timed(f"incremental: +{args.new:,} responses", ours, incremental)
    every = timed(
        "all contrasts (every scale item × 4)",
        ours,
        lambda: analyse(form, snapshot.frame, panel_size=panel, margins=margins),
    )
    print("baseline (pandas)…", file=sys.stderr)
    timed(
        "snapshot + full findings from JSON", theirs, lambda: baseline(form, texts, times, margins)
    )
    timed(
        f"incremental: +{args.new:,} responses",
        theirs,
        lambda: baseline(form, texts + new_texts, times + new_times, margins),
    )
    # === EXPORTS: timings of each export format go here (CSV, XLSX, SAV, Parquet) ===
    # Another engineer adds them: append (label, seconds, peak MB) rows to `ours`.
    if args.exports:
        ours.extend(export_timings(args.rows))
    # === END EXPORTS ===
    ours_full = ours[0][1] + ours[1][1]
    print()
    print(f"{args.rows:,} responses to '{form.form_id}', {args.new:,} new; raked to ", end="")
    print(f"{' and '.join(MARGIN_QUESTIONS)}; {len(CONTRAST_ITEMS) * 4} crosstabs")
    print()
    print("| step | indagine (s) | pandas baseline (s) | ratio | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| {ours[0][0]} | {ours[0][1]:.2f} | | | {ours[0][2]:.0f} |")
    print(f"| {ours[1][0]} | {ours[1][1]:.2f} | | | {ours[1][2]:.0f} |")
    print(
        f"| snapshot + full findings | {ours_full:.2f} | {theirs[0][1]:.2f} | "
        f"{theirs[0][1] / ours_full:.0f}× | {max(ours[1][2], theirs[0][2]):.0f} |"
    )
    print(
        f"| {ours[2][0]} | {ours[2][1]:.2f} | {theirs[1][1]:.2f} | "
        f"{theirs[1][1] / ours[2][1]:.0f}× | {ours[2][2]:.0f} |"
    )
    print(f"| {ours[3][0]} | {ours[3][1]:.2f} | | | {ours[3][2]:.0f} |")
    for label, seconds, peak in ours[4:]:
        print(f"| {label} | {seconds:.2f} | | | {peak:.0f} |")
    print()
    print(f"findings: {_headline(full)}")
    print(f"after the update: n = {updated.n:,}; with every contrast: {len(every.contrasts)} kept")
    print("peak RSS is the process's high-water mark after each step (the baseline ran last)")
    return 0


# === EXPORTS (benchmarks/exports.py): each format in its own process, on a SQLite database ===


def export_timings(rows: int) -> list[tuple[str, float, float]]:
    """(label, seconds, peak RSS MB) per export format, each format in a process of its own so
    its peak is its own; the responses are copies of 440 synthetic ones in a fresh database."""
    import subprocess

    print("exports (benchmarks/exports.py)…", file=sys.stderr)
    script = Path(__file__).with_name("exports.py")
    result = subprocess.run(
        [sys.executable, str(script), "--rows", str(rows), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    timings = []
    for line in result.stdout.splitlines():
        r = json.loads(line)
        label = (
            f"export {r['format']} ({r['file_mb']} MB; own process, {r['rss_before_mb']} MB before)"
        )
        timings.append((label, float(r["seconds"]), float(r["peak_rss_mb"])))
    return timings


# === END EXPORTS ===


if __name__ == "__main__":
    raise SystemExit(main())
