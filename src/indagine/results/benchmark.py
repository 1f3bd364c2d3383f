"""Each member's benchmark (#18.4): on the thank-you page, their own answer to each question
the organiser marks (every closed one by default) beside the share of all respondents who gave
it, and beside the share in their own group (the respondents who gave the same answer to the
group's question, for instance the same type of organisation).

A group, and everyone too, is shown only once it has at least the survey's minimum of complete
responses (10 by default): a share of fewer would tell those few others' answers. Shares are of
the survey's complete responses, test ones left out, as the snapshot holds them (so they grow
as answers arrive). Unweighted: a member compares with the others who answered, not with an
estimate for the panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.dispatch import receiver

from indagine.analysis.frame import choice_column
from indagine.collect.signals import benchmark_asked
from indagine.forms.model import Question, QuestionType
from indagine.results import snapshots
from indagine.surveys.models import Survey


@dataclass(frozen=True)
class Row:
    question: str
    label: str
    answer: str  # the choice's label
    everyone: float | None  # None: too few answers yet to show
    group: float | None  # None: no group, or too small to show


@dataclass(frozen=True)
class Benchmark:
    rows: tuple[Row, ...]
    n: int  # complete responses compared with
    min_group: int
    group_question: str  # its label ('' without a group)
    group_answer: str  # the member's answer to it ('' without one)
    group_n: int
    group_shown: bool


def benchmark(survey: Survey, answers: Mapping[str, Any], lang: str) -> Benchmark | None:
    """The member's benchmark from their `answers` (their own, from the response or, in an
    anonymous survey, from their browser), or None when the survey offers none."""
    if not survey.benchmark or survey.current_version is None:
        return None
    form = survey.current_version.form
    frame = snapshots.snapshot(survey).frame
    least = survey.benchmark_min_group
    group_question = form.question(survey.benchmark_group) if survey.benchmark_group else None
    grouped: pl.DataFrame | None = None
    group_answer = ""
    if group_question is not None and group_question.name in frame.columns:
        given = answers.get(group_question.name)
        if isinstance(given, str) and given:
            grouped = frame.filter(pl.col(group_question.name) == given)
            group_answer = _label(group_question, given, lang)
    group_n = grouped.height if grouped is not None else 0
    shown = grouped is not None and group_n >= least
    rows = []
    for question in form.benchmarked():
        given = answers.get(question.name)
        chosen = given if isinstance(given, list) else [given] if given else []
        for choice in chosen:
            if question.choice(str(choice)) is None:
                continue
            everyone = _share(frame, question, str(choice), least)
            group = (
                _share(grouped, question, str(choice), least)
                if shown and grouped is not None
                else None
            )
            rows.append(
                Row(
                    question.name,
                    _text(question, lang),
                    _label(question, str(choice), lang),
                    everyone,
                    group,
                )
            )
    return Benchmark(
        tuple(rows),
        frame.height,
        least,
        _text(group_question, lang) if group_question is not None else "",
        group_answer,
        group_n,
        shown,
    )


def _share(frame: pl.DataFrame, question: Question, choice: str, least: int) -> float | None:
    """The share of those who answered `question` in `frame` who gave `choice`, once at least
    `least` answered it."""
    if question.type is QuestionType.SELECT_MULTIPLE:
        column = choice_column(question.name, choice)
        if column not in frame.columns:
            return None
        answered = frame.get_column(column).drop_nulls()
        gave = int(answered.sum()) if answered.len() else 0
    else:
        if question.name not in frame.columns:
            return None
        answered = frame.get_column(question.name).drop_nulls()
        gave = int((answered == choice).sum()) if answered.len() else 0
    return gave / answered.len() if answered.len() >= least else None


def _text(question: Question, lang: str) -> str:
    return question.label.get(lang) or next(iter(question.label.values.values()), question.name)


def _label(question: Question, choice: str, lang: str) -> str:
    found = question.choice(choice)
    if found is None:
        return choice
    return found.label.get(lang) or next(iter(found.label.values.values()), choice)


@receiver(benchmark_asked)
def answer_benchmark(sender, survey: Survey, answers: Mapping[str, Any], lang: str, **kwargs):
    """Results' answer to collect's question on the thank-you page."""
    return benchmark(survey, answers, lang)
