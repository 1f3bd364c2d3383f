"""Grids: the questions of a `table-list` group drawn as one table, a row per question and a
column per choice (LimeSurvey's arrays, Formbricks' matrix). What makes a row: a select whose
choices are the grid's (the list of its first row) and are not filtered by other answers; any
other question of the group is drawn on its own, after the rows before it (`check_honoured`
says so at its cell)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indagine.forms.model import Question, QuestionType

_SELECTS = (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)


def can_be_row(question: Question) -> bool:
    """A question of a table-list group that a grid can draw as a row."""
    return bool(question.table) and question.type in _SELECTS and not question.choice_filter


@dataclass(frozen=True)
class Grid:
    """Consecutive rows of one table-list group sharing one list of choices."""

    table: str
    rows: tuple[Question, ...]


def blocks(questions: Iterable[Question]) -> list[Question | Grid]:
    """The page's questions in order, a grid's consecutive rows gathered into one `Grid`."""
    out: list[Question | Grid] = []
    for question in questions:
        last = out[-1] if out else None
        if can_be_row(question):
            if (
                isinstance(last, Grid)
                and last.table == question.table
                and _same_choices(last.rows[0], question)
            ):
                out[-1] = Grid(last.table, (*last.rows, question))
            else:
                out.append(Grid(question.table, (question,)))
        else:
            out.append(question)
    return out


def off_grid(questions: Sequence[Question]) -> list[Question]:
    """The questions of table-list groups drawn on their own, not as rows of a grid."""
    rows = {q.name for block in blocks(questions) if isinstance(block, Grid) for q in block.rows}
    return [q for q in questions if q.table and q.name not in rows]


def _same_choices(first: Question, other: Question) -> bool:
    return [(c.name, c.label) for c in first.choices] == [(c.name, c.label) for c in other.choices]
