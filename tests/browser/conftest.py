"""Fixtures of the browser tests: the production server, headless Chromium, axe-core."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from browser.server import ProductionServer, production_server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("INDAGINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
ORGANISER = """
from django.contrib.auth import get_user_model
users = get_user_model()
if not users.objects.filter(username="segreteria").exists():
    users.objects.create_superuser("segreteria", password="pw-organiser-2020")
"""
"""Code for `server.django`: the organiser's account `log_in` uses."""
PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@pytest.fixture(scope="package")
def server(tmp_path_factory) -> ProductionServer:
    """One production server for the browser tests; each test is a new respondent (context)."""
    with production_server(
        tmp_path_factory.mktemp("browser-data"), "indagine_browser", workers=1, threads=4
    ) as served:
        yield served


@pytest.fixture(scope="package")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM} (set INDAGINE_CHROMIUM; ./run test installs it)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (./run test does)")
    from playwright.sync_api import expect, sync_playwright

    # as for pages (below): an assertion waits up to 60 s for the page to get there, not 5
    expect.set_options(timeout=60_000)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def context_for(chromium):
    """Open browser contexts (a respondent's browser) with given options; closed after the test."""
    opened = []

    def open_context(**options):
        context = chromium.new_context(locale="it-IT", **options)
        # generous: a timeout here is a failure, not a speed measure (benchmarks/ measure
        # speed); an organiser's weighted dashboard took over 10 s on a slow CI machine
        context.set_default_timeout(60_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    # evaluated by the browser's devtools protocol, which the page's Content-Security-Policy
    # (scripts from the server's own files only) does not govern, unlike an injected <script>
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("options => axe.run(document, options)", WCAG_AA)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


@pytest.fixture
def assert_accessible():
    def check(page, where: str = "") -> None:
        violations = axe_violations(page)
        assert not violations, (
            f"axe-core: {len(violations)} WCAG 2.1 AA violation(s) on "
            f"{where or page.url}:\n{json.dumps(violations, indent=1)}"
        )

    return check


def log_in(page, server: ProductionServer, path: str) -> None:
    """Open an organiser's page and log in on the page it sends to, as ORGANISER's account."""
    page.goto(f"{server.base}{path}")
    page.fill("#id_username", "segreteria")
    page.fill("#id_password", "pw-organiser-2020")
    page.get_by_role("button", name="Accedi").click()
