"""`${name}` in a label, a page title and an error message: a choice shows its label in the
page's language (the form's default where it has none there), not its code."""

from __future__ import annotations

import pytest

from indagine.collect.markup import render_label, with_answers
from indagine.collect.models import Response
from indagine.forms.loader import load_form

FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | constraint | constraint_message::Italiano (it) | constraint_message::English (en) | appearance |
| | begin_group | p1 | Chi sei | About you | | | | field-list |
| | select_one ruolo | ruolo | Ruolo | Role | | | | |
| | select_multiple strumenti | strumenti | Strumenti | Tools | | | | |
| | decimal | quota | Quota | Share | | | | |
| | end_group | | | | | | | |
| | begin_group | p2 | Come ${ruolo} | As ${ruolo} | | | | field-list |
| | note | recap | Sei ${ruolo}, usi ${strumenti}, quota ${quota} | You are ${ruolo}, you use ${strumenti}, share ${quota} | | | | |
| | integer | anni | Da quanti anni? | For how many years? | . < 3 | Troppi per ${ruolo} | Too many for ${ruolo} | |
| | end_group | | | | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | ruolo | manager | Responsabile | Manager |
| | ruolo | capo | <b>Capo</b> & co | <b>Boss</b> & co |
| | ruolo | socio | Socio fondatore | |
| | strumenti | vpn | VPN | VPN |
| | strumenti | cloud | **Nuvola** | **Cloud** |
| | strumenti | carta | Carta | Paper |
| settings |
| | form_title | form_id | version | default_language |
| | Ruoli | ruoli | 1 | Italiano (it) |
"""


def post(client, page, data, lang="it"):
    body = {"_page": str(page), "_key": "r" * 43, "_action": "next", "_lang": lang, **data}
    return client.post("/s/ruoli/", body)


@pytest.fixture
def roles(db):
    from indagine.surveys.services import import_form, open_survey

    return open_survey(import_form(FORM.encode(), "ruoli.md", slug="ruoli").survey)


def second_page(client, lang):
    """Page two in `lang`: its context (title, questions) and its HTML."""
    page = client.get(f"/s/ruoli/?page=1&lang={lang}")
    assert page.status_code == 200
    return page.context, page.content.decode()


def test_a_choice_on_an_earlier_page_shows_its_label_in_the_pages_language(client, roles):
    post(client, 0, {"ruolo": "manager", "strumenti": ["vpn", "cloud"], "quota": "82,5"})
    context, html = second_page(client, "it")
    recap = {q.name: q for q in context["questions"]}["recap"]
    assert recap.label == "Sei Responsabile, usi VPN, Nuvola, quota 82,5"
    assert context["page_title"] == "Come Responsabile"
    assert "<h1>Come Responsabile</h1>" in html and "<title>Come Responsabile – Ruoli" in html
    assert "manager" not in html.replace('value="manager"', "")
    context, html = second_page(client, "en")
    recap = {q.name: q for q in context["questions"]}["recap"]
    assert recap.label == "You are Manager, you use VPN, Cloud, share 82.5"
    assert "<h1>As Manager</h1>" in html


def test_a_choice_label_is_escaped_and_its_markup_left_out(client, roles):
    """A choice's label is the form author's text: escaped like any, and its emphasis (which
    would nest inside the other label's) dropped; nothing of it is marked safe unescaped."""
    post(client, 0, {"ruolo": "capo", "strumenti": ["cloud"]})
    context, html = second_page(client, "it")
    assert "<b>Capo</b>" not in html
    assert "<h1>Come &lt;b&gt;Capo&lt;/b&gt; &amp; co</h1>" in html
    recap = {q.name: q for q in context["questions"]}["recap"]
    assert recap.label == "Sei &lt;b&gt;Capo&lt;/b&gt; &amp; co, usi Nuvola, quota "


def test_a_label_missing_in_the_pages_language_falls_back_to_the_forms_default(client, roles):
    post(client, 0, {"ruolo": "socio"})
    assert "<h1>As Socio fondatore</h1>" in second_page(client, "en")[1]


def test_a_constraint_message_shows_the_choices_label(client, roles):
    post(client, 0, {"ruolo": "manager"})
    html = post(client, 1, {"anni": "7"}).content.decode()
    assert "Troppi per Responsabile" in html and "${ruolo}" not in html
    html = post(client, 1, {"anni": "7", "_lang": "en"}, lang="en").content.decode()
    assert "Too many for Manager" in html


def test_a_code_the_list_no_longer_has_shows_as_the_code(client, roles):
    """An answer kept from an older version of the form may name a choice since removed."""
    post(client, 0, {"ruolo": "manager", "strumenti": ["vpn"]})
    Response.objects.update(answers={"ruolo": "dismesso", "strumenti": ["vpn", "fax"]})
    context, _ = second_page(client, "it")
    recap = {q.name: q for q in context["questions"]}["recap"]
    assert context["page_title"] == "Come dismesso"
    assert recap.label == "Sei dismesso, usi VPN, fax, quota "


RANKED = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) |
| | rank priorita | priorita | Ordina | Order |
| | integer | n | Persone | People |
| | date | giorno | Giorno | Day |
| | text | nome | Nome | Name |
| | note | fine | Prima ${priorita}; ${n} persone; il ${giorno}; ${nome} | First ${priorita}; ${n} |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | priorita | tempo | Tempo | Time |
| | priorita | soldi | Soldi | Money |
| settings |
| | form_title | form_id | version | default_language |
| | Priorità | priorita | 1 | Italiano (it) |
"""


def test_a_ranking_shows_its_labels_in_order_and_other_answers_their_values():
    form = load_form(RANKED, "ranked.md").form
    assert form is not None
    text = form.question("fine").label
    answers = {"priorita": "soldi tempo", "n": 12, "giorno": "2026-03-01", "nome": "*<i>"}
    shown = render_label(text.get("it"), answers, form=form, lang="it")
    assert shown == "Prima Soldi, Tempo; 12 persone; il 2026-03-01; *&lt;i&gt;"
    assert render_label(text.get("en"), answers, form=form, lang="en") == "First Money, Time; 12"


def test_without_the_form_an_answer_shows_as_stored():
    """The old call still works: what it shows is the stored value."""
    answers = {"ruolo": "manager", "strumenti": ["vpn", "cloud"], "quota": 1.5}
    assert render_label("${ruolo}: ${strumenti}", answers) == "manager: vpn, cloud"
    assert with_answers("Meno di ${quota}", answers) == "Meno di 1.5"


def test_a_plain_message_takes_the_label_unescaped_for_the_template_to_escape():
    form = load_form(FORM, "ruoli.md").form
    assert form is not None
    answers = {"ruolo": "capo", "quota": 40.0}
    message = with_answers("Per ${ruolo}: ${quota}", answers, form=form, lang="it")
    assert message == "Per <b>Capo</b> & co: 40"
