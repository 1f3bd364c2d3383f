"""Each member's benchmark on a phone (#18.4), in headless Chromium with axe-core: a member in
a group too small to show, then one in a group large enough."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.conftest import PHONE
from browser.test_respondent import Respondent
from conftest import SMALL_FORM

pytestmark = pytest.mark.browser

SETUP = f"""
import random
from django.utils import timezone
from indagine.collect.models import Response
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey, set_benchmark
if not Survey.objects.filter(slug="bench").exists():
    survey = import_form({SMALL_FORM!r}.encode(), "bench.md", slug="bench").survey
    survey = open_survey(survey)
    set_benchmark(survey, on=True, group="org", least=5)
    rng = random.Random(4)
    Response.objects.bulk_create(
        Response(survey=survey, form_version=survey.current_version, status="complete",
                 language="it", completed_at=timezone.now(),
                 answers={{"org": rng.choice(["bpo", "inhouse"]), "share": 30,
                          "tools": ["vpn"] if rng.random() < 0.7 else ["cloud"]}})
        for _ in range(20))
"""


def _answer(page, server, org: str) -> None:
    who = Respondent(page, touch=True)
    page.goto(f"{server.base}/s/bench/")
    who.choose("org", org)
    if org == "other":
        who.type("org_other", "Cooperativa")
    who.next()
    who.type("share", "45")
    who.choose("tools", "vpn")
    who.next()
    who.submit("Invia le risposte")
    expect(page.locator("#benchmark")).to_be_visible()


def test_a_member_sees_their_benchmark_on_a_phone(server, context_for, assert_accessible):
    server.django(SETUP)
    alone = context_for(**PHONE).new_page()
    _answer(alone, server, "other")
    table = alone.locator("#benchmark table")
    expect(table.locator("thead th")).to_have_count(3)  # no column for a group of one
    expect(alone.locator("#benchmark")).to_contain_text("compare quando ha almeno 5 risposte")
    expect(table).to_contain_text("VPN")
    assert_accessible(alone, "the benchmark, a group too small to show")
    grouped = context_for(**PHONE).new_page()
    _answer(grouped, server, "bpo")
    expect(grouped.locator("#benchmark table thead th")).to_have_count(4)
    expect(grouped.locator("#benchmark")).to_contain_text("Il suo gruppo: BPO")
    assert_accessible(grouped, "the benchmark with the member's group")
    width = grouped.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # the table fits the phone: no sideways scrolling
