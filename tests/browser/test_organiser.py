"""An organiser in headless Chromium: logs in, watches the dashboard while answers arrive,
switches weighting, downloads the PDF report and the newsletter."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.conftest import DESKTOP

pytestmark = pytest.mark.browser

SETUP = """
from django.contrib.auth import get_user_model
from indagine.panel.models import Member
from indagine.panel.services import _invitation
from indagine.surveys.models import Survey
from indagine.collect.transfer import add_synthetic
users = get_user_model()
if not users.objects.filter(username="segreteria").exists():
    users.objects.create_superuser("segreteria", password="pw-organiser-2020")
survey = Survey.objects.get(slug="remote-working-2020")
if not Member.objects.filter(survey=survey).exists():
    kinds = ["inhouse"] * 200 + ["bpo"] * 120 + ["public"] * 50 + ["supplier"] * 70 + ["other"] * 20
    sizes = ["lt50", "50_249", "250_999", "1000plus"]
    members = Member.objects.bulk_create([
        Member(survey=survey, email=f"m{i}@example.org",
               attributes={"org_type": kind, "cc_size": sizes[i % 4]})
        for i, kind in enumerate(kinds)])
add_synthetic("remote-working-2020", 80, seed=21, test=False)
"""


def test_an_organiser_watches_results_weights_and_downloads(
    server, context_for, tmp_path, assert_accessible
):
    server.django(SETUP)
    page = context_for(**DESKTOP, accept_downloads=True).new_page()
    page.goto(f"{server.base}/manage/remote-working-2020/results/?every=2")
    expect(page).to_have_url(
        f"{server.base}/accounts/login/?next=/manage/remote-working-2020/results/%3Fevery%3D2"
    )
    page.fill("#id_username", "segreteria")
    page.fill("#id_password", "pw-organiser-2020")
    page.get_by_role("button", name="Accedi").click()
    count = page.locator("#n-complete")
    before = int(count.inner_text())
    assert before >= 80
    opened = page.locator("#answers-org_type")
    opened.locator("summary").click()  # the organiser reads one question's answers
    expect(opened).to_have_attribute("open", "")
    likert = page.locator("#likert-1-table")  # the table beside the first Likert chart
    likert.locator("summary").click()
    expect(likert.locator("th[scope=row]").first).to_be_visible()
    server.django(
        "from indagine.collect.transfer import add_synthetic\n"
        'add_synthetic("remote-working-2020", 15, seed=22, test=False)'
    )
    expect(count).to_have_text(str(before + 15))  # refreshed in place
    expect(opened).to_have_attribute("open", "")  # ... and what they opened stays open
    expect(page.locator("#refresh-status")).to_contain_text(str(before + 15))
    assert_accessible(page, "the dashboard, refreshed")
    assert page.locator("#finding-agree_change").count() == 1

    page.get_by_label("Ponderato sulla composizione del panel").check()
    page.get_by_role("button", name="Mostra").click()
    expect(page.locator("#weighting")).not_to_have_text("unweighted")

    with page.expect_download() as download:
        page.locator("#download-pdf").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000

    page.locator("#newsletter-html").click()
    expect(page.locator("article.letter")).to_contain_text("Cari soci")
    numbers = page.locator("article.letter a[href*='#finding-']")
    assert numbers.count() >= 3  # each number links to the table behind it
    target = numbers.first.get_attribute("href").split("#")[1]
    numbers.first.click()
    expect(page.locator(f"#{target}")).to_be_visible()
