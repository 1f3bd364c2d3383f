"""Ranking questions (XLSForm ``rank``): the mean rank of each item and the share ranking it first.

An answer is the ordered choice names, space-separated, first first ("b a c"). Both summaries
are domain estimates over the respondents who answered, on the full design (Lumley 2010,
*Complex Surveys*, §2.3; as ``svymean`` and ``svyciprop`` on ``subset(design, answered)``).

A partial ranking (someone ranks their top k of the items and stops) gives each item left out
the mean of the positions left: ranking b then a of a, b, c, d gives c and d rank 3.5. This reads
a top-k list as a tie for the remaining places (Critchlow 1985, *Metric Methods for Analyzing
Partially Ranked Data*). Leaving unranked items out of their mean instead would make an item
that only its admirers bother to place look better than one everyone ranked, and would give each
item a different base; with mid-ranks every item is averaged over the same respondents and each
respondent's ranks still sum to k(k + 1)/2, so the mean ranks sum to it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from indagine.stats.categories import MISSING_TEXT
from indagine.stats.design import Design
from indagine.stats.errors import ErrorCode, StatsError
from indagine.stats.estimates import Estimate, domain_mask, mean, share_estimates, shares
from indagine.stats.intervals import IntervalMethod

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Rankings:
    """Parsed answers: each row's rank of every item (NaN where unanswered) and its first item."""

    items: tuple[str, ...]
    ranks: FloatArray
    first: IntArray

    @property
    def answered(self) -> BoolArray:
        """Rows that ranked at least one item."""
        return self.first >= 0


@dataclass(frozen=True)
class RankSummary:
    """Mean rank (1 = first) and share ranked first of each item, all on the same base."""

    what: str
    items: tuple[str, ...]
    mean_rank: tuple[Estimate, ...]
    first: tuple[Estimate, ...]
    n: int
    weighted_n: float
    base: str
    excluded: tuple[tuple[str, int], ...]
    degrees_of_freedom: int

    def mean_rank_of(self, item: str) -> Estimate:
        """The mean rank of one item."""
        return self.mean_rank[self.items.index(item)]

    def first_of(self, item: str) -> Estimate:
        """The share of respondents ranking one item first."""
        return self.first[self.items.index(item)]


@dataclass(frozen=True)
class _Domain:
    """The design as a domain's intervals see it: its own degrees of freedom, the rest as is."""

    design: Design
    degrees_of_freedom: int

    def described(self) -> str:
        return self.design.described()

    def fallback_n(self) -> float:
        return self.design.fallback_n()

    def total_weight(self) -> float:
        return self.design.total_weight()


def _check_items(items: Sequence[str]) -> tuple[str, ...]:
    names = tuple(items)
    bad = [name for name in names if not name or len(name.split()) != 1]
    if len(names) < 2 or bad or len(set(names)) != len(names):
        detail = f"a ranking needs two or more distinct item names without spaces, got {names}"
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail=detail)
    return names


def _as_text(orders: Any) -> pl.Series:
    if isinstance(orders, pl.Series):
        series = orders.cast(pl.String, strict=False)
    else:
        series = pl.Series(list(orders), dtype=pl.String, strict=False)
    return series.set(series.str.strip_chars().is_in(list(MISSING_TEXT)).fill_null(False), None)


def _refuse(text: pl.Series, row: int, detail: str) -> StatsError:
    return StatsError(ErrorCode.BAD_RANKING, row=row, order=text[row], detail=detail)


def parse_rankings(orders: Sequence[str | None] | pl.Series, items: Sequence[str]) -> Rankings:
    """Each row's rank of every item from answers such as "b a c"; None or "" is unanswered.

    A name that is not an item, or one named twice (a tie, which a ranking cannot hold), raises
    ``bad-ranking`` with the row (counted from 0). Items left out take the mean of the
    positions left (see the module's docstring).
    """
    names = _check_items(items)
    k = len(names)
    text = _as_text(orders)
    n = text.len()
    # One row per name given, in answer order; positions and repeats are counted in numpy,
    # which is several times faster here than polars' window functions.
    tokens = (
        pl.DataFrame({"token": text.str.extract_all(r"\S+")})
        .with_row_index("row")
        .explode("token")
        .drop_nulls("token")
        .with_columns(code=pl.col("token").replace_strict(names, list(range(k)), default=None))
    )
    unknown = tokens.filter(pl.col("code").is_null())
    if unknown.height:
        token = unknown["token"][0]
        detail = f"names {token!r}, not one of {', '.join(names)}"
        raise _refuse(text, int(unknown["row"][0]), detail)
    row = tokens["row"].to_numpy().astype(np.intp)
    code = tokens["code"].to_numpy().astype(np.intp)
    ranked = np.bincount(row, minlength=n)
    position = np.arange(row.size) - (np.cumsum(ranked) - ranked)[row]
    key = row * k + code
    twice = np.flatnonzero(np.bincount(key, minlength=n * k)[key] > 1)
    if twice.size:
        detail = f"names {names[code[twice[0]]]!r} twice: a ranking cannot hold a tie"
        raise _refuse(text, int(row[twice[0]]), detail)
    answered = ranked > 0
    ranks = np.full((n, k), np.nan)
    ranks[answered] = ((ranked[answered] + 1 + k) / 2)[:, None]
    ranks[row, code] = position + 1
    first = np.full(n, -1, dtype=np.intp)
    first[row[position == 0]] = code[position == 0]
    return Rankings(names, ranks, first)


def domain_degrees_of_freedom(design: Design, base: BoolArray) -> int:
    """PSUs minus strata among those holding a row of the base (Korn and Graubard 1999,
    *Analysis of Health Surveys*; ``survey::degf`` of ``subset(design, ...)``)."""
    psus = np.unique(design.psu[base])
    return int(psus.size - np.unique(design.psu_stratum[psus]).size)


def rank_summary(
    design: Design,
    orders: Sequence[str | None] | pl.Series,
    items: Sequence[str],
    *,
    what: str = "ranking",
    domain: Any = None,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> RankSummary:
    """Mean rank of each item with its linearised SE and normal interval (``svymean``), and the
    share ranking it first with a ``svyciprop(method="logit")`` interval, over those who answered.

    The first-choice intervals use the domain's degrees of freedom (the PSUs and strata that
    hold a respondent), as R's ``svyciprop`` does on a subset.
    """
    parsed = parse_rankings(orders, items)
    if parsed.first.size != design.n:
        raise StatsError(
            ErrorCode.LENGTH_MISMATCH, what=what, got=parsed.first.size, expected=design.n
        )
    mask = domain_mask(design, domain)
    base = mask & parsed.answered
    if not float(design.weights[base].sum()) > 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what=what)
    base_text = f"answered {what}"
    skipped = int((mask & ~parsed.answered).sum())
    excluded = (("skipped", skipped),) if skipped else ()
    means = tuple(
        replace(
            mean(design, parsed.ranks[:, j], what=item, domain=mask, level=level),
            what=f"mean rank of {item} in {what}",
            base=base_text,
        )
        for j, item in enumerate(parsed.items)
    )
    first = shares(design, parsed.first, len(parsed.items), base)
    df = domain_degrees_of_freedom(design, base)
    firsts = share_estimates(
        _Domain(design, df),
        first,
        parsed.items,
        what=f"ranked first in {what}",
        base=base_text,
        ci=ci,
        level=level,
    )
    return RankSummary(
        what=what,
        items=parsed.items,
        mean_rank=means,
        first=tuple(replace(e, excluded=excluded) for e in firsts),
        n=first.n,
        weighted_n=first.weighted_n,
        base=base_text,
        excluded=excluded,
        degrees_of_freedom=df,
    )
