"""The organiser's panel page (login required; import, invite, remind; fieldwork overall and by
segment) and the same actions from the `indagine panel` command, run in-process."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from indagine.cli import main
from indagine.panel import services
from indagine.panel.models import Member, Message
from organisers import make_organiser
from panel.conftest import answer_small, personal_link

PAGE = "/manage/small/panel/"


@pytest.fixture
def organiser(db, django_user_model):
    make_organiser(django_user_model, "segreteria")
    browser = Client()
    assert browser.login(username="segreteria", password="pw-for-tests-123")
    return browser


def _panel_html(organiser) -> str:
    """The panel page as the organiser sees it. Rendered through the view itself: its address is
    shadowed by the surveys app's `<slug>/<action>/` route (see the test below)."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from indagine.panel.views import panel_page

    request = RequestFactory().get(PAGE)
    request.user = get_user_model().objects.get(username="segreteria")
    return panel_page(request, slug="small").content.decode()


def _flash(organiser) -> str:
    """The notices the last action left, as the next page shows them."""
    html = organiser.get("/manage/small/").content.decode()
    return " ".join(re.findall(r'<div role="status" class="notice">(.*?)</div>', html, re.S))


def _cells(html: str, table_id: str = "fieldwork") -> list[str]:
    table = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html, re.S).group(1)
    return re.findall(r"<td>([^<]*)</td>", table)


def _segment(html: str, attribute: str) -> dict[str, list[str]]:
    table = re.search(rf"<h2>{attribute}</h2>\s*<table.*?<tbody>(.*?)</tbody>", html, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1))
    cells = [re.findall(r"<td>([^<]*)</td>", row) for row in rows]
    return {c[0]: c[1:] for c in cells}


def test_the_panel_page_and_its_actions_need_a_login(open_survey, members_csv):
    anonymous = Client()
    page = anonymous.get(PAGE)
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    for action in ("invite", "remind"):
        reply = anonymous.post(f"{PAGE}{action}/")
        assert reply.status_code == 302 and "/accounts/login/" in reply["Location"]
    with members_csv.open("rb") as upload:
        anonymous.post(f"{PAGE}import/", {"file": upload})
    assert Member.objects.count() == 0 and Message.objects.count() == 0


def test_the_panel_page_is_served_at_its_address(open_survey, organiser):
    page = organiser.get(PAGE)
    assert page.status_code == 200 and 'id="fieldwork"' in page.content.decode()


def test_import_invite_remind_from_the_page_then_fieldwork_by_segment(
    open_survey, organiser, members_csv, smtp
):
    with members_csv.open("rb") as upload:
        reply = organiser.post(f"{PAGE}import/", {"file": upload})
    assert reply.status_code == 302 and reply["Location"] == PAGE
    assert "3 soci aggiunti, 0 aggiornati." in _flash(organiser)
    organiser.post(f"{PAGE}invite/")
    assert "3 inviti in coda." in _flash(organiser)
    services.deliver_pending(open_survey.pk)
    tokens = {m["To"]: personal_link(m)[1] for m in smtp.messages}
    answer_small(Client(), tokens["anna@example.org"])
    answer_small(Client(), tokens["bruno@example.org"], pages=1)
    Client().get(f"/s/small/t/{tokens['carla@example.org']}/")
    services.opt_out("carla@example.org")
    html = _panel_html(organiser)
    assert 'action="/manage/small/panel/import/"' in html and 'type="file"' in html
    assert 'action="/manage/small/panel/invite/"' in html
    assert 'action="/manage/small/panel/remind/"' in html
    # members, invited, opened, started, completed, opted out, bounced
    assert _cells(html) == ["3", "3", "3", "2", "1", "1", "0"]
    assert re.search(r'id="response-rate">33%<', html)
    assert _segment(html, "org_type") == {"bpo": ["2", "2", "1"], "inhouse": ["1", "1", "0"]}
    assert _segment(html, "size") == {"large": ["1", "1", "1"], "small": ["2", "2", "0"]}
    assert timezone.localdate().isoformat() in html  # completions by day
    organiser.post(f"{PAGE}remind/")
    assert "0 solleciti in coda." in _flash(organiser)  # too soon after the invitation
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=4))
    organiser.post(f"{PAGE}remind/")
    assert "1 sollecito in coda." in _flash(organiser)  # bruno: carla opted out


def test_a_bad_member_file_from_the_page_lists_its_lines(open_survey, organiser, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("email,name\nanna@example.org,Anna\nnope,Bruno\n", encoding="utf-8")
    with path.open("rb") as upload:
        organiser.post(f"{PAGE}import/", {"file": upload})
    html = _flash(organiser)
    assert "MEMBERS_INVALID_ROWS" in html and "line 3: MEMBER_BAD_EMAIL" in html
    assert Member.objects.count() == 0
    organiser.post(f"{PAGE}import/")
    assert "MEMBERS_UPLOAD" in _flash(organiser)


def test_inviting_a_closed_survey_is_refused_on_the_page(open_survey, organiser, members_csv):
    from indagine.surveys.services import close_survey

    services.import_members(open_survey, members_csv)
    close_survey(open_survey)
    organiser.post(f"{PAGE}invite/")
    assert "SURVEY_NOT_ACCEPTING" in _flash(organiser) and Message.objects.count() == 0


def test_the_panel_page_of_an_unknown_survey_is_404(organiser):
    assert organiser.post("/manage/nothing/panel/invite/").status_code == 404
    assert organiser.post("/manage/small/panel/explode/").status_code == 404


# The CLI.


def test_cli_import_invite_status_remind_erase(open_survey, members_csv, capsys, smtp):
    assert main(["panel", "import", "small", str(members_csv)]) == 0
    assert "small: 3 member(s) added, 0 updated" in capsys.readouterr().out
    assert main(["panel", "invite", "small"]) == 0
    assert "small: 3 invitation(s) queued" in capsys.readouterr().out
    services.deliver_pending(open_survey.pk)
    answer_small(Client(), personal_link(smtp.to("anna@example.org")[0])[1])
    assert main(["panel", "status", "small"]) == 0
    out = capsys.readouterr().out
    assert "members=3  invited=3  opened=1  started=1  completed=1  opted_out=0  bounced=0" in out
    assert "response rate: 33.3%" in out
    assert "org_type=bpo: members=2  invited=2  completed=1" in out
    assert f"{timezone.localdate().isoformat()}: 1 completed" in out
    assert main(["panel", "remind", "small"]) == 0
    assert "small: 0 reminder(s) queued" in capsys.readouterr().out
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=4))
    assert main(["panel", "remind", "small"]) == 0
    assert main(["panel", "remind", "small"]) == 0
    out = capsys.readouterr().out
    assert "small: 2 reminder(s) queued" in out and "small: 0 reminder(s) queued" in out
    assert main(["panel", "erase", "small", "bruno@example.org"]) == 0
    assert "small: erased" in capsys.readouterr().out
    assert main(["panel", "erase", "small", "bruno@example.org"]) == 1


def test_cli_reports_bad_rows_and_unknown_surveys(open_survey, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("email\nok@example.org\nbad\n", encoding="utf-8")
    assert main(["panel", "import", "small", str(path)]) == 1
    err = capsys.readouterr().err
    assert "error MEMBERS_INVALID_ROWS" in err and "line 3: MEMBER_BAD_EMAIL" in err
    assert Member.objects.count() == 0
    assert main(["panel", "import", "small", str(path), "--skip-invalid"]) == 0
    assert "skipped line 3" in capsys.readouterr().out
    assert main(["panel", "invite", "nothing"]) == 1
    assert "SURVEY_NOT_FOUND" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_cli_worker_burst_sends_what_is_queued_and_exits(open_survey, members_csv, smtp):
    assert main(["panel", "import", "small", str(members_csv)]) == 0
    assert main(["panel", "invite", "small"]) == 0
    assert len(smtp.messages) == 0  # queued, not sent
    assert main(["worker", "--burst"]) == 0
    assert sorted(smtp.by_recipient()) == [
        "anna@example.org",
        "bruno@example.org",
        "carla@example.org",
    ]
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_the_panel_page_warns_when_email_links_point_elsewhere(open_survey, organiser, settings):
    settings.INDAGINE_BASE_URL = "http://127.0.0.1:8000"
    html = _panel_html(organiser)
    assert 'id="base-url-warning"' in html and "http://127.0.0.1:8000" in html
    assert "http://testserver" in html
    settings.INDAGINE_BASE_URL = "http://testserver"
    assert 'id="base-url-warning"' not in _panel_html(organiser)


def test_no_response_rate_before_anyone_is_invited(open_survey, organiser):
    html = _panel_html(organiser)
    assert '<strong id="response-rate">–</strong>' in html


def test_cli_status_before_anyone_is_invited_gives_no_rate(open_survey, capsys):
    assert main(["panel", "status", "small"]) == 0
    assert "response rate: – (none invited)" in capsys.readouterr().out
