"""An organiser in headless Chromium on the responses pages: the demo's test responses announced
and deleted in one action, one response marked as a test and deleted after confirmation, the
responses downloaded as Stata and read back, each page accessible at desktop and phone sizes."""

from __future__ import annotations

import pyreadstat
import pytest
from playwright.sync_api import expect

from browser.conftest import DESKTOP, ORGANISER, PHONE, log_in

pytestmark = pytest.mark.browser

SETUP = (
    ORGANISER
    + """
from indagine.collect.models import Response
from indagine.collect.transfer import add_synthetic
Response.objects.all().delete()
add_synthetic("remote-working-2020", 12, seed=31, test=False)
add_synthetic("remote-working-2020", 5, seed=32)
"""
)


def _count(server, where: str) -> int:
    out = server.django(
        "from indagine.collect.models import Response\n"
        f"print(Response.objects.filter({where}).count())"
    )
    return int(out.strip().splitlines()[-1])


def test_test_responses_are_announced_and_deleted_a_response_marked_and_deleted(
    server, context_for, assert_accessible
):
    server.django(SETUP)
    page = context_for(**DESKTOP).new_page()
    log_in(page, server, "/manage/remote-working-2020/results/")
    expect(page.locator("#n-complete")).to_have_text("12")
    banner = page.locator("#tests-banner")
    expect(banner).to_contain_text("5")
    banner.get_by_role("link", name="Includile").click()
    expect(page.locator("#n-complete")).to_have_text("17")
    page.locator("#tests-banner").get_by_role(
        "link", name="Elimina tutte le risposte di prova"
    ).click()
    assert_accessible(page, "the confirmation of deleting the test responses")
    page.get_by_role("button", name="Elimina le risposte di prova").click()
    expect(page.get_by_role("status")).to_contain_text("5")
    assert _count(server, "test=True") == 0 and _count(server, "test=False") == 12
    assert page.locator("#tests-banner").count() == 0
    assert_accessible(page, "the responses page")

    page.locator("#responses tbody a").first.click()
    expect(page.locator("#timeline")).to_be_visible()
    assert page.locator("#answers tbody tr").count() >= 5
    assert_accessible(page, "one response")
    page.get_by_role("button", name="Segna come prova").click()
    expect(page.locator("#test-mark")).to_be_visible()
    assert _count(server, "test=True") == 1
    page.get_by_role("link", name="Elimina questa risposta").click()
    assert_accessible(page, "the confirmation of deleting a response")
    page.get_by_role("link", name="Annulla").click()
    expect(page.locator("#timeline")).to_be_visible()
    assert _count(server, "") == 12  # cancelled: nothing deleted
    page.get_by_role("link", name="Elimina questa risposta").click()
    page.get_by_role("button", name="Elimina la risposta").click()
    expect(page.locator("#listed")).to_contain_text("11")
    assert _count(server, "") == 11


def test_the_responses_download_as_stata_with_labels_and_the_page_fits_a_phone(
    server, context_for, tmp_path, assert_accessible
):
    server.django(SETUP)
    page = context_for(**DESKTOP, accept_downloads=True).new_page()
    log_in(page, server, "/manage/remote-working-2020/results/")
    page.locator("#download-responses").click()
    page.get_by_label("Formato").select_option("dta")
    with page.expect_download() as download:
        page.locator("#download-button").click()
    out = tmp_path / "responses.dta"
    download.value.save_as(out)
    assert download.value.suggested_filename == "remote-working-2020-responses.dta"
    frame, meta = pyreadstat.read_dta(str(out))
    assert len(frame) == 12  # complete ones, the demo's left out
    assert meta.variable_to_label.get("org_type")  # the choices' labels travel with the codes

    phone = context_for(**PHONE).new_page()
    log_in(phone, server, "/manage/remote-working-2020/responses/")
    expect(phone.locator("#responses")).to_be_visible()
    assert_accessible(phone, "the responses page on a phone")
