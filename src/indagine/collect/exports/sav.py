"""Responses as an SPSS .sav file, with variable and value labels.

SPSS names (letters, digits, underscore, at most 64 bytes, unique ignoring case) are made from
the question names; select_one as numeric codes (`sav_codes`) with value labels, select_multiple
as one 0/1 variable `question_choice` per choice, numbers numeric, texts as strings as wide as
the longest answer, dates as SPSS dates; variable labels are the question labels in the export's
language. Unanswered is system-missing (an empty string for string variables).

pyreadstat writes a .sav only from a whole data frame (the file header carries the row count and
every string's width), so the responses are gathered in a compact polars frame first: its memory
grows with the responses (see `indagine.collect.exports`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indagine.collect.exports.layout import ExportPlan, Record
from indagine.collect.exports.values import (
    DATES,
    NUMBERS,
    as_date,
    as_number,
    as_string,
    codes,
    is_integral,
    naive_utc,
)
from indagine.forms.model import Question, QuestionType

SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
SELECTED = {"it": ("non selezionato", "selezionato"), "en": ("not selected", "selected")}


@dataclass(frozen=True)
class SavVariable:
    """One SPSS variable: its name, its label, and the question (and choice) it holds."""

    name: str
    label: str
    question: Question | None  # None for the meta variables
    choice: str | None = None  # the choice of a select_multiple's 0/1 variable


def sav_variables(layout: ExportPlan) -> list[SavVariable]:
    """SPSS variables in column order: meta, one per question, one per multiple-choice option."""
    names = SpssNames()
    # Questions keep their own names; a choice's variable yields ('remote_tools_other' is a text).
    single = {
        q.name: names.make(q.name)
        for q in layout.questions
        if q.type is not QuestionType.SELECT_MULTIPLE
    }
    result = [SavVariable("SubmissionDate", "Submission date (UTC)", None)]
    for q in layout.questions:
        label = layout.text(q.label)
        if q.type is QuestionType.SELECT_MULTIPLE:
            result.extend(
                SavVariable(
                    names.make(f"{q.name}_{c.name}"), f"{label}: {layout.text(c.label)}", q, c.name
                )
                for c in q.choices
            )
        else:
            result.append(SavVariable(single[q.name], label, q))
    result.extend(SavVariable(m, m, None) for m in ("KEY", "Status", "FormVersion", "Language"))
    return result


class SpssNames:
    """Valid, unique SPSS variable names: ASCII letters, digits and '_', a letter first."""

    def __init__(self) -> None:
        self.taken = {"SUBMISSIONDATE", "KEY", "STATUS", "FORMVERSION", "LANGUAGE"}

    def make(self, wanted: str) -> str:
        """A name like `wanted`, valid in SPSS and not taken yet (then taken)."""
        ascii_name = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
        name = re.sub(r"[^A-Za-z0-9_]", "_", ascii_name)
        if not name[:1].isalpha() or name.upper() in SPSS_RESERVED:
            name = f"v_{name}"
        name = name[:64]
        candidate, n = name, 1
        while candidate.upper() in self.taken:
            n += 1
            candidate = f"{name[: 64 - len(str(n)) - 1]}_{n}"
        self.taken.add(candidate.upper())
        return candidate


def write_sav(layout: ExportPlan, chunks: Iterable[list[Record]], path: Path) -> int:
    """SPSS file with variable and value labels; held whole in a compact frame (see above)."""
    import polars as pl
    import pyreadstat

    variables = sav_variables(layout)
    schema = {v.name: _dtype(v, pl) for v in variables}
    columns = [_column(v) for v in variables]
    frames = [
        pl.DataFrame([[f(r) for r in chunk] for f in columns], schema=schema, orient="col")
        for chunk in chunks
    ]
    frame = pl.concat(frames, rechunk=False) if frames else pl.DataFrame(schema=schema)
    del frames
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={v.name: _cut(v.label, 256) for v in variables},
        variable_value_labels=_value_labels(layout, variables),
        variable_measure=_measures(variables),
    )
    return frame.height


def _dtype(variable: SavVariable, pl: Any) -> Any:
    """The variable's polars type: as small as its values allow."""
    q = variable.question
    if q is None:
        meta = {"SubmissionDate": pl.Datetime("us"), "FormVersion": pl.Int32}
        return meta.get(variable.name, pl.Categorical if variable.name != "KEY" else pl.String)
    if q.type.is_select:
        return pl.Int8 if len(q.choices) < 127 or variable.choice else pl.Int16
    if q.type in NUMBERS:
        return pl.Int64 if is_integral(q) else pl.Float64
    return pl.Date if q.type in DATES else pl.String


def _column(variable: SavVariable) -> Callable[[Record], Any]:
    """A function giving the variable's value in a Record."""
    q = variable.question
    if q is None:
        return {
            "SubmissionDate": lambda r: naive_utc(r.submitted),
            "KEY": lambda r: r.key,
            "Status": lambda r: r.status,
            "FormVersion": lambda r: r.version,
            "Language": lambda r: r.language,
        }[variable.name]
    name = q.name
    if variable.choice is not None:
        choice = variable.choice
        return lambda r: None if (v := r.answers.get(name)) is None else int(choice in codes(v))
    if q.type is QuestionType.SELECT_ONE:
        numeric = sav_codes(q)
        return lambda r: numeric.get(str(r.answers.get(name)))
    if q.type in NUMBERS:
        integral = is_integral(q)
        return lambda r: as_number(r.answers.get(name), integral)
    if q.type in DATES:
        return lambda r: None if (v := r.answers.get(name)) is None else as_date(v)
    return lambda r: as_string(r.answers.get(name))


def _value_labels(
    layout: ExportPlan, variables: list[SavVariable]
) -> dict[str, dict[int | float, str]]:
    """The value labels of the choice variables: each code's label, or (not) selected."""
    no, yes = SELECTED.get(layout.lang, SELECTED["en"])
    labels: dict[str, dict[int | float, str]] = {}
    for v in variables:
        if v.question is None or not v.question.type.is_select:
            continue
        if v.choice is not None:
            labels[v.name] = {0: no, 1: yes}
        else:
            numeric = sav_codes(v.question)
            labels[v.name] = {
                numeric[c.name]: _cut(layout.text(c.label) or c.name, 120)
                for c in v.question.choices
            }
    return labels


def sav_codes(question: Question) -> dict[str, int]:
    """A single choice's numeric codes in SPSS: an ordered scale's own scores when they are
    whole and distinct (so a mean in SPSS is the report's mean), else 1, 2, ... in the
    questionnaire's order."""
    scores = [c.score for c in question.choices]
    whole = [int(s) for s in scores if s is not None and float(s).is_integer()]
    if question.is_scale and len(whole) == len(scores) and len(set(whole)) == len(whole):
        return {c.name: code for c, code in zip(question.choices, whole, strict=True)}
    return {c.name: i for i, c in enumerate(question.choices, 1)}


def _measures(variables: list[SavVariable]) -> dict[str, str]:
    """Each variable's measure: nominal, ordinal (scales, the form version) or scale."""
    measures = {}
    for v in variables:
        q = v.question
        if q is None or q.type is QuestionType.SELECT_MULTIPLE:
            measures[v.name] = "nominal"
        elif q.type is QuestionType.SELECT_ONE:
            measures[v.name] = "ordinal" if q.is_scale else "nominal"
        elif q.type in NUMBERS:
            measures[v.name] = "scale"
        else:
            measures[v.name] = "nominal"
    measures["FormVersion"] = "ordinal"
    return measures


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut at a character boundary (SPSS's label limits)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")
