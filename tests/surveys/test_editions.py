"""Editions (#18.1): a survey as the next edition of another, its questions matched by name,
by the questionnaire's previous_name or by the organiser; earlier editions given as tables."""

from __future__ import annotations

import pytest

from indagine.cli import main
from indagine.panel.models import Member
from indagine.surveys import editions
from indagine.surveys.models import PastEdition, Survey
from indagine.surveys.services import SurveyError, import_form

RENAMED = b"""
| survey |
| | type | name | label::Italiano (it) | label::English (en) | previous_name |
| | begin_group | p1 | Profilo | Profile | |
| | select_one org | tipo_org | Tipo | Type | org |
| | decimal | share | Quota | Share | |
| | integer | nuova | Nuova | New | |
| | select_one org | altro | Altro tipo | Other type | |
| | end_group | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | org | bpo | BPO | BPO |
| | org | inhouse | Interno | In-house |
| | org | other | Altro | Other |
| settings |
| | form_title | form_id | default_language |
| | Piccola 2021 | small_2021 | Italiano (it) |
"""


@pytest.fixture
def second(capsys, open_survey, tmp_path):
    path = tmp_path / "small-2021.md"
    path.write_bytes(RENAMED)
    assert (
        main(
            [
                "forms",
                "import",
                str(path),
                "--slug",
                "small-2021",
                "--edition-of",
                "small",
                "--edition-label",
                "2021",
            ]
        )
        == 0
    )
    return Survey.objects.get(slug="small-2021")


def test_imported_as_the_next_edition_its_questions_match(second, open_survey, capsys):
    assert "edition 2021 of small; 2 of 4 questions matched" in capsys.readouterr().out
    assert second.edition_of == open_survey and editions.chain(second) == [open_survey, second]
    found = editions.matches(second, editions.earlier_form(second))
    assert found == {"tipo_org": "org", "share": "share", "nuova": "", "altro": ""}


def test_the_organiser_matches_otherwise_and_never_one_twice(second):
    earlier = editions.earlier_form(second)
    with pytest.raises(SurveyError) as twice:  # org is tipo_org's by its previous_name
        editions.set_matches(second, {"altro": "org"})
    assert twice.value.code == "EDITION_BAD_MATCH" and "twice" in twice.value.message
    editions.set_matches(second, {"altro": "org", "tipo_org": ""})
    assert editions.matches(second, earlier) == {
        "tipo_org": "",
        "share": "share",
        "nuova": "",
        "altro": "org",
    }
    with pytest.raises(SurveyError) as kinds:  # a number with a choice
        editions.set_matches(second, {"nuova": "org", "altro": ""})
    assert kinds.value.code == "EDITION_BAD_MATCH" and "types" in kinds.value.message
    with pytest.raises(SurveyError):
        editions.set_matches(second, {"nuova": "nessuna"})


def test_labels_are_the_editions_own(open_survey, second):
    with pytest.raises(SurveyError) as taken:
        editions.new_edition(second, "small-2022", "Piccola 2022", "2021")
    assert taken.value.code == "EDITION_LABEL"
    with pytest.raises(SurveyError) as long:
        editions.new_edition(second, "small-2022", "Piccola 2022", "x" * 41)
    assert long.value.code == "EDITION_LABEL"
    assert not Survey.objects.filter(slug="small-2022").exists()


def test_no_survey_is_an_edition_of_itself(second, open_survey):
    with pytest.raises(SurveyError):
        editions.link(open_survey, second)  # a loop
    with pytest.raises(SurveyError):
        editions.link(second, second)


def test_a_new_edition_from_the_web_copies_the_panel_when_asked(open_survey):
    Member.objects.create(survey=open_survey, email="a@example.org", name="Anna")
    Member.objects.create(
        survey=open_survey, email=None, name="Erased", erased_at="2026-01-01T00:00Z"
    )
    open_survey.edition_label = "2021"
    open_survey.save()
    kept = editions.new_edition(open_survey, "small-2022", "Piccola 2022", "2022", panel=True)
    assert kept.edition_of == open_survey and kept.edition_name == "2022"
    assert list(Member.objects.filter(survey=kept).values_list("email", flat=True)) == [
        "a@example.org"
    ]
    bare = editions.new_edition(open_survey, "small-2023", "Piccola 2023", "2023")
    assert not Member.objects.filter(survey=bare).exists()


PAST = """question,choice,share,n
org,bpo,0.5,120
org,inhouse,40%,120
org,other,0.1,120
tools,vpn,0.7,110
"""


def test_an_earlier_edition_from_its_tables(open_survey, tmp_path, capsys):
    path = tmp_path / "2019.csv"
    path.write_text(PAST)
    assert main(["editions", "past", "small", str(path), "--label", "2019"]) == 0
    past = PastEdition.objects.get()
    assert past.figures["org"] == {"n": 120, "shares": {"bpo": 0.5, "inhouse": 0.4, "other": 0.1}}
    assert [e.label for e in editions.editions(open_survey)] == ["2019", open_survey.edition_name]
    capsys.readouterr()
    assert main(["editions", "list", "small"]) == 0
    assert capsys.readouterr().out.startswith("2019\ttables\n")


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("question,choice,share,n\nnothing,bpo,0.5,10\n", "line 2"),
        ("question,choice,share,n\norg,pa,0.5,10\n", "'pa' is no choice"),
        ("question,choice,share,n\norg,bpo,1.5,10\n", "between 0 and 1"),
        ("question,choice,count,n\norg,bpo,12,10\n", "between 0 and n"),
        ("question,choice,share,n\norg,bpo,0.5,10\norg,other,0.2,11\n", "two different n"),
        ("question,choice,share,n\norg,bpo,0.7,10\norg,other,0.6,10\n", "more than 1"),
        ("q,c\n", "columns"),
    ],
)
def test_tables_that_cannot_be_read_are_refused_line_by_line(open_survey, text, fault):
    with pytest.raises(SurveyError) as refused:
        editions.add_past(open_survey, "2019", text.encode())
    assert refused.value.code == "EDITION_CSV"
    assert any(fault in p for p in refused.value.problems)
    assert not PastEdition.objects.exists()


def test_a_previous_name_round_trips_through_the_xlsform(second):
    from indagine.forms.loader import load_form
    from indagine.surveys.questionnaires import exported

    data, name = exported(second.current_version)
    again = load_form(data, name).form
    assert again is not None and again.question("tipo_org").previous_name == "org"
    assert import_form(RENAMED, "x.md", slug="x").version.form.question("share").previous_name == ""


@pytest.fixture
def organiser(db, client, django_user_model):
    from organisers import make_organiser

    client.force_login(make_organiser(django_user_model, "segreteria"))


def test_the_editions_page_matches_adds_tables_and_makes_the_next(client, organiser, second):
    page = client.get("/manage/small-2021/editions/").content.decode()
    assert 'id="match-tipo_org"' in page and 'value="org" selected' in page
    reply = client.post(
        "/manage/small-2021/editions/",
        {"action": "matches", "match-tipo_org": "", "match-share": "share", "match-altro": "org"},
    )
    assert reply.status_code == 302
    second.refresh_from_db()
    assert editions.matches(second, editions.earlier_form(second))["altro"] == "org"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("t.csv", b"question,choice,share,n\norg,pa,0.5,10\n")
    page = client.post(
        "/manage/small/editions/", {"action": "past", "label": "2019", "file": bad}, follow=True
    ).content.decode()
    assert "EDITION_CSV" in page and "line 2" in page
    good = SimpleUploadedFile("t.csv", PAST.encode())
    client.post("/manage/small/editions/", {"action": "past", "label": "2019", "file": good})
    assert PastEdition.objects.get().label == "2019"
    reply = client.post(
        "/manage/small-2021/editions/",
        {
            "action": "new",
            "title": "Piccola 2022",
            "slug": "small-2022",
            "label": "2022",
            "panel": "on",
        },
    )
    assert reply["Location"] == "/manage/small-2022/edit/"
    made = Survey.objects.get(slug="small-2022")
    labels = [e.label for e in editions.editions(made)]
    assert made.edition_of == second and labels[0] == "2019"


def test_the_editions_page_needs_the_rights(client, second, django_user_model):
    from organisers import make_organiser

    client.force_login(make_organiser(django_user_model, "lettore", change=False))
    assert client.get("/manage/small-2021/editions/").status_code == 200
    for data in ({"action": "matches", "match-share": ""}, {"action": "new", "slug": "x"}):
        assert client.post("/manage/small-2021/editions/", data).status_code == 403
    assert not Survey.objects.filter(slug="x").exists()


def test_tables_as_italian_excel_writes_them(open_survey):
    text = "\ufeffQuestion;Choice;Share;N\r\norg;bpo;0,5;120\r\norg;inhouse;40%;120\r\n;;;\r\n"
    past = editions.add_past(open_survey, "2019", text.encode())
    assert past.figures["org"]["shares"] == {"bpo": 0.5, "inhouse": 0.4}
    with pytest.raises(SurveyError) as one:
        editions.add_past(open_survey, "2018", b"question,choice,share,n\norg,bpo,0.5,1\n")
    assert any("at least 2" in p for p in one.value.problems)


def test_past_tables_sit_before_the_survey_they_were_given_to(open_survey, second):
    tables = b"question,choice,share,n\ntipo_org,bpo,0.5,120\n"
    for label in ("Ed. 10", "Ed. 9"):
        editions.add_past(second, label, tables)
    labels = [e.label for e in editions.editions(second)]
    assert labels == [open_survey.edition_name, "Ed. 9", "Ed. 10", "2021"]


def test_an_earlier_survey_one_may_not_see_is_named_by_its_label_alone(
    client, second, django_user_model
):
    from guardian.shortcuts import assign_perm

    viewer = django_user_model.objects.create_user("comitato", password="x" * 12)
    assign_perm("surveys.view_survey", viewer, second)
    client.force_login(viewer)
    page = client.get("/manage/small-2021/editions/").content.decode()
    assert 'href="/manage/small/"' not in page and "Piccola</a>" not in page
    assert "tabelle pubblicate" not in page
    assert "(org)" in page and "Tipo (org)" not in page  # names, not labels
