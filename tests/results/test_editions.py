"""Editions on the organiser's pages (#18.2, #18.3): the dashboard, the report and the letter
of a survey that is the next edition of another, on answers whose truth is known by
construction (a clear rise, noise), with an earlier edition known only from its tables."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from indagine.collect.models import Response
from indagine.surveys import editions
from indagine.surveys.services import close_survey, import_form, open_survey
from organisers import make_organiser

FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | appearance | claim::it | claim::en |
| | select_one agree | change | Il lavoro sta cambiando? | Is the job changing? | likert | il lavoro stia cambiando | the job is changing |
| | integer | agents | Quanti operatori? | How many agents? | | | |
| | select_one kind | kind | Tipo | Kind | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) | score |
| | agree | 1 | Per nulla | Not at all | 1 |
| | agree | 2 | Poco | Little | 2 |
| | agree | 3 | Abbastanza | Some | 3 |
| | agree | 4 | Molto | Much | 4 |
| | agree | 5 | Moltissimo | Very much | 5 |
| | kind | bpo | BPO | BPO | |
| | kind | inhouse | Interno | In-house | |
| | kind | public | Pubblico | Public | |
| settings |
| | form_title | form_id | default_language |
| | {title} | club_{year} | Italiano (it) |
"""


def _answers(survey, agree: float, n: int, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    Response.objects.bulk_create(
        Response(
            survey=survey,
            form_version=survey.current_version,
            status="complete",
            language="it",
            completed_at=now,
            answers={
                "change": rng.choice(["4", "5"])
                if rng.random() < agree
                else rng.choice(["1", "2"]),
                "agents": rng.randint(20, 80),
                "kind": rng.choices(["bpo", "inhouse", "public"], [0.3, 0.5, 0.2])[0],
            },
        )
        for _ in range(n)
    )


@pytest.fixture
def two_editions(db):
    first = import_form(
        FORM.format(title="Club 2020", year=2020).encode(), "a.md", slug="club-2020"
    ).survey
    open_survey(first)
    _answers(first, 0.45, 200, 1)
    close_survey(first)
    second = import_form(
        FORM.format(title="Club 2021", year=2021).encode(), "b.md", slug="club-2021"
    ).survey
    first.edition_label = "2020"
    first.save()
    editions.link(second, first, "2021")
    editions.add_past(
        first,
        "2019",
        b"question,choice,share,n\nkind,bpo,0.3,150\nkind,inhouse,0.5,150\nkind,public,0.2,150\n",
    )
    open_survey(second)
    _answers(second, 0.75, 200, 2)
    return first, second


@pytest.fixture
def organiser(db, client, django_user_model):
    client.force_login(make_organiser(django_user_model, "segreteria"))


def test_the_dashboard_shows_each_figure_across_the_editions(client, organiser, two_editions):
    page = client.get("/manage/club-2021/results/").content.decode()
    assert 'id="editions"' in page and 'id="edition-change"' in page
    assert 'id="edition-kind-bpo"' in page and "2019 *" in page  # from its tables
    # open: the rise is judged at every look, a choice's share at the close
    bpo = page[page.index('id="edition-kind-bpo"') :]
    assert "giudicato alla chiusura" in bpo[: bpo.index("</div>")]
    section = page[page.index('id="edition-change"') :]
    section = section[: section.index("</div>")]
    assert "2020" in section and "2021" in section and "<svg" in section


def test_at_the_close_the_report_and_the_letter_state_the_clear_rise(
    client, organiser, two_editions
):
    _first, second = two_editions
    close_survey(second)
    report = client.get("/manage/club-2021/report.html?lang=it").content.decode()
    section = report[report.index('id="edition-change"') :]
    section = section[: section.index("</div>")]
    assert '<strong class="clear">chiaro</strong>' in section
    agents = report[report.index('id="edition-agents"') :]
    assert "<strong>non evidente</strong>" in agents[: agents.index("</div>")]
    letter = client.get("/manage/club-2021/newsletter.md?lang=it&stage=final").content.decode()
    assert "Ed ecco il confronto con l'edizione del 2020." in letter
    assert "la quota di chi ritiene che il lavoro stia cambiando è salita" in letter.lower()
    english = client.get("/manage/club-2021/newsletter.md?lang=en&stage=final").content.decode()
    assert "rose from" in english and "the job is changing" in english


def test_a_survey_that_follows_none_shows_no_editions(client, organiser, two_editions):
    first, _second = two_editions
    first.edition_of = None
    first.save()
    from indagine.surveys.models import PastEdition

    PastEdition.objects.all().delete()
    page = client.get("/manage/club-2020/results/").content.decode()
    assert 'id="editions"' not in page
