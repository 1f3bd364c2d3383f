"""Errors of the statistics engine, each with a stable code that tests and callers rely on."""

from __future__ import annotations

from enum import Enum


class ErrorCode(Enum):
    """A stable code and the template of the message a person reads."""

    MISSING_COLUMN = ("missing-column", "column {column!r} is not in the data")
    NON_NUMERIC = ("non-numeric", "column {column!r} must be numeric: found {example!r}")
    BAD_WEIGHTS = ("bad-weights", "weights must be finite and non-negative: {detail}")
    EMPTY_STRATUM = ("empty-stratum", "{detail}")
    LONELY_PSU = (
        "lonely-psu",
        "stratum {stratum!r} has a single sampled unit: its variance cannot be estimated",
    )
    BAD_FPC = ("bad-fpc", "population size {detail}")
    EMPTY_BASE = ("empty-base", "no respondent is in the base of {what}")
    LENGTH_MISMATCH = ("length-mismatch", "{what} has {got} values, the data has {expected}")
    MARGIN_MISMATCH = (
        "margin-mismatch",
        "margin {variable!r}: levels {levels} are in the data but not in the population",
    )
    MARGIN_EMPTY = (
        "margin-empty",
        "margin {variable!r}: levels {levels} have a population count but no respondent",
    )
    MARGIN_TOTALS = (
        "margin-totals",
        "population margins disagree on the total: {totals}",
    )
    RAKING_NOT_CONVERGED = (
        "raking-not-converged",
        "raking did not converge in {iterations} iterations: largest margin error {gap:.3g}",
    )
    BAD_RANKING = ("bad-ranking", "the ranking in row {row} ({order!r}) {detail}")
    BAD_ARGUMENT = ("bad-argument", "{detail}")
    BAD_FILE = ("bad-file", "cannot read {path!r}: {detail}")

    @property
    def code(self) -> str:
        """The stable code, e.g. ``missing-column``."""
        return self.value[0]

    @property
    def template(self) -> str:
        """The message template."""
        return self.value[1]


class StatsError(ValueError):
    """An input the engine cannot work with; ``code`` is stable, the message is for people."""

    def __init__(self, error: ErrorCode, **context: object) -> None:
        self.error = error
        self.context = context
        super().__init__(f"{error.code}: {error.template.format(**context)}")

    @property
    def code(self) -> str:
        """The stable code of the error."""
        return self.error.code


class RakingError(StatsError):
    """Raking failed to reach the population margins."""
