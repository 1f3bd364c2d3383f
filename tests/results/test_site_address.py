"""The letter greets the members by the organisation's name the organisers set, and its link
to the survey starts with the site's public address; `newsletter` warns while that is this
machine."""

from __future__ import annotations

import pytest

from indagine.cli import main
from indagine.collect.transfer import add_synthetic
from indagine.results.letters import letter_for
from indagine.results.models import Publication
from indagine.surveys import site

SLUG = "remote-working-2020"
PUBLIC = "https://survey.example.org"


@pytest.fixture
def answered(builtin_survey):
    add_synthetic(SLUG, 60, seed=11, test=False)
    return builtin_survey


def _greeting(survey, lang: str = "it") -> str:
    return letter_for(survey, lang=lang, stage="final").markdown.splitlines()[0]


def test_the_greeting_names_the_organisation_only_when_someone_named_it(answered):
    # the model's placeholder "Club" is no name: "Cari Amici del Club" read as a stub
    assert _greeting(answered).startswith("Cari soci")
    assert _greeting(answered, "en").startswith("Dear members")
    Publication.objects.filter(survey=answered).update(club="Circolo Aziendale")
    assert "Circolo Aziendale" in _greeting(answered)
    site.save(public_address="", organisation_name="Amici del Contact Center")
    assert "Amici del Contact Center" in _greeting(answered)  # the site's name wins
    assert "Amici del Contact Center" in _greeting(answered, "en")


def test_the_letters_link_starts_with_the_site_address(answered, settings):
    settings.INDAGINE_BASE_URL = "http://127.0.0.1:8000"
    link = f"/s/{SLUG}/"
    interim = letter_for(answered, lang="it", stage="interim").markdown
    assert f"http://127.0.0.1:8000{link}" in interim
    site.save(public_address=PUBLIC, organisation_name="")
    interim = letter_for(answered, lang="it", stage="interim").markdown
    assert f"{PUBLIC}{link}" in interim and "127.0.0.1" not in interim
    given = letter_for(answered, lang="it", stage="interim", base_url="https://other.example")
    assert f"https://other.example{link}" in given.markdown


def test_the_newsletter_page_uses_the_site_address_not_the_browsers(
    client, answered, django_user_model
):
    client.force_login(django_user_model.objects.create_superuser("org", password="pw-123-x"))
    site.save(public_address=PUBLIC, organisation_name="")
    markdown = client.get(f"/manage/{SLUG}/newsletter.md?lang=it").content.decode()
    assert f"{PUBLIC}/s/{SLUG}/" in markdown and "http://testserver" not in markdown


def test_the_newsletter_command_warns_while_the_link_is_this_machine(
    answered, settings, tmp_path, capsys
):
    settings.INDAGINE_BASE_URL = "http://127.0.0.1:8000"
    letter = tmp_path / "letter.md"
    assert main(["newsletter", SLUG, "-o", str(letter)]) == 0
    out, err = capsys.readouterr()
    (line,) = err.splitlines()
    assert line.startswith("warning: the links point to http://127.0.0.1:8000, this machine")
    assert "newsletter (it) written" in out
    assert main(["newsletter", SLUG, "--base-url", PUBLIC, "-o", str(letter)]) == 0
    assert capsys.readouterr().err == ""
    assert f"{PUBLIC}/s/{SLUG}/" in letter.read_text()
    site.save(public_address=PUBLIC, organisation_name="")
    assert main(["newsletter", SLUG, "-o", str(letter)]) == 0
    assert capsys.readouterr().err == ""
