"""A respondent's page in each language the form's labels use: the page's own words in Italian,
English, French, German and Spanish, English (marked as such) around labels in any other
language, `<html lang>` right, and the switch listing the form's languages."""

from __future__ import annotations

import gettext
import re
import textwrap
from html import unescape
from pathlib import Path

import pytest

import indagine
from indagine.surveys.services import import_form, open_survey

# Written as a club abroad writes it: five languages with their codes, Brazilian Portuguese
# among them, a required question, an optional one with a constraint, and a select list.
FORM = """
| survey |
| | type | name | label::Italiano (it) | label::Français (fr) | label::Deutsch (de) | label::Español (es) | label::Português (pt-BR) | required | constraint |
| | begin_group | p1 | Lei | Vous | Sie | Usted | Você | | |
| | select_one role | role | Ruolo | Fonction | Funktion | Función | Função | yes | |
| | integer | staff | Addetti | Effectif | Beschäftigte | Plantilla | Equipe | | . >= 1 |
| | end_group | | | | | | | | |
| | begin_group | p2 | Fine | Fin | Ende | Fin | Fim | | |
| | text | comment | Commento | Commentaire | Kommentar | Comentario | Comentário | | |
| | end_group | | | | | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::Français (fr) | label::Deutsch (de) | label::Español (es) | label::Português (pt-BR) |
| | role | head | Responsabile | Responsable | Leitung | Responsable | Gerente |
| | role | agent | Operatore | Conseiller | Agent | Agente | Atendente |
| settings |
| | form_title | form_id | default_language |
| | Club | club | Italiano (it) |
"""

# What each page says in its own words, and a label of its own.
WORDS = {
    "it": ("Avanti", "Ruolo", "Questa domanda richiede una risposta."),
    "fr": ("Suivant", "Fonction", "Cette question demande une réponse."),
    "de": ("Weiter", "Funktion", "Diese Frage braucht eine Antwort."),
    "es": ("Siguiente", "Función", "Esta pregunta necesita una respuesta."),
    "pt-br": ("Next", "Função", "This question needs an answer."),
}


@pytest.fixture
def survey(db):
    return open_survey(import_form(textwrap.dedent(FORM).encode(), "club.md", slug="club").survey)


def _italian_words() -> set[str]:
    """indagine's own Italian words of some length: on a page in another language, any of them
    would be a word the catalog of that language lacks (Django falls back to the site's)."""
    locale = Path(indagine.__file__).parent / "locale"
    catalog = gettext.translation("django", localedir=locale, languages=["it"])._catalog  # type: ignore[attr-defined]
    return {
        text
        for msgid, text in catalog.items()
        if isinstance(msgid, str) and msgid and len(text) >= 6 and text != msgid
    }


def _visible(html: str) -> str:
    """The page's text as read: tags and the hidden fields' values left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_each_language_of_the_labels_has_its_page(client, survey, lang):
    html = client.get(f"/s/club/?lang={lang}").content.decode()
    assert f'<html lang="{lang}">' in html
    next_word, label, _required = WORDS[lang]
    text = _visible(html)
    assert next_word in text and label in text
    if lang != "it":
        assert not {w for w in _italian_words() if w in text}, "Italian words on the page"


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_errors_are_in_the_page_s_language(client, survey, lang):
    body = {"_page": "0", "_key": "k" * 43, "_action": "next", "_lang": lang, "staff": "0"}
    html = client.post("/s/club/", body).content.decode()
    assert f'<html lang="{lang}">' in html
    assert WORDS[lang][2] in _visible(html)  # the required role, in the page's words


def test_the_switch_lists_the_form_s_other_languages_named_in_themselves(client, survey):
    html = client.get("/s/club/?lang=fr").content.decode()
    switch = re.search(r'<nav class="lang".*?</nav>', html, re.S)
    assert switch is not None
    links = re.findall(r'lang=([\w-]+)" lang="([\w-]+)" hreflang="[\w-]+">([^<]+)<', switch[0])
    assert [(code, name) for code, _lang, name in links] == [
        ("it", "Italiano"),
        ("de", "Deutsch"),
        ("es", "Español"),
        ("pt-br", "Português"),
    ]
    assert all(code == lang for code, lang, _name in links)


def test_english_words_around_labels_in_another_language_are_marked_english(client, survey):
    html = client.get("/s/club/?lang=pt-br").content.decode()
    assert '<html lang="pt-br">' in html
    actions = re.search(r'<div class="actions"([^>]*)>', html)
    progress = re.search(r'<div class="progress"([^>]*)>', html)
    assert actions and progress and 'lang="en"' in actions[1] and 'lang="en"' in progress[1]
    assert '<span class="optional" lang="en">(optional)</span>' in html
    assert "<legend>Função" in html  # the form's own label, in the page's language


def test_a_page_in_a_language_with_indagine_s_words_marks_nothing(client, survey):
    html = client.get("/s/club/?lang=de").content.decode()
    assert 'lang="en"' not in html and '<span class="optional">(optional)</span>' in html


def test_a_language_the_form_does_not_have_gets_its_default(client, survey):
    html = client.get("/s/club/?lang=en").content.decode()
    assert '<html lang="it">' in html and "Avanti" in html


def test_the_thank_you_page_is_in_the_respondent_s_language(client, survey):
    key = "k" * 43
    for page, answers in enumerate(({"role": "head"}, {})):
        body = {"_page": str(page), "_key": key, "_action": "next", "_lang": "es", **answers}
        reply = client.post("/s/club/", body)
        assert reply.status_code == 302
    html = client.get(reply["Location"]).content.decode()
    assert '<html lang="es">' in html and "¡Gracias!" in html


@pytest.mark.parametrize("lang", ["fr", "de", "es"])
def test_every_catalog_of_the_respondent_s_words_is_whole(lang):
    """The three catalogs hold the same words, each translated: one added to a catalog and
    not to the others would show in Italian on the other pages."""
    locale = Path(indagine.__file__).parent / "locale"
    catalogs = {
        code: gettext.translation("django", localedir=locale, languages=[code])._catalog  # type: ignore[attr-defined]
        for code in ("fr", "de", "es")
    }
    keys = {code: {k for k in catalog if k} for code, catalog in catalogs.items()}
    assert keys[lang] == keys["fr"] == keys["de"] == keys["es"]
    assert all(text for text in catalogs[lang].values())
