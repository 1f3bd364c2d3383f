"""Each member's benchmark (#18.4): on the thank-you page, their own answer to each question
the organiser marks (every closed one by default) beside the share of all respondents who gave
it, and beside the share in their own group (the respondents who gave the same answer to the
group's question, for instance the same type of organisation).

A share tells the others' answers, so what is shown is held back until it tells no fewer than
the survey's minimum of them (k, 10 by default):
- each share rests on at least k answers to its question, everyone's and the group's;
- it moves in steps of k: a question's share is over the first answers to it in whole multiples
  of k (by the order they came in), so reading the page again after one more answer arrived
  tells nothing of that answer (the counts shown are those multiples too);
- the group's share is not shown beside everyone's when the others outside the group number
  fewer than k, for the two would tell those few others' answers by difference.
Shares are of the survey's complete responses, test ones left out, as the snapshot holds them.
Unweighted: a member compares with the others who answered, not with an estimate for the panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.dispatch import receiver

from indagine.analysis.frame import ID, choice_column
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
    frame = snapshots.snapshot(survey).frame.sort(ID)
    least = survey.benchmark_min_group
    group_question = form.question(survey.benchmark_group) if survey.benchmark_group else None
    group_column, given_group, group_answer = "", "", ""
    if group_question is not None and group_question.name in frame.columns:
        given = answers.get(group_question.name)
        if isinstance(given, str) and given:
            group_column, given_group = group_question.name, given
            group_answer = _label(group_question, given, lang)
    counted = frame.head(_stepped(frame.height, least))
    group_n = (
        _stepped(int((counted.get_column(group_column) == given_group).sum()), least)
        if group_column
        else 0
    )
    shown = bool(group_column) and group_n >= least
    rows = []
    for question in form.benchmarked():
        given = answers.get(question.name)
        chosen = given if isinstance(given, list) else [given] if given else []
        for choice in chosen:
            if question.choice(str(choice)) is None:
                continue
            everyone, group = _shares(
                frame, question, str(choice), least, group_column if shown else "", given_group
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
        _stepped(frame.height, least),
        least,
        _text(group_question, lang) if group_question is not None else "",
        group_answer,
        group_n,
        shown,
    )


def _stepped(n: int, least: int) -> int:
    """`n` down to a whole multiple of `least`."""
    return n // least * least


def _shares(
    frame: pl.DataFrame,
    question: Question,
    choice: str,
    least: int,
    group_column: str,
    group: str,
) -> tuple[float | None, float | None]:
    """Everyone's and the group's share who gave `choice`: everyone's over the first answers to
    the question (by the order they came, a whole multiple of `least`), the group's over the
    first of those in the group (a whole multiple of `least` too). So the two sets differ by a
    multiple of `least` as well, and none is told by difference; each is None before `least`."""
    multiple = question.type is QuestionType.SELECT_MULTIPLE
    column = choice_column(question.name, choice) if multiple else question.name
    if column not in frame.columns:
        return None, None
    answered = frame.filter(pl.col(column).is_not_null())
    everyone = answered.head(_stepped(answered.height, least))
    if everyone.height < least:
        return None, None
    found = _given(everyone.get_column(column), choice, multiple)
    if not group_column:
        return found, None
    ours = everyone.filter(pl.col(group_column) == group)
    ours = ours.head(_stepped(ours.height, least))
    if ours.height < least:
        return found, None
    return found, _given(ours.get_column(column), choice, multiple)


def _given(values: pl.Series, choice: str, multiple: bool) -> float:
    gave = int(values.sum()) if multiple else int((values == choice).sum())
    return gave / values.len()


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
