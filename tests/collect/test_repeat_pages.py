"""Repeats on the respondent's pages (#15.6): instances drawn as groups named by the repeat and
their number, as many as the form's count says or as the respondent adds; Add and Remove are
submit buttons that work without the script; each instance's errors at its own question; what
is stored is a list of instances."""

from __future__ import annotations

import re
import textwrap

import pytest

from indagine.collect.models import Response
from indagine.surveys import services as surveys

FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | repeat_count | relevant | required | constraint |
| | integer | n_sites | Quante sedi ha il contact center? | How many sites? | | | yes | . <= 20 |
| | begin_repeat | site | Sede | Site | ${n_sites} | ${n_sites} > 0 | | |
| | text | city | Città della sede ${n_sites} | City | | | yes | |
| | integer | seats | Postazioni | Seats | | | | . > 0 |
| | select_one yn | remote | Lavorano anche da remoto? | Remote too? | | ${seats} > 10 | yes | |
| | end_repeat | | | | | | | |
| | begin_repeat | colleague | Collega | Colleague | | | | |
| | text | role | Ruolo | Role | | | yes | |
| | end_repeat | | | | | | | |
| | text | comment | Commento | Comment | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | yn | yes | Sì | Yes |
| | yn | no | No | No |
| settings |
| | form_title | form_id | default_language |
| | Sedi | sites | Italiano (it) |
"""
KEY = "r" * 43


@pytest.fixture
def sites(db):
    imported = surveys.import_form(textwrap.dedent(FORM).encode(), "sites.md", slug="sites")
    return surveys.open_survey(imported.survey)


def _post(client, page, data, action="next"):
    body = {"_page": str(page), "_key": KEY, "_action": action, "_lang": "en", **data}
    return client.post("/s/sites/", body)


def _page(client, number):
    return client.get(f"/s/sites/?page={number}&lang=en").content.decode()


def _answers():
    return Response.objects.get().answers


def _instances(html):
    return re.findall(r'<fieldset class="instance" id="([\w-]+)"><legend>([^<]+)</legend>', html)


def test_the_count_sets_the_instances_each_asked_in_its_own_group(client, sites):
    assert _post(client, 0, {"n_sites": "2"}).status_code == 302
    html = _page(client, 1)
    assert _instances(html) == [("site-1", "Site 1"), ("site-2", "Site 2")]
    assert 'name="city[1]"' in html and 'name="city[2]"' in html
    assert 'name="site[]" value="2"' in html
    assert "add:site" not in html and "remove:site" not in html  # the form sets how many
    reply = _post(
        client,
        1,
        {"site[]": "2", "city[1]": "", "seats[1]": "30", "city[2]": "Bari", "seats[2]": "4"},
    )
    html = reply.content.decode()
    assert reply.status_code == 200
    # each error at its own instance's question, named by it in the summary
    assert re.search(r'href="#q-city\[1\]"><span class="summary-question">Site 1: City', html)
    assert re.search(r'href="#q-remote\[1\]"><span class="summary-question">Site 1: Remote', html)
    assert "city[2]" not in re.findall(r'href="#q-([^"]+)"', html)
    _post(
        client,
        1,
        {"site[]": "2", "city[1]": "Roma", "seats[1]": "30", "remote[1]": "yes",
         "city[2]": "Bari", "seats[2]": "4"},
    )  # fmt: skip
    assert _answers()["site"] == [
        {"city": "Roma", "seats": 30, "remote": "yes"},
        {"city": "Bari", "seats": 4},
    ]


def test_instances_are_added_and_removed_without_the_script(client, sites):
    reply = _post(client, 0, {"n_sites": "0"})
    assert reply["Location"].endswith("page=2")  # no site: its page is skipped
    html = _page(client, 2)
    assert "None added yet." in html and _instances(html) == []
    reply = _post(client, 2, {"colleague[]": "0"}, action="add:colleague")
    assert reply.status_code == 302 and reply["Location"].endswith("page=2#colleague-1")
    assert _instances(_page(client, 2)) == [("colleague-1", "Colleague 1")]
    _post(client, 2, {"colleague[]": "1", "role[1]": "Team leader"}, action="add:colleague")
    html = _page(client, 2)
    assert _instances(html) == [("colleague-1", "Colleague 1"), ("colleague-2", "Colleague 2")]
    assert 'value="Team leader"' in html
    assert 'value="remove:colleague:2" class="secondary remove">Remove Colleague 2</button>' in html
    _post(
        client, 2, {"colleague[]": "2", "role[1]": "Team leader", "role[2]": "Operatore"},
        action="remove:colleague:1",
    )  # fmt: skip
    assert _answers()["colleague"] == [{"role": "Operatore"}]  # the second moved up
    # an instance left empty is the respondent's to fill or remove: Next says so at it
    _post(client, 2, {"colleague[]": "1", "role[1]": "Operatore"}, action="add:colleague")
    reply = _post(client, 2, {"colleague[]": "2", "role[1]": "Operatore", "role[2]": ""})
    assert reply.status_code == 200 and 'href="#q-role[2]"' in reply.content.decode()
    _post(client, 2, {"colleague[]": "2", "role[1]": "Operatore"}, action="remove:colleague:2")
    assert _post(client, 2, {"colleague[]": "1", "role[1]": "Operatore"}).status_code == 302
    assert _post(client, 3, {"comment": "ok"}).status_code == 302
    response = Response.objects.get()
    assert response.status == Response.Status.COMPLETE
    assert response.answers["colleague"] == [{"role": "Operatore"}]
    assert "site" not in response.answers  # its repeat did not apply


def test_enter_in_a_box_presses_next_not_remove(client, sites):
    _post(client, 0, {"n_sites": "0"})
    _post(client, 2, {"colleague[]": "0"}, action="add:colleague")
    html = _page(client, 2)
    first = re.search(r'<button type="submit" name="_action" value="([^"]+)"', html)
    assert first is not None and first[1] == "next"


@pytest.mark.parametrize(
    ("page", "data", "action", "code"),
    [
        (2, {"colleague[]": "1"}, "remove:colleague:3", "SUBMISSION_BAD_ACTION"),
        (2, {"colleague[]": "1"}, "add:site", "SUBMISSION_BAD_ACTION"),  # its count is set
        (2, {"colleague[]": "1"}, "remove:colleague", "SUBMISSION_BAD_ACTION"),
        (2, {"colleague[]": "1", "role[x]": "a"}, "next", "SUBMISSION_UNKNOWN_FIELD"),
        (2, {"colleague[]": "1", "city[1]": "a"}, "next", "SUBMISSION_UNKNOWN_FIELD"),
    ],
)
def test_what_no_page_sends_is_refused_whole(client, sites, page, data, action, code):
    _post(client, 0, {"n_sites": "0"})
    _post(client, 2, {"colleague[]": "0"}, action="add:colleague")
    before = _answers()
    reply = _post(client, page, data, action=action)
    assert reply.status_code == 400 and code in reply.content.decode()
    assert _answers() == before


def test_a_demo_fills_the_instances_and_a_csv_import_is_refused_whole(sites, tmp_path):
    from indagine.collect.transfer import add_synthetic, import_csv
    from indagine.web.refusals import Refused

    assert add_synthetic("sites", 12, seed=5) == 12
    stored = [r.answers for r in Response.objects.all()]
    for answers in stored:
        sites_given = answers.get("site", [])
        assert len(sites_given) == answers["n_sites"]  # as many as the count says
        assert all(s.get("city") for s in sites_given)  # each instance's required answer
        assert all(("remote" in s) == (s.get("seats", 0) > 10) for s in sites_given)
    assert {len(a.get("colleague", [])) for a in stored} - {0} != set()  # some added some
    path = tmp_path / "rows.csv"
    path.write_text("n_sites,site-city\n1,Roma\n", encoding="utf-8")
    with pytest.raises(Refused) as refused:
        import_csv("sites", path)
    assert refused.value.code == "CSV_REPEATS"
    assert Response.objects.count() == 12  # nothing stored


def test_the_organiser_reads_each_instance_named(client, sites, django_user_model):
    _post(client, 0, {"n_sites": "1"})
    _post(client, 1, {"site[]": "1", "city[1]": "Roma", "seats[1]": "3"})
    _post(client, 2, {"colleague[]": "1", "role[1]": "Team leader"}, action="add:colleague")
    pk = Response.objects.get().pk
    organiser = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(organiser)
    html = client.get(f"/manage/sites/responses/{pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td></tr>', html)
    assert rows == [
        ("How many sites?", "1"),
        ("Site 1: City", "Roma"),
        ("Site 1: Seats", "3"),
        ("Colleague 1: Role", "Team leader"),
    ]


def test_words_typed_in_an_instance_find_its_response(client, sites, django_user_model):
    _post(client, 0, {"n_sites": "1"})
    _post(client, 1, {"site[]": "1", "city[1]": "Castellammare", "seats[1]": "3"})
    client.force_login(django_user_model.objects.create_superuser("o", password="pw-x-123456"))
    found = client.get("/manage/sites/responses/?q=castellammare").content.decode()
    missing = client.get("/manage/sites/responses/?q=palermo").content.decode()
    pk = Response.objects.get().pk
    assert f"/responses/{pk}/" in found and f"/responses/{pk}/" not in missing


def test_a_count_above_what_a_page_shows_is_said_on_it(client, db):
    text = FORM.replace(". <= 20", ". <= 100000")
    imported = surveys.import_form(textwrap.dedent(text).encode(), "big.md", slug="sites")
    surveys.open_survey(imported.survey)
    _post(client, 0, {"n_sites": "250"})
    html = _page(client, 1)
    assert len(_instances(html)) == 100
    assert '<p class="notice">Only the first 100 are asked here.</p>' in html
    assert "Only the first" not in _page(client, 0)


# A family form as organisers write one: a repeat on a page with another question, asked only
# of those with children, each child named in its own legend and messages.
FAMILY = """
| survey |
| | type | name | label | relevant | constraint | constraint_message | required |
| | begin_group | home | Home | | | | |
| | select_one yn | has_kids | Any children? | | | | yes |
| | begin_repeat | kid | Child ${kname} | ${has_kids} = 'yes' | | | |
| | text | kname | Name | | | | yes |
| | integer | age | Age of ${kname} | | . < 18 | ${kname} must be under 18 | |
| | end_repeat | | | | | | |
| | end_group | | | | | | |
| | note | first | The first child: ${kname} | | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
"""


@pytest.fixture
def family(db):
    imported = surveys.import_form(textwrap.dedent(FAMILY).encode(), "family.md", slug="family")
    return surveys.open_survey(imported.survey)


def _family(client, data, action="next"):
    body = {"_page": "0", "_key": "f" * 43, "_action": action, "_lang": "und", **data}
    return client.post("/s/family/", body)


def test_a_repeat_that_does_not_apply_is_not_drawn(client, family):
    html = client.get("/s/family/").content.decode()
    assert "r-kid" not in html and "add:kid" not in html  # no answer yet: no children asked
    _family(client, {"has_kids": "yes", "kid[]": "0"}, action="add:kid")
    html = client.get("/s/family/?page=0").content.decode()
    assert 'id="r-kid"' in html and "add:kid" in html


def test_each_instance_named_by_its_own_answers_in_legend_and_messages(client, family):
    data = {"has_kids": "yes", "kid[]": "2", "kname[1]": "Anna", "age[1]": "20"}
    _family(client, {"has_kids": "yes", "kid[]": "0"}, action="add:kid")
    _family(client, {"has_kids": "yes", "kid[]": "1"}, action="add:kid")
    reply = _family(client, {**data, "kname[2]": "Bruno", "age[2]": "3"})
    html = reply.content.decode()
    assert _instances(html) == [("kid-1", "1. Child Anna"), ("kid-2", "2. Child Bruno")]
    assert "Anna must be under 18" in html  # its own sibling, not empty
    _family(client, {**data, "age[1]": "12", "kname[2]": "Bruno", "age[2]": "3"})
    html = client.get("/s/family/?page=1").content.decode()
    assert "The first child: Anna" in html  # outside the repeat: its first instance


@pytest.mark.parametrize(
    "forged",
    [
        {"kid[]": "²"},  # a digit to isdigit(), not to int()
        {"kid[]": "abc"},
        {"kid[]": "1", "kname[0]": "x"},
        {"kid[]": "1", "kname[2]": "x"},  # beyond the instances shown
        {"kid[]": "1", "kname[01]": "x"},
        {"kid[]": "1", "kname[1x": "x"},
    ],
)
def test_forged_instance_fields_are_refused_whole(client, family, forged):
    reply = _family(client, {"has_kids": "yes", **forged})
    assert reply.status_code == 400
    assert "SUBMISSION_UNKNOWN_FIELD" in reply.content.decode()
    assert not Response.objects.exists()


def test_a_language_switch_before_typing_stores_nothing(client, sites):
    _post(client, 0, {"n_sites": "0"})
    Response.objects.all().delete()
    client.cookies.clear()
    reply = client.post(
        "/s/sites/",
        {"_page": "2", "_key": "s" * 43, "_switch": "it", "_lang": "en", "colleague[]": "0"},
    )
    assert reply.status_code == 302 and not Response.objects.exists()


def test_the_preview_shows_a_repeats_questions(client, sites, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("o", password="pw-x-123456"))
    html = client.get("/manage/sites/preview/?page=2&lang=en").content.decode()
    assert 'name="role[1]"' in html and "Colleague 1" in html


def test_a_question_moved_into_a_repeat_is_refused_once_answered(client, db):
    from indagine.surveys.codes import SurveyError

    once = "| survey |\n| | type | name | label |\n| | text | city | City |\n"
    inside = (
        "| survey |\n| | type | name | label |\n| | begin_repeat | site | Site |\n"
        "| | text | city | City |\n| | end_repeat | | |\n"
    )
    survey = surveys.open_survey(surveys.import_form(once.encode(), "v1.md", slug="v").survey)
    surveys.import_form(inside.encode(), "v2.md", slug="v")  # no answers yet: a draft's change
    surveys.import_form(once.encode(), "v3.md", slug="v")
    client.post("/s/v/", {"_page": "0", "_key": "v" * 43, "_action": "next", "_lang": "und",
                          "city": "Roma"})  # fmt: skip
    assert Response.objects.filter(survey=survey).count() == 1
    with pytest.raises(SurveyError) as refused:
        surveys.import_form(inside.encode(), "v4.md", slug="v")
    assert refused.value.code == "SURVEY_REPEAT_MOVED"
    assert survey.versions.count() == 3  # nothing stored


def test_add_waits_until_a_wrong_answer_is_put_right(client, family):
    _family(client, {"has_kids": "yes", "kid[]": "0"}, action="add:kid")
    sent = {"has_kids": "yes", "kid[]": "1", "kname[1]": "Anna", "age[1]": "20"}
    reply = _family(client, sent, action="add:kid")
    html = reply.content.decode()
    assert reply.status_code == 200 and "Anna must be under 18" in html
    assert 'name="age[1]" id="in-age[1]" value="20"' in html  # what was typed, kept to fix
    assert len(Response.objects.get().answers["kid"]) == 1  # no instance added yet
    reply = _family(client, {**sent, "age[1]": "12"}, action="add:kid")
    assert reply.status_code == 302  # an empty required answer does not hold it
    assert Response.objects.get().answers["kid"] == [{"kname": "Anna", "age": 12}, {}]
