"""Fieldwork by segment against the panel (#17.3): the R-indicator of who answered, the
segments answering less named plainly, and reminders to one segment alone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from indagine.panel import services
from indagine.panel.models import Invitation, Message
from indagine.surveys.models import AuditEntry
from organisers import make_organiser


@pytest.fixture
def fieldwork(open_survey, tmp_path):
    """60 invited members, 30 in the north (20 answered) and 30 in the south (5 answered)."""
    rows = [f"m{i}@example.org,Socio {i},{'north' if i < 30 else 'south'}" for i in range(60)]
    members = tmp_path / "members.csv"
    members.write_text("email,name,region\n" + "\n".join(rows) + "\n", encoding="utf-8")
    services.import_members(open_survey, members)
    assert services.invite(open_survey) == 60
    done = [f"m{i}@example.org" for i in [*range(20), *range(30, 35)]]
    Invitation.objects.filter(member__email__in=done).update(started=True, completed=True)
    return open_survey


def test_the_r_indicator_and_the_segments_that_answer_less(fieldwork, client, django_user_model):
    found = services.representativeness(fieldwork)
    assert found is not None and found.members == 60 and found.responded == 25
    assert 0 < found.ci_low <= found.r <= found.ci_high <= 1
    # two segments with rates 2/3 and 1/6: propensities equal the rates, R = 1 - 2 sd
    assert found.r == pytest.approx(1 - 2 * (0.25**2 * 60 / 59) ** 0.5, rel=1e-6)
    assert [(c.attribute, c.level) for c in found.under_represented()] == [("region", "south")]
    client.force_login(make_organiser(django_user_model, "segreteria"))
    from django.test import RequestFactory

    from indagine.panel.views import panel_page

    request = RequestFactory().get("/manage/small/panel/")
    request.user = django_user_model.objects.get(username="segreteria")
    html = panel_page(request, slug="small").content.decode()
    assert re.search(r'id="r-indicator">0[.,]50<', html)
    named = html.split('id="under-represented"')[1].split("</p>")[0]
    assert "south" in named and "north" not in named
    assert 'value="region:south"' in html


def test_a_reminder_to_one_segment_reaches_only_its_members_who_have_not_answered(fieldwork):
    later = timezone.now() + dt.timedelta(days=8)
    assert services.remind(fieldwork, now=later, segment=("region", "south")) == 25
    reminded = Message.objects.filter(kind=Message.Kind.REMIND)
    assert {m.member.attributes["region"] for m in reminded} == {"south"}
    assert not reminded.filter(member__invitation__completed=True).exists()
    entry = AuditEntry.objects.get(action="panel.remind")
    assert entry.detail == {"queued": 25, "segment": "region:south"}
    reminded.update(queued_at=later)  # as if sent at `later`: none again the same day
    assert services.remind(fieldwork, now=later) == 10  # the north's, not the south's again


def test_too_few_members_give_no_indicator(open_survey, members_csv):
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    assert services.representativeness(open_survey) is None


def test_the_page_sends_a_segment_s_reminder(fieldwork, client, django_user_model):
    client.force_login(make_organiser(django_user_model, "segreteria"))
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=8))
    reply = client.post("/manage/small/panel/remind/", {"segment": "region:north"})
    assert reply.status_code == 302
    assert Message.objects.filter(kind=Message.Kind.REMIND).count() == 10
