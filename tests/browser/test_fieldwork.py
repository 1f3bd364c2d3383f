"""An organiser in headless Chromium on the panel page: the R-indicator and the segments that
answer less, then a reminder to one segment alone; the page accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.conftest import DESKTOP, ORGANISER, log_in

pytestmark = pytest.mark.browser

SETUP = (
    ORGANISER
    + """
from indagine.panel.models import Invitation, Member, Message
from indagine.panel.services import _invitation, invite
from indagine.surveys.models import Survey
survey = Survey.objects.get(slug="remote-working-2020")
Member.objects.filter(survey=survey).delete()
Member.objects.bulk_create([
    Member(survey=survey, email=f"f{i}@example.org",
           attributes={"area": "nord" if i < 40 else "sud"})
    for i in range(80)])
Invitation.objects.bulk_create(
    [_invitation(m) for m in Member.objects.filter(survey=survey)])
print("invited", invite(survey))
done = [f"f{i}@example.org" for i in [*range(30), *range(40, 46)]]
Invitation.objects.filter(member__email__in=done).update(started=True, completed=True)
import datetime as dt
from django.utils import timezone
Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=8))
"""
)


def test_the_panel_page_names_who_answers_less_and_reminds_that_segment(
    server, context_for, assert_accessible
):
    assert "invited 80" in server.django(SETUP)
    page = context_for(**DESKTOP).new_page()
    log_in(page, server, "/manage/remote-working-2020/panel/")
    expect(page.locator("#r-indicator")).to_be_visible()
    named = page.locator("#under-represented")
    expect(named).to_contain_text("sud")
    expect(named).not_to_contain_text("nord")
    assert_accessible(page, "the panel page with its R-indicator")
    page.locator("#remind-segment").select_option("area:sud")
    page.get_by_role("button", name="Sollecita chi non ha risposto").click()
    expect(page.get_by_role("status")).to_contain_text("34")  # the south's 40 less its 6
    out = server.django(
        "from indagine.panel.models import Message\n"
        "print(sorted({m.member.attributes['area'] for m in "
        "Message.objects.filter(kind='remind')}))"
    )
    assert out.strip().splitlines()[-1] == "['sud']"
