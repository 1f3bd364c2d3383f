"""The snapshot's columns as the arrays the statistics engine takes, in order of arrival.

Rows are put in order of completion (ties by id) once; a single choice becomes integer codes in
the order of its choices (-1 where unanswered or unknown), a multiple choice a matrix of 0/1
with NaN where the question has no answer, a number a float array with NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from indagine.forms.model import Question, QuestionType

from .frame import COMPLETED_AT, ID, choice_column

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def in_arrival_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows in order of completion, ties broken by id (a no-op when already so)."""
    times = frame.get_column(COMPLETED_AT)
    if times.is_sorted() and frame.get_column(ID).is_sorted():
        return frame
    return frame.sort([COMPLETED_AT, ID], maintain_order=True)


@dataclass(eq=False)
class Columns:
    """Arrays of one ordered frame, converted on first use and kept."""

    frame: pl.DataFrame
    _codes: dict[str, IntArray] = field(default_factory=dict)
    _numbers: dict[str, FloatArray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.frame.height

    def codes(self, question: Question, names: Sequence[str] | None = None) -> IntArray:
        """Codes 0..k-1 of a single choice in the order of `names` (its choices by default)."""
        order = tuple(names) if names is not None else tuple(c.name for c in question.choices)
        key = f"{question.name}\x00{'|'.join(order)}"
        if key not in self._codes:
            column = self.frame.get_column(question.name)
            coded = column.cast(pl.String).cast(pl.Enum(list(order)), strict=False)
            physical = coded.to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
            self._codes[key] = np.asarray(physical, dtype=np.intp)
        return self._codes[key]

    def chosen(self, question: Question) -> FloatArray:
        """n × choices: 1 ticked, 0 not, NaN where the question has no answer."""
        columns = [choice_column(question.name, c.name) for c in question.choices]
        return np.column_stack([self.number(name) for name in columns])

    def number(self, name: str) -> FloatArray:
        """A column as floats, NaN where missing."""
        if name not in self._numbers:
            column = self.frame.get_column(name).cast(pl.Float64)
            self._numbers[name] = np.asarray(column.fill_null(np.nan).to_numpy(), np.float64)
        return self._numbers[name]

    def answered(self, question: Question) -> BoolArray:
        """Rows where the question has an answer."""
        kind = question.type
        if kind is QuestionType.SELECT_MULTIPLE:
            return np.asarray(~np.isnan(self.chosen(question)).all(axis=1), dtype=bool)
        if kind is QuestionType.SELECT_ONE:
            return self.codes(question) >= 0
        if kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE):
            return ~np.isnan(self.number(question.name))
        return np.asarray(self.frame.get_column(question.name).is_not_null().to_numpy(), bool)
