"""The results' snapshot read column by column from the database (`results.stored`): the frame
the rows read one by one through the ORM give, kept up to date by the ids it does not hold
(never by an order of completion, which an anonymous survey does not keep), on SQLite and on
PostgreSQL (the same tests with DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import random
import re
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.utils import timezone

from indagine.analysis.compute import Analysis
from indagine.analysis.frame import Snapshot
from indagine.collect.models import Response
from indagine.results import services, snapshots, stored
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey

SLUG = "trial"
FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | required | relevant | calculation |
| | begin_group | p1 | Profilo | Profile | | | |
| | select_one org | org | Tipo | Type | yes | | |
| | text | org_other | Quale? | Which? | yes | selected(${org}, 'other') | |
| | integer | staff | Addetti | Staff | | | |
| | date | since | Da quando? | Since when? | | | |
| | end_group | | | | | | |
| | begin_group | p2 | Lavoro | Work | | | |
| | select_multiple tools | tools | Strumenti | Tools | | selected(${org}, 'bpo') | |
| | select_one agree | agree | Accordo | Agreement | yes | | |
| | calculate | double | | | | | ${staff} * 2 |
| | text | comment | Commento | Comment | | | |
| | end_group | | | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | org | bpo | BPO | BPO |
| | org | inhouse | Interno | In-house |
| | org | other | Altro | Other |
| | tools | vpn | VPN | VPN |
| | tools | cloud | Cloud | Cloud |
| | tools | byod | Propri | Own devices |
| | agree | 1 | Per nulla | Not at all |
| | agree | 2 | Poco | A little |
| | agree | 3 | Molto | A lot |
| settings |
| | form_title | form_id | version | default_language |
| | Prova | trial | 1 | Italiano (it) |
"""
# The second version: a choice more in two lists, a question more on the second page.
SECOND = (
    FORM.replace("| | org | other |", "| | org | public | Ente | Public body |\n| | org | other |")
    .replace("| | tools | byod |", "| | tools | crm | CRM | CRM |\n| | tools | byod |")
    .replace(
        "| | text | comment |",
        "| | decimal | share | Quota | Share | | | |\n| | text | comment |",
    )
    .replace("| Prova | trial | 1 |", "| Prova | trial | 2 |")
)
TEXTS = ["Perché sì", 'detto "così"', "due\nrighe", "barra \\ inversa", "😀 ok", "", "a\tb"]
COLUMNS = re.compile(
    r"^(_id|_completed_at|org|org_other|staff|since|tools/\w+|agree|double|share|comment)$"
)


@pytest.fixture(autouse=True)
def _nothing_held():
    """Ids and survey numbers come again in each SQLite test (rolled back): nothing held from
    another test may pass for this one's."""
    services.forget()
    yield
    services.forget()


@pytest.fixture
def survey(db) -> Survey:
    first = import_form(textwrap.dedent(FORM).encode(), "trial.md", slug=SLUG)
    return open_survey(first.survey)


def _answers(rng: random.Random, version: int, texts: float = 0.05) -> dict:
    """One respondent: questions skipped by their conditions, some left blank, texts with
    quotes, newlines and emoji, a calculation that is text in a share `texts` of them."""
    orgs = ["bpo", "inhouse", "other"] + (["public"] if version == 2 else [])
    answers: dict = {"org": rng.choice(orgs), "agree": rng.choice(["1", "2", "3"])}
    if answers["org"] == "other":
        answers["org_other"] = rng.choice(TEXTS)
    if rng.random() < 0.7:
        answers["staff"] = rng.randint(1, 500)
        answers["double"] = "n/a" if rng.random() < texts else answers["staff"] * 2
    if rng.random() < 0.5:
        answers["since"] = f"2020-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
    if answers["org"] == "bpo":
        tools = ["vpn", "cloud", "byod"] + (["crm"] if version == 2 else [])
        answers["tools"] = rng.sample(tools, rng.randint(1, len(tools)))
    if rng.random() < 0.4:
        answers["comment"] = rng.choice(TEXTS)
    if version == 2 and rng.random() < 0.8:
        answers["share"] = round(rng.uniform(0, 100), 1)
    return answers


def _store(
    survey: Survey, count: int, seed: int, *, anonymous: bool = False, texts: float = 0.05
) -> list[int]:
    """`count` complete responses to the survey's current version, as collect stores them:
    precise times and counted ids, or (anonymous) the day's midnight and random ids."""
    rng = random.Random(seed)
    version = survey.current_version
    now = timezone.now()
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for i in range(count):
        done = day if anonymous else now - dt.timedelta(minutes=count - i, microseconds=i)
        rows.append(
            Response(
                pk=rng.randrange(2**40, 2**52) if anonymous else None,
                survey=survey,
                form_version=version,
                status=Response.Status.COMPLETE,
                answers=_answers(rng, version.number, texts),
                language="it",
                completed_at=done,
            )
        )
    made = Response.objects.bulk_create(rows)
    started = {r.pk: r.completed_at - dt.timedelta(seconds=rng.randint(60, 900)) for r in made}
    for pk, moment in started.items():
        Response.objects.filter(pk=pk).update(started_at=day if anonymous else moment)
    return [r.pk for r in made]


def _realistic(survey: Survey, texts: float = 0.05) -> Survey:
    """Responses to two versions, some anonymous (day-stamped, random ids), a partial one and
    one to another survey (neither in the snapshot)."""
    _store(survey, 120, seed=1, texts=texts)
    import_form(textwrap.dedent(SECOND).encode(), "trial-2.md", slug=SLUG)
    survey.refresh_from_db()
    _store(survey, 80, seed=2, texts=texts)
    Survey.objects.filter(pk=survey.pk).update(anonymous=True)
    survey.refresh_from_db()
    _store(survey, 60, seed=3, anonymous=True, texts=texts)
    Response.objects.create(
        survey=survey, form_version=survey.current_version, answers={"org": "bpo"}, language="it"
    )
    other = import_form(textwrap.dedent(FORM).encode(), "other.md", slug="other").survey
    _store(other, 5, seed=4)
    return survey


def _one_by_one(survey: Survey) -> pl.DataFrame:
    """The frame of the rows read one at a time through the ORM (the committed code's path),
    with the pure function of the analysis."""
    rows = [
        (r.pk, r.completed_at, r.answers)
        for r in Response.objects.filter(survey=survey, status="complete").order_by("pk")
    ]
    return Snapshot.build(survey.current_version.form, rows).frame


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Single choices back to String (the snapshot holds them as Enum), rows by id."""
    single = [c for c, t in frame.schema.items() if isinstance(t, pl.Enum)]
    return frame.with_columns(pl.col(c).cast(pl.String) for c in single).sort("_id")


def test_the_snapshot_read_column_by_column_is_the_frame_of_the_rows_read_one_by_one(survey):
    _realistic(survey)
    held = services.snapshot(survey)
    expected = _one_by_one(survey)
    assert held.n == 260 and expected.height == 260
    assert _as_text(held.frame).equals(expected)
    assert held.frame.schema["org"] == pl.Enum(["bpo", "inhouse", "public", "other"])
    assert held.frame.schema["comment"] == pl.String
    assert held.frame["double"].dtype == pl.String  # "n/a" among the numbers, as one by one
    form = survey.current_version.form
    ours = Analysis(form).update(held.frame).findings()
    theirs = Analysis(form).update(expected).findings()
    assert ours == theirs and ours.n == 260


def test_read_in_many_small_batches_and_chunks_the_frame_is_the_same(survey, monkeypatch):
    """Batches by ranges of ids, lists of ids, chunks merged as they come: the same frame.
    (Calculations are numbers here: one that turns to text in a later chunk is written as
    the number's text, "24.0", as the analysis's own appends do.)"""
    monkeypatch.setattr(stored, "BATCH", 7)
    monkeypatch.setattr(stored, "LISTED", 3)
    monkeypatch.setattr(snapshots, "MERGED", 20)
    _realistic(survey, texts=0)
    held = services.snapshot(survey)
    assert held.frame.n_chunks() < 20 and _as_text(held.frame).equals(_one_by_one(survey))
    _store(survey, 11, seed=14, anonymous=True, texts=0)  # then read 3 ids a query
    grown = services.snapshot(survey)
    assert grown.n == 271 and _as_text(grown.frame).equals(_one_by_one(survey))


def test_an_answer_naming_a_choice_no_longer_offered_is_read_as_it_was_stored(survey, monkeypatch):
    """A later version drops a choice earlier respondents chose: the batches holding it are
    read as texts (the others straight into the choices' Enum), and the frame keeps it, as
    the rows read one by one do."""
    monkeypatch.setattr(stored, "BATCH", 10)
    _store(survey, 40, seed=15, texts=0)
    dropped = FORM.replace("| | org | other | Altro | Other |\n", "")
    dropped = dropped.replace("| Prova | trial | 1 |", "| Prova | trial | 2 |")
    import_form(textwrap.dedent(dropped).encode(), "trial-2.md", slug=SLUG)
    survey.refresh_from_db()
    assert [c.name for c in survey.current_version.form.question("org").choices] == [
        "bpo",
        "inhouse",
    ]
    _store(survey, 30, seed=16, texts=0)  # (drawn as the first version's: "other" still)
    chose = Response.objects.filter(survey=survey, answers__org="other").count()
    form = survey.current_version.form
    assert snapshots._decode(form, b'{"org": "bpo"}').schema["org"] == pl.Enum(["bpo", "inhouse"])
    assert snapshots._decode(form, b'{"org": "other"}').schema["org"] == pl.String
    held = services.snapshot(survey)
    assert chose > 0 and held.frame.get_column("org").to_list().count("other") == chose
    assert _as_text(held.frame).equals(_one_by_one(survey))


def test_an_earlier_versions_file_leaves_the_disk_when_its_responses_are_erased(survey):
    """A new version, then every response erased: the look finds nothing to read and nothing
    to save, and the file written for the earlier version (its rows the erased answers) must
    not stay on the disk."""
    _store(survey, 12, seed=17)
    services.snapshot(survey)
    assert pq.read_table(_parquet(survey)).num_rows == 12
    import_form(textwrap.dedent(SECOND).encode(), "trial-2.md", slug=SLUG)
    survey.refresh_from_db()
    Response.objects.filter(survey=survey).delete()
    assert services.snapshot(survey).n == 0
    path = _parquet(survey)
    assert not path.exists() or pq.read_table(path).num_rows == 0


def test_the_figures_beside_the_findings_are_those_of_the_stored_rows(survey):
    ids = _store(survey, 50, seed=5)
    # completions at a fixed noon, not "now": a run across midnight would see three days
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    for response in Response.objects.filter(pk__in=ids[3:]):  # each keeps its duration
        took = response.completed_at - response.started_at
        Response.objects.filter(pk=response.pk).update(completed_at=noon, started_at=noon - took)
    Response.objects.filter(pk__in=ids[:3]).update(completed_at=noon - dt.timedelta(days=3))
    complete = Response.objects.filter(survey=survey, status="complete")
    stamps = complete.values_list("completed_at", flat=True)
    days = Counter(timezone.localtime(c).date() for c in stamps)
    assert services.responses_by_day(survey) == sorted(days.items()) and len(days) == 2
    pairs = complete.values_list("started_at", "completed_at")
    spans = sorted((c - s).total_seconds() for s, c in pairs)
    middle = (spans[24] + spans[25]) / 2
    assert services.median_duration(survey) == dt.timedelta(seconds=round(middle))


def test_the_complete_ids_and_their_mark_tell_every_set_apart(survey):
    """Ids up to 2**52 (anonymous rows) read back exactly; the mark of a set differs from the
    mark of the set with one id less, or with one id replaced by another."""
    ids = _store(survey, 40, seed=6, anonymous=True) + _store(survey, 3, seed=7)
    now = stored.complete_ids(survey.pk)
    assert max(ids) > 2**40 and np.array_equal(now, sorted(ids))
    assert stored.Mark.of(now) == stored.Mark.of(np.array(sorted(ids), dtype=np.int64))
    assert stored.Mark.of(now) != stored.Mark.of(now[1:])
    swapped = np.sort(np.append(now[1:], now[-1] + 1))
    assert swapped.size == now.size and stored.Mark.of(now) != stored.Mark.of(swapped)


def test_a_response_completed_after_the_snapshot_appears_on_the_next_request(
    client, survey, django_user_model
):
    client.force_login(django_user_model.objects.create_superuser("org", password="pw-123456789"))
    early = Response.objects.create(  # started before all the others: the lowest id of the lot
        survey=survey, form_version=survey.current_version, answers={"org": "bpo"}, language="it"
    )
    _store(survey, 30, seed=8)
    assert _shown(client) == 30
    Response.objects.filter(pk=early.pk).update(
        status="complete", answers={"org": "inhouse", "agree": "2"}, completed_at=timezone.now()
    )
    assert _shown(client) == 31
    assert early.pk in services.snapshot(survey).frame["_id"].to_list()
    Survey.objects.filter(pk=survey.pk).update(anonymous=True)
    survey.refresh_from_db()
    late = _store(survey, 2, seed=9, anonymous=True)
    assert _shown(client) == 33
    assert set(late) <= set(services.snapshot(survey).frame["_id"].to_list())


def _shown(client) -> int:
    page = client.get(f"/manage/{SLUG}/results/?lang=it").content.decode()
    return int(re.search(r'<dd id="n-complete">(\d+)</dd>', page)[1])


def test_a_deleted_response_disappears_from_memory_and_from_the_disk(survey):
    ids = _store(survey, 40, seed=10)
    assert services.snapshot(survey).n == 40
    Response.objects.filter(pk=ids[7]).delete()
    replacement = _store(survey, 1, seed=11)  # as many rows as before: the ids tell them apart
    after = services.snapshot(survey)
    assert after.n == 40 and ids[7] not in after.frame["_id"].to_list()
    assert replacement[0] in after.frame["_id"].to_list()
    assert _as_text(after.frame).equals(_one_by_one(survey))
    on_disk = pl.read_parquet(_parquet(survey))
    assert ids[7] not in on_disk["_id"].to_list() and on_disk.height == 40


def _parquet(survey: Survey) -> Path:
    return Path(settings.DATA_DIR) / "snapshots" / f"survey-{survey.pk}.parquet"


def test_a_new_process_starts_from_the_file_and_reads_only_what_it_lacks(survey, monkeypatch):
    _store(survey, 30, seed=12, texts=0)  # see test_read_in_many_small_batches…
    services.snapshot(survey)
    saved = pq.read_table(_parquet(survey)).num_rows
    added = _store(survey, 5, seed=13, texts=0)
    snapshots._HELD.clear()  # a new server process: nothing in memory, the file on disk
    asked: list[list[int]] = []
    reading = stored.batches_of
    monkeypatch.setattr(
        stored,
        "batches_of",
        lambda pk, ids, *rest: (asked.append(ids.tolist()), reading(pk, ids, *rest))[1],
    )
    restarted = services.snapshot(survey)
    assert saved == 30 and asked == [sorted(added)]
    assert _as_text(restarted.frame).equals(_one_by_one(survey))


def test_nothing_kept_tells_the_order_in_which_anonymous_responses_arrived(survey):
    """No column is added to the responses; the snapshot has the analysis's columns only, and
    its file holds rows in the order of their random ids, each having taken 0 seconds (day
    stamps), however they arrived."""
    # (orders: the choices' order each respondent saw, drawn from a random seed: no clock;
    # test: the organiser's mark, the same for every response of a run of the demo)
    columns = "id survey_id form_version_id key_hash status answers orders language page source"
    columns += " test"
    assert [f.column for f in Response._meta.concrete_fields] == [
        *columns.split(),
        *("started_at", "updated_at", "completed_at"),
    ]
    Survey.objects.filter(pk=survey.pk).update(anonymous=True)
    survey.refresh_from_db()
    arrived = []
    for seed in range(20, 26):  # six arrivals, each seen by the dashboard before the next
        arrived += _store(survey, 200, seed=seed, anonymous=True)
        services.snapshot(survey)
    frame = services.snapshot(survey).frame
    assert all(COLUMNS.match(c) for c in frame.columns), frame.columns
    table = pq.read_table(_parquet(survey))
    assert table.num_rows == 1200 and set(table.column_names) == {*frame.columns, "_seconds"}
    assert table.column("_id").to_pylist() == sorted(arrived) != arrived
    assert set(table.column("_seconds").to_pylist()) == {0.0}
    assert len(set(table.column("_completed_at").to_pylist())) == 1
