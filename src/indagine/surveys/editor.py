"""The questionnaire editor's verbs: change the draft, undo, make it a new version.

The editor changes a `QuestionnaireDraft`, the survey's questionnaire as rows
(`forms.workbook`, changed by `forms.editing`). A change is kept only if the questionnaire still
loads without an error (`FormRejected`, each problem at its cell, nothing saved). While the
survey's current version has no answers the change is written into that version at once (a
draft changes in place); once it has answers, changes wait in the draft until the organiser,
told what changes for the answers already collected, makes them a new version. Each page of the
editor carries the draft's revision: a change made on a page drawn before someone else's is
refused, naming theirs, never lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from indagine.forms import workbook
from indagine.forms.loader import LoadResult, load_form
from indagine.forms.model import Form
from indagine.surveys import questionnaires
from indagine.surveys.codes import SurveyCode
from indagine.surveys.models import FormVersion, QuestionnaireDraft, Survey
from indagine.surveys.services import (
    FormRejected,
    SurveyError,
    audit,
    import_form,
    refuse_lost_benchmark_group,
    refuse_moves_across_repeats,
)


@dataclass(frozen=True)
class Draft:
    """What the editor draws: the rows, the form they load as, and where they stand."""

    survey: Survey
    book: workbook.Workbook
    loaded: LoadResult
    revision: str  # "<version id>.<draft revision>": never the same twice for a survey
    pending: bool  # changes not yet in a version (the version has answers)
    change: str = ""  # the last change, in words
    edited_by: str = ""
    can_undo: bool = False


def answered(version: FormVersion) -> bool:
    """Has the version any stored answers (a test response's included)?"""
    return version.response_set.exists()


def current(survey: Survey) -> Draft:
    """The questionnaire as the editor shows it: the draft, or the current version's rows."""
    version = survey.current_version
    if version is None:
        raise SurveyError(SurveyCode.NO_FORM, "Import a questionnaire before editing it.")
    row = QuestionnaireDraft.objects.filter(survey=survey).select_related("edited_by").first()
    if row is None or row.based_on_id != version.pk:  # none yet, or of an earlier version
        book = questionnaires.workbook_of(version)
        data, name = workbook.to_source(book)
        return Draft(survey, book, load_form(data, name), _revision(version, row), False)
    source = bytes(row.source)
    book = workbook.read(source, row.source_name)
    return Draft(
        survey,
        book,
        load_form(source, row.source_name),
        _revision(version, row),
        book.sheets != questionnaires.workbook_of(version).sheets,
        row.change,
        row.edited_by.get_username() if row.edited_by else "",
        row.undo_source is not None,
    )


def _revision(version: FormVersion, row: QuestionnaireDraft | None) -> str:
    """What a page of the editor was drawn from: the version and the draft's count of changes
    (kept across versions: a draft row is never deleted, so no two states share a revision)."""
    return f"{version.pk}.{row.revision if row is not None else 0}"


def change(
    survey: Survey,
    revision: str,
    edit: Callable[[workbook.Workbook], object],
    said: str,
    user=None,
) -> Draft:
    """Make `edit` to the questionnaire drawn at `revision`, described as `said`; refused with
    every problem at its cell if the questionnaire no longer loads, and nothing saved."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        draft = current(locked)
        _refuse_stale(locked, draft, revision)
        book = draft.book
        edit(book)
        data, name = workbook.to_source(book)
        result = load_form(data, name)
        if not result.ok or result.form is None:
            raise FormRejected(result.errors or result.issues)
        refuse_lost_benchmark_group(locked, result.form)
        _keep(locked, data, name, result.form, said, user)
        audit("form.edit", locked, user, change=said)
    return current(locked)


def _refuse_stale(survey: Survey, draft: Draft, revision: str) -> None:
    if not revision:
        raise SurveyError(
            SurveyCode.EDIT_CONFLICT, "The page carries no revision: reload it and try again."
        )
    if revision != draft.revision:
        who = draft.edited_by or "someone"
        raise SurveyError(
            SurveyCode.EDIT_CONFLICT,
            f"{who} changed the questionnaire after this page was drawn ({draft.change}): "
            "your change was not saved. The page now shows theirs; make yours again.",
        )


def _keep(survey: Survey, data: bytes, name: str, form: Form, said: str, user) -> None:
    """Store the changed rows in the draft (the earlier ones kept to undo) and, while the
    version has no answers, in the version itself."""
    version = survey.current_version
    assert version is not None
    row = QuestionnaireDraft.objects.filter(survey=survey).first()
    if row is None or row.based_on_id != version.pk:  # none yet, or of an earlier version
        previous, _ = workbook.to_source(questionnaires.workbook_of(version))
        if row is None:
            row = QuestionnaireDraft(survey=survey, source_name=name)
        row.based_on, row.source = version, previous
    row.undo_source, row.undo_change = bytes(row.source), said
    row.source, row.source_name = data, name
    row.revision += 1
    row.change, row.edited_at = said[:300], timezone.now()
    row.edited_by = user if user is not None and user.is_authenticated else None
    row.save()
    _write_into(survey, version, data, name, form)


def _write_into(survey: Survey, version: FormVersion, data: bytes, name: str, form: Form) -> None:
    """A version nobody has answered takes the change itself: its number stays, as a draft's
    does. (A version with answers never changes: `FormVersion.save` refuses.) The version's
    row is locked first, so that a first answer stored meanwhile is seen (on PostgreSQL a
    response's insert takes a share lock on the version it refers to, which waits for this)."""
    FormVersion.objects.select_for_update().filter(pk=version.pk).first()
    if answered(version):
        return  # the change stays in the draft, to be made a new version
    refuse_moves_across_repeats(survey, form)
    FormVersion.objects.filter(pk=version.pk).update(
        form_json=form.to_json(),
        source=data,
        source_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    survey.title = (form.title.get(form.default_language) or survey.title)[:300]
    survey.save(update_fields=["title"])
    survey.current_version = FormVersion.objects.get(pk=version.pk)


def undo(survey: Survey, revision: str, user=None) -> Draft:
    """Put back the questionnaire as it was before the last change (one step)."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        draft = current(locked)
        _refuse_stale(locked, draft, revision)
        row = QuestionnaireDraft.objects.filter(survey=locked).first()
        if row is None or row.undo_source is None or row.based_on_id != locked.current_version_id:
            raise SurveyError(SurveyCode.NO_CHANGE, "There is no change to undo.")
        data = bytes(row.undo_source)
        result = load_form(data, row.source_name)
        if result.form is None:
            raise FormRejected(result.issues)
        undone = row.undo_change
        row.source, row.undo_source, row.undo_change = data, None, ""
        row.revision += 1
        row.change = f"undone: {undone}"[:300]
        row.edited_at = timezone.now()
        row.edited_by = user if user is not None and user.is_authenticated else None
        row.save()
        version = locked.current_version
        if version is not None:
            _write_into(locked, version, data, row.source_name, result.form)
        audit("form.edit.undo", locked, user, change=undone)
    return current(locked)


@dataclass(frozen=True)
class Changes:
    """What a new version changes for the answers already collected."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    retyped: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(vars(self).values())


def changes(before: Form, after: Form) -> Changes:
    """Questions added, removed, renamed (the same label under another name, in the place of
    one gone), given another type, their choices changed, their label reworded."""
    old = {q.name: q for q in before.questions() if q.type.takes_input}
    new = {q.name: q for q in after.questions() if q.type.takes_input}
    added = [n for n in new if n not in old]
    removed = [n for n in old if n not in new]
    renamed = []
    for name in list(removed):
        label = old[name].label.get(before.default_language)
        twin = next(
            (n for n in added if label and new[n].label.get(after.default_language) == label),
            None,
        )
        if twin is not None:
            renamed.append((name, twin))
            removed.remove(name)
            added.remove(twin)
    both = [n for n in new if n in old]
    return Changes(
        added,
        removed,
        renamed,
        [n for n in both if new[n].type != old[n].type],
        [
            n
            for n in both
            if [(c.name, c.label.to_json()) for c in new[n].choices]
            != [(c.name, c.label.to_json()) for c in old[n].choices]
        ],
        [n for n in both if new[n].label.to_json() != old[n].label.to_json()],
    )


def publish(survey: Survey, revision: str, user=None) -> FormVersion:
    """Make the draft the survey's new version (its answers keep theirs)."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        draft = current(locked)
        _refuse_stale(locked, draft, revision)
        if not draft.pending:
            raise SurveyError(SurveyCode.NO_CHANGE, "There is no change to save.")
        data, name = workbook.to_source(draft.book)
        version = import_form(data, name, slug=locked.slug, user=user).version
        # the draft row stays, of the version before: the editor now shows the new version,
        # under a revision no earlier page carries, and nothing of the draft can be undone
    return version


def discard(survey: Survey, revision: str, user=None) -> None:
    """Drop the changes not yet in a version: the draft is the version's rows again."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        _refuse_stale(locked, current(locked), revision)
        row = QuestionnaireDraft.objects.filter(survey=locked).first()
        version = locked.current_version
        if row is not None and version is not None:
            data, name = workbook.to_source(questionnaires.workbook_of(version))
            row.based_on, row.source, row.source_name = version, data, name
            row.undo_source, row.undo_change = None, ""
            row.revision += 1
            row.change = "changes dropped"
            row.edited_at = timezone.now()
            row.edited_by = user if user is not None and user.is_authenticated else None
            row.save()
        audit("form.edit.discard", locked, user)
