"""Branding (#17.8): the organisation's name, logo and accent colour on the respondents' pages,
in the emails and in the report; a colour under 4.5:1 on white, or a logo that is not a small
PNG, JPEG or WebP, refused with a code and nothing saved."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from indagine.surveys import site
from indagine.surveys.models import AuditEntry, SiteSettings
from organisers import make_organiser


@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user


def _png(colour=(11, 83, 148), size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _brand(client, **fields):
    body = {"branding": "1", "accent_colour": "", **fields}
    return client.post("/manage/settings/", body, follow=True).content.decode()


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#0b5394", 7.84), ("#767676", 4.54), ("#777777", 4.48)],
)
def test_contrast_on_white_is_wcag_s(colour, ratio):
    assert site.contrast_on_white(colour) == pytest.approx(ratio, abs=0.01)


def test_a_pale_colour_is_refused_with_its_ratio_and_nothing_saved(client, organiser):
    page = _brand(client, accent_colour="#f0c000")
    assert "SITE_LOW_CONTRAST" in page and "1.7" in page
    assert "SITE_BAD_COLOUR" in _brand(client, accent_colour="red; background:url(x)")
    assert not SiteSettings.objects.filter(accent_colour__gt="").exists()
    assert not AuditEntry.objects.filter(action="site.branding").exists()


def test_a_logo_that_is_not_a_small_image_is_refused(client, organiser):
    svg = SimpleUploadedFile("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')
    assert "SITE_BAD_LOGO" in _brand(client, logo=svg)
    big = SimpleUploadedFile("big.png", _png(size=(1, 1)) + b"\0" * site.LOGO_MAX_BYTES)
    assert "SITE_BAD_LOGO" in _brand(client, logo=big)
    assert not SiteSettings.objects.exclude(logo_type="").exists()


def test_the_respondent_s_page_the_email_and_the_report_carry_the_brand(
    client, organiser, open_survey, settings
):
    from indagine.panel.mail import _branded

    logo = _png()
    site.save(public_address="https://indagini.example.org", organisation_name="Club CC")
    _brand(client, accent_colour="#7A1F5C", logo=SimpleUploadedFile("l.png", logo))
    row = site.saved()
    assert row.accent_colour == "#7a1f5c" and row.logo_type == "image/png"
    assert AuditEntry.objects.filter(action="site.branding").count() == 1
    page = client.get("/s/small/").content.decode()
    assert "<style>:root { --accent: #7a1f5c; }</style>" in page
    address = re.search(r'<img src="(/branding/logo\?v=\d+)" alt="Club CC" class="logo">', page)
    assert address
    served = client.get(address[1])
    assert served.content == logo and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    html = _branded('<p><a href="https://x.org/">x</a></p>', site.branding(), site.base_url())
    assert html.startswith('<p><img src="https://indagini.example.org/branding/logo?v=')
    assert 'alt="Club CC"' in html and 'style="color: #7a1f5c"' in html
    report = client.get("/manage/small/report.html").content.decode()
    assert 'src="data:image/png;base64,' in report and "h1, h2 { color: #7a1f5c; }" in report
    _brand(client, accent_colour="", remove_logo="on")
    assert client.get("/branding/logo").status_code == 404
    assert "--accent" not in client.get("/s/small/").content.decode()
