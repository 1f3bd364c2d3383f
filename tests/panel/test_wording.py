"""The emails' wording written on the survey's pages (#16.6): each kind in each language, its
placeholders listed, a preview as a member receives it, and the wording members then get."""

from __future__ import annotations

import pytest

from indagine.panel import services
from indagine.panel.models import MessageTemplate
from indagine.surveys.models import AuditEntry
from organisers import make_organiser
from panel.conftest import personal_link, subject, text_part


@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user


def test_each_message_in_each_language_with_its_preview(client, organiser, open_survey):
    assert 'href="/manage/small/panel/emails/"' in client.get("/manage/small/").content.decode()
    page = client.get("/manage/small/panel/emails/").content.decode()
    for anchor in ("invite-it", "invite-en", "remind-it", "remind-en", "thanks-it", "thanks-en"):
        assert f'id="{anchor}"' in page
    assert "{{ link }}" in page and "{{ closes_on }}" in page  # the placeholders listed
    # the preview: the wording rendered for a sample member, the footer added
    assert "Gentile Maria Rossi" in page and "Dear Jane Smith" in page
    assert "/s/small/t/…/" in page and "Per non ricevere più messaggi" in page


def test_saved_wording_is_what_members_receive(client, organiser, open_survey, smtp, tmp_path):
    text = "Cara {{ name }},\nrispondi qui: {{ link }}\nA presto."
    reply = client.post(
        "/manage/small/panel/emails/",
        {"kind": "invite", "language": "it", "subject": "{{ survey }}: tocca a te", "text": text},
    )
    assert reply.status_code == 302 and reply["Location"].endswith("#invite-it")
    page = client.get("/manage/small/panel/emails/").content.decode()
    assert "Piccola: tocca a te" in page and "Cara Maria Rossi," in page
    assert AuditEntry.objects.filter(action="panel.wording").exists()
    members = tmp_path / "m.csv"
    members.write_text("email,name\nanna@example.org,Anna\n", encoding="utf-8")
    services.import_members(open_survey, members)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    (anna,) = smtp.to("anna@example.org")
    assert subject(anna) == "Piccola: tocca a te"
    body = text_part(anna).replace("\r\n", "\n")
    assert body.startswith("Cara Anna,\nrispondi qui: ") and personal_link(anna)[0] in body
    # back to the built-in wording
    client.post("/manage/small/panel/emails/", {"kind": "invite", "language": "it", "reset": "1"})
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("kind", "subject_", "text", "why"),
    [
        ("invite", "Ciao", "Rispondi, grazie.", "{{ link }}"),
        ("remind", "Ciao", "Qui: {{ link }} per {{ nome }}", "nome"),
        ("invite", "Ciao {{ survey", "Qui: {{ link }}", "Ciao"),
        ("invite", "Ciao", "Qui: {{ link }} {% if %}", "if"),
        ("thanks", "", "Grazie", "subject"),
    ],
)
def test_a_wording_that_cannot_be_sent_is_refused_and_kept_to_fix(
    client, organiser, open_survey, kind, subject_, text, why
):
    data = {"kind": kind, "language": "it", "subject": subject_, "text": text}
    reply = client.post("/manage/small/panel/emails/", data)
    assert reply.status_code == 400
    page = reply.content.decode()
    assert "EMAIL_WORDING" in page
    assert not MessageTemplate.objects.exists()


def test_the_thank_you_needs_no_link(client, organiser, open_survey):
    data = {"kind": "thanks", "language": "en", "subject": "Thanks", "text": "Thank you!"}
    assert client.post("/manage/small/panel/emails/", data).status_code == 302
    assert MessageTemplate.objects.get().language == "en"


def test_reading_needs_the_right_to_see_and_writing_the_right_to_change(
    client, open_survey, django_user_model
):
    reader = make_organiser(django_user_model, "lettore", change=False)
    client.force_login(reader)
    page = client.get("/manage/small/panel/emails/")
    assert page.status_code == 200 and "<textarea" not in page.content.decode()
    data = {"kind": "thanks", "language": "en", "subject": "x", "text": "y"}
    assert client.post("/manage/small/panel/emails/", data).status_code == 403
    assert not MessageTemplate.objects.exists()
