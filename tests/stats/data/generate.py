"""Generate the synthetic survey data sets the R references are computed on (fixed seeds).

Run from the repository root: ``.venv/bin/python tests/stats/data/generate.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).parent
AGE_GROUPS = ["18-34", "35-49", "50-64", "65+"]
PANEL_SIZE = 3000
RANKED_ITEMS = ["a", "b", "c", "d"]
SITE_KINDS = ["office", "home", "cowork"]
SITE_USES = ["wifi", "printer", "parking"]


def _items(rng: np.random.Generator, n: int, shift: np.ndarray) -> dict[str, object]:
    """A continuous y, a binary x, a 5-level a and a 3-level b associated with a."""
    y = 50 + 8 * shift + rng.normal(0, 10, n)
    x = (rng.random(n) < 0.3 + 0.1 * shift).astype(int)
    a = np.clip(np.round(3 + shift + rng.normal(0, 1.2, n)), 1, 5).astype(int)
    b_prob = np.clip(0.15 + 0.08 * (a - 1), 0, 1)
    b = np.where(rng.random(n) < b_prob, "yes", np.where(rng.random(n) < 0.5, "no", "maybe"))
    likert = a.astype(object)
    dk = rng.random(n) < 0.06
    likert[dk] = "dk"
    skipped = rng.random(n) < 0.04
    likert[skipped] = None
    return {
        "y": np.round(y, 3),
        "x": x,
        "a": [f"a{v}" for v in a],
        "b": b,
        "likert": [None if v is None else str(v) for v in likert],
    }


def stratified(rng: np.random.Generator) -> pl.DataFrame:
    """Stratified SRS: strata of 500, 800 and 1200 members, 40, 60 and 80 sampled."""
    sizes = {"A": (500, 40), "B": (800, 60), "C": (1200, 80)}
    stratum = np.concatenate([[h] * n for h, (_, n) in sizes.items()])
    population = np.concatenate([[big] * n for big, n in sizes.values()])
    shift = np.select([stratum == "A", stratum == "B"], [-1.0, 0.0], 1.0)
    return pl.DataFrame({"stratum": stratum, "N": population, **_items(rng, stratum.size, shift)})


def clustered(rng: np.random.Generator) -> pl.DataFrame:
    """Stratified one-stage cluster sample: 8 of 60 and 12 of 90 clubs, every member asked."""
    rows = []
    for stratum, (population, sampled) in {"north": (60, 8), "south": (90, 12)}.items():
        for club in range(sampled):
            size = int(rng.integers(3, 13))
            effect = rng.normal(0, 0.8)
            rows += [(stratum, f"{stratum}-{club}", population, effect)] * size
    stratum, cluster, npsu, effect = (np.array(c) for c in zip(*rows, strict=True))
    frame = pl.DataFrame({"stratum": stratum, "cluster": cluster, "Npsu": npsu.astype(int)})
    items = _items(rng, len(rows), effect.astype(float))
    return frame.with_columns(Nclubs=pl.lit(150), **{k: pl.Series(v) for k, v in items.items()})


def panel(rng: np.random.Generator) -> pl.DataFrame:
    """SRS of 400 from a panel of 3000 with unequal non-response weights, for calibration."""
    n = 400
    sex = np.where(rng.random(n) < 0.58, "F", "M")
    age = rng.choice(AGE_GROUPS, size=n, p=[0.15, 0.25, 0.33, 0.27])
    region = rng.choice(["centre", "east", "west"], size=n, p=[0.5, 0.3, 0.2])
    shift = (sex == "F") * 0.5 + np.searchsorted(AGE_GROUPS, age) * 0.3 - 0.7
    weights = PANEL_SIZE / n * np.exp(rng.normal(0, 0.25, n))
    items = _items(rng, n, shift)
    return pl.DataFrame(
        {"sex": sex, "age": age, "region": region, "w": np.round(weights, 4), "N": PANEL_SIZE}
    ).with_columns(**{k: pl.Series(v) for k, v in items.items()})


def ranked(rng: np.random.Generator) -> pl.DataFrame:
    """A ranking of 4 items in a stratified cluster sample (8 of 60 and 12 of 90 clubs, all
    members asked), with unequal weights: "b a c" ranks b first; some rank only their top 1-3
    and some skip the question (empty)."""
    rows = []
    strata = {
        "north": (60, 8, 700, [0.8, 0.3, 0.0, -0.4]),
        "south": (90, 12, 1100, [0.4, 0.3, 0.6, -0.2]),
    }
    for stratum, (clubs, sampled, members, appeal) in strata.items():
        for club in range(sampled):
            size = int(rng.integers(4, 13))
            utility = np.array(appeal) + rng.normal(0, 0.5, 4) + rng.gumbel(0, 1, (size, 4))
            weights = members / 80 * np.exp(rng.normal(0, 0.3, size))
            kept = rng.choice([0, 1, 2, 3, 4], size=size, p=[0.08, 0.05, 0.07, 0.05, 0.75])
            for row in range(size):
                order = [RANKED_ITEMS[i] for i in np.argsort(-utility[row])[: kept[row]]]
                rank = " ".join(order) if order else None
                rows.append((stratum, f"{stratum}-{club}", members, clubs, weights[row], rank))
    schema = {"stratum": pl.String, "cluster": pl.String, "N": pl.Int64, "Npsu": pl.Int64}
    schema |= {"w": pl.Float64, "rank": pl.String}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.select(
        "stratum", "cluster", "N", "Npsu", Nclubs=pl.lit(150), w=pl.col("w").round(4), rank="rank"
    )


def _site(rng: np.random.Generator, taste: np.ndarray, lean: float, uses: np.ndarray) -> tuple:
    """One instance of the repeat: a kind (8% skipped), seats (7% skipped) and the uses chosen
    (6% skipped, all three together), drawn close to its response's own taste."""
    kind = SITE_KINDS[int(np.argmax(taste + rng.gumbel(0, 0.5, 3)))]
    seats = int(np.round(np.exp(2.0 + lean + rng.normal(0, 0.3))))
    chosen = [int(c) for c in rng.random(3) < 1 / (1 + np.exp(-uses))]
    return (
        None if rng.random() < 0.08 else kind,
        None if rng.random() < 0.07 else seats,
        *([None] * 3 if rng.random() < 0.06 else chosen),
    )


def repeats(rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A repeat group (one instance per site a respondent works at) in a stratified sample of
    60 of 900 and 90 of 1400 responses with unequal weights: 0 to 5 sites each (some none), the
    sites of one response alike (its own taste in kinds, size and uses), so that treating the
    sites as independent would understate the variance. Returns (responses, instances)."""
    responses, instances = [], []
    for stratum, (population, sampled) in {"north": (900, 60), "south": (1400, 90)}.items():
        for number in range(sampled):
            response = f"{stratum}-{number:03d}"
            weight = round(population / sampled * float(np.exp(rng.normal(0, 0.3))), 4)
            count = int(rng.choice(6, p=[0.12, 0.25, 0.25, 0.18, 0.12, 0.08]))
            size = "large" if rng.random() < 0.4 else "small"
            responses.append((response, stratum, weight, population, size, count))
            taste = np.array([0.6, 0.2, -0.4]) + rng.normal(0, 1.2, 3)
            lean = float(rng.normal(0, 0.6)) + (0.3 if size == "large" else 0.0)
            uses = np.array([1.2, -0.3, -1.0]) + rng.normal(0, 1.0, 3)
            for _ in range(count):
                site = _site(rng, taste, lean, uses)
                instances.append((response, stratum, weight, population, *site))
    head = {"response": pl.String, "stratum": pl.String, "w": pl.Float64, "N": pl.Int64}
    answers = {"kind": pl.String, "seats": pl.Int64}
    answers |= {f"uses_{use}": pl.Int64 for use in SITE_USES}
    return (
        pl.DataFrame(
            responses, schema=head | {"size": pl.String, "instances": pl.Int64}, orient="row"
        ),
        pl.DataFrame(instances, schema=head | answers, orient="row"),
    )


def members(rng: np.random.Generator) -> pl.DataFrame:
    """A panel of 600 members with three attributes and whether each answered: the answering
    depends on region and kind (the R-indicator's data)."""
    n = 600
    region = rng.choice(["centre", "north", "south"], size=n, p=[0.3, 0.45, 0.25])
    kind = rng.choice(["bpo", "inhouse", "public", "supplier"], size=n, p=[0.3, 0.35, 0.15, 0.2])
    size = rng.choice(["large", "small"], size=n, p=[0.4, 0.6])
    eta = -0.2 + 0.5 * (region == "north") - 0.7 * (region == "south")
    eta = eta + 0.4 * (kind == "inhouse") - 0.9 * (kind == "public") + 0.1 * (size == "small")
    answered = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pl.DataFrame({"region": region, "kind": kind, "size": size, "answered": answered})


def editions(rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two editions of a survey, independent samples of different designs: the first
    stratified with a finite population, the second clustered and weighted; a share that
    rises clearly between them (x) and a mean that barely moves (y)."""
    strata, population, taken = [], [], []
    for stratum, (size, n) in enumerate(((120, 30), (200, 40), (80, 20))):
        strata += [stratum] * n
        population += [size] * n
        taken += [n] * n
    n = len(strata)
    before = pl.DataFrame(
        {
            "stratum": strata,
            "N": population,
            "w": np.array(population) / np.array(taken),
            "x": (rng.random(n) < 0.55).astype(int),
            "y": np.round(50 + rng.normal(0, 10, n), 2),
        }
    )
    rows = []
    for stratum, psus in enumerate((9, 7, 8, 6)):
        for cluster in range(int(rng.integers(4, psus))):
            effect = rng.normal(0, 0.5)
            for _ in range(int(rng.integers(3, 9))):
                weight = np.exp(rng.normal(0.8, 0.3))
                x = int(rng.random() < 0.70 + 0.05 * effect)
                y = round(51 + 4 * effect + rng.normal(0, 10), 2)
                rows.append((stratum, cluster, psus, round(weight, 4), x, y))
    after = pl.DataFrame(rows, schema=["stratum", "cluster", "Npsu", "w", "x", "y"], orient="row")
    return before, after


def main() -> None:
    rng = np.random.default_rng(20240611)
    stratified(rng).write_csv(HERE / "stratified.csv")
    clustered(rng).write_csv(HERE / "clustered.csv")
    panel(rng).write_csv(HERE / "panel.csv")
    # Its own seed, so that the data sets above stay as they were.
    ranked(np.random.default_rng(20250301)).write_csv(HERE / "ranked.csv")
    members(np.random.default_rng(20261206)).write_csv(HERE / "members.csv")
    responses, instances = repeats(np.random.default_rng(20270115))
    responses.write_csv(HERE / "instance_responses.csv")
    instances.write_csv(HERE / "instances.csv")
    before, after = editions(np.random.default_rng(20261207))
    before.write_csv(HERE / "edition_before.csv")
    after.write_csv(HERE / "edition_after.csv")


if __name__ == "__main__":
    main()
