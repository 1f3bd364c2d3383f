"""The respondent's pages through Django's test client: navigation, skip logic, validation."""

from __future__ import annotations

import re

import pytest
from django.test.utils import override_script_prefix

from indagine.collect.models import Response


def post(client, slug, page, data, key="k" * 43, action="next", **extra):
    body = {"_page": str(page), "_key": key, "_action": action, **data}
    return client.post(f"/s/{slug}/", body, **extra)


def test_first_page_renders_questions_with_fieldsets(client, open_survey):
    page = client.get("/s/small/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<fieldset" in html and "<legend>Tipo</legend>" in html
    assert 'name="_key"' in html
    assert "Pagina 1 di 3" in html or "Page 1 of 3" in html


def test_no_cache_stores_a_page_that_carries_a_respondent_key(client, open_survey):
    """A first page carries a new respondent key: a shared cache serving it to several people
    would file all their answers under one key. So would a page shown again with errors."""
    first = client.get("/s/small/")
    again = post(client, "small", 0, {})  # an answer missing: the page again, with the key
    for page in (first, again):
        assert page.status_code == 200 and 'name="_key"' in page.content.decode()
        rules = {rule.strip() for rule in page["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= rules


def test_a_survey_address_answers_head_requests(client, open_survey):
    """Link checkers and uptime monitors ask with HEAD: the address works, nothing is stored."""
    reply = client.head("/s/small/")
    assert reply.status_code == 200 and reply.content == b""
    assert client.put("/s/small/").status_code == 405
    assert Response.objects.count() == 0


def test_the_page_posts_to_its_own_address_under_any_script_prefix(client, open_survey):
    html = client.get("/s/small/").content.decode()
    assert 'action="/s/small/"' in html and 'data-relevance="/s/small/relevance/"' in html
    with override_script_prefix("/club/"):  # served under /club/, as WSGI's SCRIPT_NAME says
        mounted = client.get("/s/small/").content.decode()
        reply = post(client, "small", 0, {})  # an answer missing: the page again
    assert 'action="/club/s/small/"' in mounted
    assert 'data-relevance="/club/s/small/relevance/"' in mounted
    assert reply.status_code == 200 and 'action="/club/s/small/"' in reply.content.decode()


def test_a_respondent_goes_through_every_page_and_finishes(client, open_survey):
    reply = post(client, "small", 0, {"org": "bpo"})
    assert reply.status_code == 302 and reply["Location"].endswith("?page=1")
    reply = post(client, "small", 1, {"share": "82,5", "tools": ["vpn", "cloud"]})
    assert reply["Location"].endswith("?page=2")
    reply = post(client, "small", 2, {"comment": "tutto bene"})
    assert reply.status_code == 302 and "/s/small/thanks/" in reply["Location"]
    response = Response.objects.get()
    assert response.status == Response.Status.COMPLETE
    assert response.answers == {
        "org": "bpo",
        "share": 82.5,
        "tools": ["vpn", "cloud"],
        "comment": "tutto bene",
    }


def test_each_page_stores_its_answers_and_times_as_the_database_reads_them(client, open_survey):
    post(client, "small", 0, {"org": "bpo"})
    started = Response.objects.get()
    assert (started.status, started.page, started.language) == ("partial", 1, "it")
    assert started.started_at == started.updated_at and started.completed_at is None
    post(client, "small", 1, {"share": "5"})
    middle = Response.objects.get()
    assert middle.started_at == started.started_at and middle.updated_at > started.updated_at
    assert (middle.page, middle.answers) == (2, {"org": "bpo", "share": 5.0})
    post(client, "small", 2, {"comment": "fine"}, HTTP_ACCEPT_LANGUAGE="en")
    done = Response.objects.get()
    assert done.status == "complete" and done.started_at == started.started_at
    assert done.completed_at == done.updated_at >= middle.updated_at
    assert (done.source, done.form_version_id) == ("web", open_survey.current_version_id)


def test_validation_errors_are_shown_beside_the_question_and_in_a_summary(client, open_survey):
    post(client, "small", 0, {"org": "bpo"})
    reply = post(client, "small", 1, {"share": "180"})
    html = reply.content.decode()
    assert reply.status_code == 200
    assert 'class="error-summary"' in html and 'href="#q-share"' in html
    assert "Tra 0 e 100" in html and 'aria-invalid="true"' in html
    assert Response.objects.get().page == 1


def test_skip_logic_without_javascript_reveals_the_follow_up_question(client, open_survey):
    reply = post(client, "small", 0, {"org": "other", "_shown": "org"})
    # the same page again, now with the question that applies, and no error for it yet
    assert reply.status_code == 302 and reply["Location"].endswith("?page=0&more=1")
    html = client.get(reply["Location"]).content.decode()
    assert 'id="q-org_other" data-name="org_other">' in html
    assert "error-summary" not in html
    assert "aggiungono altre domande a questa pagina" in html  # says why the page is back
    reply = post(
        client, "small", 0, {"org": "other", "org_other": "Consulenza", "_shown": "org org_other"}
    )
    assert reply.status_code == 302 and reply["Location"].endswith("?page=1")


def test_forged_choice_is_refused_and_nothing_is_stored(client, open_survey):
    reply = post(client, "small", 0, {"org": "hacker"})
    assert reply.status_code == 400
    assert b"ANSWER_UNKNOWN_CHOICE" in reply.content
    assert not Response.objects.exists()


def test_unknown_field_is_refused(client, open_survey):
    reply = post(client, "small", 0, {"org": "bpo", "evil": "x"})
    assert reply.status_code == 400 and b"SUBMISSION_UNKNOWN_FIELD" in reply.content
    assert not Response.objects.exists()


def test_text_over_the_limit_is_refused(client, open_survey, settings):
    settings.INDAGINE_MAX_TEXT_LENGTH = 20
    post(client, "small", 0, {"org": "bpo"})
    post(client, "small", 1, {"share": "10"})
    reply = post(client, "small", 2, {"comment": "x" * 21})
    assert reply.status_code == 400 and b"ANSWER_TOO_LONG" in reply.content
    assert Response.objects.get().status == Response.Status.PARTIAL


def test_closed_survey_refuses_answers_and_says_so(client, open_survey):
    from indagine.surveys.services import close_survey

    close_survey(open_survey)
    assert "chiusa" in client.get("/s/small/").content.decode()
    reply = post(client, "small", 0, {"org": "bpo"})
    assert reply.status_code == 403 and not Response.objects.exists()


def test_a_repeated_final_post_stores_one_response(client, open_survey):
    post(client, "small", 0, {"org": "bpo"})
    post(client, "small", 1, {"share": "5"})
    first = post(client, "small", 2, {"comment": "uno"})
    second = post(client, "small", 2, {"comment": "due"})
    assert first["Location"] == second["Location"]
    assert Response.objects.count() == 1
    assert Response.objects.get().answers["comment"] == "uno"


def test_csrf_is_enforced(open_survey):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    reply = post(strict, "small", 0, {"org": "bpo"})
    assert reply.status_code == 403 and not Response.objects.exists()


def _strict_with_page():
    """A browser that checks CSRF, holding the first page's cookie and token."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    html = strict.get("/s/small/").content.decode()
    return strict, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


@pytest.mark.parametrize(
    ("cookie", "token", "origin", "lang", "code", "text"),
    [
        (False, True, None, "it", "CSRF_COOKIE", "Consenti i cookie per questo sito"),
        (True, False, None, "en", "CSRF_TOKEN", "security token is missing or out of date"),
        (True, "forged", None, "it", "CSRF_TOKEN", "Ricarica la pagina"),
        (True, True, "https://elsewhere.example", "en", "CSRF_ORIGIN", "does not recognise"),
    ],
)
def test_a_refused_csrf_check_says_why_with_a_code_in_the_page_language(
    open_survey, cookie, token, origin, lang, code, text
):
    strict, real = _strict_with_page()
    if not cookie:
        strict.cookies.clear()
    data = {"org": "bpo", "_lang": lang}
    if token:
        data["csrfmiddlewaretoken"] = real if token is True else "x" * 64
    extra = {"HTTP_ORIGIN": origin} if origin else {}
    reply = post(strict, "small", 0, data, **extra)
    html = reply.content.decode()
    assert reply.status_code == 403 and code in html and text in html
    assert f'<html lang="{lang}">' in html
    assert not Response.objects.exists()


def test_the_same_post_with_its_cookie_and_token_is_accepted(open_survey):
    strict, real = _strict_with_page()
    reply = post(strict, "small", 0, {"org": "bpo", "csrfmiddlewaretoken": real})
    assert reply.status_code == 302 and Response.objects.count() == 1


def test_resume_continues_where_the_respondent_stopped(client, open_survey):
    key = "r" * 43
    post(client, "small", 0, {"org": "bpo"}, key=key)
    post(client, "small", 1, {"share": "40"}, key=key, action="save")
    client.cookies.clear()
    reply = client.get(f"/s/small/r/{key}/")
    assert reply.status_code == 302
    page = client.get("/s/small/")
    assert 'value="40"' in page.content.decode()


def test_guessing_resume_links_is_rate_limited(client, open_survey, settings):
    from django.core.cache import caches

    caches["ratelimit"].clear()
    settings.INDAGINE_TOKEN_RATE = "2/m"
    key = "r" * 43
    post(client, "small", 0, {"org": "bpo"}, key=key)
    guesser = client.__class__()
    for guess in ("g" * 43, "h" * 43):
        assert guesser.get(f"/s/small/r/{guess}/").status_code == 404
    reply = guesser.get(f"/s/small/r/{key}/")  # even the right one, from this address, now
    assert reply.status_code == 429 and b"RATE_LIMITED" in reply.content


def test_language_switch(client, open_survey):
    html = client.get("/s/small/?lang=en").content.decode()
    assert "<legend>Type</legend>" in html and 'lang="en"' in html


def test_switching_language_keeps_what_was_typed_on_the_page(client, open_survey):
    key = "w" * 43
    post(client, "small", 0, {"org": "bpo"}, key=key)
    # on page 2, a share typed, then the language button instead of Next
    reply = post(client, "small", 1, {"share": "40", "_switch": "en", "_lang": "it"}, key=key)
    assert reply.status_code == 302 and reply["Location"].endswith("?page=1")  # no "saved"
    page = client.get(reply["Location"]).content.decode()
    assert '<html lang="en"' in page and 'value="40"' in page
    assert Response.objects.get().language == "en"
    assert client.get("/s/small/").content.decode().count('<html lang="en"') == 1  # it sticks


def test_a_new_respondent_switching_language_stores_nothing(client, open_survey):
    reply = post(client, "small", 0, {"_switch": "en"})
    assert reply.status_code == 302 and reply["Location"].endswith("?page=0&lang=en")
    assert '<html lang="en"' in client.get(reply["Location"]).content.decode()
    assert Response.objects.count() == 0


def test_labels_are_escaped(client, db):
    from indagine.surveys.services import import_form, open_survey

    source = b"| survey |\n| | type | name | label |\n| | text | x | <script>alert(1)</script> **bold** |\n"
    open_survey(import_form(source, "x.md", slug="xss").survey)
    html = client.get("/s/xss/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "<strong>bold</strong>" in html


def test_the_error_summary_names_each_question_as_plain_escaped_text(client, db):
    from indagine.surveys.services import import_form, open_survey

    source = (
        b"| survey |\n| | type | name | label | required |\n"
        b"| | text | a | R&D **budget** <b>x</b> | yes |\n"
    )
    open_survey(import_form(source, "x.md", slug="summary").survey)
    html = post(client, "summary", 0, {}).content.decode()
    summary = html[html.index('id="error-summary"') : html.index("</ul>")]
    assert (
        '<a href="#q-a"><span class="summary-question">R&amp;D budget &lt;b&gt;x&lt;/b&gt;</span>'
        in summary
    )
    assert "</span> – Questa domanda richiede una risposta.</a>" in summary


def test_the_interface_words_of_a_question_are_translated(client, open_survey):
    post(client, "small", 0, {"org": "bpo"})
    post(client, "small", 1, {"share": "5"})
    html = client.get("/s/small/?page=2").content.decode()
    assert "(facoltativa)" in html
    english = client.get("/s/small/?page=2&lang=en").content.decode()
    assert "(optional)" in english
    error = post(client, "small", 1, {"share": "500"}).content.decode()
    assert '<span class="visually-hidden">Errore:</span>' in error


def test_a_hidden_question_counts_as_unanswered_for_the_questions_after_it():
    """Ticking 'other' tools, then answering that no one works remotely, hides the tools and
    with them 'which other tools?' (the page's script asks which questions apply)."""
    from importlib import resources

    from indagine.collect.pages import visible_questions
    from indagine.forms.loader import load_form

    source = resources.files("indagine.library").joinpath("remote_working_2020.md").read_bytes()
    form = load_form(source, "remote_working_2020.md").form
    page = next(
        i for i, p in enumerate(form.pages) if any(q.name == "remote_tools" for q in p.questions)
    )
    some = {"remote": ["most"], "remote_tools": ["other"]}
    assert {"remote_tools", "remote_tools_other"} <= visible_questions(form, page, some, {})[0]
    none = {"remote": ["no"], "remote_tools": ["other"]}
    assert not {"remote_tools", "remote_tools_other"} & visible_questions(form, page, none, {})[0]


@pytest.mark.parametrize("number", ["\u00b2", "\u0663", "9" * 5000, "-1", " 1"])
def test_a_page_number_that_is_no_number_is_refused_not_a_server_error(client, open_survey, number):
    """'²' passes str.isdigit() and then fails int(); 5,000 digits make int() raise."""
    assert client.get("/s/small/", {"page": number}).status_code == 200  # the first page
    reply = post(client, "small", number, {"org": "bpo"})
    assert reply.status_code == 400 and "SUBMISSION_BAD_PAGE" in reply.content.decode()
    relevance = client.post("/s/small/relevance/", {"_page": number, "_key": "k" * 43})
    assert relevance.status_code == 400
    assert Response.objects.count() == 0


@pytest.mark.parametrize("key", ["1", "k" * 31, "k" * 101, "k" * 40 + "<>!"])
def test_a_key_the_server_did_not_make_is_refused(client, open_survey, key):
    """A client-chosen key such as '1' would let anyone who guesses it read those answers."""
    reply = post(client, "small", 0, {"org": "bpo"}, key=key)
    assert reply.status_code == 400 and "SUBMISSION_BAD_KEY" in reply.content.decode()
    assert Response.objects.count() == 0


def test_a_key_of_another_survey_is_refused_not_a_server_error(
    client, open_survey, small_form_source
):
    from indagine.surveys.services import import_form
    from indagine.surveys.services import open_survey as open_it

    open_it(import_form(small_form_source, "small.md", slug="other").survey)
    assert post(client, "small", 0, {"org": "bpo"}).status_code == 302
    reply = post(client, "other", 0, {"org": "bpo"})  # the same key, sent to another survey
    assert reply.status_code == 409 and "SUBMISSION_BAD_KEY" in reply.content.decode()
    assert Response.objects.count() == 1


def test_a_form_whose_pages_all_depend_on_later_answers_says_so_not_a_server_error(client, db):
    from indagine.surveys.services import import_form, open_survey

    source = b"""
| survey |
| | type | name | label | relevant |
| | begin_group | p1 | P1 | ${b} > 1 |
| | integer | a | A | |
| | end_group | | | |
| | integer | b | B | ${a} > 1 |
"""
    imported = import_form(source, "late.md", slug="late")  # passes: no loop, just no page
    open_survey(imported.survey)
    page = client.get("/s/late/")
    text = page.content.decode()
    assert page.status_code == 200 and "Non è possibile rispondere a questa indagine" in text


def test_the_saved_notice_is_for_the_respondent_whose_answers_are_saved(client, open_survey):
    key = "s" * 43
    post(client, "small", 0, {"org": "bpo"}, key=key)
    reply = post(client, "small", 1, {"share": "40"}, key=key, action="save")
    assert reply["Location"].endswith("?page=1&saved=1")
    mine = client.get(reply["Location"]).content.decode()
    assert 'class="notice"' in mine and f"/s/small/r/{key}/" in mine
    stranger = client.__class__().get(reply["Location"]).content.decode()  # no cookie
    assert 'class="notice"' not in stranger and "/r/" not in stranger


def test_a_decimal_comes_back_as_it_was_typed_in_italian(client, open_survey):
    key = "d" * 43
    post(client, "small", 0, {"org": "bpo"}, key=key)
    post(client, "small", 1, {"share": "45,5"}, key=key, action="save")
    assert 'value="45,5"' in client.get("/s/small/?page=1").content.decode()
    assert 'value="45.5"' in client.get("/s/small/?page=1&lang=en").content.decode()


def test_a_wrong_resume_link_answers_in_the_surveys_language(client, open_survey):
    reply = client.get(f"/s/small/r/{'x' * 43}/", HTTP_ACCEPT_LANGUAGE="en")
    assert reply.status_code == 404 and '<html lang="it"' in reply.content.decode()
    assert "Questo link non funziona" in reply.content.decode()


def test_or_other_and_a_multiple_default_work_on_the_page(client, db):
    from indagine.surveys.services import import_form, open_survey

    source = b"""
| survey |
| | type | name | label | default |
| | select_one yn or_other | pet | Pet? | |
| | select_multiple fruit | fruits | Fruits? | apple pear |
| choices |
| | list_name | name | label |
| | yn | y | Yes |
| | yn | n | No |
| | fruit | apple | Apple |
| | fruit | pear | Pear |
| | fruit | kiwi | Kiwi |
"""
    open_survey(import_form(source, "other.md", slug="other").survey)
    page = client.get("/s/other/")
    assert page.status_code == 200 and 'value="other"' in page.content.decode()
    key = "o" * 43
    reply = post(client, "other", 0, {"pet": "other"}, key=key)
    assert reply["Location"].endswith("?page=1")  # the 'specify' question, on its own page
    assert "pet_other" in client.get(reply["Location"]).content.decode()
    reply = post(client, "other", 1, {"pet_other": "Gatto"}, key=key)
    assert reply.status_code == 302 and reply["Location"].endswith("?page=2")
    assert Response.objects.get().answers == {"pet": "other", "pet_other": "Gatto"}
    fruits = client.get("/s/other/?page=2").content.decode()
    assert re.search(r'value="apple"[^>]*checked', fruits) and re.search(
        r'value="pear"[^>]*checked', fruits
    )
    assert not re.search(r'value="kiwi"[^>]*checked', fruits)


def test_a_constraint_message_names_the_answers_it_refers_to(client, db):
    from indagine.surveys.services import import_form, open_survey

    source = b"""
| survey |
| | type | name | label | constraint | constraint_message |
| | begin_group | p | P | | |
| | integer | age | Age | | |
| | integer | years | Years in the job | . < ${age} | Must be less than ${age} |
| | end_group | | | | |
"""
    open_survey(import_form(source, "c.md", slug="limits").survey)
    reply = post(client, "limits", 0, {"age": "40", "years": "50"})
    html = reply.content.decode()
    assert reply.status_code == 200 and "Must be less than 40" in html and "${age}" not in html


CASCADE = b"""
| survey |
| | type | name | label | choice_filter |
| | begin_group | where | Where | |
| | select_one country | country | Country | |
| | select_one city | city | City | country=${country} |
| | end_group | | | |
| | text | why | Why? | |
| choices |
| | list_name | name | label | country |
| | country | it | Italy | |
| | country | fr | France | |
| | city | rome | Rome | it |
| | city | milan | Milan | it |
| | city | paris | Paris | fr |
"""


def test_a_cascading_select_on_one_page_waits_then_offers_the_choices_that_apply(client, db):
    """Without the page's script the city waits hidden and the page comes back with Italy's
    cities; with it, the relevance answer names the choices that apply."""
    from indagine.surveys.services import import_form, open_survey

    open_survey(import_form(CASCADE, "cascade.md", slug="cascade").survey)
    first = client.get("/s/cascade/").content.decode()
    assert re.search(r'id="q-city" data-name="city" hidden', first)
    key = "c" * 43
    reply = post(client, "cascade", 0, {"country": "it", "_shown": "country"}, key=key)
    assert reply["Location"].endswith("?page=0&more=1")  # the city now applies
    again = client.get(reply["Location"]).content.decode()
    assert not re.search(r'id="q-city" data-name="city" hidden', again)
    assert re.search(r'<div class="option" hidden><input[^>]*value="paris"', again)
    assert re.search(r'<div class="option"><input[^>]*value="rome"', again)
    relevance = client.post(
        "/s/cascade/relevance/", {"_page": "0", "_key": key, "country": "fr"}
    ).json()
    assert relevance["choices"] == {"city": ["paris"]} and "city" in relevance["visible"]
    reply = post(client, "cascade", 0, {"country": "it", "city": "rome"}, key=key)
    assert reply.status_code == 302 and reply["Location"].endswith("?page=1")
    assert Response.objects.get().answers == {"country": "it", "city": "rome"}
    # without the script, a respondent who changes the country with Paris still ticked is
    # asked again at the city (it was refused as a forged request, a dead end)
    changed = post(client, "cascade", 0, {"country": "it", "city": "paris"}, key=key)
    assert changed.status_code == 200
    assert [q.name for q in changed.context["questions"] if q.error] == ["city"]
    forged = post(client, "cascade", 0, {"country": "it", "city": "berlin"}, key=key)
    assert forged.status_code == 400 and "ANSWER_UNKNOWN_CHOICE" in forged.content.decode()


COUNTIES = """
| survey |
| | type | name | label | choice_filter | appearance |
| | begin_group | where | Where | | field-list |
| | select_one state | state | State | | |
| | select_one county | county | County | state=${state} | |
| | end_group | | | | |
| choices |
| | list_name | name | label | state |
| | state | wa | Washington | |
| | state | tx | Texas | |
| | county | king | King | wa |
| | county | pierce | Pierce | wa |
| | county | king | King | tx |
| | county | travis | Travis | tx |
| settings |
| | allow_choice_duplicates | |
| | yes | |
"""


def test_a_name_on_two_rows_of_a_filtered_list_is_shown_once(client, db):
    """With allow_choice_duplicates, 'King' is a county of two states: the filter keeps a row,
    not a name, so Washington's page shows one King (it showed two), and the script is told
    the rows that apply."""
    from indagine.surveys.services import import_form, open_survey

    open_survey(import_form(COUNTIES.encode(), "counties.md", slug="counties").survey)
    key = "d" * 43
    reply = post(client, "counties", 0, {"state": "wa", "_shown": "state"}, key=key)
    page = client.get(reply["Location"])
    county = next(q for q in page.context["questions"] if q.name == "county")
    assert [(c.name, c.hidden) for c in county.choices] == [
        ("king", False),
        ("pierce", False),
        ("king", True),
        ("travis", True),
    ]
    html = page.content.decode()
    assert len(re.findall(r'<div class="option"><input[^>]*value="king"', html)) == 1
    relevance = client.post(
        "/s/counties/relevance/", {"_page": "0", "_key": key, "state": "tx"}
    ).json()
    assert relevance["rows"] == {"county": [2, 3]}
    assert relevance["choices"] == {"county": ["king", "travis"]}
    reply = post(client, "counties", 0, {"state": "wa", "county": "king"}, key=key)
    assert reply.status_code == 302
    assert Response.objects.get().answers == {"state": "wa", "county": "king"}


def test_a_calculation_in_a_first_page_label_shows_its_value(client, db):
    """`${edition}` in the first page's label showed nothing: nothing was worked out until a
    page was sent. A default counts too, and a question that follows it applies at once."""
    from indagine.surveys.services import import_form, open_survey

    form = """
    | survey |
    | | type | name | label | calculation | default | relevant | appearance |
    | | calculate | edition | | 2020 + 6 | | | |
    | | begin_group | one | One | | | | field-list |
    | | integer | staff | Staff in ${edition}? | | 12 | | |
    | | text | why | Why more than 10 in ${edition}? | | | ${staff} > 10 | |
    | | end_group | | | | | | |
    """
    open_survey(import_form(form.encode(), "calc.md", slug="calc").survey)
    page = client.get("/s/calc/")
    views = {q.name: q for q in page.context["questions"]}
    assert views["staff"].label == "Staff in 2026?" and views["staff"].value == "12"
    assert not views["why"].hidden and views["why"].label == "Why more than 10 in 2026?"


def test_a_page_that_brings_follow_up_questions_does_not_repeat_its_counter(client, open_survey):
    """Without the script, 'Other' brings 'Which?' on the same page: the counter says the page
    goes on ('Page 1 of 3, continued', the bar a half step on), not 'Page 1 of 3' twice."""
    first = client.get("/s/small/?lang=en")
    assert "Page 1 of 3<" in first.content.decode()
    reply = post(client, "small", 0, {"org": "other", "_shown": "org", "_lang": "en"})
    again = client.get(reply["Location"] + "&lang=en")
    html = again.content.decode()
    assert "Page 1 of 3, continued" in html
    assert again.context["percent"] > first.context["percent"]
    italian = client.get(reply["Location"] + "&lang=it").content.decode()
    assert "Pagina 1 di 3, seguito" in italian


def test_the_thank_you_page_offers_what_the_survey_provides(client, open_survey, settings):
    from indagine.results.models import Publication

    plain = client.get("/s/small/thanks/?lang=en").content.decode()
    assert "results so far" not in plain and "organisation's website" not in plain
    settings.INDAGINE_HOME_URL = "https://club.example.org/"
    Publication.objects.create(survey=open_survey, enabled=True)
    html = client.get("/s/small/thanks/?lang=en").content.decode()
    assert 'href="/r/small/?lang=en"' in html and "The survey's results so far" in html
    assert 'href="https://club.example.org/"' in html
    settings.INDAGINE_HOME_URL = "javascript:alert(1)"  # only a web address is linked
    assert "javascript" not in client.get("/s/small/thanks/").content.decode()
