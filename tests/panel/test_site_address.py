"""The emails' links start with the site's public address as the organisers saved it, over
INDAGINE_BASE_URL; `panel invite` and `panel remind` warn while it is this machine."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from indagine.cli import main
from indagine.panel import services
from indagine.panel.models import Member, Message
from indagine.panel.tokens import member_token
from indagine.surveys import site
from panel.conftest import html_part, personal_link, unsubscribe_link

PUBLIC = "https://survey.example.org"


def test_the_invitation_links_start_with_the_saved_address(
    open_survey, smtp, members_csv, settings
):
    settings.INDAGINE_BASE_URL = "http://127.0.0.1:8000"
    site.save(public_address=PUBLIC + "/", organisation_name="")
    services.import_members(open_survey, members_csv)
    assert services.invite(open_survey) == 3
    assert services.deliver_pending(open_survey.pk) == {"sent": 3}
    (anna,) = smtp.to("anna@example.org")
    link, token = personal_link(anna)
    member = Member.objects.get(email="anna@example.org")
    assert token == member_token(member.pk, member.invitation.nonce)
    assert link == f"{PUBLIC}/s/small/t/{token}/"
    assert unsubscribe_link(anna).startswith(f"{PUBLIC}/u/")
    assert f'href="{link}"' in html_part(anna)
    assert "127.0.0.1" not in html_part(anna)


def test_invite_and_remind_warn_while_the_links_point_to_this_machine(
    open_survey, members_csv, settings, capsys
):
    settings.INDAGINE_BASE_URL = "http://localhost:8000"
    services.import_members(open_survey, members_csv)
    assert main(["panel", "invite", "small"]) == 0
    out, err = capsys.readouterr()
    assert "3 invitation(s) queued" in out  # queued all the same
    (line,) = err.splitlines()
    assert line.startswith("warning: the links point to http://localhost:8000, this machine")
    assert "/manage/settings/" in line
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=5))
    assert main(["panel", "remind", "small"]) == 0
    assert "warning: the links point to http://localhost:8000" in capsys.readouterr().err
    site.save(public_address=PUBLIC, organisation_name="")
    assert main(["panel", "remind", "small"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["panel", "status", "small"]) == 0  # a command that sends nothing is quiet
    assert capsys.readouterr().err == ""


def test_the_panel_page_compares_the_saved_address_with_the_one_in_use(
    open_survey, client, django_user_model, settings
):
    from organisers import make_organiser

    client.force_login(make_organiser(django_user_model, "segreteria"))
    settings.INDAGINE_BASE_URL = "http://testserver"
    assert 'id="base-url-warning"' not in client.get("/manage/small/panel/").content.decode()
    site.save(public_address=PUBLIC, organisation_name="")
    html = client.get("/manage/small/panel/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="base-url-warning"' in html and f"point to {PUBLIC}, not to" in html
    assert 'id="loopback-warning"' not in html
