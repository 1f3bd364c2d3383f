"""What an audit of the editor, acting as an organiser who makes mistakes and as an attacker,
found: each defect as a test (issue 16)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indagine.collect.models import Response
from indagine.panel.models import MessageTemplate
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form
from organisers import make_organiser
from surveys.test_editor import ORG, SHARE, _form, _question_post, _revision, _survey

CORPUS = Path(__file__).parents[1] / "forms" / "corpus"


@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user


def _post(client, slug, op, **data):
    revision = client.get(f"/manage/{slug}/edit/").context["draft"].revision
    return client.post(
        f"/manage/{slug}/edit/", {"op": op, "revision": revision, **data}, follow=True
    )


def test_the_emails_page_escapes_what_organisers_write(client, organiser, open_survey):
    client.post(
        "/manage/small/panel/emails/",
        {
            "kind": "invite",
            "language": "it",
            "subject": "S",
            "text": "<script>x()</script> {{ link }}",
        },
    )
    _post(client, "small", "settings", title="Soci <b>2027</b>")
    page = client.get("/manage/small/panel/emails/").content.decode()
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page
    assert "Soci <b>2027</b>" not in page and "Soci &lt;b&gt;2027&lt;/b&gt;" in page


@pytest.mark.parametrize(
    "text",
    [
        '{% include "base.html" %} {{ link }}',
        '{% url "nope" %} {{ link }}',
        "{# {{ link }} #} no link",
        "{% if False %}{{ link }}{% endif %}",
        "{% verbatim %}{{ link }}{% endverbatim %}",
    ],
)
def test_a_wording_is_written_out_before_it_is_kept(client, organiser, open_survey, text):
    reply = client.post(
        "/manage/small/panel/emails/",
        {"kind": "invite", "language": "it", "subject": "S", "text": text},
    )
    assert reply.status_code == 400 and "EMAIL_WORDING" in reply.content.decode()
    assert not MessageTemplate.objects.exists()
    assert client.get("/manage/small/panel/emails/").status_code == 200


def test_a_subject_of_two_lines_is_refused(client, organiser, open_survey):
    data = {"kind": "invite", "language": "it", "subject": "S\r\nBcc: x@y", "text": "{{ link }}"}
    assert client.post("/manage/small/panel/emails/", data).status_code == 400


def test_required_values_of_every_spelling_survive_a_save(client, organiser, db):
    form = textwrap.dedent("""
        | survey |
        | | type | name | label | required |
        | | text | a | A | TRUE |
        | | text | b | B | ${a} = 'x' |
        | | text | c | C | Yes |
        | settings |
        | | form_title | form_id |
        | | R | r |
    """)
    import_form(form.encode(), "r.md", slug="r")
    for index in (0, 1, 2):
        page = client.get(f"/manage/r/edit/{index}/")
        fields = page.context["fields"]
        data = {
            "revision": page.context["draft"].revision,
            "name": page.context["item"].name,
            "type": "text",
            "label__0": "Nuovo",
            "relevant_was": "",
            "constraint_was": "",
            "required_if": fields["required_if"],
        }
        if fields["required_on"]:
            data["required"] = "on"
        assert client.post(f"/manage/r/edit/{index}/", data).status_code == 302
    form = Survey.objects.get(slug="r").current_version.form
    assert form.question("a").required and form.question("c").required
    assert form.question("b").required_if == "${a} = 'x'"


def test_a_new_choice_question_never_takes_over_another_list(client, organiser, db):
    source = (CORPUS / "service_ratings_table_list_it.md").read_bytes()
    import_form(source, "v.md", slug="v")
    before = {
        q.name: [c.name for c in q.choices]
        for q in Survey.objects.get(slug="v").current_version.form.questions()
    }
    _post(client, "v", "add", index="7", type="select_one", label="Voto")
    after = {
        q.name: [c.name for c in q.choices]
        for q in Survey.objects.get(slug="v").current_version.form.questions()
    }
    assert all(after[name] == choices for name, choices in before.items())


def test_undo_never_reaches_across_a_new_version(client, organiser, open_survey, small_form_source):
    _post(client, "small", "delete", index="9")
    upload = SimpleUploadedFile(
        "small.md", small_form_source.replace(b"| Commento |", b"| Commento nuovo |")
    )
    client.post("/manage/new/", {"version_of": "small", "file": upload})
    reply = _post(client, "small", "undo")
    assert "SURVEY_NO_CHANGE" in reply.content.decode()
    assert _form().question("comment").label.get("it") == "Commento nuovo"


def test_a_page_drawn_before_a_publish_is_stale(client, organiser, open_survey):
    Response.objects.create(
        survey=open_survey, form_version=open_survey.current_version, language="it"
    )
    stale = _revision(client)
    _post(client, "small", "moveto", index="8", before="0")
    client.post("/manage/small/edit/publish/", {"revision": _revision(client)})
    reply = client.post(
        "/manage/small/edit/", {"op": "delete", "index": "5", "revision": stale}, follow=True
    )
    assert "SURVEY_EDIT_CONFLICT" in reply.content.decode()
    assert _form().question("share") is not None and _form().question("org_other") is not None


def test_a_move_that_makes_a_condition_read_a_later_question_is_refused(
    client, organiser, open_survey
):
    reply = _post(client, "small", "down", index=str(ORG))  # org below org_other, which reads it
    assert "SURVEY_EDIT_CONDITION" in reply.content.decode()
    assert [q.name for q in _form().pages[0].questions] == ["org", "org_other"]


@pytest.mark.parametrize(("index", "before"), [("9", "11"), ("9", "0"), ("8", "5")])
def test_a_drop_that_would_change_what_an_item_is_is_refused(
    client, organiser, open_survey, index, before
):
    pages = [p.name for p in _form().pages]
    reply = _post(client, "small", "moveto", index=index, before=before)
    assert "SURVEY_EDIT_DROP" in reply.content.decode()
    assert [p.name for p in _form().pages] == pages


def test_a_copied_page_reads_its_own_answers(client, organiser, open_survey):
    _post(client, "small", "copy", index="0")
    assert _form().question("org_other_2").relevant == "selected(${org_2}, 'other')"


@pytest.mark.parametrize("count", ["abc", "100000000", "-3"])
def test_a_forged_count_of_choices_is_no_server_error(client, organiser, open_survey, count):
    data = _question_post(client, ORG, choices=count)
    reply = client.post(f"/manage/small/edit/{ORG}/", data)
    assert reply.status_code in (302, 400)


def test_an_unchanged_condition_stays_as_written(client, organiser, db):
    source = (CORPUS / "family_budget_calculations_it.md").read_bytes()
    import_form(source, "f.md", slug="f")
    form = Survey.objects.get(slug="f").current_version.form
    before = {q.name: q.relevant for q in form.questions()}
    page = client.get("/manage/f/edit/")
    rows = [
        e["item"].index
        for e in page.context["outline"]
        if e["item"].kind == "question" and e["item"].row.get("relevant")
    ]
    for index in rows:
        page = client.get(f"/manage/f/edit/{index}/")
        fields, item = page.context["fields"], page.context["item"]
        data = {
            "revision": page.context["draft"].revision,
            "name": item.name,
            "type": fields["kind"],
            "relevant": item.row.get("relevant", ""),
            "relevant_was": fields["logic"]["was"],
            "constraint": item.row.get("constraint", ""),
            "constraint_was": fields["check_was"],
            "join": fields["logic"]["join"],
            "required_if": fields["required_if"],
            "appearance": item.row.get("appearance", ""),
        }
        for n, c in enumerate(fields["logic"]["conditions"]):
            data |= {
                f"cond-{n}-name": c.name,
                f"cond-{n}-comparison": c.comparison,
                f"cond-{n}-value": c.value,
            }
        for lang in fields["languages"]:
            for base, text in lang["texts"].items():
                data[f"{base}__{lang['index']}"] = text
        if fields["required_on"]:
            data["required"] = "on"
        if fields["list_name"]:
            data["list_name"] = data["list_was"] = fields["list_name"]
            data["choices"] = str(len(fields["choices"]))
            for n, choice in enumerate(fields["choices"]):
                data[f"choice-{n}-name"] = choice["name"]
                data[f"choice-{n}-score"] = choice["score"]
                for i, text in enumerate(choice["labels"]):
                    data[f"choice-{n}-label-{i}"] = text
        client.post(f"/manage/f/edit/{index}/", data)
    after = {
        q.name: q.relevant for q in Survey.objects.get(slug="f").current_version.form.questions()
    }
    assert after == before


def test_names_and_texts_have_a_length_and_names_no_twin_in_another_case(
    client, organiser, open_survey
):
    for changes, code in (
        ({"name": "x" * 65}, "SURVEY_EDIT_NAME"),
        ({"name": "ORG"}, "SURVEY_EDIT_NAME"),
        ({"label__0": "y" * 5001}, "SURVEY_EDIT_TEXT"),
    ):
        reply = client.post(
            f"/manage/small/edit/{SHARE}/", _question_post(client, SHARE, **changes)
        )
        assert reply.status_code == 400 and code in reply.content.decode()
    reply = _post(client, "small", "settings", title="t" * 301)
    assert "SURVEY_NO_TITLE" in reply.content.decode()
    assert _survey().title == "Piccola"


def test_a_question_outside_a_repeat_is_not_offered_its_questions(client, organiser, db):
    source = (CORPUS / "household_roster_repeat_it.md").read_bytes()
    import_form(source, "h.md", slug="h")
    outline = client.get("/manage/h/edit/").context["outline"]
    inside = {e["item"].name for e in outline if e["item"].kind == "question"}
    last = max(
        e["item"].index
        for e in outline
        if e["item"].kind == "question" and e["item"].depth <= 1 and e["item"].name
    )
    offered = {
        q["name"] for q in client.get(f"/manage/h/edit/{last}/").context["fields"]["earlier"]
    }
    assert "eta_componente" in inside and "eta_componente" not in offered


def test_what_else_was_said_wrongly_or_not_at_all(client, organiser, open_survey):
    assert (
        "SURVEY_EDIT_CONFLICT"
        in client.post("/manage/small/edit/", {"op": "undo"}, follow=True).content.decode()
    )
    assert (
        "SURVEY_EDIT_TEXT"
        in _post(client, "small", "add", index="3", type="text", label="").content.decode()
    )
    assert (
        "SURVEY_EDIT_TEXT"
        in _post(
            client, "small", "add", index="3", type="hidden", label="Nascosta"
        ).content.decode()
    )
    reply = _post(client, "small", "settings", title="Piccola", default_language="Deutsch (de)")
    assert "SURVEY_EDIT_GONE" in reply.content.decode() and _form().default_language == "it"
    reply = client.post(
        "/manage/small/panel/emails/", {"kind": "nothing", "language": "xx", "reset": "1"}
    )
    assert reply.status_code == 400
    reply = client.post("/manage/new/", {"start": "scratch", "title": "Nuova"})
    assert reply.status_code == 400 and "SURVEY_NO_LANGUAGE" in reply.content.decode()
