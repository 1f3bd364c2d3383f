"""Three ways to start a survey besides uploading a spreadsheet: from scratch, from a template
(`library.catalogue`), or as a copy of another survey (its questionnaire, settings and emails'
wording; never its responses, members or messages)."""

from __future__ import annotations

import re

from django.db import transaction

from indagine.forms import workbook
from indagine.library.catalogue import template
from indagine.surveys import questionnaires
from indagine.surveys.codes import SurveyCode
from indagine.surveys.models import Survey
from indagine.surveys.services import SurveyError, audit, import_form
from indagine.surveys.signals import survey_copied

# The languages a new survey can be written in: those indagine's own page words come in, each
# column written as 'label::Italiano (it)' so that a page declares its language.
LANGUAGES = {
    "it": "Italiano (it)",
    "en": "English (en)",
    "fr": "Français (fr)",
    "de": "Deutsch (de)",
    "es": "Español (es)",
}
_FIRST = {  # the first page and question of a survey started from scratch
    "it": ("Pagina 1", "Prima domanda"),
    "en": ("Page 1", "First question"),
    "fr": ("Page 1", "Première question"),
    "de": ("Seite 1", "Erste Frage"),
    "es": ("Página 1", "Primera pregunta"),
}


def _form_id(slug: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]+", "_", slug).strip("_")
    return name if name[:1].isalpha() else f"s_{name}"


def from_scratch(title: str, slug: str, languages: list[str], user=None) -> Survey:
    """A survey with one page and one question to rename, in `languages` (the first is the
    default)."""
    chosen = list(dict.fromkeys(code for code in languages if code in LANGUAGES))
    if not title.strip() or len(title.strip()) > 300:
        raise SurveyError(SurveyCode.NO_TITLE, "Give the survey a title of at most 300 characters.")
    if not chosen:
        raise SurveyError(SurveyCode.NO_LANGUAGE, "Tick at least one language.")
    columns = [f"label::{LANGUAGES[code]}" for code in chosen]
    page = {"type": "begin_group", "name": "pagina_1", "appearance": "field-list"}
    first = {"type": "text", "name": "prima_domanda"}
    for code, column in zip(chosen, columns, strict=True):
        page[column], first[column] = _FIRST[code]
    book = workbook.Workbook(
        {"survey": workbook.Sheet(["type", "name", *columns, "appearance"], [page, first])},
        _form_id(slug),
    )
    book.sheet("survey").rows.append({"type": "end_group"})
    book.set_setting("form_title", title.strip())
    book.set_setting("form_id", _form_id(slug))
    book.set_setting("default_language", LANGUAGES[chosen[0]])
    data, name = workbook.to_source(book)
    with transaction.atomic():
        survey = import_form(data, name, slug=slug, user=user, new_survey=True).survey
        audit("survey.create", survey, user, start="scratch", languages=chosen)
    return survey


def from_template(key: str, slug: str, user=None) -> Survey:
    chosen = template(key)
    if chosen is None:
        raise SurveyError(SurveyCode.NO_TEMPLATE, "There is no such template.")
    with transaction.atomic():
        survey = import_form(
            chosen.source(), chosen.filename, slug=slug, user=user, new_survey=True
        ).survey
        audit("survey.create", survey, user, start="template", template=key)
    return survey


def copy_survey(source: Survey, slug: str, title: str, user=None) -> Survey:
    """A new survey with `source`'s questionnaire (its title `title`), settings and emails'
    wording: its responses, members, messages and closing date stay behind."""
    if source.current_version is None:
        raise SurveyError(SurveyCode.NO_FORM, "That survey has no questionnaire to copy.")
    book = questionnaires.workbook_of(source.current_version)
    if title.strip():
        book.set_setting("form_title", title.strip())
    book.set_setting("form_id", _form_id(slug))
    data, name = workbook.to_source(book)
    with transaction.atomic():
        copy = import_form(data, name, slug=slug, user=user, new_survey=True).survey
        copy.anonymous, copy.panel_only = source.anonymous, source.panel_only
        copy.retention_months = source.retention_months
        copy.save(update_fields=["anonymous", "panel_only", "retention_months"])
        survey_copied.send(sender=Survey, source=source, copy=copy)
        audit("survey.create", copy, user, start="copy", source=source.slug)
    return copy
