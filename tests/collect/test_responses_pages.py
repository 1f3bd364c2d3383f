"""The organiser's responses pages: test responses kept apart from what members read, the table
and its filters, one response, deleting and marking, and the downloads read back with each
format's own library."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pyarrow.parquet as pq
import pyreadstat
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from indagine.cli import main
from indagine.collect import responses
from indagine.collect.exports import export
from indagine.collect.models import Response
from indagine.collect.transfer import add_synthetic
from indagine.results import letters, services
from indagine.results.models import Publication
from indagine.surveys.models import AuditEntry

BUILTIN = "remote-working-2020"


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(user)
    return user


@pytest.fixture
def mixed(builtin_survey):
    """30 real complete responses and 10 of the demo's."""
    add_synthetic(BUILTIN, 30, seed=3, test=False)
    add_synthetic(BUILTIN, 10, seed=4)
    return builtin_survey


def _respond(survey, answers, status="complete", **fields):
    return Response.objects.create(
        survey=survey,
        form_version=survey.current_version,
        answers=answers,
        status=status,
        language="it",
        completed_at=timezone.now() if status == "complete" else None,
        **fields,
    )


# -- test responses never reach what members read ----------------------------------------------


def test_the_demo_s_responses_are_test_responses(builtin_survey, capsys):
    assert main(["demo", BUILTIN, "--responses", "4", "--seed", "1", "--quiet"]) == 0
    assert "marked as test responses" in capsys.readouterr().out
    assert Response.objects.filter(test=True).count() == 4
    assert services.findings(builtin_survey).n == 0


def test_the_letter_report_public_page_and_api_count_real_responses_only(mixed, client, organiser):
    from indagine.results.models import ApiToken

    before = letters.letter_for(mixed, lang="it", stage="interim").markdown
    assert services.findings(mixed).n == 30
    assert services.findings(mixed, services.View(tests=True)).n == 40
    Response.objects.filter(test=True).delete()
    after = letters.letter_for(mixed, lang="it", stage="interim").markdown
    assert before == after  # the 10 demo responses changed nothing members read
    add_synthetic(BUILTIN, 10, seed=4)
    report = client.get(f"/manage/{BUILTIN}/report.html?tests=1").content.decode()
    assert '<td class="n">30</td>' in report
    Publication.objects.update_or_create(survey=mixed, defaults={"enabled": True, "min_segment": 5})
    public = client.get(f"/r/{BUILTIN}/").content.decode()
    assert re.search(r"(Based on|Sulla base di) 30 ", public)
    key = ApiToken.issue(organiser, "t")[1]
    body = client.get(f"/api/surveys/{BUILTIN}/results", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert body["n"] == 30


def test_the_dashboard_leaves_them_out_says_so_and_shows_them_on_request(mixed, client, organiser):
    page = client.get(f"/manage/{BUILTIN}/results/").content.decode()
    assert re.search(r'id="n-complete">30<', page)
    banner = re.search(r'id="tests-banner"><p>([^<]*)<a href="\?([^"]*)"', page)
    assert banner and re.search(r"\b10\b", banner.group(1)) and banner.group(2) == "tests=1"
    shown = client.get(f"/manage/{BUILTIN}/results/?tests=1").content.decode()
    assert re.search(r'id="n-complete">40<', shown)
    banner = re.search(r'id="tests-banner"><p>([^<]*)<a href="\?([^"]*)"', shown)
    assert banner and re.search(r"\b10\b", banner.group(1)) and banner.group(2) == ""
    listed = client.get("/manage/").content.decode()
    assert ">30<" in listed and ">40<" not in listed


def test_exports_leave_test_responses_out_unless_asked(mixed, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert export(BUILTIN, out) == 30
    assert export(BUILTIN, out, tests=True) == 40
    args = ["responses", "export", BUILTIN, "-o", str(out), "--quiet"]
    assert main(args) == 0 and "30 response(s)" in capsys.readouterr().out
    assert main([*args, "--include-tests"]) == 0 and "40 response(s)" in capsys.readouterr().out


def test_a_test_mark_on_a_partial_anonymous_response_survives_its_completion(open_survey, client):
    open_survey.anonymous = True
    open_survey.save()
    body = {"_key": "k" * 43, "_action": "next"}
    client.post("/s/small/", {**body, "_page": "0", "org": "bpo"})
    Response.objects.update(test=True)
    client.post("/s/small/", {**body, "_page": "1", "share": "5"})
    client.post("/s/small/", {**body, "_page": "2"})
    done = Response.objects.get()
    assert done.status == "complete" and done.key_hash is None and done.test


# -- the table, one response, deleting and marking ------------------------------------------------


def test_the_table_filters_by_status_day_segment_words_and_tests(open_survey, client, organiser):
    a = _respond(open_survey, {"org": "bpo", "share": 1.0, "comment": "Lavoro agile ovunque"})
    b = _respond(open_survey, {"org": "inhouse", "share": 2.0, "comment": "niente"})
    c = _respond(open_survey, {"org": "bpo"}, status="partial")
    d = _respond(open_survey, {"org": "bpo", "share": 3.0, "comment": "agile"}, test=True)

    def listed(query=""):
        page = client.get(f"/manage/small/responses/?{query}").content.decode()
        return {int(n) for n in re.findall(r"/manage/small/responses/(\d+)/", page)}

    assert listed() == {a.pk, b.pk, c.pk}
    assert listed("status=complete") == {a.pk, b.pk}
    assert listed("status=partial") == {c.pk}
    assert listed("segment=org:bpo") == {a.pk, c.pk}
    assert listed("q=AGILE") == {a.pk}  # in open answers, whatever the case
    assert listed("q=bpo") == set()  # a choice's code is not an open answer's word
    assert listed("tests=1&q=agile") == {a.pk, d.pk}
    assert listed("tests=only") == {d.pk}
    today = timezone.localdate().isoformat()
    assert listed(f"since={today}&until={today}") == {a.pk, b.pk, c.pk}
    assert listed("until=2000-01-01") == set()
    assert listed("since=nonsense&segment=nope:x&status=odd") == {a.pk, b.pk, c.pk}


def test_the_table_comes_a_page_at_a_time(open_survey, client, organiser):
    for i in range(55):
        _respond(open_survey, {"org": "bpo", "share": float(i)})
    first = client.get("/manage/small/responses/?status=complete").content.decode()
    assert "55 responses" in first or "55 risposte" in first
    assert len(re.findall(r"/manage/small/responses/\d+/", first)) == 50
    second = client.get("/manage/small/responses/?status=complete&page=2").content.decode()
    assert len(re.findall(r"/manage/small/responses/\d+/", second)) == 5
    assert 'rel="prev"' in second and "status=complete" in second


def test_one_response_shows_its_answers_by_label_and_its_timeline(open_survey, client, organiser):
    r = _respond(
        open_survey,
        {"org": "other", "org_other": "<b>Rossi</b>", "share": 12.5, "tools": ["vpn", "cloud"]},
    )
    page = client.get(f"/manage/small/responses/{r.pk}/").content.decode()
    answers = page[page.index('id="answers"') :]
    assert "Altro" in answers and "VPN, Cloud" in answers and "12,5" in answers
    assert "&lt;b&gt;Rossi&lt;/b&gt;" in answers and "<b>Rossi" not in answers
    timeline = page[page.index('id="timeline"') : page.index("</dl>")]
    assert "v1" in timeline and "it" in timeline
    assert client.get("/manage/small/responses/999999/").status_code == 404


def test_deleting_asks_first_then_deletes_audits_and_the_results_follow(
    open_survey, client, organiser
):
    keep = _respond(open_survey, {"org": "bpo", "share": 1.0})
    gone = _respond(open_survey, {"org": "inhouse", "share": 2.0})
    assert services.findings(open_survey).n == 2
    confirm = client.get(f"/manage/small/responses/{gone.pk}/delete/")
    assert confirm.status_code == 200 and 'id="confirm-delete"' in confirm.content.decode()
    assert Response.objects.filter(pk=gone.pk).exists()  # asking deletes nothing
    done = client.post(f"/manage/small/responses/{gone.pk}/delete/")
    assert done.status_code == 302
    assert list(Response.objects.values_list("pk", flat=True)) == [keep.pk]
    entry = AuditEntry.objects.get(action="responses.delete")
    assert entry.detail["response"] == gone.pk and entry.user == organiser
    assert services.findings(open_survey).n == 1


def test_marking_as_a_test_and_back(open_survey, client, organiser):
    r = _respond(open_survey, {"org": "bpo", "share": 1.0})
    client.post(f"/manage/small/responses/{r.pk}/test/", {"test": "1"})
    r.refresh_from_db()
    assert r.test and services.findings(open_survey).n == 0
    page = client.get(f"/manage/small/responses/{r.pk}/").content.decode()
    assert 'id="test-mark"' in page
    client.post(f"/manage/small/responses/{r.pk}/test/", {"test": "0"})
    r.refresh_from_db()
    assert not r.test and services.findings(open_survey).n == 1
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["responses.test", "responses.real"]
    assert client.get(f"/manage/small/responses/{r.pk}/test/").status_code == 405


def test_every_test_response_deleted_in_one_action(mixed, client, organiser):
    page = client.get(f"/manage/{BUILTIN}/responses/tests/delete/")
    assert "10" in page.content.decode()
    client.post(f"/manage/{BUILTIN}/responses/tests/delete/")
    assert Response.objects.filter(test=True).count() == 0
    assert Response.objects.count() == 30
    assert AuditEntry.objects.get(action="responses.delete_tests").detail["count"] == 10
    assert 'id="tests-banner"' not in client.get(f"/manage/{BUILTIN}/").content.decode()


def test_who_may_see_and_who_may_change(open_survey, client, django_user_model):
    r = _respond(open_survey, {"org": "bpo", "share": 1.0})
    urls = ["/manage/small/responses/", f"/manage/small/responses/{r.pk}/"]
    assert all(client.get(u).status_code == 302 for u in urls)  # to the login page
    viewer = django_user_model.objects.create_user("viewer", password="pw-for-tests-123")
    viewer.user_permissions.add(Permission.objects.get(codename="view_survey"))
    client.force_login(viewer)
    assert all(client.get(u).status_code == 200 for u in urls)
    assert client.get("/manage/small/responses/download/?format=csv").status_code == 200
    detail = client.get(urls[1]).content.decode()
    assert "/delete/" not in detail and "Mark as a test" not in detail
    assert client.post(f"/manage/small/responses/{r.pk}/delete/").status_code == 403
    assert client.post(f"/manage/small/responses/{r.pk}/test/", {"test": "1"}).status_code == 403
    assert client.post("/manage/small/responses/tests/delete/").status_code == 403
    assert Response.objects.filter(pk=r.pk, test=False).exists()


# -- downloads ------------------------------------------------------------------------------------


def _download(client, query):
    reply = client.get(f"/manage/small/responses/download/?{query}")
    assert reply.status_code == 200
    assert reply["Content-Disposition"].startswith("attachment;")
    return b"".join(reply.streaming_content)


@pytest.fixture
def downloadable(open_survey):
    rows = [
        _respond(open_survey, {"org": "bpo", "share": 1.5, "tools": ["vpn"]}),
        _respond(open_survey, {"org": "inhouse", "share": 2.0}),
        _respond(open_survey, {"org": "bpo"}, status="partial"),
        _respond(open_survey, {"org": "bpo", "share": 9.0}, test=True),
    ]
    return rows


def test_each_format_downloads_what_the_filter_keeps(downloadable, client, organiser, tmp_path):
    text = _download(client, "format=csv&segment=org:bpo").decode("utf-8-sig")
    found = list(csv.DictReader(io.StringIO(text)))
    assert [r["p1-org"] for r in found] == ["bpo", "bpo"] and {r["Status"] for r in found} == {
        "complete",
        "partial",
    }
    labelled = _download(client, "format=csv-labels&status=complete").decode("utf-8-sig")
    assert [r["p1-org"] for r in csv.DictReader(io.StringIO(labelled))] == ["BPO", "Interno"]
    book = openpyxl.load_workbook(io.BytesIO(_download(client, "format=xlsx&tests=1")))
    assert book.worksheets[0].max_row == 1 + 4  # the header and every response, tests too
    (tmp_path / "r.sav").write_bytes(_download(client, "format=sav&status=complete"))
    frame, meta = pyreadstat.read_sav(str(tmp_path / "r.sav"))
    assert list(frame["org"]) == [1, 2] and meta.variable_value_labels["org"][2] == "Interno"
    (tmp_path / "r.dta").write_bytes(_download(client, "format=dta&status=complete"))
    frame, meta = pyreadstat.read_dta(str(tmp_path / "r.dta"))
    assert list(frame["org"]) == [1, 2] and list(frame["share"]) == [1.5, 2.0]
    labels = meta.variable_to_label["org"]
    assert meta.value_labels[labels] == {1: "BPO", 2: "Interno", 3: "Altro"}
    assert meta.column_names_to_labels["share"] == "Quota"
    (tmp_path / "r.parquet").write_bytes(_download(client, "format=parquet&tests=only"))
    assert pq.read_table(tmp_path / "r.parquet").column("p2-share").to_pylist() == [9.0]
    audited = AuditEntry.objects.filter(action="responses.download").order_by("pk")
    assert audited.count() == 6
    assert audited.first().detail == {"format": "csv", "count": 2, "segment": "org:bpo"}
    assert client.get("/manage/small/responses/download/?format=exe").status_code == 404


def test_the_dashboard_links_to_the_download_with_its_segment(mixed, client, organiser):
    page = client.get(f"/manage/{BUILTIN}/results/?segment=org_type:public").content.decode()
    link = re.search(r'href="([^"]+)" id="download-responses"', page).group(1)
    assert "segment=org_type%3Apublic" in link or "segment=org_type:public" in link
    assert responses.test_count(mixed) == 10
