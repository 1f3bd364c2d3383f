"""An XLSForm read as rows and written back as .xlsx is the same questionnaire (issue 16.5).

Every form of the corpus and the built-in survey, accepted or refused: written back, it loads as
the same `Form` (rows included) with the same problems at the same cells, so an organiser who
exports a survey, or edits one in the browser, never loses a claim, a score or a condition.
"""

from __future__ import annotations

import io
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from indagine.forms import workbook
from indagine.forms.loader import load_form

pytestmark = pytest.mark.pure

CORPUS = Path(__file__).parent / "corpus"
BUILTIN = "remote_working_2020.md"


def _forms() -> list[object]:
    cases = [pytest.param(p.read_bytes(), p.name, id=p.stem) for p in sorted(CORPUS.glob("*.md"))]
    builtin = resources.files("indagine.library").joinpath(BUILTIN).read_bytes()
    return [*cases, pytest.param(builtin, BUILTIN, id="builtin")]


def _problems(result) -> list[tuple]:
    return sorted(
        (i.code, i.severity, i.sheet, i.row, i.column, i.column_letter) for i in result.issues
    )


@pytest.mark.parametrize(("source", "name"), _forms())
def test_written_back_it_is_the_same_questionnaire(source, name):
    before = load_form(source, name)
    try:
        book = workbook.read(source, name)
    except workbook.Unreadable:
        assert before.form is None  # only what the loader refuses unread
        return
    data, written = workbook.to_source(book)
    assert written == name.removesuffix(".md") + ".xlsx"
    after = load_form(data, written)
    assert _problems(after) == _problems(before)
    if before.form is None:
        assert after.form is None
    else:
        assert after.form is not None
        assert after.form.to_json() == before.form.to_json()


def test_a_text_beginning_with_equals_stays_text():
    source = (
        "| survey |\n| | type | name | label | constraint |\n"
        "| | integer | eta | =Età | . > 0 |\n"
        "| settings |\n| | form_title | form_id |\n| | =Titolo | t |\n"
    )
    book = workbook.read(source.encode(), "f.md")
    data, name = workbook.to_source(book)
    sheet = load_workbook(io.BytesIO(data))["survey"]
    assert sheet["C2"].value == "=Età" and sheet["C2"].data_type == "s"
    result = load_form(data, name)
    assert result.ok and result.form is not None
    assert result.form.question("eta").label.get("und") == "=Età"
    assert result.form.title.get("und") == "=Titolo"


def test_a_zip_keeps_its_images():
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(picture, "PNG")
    sheet = (
        "| survey |\n| | type | name | label | image |\n"
        "| | note | logo | Benvenuti | logo.png |\n| | text | nome | Nome | |\n"
    )
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("club/form.md", sheet)
        archive.writestr("club/img/logo.png", picture.getvalue())
    book = workbook.read(packed.getvalue(), "club.zip")
    assert set(book.files) == {"logo.png"} and book.name == "form"
    data, name = workbook.to_source(book)
    assert name == "form.zip"
    result = load_form(data, name)
    assert result.ok and not result.warnings  # the image is there: shown, nothing reported
    assert result.form is not None
    assert result.form.question("logo").image.get("und") == "logo.png"


def test_a_header_written_twice_is_unreadable():
    source = "| survey |\n| | type | name | label | label |\n| | text | a | A | B |\n"
    with pytest.raises(workbook.Unreadable):
        workbook.read(source.encode(), "f.md")
