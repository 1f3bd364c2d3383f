"""Choices in random order (`randomize=true`): each respondent's own order, the same on every
page, after a resume and across the language switch, kept with the response and exported."""

from __future__ import annotations

import csv
import re
import textwrap

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indagine.collect import orders
from indagine.collect.exports import export
from indagine.collect.models import Response
from indagine.collect.transfer import import_csv
from indagine.forms.issues import FormCode
from indagine.forms.loader import load_form
from indagine.forms.model import Choice, Question, QuestionType, Text
from indagine.surveys.services import configure, import_form, open_survey
from indagine.web.refusals import Refused

# A club asking which channels its members' centres use (in random order, "other" last), the
# one they use most (in a fixed order for everyone, seed=7), a ranking of priorities (random),
# on a first page; a rating on a second.
FORM = """
| survey |
| | type | name | label::English (en) | label::Italiano (it) | parameters | required |
| | begin_group | p1 | Channels | Canali | | |
| | select_multiple channels | used | Which channels do you use? | Quali canali usate? | randomize=true | yes |
| | select_one channels | main | Which one most? | Quale di più? | randomize=true seed=7 | |
| | rank priorities | priorities | Order these | Ordini queste | randomize=true | |
| | end_group | | | | | |
| | begin_group | p2 | More | Altro | | |
| | select_one channels | next | Which one next year? | Quale l'anno prossimo? | randomize=true | |
| | end_group | | | | | |
| choices |
| | list_name | name | label::English (en) | label::Italiano (it) |
| | channels | phone | Phone | Telefono |
| | channels | email | Email | Email |
| | channels | chat | Chat | Chat |
| | channels | social | Social media | Social |
| | channels | video | Video calls | Videochiamate |
| | channels | sms | Text messages | SMS |
| | channels | other | Other | Altro |
| | priorities | training | Training | Formazione |
| | priorities | events | Events | Eventi |
| | priorities | research | Research | Ricerca |
| | priorities | lobbying | Lobbying | Rappresentanza |
| settings |
| | form_title | form_id | default_language |
| | Channels | channels | English (en) |
"""
SEED_A, SEED_B = "a" * 32, "b" * 32
KEY = "k" * 43


@pytest.fixture
def survey(db):
    return open_survey(import_form(textwrap.dedent(FORM).encode(), "c.md", slug="chan").survey)


def _shown(html: str, name: str) -> list[str]:
    """The values of a question's inputs (or rank menus) in the order the page lists them."""
    found = re.findall(rf'<input type="(?:radio|checkbox)" name="{name}" [^>]*value="(\w+)"', html)
    ranked = re.findall(rf'<select name="{name}" [^>]*><option value="(\w+):"', html)
    return found or ranked


def _seed(html: str) -> str:
    found = re.search(r'name="_order" value="(\w+)"', html)
    assert found is not None
    return found[1]


def _post(client, **data):
    body = {"_page": "0", "_key": KEY, "_action": "next", "_lang": "en", **data}
    return client.post("/s/chan/", body)


def test_the_form_is_accepted_with_randomize_honoured_and_a_seed_from_an_answer_said(db):
    result = load_form(textwrap.dedent(FORM).encode(), "c.md")
    assert result.ok and result.form is not None and result.issues == ()
    asked = result.form.question("used")
    assert asked is not None and asked.is_randomized and asked.fixed_seed is None
    main = result.form.question("main")
    assert main is not None and main.fixed_seed == "7"
    referring = textwrap.dedent(FORM).replace(
        "randomize=true seed=7", "randomize=true seed=${used}"
    )
    (issue,) = load_form(referring.encode(), "c.md").issues
    assert issue.code is FormCode.NOT_HONOURED and (issue.row, issue.column) == (4, "parameters")
    assert "an order of their own" in issue.message


def test_in_a_grid_row_randomize_is_said_not_honoured():
    grid = """
    | survey |
    | | type | name | label | parameters | appearance |
    | | begin_group | g | Services | | table-list |
    | | select_one r | desk | Desk | randomize=true | |
    | | select_one r | web | Web | | |
    | | end_group | | | | |
    | choices |
    | | list_name | name | label |
    | | r | good | Good |
    | | r | bad | Bad |
    """
    result = load_form(textwrap.dedent(grid).encode(), "g.md")
    (issue,) = result.issues
    assert (issue.code, issue.row, issue.column) == (FormCode.NOT_HONOURED, 3, "parameters")
    assert "grid" in issue.message and "sheet's order" in issue.message
    assert result.form is not None and not result.form.question("desk").is_randomized


def test_each_respondent_sees_the_order_their_seed_gives_other_last(client, survey):
    form = survey.current_version.form
    first = client.get(f"/s/chan/?lang=en&order={SEED_A}").content.decode()
    assert _seed(first) == SEED_A
    drawn = orders.draw(form, SEED_A)
    assert _shown(first, "used") == drawn["used"] and drawn["used"][-1] == "other"
    assert _shown(first, "priorities") == drawn["priorities"]
    other = client.get(f"/s/chan/?lang=en&order={SEED_B}").content.decode()
    assert _shown(other, "used") == orders.draw(form, SEED_B)["used"] != drawn["used"]
    assert sorted(_shown(other, "used")) == sorted(c.name for c in form.question("used").choices)
    # a numeric seed: the one order it gives, for everyone
    assert _shown(first, "main") == _shown(other, "main") == drawn["main"]
    assert drawn["main"] != [c.name for c in form.question("main").choices]


def test_a_page_without_a_seed_draws_a_new_one_and_a_forged_one_is_replaced(client, survey):
    one = _seed(client.get("/s/chan/?lang=en").content.decode())
    two = _seed(client.get("/s/chan/?lang=en").content.decode())
    assert one != two and orders.well_formed(one) == one
    forged = client.get("/s/chan/?lang=en&order=<script>").content.decode()
    assert "<script>" not in _seed(forged) and orders.well_formed(_seed(forged))


def test_the_order_is_kept_with_the_response_across_pages_resume_and_language(client, survey):
    form = survey.current_version.form
    drawn = orders.draw(form, SEED_A)
    reply = _post(client, used=["chat"], _order=SEED_A)
    assert reply.status_code == 302
    (response,) = Response.objects.all()
    assert response.orders == drawn and set(drawn) == {"used", "main", "priorities", "next"}
    assert response.answers["used"] == ["chat"]  # answers are names, whatever the order
    second = client.get("/s/chan/?page=1&lang=en").content.decode()
    assert _shown(second, "next") == drawn["next"] and "_order" not in second
    back = client.get("/s/chan/?page=0&lang=it").content.decode()  # another language
    assert _shown(back, "used") == drawn["used"]
    assert 'value="chat" checked' in back
    # a resume link in another browser: the same order, whatever seed the address carries
    elsewhere = client.__class__()
    elsewhere.get(f"/s/chan/r/{KEY}/")
    resumed = elsewhere.get(f"/s/chan/?page=0&lang=en&order={SEED_B}").content.decode()
    assert _shown(resumed, "used") == drawn["used"]


def test_a_page_sent_back_with_errors_keeps_the_order(client, survey):
    reply = _post(client, _order=SEED_A)  # "used" is required
    html = reply.content.decode()
    assert reply.status_code == 200 and 'id="err-used"' in html
    assert _shown(html, "used") == orders.draw(survey.current_version.form, SEED_A)["used"]


def test_the_language_switch_before_any_answer_keeps_the_order(client, survey):
    reply = _post(client, _order=SEED_A, _switch="it")
    assert reply.status_code == 302 and f"order={SEED_A}" in reply["Location"]
    assert not Response.objects.exists()  # nothing typed: nothing stored
    html = client.get(reply["Location"]).content.decode()
    assert _shown(html, "used") == orders.draw(survey.current_version.form, SEED_A)["used"]
    assert "Quali canali usate?" in html


# A choice filter on a randomized list: the region's cities, in the respondent's order.
CITIES = """
| survey |
| | type | name | label | parameters | choice_filter | required |
| | begin_group | where | Where | | | |
| | select_one region | region | Region | | | yes |
| | select_one city | city | City | randomize=true | region=${region} | yes |
| | end_group | | | | | |
| choices |
| | list_name | name | label | region |
| | region | n | North | |
| | region | s | South | |
| | city | mi | Milan | n |
| | city | to | Turin | n |
| | city | ge | Genoa | n |
| | city | na | Naples | s |
| | city | ba | Bari | s |
| | city | pa | Palermo | s |
"""


def test_a_filtered_randomized_list_marks_each_choice_with_its_row(client, db):
    imported = import_form(textwrap.dedent(CITIES).encode(), "f.md", slug="cities")
    form = open_survey(imported.survey).current_version.form
    body = {"_page": "0", "_key": KEY, "_action": "next", "region": "n", "_order": SEED_A}
    body["_shown"] = "region city"  # the page's script showed the city's question
    reply = client.post("/s/cities/", body)  # the city is missing: the page again
    html = reply.content.decode()
    assert reply.status_code == 200 and 'id="err-city"' in html
    sheet = [c.name for c in form.question("city").choices]
    shown = _shown(html, "city")
    assert shown == orders.draw(form, SEED_A)["city"] != sheet
    rows = re.findall(r'<div class="option"( hidden)?(?: data-row="(\d+)")?><input type="radio" '
                      r'name="city" [^>]*value="(\w+)"', html)  # fmt: skip
    assert [name for _, _, name in rows] == shown
    # the South's cities hidden; each moved choice names its row in the sheet, by which the
    # page's script shows and hides it as the region changes
    assert {name for hidden, _, name in rows if not hidden} == {"mi", "to", "ge"}
    for position, (_, row, name) in enumerate(rows):
        assert int(row or position) == sheet.index(name)
    assert any(row for _, row, _ in rows)


def test_an_anonymous_response_keeps_its_order_when_its_answers_move(client, db):
    imported = import_form(textwrap.dedent(FORM).encode(), "c.md", slug="chan")
    survey = open_survey(configure(imported.survey, anonymous=True, panel_only=False))
    _post(client, used=["chat"], _order=SEED_A)
    client.post("/s/chan/", {"_page": "1", "_key": KEY, "_action": "next", "_lang": "en"})
    (response,) = Response.objects.all()
    assert response.status == Response.Status.COMPLETE and response.key_hash is None
    assert response.orders == orders.draw(survey.current_version.form, SEED_A)


def _completed(client, seed: str, key: str) -> None:
    body = {"_key": key, "_action": "next", "_lang": "en"}
    client.post("/s/chan/", {**body, "_page": "0", "used": ["chat", "phone"], "_order": seed})
    client.post("/s/chan/", {**body, "_page": "1", "next": "video"})


def test_exports_carry_each_randomized_questions_order_after_it(client, survey, tmp_path):
    form = survey.current_version.form
    _completed(client, SEED_A, KEY)
    _completed(client.__class__(), SEED_B, "m" * 43)
    out = tmp_path / "chan.csv"
    assert export("chan", out, "csv") == 2
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0])
    assert header[1:9] == [
        "p1-used", "p1-used_order", "p1-main", "p1-main_order",
        "p1-priorities", "p1-priorities_order", "p2-next", "p2-next_order",
    ]  # fmt: skip
    expected = {" ".join(orders.draw(form, s)["used"]) for s in (SEED_A, SEED_B)}
    assert {r["p1-used_order"] for r in rows} == expected
    assert {r["p1-used"] for r in rows} == {"phone chat"}  # in the sheet's order
    parquet = tmp_path / "chan.parquet"
    export("chan", parquet, "parquet")
    table = pq.read_table(parquet).to_pydict()
    assert set(table["p2-next_order"]) == {
        " ".join(orders.draw(form, s)["next"]) for s in (SEED_A, SEED_B)
    }
    # the CSV goes back in as it came out, orders included; a wrong order is refused at its line
    Response.objects.all().delete()
    assert import_csv("chan", out).stored == 2
    assert {" ".join(r.orders["used"]) for r in Response.objects.all()} == expected
    rows[0]["p1-used_order"] = "chat chat phone"
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(Refused) as refused:
        import_csv("chan", broken)
    assert any(p.startswith("line 2: p1-used_order: CSV_BAD_ORDER") for p in refused.value.problems)
    assert Response.objects.count() == 2  # nothing more stored


def test_a_question_named_like_an_order_column_pushes_it_aside():
    question = Question("q", QuestionType.SELECT_ONE, parameters={"randomize": "true"})
    assert orders.column_name(question, {"q", "q_order"}) == "q_order2"


NAMES = st.lists(st.sampled_from("abcdefg"), min_size=0, max_size=9)


@given(sheet=NAMES, order=st.one_of(st.none(), NAMES))
def test_arranged_is_every_row_once_whatever_the_order_says(sheet, order):
    question = Question(
        "q",
        QuestionType.SELECT_ONE,
        choices=tuple(Choice(n, Text({"en": n})) for n in sheet),
        parameters={"randomize": "true"},
    )
    rows = orders.arranged(question, order)
    assert sorted(rows) == list(range(len(sheet)))
    if order is not None and sorted(order) == sorted(sheet):
        assert [sheet[i] for i in rows] == order


@given(seed=st.text("0123456789abcdef", min_size=32, max_size=32))
def test_a_drawn_order_is_a_permutation_with_other_last(seed):
    names = ["a", "b", "c", "d", "other"]
    question = Question(
        "q",
        QuestionType.SELECT_MULTIPLE,
        choices=tuple(Choice(n, Text({"en": n})) for n in names),
        parameters={"randomize": "true"},
    )
    drawn = orders.order_of(question, seed)
    assert sorted(drawn) == sorted(names) and drawn[-1] == "other"
    assert orders.order_of(question, seed) == drawn
