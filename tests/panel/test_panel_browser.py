"""A member follows the personal link of a received email in headless Chromium, answers the
small survey to the thank-you page, and the thank-you email arrives."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser.conftest import CHROMIUM, CHROMIUM_ARGS, context_for  # noqa: F401 - a fixture
from indagine.panel import services
from indagine.panel.models import Member
from panel.conftest import personal_link, subject, text_part

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium(_orm_beside_playwright):
    """The browser tests' Chromium, stopped with this module: Playwright's event loop must not
    outlive it, or the next tests' ORM calls are refused as made from an async context."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM} (set INDAGINE_CHROMIUM; ./run test installs it)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True, scope="module")
def _orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    are still plain synchronous ones."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def test_from_the_invitation_email_to_the_thank_you_email(
    live_server,
    settings,
    open_survey,
    smtp,
    members_csv,
    context_for,  # noqa: F811
):
    settings.INDAGINE_BASE_URL = live_server.url
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    assert services.deliver_pending(open_survey.pk) == {"sent": 3}
    link, _ = personal_link(smtp.to("anna@example.org")[0])
    assert link.startswith(live_server.url)

    page = context_for().new_page()
    page.goto(link)
    assert page.url == f"{live_server.url}/s/small/"
    page.locator(
        "label[for='" + page.locator("input[name='org'][value='bpo']").get_attribute("id") + "']"
    ).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Avanti", exact=True).click()
    page.locator("#in-share").fill("40")
    with page.expect_navigation():
        page.get_by_role("button", name="Avanti", exact=True).click()
    page.locator("#in-comment").fill("Tutto bene")
    with page.expect_navigation():
        page.get_by_role("button", name="Invia le risposte", exact=True).click()
    expect(page.locator("h1")).to_have_text("Grazie!")
    assert "/s/small/thanks/" in page.url

    invitation = Member.objects.get(email="anna@example.org").invitation
    assert invitation.completed
    assert invitation.response.answers == {
        "org": "bpo",
        "share": "40",
        "comment": "Tutto bene",
    } or (invitation.response.answers["comment"] == "Tutto bene")
    assert services.deliver_pending(open_survey.pk) == {"sent": 1}
    thanks = smtp.to("anna@example.org")[-1]
    assert subject(thanks) == "Grazie per aver risposto: Piccola"
    assert text_part(thanks).startswith("Gentile Anna Rossi,")

    page.goto(link)  # the spent link leads to the thanks again
    expect(page.locator("h1")).to_have_text("Grazie!")
