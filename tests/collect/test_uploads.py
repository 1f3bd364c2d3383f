"""Uploads (`file`, `image`): limited as they stream in, judged by content and name, stored
privately, replaced and kept as respondents change their minds, erased with the response, and
read only by the survey's organisers, as attachments."""

from __future__ import annotations

import csv
import io
import re
import textwrap

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from PIL import Image

from indagine.collect import uploads
from indagine.collect.exports import export
from indagine.collect.models import Response
from indagine.collect.transfer import import_csv
from indagine.forms.issues import FormCode
from indagine.forms.loader import load_form
from indagine.forms.model import QuestionType
from indagine.surveys.services import configure, import_form, open_survey
from indagine.web.refusals import Refused

# A club's call for speakers: a CV (PDF or Word), an optional photo, then a last page.
FORM = """
| survey |
| | type | name | label::English (en) | body::accept | required |
| | begin_group | p1 | You | | |
| | text | speaker | Your name | | yes |
| | file | cv | Your CV | .pdf,.docx | yes |
| | image | photo | A photo of you | | |
| | end_group | | | | |
| | begin_group | p2 | Talk | | |
| | text | title | Title of the talk | | |
| | end_group | | | | |
"""
KEY = "u" * 43
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ" + b"\0" * 200


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def private_folder(settings, tmp_path):
    """Each test's uploads in a folder of its own (the storage is read again on the change)."""
    uploads_storage = {**settings.STORAGES["uploads"]}
    uploads_storage["OPTIONS"] = {**uploads_storage["OPTIONS"], "location": str(tmp_path / "up")}
    settings.STORAGES = {**settings.STORAGES, "uploads": uploads_storage}


@pytest.fixture
def survey(db):
    return open_survey(import_form(textwrap.dedent(FORM).encode(), "t.md", slug="talks").survey)


def _send(client, key=KEY, page="0", **fields):
    body = {"_page": page, "_key": key, "_action": "next", "_lang": "en", **fields}
    return client.post("/s/talks/", body)


def _stored(slug="talks") -> list[str]:
    store = storages["uploads"]
    return sorted(store.listdir(slug)[1]) if store.exists(slug) else []


def test_upload_types_are_read_with_what_they_accept_and_a_guess_is_said():
    result = load_form(textwrap.dedent(FORM).encode(), "t.md")
    assert result.ok and result.form is not None and result.issues == (), result.issues
    cv, photo = result.form.question("cv"), result.form.question("photo")
    assert cv.type is QuestionType.FILE and cv.parameters["accept"] == ".pdf,.docx"
    assert photo.type is QuestionType.IMAGE
    vague = textwrap.dedent(FORM).replace(".pdf,.docx", ".pdf,.csv,text/plain")
    (issue,) = load_form(vague.encode(), "t.md").issues
    assert (issue.code, issue.row, issue.column) == (FormCode.NOT_HONOURED, 4, "body::accept")
    assert "'.csv', 'text/plain'" in issue.message and "PDF" in issue.message
    audio = "| survey |\n| | type | name | label |\n| | audio | a | Say it |\n"
    assert load_form(audio.encode(), "a.md").issues[0].code is FormCode.UNSUPPORTED_TYPE


def test_the_page_has_a_file_box_for_what_the_question_accepts(client, survey):
    html = client.get("/s/talks/?lang=en").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert '<input type="file" name="cv" id="in-cv" accept=".docx,.pdf">' in html
    photo = re.search(r'<input type="file" name="photo" id="in-photo" accept="([^"]+)"', html)
    assert (
        photo is not None and ".png" in photo[1] and ".jpeg" in photo[1] and ".pdf" not in photo[1]
    )
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    second = client.get("/s/talks/?page=1&lang=en")  # a page without uploads: a plain form
    assert "Title of the talk" in second.content.decode()
    assert "multipart" not in second.content.decode()


def test_a_file_is_stored_privately_and_its_name_is_the_answer(client, survey):
    reply = _send(client, speaker="Ada", cv=SimpleUploadedFile("My CV (final).pdf", PDF))
    assert reply.status_code == 302
    (response,) = Response.objects.all()
    name = response.answers["cv"]
    assert re.fullmatch(r"[0-9a-f]{32}-My CV final\.pdf", name)
    assert _stored() == [name]
    with storages["uploads"].open(f"talks/{name}", "rb") as handle:
        assert handle.read() == PDF
    page = client.get("/s/talks/?page=0&lang=en").content.decode()
    assert "Sent: My CV final.pdf. Choose another file to replace it." in page
    assert 'aria-describedby="kept-cv"' in page


@pytest.mark.parametrize(
    ("name", "data"),
    [("cv.pdf", EXE), ("cv.exe", PDF), ("cv.docx", PDF), ("photo.png", None)],
)
def test_a_file_whose_content_or_name_is_not_accepted_is_refused_at_the_question(
    client, survey, name, data
):
    sent = SimpleUploadedFile(name, _png() if data is None else data)
    reply = _send(client, speaker="Ada", cv=sent)
    html = reply.content.decode()
    assert reply.status_code == 200 and 'id="err-cv"' in html
    assert "This kind of file is not accepted: send a DOCX or PDF file." in html
    assert _stored() == []  # nothing kept of it
    assert "cv" not in Response.objects.get().answers


def test_a_file_over_the_limit_is_skipped_as_it_streams_in(client, survey, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    reply = _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", big))
    html = reply.content.decode()
    assert reply.status_code == 200 and "The file is too large: 1 MB at most." in html
    assert _stored() == [] and Response.objects.get().answers == {"speaker": "Ada"}
    # the handler drops the file once past the limit, before the next handler keeps a byte
    handler = uploads.LimitedUpload(None)
    handler.new_file("cv", "cv.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * 1024 * 1024, 0) == b"x" * 1024 * 1024
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x", 1024 * 1024)


def test_a_name_typed_in_place_of_a_file_is_ignored(client, survey):
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    (theirs,) = _stored()
    other = client.__class__()
    reply = _send(other, key="o" * 43, speaker="Eve", cv=theirs)  # someone else's file's name
    assert reply.status_code == 200 and 'id="err-cv"' in reply.content.decode()  # required
    assert Response.objects.get(key_hash__isnull=False, answers__speaker="Eve").answers == {
        "speaker": "Eve"
    }


def test_sending_the_page_again_keeps_the_file_and_another_replaces_it(client, survey):
    _send(client, speaker="Ada", cv=SimpleUploadedFile("one.pdf", PDF))
    (first,) = _stored()
    _send(client, speaker="Ada Lovelace")  # back to the page, no new file: kept
    assert Response.objects.get().answers["cv"] == first and _stored() == [first]
    _send(client, speaker="Ada", cv=SimpleUploadedFile("two.pdf", PDF + b"%two"))
    (second,) = _stored()
    assert second != first and second.endswith("-two.pdf")
    assert Response.objects.get().answers["cv"] == second


def test_a_deleted_response_takes_its_files_with_it(
    client, survey, django_capture_on_commit_callbacks
):
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    assert len(_stored()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        Response.objects.all().delete()
    assert _stored() == []


def test_an_anonymous_response_keeps_its_files_when_its_answers_move(client, db):
    imported = import_form(textwrap.dedent(FORM).encode(), "t.md", slug="talks")
    open_survey(configure(imported.survey, anonymous=True, panel_only=False))
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    _send(client, page="1", title="Queues")
    (response,) = Response.objects.all()
    assert response.key_hash is None and response.answers["cv"] in _stored()


def test_only_the_surveys_organisers_download_a_file_as_an_attachment(
    client, survey, django_user_model
):
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    (name,) = _stored()
    address = f"/manage/talks/files/{name}"
    assert client.get(address).status_code == 302  # to the login page
    stranger = django_user_model.objects.create_user("stranger", password="x" * 12)
    client.force_login(stranger)
    assert client.get(address).status_code == 403
    admin = django_user_model.objects.create_superuser("admin", password="x" * 12)
    client.force_login(admin)
    reply = client.get(address)
    assert reply.status_code == 200 and b"".join(reply.streaming_content) == PDF
    assert (
        reply["Content-Disposition"].startswith("attachment")
        and "cv.pdf" in reply["Content-Disposition"]
    )
    assert (
        reply["X-Content-Type-Options"] == "nosniff"
        and "sandbox" in reply["Content-Security-Policy"]
    )
    other = import_form(textwrap.dedent(FORM).encode(), "t.md", slug="other").survey
    assert client.get(f"/manage/{other.slug}/files/{name}").status_code == 404
    assert client.get("/manage/talks/files/..%2Fsecret_key").status_code == 404


def test_the_export_names_the_file_and_an_import_names_only_files_stored(client, survey, tmp_path):
    _send(client, speaker="Ada", cv=SimpleUploadedFile("cv.pdf", PDF))
    _send(client, page="1", title="Queues")
    (name,) = _stored()
    out = tmp_path / "talks.csv"
    export("talks", out, "csv")
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["p1-cv"] == name
    Response.objects.all().delete()
    assert import_csv("talks", out).stored == 1  # the file is still there (no commit here)
    rows[0]["p1-cv"] = "0" * 32 + "-elsewhere.pdf"
    forged = tmp_path / "forged.csv"
    with forged.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(Refused) as refused:
        import_csv("talks", forged)
    assert any("ANSWER_FILE_UNKNOWN" in p for p in refused.value.problems)
