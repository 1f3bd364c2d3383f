"""Images on questions and choices (`image::` columns), shipped with the form in a .zip: shown
with the label as the alternative text, served only as the images a page shows, and every
image the pages cannot show reported at its cell."""

from __future__ import annotations

import io
import re
import textwrap
import zipfile

import pytest
from PIL import Image

from indagine.forms.issues import FormCode
from indagine.forms.loader import load_form
from indagine.surveys.services import import_form, open_survey

# A club's survey on its new logo: the question shows the logo in each language, each choice a
# colour swatch; a drop-down and a grid whose images cannot be drawn; a big image beside one.
FORM = """
| survey |
| | type | name | label::English (en) | label::Italiano (it) | image::English (en) | image::Italiano (it) | big-image | appearance |
| | begin_group | logo | Logo | Logo | | | | |
| | select_one colour | colour | Which colour suits the logo? | Quale colore per il logo? | logo_en.png | logo_it.jpg | logo_big.png | |
| | select_one colour | second | And second? | E secondo? | | | | minimal |
| | text | why | Why? | Perché? | missing.png | | | |
| | note | fake | A note | Una nota | notanimage.png | | | |
| | end_group | | | | | | | |
| | begin_group | rate | Rate | Voti | | | | table-list |
| | select_one yn | fits | Fits | Adatto | grid.png | | | |
| | select_one yn | bold | Bold | Audace | | | | |
| | end_group | | | | | | | |
| choices |
| | list_name | name | label::English (en) | label::Italiano (it) | image |
| | colour | red | Red *warm* | Rosso | red.png |
| | colour | blue | Blue | Blu | blue.gif |
| | yn | y | Yes | Sì | |
| | yn | n | No | No | |
| settings |
| | form_title | form_id | default_language |
| | Logo | logo | English (en) |
"""


def _image(kind: str, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 4), colour).save(out, kind)
    return out.getvalue()


FILES = {
    "logo_en.png": _image("PNG"),
    "logo_it.jpg": _image("JPEG", "green"),
    "logo_big.png": _image("PNG", "blue"),
    "red.png": _image("PNG"),
    "blue.gif": _image("GIF", "blue"),
    "grid.png": _image("PNG"),
    "notanimage.png": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    "extra.png": _image("PNG"),  # in the zip, named by no cell
}


def _zip(form: str = FORM, files: dict[str, bytes] = FILES) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("logo/logo.md", textwrap.dedent(form))
        for name, data in files.items():
            archive.writestr(f"logo/media/{name}", data)
        archive.writestr("__MACOSX/logo/._logo.md", b"junk")
    return out.getvalue()


@pytest.fixture
def survey(db):
    return open_survey(import_form(_zip(), "logo.zip", slug="logo").survey)


def test_each_image_the_pages_cannot_show_is_said_at_its_cell():
    result = load_form(_zip(), "logo.zip")
    assert result.ok and result.form is not None
    said = {(i.sheet, i.row, i.column): i.message for i in result.issues if i.row}
    assert {i.code for i in result.issues if i.row} == {FormCode.NOT_HONOURED}
    assert set(said) == {
        ("survey", 3, "big-image"),  # beside an image
        ("survey", 4, "type"),  # a drop-down of a list with images
        ("survey", 5, "image::English (en)"),  # missing.png
        ("survey", 6, "image::English (en)"),  # not an image, whatever its name says
        ("survey", 9, "image::English (en)"),  # a grid's row
    }
    assert "not among the zip's files" in said[("survey", 5, "image::English (en)")]
    assert "not a PNG, JPEG, GIF or WebP" in said[("survey", 6, "image::English (en)")]
    form = result.form
    assert form.question("colour").image.values == {"en": "logo_en.png", "it": "logo_it.jpg"}
    assert [c.image.values for c in form.question("colour").choices] == [
        {"en": "red.png"},
        {"en": "blue.gif"},
    ]
    assert not form.question("why").image and not form.question("fake").image
    assert not form.question("fits").image
    assert not any(c.image for c in form.question("second").choices)  # a drop-down


def test_a_form_without_its_images_is_accepted_and_told_to_come_as_a_zip():
    plain = textwrap.dedent(FORM).encode()
    result = load_form(plain, "logo.md")
    assert result.ok
    message = next(i.message for i in result.issues if i.row == 3 and i.column.startswith("image"))
    assert "Upload the form as a .zip" in message


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"a.md": b"x", "b.md": b"y"}, "holds 2 (a.md, b.md)"),
        ({"logo.png": b"x"}, "holds 0 (none)"),
    ],
)
def test_a_zip_without_exactly_one_xlsform_is_refused(files, said):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    result = load_form(out.getvalue(), "f.zip")
    (issue,) = result.issues
    assert issue.code is FormCode.UNREADABLE and said in issue.message
    broken = load_form(b"PK\x03\x04 not really", "f.zip")
    assert broken.issues[0].code is FormCode.UNREADABLE and "zip" in broken.issues[0].message


def test_the_page_shows_each_image_with_its_label_as_the_alternative_text(client, survey):
    html = client.get("/s/logo/?lang=en").content.decode()
    base = "/s/logo/media/1/"
    assert (
        f'<img class="media" src="{base}logo_en.png" alt="Which colour suits the logo?" '
        'loading="lazy">'
    ) in html
    # a choice's image in its label; the label's markup is not in the alternative text
    assert f'<img class="media" src="{base}red.png" alt="Red warm" loading="lazy">' in html
    assert f'src="{base}blue.gif" alt="Blue"' in html
    assert "missing.png" not in html and "notanimage.png" not in html
    italian = client.get("/s/logo/?lang=it").content.decode()
    assert f'src="{base}logo_it.jpg" alt="Quale colore per il logo?"' in italian
    assert f'src="{base}red.png" alt="Rosso"' in italian  # one image for every language


def test_an_image_is_served_as_its_content_says_and_nothing_else_is(client, survey):
    reply = client.get("/s/logo/media/1/logo_it.jpg")
    assert reply.status_code == 200 and reply["Content-Type"] == "image/jpeg"
    assert reply.content == FILES["logo_it.jpg"]
    assert "immutable" in reply["Cache-Control"] and reply["X-Content-Type-Options"] == "nosniff"
    assert client.get("/s/logo/media/1/blue.gif")["Content-Type"] == "image/gif"
    for name in ("notanimage.png", "extra.png", "grid.png", "missing.png", "logo.md"):
        assert client.get(f"/s/logo/media/1/{name}").status_code == 404, name
    assert client.get("/s/logo/media/2/logo_it.jpg").status_code == 404  # no such version
    assert client.post("/s/logo/media/1/logo_it.jpg").status_code == 405


def test_a_later_version_keeps_the_earlier_versions_images(client, survey):
    files = {**FILES, "logo_en.png": _image("PNG", "yellow")}
    import_form(_zip(files=files), "logo.zip", slug="logo")
    assert client.get("/s/logo/media/1/logo_en.png").content == FILES["logo_en.png"]
    assert client.get("/s/logo/media/2/logo_en.png").content == files["logo_en.png"]
    html = client.get("/s/logo/?lang=en").content.decode()
    assert re.search(r'src="/s/logo/media/2/logo_en\.png"', html)


def test_the_organiser_uploads_the_zip_on_the_new_survey_page(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    upload = SimpleUploadedFile("logo.zip", _zip(), content_type="application/zip")
    reply = client.post("/manage/new/", {"file": upload})
    assert reply.status_code == 302, reply.content.decode()[:500]
    page = client.get("/manage/logo/?lang=en", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("FORM_NOT_HONOURED") == 5
