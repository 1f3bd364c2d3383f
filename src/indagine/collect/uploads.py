"""Respondents' uploads (`file` and `image` questions): limited, judged, stored privately.

- **Limit.** `LimitedUpload`, first of the survey page's upload handlers, counts each file's
  bytes as the body streams in and skips the file once it passes `MAX_UPLOAD_BYTES`
  (`INDAGINE_MAX_UPLOAD_MB`): the rest of it is read and dropped, never held in memory or on
  disk, and the question says the file is too large.
- **Type.** A file is judged by its content and its name together (`forms.accept`).
- **Storage.** Through Django's storage API alone (save, open, exists, listdir, delete: never a
  path), the `uploads` storage: the data folder's `uploads/` (private: files 0600 in folders
  0700), or a private S3 bucket when servers share one (`INDAGINE_UPLOADS_S3_BUCKET`); under
  the survey's slug and a name with a random part and the file's own name made safe; that name
  is the answer, as ODK Central exports an attachment's name. The answers never hold a path a
  respondent chose, and a name posted in a form field instead of a file is ignored (`take`).
- **Who reads them.** Only organisers with the survey's permission, as attachments
  (`surveys.views.attachment`): never inline, never from a respondent's page.
- **Erasure.** A response's files are deleted with it (a deleted response, an erased member,
  a deleted survey), once the deletion is committed. Backups hold them under `uploads/`, from
  either store (`indagine backup`).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest

from indagine.collect.models import Response
from indagine.forms.accept import HEAD_BYTES, accepted, kind_of
from indagine.forms.answers import REFUSED_UPLOAD, UPLOAD_NAME
from indagine.forms.messages import AnswerCode
from indagine.forms.model import Form, Page, Question
from indagine.surveys.models import Survey

TOO_LARGE = "too-large"
_RESPONDENTS = "/s/"  # where respondents' pages are (site/urls.py)


class LimitedUpload(FileUploadHandler):
    """Skips a respondent's file past the size limit as it arrives, noting it on the request.
    First of FILE_UPLOAD_HANDLERS (settings), since middleware reads the body before any
    view could add it; an organiser's upload (an XLSForm) is left to its form's own check,
    which names the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = int(settings.MAX_UPLOAD_BYTES)
        self.received = 0
        path = getattr(request, "path_info", "")
        self.applies = request is None or path.startswith(_RESPONDENTS)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.applies and self.received > self.limit:
            refused = getattr(self.request, "refused_uploads", {})
            refused[self.field_name] = TOO_LARGE
            if self.request is not None:
                self.request.refused_uploads = refused
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file


def storage() -> Any:
    return storages["uploads"]


def safe_name(name: str) -> str:
    """The file's own name as letters, digits, '.', '-', '_' and spaces, at most 100
    characters and never a path: 'Curriculum Vitæ (2).pdf' -> 'Curriculum Vitae 2.pdf'."""
    base = PurePath(name.replace("\\", "/")).name
    plain = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^\w.\- ]+", "", plain).strip(" .") or "file"
    stem, dot, ext = plain.rpartition(".")
    if dot and len(ext) <= 10:
        return f"{stem[: 99 - len(ext)]}.{ext}"
    return plain[:100]


def path_of(slug: str, name: str) -> str:
    return f"{slug}/{name}"


def take(
    form: Form,
    page: Page,
    slug: str,
    raw: dict[str, list[str]],
    files: Mapping[str, Sequence[UploadedFile]],
    refused: Mapping[str, str],
    answers: Mapping[str, Any],
) -> list[str]:
    """Put the page's uploads into `raw` as the pages' other answers are: a file stored and
    its name; a refused one as its refusal (`forms.answers`), which the question reports; no
    file sent, the answer so far. A value posted for an upload question as text is dropped.
    Returns the names stored now (removed again if the page is refused whole)."""
    stored: list[str] = []
    limit = int(settings.MAX_UPLOAD_BYTES) // 2**20
    for question in page.questions:
        if not question.type.is_upload:
            continue
        raw.pop(question.name, None)
        sent = [f for f in files.get(question.name, ()) if f.name]
        if refused.get(question.name) == TOO_LARGE:
            raw[question.name] = [f"{REFUSED_UPLOAD}{AnswerCode.FILE_TOO_LARGE}:{limit}"]
        elif sent:
            name = _store(question, slug, sent[0])
            if name is None:
                raw[question.name] = [f"{REFUSED_UPLOAD}{AnswerCode.FILE_TYPE}"]
            else:
                stored.append(name)
                raw[question.name] = [name]
        elif answers.get(question.name):
            raw[question.name] = [str(answers[question.name])]
    return stored


def _store(question: Question, slug: str, upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if kind_of(head, upload.name or "", accepted(question)) is None:
        return None
    name = f"{secrets.token_hex(16)}-{safe_name(upload.name or 'file')}"
    assert UPLOAD_NAME.fullmatch(name)
    storage().save(path_of(slug, name), upload)
    return name


def discard(slug: str, names: Sequence[str]) -> None:
    for name in names:
        storage().delete(path_of(slug, name))


def files_of(form: Form, answers: Mapping[str, Any]) -> list[str]:
    """The stored names among a response's answers."""
    return [
        str(answers[q.name])
        for q in form.uploads()
        if isinstance(answers.get(q.name), str)
        and UPLOAD_NAME.fullmatch(str(answers[q.name]))
    ]  # fmt: skip


@receiver(post_delete, sender=Survey)
def _erase_survey_files(sender: Any, instance: Survey, **kwargs: Any) -> None:
    """A deleted survey's folder of uploads, once the deletion is committed."""
    slug = instance.slug
    transaction.on_commit(lambda: _erase_folder(slug))


def _erase_folder(slug: str) -> None:
    # Listed, not first asked whether it exists: a bucket has no folders, and S3's `exists` of
    # a prefix is always false, which would leave a deleted survey's files behind.
    try:
        _, names = storage().listdir(slug)
    except FileNotFoundError:  # the data folder's: no file was ever uploaded to this survey
        return
    discard(slug, names)


@receiver(post_delete, sender=Response)
def _erase_files(sender: Any, instance: Response, **kwargs: Any) -> None:
    """A deleted response's files, deleted once the deletion is committed. A response that
    moved to an anonymous row (collect.services._complete) keeps its files: the new row
    names them."""
    if not isinstance(instance.answers, dict) or getattr(instance, "_files_moved", False):
        return
    try:
        form = instance.form_version.form
        slug = instance.survey.slug
    except Exception:  # the survey or version went first, in a cascade: nothing to read
        return
    names = files_of(form, instance.answers)
    if names:
        transaction.on_commit(lambda: discard(slug, names))
