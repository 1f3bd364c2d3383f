"""Each member's benchmark on the thank-you page (#18.4): their answers beside everyone's and
their group's, a group under the minimum never shown, and in an anonymous survey no link
stored anywhere (the answers it reads kept by the respondent's own browser)."""

from __future__ import annotations

import random
import re

import pytest
from django.db import connection
from django.utils import timezone

from conftest import SMALL_FORM
from indagine.collect.benchmark import COOKIE
from indagine.collect.keys import digest
from indagine.collect.models import Response
from indagine.surveys.services import configure, import_form, open_survey

BENCHMARKED = SMALL_FORM.replace(
    "| | form_title | form_id | version | default_language |\n| | Piccola | small | 1 | Italiano (it) |",
    "| | form_title | form_id | version | default_language | benchmark | benchmark_group |"
    " benchmark_min_group |\n| | Piccola | small | 1 | Italiano (it) | yes | org | 5 |",
)


def _others(survey, n: int, seed: int = 3) -> None:
    """`n` complete responses of other members: bpo or in-house, vpn mostly."""
    rng = random.Random(seed)
    Response.objects.bulk_create(
        Response(
            survey=survey,
            form_version=survey.current_version,
            status="complete",
            language="it",
            completed_at=timezone.now(),
            answers={
                "org": rng.choice(["bpo", "inhouse"]),
                "share": 40,
                "tools": ["vpn"] if rng.random() < 0.75 else ["cloud"],
            },
        )
        for _ in range(n)
    )


def _complete(client, org: str = "bpo") -> str:
    """Answer the three pages as a new respondent; the thank-you page."""
    first = client.get("/s/small/").content.decode()
    key = re.search(r'name="_key" value="([^"]+)"', first).group(1)
    first_page = {"org": org, **({"org_other": "Cooperativa"} if org == "other" else {})}
    pages = (first_page, {"share": "50", "tools": ["vpn"]}, {})
    for index, answers in enumerate(pages):
        reply = client.post(
            "/s/small/", {"_key": key, "_action": "next", "_page": str(index), **answers}
        )
        assert reply.status_code == 302, reply.content.decode()[:1500]
    client.respondent_key = key
    return client.get(reply["Location"]).content.decode()


@pytest.fixture
def survey(db):
    made = import_form(BENCHMARKED.encode(), "small.md", slug="small").survey
    assert made.benchmark and made.benchmark_group == "org" and made.benchmark_min_group == 5
    return open_survey(made)


def test_the_thank_you_page_compares_with_everyone_and_the_group(client, survey):
    _others(survey, 20)
    page = _complete(client)
    assert 'id="benchmark"' in page
    table = page[page.index('id="benchmark"') :]
    assert "Tipo" in table and "BPO" in table and "Strumenti" in table and "VPN" in table
    assert "Il suo gruppo: BPO" in table and ">Il suo gruppo</th>" in table
    # the shares are those of the first 20 complete responses: a whole multiple of 5
    first = Response.objects.filter(status="complete").order_by("id")[:20]
    bpo = sum(1 for r in first if r.answers["org"] == "bpo")
    assert f"{round(100 * bpo / 20)}%" in table and "finora: 20." in table


def test_a_group_under_the_minimum_is_never_shown(client, survey):
    _others(survey, 20)
    Response.objects.filter(answers__org="inhouse").update(
        answers={"org": "bpo", "share": 1, "tools": ["vpn"]}
    )
    page = _complete(client, org="other")  # the only "other": a group of one
    table = page[page.index('id="benchmark"') :]
    assert "compare quando ha almeno 5 risposte" in table
    assert ">Il suo gruppo</th>" not in table  # no column of a group of one


def test_everyone_is_not_shown_before_the_minimum_either(client, survey):
    _others(survey, 2)
    page = _complete(client)
    table = page[page.index('id="benchmark"') :]
    assert "%" not in table.split("</table>")[0]


def test_an_anonymous_survey_keeps_no_link_for_the_benchmark(client, survey):
    configure(survey, anonymous=True, panel_only=False)
    _others(survey, 20)
    page = _complete(client)
    assert 'id="benchmark"' in page and "VPN" in page
    mine = Response.objects.filter(status="complete").exclude(answers__share=40).get()
    assert mine.key_hash is None
    kept = client.cookies[COOKIE.format(slug="small")].value
    key = client.respondent_key
    with connection.cursor() as cursor:  # every table's every text, as the server keeps it
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                assert kept not in text and digest(key) not in text, table
    client.cookies.pop(COOKIE.format(slug="small"))
    again = client.get("/s/small/thanks/").content.decode()
    assert 'id="benchmark"' not in again  # the server cannot find the answers again


def test_without_the_setting_no_benchmark(client, db):
    open_survey(import_form(SMALL_FORM.encode(), "small.md", slug="small").survey)
    assert 'id="benchmark"' not in _complete(client)


def test_the_survey_page_switches_it_and_checks_the_group(client, db, django_user_model):
    from organisers import make_organiser

    open_survey(import_form(SMALL_FORM.encode(), "small.md", slug="small").survey)
    client.force_login(make_organiser(django_user_model, "segreteria"))
    page = client.get("/manage/small/").content.decode()
    assert 'id="opt-benchmark"' in page and '<option value="org"' in page
    data = {"benchmark": "on", "benchmark_group": "org", "benchmark_min_group": "7"}
    client.post("/manage/small/benchmark/", data)
    from indagine.surveys.models import Survey

    small = Survey.objects.get(slug="small")
    assert (small.benchmark, small.benchmark_group, small.benchmark_min_group) == (True, "org", 7)
    for wrong in ({"benchmark_group": "share"}, {"benchmark_min_group": "1"}):
        reply = client.post("/manage/small/benchmark/", {**data, **wrong}, follow=True)
        assert "SURVEY_BAD_BENCHMARK" in reply.content.decode()
    small.refresh_from_db()
    assert small.benchmark_min_group == 7


def _add(survey, org: str, tools: list[str]) -> None:
    Response.objects.create(
        survey=survey,
        form_version=survey.current_version,
        status="complete",
        language="it",
        completed_at=timezone.now(),
        answers={"org": org, "share": 10, "tools": tools},
    )


def test_everyone_and_the_group_never_differ_by_fewer_than_the_minimum(client, survey):
    """The audit's case: four colleagues in the group, one outside it, then this member. The
    group's share beside everyone's would have told the one outsider's answer by difference."""
    for _ in range(4):
        _add(survey, "bpo", ["vpn"])
    _add(survey, "inhouse", ["cloud"])
    page = _complete(client, org="bpo")
    section = page[page.index('id="benchmark"') :].split("</section>")[0]
    assert ">Il suo gruppo</th>" not in section  # four of the first five: under the minimum


def test_the_sets_compared_are_nested_in_whole_multiples_of_the_minimum():
    import polars as pl

    from indagine.forms.model import Choice, Question, QuestionType, Text
    from indagine.results.benchmark import _shares

    question = Question(
        "tools",
        QuestionType.SELECT_ONE,
        Text({"it": "T"}),
        choices=(Choice("vpn", Text({"it": "V"})), Choice("cloud", Text({"it": "C"}))),
    )
    rng = random.Random(9)
    for _ in range(200):
        n, least = rng.randint(0, 40), rng.randint(2, 7)
        frame = pl.DataFrame(
            {
                "_id": list(range(n)),
                "org": [rng.choice(["a", "b"]) for _ in range(n)],
                "tools": [rng.choice(["vpn", "cloud", None]) for _ in range(n)],
            }
        )
        everyone, group = _shares(frame, question, "vpn", least, "org", "a")
        answered = frame.filter(pl.col("tools").is_not_null())
        first = answered.head(answered.height // least * least)
        if everyone is None:
            assert first.height < least and group is None
            continue
        assert everyone * first.height == pytest.approx(round(everyone * first.height))
        ours = first.filter(pl.col("org") == "a")
        if group is not None:
            kept = ours.height // least * least
            assert kept >= least and (first.height - kept) % least == 0


def test_reading_the_page_again_after_one_more_answer_tells_nothing_of_it(client, survey):
    for _ in range(10):
        _add(survey, "bpo", ["vpn"])
    before = _complete(client)
    _add(survey, "inhouse", ["cloud"])  # a colleague completes
    after = client.get("/s/small/thanks/").content.decode()

    def shown(page: str) -> str:
        return page[page.index('id="benchmark"') :].split("</section>")[0]

    assert shown(after) == shown(before)


def test_a_version_that_loses_the_benchmarks_group_is_refused(survey):
    from indagine.surveys.services import SurveyError

    changed = SMALL_FORM.replace("| | select_one org | org |", "| | integer | org |")
    with pytest.raises(SurveyError) as refused:
        import_form(changed.encode(), "small.md", slug="small")
    assert refused.value.code == "SURVEY_BAD_BENCHMARK"
    assert survey.versions.count() == 1


def test_the_thank_you_page_stands_when_the_benchmark_fails(client, survey, monkeypatch):
    from indagine.results import benchmark as comparing

    def broken(*args, **kwargs):
        raise RuntimeError("a snapshot that cannot be read")

    monkeypatch.setattr(comparing, "benchmark", broken)
    page = _complete(client)
    assert "Grazie" in page and 'id="benchmark"' not in page
