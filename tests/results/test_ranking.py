"""A ranking question on the dashboard, in the report and on the public page: a chart and a
table of each item's mean rank and share ranking it first, the numbers of ``stats.ranking``."""

from __future__ import annotations

import re
import textwrap

import pytest

from indagine.collect.models import Response
from indagine.collect.transfer import add_synthetic
from indagine.results import services
from indagine.results.models import Publication
from indagine.stats import design, ranking

SLUG = "ranked"
FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) |
| | select_one org | org | Tipo di organizzazione | Type of organisation |
| | rank tools | tools | Metti in ordine gli strumenti | Put the tools in order |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | org | bpo | BPO | BPO |
| | org | inhouse | Interno | In-house |
| | tools | chat | Chat aziendale | Company chat |
| | tools | mail | Posta elettronica | E-mail |
| | tools | video | Videochiamate | Video calls |
| settings |
| | form_title | form_id | version | default_language |
| | Strumenti | ranked | 1 | Italiano (it) |
"""
ITEMS = ["chat", "mail", "video"]


@pytest.fixture
def ranked(db):
    from indagine.surveys.services import import_form, open_survey

    imported = import_form(textwrap.dedent(FORM).encode(), "ranked.md", slug=SLUG)
    survey = open_survey(imported.survey)
    add_synthetic(SLUG, 60, seed=5, test=False)
    return survey


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(user)
    return user


def _orders(survey):
    rows = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE).order_by("pk")
    return [a.get("tools") for a in rows.values_list("answers", flat=True)]


def test_the_findings_of_a_ranking_are_the_engines_on_the_stored_rows(ranked):
    orders = _orders(ranked)
    found = services.findings(ranked).finding("tools")
    ref = ranking.rank_summary(design.survey_design(len(orders)), orders, ITEMS, what="tools")
    assert found.kind == "ranking" and found.base.n == ref.n
    for item in found.ranks:
        for got, want in (
            (item.mean_rank.estimate, ref.mean_rank_of(item.name)),
            (item.first.estimate, ref.first_of(item.name)),
        ):
            assert got.estimate == pytest.approx(want.estimate, rel=1e-9, abs=1e-12)
            assert got.se == pytest.approx(want.se, rel=1e-9, abs=1e-12)
            assert (got.ci_low, got.ci_high) == pytest.approx(
                (want.ci_low, want.ci_high), rel=1e-9, abs=1e-12
            )


def _table(html: str) -> list[list[str]]:
    body = html[html.index('id="ranks-tools"') :]
    body = body[: body.index("</table>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def test_the_dashboard_shows_the_rankings_chart_and_table(client, ranked, organiser):
    client.cookies["django_language"] = "en"  # the page's words; ?lang= picks the form's texts
    html = client.get(f"/manage/{SLUG}/results/?lang=en").content.decode()
    assert 'id="finding-tools"' in html and 'aria-label="Put the tools in order"' in html
    assert "Mean rank (1 = first)" in html
    rows = _table(html)
    assert rows[0] == ["Item", "Mean rank", "95% interval", "Ranked first", "95% interval"]
    found = services.findings(ranked).finding("tools")
    assert [r[0] for r in rows[1:]] == [
        {"chat": "Company chat", "mail": "E-mail", "video": "Video calls"}[i.name]
        for i in found.ranks
    ]
    means = [float(r[1]) for r in rows[1:]]
    assert means == sorted(means) and sum(means) == pytest.approx(6.0, abs=0.02)
    assert rows[1][3].endswith("%") and " – " in rows[1][2]


def test_the_report_and_the_public_page_show_it_in_their_language(client, ranked, organiser):
    html = client.get(f"/manage/{SLUG}/report.html?lang=it").content.decode()
    rows = _table(html)
    assert rows[0] == [
        "Voce",
        "Posizione media",
        "Intervallo al 95%",
        "Al primo posto",
        "Intervallo al 95%",
    ]
    assert "Posizione media (1 = prima)" in html  # the chart's axis
    assert re.match(r"^\d,\d\d$", rows[1][1])  # an Italian decimal comma
    Publication.objects.create(survey=ranked, enabled=True, min_segment=10)
    public = client.get(f"/r/{SLUG}/?lang=en").content.decode()
    assert 'id="ranks-tools"' in public and 'aria-label="Put the tools in order"' in public
    assert client.get(f"/manage/{SLUG}/report.pdf").content.startswith(b"%PDF")
