"""Categorical answers as integer codes: the shape every categorical estimate works on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

MISSING_TEXT = ("", "NA", "NaN", "nan", "None")


@dataclass(frozen=True, eq=False)
class Categories:
    """Codes 0..k-1 for each row (-1 where missing) and the label of each code."""

    codes: IntArray
    labels: tuple[str, ...]

    @property
    def missing(self) -> BoolArray:
        """Rows with no answer."""
        return self.codes < 0

    @property
    def size(self) -> int:
        """Number of levels."""
        return len(self.labels)

    def code_of(self, label: str) -> int:
        """The code of one label."""
        return self.labels.index(label)


def _as_text(values: Any) -> pl.Series:
    series = (
        values if isinstance(values, pl.Series) else pl.Series(np.asarray(values, dtype=object))
    )
    if series.dtype != pl.String:
        series = series.cast(pl.String, strict=False)
    return series.set(series.is_in(list(MISSING_TEXT)).fill_null(False), None)


def _integer_codes(arr: npt.NDArray[Any]) -> tuple[IntArray, tuple[str, ...]]:
    low, high = int(arr.min()), int(arr.max())
    if high - low < 100_000:
        present = np.flatnonzero(np.bincount(arr - low, minlength=high - low + 1)) + low
        lookup = np.full(high - low + 1, -1, dtype=np.intp)
        lookup[present - low] = np.arange(present.size)
        return lookup[arr - low], tuple(str(v) for v in present)
    uniq, inverse = np.unique(arr, return_inverse=True)
    return inverse.astype(np.intp), tuple(str(v) for v in uniq)


def _natural(arr: npt.NDArray[Any]) -> tuple[IntArray, tuple[str, ...]]:
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp), ()
    if arr.dtype.kind in "iub":
        return _integer_codes(arr.astype(np.int64))
    if arr.dtype.kind == "f":
        ok = ~np.isnan(arr)
        codes = np.full(arr.size, -1, dtype=np.intp)
        if not ok.any():
            return codes, ()
        whole = arr[ok] == np.round(arr[ok])
        if whole.all():
            sub, labels = _integer_codes(arr[ok].astype(np.int64))
        else:
            uniq, sub = np.unique(arr[ok], return_inverse=True)
            labels = tuple(repr(float(v)) for v in uniq)
        codes[ok] = sub
        return codes, labels
    text = _as_text(arr)
    labels = tuple(text.drop_nulls().unique().sort().to_list())
    return _with_levels(text, labels), labels


def _with_levels(text: pl.Series, labels: Sequence[str]) -> IntArray:
    enum = text.cast(pl.Enum(list(labels)), strict=False)
    physical = enum.to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
    return np.asarray(physical, dtype=np.intp)


def encode(values: Any, levels: Sequence[str] | None = None) -> Categories:
    """Codes for answers; ``levels`` fixes the order, and answers outside it become missing."""
    if isinstance(values, Categories):
        return (
            values
            if levels is None
            else encode(np.array((*values.labels, ""))[values.codes], levels)
        )
    arr = values.to_numpy() if isinstance(values, pl.Series) else np.asarray(values)
    if levels is None:
        codes, labels = _natural(arr)
        return Categories(codes, labels)
    wanted = tuple(str(level) for level in levels)
    if arr.dtype.kind in "iuf":
        codes, labels = _natural(arr)
        remap = np.array([wanted.index(lab) if lab in wanted else -1 for lab in labels] + [-1])
        return Categories(remap[codes].astype(np.intp), wanted)
    return Categories(_with_levels(_as_text(arr), wanted), wanted)
