"""Member lists from CSV and XLSX: each bad row reported with its line, duplicates merged by
email, nothing stored from a file with errors; a member's personal data erased on request."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from indagine.collect.models import Response
from indagine.panel import services
from indagine.panel.models import Invitation, Member, Message, OptOut
from indagine.panel.tokens import email_hash
from panel.conftest import answer_small, personal_link


def _csv(tmp_path, text: str, name: str = "members.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _xlsx(tmp_path, rows, name: str = "members.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_a_csv_becomes_members_with_attributes_and_personal_links(open_survey, members_csv):
    report = services.import_members(open_survey, members_csv)
    assert (report.created, report.updated, report.problems) == (3, 0, [])
    anna = Member.objects.get(email="anna@example.org")
    assert (anna.name, anna.organisation) == ("Anna Rossi", "Acme")
    assert anna.attributes == {"org_type": "bpo", "size": "large"}
    assert Invitation.objects.count() == 3
    assert len(set(Invitation.objects.values_list("token_hash", flat=True))) == 3


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_stored(open_survey, tmp_path):
    path = _csv(
        tmp_path,
        "email,name\n"
        "anna@example.org,Anna\n"
        "not-an-address,Bruno\n"
        "\n"
        ",Nobody\n"
        "carla@example,Carla\n"
        "dario@example.org,Dario\n",
    )
    with pytest.raises(services.PanelError) as error:
        services.import_members(open_survey, path)
    assert error.value.code == "MEMBERS_INVALID_ROWS"
    assert [p.split(":")[0] for p in error.value.problems] == ["line 3", "line 5", "line 6"]
    assert all("MEMBER_BAD_EMAIL" in p for p in error.value.problems)
    assert Member.objects.count() == 0 and Invitation.objects.count() == 0


def test_skip_invalid_stores_the_good_rows_and_reports_the_others(open_survey, tmp_path):
    path = _csv(tmp_path, "email\nanna@example.org\nbad\n")
    report = services.import_members(open_survey, path, skip_invalid=True)
    assert report.created == 1 and report.problems[0].startswith("line 3:")


def test_duplicates_are_merged_by_email_and_a_second_import_updates(open_survey, tmp_path):
    path = _csv(
        tmp_path,
        "email,name,organisation,size\n"
        "Anna@Example.org,Anna,,\n"
        "anna@example.org ,,Acme,large\n"
        "bruno@example.org,Bruno,Beta,small\n",
    )
    report = services.import_members(open_survey, path)
    assert (report.created, report.updated) == (2, 0)
    anna = Member.objects.get(email="anna@example.org")
    assert (anna.name, anna.organisation, anna.attributes) == ("Anna", "Acme", {"size": "large"})
    again = _csv(tmp_path, "email,name,sector\nanna@example.org,Anna Rossi,telco\n", "b.csv")
    report = services.import_members(open_survey, again)
    assert (report.created, report.updated) == (0, 1)
    anna.refresh_from_db()
    assert anna.name == "Anna Rossi" and anna.organisation == "Acme"
    assert anna.attributes == {"size": "large", "sector": "telco"}
    assert Member.objects.count() == 2 and Invitation.objects.count() == 2


def test_an_italian_excel_csv_with_semicolons_and_italian_headers(open_survey, tmp_path):
    path = _csv(tmp_path, "\ufeffE-mail;Nome;Azienda;dimensione\nanna@example.org;Anna;Acme;50\n")
    services.import_members(open_survey, path)
    anna = Member.objects.get()
    assert (anna.email, anna.name, anna.organisation) == ("anna@example.org", "Anna", "Acme")
    assert anna.attributes == {"dimensione": "50"}


def test_an_xlsx_file_is_read_like_a_csv(open_survey, tmp_path):
    path = _xlsx(
        tmp_path,
        [
            ["Email", "Name", "Organisation", "size", "region"],
            ["anna@example.org", "Anna", "Acme", 250, "Nord"],
            ["bruno@example.org", "Bruno", None, 10, None],
            [None, None, None, None, None],
            ["ANNA@example.org", None, None, None, "Centro"],
        ],
    )
    report = services.import_members(open_survey, path)
    assert report.created == 2
    anna = Member.objects.get(email="anna@example.org")
    assert anna.attributes == {"size": "250", "region": "Centro"}


def test_an_xlsx_file_with_bad_rows_names_their_lines(open_survey, tmp_path):
    path = _xlsx(
        tmp_path,
        [["email", "name"], ["anna@example.org", "Anna"], ["anna at example", "Bad"], [42, "X"]],
    )
    with pytest.raises(services.PanelError) as error:
        services.import_members(open_survey, path)
    assert [p.split(":")[0] for p in error.value.problems] == ["line 3", "line 4"]
    assert Member.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.csv", b"", "MEMBERS_EMPTY"),
        ("noemail.csv", b"name,organisation\nAnna,Acme\n", "MEMBERS_NO_EMAIL"),
        (
            "latin1.csv",
            "email,name\nanna@example.org,Niccolò\n".encode("latin-1"),
            "MEMBERS_ENCODING",
        ),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "MEMBERS_UNREADABLE"),
    ],
)
def test_unreadable_files_are_refused_with_a_code(open_survey, tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(services.PanelError) as error:
        services.import_members(open_survey, path)
    assert error.value.code == code
    assert Member.objects.count() == 0


# Erasure on request.


@pytest.fixture
def answered(open_survey, smtp, members_csv, client):
    """Three members invited; anna completed, bruno answered the first page."""
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    tokens = {m["To"]: personal_link(m)[1] for m in smtp.messages}
    answer_small(client, tokens["anna@example.org"])
    answer_small(client.__class__(), tokens["bruno@example.org"], pages=1)
    return tokens


def test_erasing_a_member_of_a_named_survey_deletes_their_data_and_response(
    open_survey, answered, client
):
    anna = Member.objects.get(email="anna@example.org")
    response_id = anna.invitation.response_id
    assert response_id is not None
    assert services.erase_member(open_survey, " ANNA@example.org ")
    anna.refresh_from_db()
    assert (anna.email, anna.name, anna.organisation, anna.attributes) == (None, "", "", {})
    assert anna.erased_at is not None
    invitation = anna.invitation
    invitation.refresh_from_db()
    assert invitation.opened_at is None and not invitation.completed  # her answers are gone
    assert (
        services.fieldwork(open_survey).totals.get("completed", 0)
        == Response.objects.filter(status="complete").count()
    )
    assert not Response.objects.filter(pk=response_id).exists()
    assert not Message.objects.filter(member=anna).exists()
    assert OptOut.objects.filter(email_hash=email_hash("anna@example.org")).exists()
    reply = client.get(f"/s/small/t/{answered['anna@example.org']}/")
    assert reply.status_code == 404 and b"TOKEN_UNKNOWN" in reply.content
    assert not services.erase_member(open_survey, "anna@example.org")  # already gone


def test_erasing_a_member_with_a_partial_response_deletes_it_too(open_survey, answered):
    bruno = Member.objects.get(email="bruno@example.org")
    partial = Response.objects.get(key_hash=bruno.invitation.token_hash)
    services.erase_member(open_survey, "bruno@example.org")
    assert not Response.objects.filter(pk=partial.pk).exists()


def test_erasing_a_member_of_an_anonymous_survey_keeps_the_anonymous_answers(
    open_survey, smtp, members_csv, client
):
    open_survey.anonymous = True
    open_survey.save()
    services.import_members(open_survey, members_csv)
    services.invite(open_survey)
    services.deliver_pending(open_survey.pk)
    token = personal_link(smtp.to("anna@example.org")[0])[1]
    answer_small(client, token)
    answers = list(Response.objects.values_list("answers", flat=True))
    assert services.erase_member(open_survey, "anna@example.org")
    assert list(Response.objects.values_list("answers", flat=True)) == answers
    assert Member.objects.get(erased_at__isnull=False).email is None


def test_a_missing_file_is_refused_with_a_code(open_survey, tmp_path):
    with pytest.raises(services.PanelError) as error:
        services.import_members(open_survey, tmp_path / "none.csv")
    assert error.value.code == "MEMBERS_UNREADABLE"
