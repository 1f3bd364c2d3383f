"""The results' snapshot against a model of what happened to a survey's responses: respondents
arrive (a few at a time, with counted ids and precise times or, anonymous, random ids and the
day's midnight), some finish a response they started long before; the organiser deletes a
response the dashboard showed, marks one as a test and later as real again, imports a version
that drops a choice earlier respondents chose (or offers a new one, or asks one question more
or less); the server restarts (the Parquet on disk kept) or forgets everything (a restore);
and now and then the dashboard looks, with and without the test responses.

Each look must give the frame the rows read one by one through the ORM give, hold the ids the
database holds (its mark, no id twice, the durations of those responses) and leave on disk no
response that is no longer among them. Batches, lists of ids and merged chunks are made small,
so that a few dozen rows go through every path; the examples are the same on every run
(derandomized), on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from indagine.analysis.frame import Snapshot
from indagine.collect.models import Response
from indagine.collect.responses import delete_response, mark_test
from indagine.results import services, snapshots, stored
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
from results.test_snapshot import FORM, TEXTS, _as_text

LABELS = {
    "bpo": ("BPO", "BPO"),
    "inhouse": ("Interno", "In-house"),
    "public": ("Ente", "Public body"),
    "other": ("Altro", "Other"),
    "vpn": ("VPN", "VPN"),
    "cloud": ("Cloud", "Cloud"),
    "crm": ("CRM", "CRM"),
    "byod": ("Propri", "Own devices"),
}
ORGS = ("bpo", "inhouse", "public", "other")
TOOLS = ("vpn", "cloud", "crm", "byod")
CHANGES = ("public", "other", "crm", "byod", "share")
"""What a new version changes: a choice offered or no longer offered (bpo, inhouse, vpn and
cloud always are), or the decimal question `share` asked or no longer asked."""
SHARE = "| | decimal | share | Quota | Share | | | |\n"
_SURVEYS = itertools.count(1)


@dataclass(frozen=True)
class Offered:
    """What the survey's current version asks: the choices of `org` and `tools`, and whether
    it asks `share`."""

    org: tuple[str, ...] = ("bpo", "inhouse", "other")
    tools: tuple[str, ...] = ("vpn", "cloud", "byod")
    share: bool = False

    def changed(self, change: str) -> Offered:
        if change == "share":
            return replace(self, share=not self.share)
        every, field = (ORGS, "org") if change in ORGS else (TOOLS, "tools")
        now = set(getattr(self, field)) ^ {change}
        return replace(self, **{field: tuple(c for c in every if c in now)})


def _source(offered: Offered, version: int) -> bytes:
    """The markdown XLSForm of test_snapshot's FORM with these choices (and `share`)."""
    questions = FORM[: FORM.index("| choices |")]
    if offered.share:
        questions = questions.replace("| | text | comment |", SHARE + "| | text | comment |")
    lines = [questions.rstrip("\n"), "| choices |"]
    lines.append("| | list_name | name | label::Italiano (it) | label::English (en) |")
    for list_name, names in (("org", offered.org), ("tools", offered.tools)):
        lines += [f"| | {list_name} | {n} | {' | '.join(LABELS[n])} |" for n in names]
    for number, it, en in (("1", "Per nulla", "Not at all"), ("2", "Poco", "A little")):
        lines.append(f"| | agree | {number} | {it} | {en} |")
    lines.append("| | agree | 3 | Molto | A lot |")
    lines += ["| settings |", "| | form_title | form_id | version | default_language |"]
    lines.append(f"| | Prova | trial | {version} | Italiano (it) |")
    return textwrap.dedent("\n".join(lines) + "\n").encode()


def _answers(rng: random.Random, offered: Offered) -> dict:
    """One respondent to the version offering `offered` (calculations always numbers: see
    test_snapshot's test_read_in_many_small_batches_and_chunks_the_frame_is_the_same)."""
    answers: dict = {"org": rng.choice(offered.org), "agree": rng.choice(["1", "2", "3"])}
    if answers["org"] == "other":
        answers["org_other"] = rng.choice(TEXTS)
    if rng.random() < 0.7:
        answers["staff"] = rng.randint(1, 500)
        answers["double"] = answers["staff"] * 2
    if rng.random() < 0.5:
        answers["since"] = f"2020-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
    if answers["org"] == "bpo":
        answers["tools"] = rng.sample(offered.tools, rng.randint(1, len(offered.tools)))
    if rng.random() < 0.4:
        answers["comment"] = rng.choice(TEXTS)
    if offered.share and rng.random() < 0.8:
        answers["share"] = round(rng.uniform(0, 100), 1)
    return answers


def _arrive(
    survey: Survey, offered: Offered, count: int, rng: random.Random, anonymous: bool
) -> dict[int, dict]:
    """`count` complete responses as collect stores them (test_snapshot's `_store`): precise
    times and counted ids, or (anonymous) the day's midnight and random ids. Their answers by
    id."""
    now = timezone.now()
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for i in range(count):
        done = day if anonymous else now - dt.timedelta(minutes=count - i, microseconds=i)
        rows.append(
            Response(
                pk=rng.randrange(2**40, 2**52) if anonymous else None,
                survey=survey,
                form_version=survey.current_version,
                status=Response.Status.COMPLETE,
                answers=_answers(rng, offered),
                language="it",
                completed_at=done,
            )
        )
    made = Response.objects.bulk_create(rows)
    if anonymous:
        Response.objects.filter(pk__in=[r.pk for r in made]).update(started_at=day)
    else:
        for response in made:
            took = dt.timedelta(seconds=rng.randint(60, 900))
            started = response.completed_at - took
            Response.objects.filter(pk=response.pk).update(started_at=started)
    return {r.pk: r.answers for r in made}


def _complete(survey: Survey, tests: bool):
    rows = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    return rows if tests else rows.filter(test=False)


def _reference(survey: Survey, tests: bool) -> pl.DataFrame:
    """test_snapshot's `_one_by_one` (which reads test responses too) for either view: the
    rows read one at a time through the ORM, built by the analysis's pure function."""
    rows = [(r.pk, r.completed_at, r.answers) for r in _complete(survey, tests).order_by("pk")]
    return Snapshot.build(survey.current_version.form, rows).frame


def _differences(ours: pl.DataFrame, theirs: pl.DataFrame) -> str:
    """What tells two frames apart, for the failure's message."""
    if ours.schema != theirs.schema:
        return f"schemas differ:\n{ours.schema}\n{theirs.schema}"
    if ours.get_column("_id").to_list() != theirs.get_column("_id").to_list():
        mine, others = set(ours["_id"]), set(theirs["_id"])
        return f"ids: only held {sorted(mine - others)}, only stored {sorted(others - mine)}"
    differing = [c for c in ours.columns if not ours.get_column(c).equals(theirs.get_column(c))]
    first = differing[0]
    mask = ~(ours.get_column(first).eq_missing(theirs.get_column(first)))
    return (
        f"columns {differing}; first rows of {first!r}:\n"
        f"{ours.filter(mask).select('_id', first).head(5)}\n"
        f"{theirs.filter(mask).select('_id', first).head(5)}"
    )


def _files(survey: Survey) -> dict[str, bytes]:
    """The survey's Parquet files (both views', with their instances'), by name."""
    folder = Path(django_settings.DATA_DIR) / "snapshots"
    return {f.name: f.read_bytes() for f in folder.glob(f"survey-{survey.pk}[.-]*parquet")}


class Dashboard(RuleBasedStateMachine):
    """One survey (a new one each example), its responses as the model knows them, and a
    second survey whose responses no look may show."""

    def __init__(self, elsewhere: Survey) -> None:
        super().__init__()
        services.forget()
        self.elsewhere = elsewhere
        self.offered = Offered()
        self.version = 1
        slug = f"model-{next(_SURVEYS)}"
        self.survey = open_survey(import_form(_source(self.offered, 1), "m.md", slug=slug).survey)
        self.answers: dict[int, dict] = {}  # complete responses, by id
        self.tests: set[int] = set()  # those of them marked as tests
        self.started: list[int] = []  # partial responses
        self.shown: set[int] = set()  # ids the dashboard showed at its last look
        self.arrivals = 0

    def teardown(self) -> None:
        """The next example draws the same random ids again."""
        services.forget()
        Response.objects.filter(survey__in=[self.survey, self.elsewhere]).delete()

    def _rng(self, seed: int) -> random.Random:
        """Answers and random ids drawn anew at each arrival of an example (the same seed
        drawn twice gives other ids), the same in a replay of the example."""
        self.arrivals += 1
        return random.Random(f"{seed}/{self.arrivals}")

    @initialize(count=st.integers(0, 30), anonymous=st.booleans(), seed=st.integers(0, 2**16))
    def opened(self, count: int, anonymous: bool, seed: int) -> None:
        """The survey has its first responses, and the dashboard has looked once."""
        self._come(count, anonymous, seed, elsewhere=True, started=1)
        self.look(tests=False, twice=False)

    @rule(
        count=st.integers(1, 12),
        seed=st.integers(0, 2**16),
        elsewhere=st.booleans(),
        started=st.integers(0, 2),
    )
    def arrive(self, count: int, seed: int, elsewhere: bool, started: int) -> None:
        """Respondents complete the survey, with counted ids and precise times."""
        self._come(count, False, seed, elsewhere, started)

    @rule(
        count=st.integers(1, 12),
        seed=st.integers(0, 2**16),
        elsewhere=st.booleans(),
        started=st.integers(0, 2),
    )
    def arrive_anonymously(self, count: int, seed: int, elsewhere: bool, started: int) -> None:
        """Respondents complete the survey with random ids and the day's midnight."""
        self._come(count, True, seed, elsewhere, started)

    def _come(self, count: int, anonymous: bool, seed: int, elsewhere: bool, started: int) -> None:
        """`count` respondents complete the survey (and one another survey, if `elsewhere`);
        `started` others open it and leave it half done, for now."""
        rng = self._rng(seed)
        made = _arrive(self.survey, self.offered, count, rng, anonymous)
        if elsewhere:
            _arrive(self.elsewhere, Offered(), 1, rng, anonymous)
        assert len(made) == count and not made.keys() & self.answers.keys()
        stored_now = _complete(self.survey, False).filter(pk__in=list(made))
        assert stored_now.count() == count
        self.answers |= made
        for _ in range(started):
            partial = Response.objects.create(
                survey=self.survey,
                form_version=self.survey.current_version,
                answers={"org": rng.choice(self.offered.org)},
                language="it",
            )
            assert partial.status == Response.Status.PARTIAL
            self.started.append(partial.pk)

    @precondition(lambda self: self.started)
    @rule(which=st.integers(0, 100), seed=st.integers(0, 2**16))
    def finish(self, which: int, seed: int) -> None:
        """A respondent who started before many others (an id lower than theirs) finishes."""
        pk = self.started.pop(which % len(self.started))
        answers = _answers(self._rng(seed), self.offered)
        done = timezone.now()
        Response.objects.filter(pk=pk).update(
            status=Response.Status.COMPLETE, answers=answers, completed_at=done
        )
        assert _complete(self.survey, False).filter(pk=pk).exists()
        self.answers[pk] = answers

    @precondition(lambda self: self.shown & self.answers.keys())
    @rule(which=st.integers(0, 100))
    def delete(self, which: int) -> None:
        """The organiser deletes a response the dashboard showed."""
        held = sorted(self.shown & self.answers.keys())
        pk = held[which % len(held)]
        delete_response(self.survey, Response.objects.get(pk=pk))
        assert not Response.objects.filter(pk=pk).exists()
        del self.answers[pk]
        self.tests.discard(pk)

    @precondition(lambda self: self.answers.keys() - self.tests)
    @rule(which=st.integers(0, 100), shown=st.booleans())
    def mark_as_test(self, which: int, shown: bool) -> None:
        """The organiser marks a real response as a test (one the dashboard showed, if any,
        when `shown`)."""
        real = self.answers.keys() - self.tests
        pool = sorted((real & self.shown) if shown and real & self.shown else real)
        pk = pool[which % len(pool)]
        mark_test(self.survey, Response.objects.get(pk=pk), True)
        assert Response.objects.get(pk=pk).test is True
        self.tests.add(pk)

    @precondition(lambda self: self.tests)
    @rule(which=st.integers(0, 100))
    def mark_as_real(self, which: int) -> None:
        """The organiser changes their mind: a test response is a real one again."""
        pk = sorted(self.tests)[which % len(self.tests)]
        mark_test(self.survey, Response.objects.get(pk=pk), False)
        assert Response.objects.get(pk=pk).test is False
        self.tests.discard(pk)

    @rule(change=st.sampled_from(CHANGES))
    def new_version(self, change: str) -> None:
        """A new version offers a choice more or one less (earlier answers may name it), or
        asks `share` or no longer does."""
        self.offered = self.offered.changed(change)
        self.version += 1
        import_form(_source(self.offered, self.version), "m.md", slug=self.survey.slug)
        self.survey.refresh_from_db()
        form = self.survey.current_version.form
        assert self.survey.current_version.number == self.version
        assert tuple(c.name for c in form.question("org").choices) == self.offered.org
        assert tuple(c.name for c in form.question("tools").choices) == self.offered.tools
        assert (form.question("share") is not None) == self.offered.share

    @rule(restored=st.sampled_from([False, False, True]))
    def restart(self, restored: bool) -> None:
        """A new server process: nothing in memory, the Parquet files as they were; or
        (`restored`, after the database was restored) nothing on disk either."""
        files = _files(self.survey)
        if restored:
            services.forget()
            assert not snapshots._HELD and not _files(self.survey)
        else:
            snapshots._HELD.clear()
            assert not snapshots._HELD and _files(self.survey) == files

    @rule(twice=st.booleans())
    def look(self, twice: bool, tests: bool = False) -> None:
        """The dashboard looks (`twice`: twice within one page's look, the second served by
        the first); what it shows is checked against the database and the model."""
        with services.one_look():
            snap = services.snapshot(self.survey, tests=tests)
            if twice:
                assert services.snapshot(self.survey, tests=tests) is snap
        held = snapshots._HELD[(self.survey.pk, tests)]
        assert held.snapshot is snap
        self._check(held, tests)
        self.shown = set(snap.frame.get_column("_id").to_list())

    @rule(twice=st.booleans())
    def look_with_tests(self, twice: bool) -> None:
        """The organiser's dashboard asked to count the test responses too."""
        self.look(twice, tests=True)

    def _check(self, held: snapshots.Held, tests: bool) -> None:
        frame = held.snapshot.frame
        ids = frame.get_column("_id")
        # no id twice, the ids held beside the frame are its own, a duration each
        assert not ids.is_duplicated().any(), ids.filter(ids.is_duplicated()).to_list()
        assert np.array_equal(held.ids, np.sort(ids.to_numpy()))
        assert held.seconds.len() == frame.height == held.snapshot.n
        # the database's complete responses: their mark, their count, the model's ids
        now = stored.complete_ids(self.survey.pk, tests)
        assert held.mark == stored.Mark.of(now)
        assert held.snapshot.n == _complete(self.survey, tests).count()
        expected = {pk for pk in self.answers if tests or pk not in self.tests}
        assert set(ids.to_list()) == expected
        # the frame the rows read one by one give
        ours, theirs = _as_text(frame), _reference(self.survey, tests)
        assert ours.equals(theirs), _differences(ours, theirs)
        # each answer as it was stored, a choice no longer offered included
        orgs = dict(zip(ours["_id"].to_list(), ours["org"].to_list(), strict=True))
        assert orgs == {pk: self.answers[pk]["org"] for pk in expected}
        # each response's duration beside its row
        spans = {
            pk: (done - began).total_seconds()
            for pk, began, done in _complete(self.survey, tests).values_list(
                "pk", "started_at", "completed_at"
            )
        }
        held_spans = dict(zip(ids.to_list(), held.seconds.to_list(), strict=True))
        assert held_spans.keys() == spans.keys()
        assert all(abs(held_spans[pk] - spans[pk]) < 1e-3 for pk in spans), (held_spans, spans)
        # nothing on disk for this view that is no longer among them (deleted, or a test)
        path = snapshots._path(self.survey, tests)
        if path.exists():
            on_disk = pl.read_parquet(path, columns=["_id", snapshots.SECONDS])
            left = sorted(set(on_disk["_id"].to_list()) - expected)
            assert not left, f"{path.name} still holds the answers of responses {left}"
            # in the order of ids (not of arrival), each with its own duration
            assert on_disk["_id"].is_sorted(), f"{path.name}: rows not in the order of ids"
            saved = dict(zip(*on_disk.to_dict(as_series=False).values(), strict=True))
            assert all(abs(saved[pk] - spans[pk]) < 1e-3 for pk in saved), (saved, spans)


@pytest.fixture
def elsewhere(db, monkeypatch) -> Iterator[Survey]:
    """Another survey (its responses never in this one's snapshot), and batches, lists of ids
    and chunks small enough for a few dozen rows to go through every path."""
    monkeypatch.setattr(stored, "BATCH", 7)
    monkeypatch.setattr(stored, "LISTED", 3)
    monkeypatch.setattr(snapshots, "MERGED", 20)
    monkeypatch.setattr(snapshots, "CHUNKS", 4)  # many small appends merged too
    monkeypatch.setattr(snapshots, "GROWN", 5)  # an appended snapshot saved, unsorted at first
    yield import_form(textwrap.dedent(FORM).encode(), "other.md", slug="model-other").survey
    services.forget()


def test_the_snapshot_follows_what_respondents_and_the_organiser_do(elsewhere):
    """A hundred examples of up to twenty steps: about 20 s on SQLite, 25 s on PostgreSQL. A
    failing example is reported as generated (twenty steps at most), not shrunk: Hypothesis
    gives up shrinking a machine this slow after five minutes. It found the earlier version's
    file left on the disk (test_snapshot's
    test_an_earlier_versions_file_leaves_the_disk_when_its_responses_are_erased)."""
    run_state_machine_as_test(
        lambda: Dashboard(elsewhere),
        settings=settings(
            max_examples=100,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
            phases=[Phase.explicit, Phase.generate],
        ),
    )
