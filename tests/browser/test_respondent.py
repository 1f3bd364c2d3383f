"""A new respondent fills the built-in survey in headless Chromium, on a desktop and on a phone.

The server is the production one (`indagine serve`); every page visited is checked with axe-core
against WCAG 2.1 A and AA.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import DESKTOP, PHONE
from browser.server import BUILTIN_FILE, SLUG

pytestmark = pytest.mark.browser

REMOTE_FOLLOW_UPS = ("remote_share", "remote_days", "remote_tools")
AGREEMENT = (
    "agree_change",
    "agree_digital_better",
    "agree_digital_training",
    "agree_no_return",
    "agree_productivity",
    "agree_objectives",
    "agree_compensation",
    "agree_augmented",
)
EFFECTS = (
    "effect_balance",
    "effect_continuity",
    "effect_quality",
    "effect_costs",
    "effect_commuting",
    "effect_realestate",
    "effect_cohesion",
)
SHARE_ERROR = "Indichi una percentuale compresa tra 0 e 100."


class Respondent:
    """What a person does on the pages: tap or click, type, press the buttons."""

    def __init__(self, page: Page, touch: bool) -> None:
        self.page = page
        self.touch = touch

    def press(self, locator) -> None:
        if self.touch:
            locator.tap()
        else:
            locator.click()

    def choose(self, name: str, value: str) -> None:
        box = self.page.locator(f"input[name='{name}'][value='{value}']")
        self.press(self.page.locator(f"label[for='{box.get_attribute('id')}']"))
        expect(box).to_be_checked()

    def choose_and_recheck(self, name: str, value: str) -> list[str]:
        """Choose, and wait for page.js to ask the server which questions now apply."""
        with self.page.expect_response(lambda r: r.url.endswith("/relevance/")) as reply:
            self.choose(name, value)
        assert reply.value.ok
        return reply.value.json()["visible"]

    def type(self, name: str, text: str) -> None:
        self.page.locator(f"#in-{name}").fill(text)

    def submit(self, button: str) -> None:
        with self.page.expect_navigation():
            self.press(self.page.get_by_role("button", name=button, exact=True))

    def next(self) -> None:
        self.submit("Avanti")

    def on_page(self, position: int, heading: str) -> None:
        """On page `position` (or its follow-up round, 'Pagina 1 di 7, seguito')."""
        expect(self.page.locator("h1")).to_have_text(heading)
        counter = re.compile(rf"^Pagina {position} di 7(, seguito)?$")
        expect(self.page.locator(".progress label")).to_have_text(counter)


def follow_ups(page: Page):
    return [page.locator(f"#q-{name}") for name in REMOTE_FOLLOW_UPS]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_new_respondent_fills_the_survey_end_to_end(
    device, server, context_for, assert_accessible
):
    context = context_for(**(DESKTOP if device == "desktop" else PHONE))
    page = context.new_page()
    who = Respondent(page, touch=device == "phone")
    testimony = f"Siamo passati al cloud in una settimana ({device}, {uuid.uuid4().hex})."

    page.goto(server.survey_url)
    who.on_page(1, "La Sua organizzazione")
    assert_accessible(page, "page 1")
    if device == "desktop":  # the first Tab reaches the skip link, which leads to the content
        page.keyboard.press("Tab")
        expect(page.locator("a.skip")).to_be_focused()
    expect(page.locator("#q-org_type_other")).to_be_hidden()
    who.choose("org_type", "inhouse")
    who.choose("role", "cc_head")
    who.choose("cc_size", "250_999")
    who.choose("sector", "telco")
    who.next()

    # Skip logic both ways, applied by page.js as the answer changes.
    who.on_page(2, "Il lavoro da remoto durante l'emergenza")
    for question in follow_ups(page):
        expect(question).to_be_hidden()
    assert "remote_share" not in who.choose_and_recheck("remote", "no")
    for question in follow_ups(page):
        expect(question).to_be_hidden()
    assert set(REMOTE_FOLLOW_UPS) <= set(who.choose_and_recheck("remote", "most"))
    for question in follow_ups(page):
        expect(question).to_be_visible()
    who.choose_and_recheck("remote", "no")
    for question in follow_ups(page):
        expect(question).to_be_hidden()
    who.choose_and_recheck("remote", "most")
    for question in follow_ups(page):
        expect(question).to_be_visible()
    assert_accessible(page, "page 2 with its follow-up questions")

    # One validation error, shown in the summary and beside the question, then corrected.
    who.type("remote_share", "150")
    who.type("remote_days", "12")
    who.choose("remote_tools", "vpn")
    who.choose("remote_tools", "cloud")
    who.next()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#q-remote_share']")).to_have_text(
        f"Quale percentuale del personale del contact center lavora ora da remoto? – {SHARE_ERROR}"
    )
    expect(page.locator("#q-remote_share .error")).to_contain_text(SHARE_ERROR)
    expect(page.locator("#in-remote_share")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#in-remote_share")).to_have_value("150")
    expect(page.locator("#in-remote_days")).to_have_value("12")
    expect(page.locator("input[name=remote_tools][value=cloud]")).to_be_checked()
    assert page.title().startswith("Errore:")
    assert_accessible(page, "page 2 with an error")
    who.press(summary.locator("a"))
    expect(page).to_have_url(f"{server.survey_url}#q-remote_share")
    who.type("remote_share", "80")
    who.next()

    # Leaving and resuming: save, close the page, open the same link again.
    who.on_page(3, "Le Sue opinioni")
    for name, value in zip(AGREEMENT, "45534231", strict=True):
        who.choose(name, value)
    who.submit("Salva e continua più tardi")
    expect(page.locator(".notice[role=status]")).to_contain_text("Le risposte sono salvate")
    assert_accessible(page, "page 3 saved")
    page.close()
    page = context.new_page()
    who = Respondent(page, touch=device == "phone")
    page.goto(server.survey_url)
    who.on_page(3, "Le Sue opinioni")
    for name, value in zip(AGREEMENT, "45534231", strict=True):
        expect(page.locator(f"input[name={name}][value='{value}']")).to_be_checked()
    who.submit("Indietro")
    who.on_page(2, "Il lavoro da remoto durante l'emergenza")
    expect(page.locator("input[name=remote][value=most]")).to_be_checked()
    expect(page.locator("#in-remote_share")).to_have_value("80")
    who.next()
    who.on_page(3, "Le Sue opinioni")
    who.next()

    who.on_page(4, "I canali digitali")
    expect(page.locator("#q-digital_channels")).to_be_hidden()
    who.choose_and_recheck("digital_use", "increased_lot")
    expect(page.locator("#q-digital_channels")).to_be_visible()
    who.choose("digital_channels", "chat")
    who.choose("digital_channels", "selfservice")
    assert_accessible(page, "page 4")
    who.next()

    who.on_page(5, "Gli effetti dell'emergenza")
    for name, value in zip(
        EFFECTS,
        [
            "significant",
            "very_significant",
            "limited",
            "none",
            "very_significant",
            "limited",
            "significant",
        ],
        strict=True,
    ):
        who.choose(name, value)
    assert_accessible(page, "page 5")
    who.next()

    who.on_page(6, "Nuove soluzioni")
    who.choose("solutions", "cloud_cc")
    who.choose("solutions", "chatbot")
    assert_accessible(page, "page 6")
    who.next()

    who.on_page(7, "La Sua esperienza")
    expect(page.locator("#q-quote_ok")).to_be_hidden()
    with page.expect_response(lambda r: r.url.endswith("/relevance/")):
        who.type("testimony", testimony)
        page.locator("#in-testimony").blur()
    expect(page.locator("#q-quote_ok")).to_be_visible()
    who.choose("quote_ok", "yes")
    assert_accessible(page, "page 7")
    who.submit("Invia le risposte")

    expect(page.locator("h1")).to_have_text("Grazie!")
    assert urlsplit(page.url).path == f"/s/{SLUG}/thanks/"
    assert_accessible(page, "the thank-you page")
    page.goto(server.survey_url)  # the same link again: the answers are in, nothing to redo
    expect(page.locator("h1")).to_have_text("Grazie!")

    stored = [r for r in server.responses() if r.answers.get("testimony") == testimony]
    assert len(stored) == 1 and stored[0].status == "complete"
    answers = stored[0].answers
    assert answers["remote"] == "most" and answers["remote_share"] == 80
    assert answers["remote_days"] == 12 and answers["remote_tools"] == ["vpn", "cloud"]
    assert answers["digital_channels"] == ["chat", "selfservice"]
    assert answers["quote_ok"] == "yes" and answers["agree_augmented"] == "1"


def test_the_survey_works_without_javascript(server, context_for):
    """The server re-shows a page when answers make follow-up questions apply."""
    context = context_for(java_script_enabled=False, **PHONE)
    page = context.new_page()
    who = Respondent(page, touch=True)
    testimony = f"Senza JavaScript ({uuid.uuid4().hex})."

    page.goto(server.survey_url)
    who.on_page(1, "La Sua organizzazione")
    who.choose("org_type", "other")
    who.choose("role", "it")
    who.choose("cc_size", "lt50")
    who.choose("sector", "pa")
    who.next()
    who.on_page(1, "La Sua organizzazione")  # re-shown: the organisation type now needs a name
    expect(page.locator("#q-org_type_other")).to_be_visible()
    expect(page.locator("input[name=sector][value=pa]")).to_be_checked()
    who.type("org_type_other", "Consorzio")
    who.next()

    who.on_page(2, "Il lavoro da remoto durante l'emergenza")
    for question in follow_ups(page):
        expect(question).to_be_hidden()
    who.choose("remote", "part")
    who.next()
    who.on_page(2, "Il lavoro da remoto durante l'emergenza")
    for question in follow_ups(page):
        expect(question).to_be_visible()
    who.type("remote_share", "35,5")
    who.type("remote_days", "3")
    who.choose("remote_tools", "softphone")
    who.next()

    who.on_page(3, "Le Sue opinioni")
    for name in AGREEMENT:
        who.choose(name, "3")
    who.next()
    who.on_page(4, "I canali digitali")
    who.choose("digital_use", "unchanged")
    who.next()
    who.on_page(5, "Gli effetti dell'emergenza")
    for name in EFFECTS:
        who.choose(name, "limited")
    who.next()
    who.on_page(6, "Nuove soluzioni")
    who.choose("solutions", "none")
    who.next()
    who.on_page(7, "La Sua esperienza")
    who.type("testimony", testimony)
    who.submit("Invia le risposte")
    who.on_page(7, "La Sua esperienza")  # re-shown: may we quote it?
    expect(page.locator("#q-quote_ok")).to_be_visible()
    who.choose("quote_ok", "no")
    who.submit("Invia le risposte")
    expect(page.locator("h1")).to_have_text("Grazie!")

    stored = [r for r in server.responses() if r.answers.get("testimony") == testimony]
    assert len(stored) == 1 and stored[0].status == "complete"
    answers = stored[0].answers
    assert answers["org_type_other"] == "Consorzio" and answers["remote_share"] == 35.5
    assert "digital_channels" not in answers and answers["quote_ok"] == "no"


def test_the_language_switch_keeps_the_page(server, context_for, assert_accessible):
    page = context_for(**DESKTOP).new_page()
    page.goto(server.survey_url)
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("About your organisation")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".progress label")).to_have_text("Page 1 of 7")
    expect(page.get_by_role("button", name="Next", exact=True)).to_be_visible()
    assert_accessible(page, "page 1 in English")
    page.get_by_role("link", name="Italiano").click()
    expect(page.locator("h1")).to_have_text("La Sua organizzazione")
    # an answer chosen on the page survives switching language
    page.locator("input[name=org_type][value=bpo]").check()
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("About your organisation")
    expect(page.locator("input[name=org_type][value=bpo]")).to_be_checked()
    expect(page.locator(".notice")).to_have_count(0)  # switching is not "saved for later"


def test_closed_and_not_yet_open_surveys_say_so(server, context_for, assert_accessible):
    server.django(f"""
from importlib import resources
from indagine.surveys.services import close_survey, import_form, open_survey
source = resources.files("indagine.library").joinpath("{BUILTIN_FILE}").read_bytes()
close_survey(import_form(source, "{BUILTIN_FILE}", slug="chiusa").survey)
import_form(source, "{BUILTIN_FILE}", slug="non-ancora")
open_survey(import_form(source, "{BUILTIN_FILE}", slug="si-chiude").survey)
""")
    page = context_for(**PHONE).new_page()
    page.goto(f"{server.base}/s/chiusa/")
    expect(page.locator("h1")).to_have_text("Questa indagine è chiusa")
    expect(page.locator("form")).to_have_count(0)
    assert_accessible(page, "the closed-survey page")
    page.goto(f"{server.base}/s/non-ancora/")
    expect(page.locator("h1")).to_have_text("Questa indagine non è ancora aperta")
    assert_accessible(page, "the not-yet-open page")

    # Closed while a respondent has the page open: the answers are refused, and it says why.
    page.goto(f"{server.base}/s/si-chiude/")
    Respondent(page, touch=True).choose("org_type", "bpo")
    server.django("""
from indagine.surveys.models import Survey
from indagine.surveys.services import close_survey
close_survey(Survey.objects.get(slug="si-chiude"))
""")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Avanti").tap()
    assert navigation.value.status == 403
    expect(page.locator("h1")).to_have_text("Non è stato possibile accettare le risposte")
    expect(page.locator("code")).to_have_text("SURVEY_NOT_ACCEPTING")
    assert_accessible(page, "the refusal page")
    assert server.responses("si-chiude") == []


def test_without_javascript_a_newly_shown_question_is_not_reported_as_an_error(server, context_for):
    page = context_for(java_script_enabled=False, **DESKTOP).new_page()
    who = Respondent(page, touch=False)
    page.goto(server.survey_url)
    who.choose("org_type", "other")
    who.choose("role", "it")
    who.choose("cc_size", "lt50")
    who.choose("sector", "pa")
    who.next()
    expect(page.locator("#q-org_type_other")).to_be_visible()
    expect(page.locator("#error-summary")).to_have_count(0, timeout=1000)
    expect(page.locator("#q-org_type_other .error")).to_have_count(0, timeout=1000)


def test_a_cascading_select_offers_the_cities_of_the_country_chosen(
    server, context_for, assert_accessible
):
    from collect.test_pages import CASCADE

    server.django(f"""
from indagine.surveys.services import import_form, open_survey
open_survey(import_form({CASCADE!r}, "cascade.md", slug="cascade").survey)
""")
    page = context_for(**DESKTOP).new_page()
    page.goto(f"{server.base}/s/cascade/")
    expect(page.locator("#q-city")).to_be_hidden()
    page.locator("input[name=country][value=fr]").check()
    expect(page.locator("#q-city")).to_be_visible()
    expect(page.locator("input[name=city][value=paris]")).to_be_visible()
    expect(page.locator("input[name=city][value=rome]")).to_be_hidden()
    page.locator("input[name=city][value=paris]").check()
    page.locator("input[name=country][value=it]").check()
    expect(page.locator("input[name=city][value=rome]")).to_be_visible()
    expect(page.locator("input[name=city][value=paris]")).to_be_hidden()
    expect(page.locator("input[name=city][value=paris]")).not_to_be_checked()
    assert_accessible(page, "cascading select")
    page.locator("input[name=city][value=milan]").check()
    page.get_by_role("button", name="Avanti").click()
    expect(page.locator("label[for=in-why]")).to_be_visible()


@pytest.mark.parametrize("lang", ["fr", "pt-br"])
def test_a_page_in_each_language_of_the_form_at_phone_size(
    server, context_for, assert_accessible, lang
):
    """French words around French labels; English words, marked English, around Portuguese
    ones; the switch names the form's languages; an error page reads in the same words."""
    from collect.test_languages import FORM, WORDS

    server.django(f"""
import textwrap
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
if not Survey.objects.filter(slug="club").exists():
    open_survey(import_form(textwrap.dedent({FORM!r}).encode(), "club.md", slug="club").survey)
""")
    next_word, label, required = WORDS[lang]
    page = context_for(**PHONE).new_page()
    page.goto(f"{server.base}/s/club/")
    page.get_by_role("link", name="Français" if lang == "fr" else "Português").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("legend").first).to_contain_text(label)
    expect(page.get_by_role("link", name="Italiano")).to_be_visible()
    assert_accessible(page, f"page 1 in {lang}")
    page.get_by_role("button", name=next_word, exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text(required)
    assert_accessible(page, f"an error page in {lang}")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_grid_at_phone_and_desktop_sizes(server, context_for, assert_accessible, size):
    """A table-list group: one table on a desktop, stacked groups on a phone; the keyboard
    moves through it; a row that comes to apply appears; errors name their rows."""
    from collect.test_grids import GRID_FORM

    server.django(f"""
import textwrap
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
if not Survey.objects.filter(slug="grid").exists():
    open_survey(import_form(textwrap.dedent({GRID_FORM!r}).encode(), "grid.md", slug="grid").survey)
""")
    page = context_for(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto(f"{server.base}/s/grid/?lang=en")
    header = page.locator("table.grid thead")
    if size == "desktop":
        expect(header).to_be_visible()
        expect(page.locator("#q-productivity th[scope=row]")).to_be_visible()
    else:
        expect(header).to_be_hidden()
        expect(page.locator("#q-productivity legend")).to_be_visible()
    expect(page.locator("#q-isolation")).to_be_hidden()
    page.get_by_role("group", name="Do you work remotely?").get_by_label("Yes").check()
    expect(page.locator("#q-isolation")).to_be_visible()
    row = page.get_by_role("group", name="Productivity grew")
    row.get_by_label("Very much").check()
    assert_accessible(page, f"a grid at {size} size")
    page.get_by_role("button", name="Next", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("I feel isolated")
    expect(summary).not_to_contain_text("Productivity grew")
    expect(
        page.get_by_role("group", name="Productivity grew").get_by_label("Very much")
    ).to_be_checked()
    assert_accessible(page, f"a grid with an error at {size} size")


def _rank_survey(server) -> None:
    from collect.test_rank import RANK_FORM

    server.django(f"""
import textwrap
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
if not Survey.objects.filter(slug="rank").exists():
    open_survey(import_form(textwrap.dedent({RANK_FORM!r}).encode(), "rank.md", slug="rank").survey)
""")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_ranking_with_the_keyboard_and_by_dragging(server, context_for, assert_accessible, size):
    _rank_survey(server)
    page = context_for(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto(f"{server.base}/s/rank/?lang=en")
    items = page.locator("li.rank-item label")
    expect(items).to_have_text(["Training", "Events", "Research", "Lobbying"])
    assert_accessible(page, f"a ranking at {size} size")
    # the keyboard: Research up twice, with the button that names it
    up = page.get_by_role("button", name="Move up: Research")
    up.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(up).to_be_focused()
    expect(items).to_have_text(["Research", "Training", "Events", "Lobbying"])
    # the mouse: Lobbying dragged onto Training
    page.locator("li.rank-item", has_text="Lobbying").drag_to(
        page.locator("li.rank-item", has_text="Training")
    )
    expect(items).to_have_text(["Research", "Lobbying", "Training", "Events"])
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("h1")).to_have_text("End")
    stored = [r.answers for r in server.responses("rank")]
    assert {"priorities": "research lobbying training events"} in stored


def test_a_ranking_without_javascript_refuses_a_tie_then_takes_the_order(server, context_for):
    _rank_survey(server)
    page = context_for(java_script_enabled=False, **PHONE).new_page()
    page.goto(f"{server.base}/s/rank/?lang=en")
    expect(page.get_by_role("button", name="Move up: Research")).to_have_count(0)
    for item, position in (
        ("Training", "2"),
        ("Events", "2"),
        ("Research", "1"),
        ("Lobbying", "4"),
    ):
        page.get_by_label(item, exact=True).select_option(f"{item.lower()}:{position}")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("Two items share position 2")
    page.get_by_label("Events", exact=True).select_option("events:3")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("h1")).to_have_text("End")


def test_time_boxes_at_phone_size(server, context_for, assert_accessible):
    from collect.test_exports import SHIFTS

    server.django(f"""
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
if not Survey.objects.filter(slug="shifts").exists():
    open_survey(import_form({SHIFTS!r}.encode(), "shifts.md", slug="shifts").survey)
""")
    page = context_for(**PHONE).new_page()
    page.goto(f"{server.base}/s/shifts/")  # labels without a language: the site's, Italian
    page.get_by_label("When does your shift start?").fill("06:45")
    page.get_by_label("When did we call you?").fill("2020-03-18T09:30")
    page.get_by_label("When did we visit?").fill("2020-07-01T18:05")
    assert_accessible(page, "time boxes")
    page.get_by_role("button", name="Invia le risposte").click()
    expect(page.locator("h1")).to_have_text("Grazie!")
    assert {"starts": "06:45", "called": "2020-03-18T09:30", "visited": "2020-07-01T18:05"} in [
        r.answers for r in server.responses("shifts")
    ]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_randomized_filtered_list_shows_the_regions_cities_in_the_drawn_order(
    server, context_for, assert_accessible, size
):
    """The page's script filters a randomized list by each choice's row in the sheet, not by
    where the respondent's order put it; the order stays after the page is sent back."""
    from collect.test_random_order import CITIES, SEED_A

    server.django(f"""
import textwrap
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
if not Survey.objects.filter(slug="cities").exists():
    open_survey(import_form(textwrap.dedent({CITIES!r}).encode(), "c.md", slug="cities").survey)
""")
    page = context_for(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto(f"{server.base}/s/cities/?order={SEED_A}")
    drawn = page.locator("input[name=city]").evaluate_all("els => els.map(e => e.value)")
    assert sorted(drawn) == ["ba", "ge", "mi", "na", "pa", "to"]
    assert drawn != ["mi", "to", "ge", "na", "ba", "pa"]  # SEED_A moves them
    page.get_by_label("South").check()
    for city in ("na", "ba", "pa"):
        expect(page.locator(f"input[name=city][value={city}]")).to_be_visible()
    for city in ("mi", "to", "ge"):
        expect(page.locator(f"input[name=city][value={city}]")).to_be_hidden()
    assert_accessible(page, f"randomized cities, {size}")
    page.get_by_label("North").check()
    expect(page.locator("input[name=city][value=to]")).to_be_visible()
    expect(page.locator("input[name=city][value=na]")).to_be_hidden()
    page.get_by_role("button", name="Invia le risposte").click()  # no city: sent back
    expect(page.locator(".error-summary")).to_be_visible()
    again = page.locator("input[name=city]").evaluate_all("els => els.map(e => e.value)")
    assert again == drawn
    page.get_by_label("Turin").check()
    page.get_by_role("button", name="Invia le risposte").click()
    expect(page.locator("h1")).to_have_text("Grazie!")
    assert {"region": "n", "city": "to"} in [r.answers for r in server.responses("cities")]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_images_on_a_question_and_its_choices(server, context_for, assert_accessible, size):
    """The form's images load from the server (the CSP allows them), fit the page's width and
    carry their labels as alternative text."""
    from collect.test_images import _zip

    server.django(f"""
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
if not Survey.objects.filter(slug="logo").exists():
    open_survey(import_form({_zip()!r}, "logo.zip", slug="logo").survey)
""")
    page = context_for(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto(f"{server.base}/s/logo/?lang=en")
    logo = page.get_by_role("img", name="Which colour suits the logo?")
    expect(logo).to_be_visible()
    widths = logo.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
    assert widths[0] == 8 and 0 < widths[1] <= page.viewport_size["width"]
    swatch = page.get_by_role("img", name="Blue")
    expect(swatch).to_be_visible()
    assert swatch.evaluate("i => i.complete && i.naturalWidth") == 8  # loaded, not broken
    assert_accessible(page, f"images, {size}")
    page.get_by_label("Blue").check()  # the label's name is the alternative text and the text
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("table")).to_contain_text("Fits")  # the grid's page


@pytest.mark.parametrize(("size", "script"), [("phone", True), ("phone", False), ("desktop", True)])
def test_a_file_sent_kept_and_replaced(
    server, context_for, assert_accessible, tmp_path, size, script
):
    """A CV chosen in the file box goes with the page, with or without the script; the page
    names it when the respondent comes back, and a wrong kind of file is refused at it. (axe
    runs as a script: checked where the page has one.)"""

    def accessible(what: str) -> None:
        if script:
            assert_accessible(page, what)

    from collect.test_uploads import EXE, FORM, PDF

    server.django(f"""
import textwrap
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
if not Survey.objects.filter(slug="talks").exists():
    open_survey(import_form(textwrap.dedent({FORM!r}).encode(), "t.md", slug="talks").survey)
""")
    (tmp_path / "cv.pdf").write_bytes(PDF)
    (tmp_path / "cv.exe").write_bytes(EXE)
    options = PHONE if size == "phone" else DESKTOP
    page = context_for(**options, java_script_enabled=script).new_page()
    page.goto(f"{server.base}/s/talks/")
    page.get_by_label("Your name").fill(f"Ada {size} {script}")
    accessible(f"file boxes, {size}")
    page.get_by_label("Your CV").set_input_files(str(tmp_path / "cv.exe"))
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("#err-cv")).to_contain_text("This kind of file is not accepted")
    accessible(f"a refused file, {size}")
    assert page.locator("#kept-cv").count() == 0
    page.get_by_label("Your CV").set_input_files(str(tmp_path / "cv.pdf"))
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_label("Title of the talk")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#kept-cv")).to_contain_text("Sent: cv.pdf.")
    page.get_by_role("button", name="Next", exact=True).click()  # the file kept as it is
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator("h1")).to_have_text("Thank you!")
    speaker = f"Ada {size} {script}"
    (answers,) = [r.answers for r in server.responses("talks") if r.answers["speaker"] == speaker]
    assert answers["cv"].endswith("-cv.pdf")
