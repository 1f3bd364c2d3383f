"""Images of a form (`image::` and `big-image` columns): shipped with it in a .zip.

A form with images is uploaded as a .zip holding the XLSForm and its image files (in any folder
of the zip, named in the sheet by their file name alone, as ODK Central's form attachments are).
The zip is stored whole as the form version's source, so a version's images never change and
go with it into backups; the pages serve each image from there (`collect.views.media`).

Each image cell is honoured or reported at its cell (FORM_NOT_HONOURED, what respondents see
instead): a file that is not in the zip, is not a PNG, JPEG, GIF or WebP image (checked by
its content with Pillow, whatever its name says; SVG is refused, being a document that can
carry script), or is larger than `MAX_IMAGE_BYTES`; an image on a grid's row or column; a
`big-image` beside an `image` (a page shows one image, at the width of the text).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import PurePosixPath

from PIL import Image, UnidentifiedImageError
from pyxform.xls2json_backends import DefinitionData

from indagine.forms import grids
from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.model import Form, Question, Text
from indagine.forms.sheets import column_names, letter_of

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a zip that would unpack to more is refused unread
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_IMAGE_COLUMNS = ("image", "big-image")


class Unpacked:
    """A zip's XLSForm (its name and bytes) and its other files by file name."""

    def __init__(self, name: str, form: bytes, files: Mapping[str, bytes]) -> None:
        self.name, self.form, self.files = name, form, files


def unpack(data: bytes, suffixes: Iterable[str]) -> Unpacked | str:
    """The XLSForm and files of a zip, or why it cannot be read (one sentence)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and "__MACOSX" not in m.filename
            and not PurePosixPath(m.filename).name.startswith((".", "~$"))
        ]
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            return f"The zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB."
        wanted = tuple(suffixes)
        forms = [m for m in members if PurePosixPath(m.filename).suffix.lower() in wanted]
        if len(forms) != 1:
            found = ", ".join(PurePosixPath(m.filename).name for m in forms) or "none"
            return (
                "A zip holds one XLSForm (.xlsx, .xls, .csv or .md) and its images; "
                f"this one holds {len(forms)} ({found})."
            )
        files: dict[str, bytes] = {}
        for member in members:
            if member is not forms[0]:
                files.setdefault(PurePosixPath(member.filename).name, archive.read(member))
        name = PurePosixPath(forms[0].filename).name
        return Unpacked(name, archive.read(forms[0]), files)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError) as exc:
        return f"The zip cannot be read ({exc})."


def image_type(data: bytes) -> str | None:
    """The media type of an image a page can show, read from its content; None otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = IMAGE_TYPES.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    return kind


def check_media(
    form: Form, workbook: DefinitionData, files: Mapping[str, bytes] | None
) -> list[FormIssue]:
    """A warning at each image cell the pages cannot show, saying what respondents see."""
    issues: list[FormIssue] = []
    grid_rows = {q.row for page in form.pages for q in page.questions if grids.can_be_row(q)}
    # a list's images are drawn where a question shows its choices as buttons, not in a
    # grid's columns or a drop-down's options
    drawn = {q.list_name for q in form.questions() if q.choices and not _bare(q)}
    with_images = {q.list_name for q in form.questions() if any(c.image for c in q.choices)}
    for question in form.questions():
        if _bare(question) and question.list_name in with_images & drawn and question.row:
            text = (
                "The choices' images are not shown in a grid or a drop-down list: "
                "respondents see their text."
            )
            where = ("survey", question.row, "type", letter_of(workbook, "survey", "type"))
            issues.append(FormIssue(FormCode.NOT_HONOURED, text, Severity.WARNING, *where))
    for sheet in ("survey", "choices"):
        rows: list[dict[str, str]] = list(getattr(workbook, sheet, None) or [])
        columns = [c for c in column_names(workbook, sheet) if _is_image(c)]
        for number, row in enumerate(rows, start=2):
            has_image = any(str(row.get(c) or "").strip() for c in columns if _base(c) == "image")
            for column in columns:
                value = str(row.get(column) or "").strip()
                if not value:
                    continue
                in_grid = (sheet == "survey" and number in grid_rows) or (
                    sheet == "choices" and row.get("list_name") not in drawn
                )
                text = _problem(value, files, in_grid, _base(column) == "big-image" and has_image)
                if text:
                    letter = letter_of(workbook, sheet, column)
                    where = (sheet, number, column, letter)
                    issues.append(FormIssue(FormCode.NOT_HONOURED, text, Severity.WARNING, *where))
    return issues


def _drop_down(question: Question) -> bool:
    return question.type.is_select and "minimal" in question.appearance.split()


def _bare(question: Question) -> bool:
    """Does the page draw the question's choices as text alone (a grid, a drop-down)?"""
    return grids.can_be_row(question) or _drop_down(question)


def _base(column: str) -> str:
    parts = [p.strip().lower() for p in column.split("::")]
    if parts[0] == "media" and len(parts) > 1:
        parts = parts[1:]
    return parts[0]


def _is_image(column: str) -> bool:
    return _base(column) in _IMAGE_COLUMNS


def _problem(
    value: str, files: Mapping[str, bytes] | None, in_grid: bool, beside_image: bool
) -> str:
    alone = "respondents see the text alone"
    if beside_image:
        return f"The big image '{value}' is not shown: respondents see the row's image."
    if in_grid:
        return f"The image '{value}' is not shown in a grid or a drop-down list: {alone}."
    if files is None:
        return (
            f"The image '{value}' is not shown: {alone}. Upload the form as a .zip "
            "holding the XLSForm and its images."
        )
    data = files.get(value)
    if data is None:
        return f"The image '{value}' is not among the zip's files: {alone}."
    if len(data) > MAX_IMAGE_BYTES:
        limit = MAX_IMAGE_BYTES // 2**20
        return f"The image '{value}' is larger than {limit} MB: {alone}."
    if image_type(data) is None:
        return (
            f"The file '{value}' is not a PNG, JPEG, GIF or WebP image (read by its "
            f"content): {alone}."
        )
    return ""


def keep_shown(form: Form, files: Mapping[str, bytes] | None) -> Form:
    """The form with only the images its pages show (each other one is reported at its cell
    by `check_media`): a page never draws a broken image."""
    shown = shown_images(form, files or {})

    def kept(text: Text) -> Text:
        return Text({lang: name for lang, name in text.values.items() if name in shown})

    def question(q: Question) -> Question:
        if grids.can_be_row(q) or _drop_down(q):
            bare = tuple(replace(c, image=Text()) for c in q.choices)
            return replace(q, image=Text() if grids.can_be_row(q) else kept(q.image), choices=bare)
        choices = tuple(replace(c, image=kept(c.image)) for c in q.choices)
        return replace(q, image=kept(q.image), choices=choices)

    pages = tuple(replace(p, questions=tuple(question(q) for q in p.questions)) for p in form.pages)
    return replace(form, pages=pages)


def shown_images(form: Form, files: Mapping[str, bytes]) -> frozenset[str]:
    """The file names of the form's images a page shows (every other is reported)."""
    named: set[str] = set()
    for question in form.questions():
        if not grids.can_be_row(question):
            named.update(question.image.values.values())
        if not grids.can_be_row(question) and not _drop_down(question):
            named.update(v for c in question.choices for v in c.image.values.values())
    return frozenset(
        n for n in named if n in files and len(files[n]) <= MAX_IMAGE_BYTES and image_type(files[n])
    )


_SERVED: dict[str, Mapping[str, tuple[bytes, str]]] = {}


def read_image(
    sha256: str, source: bytes, suffixes: Iterable[str], name: str, form: Form
) -> tuple[bytes, str] | None:
    """A version's image as a page shows it, with its media type: only a file the form names
    where a page shows it, and only an image (the zip read once per version and process)."""
    served = _SERVED.get(sha256)
    if served is None:
        unpacked = unpack(source, suffixes)
        files = unpacked.files if isinstance(unpacked, Unpacked) else {}
        served = {n: (files[n], image_type(files[n]) or "") for n in shown_images(form, files)}
        if len(_SERVED) > 16:
            _SERVED.clear()
        _SERVED[sha256] = served
    return served.get(name)
