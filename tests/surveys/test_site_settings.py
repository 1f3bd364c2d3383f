"""The site's public address and the organisation's name: the form's checks, the organiser's
page (login, permission, save, audit) and the warning while links point to this machine."""

from __future__ import annotations

import pytest

from indagine.surveys import site
from indagine.surveys.forms import SiteSettingsForm
from indagine.surveys.models import AuditEntry, SiteSettings
from organisers import make_organiser

URL = "/manage/settings/"


@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the site's default is Italian
    return user


def _form(address: str, name: str = "") -> SiteSettingsForm:
    return SiteSettingsForm({"public_address": address, "organisation_name": name})


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://survey.example.org", "https://survey.example.org"),
        ("https://survey.example.org/", "https://survey.example.org"),
        ("http://survey.example.org:8080", "http://survey.example.org:8080"),
        ("survey.example.org", "https://survey.example.org"),  # https assumed
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),  # accepted, warned on the page
        ("http://192.168.1.20", "http://192.168.1.20"),
        ("", ""),
    ],
)
def test_the_form_keeps_only_a_scheme_and_a_host(db, typed, kept):
    form = _form(typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["public_address"] == kept


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ftp://survey.example.org", "scheme"),
        ("https://survey.example.org/indagine", "path"),
        ("https://survey.example.org/?x=1", "path"),
        ("https://survey.example.org?", "path"),
        ("https://survey.example.org/#top", "path"),
        ("https://user:pw@survey.example.org", "userinfo"),
        ("https://", "invalid"),
        ("not an address", "invalid"),
    ],
)
def test_the_form_refuses_anything_but_the_sites_address(db, typed, code):
    form = _form(typed)
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["public_address"]] == [code]


@pytest.mark.parametrize(
    ("url", "loopback", "local"),
    [
        ("http://127.0.0.1:8000", True, True),
        ("http://127.3.2.1", True, True),
        ("http://localhost:8000", True, True),
        ("http://[::1]:8000", True, True),
        ("http://app.localhost", True, True),
        ("http://10.0.0.5", False, True),
        ("http://192.168.1.20:8000", False, True),
        ("http://[fe80::1]", False, True),
        ("http://intranet", False, True),
        ("http://server.lan", False, True),
        ("https://survey.example.org", False, False),
        ("https://93.184.216.34", False, False),
    ],
)
def test_which_addresses_only_this_machine_or_its_network_reach(url, loopback, local):
    assert site.is_loopback(url) is loopback
    assert site.is_local(url) is local


def test_the_saved_address_wins_over_the_servers_setting(db, settings):
    settings.INDAGINE_BASE_URL = "http://127.0.0.1:8000"
    assert site.base_url() == "http://127.0.0.1:8000"
    assert site.loopback_warning().startswith("warning: the links point to http://127.0.0.1")
    site.save(public_address="https://survey.example.org/", organisation_name=" Amici ")
    assert site.base_url() == "https://survey.example.org"
    assert site.organisation_name() == "Amici"
    assert site.loopback_warning() == ""
    site.save(public_address="", organisation_name="")
    assert site.base_url() == "http://127.0.0.1:8000"
    assert SiteSettings.objects.count() == 1  # one row, whatever is saved


def test_the_settings_page_needs_login_and_the_permission_to_change(client, db, django_user_model):
    reply = client.get(URL)
    assert reply.status_code == 302 and "login" in reply["Location"]
    assert client.post(URL, {"public_address": "https://x.example.org"}).status_code == 302
    client.force_login(make_organiser(django_user_model, "lettore", change=False))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"public_address": "https://x.example.org"}).status_code == 403
    client.force_login(django_user_model.objects.create_user("socio", password="pw-123-socio"))
    assert client.get(URL).status_code == 403
    assert not SiteSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="site.settings").exists()


def test_the_list_links_to_the_settings_page(client, organiser):
    assert f'href="{URL}"' in client.get("/manage/").content.decode()


def test_saving_the_settings_is_audited(client, organiser):
    page = client.get(URL).content.decode()
    assert 'name="public_address"' in page and 'name="organisation_name"' in page
    reply = client.post(
        URL, {"public_address": "https://survey.example.org/", "organisation_name": "ACME"}
    )
    assert reply.status_code == 302 and reply["Location"] == URL
    row = SiteSettings.objects.get()
    assert (row.public_address, row.organisation_name) == ("https://survey.example.org", "ACME")
    entry = AuditEntry.objects.get(action="site.settings")
    assert entry.user == organiser and entry.survey is None
    assert entry.detail == {
        "public_address": "https://survey.example.org",
        "organisation_name": "ACME",
    }
    page = client.get(URL).content.decode()
    assert 'value="https://survey.example.org"' in page and 'value="ACME"' in page
    client.post(URL, {"public_address": "https://survey.example.org", "organisation_name": ""})
    latest = AuditEntry.objects.filter(action="site.settings").order_by("-pk").first()
    assert latest.detail == {"organisation_name": ""}  # what changed, only


def test_a_wrong_address_is_refused_and_nothing_is_saved(client, organiser):
    reply = client.post(URL, {"public_address": "https://survey.example.org/indagine"})
    assert reply.status_code == 400
    assert "no path, query or fragment" in reply.content.decode()
    assert not SiteSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="site.settings").exists()


def test_a_local_address_is_saved_with_a_warning(client, organiser):
    reply = client.post(URL, {"public_address": "http://192.168.1.20:8000"}, follow=True)
    html = reply.content.decode()
    assert "Site settings saved." in html
    assert "reached only from this machine or its local network" in html
    assert SiteSettings.objects.get().public_address == "http://192.168.1.20:8000"
    quiet = client.post(URL, {"public_address": "https://survey.example.org"}, follow=True)
    assert "local network" not in quiet.content.decode()


def test_the_organisers_pages_warn_while_links_point_to_this_machine(
    client, organiser, open_survey, settings
):
    settings.INDAGINE_BASE_URL = "http://127.0.0.1:8000"
    for url in ("/manage/", "/manage/small/", "/manage/small/panel/"):
        html = client.get(url).content.decode()
        assert 'id="loopback-warning"' in html, url
        assert "point to http://127.0.0.1:8000, this machine" in html
        assert f'<a href="{URL}">' in html
    settings_page = client.get(URL).content.decode()
    assert settings_page.count('id="loopback-warning"') == 1  # its own words, not the banner's
    assert "(the server's setting INDAGINE_BASE_URL)" in settings_page
    italian = client.get("/manage/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "I link nelle email e nella lettera portano a http://127.0.0.1:8000" in italian
    site.save(public_address="https://survey.example.org", organisation_name="", user=organiser)
    for url in ("/manage/", "/manage/small/", URL):
        assert 'id="loopback-warning"' not in client.get(url).content.decode(), url


def test_the_warning_is_for_organisers_only(client, db, settings):
    settings.INDAGINE_BASE_URL = "http://localhost:8000"
    assert 'id="loopback-warning"' not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("slug", ["settings", "new"])
def test_no_survey_takes_the_address_of_an_organisers_page(db, small_form_source, slug):
    from indagine.surveys import services

    with pytest.raises(services.SurveyError) as refused:
        services.import_form(small_form_source, "small.md", slug=slug, new_survey=True)
    assert refused.value.code == "SURVEY_BAD_SLUG"
