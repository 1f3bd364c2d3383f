"""Invitation, reminder and thank-you as they arrive at a real SMTP server: wording in Italian
and English, HTML and plain-text parts, the personal link, the unsubscribe link and headers,
and a survey's own templates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from indagine.panel import services
from indagine.panel.models import Member, Message, MessageTemplate
from indagine.panel.tokens import email_hash, member_token
from panel.conftest import (
    answer_small,
    html_part,
    personal_link,
    subject,
    text_part,
    unsubscribe_link,
)


@pytest.fixture
def bilingual_csv(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name,organisation,language,size\n"
        "anna@example.org,Anna Rossi,Acme,it,large\n"
        "john@example.org,John Smith,Beta,en,small\n"
        "nina@example.org,,Gamma,,small\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def invited(open_survey, smtp, bilingual_csv):
    """Three members imported and invited; the invitations delivered."""
    services.import_members(open_survey, bilingual_csv)
    assert services.invite(open_survey) == 3
    assert services.deliver_pending(open_survey.pk) == {"sent": 3}
    return smtp


def _age_messages(days: float) -> None:
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=days))


def test_the_invitation_in_italian_has_both_parts_the_link_and_the_headers(invited, settings):
    (anna,) = invited.to("anna@example.org")
    assert subject(anna) == "Piccola: la sua opinione conta"
    assert anna.is_multipart() and anna.get_content_type() == "multipart/alternative"
    text, html = text_part(anna), html_part(anna)
    assert text.startswith("Gentile Anna Rossi,")
    link, token = personal_link(anna)
    member = Member.objects.get(email="anna@example.org")
    assert token == member_token(member.pk, member.invitation.nonce)
    assert link == f"{settings.INDAGINE_BASE_URL}/s/small/t/{token}/"
    assert f'<a href="{link}"' in html and "Gentile Anna Rossi" in html
    unsubscribe = unsubscribe_link(anna)
    assert "Per non ricevere più messaggi" in text
    assert unsubscribe in html
    assert anna["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert anna["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    survey_id = member.survey_id
    assert anna["Message-ID"].strip() == f"<invite.1.{member.pk}.{survey_id}@indagine.invalid>"
    assert anna["From"] == settings.DEFAULT_FROM_EMAIL


def test_a_member_whose_language_is_english_gets_english(invited):
    (john,) = invited.to("john@example.org")
    assert subject(john) == "Piccola: your view matters"
    assert text_part(john).startswith("Dear John Smith,")
    assert "To receive no more messages" in text_part(john)
    assert "we invite you to take part" in html_part(john)
    (nina,) = invited.to("nina@example.org")  # no language: the form's default, Italian
    assert text_part(nina).startswith("Gentile socio,")


def test_reminder_and_thank_you_in_both_languages_repeat_the_same_link(invited, client, smtp):
    survey = Member.objects.first().survey
    tokens = {m["To"]: personal_link(m)[1] for m in smtp.messages}
    answer_small(client, tokens["john@example.org"])
    _age_messages(4)
    assert services.remind(survey) == 2  # anna and nina; john completed
    assert services.deliver_pending(survey.pk) == {"sent": 3}  # two reminders, one thank-you
    john = smtp.to("john@example.org")[-1]
    assert subject(john) == "Thank you for answering: Piccola"
    assert "thank you for completing" in text_part(john)
    assert "LINK" not in text_part(john) and "/t/" not in text_part(john)
    assert john["Message-ID"].startswith("<thanks.1.")
    anna = smtp.to("anna@example.org")[-1]
    assert subject(anna) == "Promemoria: Piccola"
    assert "non abbiamo ancora ricevuto" in text_part(anna)
    assert personal_link(anna)[1] == tokens["anna@example.org"]  # resume by the same link
    assert anna["Message-ID"].startswith("<remind.1.")
    assert html_part(anna).count("<a href=") == 2  # the link and the unsubscribe link
    Member.objects.filter(email="anna@example.org").update(attributes={"language": "en"})
    _age_messages(4)
    assert services.remind(survey) == 2
    services.deliver_pending(survey.pk)
    anna = smtp.to("anna@example.org")[-1]
    assert subject(anna) == "Reminder: Piccola" and anna["Message-ID"].startswith("<remind.2.")


def test_the_unsubscribe_link_asks_first_then_opts_out(invited):
    unsubscribe = unsubscribe_link(invited.to("anna@example.org")[0])
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(unsubscribe)
    assert page.status_code == 200
    assert "Non ricevere più messaggi?" in page.content.decode()
    assert '<form method="post"' in page.content.decode()
    assert not services.opted_out(["anna@example.org"])  # a GET (a mail scanner) changes nothing
    done = browser.post(unsubscribe)
    assert done.status_code == 200 and "Non riceverà più messaggi" in done.content.decode()
    assert services.opted_out(["anna@example.org"]) == {"anna@example.org"}


def test_the_one_click_unsubscribe_of_rfc_8058_needs_no_csrf_token(invited):
    john = invited.to("john@example.org")[0]
    target = john["List-Unsubscribe"].strip()[1:-1]
    mail_client = Client(enforce_csrf_checks=True)
    reply = mail_client.post(
        target, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert reply.status_code == 200
    assert services.opted_out(["john@example.org"]) == {"john@example.org"}


def test_an_english_members_unsubscribe_page_is_in_english(invited):
    page = Client().get(unsubscribe_link(invited.to("john@example.org")[0]))
    assert "Stop receiving messages?" in page.content.decode()


def test_a_forged_or_tampered_unsubscribe_link_is_refused(invited):
    unsubscribe = unsubscribe_link(invited.to("anna@example.org")[0])
    tampered = re.sub(r"/u/(.)", lambda m: "/u/" + ("A" if m.group(1) != "A" else "B"), unsubscribe)
    for target in (tampered, "/u/1/", "/u/not-a-token/"):
        reply = Client().post(target)
        assert reply.status_code == 404 and b"UNSUBSCRIBE_UNKNOWN" in reply.content
    assert not services.opted_out(["anna@example.org"])


def test_after_unsubscribing_no_reminder_and_no_thank_you(invited, client, smtp):
    survey = Member.objects.first().survey
    tokens = {m["To"]: personal_link(m)[1] for m in smtp.messages}
    for message in smtp.messages:
        Client().post(unsubscribe_link(message))
    answer_small(client, tokens["anna@example.org"])  # answering still works
    _age_messages(4)
    assert services.remind(survey) == 0
    assert services.deliver_pending(survey.pk).total() == 0
    assert len(smtp.messages) == 3
    assert services.fieldwork(survey).totals["opted_out"] == 3


def test_a_surveys_own_templates_fill_the_placeholders_and_escape_user_text_in_html(
    open_survey, smtp, tmp_path
):
    open_survey.closes_at = timezone.make_aware(dt.datetime(2031, 3, 9, 18, 0))
    open_survey.save()
    MessageTemplate.objects.create(
        survey=open_survey,
        kind="invite",
        language="it",
        subject="{{ name }}, entro il {{ closing_date }}",
        text="Ciao {{ name }}! Ecco il link: {{ link }} (chiude il {{ closing_date }})",
        html='<p>Ciao <b>{{ name }}</b>, <a href="{{ link }}">rispondi</a> '
        "entro il {{ closing_date }}.</p>",
    )
    MessageTemplate.objects.create(
        survey=open_survey,
        kind="invite",
        language="en",
        subject="Hello {{ name }}",
        text="Hello {{ name }}: {{ link }}",
    )
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name,language\n"
        'tom@example.org,"Tom <b>&</b> ""Jerry""",it\n'
        "jane@example.org,Jane <i>Doe</i>,en\n",
        encoding="utf-8",
    )
    services.import_members(open_survey, path)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    (tom,) = smtp.to("tom@example.org")
    # Django's Italian month names are capitalised ("9 Marzo 2031"); Italian writes "marzo".
    assert subject(tom).lower() == 'tom <b>&</b> "jerry", entro il 9 marzo 2031'
    link, _ = personal_link(tom)
    assert text_part(tom).startswith(f'Ciao Tom <b>&</b> "Jerry"! Ecco il link: {link} ')
    assert "chiude il 9 marzo 2031" in text_part(tom).lower()
    html = html_part(tom)
    assert "<b>Tom &lt;b&gt;&amp;&lt;/b&gt; &quot;Jerry&quot;</b>" in html
    assert "<b>&</b>" not in html
    assert f'<a href="{link}">rispondi</a>' in html
    (jane,) = smtp.to("jane@example.org")
    assert subject(jane) == "Hello Jane <i>Doe</i>"
    assert "Jane &lt;i&gt;Doe&lt;/i&gt;" in html_part(jane)  # built from the text, escaped
    assert "<i>" not in html_part(jane)


def test_an_own_html_template_still_carries_the_unsubscribe_link(open_survey, smtp, members_csv):
    MessageTemplate.objects.create(
        survey=open_survey,
        kind="invite",
        language="it",
        subject="Invito",
        text="{{ link }}",
        html='<p><a href="{{ link }}">Rispondi</a></p>',
    )
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    anna = smtp.to("anna@example.org")[0]
    assert unsubscribe_link(anna) in html_part(anna)


def test_the_built_in_wording_escapes_a_members_name_in_html(open_survey, smtp, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("email,name\nevil@example.org,<script>alert(1)</script>\n", encoding="utf-8")
    services.import_members(open_survey, path)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    html = html_part(smtp.to("evil@example.org")[0])
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_opt_out_keeps_only_a_hash(invited):
    Client().post(unsubscribe_link(invited.to("anna@example.org")[0]))
    from indagine.panel.models import OptOut

    assert list(OptOut.objects.values_list("email_hash", flat=True)) == [
        email_hash("anna@example.org")
    ]


@pytest.mark.parametrize(
    ("day", "italian", "reminder"),
    [
        (
            8,
            "resta aperta fino all'8 gennaio 2031, ore 17:00",
            "chiude l'8 gennaio 2031 alle 17:00",
        ),
        (
            9,
            "resta aperta fino al 9 gennaio 2031, ore 17:00",
            "chiude il 9 gennaio 2031 alle 17:00",
        ),
    ],
)
def test_the_closing_moment_is_written_with_its_time_and_the_right_article(
    open_survey, smtp, bilingual_csv, client, day, italian, reminder
):
    open_survey.closes_at = timezone.make_aware(dt.datetime(2031, 1, day, 17, 0))
    open_survey.save()
    services.import_members(open_survey, bilingual_csv)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    assert italian in text_part(smtp.to("anna@example.org")[0])
    english = text_part(smtp.to("john@example.org")[0])
    assert f"The survey is open until {day} January 2031, 17:00." in english
    _age_messages(4)
    services.remind(open_survey)
    services.deliver_pending(open_survey.pk)
    assert reminder in text_part(smtp.to("anna@example.org")[-1])
    assert f"closes on {day} January 2031 at 17:00" in text_part(smtp.to("john@example.org")[-1])


def test_with_the_benchmark_the_thank_you_leads_back_to_it(invited, client, smtp):
    survey = Member.objects.first().survey
    survey.benchmark = True
    survey.save()
    tokens = {m["To"]: personal_link(m)[1] for m in smtp.messages}
    answer_small(client, tokens["anna@example.org"])
    services.deliver_pending(survey.pk)
    anna = smtp.to("anna@example.org")[-1]
    assert anna["Message-ID"].startswith("<thanks.1.")
    assert "Come si collocano le sue risposte" in text_part(anna)
    link, token = personal_link(anna)
    assert token == tokens["anna@example.org"]
    # the link leads to the thank-you page, and its benchmark, again
    again = Client()
    page = again.get(link, follow=True).content.decode()
    assert 'id="benchmark"' in page


def test_an_anonymous_surveys_thank_you_has_no_such_link(invited, client, smtp):
    survey = Member.objects.first().survey
    type(survey).objects.filter(pk=survey.pk).update(benchmark=True, anonymous=True)
    tokens = {m["To"]: personal_link(m)[1] for m in smtp.messages}
    answer_small(client, tokens["anna@example.org"])
    survey.refresh_from_db()
    assert services.settle_anonymous(survey) == 1  # thank-yous of an anonymous survey: batched
    services.deliver_pending(survey.pk)
    thanks = [m for m in smtp.to("anna@example.org") if m["Message-ID"].startswith("<thanks.")]
    assert thanks and all("Come si collocano" not in text_part(m) for m in thanks)
