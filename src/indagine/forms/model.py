"""The parsed questionnaire: frozen dataclasses, stored as JSON in an immutable form version.

A `Form` is a sequence of `Page`s; a page is a top-level XLSForm group (or a lone top-level
question), holding `Question`s in sheet order. Labels and messages are `Text`: one string per
language code ("it", "en").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indagine.forms.expressions import Expression, parse_expression

JSON = dict[str, Any]


class QuestionType(enum.StrEnum):
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    INTEGER = "integer"
    DECIMAL = "decimal"
    RANGE = "range"
    TEXT = "text"
    DATE = "date"
    TIME = "time"  # a time of day, stored "09:30"
    DATETIME = "datetime"  # a day and time in the survey's time zone, stored "2020-03-18T09:30"
    NOTE = "note"
    CALCULATE = "calculate"
    PHONE = "phone number"  # text of a phone number's characters
    ACKNOWLEDGE = "acknowledge"  # one box to tick; its answer is "OK", as in ODK
    RANK = "rank"  # its choices in the respondent's order, stored as ODK does: "b a c"
    FILE = "file"  # an upload, stored privately; the answer is the stored file's name
    IMAGE = "image"  # an upload of an image (pyxform's "photo")
    HIDDEN = "hidden"  # never shown; holds its default
    START = "start"  # metadata: when the respondent started, from the response's times
    END = "end"  # when they finished (or last sent a page)
    TODAY = "today"  # the day they started

    @property
    def is_select(self) -> bool:
        return self in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)

    @property
    def takes_input(self) -> bool:
        """Does the respondent give its value on a page?"""
        return self not in _NO_INPUT

    @property
    def is_shown(self) -> bool:
        """Is it drawn on a page (a question or a note)?"""
        return self not in _NOT_SHOWN

    @property
    def is_upload(self) -> bool:
        return self in (QuestionType.FILE, QuestionType.IMAGE)

    @property
    def is_metadata(self) -> bool:
        """Recorded from the response itself (its times), never from answers."""
        return self in (QuestionType.START, QuestionType.END, QuestionType.TODAY)


_NOT_SHOWN = frozenset(
    {
        QuestionType.CALCULATE,
        QuestionType.HIDDEN,
        QuestionType.START,
        QuestionType.END,
        QuestionType.TODAY,
    }
)
_NO_INPUT = _NOT_SHOWN | {QuestionType.NOTE}
# The types whose choices `randomize=true` shuffles (as in ODK: selects and rankings).
_ORDERED = frozenset({QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK})


@dataclass(frozen=True)
class Text:
    """A string in several languages; `get` falls back to the form's default, then any."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, lang: str, fallback: str | None = None) -> str:
        if lang in self.values:
            return self.values[lang]
        if fallback is not None and fallback in self.values:
            return self.values[fallback]
        return next(iter(self.values.values()), "")

    def __bool__(self) -> bool:
        return any(self.values.values())

    def to_json(self) -> dict[str, str]:
        return dict(self.values)

    @classmethod
    def from_json(cls, data: Mapping[str, str] | None) -> Text:
        return cls(dict(data or {}))


@dataclass(frozen=True)
class Choice:
    name: str
    label: Text
    score: float | None = None
    columns: Mapping[str, str] = field(default_factory=dict)  # every other column, for filters
    image: Text = field(default_factory=Text)  # a file of the form's, per language (`media`)

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "label": self.label.to_json(),
            "score": self.score,
            "columns": dict(self.columns),
            "image": self.image.to_json(),
        }

    @classmethod
    def from_json(cls, data: JSON) -> Choice:
        label, image = Text.from_json(data["label"]), Text.from_json(data.get("image"))
        return cls(data["name"], label, data.get("score"), data["columns"], image)


def _expr(text: str | None) -> Expression | None:
    return parse_expression(text) if text else None


@dataclass(frozen=True)
class Question:
    """One question (or note, or calculation) of the form, as respondent and engine see it."""

    name: str
    type: QuestionType
    label: Text = field(default_factory=Text)
    hint: Text = field(default_factory=Text)
    group_path: tuple[str, ...] = ()
    required: bool = False
    required_if: str | None = None  # an expression in the `required` column
    required_message: Text = field(default_factory=Text)
    relevant: str | None = None  # own `relevant` joined with every enclosing group's
    constraint: str | None = None
    constraint_message: Text = field(default_factory=Text)
    calculation: str | None = None
    default: str | None = None
    appearance: str = ""
    list_name: str | None = None
    choices: tuple[Choice, ...] = ()
    choice_filter: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    claim: Text = field(default_factory=Text)
    row: int | None = None
    # The table-list group the question is a row of (a grid, `Page.tables` has its caption)
    table: str = ""
    image: Text = field(default_factory=Text)  # a file of the form's, per language (`media`)
    # The repeat the question is asked in, once per instance (`Page.repeats` has it); '' for
    # a question asked once. Its answers are kept in `answers[repeat]`, a dict per instance.
    repeat: str = ""
    # Its name in the survey's earlier edition, when renamed since (the `previous_name`
    # column): the editions' comparisons match it with that question.
    previous_name: str = ""
    # Shown in each member's benchmark (the `benchmark` column): "yes", "no", or "" for the
    # default, every closed question (`Form.benchmarked`)
    benchmark: str = ""

    @property
    def path_name(self) -> str:
        """The column name of ODK Central's CSV export: group path and name joined with '-'."""
        return "-".join((*self.group_path, self.name))

    @property
    def relevant_expr(self) -> Expression | None:
        return _expr(self.relevant)

    @property
    def constraint_expr(self) -> Expression | None:
        return _expr(self.constraint)

    @property
    def is_likert(self) -> bool:
        return "likert" in self.appearance.split()

    @property
    def is_scale(self) -> bool:
        """An ordered scale: a single choice whose every choice has a numeric score."""
        return bool(self.choices) and all(c.score is not None for c in self.choices)

    @property
    def is_randomized(self) -> bool:
        """Are its choices shown in an order of the respondent's own (`randomize=true`)? Not in
        a grid's row, whose choices are the table's columns (`check_honoured` says so)."""
        randomize = str(self.parameters.get("randomize", "")).strip().lower() == "true"
        return randomize and self.type in _ORDERED and not self.table

    @property
    def fixed_seed(self) -> str | None:
        """A numeric `seed`: every respondent sees the one order it gives. A seed taken from
        another answer (`${x}`) is not one (each respondent gets an order of their own)."""
        seed = str(self.parameters.get("seed", "")).strip()
        return seed if re.fullmatch(r"-?\d+(\.\d+)?", seed) else None

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "type": self.type.value,
            "label": self.label.to_json(),
            "hint": self.hint.to_json(),
            "group_path": list(self.group_path),
            "required": self.required,
            "required_if": self.required_if,
            "required_message": self.required_message.to_json(),
            "relevant": self.relevant,
            "constraint": self.constraint,
            "constraint_message": self.constraint_message.to_json(),
            "calculation": self.calculation,
            "default": self.default,
            "appearance": self.appearance,
            "list_name": self.list_name,
            "choices": [c.to_json() for c in self.choices],
            "choice_filter": self.choice_filter,
            "parameters": dict(self.parameters),
            "claim": self.claim.to_json(),
            "row": self.row,
            "table": self.table,
            "image": self.image.to_json(),
            "repeat": self.repeat,
            **({"previous_name": self.previous_name} if self.previous_name else {}),
            **({"benchmark": self.benchmark} if self.benchmark else {}),
        }

    @classmethod
    def from_json(cls, data: JSON) -> Question:
        texts = ("label", "hint", "required_message", "constraint_message", "claim", "image")
        kwargs = {k: v for k, v in data.items() if k not in texts}
        kwargs["type"] = QuestionType(data["type"])
        kwargs["group_path"] = tuple(data["group_path"])
        kwargs["choices"] = tuple(Choice.from_json(c) for c in data["choices"])
        kwargs.update({k: Text.from_json(data.get(k)) for k in texts})  # image: since v0004
        return cls(**kwargs)


@dataclass(frozen=True)
class Repeat:
    """A group of questions asked once per instance (`begin_repeat`): as many instances as
    `count` gives (`repeat_count`: a number or an expression), or as the respondent adds."""

    name: str
    label: Text
    count: str | None = None
    relevant: str | None = None  # its own `relevant` joined with its enclosing groups'
    group_path: tuple[str, ...] = ()  # the groups around it
    row: int | None = None

    @property
    def path_name(self) -> str:
        """Its name in ODK Central's exports: group path and name joined with '-'."""
        return "-".join((*self.group_path, self.name))

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "label": self.label.to_json(),
            "count": self.count,
            "relevant": self.relevant,
            "group_path": list(self.group_path),
            "row": self.row,
        }

    @classmethod
    def from_json(cls, data: JSON) -> Repeat:
        return cls(
            data["name"],
            Text.from_json(data["label"]),
            data.get("count"),
            data.get("relevant"),
            tuple(data.get("group_path", ())),
            data.get("row"),
        )


@dataclass(frozen=True)
class Page:
    name: str
    title: Text
    questions: tuple[Question, ...]
    # The captions of the page's grids (table-list groups), by group name
    tables: Mapping[str, Text] = field(default_factory=dict)
    # The repeats whose questions the page asks (`Question.repeat`), by name
    repeats: Mapping[str, Repeat] = field(default_factory=dict)

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "title": self.title.to_json(),
            "questions": [q.to_json() for q in self.questions],
            "tables": {name: caption.to_json() for name, caption in self.tables.items()},
            "repeats": {name: r.to_json() for name, r in self.repeats.items()},
        }

    @classmethod
    def from_json(cls, data: JSON) -> Page:
        return cls(
            data["name"],
            Text.from_json(data["title"]),
            tuple(Question.from_json(q) for q in data["questions"]),
            {name: Text.from_json(c) for name, c in data.get("tables", {}).items()},
            {name: Repeat.from_json(r) for name, r in data.get("repeats", {}).items()},
        )


@dataclass(frozen=True)
class Benchmark:
    """Each member's benchmark, as the settings sheet asks for it (`benchmark`: yes): their
    answers beside everyone's, and beside their group's (`benchmark_group`, a single choice)
    where it has at least `benchmark_min_group` respondents."""

    group: str = ""
    min_group: int = 10

    def to_json(self) -> JSON:
        return {"group": self.group, "min_group": self.min_group}


@dataclass(frozen=True)
class Form:
    form_id: str
    title: Text
    version: str
    default_language: str
    languages: Mapping[str, str]  # code -> name as written in the sheet ("it" -> "Italiano (it)")
    pages: tuple[Page, ...]
    benchmark: Benchmark | None = None  # None: not asked for on the settings sheet

    def benchmarked(self) -> list[Question]:
        """The questions each member's benchmark shows: the closed questions answered once (a
        single or several choices) marked yes, or, when none is marked, every one not marked
        no."""
        closed = [
            q
            for q in self.questions()
            if not q.repeat and q.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)
        ]
        marked = [q for q in closed if q.benchmark == "yes"]
        return marked or [q for q in closed if q.benchmark != "no"]

    def questions(self) -> Iterator[Question]:
        for page in self.pages:
            yield from page.questions

    def question(self, name: str) -> Question | None:
        return self._index().get(name)

    def repeats(self) -> dict[str, Repeat]:
        """Every repeat of the form, by name, in the form's order."""
        return {name: r for page in self.pages for name, r in page.repeats.items()}

    def repeat_members(self) -> dict[str, str]:
        """The name of each question asked in a repeat, to its repeat's name (kept on the form:
        every evaluation over a form with repeats needs it)."""
        members: dict[str, str] | None = self.__dict__.get("_repeat_members")
        if members is None:
            members = {q.name: q.repeat for q in self.questions() if q.repeat}
            object.__setattr__(self, "_repeat_members", members)
        return members

    def uploads(self) -> tuple[Question, ...]:
        """The questions that take a file, in the form's order (kept on the form: every page
        a respondent sends looks for the files its answers name)."""
        found: tuple[Question, ...] | None = self.__dict__.get("_uploads")
        if found is None:
            found = tuple(q for q in self.questions() if q.type.is_upload)
            object.__setattr__(self, "_uploads", found)
        return found

    def _index(self) -> dict[str, Question]:
        index: dict[str, Question] | None = self.__dict__.get("_by_name")
        if index is None:
            index = {q.name: q for q in self.questions()}
            object.__setattr__(self, "_by_name", index)
        return index

    def to_json(self) -> JSON:
        return {
            "form_id": self.form_id,
            "title": self.title.to_json(),
            "version": self.version,
            "default_language": self.default_language,
            "languages": dict(self.languages),
            # their order apart: PostgreSQL's jsonb keeps an object's keys in an order of its own
            "language_order": list(self.languages),
            "pages": [p.to_json() for p in self.pages],
            **({"benchmark": self.benchmark.to_json()} if self.benchmark else {}),
        }

    @classmethod
    def from_json(cls, data: JSON) -> Form:
        return cls(
            data["form_id"],
            Text.from_json(data["title"]),
            data["version"],
            data["default_language"],
            _in_order(data["languages"], data.get("language_order") or ()),
            tuple(Page.from_json(p) for p in data["pages"]),
            Benchmark(**data["benchmark"]) if data.get("benchmark") else None,
        )


def _in_order(languages: Mapping[str, str], order: Sequence[str]) -> dict[str, str]:
    """A form's languages in the order its sheet gave them (`order`, kept since forms were
    stored in PostgreSQL; the others, earlier ones, as the stored object lists them)."""
    ordered = {code: languages[code] for code in order if code in languages}
    return ordered | {code: name for code, name in languages.items() if code not in ordered}
