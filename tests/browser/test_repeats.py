"""Repeats in headless Chromium (#15.6): as many instances as an answer says, each a group named
by the repeat and its number; instances the respondent adds and removes with buttons that work
without the script; a question of one instance shown by that instance's answers alone; axe-core
at phone and desktop sizes."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _sites_survey(server) -> None:
    from collect.test_repeat_pages import FORM

    server.django(f"""
import textwrap
from indagine.surveys import services
from indagine.surveys.models import Survey
if not Survey.objects.filter(slug="sites").exists():
    imported = services.import_form(textwrap.dedent({FORM!r}).encode(), "sites.md", slug="sites")
    services.open_survey(imported.survey)
""")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_instances_from_a_count_and_from_the_add_button(
    server, context_for, assert_accessible, size
):
    _sites_survey(server)
    page = context_for(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto(f"{server.base}/s/sites/?lang=en")
    page.get_by_label("How many sites?").fill("2")
    page.get_by_role("button", name="Next", exact=True).click()

    first, second = (page.get_by_role("group", name=f"Site {n}", exact=True) for n in (1, 2))
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    expect(page.get_by_role("button", name="Add: Site")).to_have_count(0)
    first.get_by_label("City").fill("Roma")
    with page.expect_response(lambda r: r.url.endswith("/relevance/")):
        first.get_by_label("Seats").fill("30")
        first.get_by_label("Seats").blur()
    expect(first.get_by_role("group", name="Remote too?")).to_be_visible()
    second.get_by_label("City").fill("Bari")
    with page.expect_response(lambda r: r.url.endswith("/relevance/")):
        second.get_by_label("Seats").fill("4")
        second.get_by_label("Seats").blur()
    expect(second.get_by_role("group", name="Remote too?")).to_be_hidden()  # its own seats
    assert_accessible(page, f"a repeat's instances at {size} size")
    page.get_by_role("button", name="Next", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Site 1: Remote too?")
    assert_accessible(page, f"an instance's error at {size} size")
    first.get_by_role("group", name="Remote too?").get_by_label("Yes").check()
    page.get_by_role("button", name="Next", exact=True).click()

    expect(page.locator("p.none")).to_have_text("None added yet.")
    page.get_by_role("button", name="Add: Colleague").click()
    colleague = page.get_by_role("group", name="Colleague 1", exact=True)
    expect(colleague).to_be_visible()
    role = f"Team leader {uuid.uuid4().hex[:8]}"  # this respondent's, among the server's
    colleague.get_by_label("Role").fill(role)
    assert_accessible(page, f"an instance added at {size} size")
    colleague.get_by_label("Role").press("Enter")  # Enter is Next, never Remove
    expect(page.get_by_label("Comment")).to_be_visible()
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator("h1")).to_have_text("Thank you!")
    [response] = [r for r in server.responses("sites") if r.answers.get("colleague")
                  and r.answers["colleague"][0].get("role") == role]  # fmt: skip
    assert response.status == "complete" and response.answers["colleague"] == [{"role": role}]
    assert [s["city"] for s in response.answers["site"]] == ["Roma", "Bari"]


def test_adding_and_removing_without_javascript(server, context_for):
    _sites_survey(server)
    page = context_for(java_script_enabled=False, **PHONE).new_page()
    page.goto(f"{server.base}/s/sites/?lang=en")
    page.get_by_label("How many sites?").fill("0")
    page.get_by_role("button", name="Next", exact=True).click()
    add = page.get_by_role("button", name="Add: Colleague")
    add.click()
    page.get_by_role("group", name="Colleague 1", exact=True).get_by_label("Role").fill("A")
    add.click()
    page.get_by_role("group", name="Colleague 2", exact=True).get_by_label("Role").fill("B")
    add.click()
    last = f"C {uuid.uuid4().hex[:8]}"
    page.get_by_role("group", name="Colleague 3", exact=True).get_by_label("Role").fill(last)
    page.get_by_role("button", name="Remove Colleague 2").click()
    roles = page.locator("fieldset.instance input[type=text]")
    expect(roles).to_have_count(2)
    assert [roles.nth(i).input_value() for i in range(2)] == ["A", last]
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_label("Comment")).to_be_visible()
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator("h1")).to_have_text("Thank you!")
    [response] = [r for r in server.responses("sites") if r.answers.get("colleague")
                  == [{"role": "A"}, {"role": last}]]  # fmt: skip
    assert response.status == "complete" and "site" not in response.answers


def test_the_organiser_reads_the_repeats_findings(server, context_for, assert_accessible):
    from browser.conftest import ORGANISER, log_in

    _sites_survey(server)
    server.django(
        ORGANISER
        + "from indagine.collect.transfer import add_synthetic\n"
        + 'add_synthetic("sites", 40, seed=8, test=False)\n'
    )
    page = context_for(**DESKTOP).new_page()
    log_in(page, server, "/manage/sites/results/")
    rows = page.locator("#findings tr[data-repeat]")
    expect(rows.first).to_be_visible()
    assert {rows.nth(i).get_attribute("data-repeat") for i in range(rows.count())} == {
        "site",
        "colleague",
    }
    seats = page.locator("#findings tr[data-repeat=site]", has_text="Postazioni")
    expect(seats).to_contain_text("risposte")  # its base: entries from responses
    assert_accessible(page, "the dashboard of a survey with repeats")
