"""Benchmark of the statistics engine on 1,000,000 rows, against R's survey when Rscript exists.

Run: ``.venv/bin/python benchmarks/stats.py [--rows N] [--r-rows N] [--no-r]``. R runs on the
first ``--r-rows`` rows (default 200,000) and its times are extrapolated linearly to ``--rows``;
the output says so. Steps: a weighted proportion with its logit interval, a 5-level item,
raking on two margins (with the raked estimate), a 5x3 crosstab with the Rao-Scott test, and a
confidence sequence (hedged betting, bounds after every response).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from indagine.stats.crosstab import crosstab
from indagine.stats.design import survey_design
from indagine.stats.estimates import mean, proportions
from indagine.stats.likert import likert
from indagine.stats.sequences import betting
from indagine.stats.weighting import rake

SEX = {"1": 0.52, "2": 0.48}
AGE = {"1": 0.2, "2": 0.3, "3": 0.3, "4": 0.2}
STEPS = ["proportion", "likert", "raking", "crosstab", "sequence"]

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(TRUE); dir <- args[1]; n <- as.integer(args[2])
col <- function(name) readBin(file.path(dir, paste0(name, ".bin")), "double", n)
d <- data.frame(w = col("w"), x = col("x"), item = col("item"), a = factor(col("a")),
                b = factor(col("b")), sex = factor(col("sex")), age = factor(col("age")))
N <- sum(d$w)
clock <- function(step, expr) {
  t <- system.time(expr)[["elapsed"]]
  cat(step, t, "\n")
}
clock("proportion", {
  des <- svydesign(id = ~1, weights = ~w, data = d)
  ci <- svyciprop(~x, des, method = "logit")
})
clock("likert", {
  lik <- svymean(~factor(item), des)
  top <- svyciprop(~I(item >= 4), des, method = "logit")
  bottom <- svyciprop(~I(item <= 2), des, method = "logit")
  net <- svymean(~I(sign(item - 3)), des)
  score <- svymean(~item, des)
})
clock("raking", {
  pop_sex <- data.frame(sex = levels(d$sex), Freq = N * c(0.52, 0.48))
  pop_age <- data.frame(age = levels(d$age), Freq = N * c(0.2, 0.3, 0.3, 0.2))
  raked <- rake(des, list(~sex, ~age), list(pop_sex, pop_age),
                control = list(maxit = 100, epsilon = 1e-10))
  m <- svymean(~x, raked)
})
clock("crosstab", {
  tab <- svyby(~b, ~a, des, svymean)
  chi <- svychisq(~a + b, des)
})
clock("sequence", {
  # The hedged betting CS at every look, on a 513-point grid of candidate means (base R).
  x <- d$x; tt <- seq_along(x); alpha <- 0.05; thr <- log(2 / alpha)
  mu <- (0.5 + cumsum(x)) / (tt + 1)
  v <- (0.25 + cumsum((x - c(0.5, mu[-length(mu)]))^2)) / (tt + 1)
  lam <- pmin(sqrt(2 * log(2 / alpha) / (c(0.25, v[-length(v)]) * tt * log(1 + tt))), 0.5)
  grid <- seq(0, 1, length.out = 513)
  up <- numeric(513); down <- numeric(513); lower <- upper <- numeric(n)
  for (s in seq(1, n, by = 2048)) {
    idx <- s:min(s + 2047, n)
    bet <- outer(grid, x[idx], function(m, xi) xi - m) * rep(lam[idx], each = 513)
    lu <- up + t(apply(log1p(bet), 1, cumsum))
    ld <- down + t(apply(log1p(-bet), 1, cumsum))
    if (length(idx) == 1) { lu <- matrix(lu, ncol = 1); ld <- matrix(ld, ncol = 1) }
    up <- lu[, ncol(lu)]; down <- ld[, ncol(ld)]
    first <- max.col(t(lu < thr), ties.method = "first")
    last <- 514 - max.col(t((ld < thr)[513:1, , drop = FALSE]), ties.method = "first")
    lower[idx] <- grid[pmax(first - 1, 1)]; upper[idx] <- grid[pmin(last + 1, 513)]
  }
})
"""


def generate(rows: int) -> dict[str, np.ndarray]:
    """Synthetic answers: weights, a yes/no item, a 5-level item, margins and crosstab items."""
    rng = np.random.default_rng(1_000_000)
    a = rng.integers(1, 6, rows)
    return {
        "w": np.exp(rng.normal(0, 0.4, rows)) * 20,
        "x": (rng.random(rows) < 0.37).astype(np.int64),
        "item": np.clip(np.round(rng.normal(3.3, 1.1, rows)), 1, 5).astype(np.int64),
        "a": a,
        "b": np.where(rng.random(rows) < 0.1 + 0.05 * a, 3, rng.integers(1, 3, rows)),
        "sex": rng.integers(1, 3, rows),
        "age": rng.choice([1, 2, 3, 4], rows, p=[0.15, 0.3, 0.35, 0.2]),
    }


def ours(data: dict[str, np.ndarray]) -> dict[str, float]:
    """Each step's wall time in seconds (the design is built inside the first step)."""
    times: dict[str, float] = {}
    state: dict[str, Any] = {}

    def clock(step: str, work: Callable[[], Any]) -> None:
        start = time.perf_counter()
        state[step] = work()
        times[step] = time.perf_counter() - start

    def proportion() -> Any:
        state["design"] = survey_design(weights=data["w"])
        return proportions(state["design"], data["x"], ci="logit")

    total = float(data["w"].sum())
    population = {
        "sex": {k: v * total for k, v in SEX.items()},
        "age": {k: v * total for k, v in AGE.items()},
    }

    def raking() -> Any:
        raked = rake(state["design"], {"sex": data["sex"], "age": data["age"]}, population)
        return mean(raked.design, data["x"])

    clock("proportion", proportion)
    clock("likert", lambda: likert(state["design"], data["item"], ["1", "2", "3", "4", "5"]))
    clock("raking", raking)
    clock("crosstab", lambda: crosstab(state["design"], data["a"], data["b"]))
    clock("sequence", lambda: betting(data["x"]))
    return times


def theirs(data: dict[str, np.ndarray], rows: int) -> dict[str, float]:
    """R's survey on the first ``rows`` rows: each step's elapsed seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, values in data.items():
            values[:rows].astype(np.float64).tofile(Path(tmp) / f"{name}.bin")
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        done = subprocess.run(
            ["Rscript", str(script), tmp, str(rows)], capture_output=True, text=True, check=True
        )
    return {line.split()[0]: float(line.split()[1]) for line in done.stdout.splitlines() if line}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--r-rows", type=int, default=200_000)
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args(argv)
    data = generate(args.rows)
    ours(generate(10_000))  # warm up imports and caches
    mine = ours(data)
    r_rows = min(args.r_rows, args.rows)
    have_r = shutil.which("Rscript") is not None and not args.no_r
    r_times = theirs(data, r_rows) if have_r else {}
    scale = args.rows / r_rows
    print(f"indagine.stats on {args.rows:,} rows", end="")
    if have_r:
        extrapolated = f", extrapolated linearly x{scale:g}" if scale != 1 else ""
        print(f"; R survey on {r_rows:,} rows{extrapolated}")
    else:
        print("; R skipped (--no-r)" if args.no_r else "; Rscript not found, R skipped")
    print(f"{'step':<12}{'ours (s)':>10}{'R (s)':>10}{'ratio':>9}")
    for step in STEPS:
        r = r_times.get(step)
        r_text = f"{r * scale:10.2f}{r * scale / mine[step]:8.0f}x" if r is not None else ""
        print(f"{step:<12}{mine[step]:10.3f}{r_text}")
    total_r = sum(r_times.values()) * scale
    ratio = f"{total_r:10.2f}{total_r / sum(mine.values()):8.0f}x" if r_times else ""
    print(f"{'total':<12}{sum(mine.values()):10.3f}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
