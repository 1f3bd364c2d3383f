"""The organiser brands the site on its settings page in headless Chromium; the respondents'
page shows the logo and the accent colour and stays accessible (axe-core) on a phone."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from browser.conftest import DESKTOP, ORGANISER, PHONE, log_in

pytestmark = pytest.mark.browser

SETUP = (
    ORGANISER
    + """
from indagine.surveys import site
site.save(public_address="", organisation_name="Club dei Contact Center")
"""
)


def test_a_logo_and_a_colour_set_on_the_settings_page_reach_the_respondents(
    server, context_for, tmp_path, assert_accessible
):
    server.django(SETUP)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (122, 31, 92)).save(logo, "PNG")
    try:
        page = context_for(**DESKTOP).new_page()
        log_in(page, server, "/manage/settings/")
        page.fill("#accent", "#f5d000")  # too pale: refused
        page.locator("#logo").set_input_files(str(logo))
        page.get_by_role("button", name="Salva l'immagine").click()
        expect(page.get_by_role("status")).to_contain_text("SITE_LOW_CONTRAST")
        page.fill("#accent", "#7a1f5c")
        page.locator("#logo").set_input_files(str(logo))
        page.get_by_role("button", name="Salva l'immagine").click()
        expect(page.locator("img.logo-preview")).to_be_visible()
        assert_accessible(page, "the settings page with the branding")

        phone = context_for(**PHONE).new_page()
        phone.goto(f"{server.base}/s/remote-working-2020/")
        brand = phone.locator(".brand img.logo")
        expect(brand).to_have_attribute("alt", "Club dei Contact Center")
        assert brand.evaluate("img => img.naturalWidth") == 120  # the logo itself, served
        accent = phone.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
        )
        assert accent == "#7a1f5c"
        assert_accessible(phone, "a branded respondent's page on a phone")
    finally:  # the server is shared: the next tests see the site as it was
        server.django(
            "from indagine.surveys.models import SiteSettings\n"
            "SiteSettings.objects.update(accent_colour='', logo=None, logo_type='', "
            "organisation_name='')"
        )
