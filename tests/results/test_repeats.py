"""A survey whose form has a repeat (one entry per site): its snapshot read from the database
holds each response's count of sites and the sites themselves, kept up to date and on disk; the
dashboard, the report, the letter, the public page and the API show the findings over the sites
with the numbers of ``stats.instances`` on the same design as every other finding."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import re

import numpy as np
import polars as pl
import pytest
from django.utils import timezone

from indagine.analysis.frame import Snapshot, instances_path
from indagine.collect.models import Response
from indagine.forms.loader import load_form
from indagine.panel.models import Member
from indagine.results import services, snapshots
from indagine.results.codes import ResultsCode, ResultsError
from indagine.results.models import ApiToken, Publication
from indagine.stats.design import survey_design
from indagine.stats.instances import instance_mean, instance_proportions, instances_per_response
from indagine.stats.weighting import post_stratify
from indagine.surveys.models import FormVersion, Survey

SLUG = "sedi"
FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | repeat_count | relevant | constraint |
| | select_one org | org | Tipo | Type | | | |
| | integer | n_sites | Quante sedi? | How many sites? | | | . <= 20 |
| | begin_repeat | site | Sede | Site | ${n_sites} | ${n_sites} > 0 | |
| | text | city | Città | City | | | |
| | integer | seats | Postazioni | Seats | | | . > 0 |
| | select_one yn | remote | Da remoto? | Remote? | | ${seats} > 10 | |
| | end_repeat | | | | | | |
| | select_one yn | happy | Soddisfatti? | Satisfied? | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | org | bpo | BPO | BPO |
| | org | inhouse | Interno | In-house |
| | yn | yes | Sì | Yes |
| | yn | no | No | No |
| settings |
| | form_title | form_id | version | default_language |
| | Sedi | sedi | 1 | Italiano (it) |
"""
MEMBERS = {"bpo": 50, "inhouse": 40}


@pytest.fixture(autouse=True)
def _nothing_held():
    services.forget()
    yield
    services.forget()


@pytest.fixture
def survey(db) -> Survey:
    """The survey as an upload would store it, but for the repeat the upload still refuses."""
    loaded = load_form(FORM, "sedi.md")
    assert loaded.ok and loaded.form is not None, loaded.issues
    survey = Survey.objects.create(slug=SLUG, title="Sedi", state=Survey.State.OPEN)
    version = FormVersion.objects.create(
        survey=survey,
        number=1,
        form_json=loaded.form.to_json(),
        source=FORM.encode(),
        source_name="sedi.md",
        sha256=hashlib.sha256(FORM.encode()).hexdigest(),
    )
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    Member.objects.bulk_create(
        Member(survey=survey, email=f"{org}{i}@example.org", attributes={"org": org})
        for org, count in MEMBERS.items()
        for i in range(count)
    )
    return survey


def _answers(rng: random.Random) -> dict:
    k = rng.choice([0, 1, 1, 2, 3])
    org = rng.choice(["bpo", "bpo", "inhouse"])
    answers: dict = {"org": org, "n_sites": k, "happy": rng.choice(["yes", "no"])}
    if k:
        sites = []
        for _ in range(k):
            site: dict = {"city": rng.choice(["Roma", "Bari"])}
            if rng.random() < 0.9:
                site["seats"] = rng.randint(1, 20 if org == "bpo" else 50)
            if site.get("seats", 0) > 10:
                site["remote"] = rng.choice(["yes", "no"])
            sites.append(site)
        answers["site"] = sites
    return answers


def _store(survey: Survey, count: int, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    Response.objects.bulk_create(
        Response(
            survey=survey,
            form_version=survey.current_version,
            status=Response.Status.COMPLETE,
            answers=_answers(rng),
            language="it",
            completed_at=now - dt.timedelta(minutes=count - i),
        )
        for i in range(count)
    )


def _stored(survey: Survey) -> list[dict]:
    rows = Response.objects.filter(survey=survey, status="complete").order_by("pk")
    return list(rows.values_list("answers", flat=True))


def _sites(answers: list[dict]):
    """Each site's response (its row) and answers, read from the stored answers themselves."""
    owner, seats, remote = [], [], []
    for row, given in enumerate(answers):
        for site in given.get("site", []):
            owner.append(row)
            seats.append(float(site.get("seats", math.nan)))
            remote.append(site.get("remote") or "")
    return np.array(owner), np.array(seats), remote


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    single = [c for c, t in frame.schema.items() if isinstance(t, pl.Enum)]
    return frame.with_columns(pl.col(c).cast(pl.String) for c in single)


def _one_by_one(survey: Survey) -> Snapshot:
    rows = Response.objects.filter(survey=survey, status="complete").order_by("pk")
    return Snapshot.build(
        survey.current_version.form, [(r.pk, r.completed_at, r.answers) for r in rows]
    )


def test_the_snapshot_holds_the_counts_and_the_sites_kept_up_to_date_and_on_disk(survey):
    _store(survey, 40, seed=1)
    held = services.snapshot(survey)
    expected = _one_by_one(survey)
    assert not {"city", "seats", "remote"} & set(held.frame.columns)  # no empty columns
    assert _as_text(held.frame).equals(expected.frame)
    counts = [len(a["site"]) if "site" in a else None for a in _stored(survey)]
    assert held.frame["site"].to_list() == counts and None in counts
    assert _as_text(held.instances).equals(expected.instances)
    assert held.instances.height == sum(c or 0 for c in counts) > 40
    _store(survey, 7, seed=2)
    grown = services.snapshot(survey)
    assert _as_text(grown.instances).equals(_one_by_one(survey).instances)
    path = snapshots._path(survey)
    assert instances_path(path).exists()
    snapshots._HELD.clear()  # a new process: from the files on disk
    assert _as_text(services.snapshot(survey).instances).equals(_one_by_one(survey).instances)


def test_findings_over_the_sites_are_the_engines_on_the_same_design(survey):
    _store(survey, 60, seed=3)
    answers = _stored(survey)
    owner, seats, remote = _sites(answers)
    design = survey_design(60, fpc=sum(MEMBERS.values()))
    found = services.findings(survey)
    expected = instance_mean(design, owner, seats)
    got = found.finding("seats").mean.estimate
    assert (got.estimate, got.se, got.ci_low) == pytest.approx(
        (expected.estimate, expected.se, expected.ci_low), rel=1e-9
    )
    applied = np.array(["site" in a for a in answers])
    per_response = instances_per_response(design, owner, domain=applied)
    assert found.finding("site").mean.estimate.estimate == pytest.approx(per_response.estimate)
    orgs = [a["org"] for a in answers]
    weighted = services.findings(survey, services.View(weighted=True))
    population = {org: float(n) for org, n in MEMBERS.items()}
    calibrated = post_stratify(design, "org", orgs, population).design
    assert weighted.weighted
    assert weighted.finding("seats").mean.estimate.estimate == pytest.approx(
        instance_mean(calibrated, owner, seats).estimate, rel=1e-9
    )
    inhouse = services.findings(survey, services.View(segment=("org", "inhouse")))
    kept = [a for a in answers if a["org"] == "inhouse"]
    owner_in, seats_in, _ = _sites(kept)
    alone = instance_mean(survey_design(len(kept)), owner_in, seats_in)
    assert inhouse.finding("seats").mean.estimate.se == pytest.approx(alone.se, rel=1e-9)
    shares = instance_proportions(design, owner, remote, levels=["yes", "no"])
    yes = found.finding("remote").choices[0][2]
    assert (yes.estimate, yes.ci_high) == pytest.approx(
        (shares.share("yes").estimate, shares.share("yes").ci_high), rel=1e-9
    )


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(user)
    return user


def _decimal(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def test_the_dashboard_shows_the_sites_with_their_numbers(client, survey, organiser):
    _store(survey, 50, seed=4)
    found = services.findings(survey)
    seats, remote = found.finding("seats"), found.finding("remote")
    html = client.get(f"/manage/{SLUG}/results/?lang=it").content.decode()
    row = re.search(r'<tr id="finding-seats"[^>]*data-repeat="site">(.*?)</tr>', html, re.S)
    assert row is not None
    mean = seats.mean.estimate
    assert "Sede: Postazioni" in row[1] and _decimal(mean.estimate) in row[1]
    assert f"{_decimal(mean.ci_low)} – {_decimal(mean.ci_high)}" in row[1]
    n, responses = seats.base.n, seats.base.responses
    assert (
        f"conta ogni voce di «Sede», non ogni risposta: {n} voci da {responses} risposte" in row[1]
    )
    count = found.finding("site")
    assert re.search(r'<tr id="finding-site"[^>]*data-repeat="site">', html)
    assert "Sede: voci per risposta" in html and _decimal(count.mean.estimate.estimate) in html
    details = re.search(
        r'<details class="distribution" id="answers-remote">(.*?)</details>', html, re.S
    )
    assert details is not None and "Sede: Da remoto?" in details[1]
    yes = remote.choices[0][2]
    assert f"{_decimal(yes.estimate * 100, 1)}%" in details[1]
    assert "Voci di un gruppo ripetuto" in html  # what a figure over entries means
    assert "finding-city" not in html and "answers-city" not in html  # a text: no finding


def test_the_report_shows_the_sites_question_by_question(client, survey, organiser):
    _store(survey, 50, seed=5)
    seats = services.findings(survey).finding("seats")
    html = client.get(f"/manage/{SLUG}/report.html?lang=en").content.decode()
    article = re.search(
        r'<article class="finding" id="finding-seats" data-repeat="site">(.*?)</article>',
        html,
        re.S,
    )
    assert article is not None
    n, responses = seats.base.n, seats.base.responses
    assert "<h3>Site: Seats</h3>" in article[1]
    assert (
        f"counts each entry of “Site”, not each response: {n} entries from {responses}"
        in article[1]
    )
    assert f"Mean: <strong>{seats.mean.estimate.estimate:.2f}</strong>" in article[1]
    assert 'id="method-repeats"' in html
    assert re.search(r'id="finding-remote" data-repeat="site">.*?<svg', html, re.S)  # a chart


def test_the_letter_leaves_the_sites_to_the_report_and_the_public_page_counts_respondents(
    client, survey, organiser
):
    _store(survey, 60, seed=6)
    letter = client.get(f"/manage/{SLUG}/newsletter.html?lang=it")
    assert letter.status_code == 200
    from indagine.results.letters import letter_for

    written = letter_for(survey, lang="it", stage="interim")
    assert "Postazioni" not in written.markdown and "Sede" not in written.markdown
    assert not any(w.startswith(("seats", "site", "remote")) for w in written.warnings)
    remote = services.findings(survey).finding("remote")
    assert remote.base.responses < remote.base.n  # more sites than respondents
    Publication.objects.filter(survey=survey).update(  # made by the letter
        enabled=True, min_segment=remote.base.responses + 1
    )
    public = client.get(f"/r/{SLUG}/?lang=it")
    assert public.status_code == 200
    page = public.content.decode()
    assert 'id="finding-happy"' in page and 'id="finding-remote"' not in page
    Publication.objects.filter(survey=survey).update(min_segment=remote.base.responses)
    page = client.get(f"/r/{SLUG}/?lang=it").content.decode()
    assert 'id="finding-remote"' in page and "conta ogni voce di «Sede»" in page


def test_questions_of_a_repeat_are_neither_crossed_nor_segments(client, survey, organiser):
    _store(survey, 20, seed=7)
    with pytest.raises(ResultsError) as refused:
        services.crosstab(survey, "remote", "org")
    assert refused.value.code == ResultsCode.BAD_CROSSTAB
    page = client.get(f"/manage/{SLUG}/results/?lang=it&item=remote&by=org")
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    for segment in ("site:2", "remote:yes"):
        assert client.get(f"/manage/{SLUG}/results/?segment={segment}").status_code == 404


def test_the_api_says_which_findings_count_sites(client, survey, django_user_model):
    _store(survey, 20, seed=8)
    user = django_user_model.objects.create_superuser("analyst", password="pw-for-tests-123")
    key = ApiToken.issue(user, "tests")[1]
    body = client.get(f"/api/surveys/{SLUG}/results", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    by_key = {item["key"]: item for item in body["items"]}
    assert by_key["seats"]["repeat"] == "site" and by_key["happy"]["repeat"] == ""
    assert by_key["seats"]["base"]["responses"] <= by_key["seats"]["base"]["n"]
    assert "city" not in by_key


def test_sites_of_a_single_response_show_no_interval_rather_than_nan(client, survey, organiser):
    # The shares' interval rests on the responses holding an answer less one: none here.
    answers = [
        {"org": "bpo", "n_sites": 2, "happy": "yes", "site": [
            {"city": "Roma", "seats": 30, "remote": "yes"},
            {"city": "Bari", "seats": 12, "remote": "no"},
        ]},
        {"org": "inhouse", "n_sites": 0, "happy": "no"},
        {"org": "bpo", "n_sites": 0, "happy": "yes"},
    ]  # fmt: skip
    Response.objects.bulk_create(
        Response(
            survey=survey,
            form_version=survey.current_version,
            status=Response.Status.COMPLETE,
            answers=a,
            language="it",
            completed_at=timezone.now(),
        )
        for a in answers
    )
    remote = services.findings(survey).finding("remote")
    assert math.isnan(remote.choices[0][2].ci_low)
    html = client.get(f"/manage/{SLUG}/results/?lang=it").content.decode()
    details = re.search(r'id="answers-remote">(.*?)</details>', html, re.S)
    assert details is not None and "<td>50,0%</td><td>– – –</td>" in details[1]
    report = client.get(f"/manage/{SLUG}/report.html?lang=it").content.decode()
    assert not re.search(r"\bnan\b", report, re.IGNORECASE)
