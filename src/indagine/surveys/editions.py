"""Editions: a survey run again, each time a survey of its own linked to the one before
(`Survey.edition_of`), and earlier editions known only from their published tables
(`PastEdition`). What each question of this edition was called in the one before: its own name,
or the questionnaire's `previous_name`, or the organiser's choice on the matching page."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from indagine.forms.model import Form, Question
from indagine.surveys import starting
from indagine.surveys.codes import SurveyCode
from indagine.surveys.models import PastEdition, Survey
from indagine.surveys.services import SurveyError, audit, import_form
from indagine.surveys.signals import survey_copied

MAX_PAST_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Edition:
    """One edition in a survey's line: a survey of indagine's, or a past one's tables."""

    label: str
    survey: Survey | None = None
    past: PastEdition | None = None


def chain(survey: Survey) -> list[Survey]:
    """The survey's editions in indagine, oldest first, ending with itself."""
    line, seen = [survey], {survey.pk}
    earlier = survey.edition_of
    while earlier is not None and earlier.pk not in seen:
        line.append(earlier)
        seen.add(earlier.pk)
        earlier = earlier.edition_of
    return line[::-1]


def editions(survey: Survey) -> list[Edition]:
    """Every edition up to this one, oldest first: each survey of the line after the past
    editions given to it as tables (the editions before it, in the order of their labels,
    numbers read as numbers: "Ed. 9" before "Ed. 10")."""
    out: list[Edition] = []
    for member in chain(survey):
        past = sorted(member.past_editions.all(), key=lambda p: natural(p.label))
        out += [Edition(p.label, past=p) for p in past] + [Edition(member.edition_name, member)]
    return out


def natural(label: str) -> list[object]:
    """A label's sort key with its numbers as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", label)]


def _labels(line: list[Survey]) -> set[str]:
    """The names the editions of a line go by (the surveys' and the past tables')."""
    names = {s.edition_name for s in line}
    return names | set(PastEdition.objects.filter(survey__in=line).values_list("label", flat=True))


def compared(form: Form) -> list[Question]:
    """The questions an edition's findings are compared on: those answered once each."""
    return [q for q in form.questions() if q.type.takes_input and not q.repeat]


def matches(survey: Survey, earlier: Form | None) -> dict[str, str]:
    """Each question of this edition to its name in `earlier` ('' for none): the organiser's
    choice, else the questionnaire's previous_name, else the same name; an earlier question
    matched once at most (the organiser's choice first, then previous_name, then the name),
    and only with a question of the same type."""
    if survey.current_version is None:
        return {}
    then = {q.name: q for q in compared(earlier)} if earlier is not None else {}
    chosen = survey.edition_matches or {}
    ours = compared(survey.current_version.form)
    wanted: list[tuple[int, str, str]] = []  # (priority, this name, earlier name)
    for question in ours:
        if question.name in chosen:
            wanted.append((0, question.name, chosen[question.name]))
        elif question.previous_name:
            wanted.append((1, question.name, question.previous_name))
        else:
            wanted.append((2, question.name, question.name))
    kinds = {q.name: q.type for q in ours}
    out = {q.name: "" for q in ours}
    taken: set[str] = set()
    for _priority, name, old in sorted(wanted, key=lambda w: w[0]):
        if old in then and old not in taken and then[old].type == kinds[name]:
            out[name] = old
            taken.add(old)
    return out


def set_matches(survey: Survey, chosen: dict[str, str], user=None) -> None:
    """Keep the organiser's matching: each earlier question matched once at most."""
    earlier = survey.edition_of
    if earlier is None or earlier.current_version is None or survey.current_version is None:
        raise SurveyError(SurveyCode.NOT_AN_EDITION, "This survey is no edition of another.")
    known = {q.name: q for q in compared(earlier.current_version.form)}
    ours = {q.name: q for q in compared(survey.current_version.form)}
    for name, old in chosen.items():
        if name not in ours or (old and old not in known):
            raise SurveyError(SurveyCode.BAD_MATCH, f"'{name}' cannot be matched with '{old}'.")
        if old and known[old].type != ours[name].type:
            raise SurveyError(
                SurveyCode.BAD_MATCH,
                f"'{name}' and '{old}' are questions of different types: their answers "
                "cannot be compared.",
            )
    # the whole matching as it would be, the questions not chosen here matched as before
    merged = {**(survey.edition_matches or {}), **chosen}
    resolved = {name: merged.get(name, q.previous_name or name) for name, q in ours.items()}
    taken: dict[str, str] = {}
    for name, old in resolved.items():
        if old and old in known and old in taken:
            raise SurveyError(
                SurveyCode.BAD_MATCH,
                f"'{old}' would be matched twice, with '{taken[old]}' and '{name}': one at "
                "most (match the other with none).",
            )
        if old in known:
            taken[old] = name
    with transaction.atomic():
        survey.edition_matches = merged
        survey.save(update_fields=["edition_matches"])
        audit("edition.matches", survey, user, matches=chosen)


def link(survey: Survey, earlier: Survey, label: str = "", user=None) -> Survey:
    """Make `survey` the next edition of `earlier`, under a label no edition of the line has."""
    if earlier.pk == survey.pk or survey in chain(earlier):
        raise SurveyError(SurveyCode.BAD_MATCH, "A survey cannot be an edition of itself.")
    label = label.strip()
    if len(label) > 40:
        raise SurveyError(SurveyCode.EDITION_LABEL, "An edition's label has at most 40 characters.")
    survey.edition_label = label
    if survey.edition_name in _labels(chain(earlier)):
        raise SurveyError(
            SurveyCode.EDITION_LABEL,
            f"An edition of this line is called '{survey.edition_name}' already: give this "
            "one a label of its own (2021, Spring 2021).",
        )
    with transaction.atomic():
        survey.edition_of = earlier
        survey.save(update_fields=["edition_of", "edition_label"])
        audit("edition.link", survey, user, edition_of=earlier.slug)
    return survey


def new_edition(
    source: Survey, slug: str, title: str, label: str = "", panel: bool = False, user=None
) -> Survey:
    """The next edition of `source`: its questionnaire copied for editing, its settings and
    emails' wording, and its panel of members if asked (never responses or invitations)."""
    if source.current_version is None:
        raise SurveyError(SurveyCode.NO_FORM, "That survey has no questionnaire to copy.")
    with transaction.atomic():
        survey = starting.copy_survey(source, slug, title, user)
        link(survey, source, label, user)
        if panel:
            survey_copied.send(sender=Survey, source=source, copy=survey, members=True)
        audit("edition.new", survey, user, source=source.slug, panel=panel)
    return survey


def import_edition(
    data: bytes, filename: str, slug: str | None, earlier: Survey, label: str = "", user=None
) -> Survey:
    """`forms import FILE --slug NEW --edition-of OLD`: a new survey, the next edition."""
    with transaction.atomic():
        survey = import_form(data, filename, slug=slug, user=user, new_survey=True).survey
        return link(survey, earlier, label, user)


def add_past(survey: Survey, label: str, data: bytes, user=None) -> PastEdition:
    """An earlier edition from its published tables, a CSV of question, choice, share (or
    count) and n: each row checked against this survey's questionnaire; refused whole, every
    line at fault listed (EDITION_CSV), nothing kept."""
    label = label.strip()
    if not label or len(label) > 40:
        raise SurveyError(SurveyCode.EDITION_LABEL, "Name the edition (at most 40 characters).")
    line = chain(survey)
    if label in _labels(line):
        raise SurveyError(SurveyCode.EDITION_LABEL, f"An edition called '{label}' exists already.")
    if survey.current_version is None:
        raise SurveyError(SurveyCode.NO_FORM, "Import a questionnaire first.")
    figures, problems = _figures(data, survey.current_version.form)
    if problems:
        raise SurveyError(SurveyCode.EDITION_CSV, "The tables cannot be read.", problems)
    with transaction.atomic():
        past = PastEdition.objects.create(survey=survey, label=label, figures=figures)
        audit("edition.past", survey, user, label=label, questions=sorted(figures))
    return past


def _rows(data: bytes) -> tuple[list[dict[str, str]], str]:
    """The CSV's rows by its headers (in lower case; blank rows skipped; commas, semicolons
    or tabs between cells), or why it cannot be read."""
    if len(data) > MAX_PAST_BYTES:
        return [], "The file is larger than 2 MB."
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], "The file is not UTF-8 text."
    try:  # Excel in Italian writes ';' between cells
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    table = [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    heads = [cell.strip().lower() for cell in table[0]] if table else []
    rows = [dict(zip(heads, row, strict=False)) for row in table[1:]]
    wanted = {"question", "choice", "n"} <= set(heads) and bool({"share", "count"} & set(heads))
    if not rows or not wanted:
        return [], (
            "The columns are question, choice, share (or count) and n, one row each, separated "
            "by commas or semicolons."
        )
    return rows, ""


def _figures(data: bytes, form: Form) -> tuple[dict, list[str]]:
    rows, why = _rows(data)
    if why:
        return {}, [why]
    questions = {q.name: q for q in compared(form)}
    figures: dict[str, dict] = {}
    problems = []
    for line, row in enumerate(rows, start=2):
        name, choice = (row.get("question") or "").strip(), (row.get("choice") or "").strip()
        question = questions.get(name)
        if question is None or not question.type.is_select:
            problems.append(f"line {line}: '{name}' is no question of choices in this survey")
            continue
        if question.choice(choice) is None:
            problems.append(f"line {line}: '{choice}' is no choice of '{name}'")
            continue
        n, share, why = _numbers(row)
        if why:
            problems.append(f"line {line}: {why}")
            continue
        entry = figures.setdefault(name, {"n": n, "shares": {}})
        if entry["n"] != n:
            problems.append(f"line {line}: '{name}' has two different n")
        elif choice in entry["shares"]:
            problems.append(f"line {line}: '{choice}' of '{name}' is given twice")
        else:
            entry["shares"][choice] = share
    for name, entry in figures.items():
        if questions[name].type.value == "select_one" and sum(entry["shares"].values()) > 1.001:
            problems.append(f"'{name}' takes one choice, and its shares add up to more than 1")
    return figures, problems


def _numbers(row: dict[str, str]) -> tuple[int, float, str]:
    """n, the share, and why they cannot be read ('' when they can)."""
    try:
        n = int((row.get("n") or "").strip())
    except ValueError:
        return 0, 0.0, "n is not a whole number"
    if n < 2:
        return 0, 0.0, "n is at least 2 (a share of fewer says nothing to compare)"
    written = (row.get("share") or "").strip().replace(",", ".")  # 0,5 as Italians write it
    try:
        if written:
            share = float(written.rstrip("%").strip()) / (100 if written.endswith("%") else 1)
        else:
            count = int((row.get("count") or "").strip())
            if not 0 <= count <= n:
                return n, 0.0, "the count is not between 0 and n"
            share = count / n
    except ValueError:
        return n, 0.0, "the share (or count) is not a number"
    if not (math.isfinite(share) and 0 <= share <= 1):
        return n, 0.0, "the share is not between 0 and 1 (or 0% and 100%)"
    return n, share, ""


def earlier_form(survey: Survey) -> Form | None:
    """The questionnaire of the edition before, as it stands."""
    earlier = survey.edition_of
    return earlier.current_version.form if earlier and earlier.current_version else None
