"""Where expressions get their values: answers (${name}), the current value, today, a row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

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
    every expression evaluated over this environment shares.

    A form with repeats keeps each repeat's answers as a list of dicts, one per instance, under
    the repeat's name; `members` names the repeat of each question asked in one. `scope` is
    the instance an expression is evaluated in (the repeat's name and the instance's index
    from 0): there `${name}` of a question of that repeat is its answer in that instance, as
    XPath's relative paths read it; elsewhere, its answer in the first instance (the string
    value of a node-set). `lookup_all` gives every instance's (count(), sum(), join()...)."""

    def __init__(
        self,
        values: Mapping[str, Any],
        current: Value = None,
        today: date | None = None,
        row: Mapping[str, str] | None = None,
        members: Mapping[str, str] | None = None,
        scope: tuple[str, int] | None = None,
    ) -> None:
        self.values = values
        self.current = current
        self.today = today
        self.row = row
        self.members = members
        self.scope = scope
        self.position = scope[1] + 1 if scope is not None else 0
        self.context = Context.read(self)

    def lookup(self, name: str) -> Value:
        if not self.members:
            return self.values.get(name)
        repeat = self.members.get(name)
        if repeat is None:
            value = self.values.get(name)
            return (
                None if isinstance(value, list) and value and isinstance(value[0], dict) else value
            )
        instances = self.values.get(repeat) or ()
        index = self.scope[1] if self.scope is not None and self.scope[0] == repeat else 0
        return instances[index].get(name) if index < len(instances) else None

    def lookup_all(self, name: str) -> list[Value]:
        """The values of `name` in every instance of its repeat (for a repeat's own name, one
        per instance); of a question asked once, its one value."""
        repeats = set(self.members.values()) if self.members else set()
        if name in repeats:
            return ["" for _ in self.values.get(name) or ()]
        repeat = self.members.get(name) if self.members else None
        if repeat is None:
            return [self.values.get(name)]
        return [instance.get(name) for instance in self.values.get(repeat) or ()]

    def __repr__(self) -> str:
        return (
            f"MapEnvironment({dict(self.values)!r}, current={self.current!r}, "
            f"today={self.today!r}, row={self.row!r}, scope={self.scope!r})"
        )


@dataclass(frozen=True, slots=True)
class Context:
    """One evaluation's view of an Environment, with the optional attributes already read."""

    environment: Environment
    current: Result
    today: date
    row: Mapping[str, str] | None
    position: int = 0  # the instance's position in its repeat, from 1; 0 outside a repeat

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
            position=int(getattr(environment, "position", 0) or 0),
        )
