"""Where expressions get their values: answers (${name}), the current value, today, a row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from .values import Result, Value, atomize


class Environment(Protocol):
    """Answers an expression can read. Optional attributes, read with getattr when present:
    `current` (the value of '.'), `today` (a datetime.date) and `row` (the columns of a choice row,
    for the bare names of a choice_filter)."""

    def lookup(self, name: str) -> Value:
        """Return the stored answer of the question called `name` (None when unanswered)."""
        ...


class MapEnvironment:
    """An Environment over a dict of answers; missing names read as unanswered (None).

    The answers may change between evaluations (a form's check adds them question by
    question); `current`, `today` and `row` are read once, into the evaluation context that
    every expression evaluated over this environment shares."""

    def __init__(
        self,
        values: Mapping[str, Value],
        current: Value = None,
        today: date | None = None,
        row: Mapping[str, str] | None = None,
    ) -> None:
        self.values = values
        self.current = current
        self.today = today
        self.row = row
        self.context = Context.read(self)

    def lookup(self, name: str) -> Value:
        return self.values.get(name)

    def __repr__(self) -> str:
        return (
            f"MapEnvironment({dict(self.values)!r}, current={self.current!r}, "
            f"today={self.today!r}, row={self.row!r})"
        )


@dataclass(frozen=True, slots=True)
class Context:
    """One evaluation's view of an Environment, with the optional attributes already read."""

    environment: Environment
    current: Result
    today: date
    row: Mapping[str, str] | None

    @classmethod
    def of(cls, environment: Environment) -> Context:
        """The context of an evaluation over `environment` (a MapEnvironment's, read once)."""
        if isinstance(environment, MapEnvironment):
            return environment.context
        return cls.read(environment)

    @classmethod
    def read(cls, environment: Environment) -> Context:
        """Read the optional attributes of `environment` into a new context."""
        today = getattr(environment, "today", None)
        if isinstance(today, datetime):
            today = today.date()
        if not isinstance(today, date):
            today = date.today()
        return cls(
            environment=environment,
            current=atomize(getattr(environment, "current", None)),
            today=today,
            row=getattr(environment, "row", None),
        )
