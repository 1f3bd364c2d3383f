"""An organiser builds a questionnaire in the editor, in headless Chromium (#16): the first two
pages of the club's 2020 survey typed in from scratch (types, choices, conditions, checks, both
languages), previewed beside the editor, opened, and answered by a respondent on a phone; the
keyboard and the mouse's dragging both move questions; every page checked with axe-core."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from playwright.sync_api import expect

from browser.conftest import DESKTOP, ORGANISER, PHONE, log_in
from browser.test_respondent import Respondent
from indagine.forms import editing, workbook
from indagine.forms.loader import load_form

pytestmark = pytest.mark.browser

SLUG = "rw-2021"
IT, EN = "Italiano (it)", "English (en)"
SOURCE = resources.files("indagine.library").joinpath("remote_working_2020.md").read_bytes()
COMPARED = ("name", "type", "label", "hint", "required", "required_message", "relevant")
COMPARED += ("constraint", "constraint_message", "appearance", "claim")


def _club() -> tuple[workbook.Workbook, list[editing.Item]]:
    """The club's rows of its first two pages (0-16)."""
    book = workbook.read(SOURCE, "remote_working_2020.md")
    return book, editing.items(book)[:17]


def _texts(page, row: dict[str, str], bases: tuple[str, ...]) -> None:
    for base in bases:
        for i, language in enumerate((IT, EN)):
            box = page.locator(f"[name='{base}__{i}']")
            column = "claim::" + language[-3:-1] if base == "claim" else f"{base}::{language}"
            box.fill(row.get(column, ""))


def _question(page, book: workbook.Workbook, item: editing.Item) -> None:
    """On a question's page: everything its row says, then its choices (three a round)."""
    row = item.row
    page.fill("#q-name", item.name)
    _texts(page, row, editing.TEXTS)
    if row.get("required") == "yes":
        page.check("#q-required")
    page.fill("#q-appearance", row.get("appearance", ""))
    parsed = editing.parse_condition(row.get("relevant", ""))
    assert parsed is not None
    page.select_option("#q-join", parsed[0])
    for n, condition in enumerate(parsed[1]):
        page.select_option(f"[name='cond-{n}-name']", condition.name)
        page.select_option(f"[name='cond-{n}-comparison']", condition.comparison)
        page.fill(f"[name='cond-{n}-value']", condition.value)
    check = editing.parse_check(row.get("constraint", ""))
    assert check is not None
    page.fill("#check-least", check.least)
    page.fill("#check-most", check.most)
    choices = editing.choice_lists(book).get(item.type.partition(" ")[2], [])
    filled, start = 0, 0  # the first round writes over the one choice a new list has
    while True:
        rows = page.locator("[name^='choice-'][name$='-name']").count()
        for n in range(start, rows):
            if filled == len(choices):
                break
            choice = choices[filled]
            page.fill(f"[name='choice-{n}-name']", choice["name"])
            page.fill(f"[name='choice-{n}-label-0']", choice.get(f"label::{IT}", ""))
            page.fill(f"[name='choice-{n}-label-1']", choice.get(f"label::{EN}", ""))
            filled += 1
        page.get_by_role("button", name="Salva", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Salvato")
        if filled == len(choices):
            return
        page.get_by_role("link", name=row[f"label::{IT}"], exact=True).click()
        start = filled


def _add(page, kind: str, label: str, on_page: int) -> None:
    adding = page.locator("li.add").nth(on_page)
    adding.locator("select[name=type]").select_option(kind)
    adding.locator("input[name=label]").fill(label)
    adding.get_by_role("button", name="Aggiungi a questa pagina").click()
    expect(page.get_by_role("status")).to_contain_text("Aggiunta")
    page.get_by_role("link", name=label, exact=True).click()


def _page_item(page, item: editing.Item) -> None:
    page.fill("#q-name", item.name)
    _texts(page, item.row, ("label",))
    page.fill("#q-appearance", item.row.get("appearance", ""))
    page.get_by_role("button", name="Salva", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Salvato")


def _stored(server) -> list[dict]:
    code = (
        "import json\nfrom indagine.surveys.models import Survey\n"
        f"form = Survey.objects.get(slug='{SLUG}').current_version.form\n"
        "print(json.dumps([[p.name, p.title.to_json(), [q.to_json() for q in p.questions]]"
        " for p in form.pages]))"
    )
    return json.loads(server.django(code).strip().splitlines()[-1])


def _expected() -> list[dict]:
    form = load_form(SOURCE, "remote_working_2020.md").form
    assert form is not None
    return [[p.name, p.title.to_json(), [q.to_json() for q in p.questions]] for p in form.pages[:2]]


def _same(stored: list, expected: list) -> None:
    assert [(p[0], p[1]) for p in stored] == [(p[0], p[1]) for p in expected]
    for mine, theirs in zip(stored, expected, strict=True):
        assert [q["name"] for q in mine[2]] == [q["name"] for q in theirs[2]]
        for q, r in zip(mine[2], theirs[2], strict=True):
            assert {k: q.get(k) for k in COMPARED} == {k: r.get(k) for k in COMPARED}
            assert [(c["name"], c["label"]) for c in q["choices"]] == [
                (c["name"], c["label"]) for c in r["choices"]
            ]


def test_an_organiser_builds_the_first_two_pages_of_the_2020_survey(
    server, context_for, assert_accessible
):
    server.django(ORGANISER)
    page = context_for(**DESKTOP).new_page()
    log_in(page, server, "/manage/new/")
    assert_accessible(page, "the new survey page")
    page.fill("#scratch-title", "Remote Working e Contact Center 2021")
    page.fill("#scratch-slug", SLUG)
    page.check("#lang-en")
    page.get_by_role("button", name="Crea e modifica").first.click()
    expect(page).to_have_url(f"{server.base}/manage/{SLUG}/edit/")
    assert_accessible(page, "the editor")

    book, rows = _club()
    pages = [i for i in rows if i.kind == "group"]
    page.get_by_role("link", name="Pagina 1", exact=True).click()
    _page_item(page, pages[0])
    for item in rows:
        if item.kind == "group" and item is not pages[0]:
            page.fill("#page-title", item.row[f"label::{IT}"])
            page.get_by_role("button", name="Aggiungi una pagina").click()
            page.get_by_role("link", name=item.row[f"label::{IT}"], exact=True).click()
            _page_item(page, item)
        elif item.kind == "question":
            kind = item.type.partition(" ")[0]
            _add(
                page,
                kind,
                item.row[f"label::{IT}"],
                len([p for p in pages if p.index < item.index]) - 1,
            )
            if item.name == "org_type":
                assert_accessible(page, "a question's page")
            _question(page, book, item)
    page.get_by_role("button", name="Elimina prima_domanda").click()
    expect(page.get_by_role("link", name="Prima domanda")).to_have_count(0)
    _same(_stored(server), _expected())

    # the preview beside the editor shows the page being edited
    page.get_by_role("link", name="Che tipo di organizzazione rappresenta?", exact=True).click()
    framed = page.frame_locator(".phone-preview iframe")
    expect(framed.get_by_text("Che tipo di organizzazione rappresenta?")).to_be_visible()

    # opened, and answered on a phone
    page.goto(f"{server.base}/manage/{SLUG}/")
    page.get_by_role("button", name="Apri l'indagine").click()
    phone = context_for(**PHONE).new_page()
    who = Respondent(phone, touch=True)
    phone.goto(f"{server.base}/s/{SLUG}/")
    expect(phone.locator("h1")).to_have_text("La Sua organizzazione")
    who.choose("org_type", "other")
    who.type("org_type_other", "Cooperativa")
    who.choose("role", "cc_head")
    who.choose("cc_size", "50_249")
    who.choose("sector", "telco")
    who.next()
    expect(phone.locator("h1")).to_have_text("Il lavoro da remoto durante l'emergenza")
    who.choose("remote", "part")
    who.type("remote_share", "40")
    who.type("remote_days", "10")
    who.choose("remote_tools", "softphone")
    who.submit("Invia le risposte")
    (response,) = server.responses(SLUG)
    assert response.status == "complete"
    assert response.answers["org_type_other"] == "Cooperativa"
    assert response.answers["remote_share"] == 40 and response.answers["remote_tools"] == [
        "softphone"
    ]


def test_questions_move_by_keyboard_at_tablet_width_and_by_dragging(
    server, context_for, assert_accessible
):
    server.django(ORGANISER)
    server.django(
        "from indagine.surveys.starting import from_template\n"
        "from indagine.surveys.models import Survey\n"
        "if not Survey.objects.filter(slug='eventi').exists():\n"
        "    from_template('event_feedback', 'eventi')"
    )
    page = context_for(viewport={"width": 800, "height": 1000}).new_page()
    log_in(page, server, "/manage/eventi/edit/")
    assert_accessible(page, "the editor at tablet width")
    first = page.locator("li[data-index] code").nth(1)
    name = first.inner_text()
    down = page.get_by_role("button", name=f"Sposta giù {name}")
    for _ in range(200):  # Tab until the button has the focus, as a keyboard user does
        page.keyboard.press("Tab")
        if down.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the Down button is never reached with Tab")
    page.keyboard.press("Enter")
    expect(page.locator("li[data-index] code").nth(2)).to_have_text(name)
    assert_accessible(page, "the editor after a move")

    # tall enough for the whole outline: a drag that had to scroll would start elsewhere
    desktop = context_for(viewport={"width": 1280, "height": 3000}).new_page()
    log_in(desktop, server, "/manage/eventi/edit/")
    dragged = desktop.locator("li[data-index]").nth(3)
    moved = dragged.locator("code").inner_text()
    with desktop.expect_navigation():  # to the end of the last page
        dragged.drag_to(desktop.locator("li.add").last)
    expect(desktop.locator("li[data-index] code").last).to_have_text(moved)
