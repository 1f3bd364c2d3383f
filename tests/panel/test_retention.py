"""Retention: a survey's members' personal data is erased a chosen number of calendar months
after it closes, by a daily task that audits each survey once, does nothing the second time,
and queues itself for the next day; `indagine worker` runs it without cron."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from browser.server import server_env, throwaway_database
from indagine.collect.models import Response
from indagine.panel import retention, services
from indagine.panel.models import Invitation, Member, Message, OptOut
from indagine.panel.tokens import member_token
from indagine.surveys.models import AuditEntry, Survey
from indagine.surveys.services import close_survey
from organisers import make_organiser
from panel.conftest import SMALL_PAGES

ADDRESSES = ("anna@example.org", "bruno@example.org", "carla@example.org")


def _token(email: str) -> str:
    invitation = Invitation.objects.get(member__email=email)
    return member_token(invitation.member_id, invitation.nonce)


def _answer(token: str, pages: int) -> None:
    """A member opens their link and sends `pages` pages of the small survey."""
    browser = Client()
    assert browser.get(f"/s/small/t/{token}/").status_code == 302
    for index, answers in enumerate(SMALL_PAGES[:pages]):
        reply = browser.post(
            "/s/small/", {"_key": token, "_action": "next", "_page": str(index), **answers}
        )
        assert reply.status_code == 302, reply.content.decode()[:500]


def _closed_ago(survey: Survey, *, months: int, retention_months: int | None) -> Survey:
    """Close `survey`, then move its closing date `months` calendar months back."""
    close_survey(survey)
    survey.closes_at = timezone.now() - relativedelta(months=months)
    survey.retention_months = retention_months
    survey.save(update_fields=["closes_at", "retention_months"])
    return survey


@pytest.fixture
def panel(open_survey, members_csv, smtp):
    """Three members invited (the invitations sent): Anna completes, Bruno sends one page,
    Carla never answers and asks for no more messages."""
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    _answer(_token("anna@example.org"), pages=3)
    _answer(_token("bruno@example.org"), pages=1)
    services.opt_out("carla@example.org")
    assert Message.objects.count() == 4  # three invitations, Anna's thank-you
    return open_survey


def _erasures(survey: Survey) -> list[dict]:
    entries = AuditEntry.objects.filter(survey=survey, action="panel.retention")
    return list(entries.values_list("detail", flat=True))


def test_a_named_survey_past_its_retention_keeps_its_answers_and_nothing_personal(panel):
    before = {r.pk: r.answers for r in Response.objects.all()}
    assert len(before) == 2 and Invitation.objects.filter(response__isnull=False).count() == 1
    _closed_ago(panel, months=4, retention_months=3)

    outcome = retention.erase_expired.call()

    assert outcome == {"surveys": 1, "members": 3, "responses": 2}
    for member in Member.objects.all():
        assert member.email is None and member.name == "" and member.organisation == ""
        assert member.attributes == {} and member.erased_at is not None
    assert not Invitation.objects.filter(opened_at__isnull=False).exists()
    assert not Invitation.objects.filter(response__isnull=False).exists()
    assert not Invitation.objects.filter(completed_on__isnull=False).exists()
    assert not Message.objects.exists()
    # the answers stay, linked to nobody; the counts stay; the opt-out stays
    assert {r.pk: r.answers for r in Response.objects.all()} == before
    assert not Response.objects.filter(key_hash__isnull=False).exists()
    assert Response.objects.filter(status="complete").count() == 1
    flags = Invitation.objects.values_list("started", "completed")
    assert sorted(flags) == [(False, False), (True, False), (True, True)]
    assert OptOut.objects.count() == 1
    fieldwork = services.fieldwork(panel)
    assert fieldwork.totals["members"] == 3 and fieldwork.totals["completed"] == 1
    (detail,) = _erasures(panel)
    assert detail["members"] == 3 and detail["responses"] == 2 and detail["months"] == 3

    # a second run finds nothing left: it erases and audits nothing
    assert retention.erase_expired.call() == {"surveys": 0, "members": 0, "responses": 0}
    assert len(_erasures(panel)) == 1


def test_the_personal_links_no_longer_open_anything(panel):
    token = _token("bruno@example.org")
    _closed_ago(panel, months=2, retention_months=1)
    retention.erase_due()
    reply = Client().get(f"/s/small/t/{token}/")
    assert reply.status_code == 404 and "<code>TOKEN_UNKNOWN</code>" in reply.content.decode()
    assert not Invitation.objects.filter(opened_at__isnull=False).exists()


def test_an_anonymous_survey_keeps_its_answers_and_completion_counts(
    open_survey, members_csv, smtp
):
    open_survey.anonymous = True
    open_survey.save()
    services.import_members(open_survey, members_csv)
    _answer(_token("anna@example.org"), pages=3)
    _answer(_token("bruno@example.org"), pages=1)  # a partial under Bruno's link
    assert services.settle_anonymous(open_survey) == 1
    answers = sorted(str(r.answers) for r in Response.objects.all())
    _closed_ago(open_survey, months=13, retention_months=12)

    assert [d.members for d in retention.erase_due()] == [3]

    assert not Member.objects.filter(email__isnull=False).exists()
    assert sorted(str(r.answers) for r in Response.objects.all()) == answers
    assert not Response.objects.filter(key_hash__isnull=False).exists()
    assert Invitation.objects.filter(completed=True).count() == 1
    assert _erasures(open_survey)[0]["responses"] == 1


def test_surveys_not_due_are_untouched(db, small_form_source, members_csv):
    from indagine.surveys.services import import_form, open_survey

    def survey(slug: str) -> Survey:
        made = open_survey(import_form(small_form_source, "small.md", slug=slug).survey)
        services.import_members(made, members_csv)
        Invitation.objects.filter(member__survey=made).update(opened_at=timezone.now())
        return made

    _closed_ago(survey("not-yet"), months=2, retention_months=3)
    still_open = survey("still-open")
    still_open.retention_months = 1
    still_open.save()
    scheduled = survey("scheduled")  # closes in a week, then kept a month
    scheduled.closes_at = timezone.now() + dt.timedelta(days=7)
    scheduled.retention_months = 1
    scheduled.save()
    _closed_ago(survey("kept"), months=40, retention_months=None)

    assert retention.due() == []
    assert retention.erase_expired.call() == {"surveys": 0, "members": 0, "responses": 0}
    assert Member.objects.filter(email__isnull=False, erased_at__isnull=True).count() == 12
    assert Invitation.objects.filter(opened_at__isnull=False).count() == 12
    assert not AuditEntry.objects.filter(action="panel.retention").exists()


def test_the_erasure_date_counts_calendar_months_from_the_local_day_of_closing(
    open_survey, members_csv, settings
):
    settings.TIME_ZONE = "Europe/Rome"
    services.import_members(open_survey, members_csv)
    open_survey.retention_months = 1
    # 23:30 UTC on 30 January is already 31 January in Rome; a month on is February's end
    open_survey.closes_at = dt.datetime(2025, 1, 30, 23, 30, tzinfo=dt.UTC)
    assert open_survey.erasure_date() == dt.date(2025, 2, 28)
    open_survey.retention_months = 13
    assert open_survey.erasure_date() == dt.date(2026, 2, 28)
    open_survey.closes_at = dt.datetime(2025, 1, 30, 22, 30, tzinfo=dt.UTC)  # 23:30 in Rome
    assert open_survey.erasure_date() == dt.date(2026, 2, 28)
    open_survey.retention_months = 1
    assert open_survey.erasure_date() == dt.date(2025, 2, 28)
    open_survey.closes_at = dt.datetime(2025, 3, 15, 12, 0, tzinfo=dt.UTC)
    assert open_survey.erasure_date() == dt.date(2025, 4, 15)
    day_before = dt.datetime(2025, 4, 14, 21, 59, tzinfo=dt.UTC)  # 23:59 in Rome
    on_the_day = dt.datetime(2025, 4, 14, 22, 0, tzinfo=dt.UTC)  # midnight in Rome
    open_survey.state = Survey.State.CLOSED
    open_survey.save()
    assert retention.due(day_before) == []
    assert [d.erasure_date for d in retention.due(on_the_day)] == [dt.date(2025, 4, 15)]


def test_a_survey_closed_without_a_date_counts_from_the_day_the_task_first_sees_it(
    open_survey, members_csv
):
    services.import_members(open_survey, members_csv)
    Survey.objects.filter(pk=open_survey.pk).update(  # as the admin, or an older indagine, did
        state=Survey.State.CLOSED, closes_at=None, retention_months=1
    )
    assert retention.erase_expired.call()["members"] == 0
    survey = Survey.objects.get(pk=open_survey.pk)
    assert survey.closes_at is not None
    assert survey.erasure_date() == timezone.localdate() + relativedelta(months=1)
    assert AuditEntry.objects.filter(action="survey.closing_recorded").count() == 1
    retention.erase_expired.call()
    assert AuditEntry.objects.filter(action="survey.closing_recorded").count() == 1


def test_the_task_queues_itself_for_the_start_of_the_next_day_once(db):
    def queued() -> list[dt.datetime]:
        ready = DBTaskResult.objects.filter(
            task_path=retention.erase_expired.module_path, status="READY"
        )
        return list(ready.values_list("run_after", flat=True))

    assert queued() == []
    services.recover()  # as `indagine worker` does when it starts: a run now
    assert len(queued()) == 1
    services.recover()  # a second start queues no second run
    assert len(queued()) == 1
    DBTaskResult.objects.all().delete()  # the worker took it
    retention.erase_expired.call()
    (when,) = queued()
    local = timezone.localtime(when)
    assert local.date() == timezone.localdate() + dt.timedelta(days=1)
    assert local.time() == dt.time(0, 0)
    retention.erase_expired.call()  # another run (a second chain) adds no second one
    assert len(queued()) == 1


def test_the_task_is_queued_again_even_when_a_run_fails(db, monkeypatch):
    def broken(now=None):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(retention, "erase_due", broken)
    with pytest.raises(RuntimeError):
        retention.erase_expired.call()
    assert DBTaskResult.objects.filter(
        task_path=retention.erase_expired.module_path, status="READY"
    ).exists()


def test_erasing_one_member_on_request_still_opts_them_out_and_drops_their_answers(panel):
    """erase_member now shares the erasing with retention (`retention.blank`)."""
    assert services.erase_member(panel, "anna@example.org")
    anna = Member.objects.get(erased_at__isnull=False)
    assert anna.email is None and anna.attributes == {} and not anna.messages.exists()
    assert Response.objects.filter(status="complete").count() == 0
    assert OptOut.objects.count() == 2  # Carla's and Anna's
    invitation = Invitation.objects.get(member=anna)
    assert invitation.opened_at is None and not invitation.completed


# The organiser's page and the admin


@pytest.fixture
def organiser(db, client, django_user_model):
    client.force_login(make_organiser(django_user_model, "segreteria"))
    return client


def test_the_organiser_sets_the_retention_on_the_survey_page(organiser, open_survey):
    page = organiser.get("/manage/small/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="retention_months"' in page and "opened their link" in page
    reply = organiser.post("/manage/small/retention/", {"retention_months": "6"}, follow=True)
    assert "Retention saved." in reply.content.decode() or "Conservazione salvata." in (
        reply.content.decode()
    )
    assert Survey.objects.get(pk=open_survey.pk).retention_months == 6
    entry = AuditEntry.objects.get(action="survey.retention")
    assert entry.detail == {"months": 6} and entry.user is not None
    closed = close_survey(Survey.objects.get(pk=open_survey.pk))
    page = organiser.get("/manage/small/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    erased = closed.erasure_date()
    assert erased is not None and f"erased on {erased.isoformat()}" in page

    organiser.post("/manage/small/retention/", {"retention_months": ""})
    assert Survey.objects.get(pk=open_survey.pk).retention_months is None


@pytest.mark.parametrize("value", ["0", "121", "-3", "due mesi", "1.5"])
def test_a_retention_that_is_not_a_number_of_months_is_refused(organiser, open_survey, value):
    reply = organiser.post("/manage/small/retention/", {"retention_months": value}, follow=True)
    assert "SURVEY_BAD_RETENTION" in reply.content.decode()
    assert Survey.objects.get(pk=open_survey.pk).retention_months is None
    assert not AuditEntry.objects.filter(action="survey.retention").exists()


def test_the_admin_shows_the_retention_and_what_it_erases(admin_client, open_survey):
    page = admin_client.get(f"/admin/surveys/survey/{open_survey.pk}/change/").content.decode()
    assert 'name="retention_months"' in page and "le rinunce ai messaggi" in page  # it


def test_the_command_says_what_is_due_then_erases_it(panel, capsys):
    from indagine.cli import main

    _closed_ago(panel, months=7, retention_months=6)
    assert main(["panel", "retention", "--dry-run"]) == 0
    assert "small (due " in capsys.readouterr().out
    assert Member.objects.filter(email__isnull=False).count() == 3
    assert main(["panel", "retention"]) == 0
    assert "3 member(s) erased, 2 response(s) unlinked" in capsys.readouterr().out
    assert main(["panel", "retention"]) == 0
    assert "nothing to erase" in capsys.readouterr().out
    assert len(_erasures(panel)) == 1


# A real worker, in its own process, on its own data folder and database


@pytest.mark.slow
def test_a_worker_erases_what_is_due_and_leaves_no_address_on_disk(tmp_path):
    with throwaway_database("indagine_retention") as database_url:
        env = server_env(tmp_path, database_url)

        def django(code: str) -> str:
            prelude = "from indagine.cli import _django, main\n_django()\n"
            done = subprocess.run(
                [sys.executable, "-c", prelude + textwrap.dedent(code)],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        members = tmp_path / "members.csv"
        members.write_text(
            "email,name,organisation\n"
            + "".join(f"socio{i}@retention.example,Socio {i},Ditta {i}\n" for i in range(20)),
            encoding="utf-8",
        )
        django(f"""
            import datetime as dt
            from django.utils import timezone
            from indagine.surveys.models import Survey
            from indagine.surveys.services import close_survey
            assert main(["init"]) == 0
            assert main(["panel", "import", "remote-working-2020", {str(members)!r}]) == 0
            survey = close_survey(Survey.objects.get(slug="remote-working-2020"))
            survey.closes_at = timezone.now() - dt.timedelta(days=70)
            survey.retention_months = 2
            survey.save()
        """)
        if database_url is None:
            assert _on_disk(tmp_path, b"@retention.example") > 0  # the test can see them

        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "indagine.cli", "worker", "--burst", "--interval", "0.1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            assert worker.wait(timeout=90) == 0, (tmp_path / "worker.log").read_text()
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            raise

        state = django("""
            import datetime as dt
            from django.utils import timezone
            from django_tasks_db.models import DBTaskResult
            from indagine.panel import retention
            from indagine.panel.models import Member
            from indagine.surveys.models import AuditEntry
            runs = DBTaskResult.objects.filter(task_path=retention.erase_expired.module_path)
            (done,) = runs.filter(status="SUCCESSFUL").values_list("return_value", flat=True)
            (then,) = runs.filter(status="READY").values_list("run_after", flat=True)
            print(Member.objects.filter(email__isnull=True, name="").count())
            print(list(AuditEntry.objects.filter(action="panel.retention").values_list(
                "detail__members", flat=True)))
            print(done["members"])
            tomorrow = timezone.localdate() + dt.timedelta(days=1)
            print(timezone.localtime(then) == timezone.make_aware(
                dt.datetime.combine(tomorrow, dt.time.min)))
        """).split("\n")
        assert state[:4] == ["20", "[20]", "20", "True"], state
        if database_url is None:  # SQLite's files: the addresses' bytes are gone too
            assert _on_disk(tmp_path, b"@retention.example") == 0
            assert _on_disk(tmp_path, b"Ditta 1") == 0


def _on_disk(data_dir: Path, needle: bytes) -> int:
    """How often `needle` appears in the SQLite database's files, read as bytes."""
    found = 0
    for name in ("indagine.sqlite3", "indagine.sqlite3-wal", "indagine.sqlite3-shm"):
        path = data_dir / name
        if path.exists():
            found += path.read_bytes().count(needle)
    return found
