"""After members answer an anonymous survey through their personal links, nothing in the
database leads from a response to a member: no key, no member id, no precise time, no order."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from indagine.collect.models import Response
from indagine.panel import services
from indagine.panel.models import Invitation, Member, Message
from panel.conftest import SMALL_PAGES, personal_link

MEMBERS = 8
RESPONSE_COLUMNS = {
    "id",
    "survey_id",
    "form_version_id",
    "key_hash",
    "status",
    "answers",
    "orders",  # choice orders drawn from a random seed, never from the key (collect/orders.py)
    "language",
    "page",
    "source",
    "test",  # the organiser's mark of a test response: nothing of the respondent
    "started_at",
    "updated_at",
    "completed_at",
}


@pytest.fixture
def answered(transactional_db, open_survey, smtp, tmp_path):
    """Eight members of an anonymous survey answer through their links, one after the other,
    each with a comment only they would write; a ninth stops after the first page. The
    thank-you emails are sent. Each request is its own transaction, as in production."""
    open_survey.anonymous = True
    open_survey.save()
    path = tmp_path / "members.csv"
    path.write_text(
        "email,name,organisation\n"
        + "".join(f"m{i}@example.org,Member {i},Org {i}\n" for i in range(MEMBERS + 1)),
        encoding="utf-8",
    )
    services.import_members(open_survey, path)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    tokens = {m["To"]: personal_link(m)[1] for m in smtp.messages}
    for i in range(MEMBERS + 1):
        token, browser = tokens[f"m{i}@example.org"], Client()
        browser.get(f"/s/small/t/{token}/")
        pages = SMALL_PAGES if i < MEMBERS else SMALL_PAGES[:1]
        for index, answers in enumerate(pages):
            extra = {"comment": f"secret of member {i}"} if index == 2 else {}
            reply = browser.post(
                "/s/small/",
                {"_key": token, "_action": "next", "_page": str(index), **answers, **extra},
            )
            assert reply.status_code == 302
    # the members' side learns of anonymous completions in a batch, apart from the responses
    assert services.settle_anonymous(open_survey) == MEMBERS
    services.deliver_pending(open_survey.pk)
    return tokens


def _complete():
    return Response.objects.filter(status=Response.Status.COMPLETE)


def _midnight(moment: dt.datetime) -> bool:
    return timezone.localtime(moment).time() == dt.time(0, 0)


def test_complete_responses_keep_no_key_and_only_the_day(answered):
    complete = list(_complete())
    assert len(complete) == MEMBERS
    for response in complete:
        assert response.key_hash is None
        assert all(
            _midnight(t) for t in (response.started_at, response.updated_at, response.completed_at)
        )
    for invitation in Invitation.objects.filter(completed=True):
        assert invitation.response_id is None and invitation.completed_on is None
    assert Invitation.objects.filter(completed=True).count() == MEMBERS
    thanked = Message.objects.filter(kind="thanks", status="sent").count()
    assert thanked == MEMBERS  # the member's side knows who completed, and only that


def _rows(table: str) -> tuple[list[str], list[tuple]]:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quoted}")
        columns = [c[0] for c in cursor.description]
        return columns, cursor.fetchall()


def _references_to_responses() -> list[tuple[str, str]]:
    """Every (table, column) with a foreign key to collect_response, by introspection."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            relations = connection.introspection.get_relations(cursor, table)
            found += [
                (table, col) for col, (_, other) in relations.items() if other == "collect_response"
            ]
    return found


def test_raw_sql_over_every_table_finds_no_token_or_member_beside_a_response(answered):
    tokens = set(answered.values())
    hashes = {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    members = list(Member.objects.values_list("pk", "email", "name", "organisation"))
    personal = {v for _, *values in members for v in values if v}
    response_ids = set(_complete().values_list("pk", flat=True))

    for table in connection.introspection.table_names():
        columns, rows = _rows(table)
        for row in rows:
            text = " ".join(str(cell) for cell in row)
            assert not any(t in text for t in tokens), f"a token in {table}"
            record = dict(zip(columns, row, strict=True))
            for column, cell in record.items():
                # Only the member's invitation keeps the hash, and a response only while it is
                # partial (it is the resume key); a complete one must have dropped it.
                allowed = (table, column) == ("panel_invitation", "token_hash") or (
                    (table, column) == ("collect_response", "key_hash")
                    and record["status"] == "partial"
                )
                if not allowed:
                    assert not any(h in str(cell) for h in hashes), (
                        f"a token hash in {table}.{column}"
                    )

    for table, column in _references_to_responses():
        quoted = connection.ops.quote_name(table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {quoted}")
            assert not {pk for (pk,) in cursor.fetchall()} & response_ids, f"{table}.{column}"

    columns, rows = _rows("collect_response")
    assert set(columns) == RESPONSE_COLUMNS  # no member id, no invitation id, no token
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        if record["id"] not in response_ids:
            continue  # the one partial response still carries its key until it is complete
        assert record["key_hash"] is None
        text = " ".join(str(cell) for cell in row)
        assert not any(p in text for p in personal)


def test_the_order_of_completion_does_not_relink_responses_to_members(answered):
    """Response ids count up and the thank-you is queued in the same instant as the response is
    written: matching the k-th response by id with the k-th thank-you by time must not tell who
    wrote what. (Were the ids random, all eight would match by chance once in 40,320 runs.)"""
    by_id = list(_complete().order_by("pk").values_list("answers", flat=True))
    thanked = list(
        Message.objects.filter(kind="thanks")
        .order_by("queued_at", "pk")
        .values_list("member__name", flat=True)
    )
    guessed = sum(
        answers.get("comment") == f"secret of member {name.split()[-1]}"
        for answers, name in zip(by_id, thanked, strict=True)
    )
    assert guessed < MEMBERS, "every response re-linked to its member by order of completion"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's transaction ids")
def test_postgresql_transaction_ids_do_not_relink_responses_to_members(answered):
    """Every PostgreSQL row keeps the id of the transaction that wrote it (xmin): a response
    written in the same transaction as the member's 'completed' mark is linked to that member
    for anyone who can read the table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM collect_response WHERE status = 'complete'")
        responses = {x for (x,) in cursor.fetchall()}
        cursor.execute("SELECT xmin::text FROM panel_invitation WHERE completed")
        invitations = {x for (x,) in cursor.fetchall()}
    assert len(responses) == MEMBERS
    assert not responses & invitations, (
        f"{len(responses & invitations)} of {MEMBERS} responses share a transaction with a member"
    )


def test_the_order_of_spent_keys_does_not_relink_responses_to_members(answered):
    """Whoever holds the secret key can tell which spent key is whose (that is how the
    members' side learns who completed); were spent keys and responses numbered as they are
    written, the k-th of each would be the same member's."""
    from indagine.collect.keys import spent_digest
    from indagine.collect.models import SpentKey

    owner = {spent_digest(token): email for email, token in answered.items()}
    spent = [owner[d] for d in SpentKey.objects.order_by("pk").values_list("digest", flat=True)]
    by_id = list(_complete().order_by("pk").values_list("answers", flat=True))
    guessed = sum(
        answers.get("comment") == f"secret of member {email[1:].split('@')[0]}"
        for answers, email in zip(by_id, spent, strict=True)
    )
    assert guessed < MEMBERS, "every response re-linked to its member by the spent keys' order"
    assert min(_complete().values_list("pk", flat=True)) >= 2**40


def test_a_one_page_anonymous_survey_counts_its_completions(db, smtp, members_csv):
    """The first page completes the response: the member never 'started' on the way."""
    from indagine.surveys.services import import_form, open_survey

    source = b"| survey |\n| | type | name | label |\n| | integer | n | N |\n"
    survey = open_survey(import_form(source, "one.md", slug="one").survey)
    survey.anonymous = True
    survey.save()
    services.import_members(survey, members_csv)
    services.invite(survey)
    services.deliver_pending(survey.pk)
    token = next(personal_link(m)[1] for m in smtp.messages if m["To"] == "anna@example.org")
    browser = Client()
    assert browser.get(f"/s/one/t/{token}/").status_code == 302
    reply = browser.post("/s/one/", {"_key": token, "_action": "next", "_page": "0", "n": "3"})
    assert reply.status_code == 302 and "/thanks/" in reply["Location"]
    assert services.settle_anonymous(survey) == 1
    assert Invitation.objects.get(member__email="anna@example.org").completed
    _age_messages(4)
    assert services.remind(survey) == 2  # bruno and carla, not anna


def _age_messages(days: float) -> None:
    Message.objects.update(queued_at=timezone.now() - dt.timedelta(days=days))


def test_completions_queue_one_later_batch_that_a_running_worker_will_settle(answered):
    """A worker left running learns of anonymous completions (and thanks the members) in one
    batch some minutes later, not only when it starts or someone opens the panel page."""
    from django_tasks_db.models import DBTaskResult

    from indagine.panel.services import settle

    queued = DBTaskResult.objects.filter(task_path=settle.module_path, status="READY")
    assert queued.count() == 1  # eight completions, one batch
    (task,) = queued
    assert task.run_after >= timezone.now() + services.SETTLE_AFTER - dt.timedelta(seconds=5)
    assert task.args_kwargs["args"] == [Member.objects.first().survey_id]
