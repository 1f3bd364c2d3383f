"""A survey's questionnaire as a file: exported as the XLSForm it is (`forms export`, the
download on the survey's page), and the workbook the editor changes."""

from __future__ import annotations

from indagine.forms import workbook
from indagine.surveys.models import FormVersion


def workbook_of(version: FormVersion) -> workbook.Workbook:
    """The version's sheets, its form_id written in the settings when the sheet gave none (it
    came from the uploaded file's name, which a file written again does not keep)."""
    book = workbook.read(bytes(version.source), version.source_name)
    if not book.settings.get("form_id"):
        book.set_setting("form_id", version.form.form_id)
    return book


def exported(version: FormVersion) -> tuple[bytes, str]:
    """The version as an .xlsx (a .zip of it and its images when it has some) and its name."""
    return workbook.to_source(workbook_of(version))
