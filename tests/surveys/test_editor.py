"""The questionnaire editor (#16), as an organiser uses it through its pages, without the script.

The small survey's rows: 0 page p1, 1 org, 2 org_other, 3 end, 4 page p2, 5 share, 6 tools,
7 end, 8 page p3, 9 comment, 10 end.
"""

from __future__ import annotations

import pytest

from indagine.collect.models import Response
from indagine.surveys.models import AuditEntry, Survey
from organisers import make_organiser

ORG, SHARE, TOOLS = 1, 5, 6


@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user


def _survey() -> Survey:
    return Survey.objects.select_related("current_version").get(slug="small")


def _form():
    return _survey().current_version.form


def _revision(client) -> int:
    return client.get("/manage/small/edit/").context["draft"].revision


def _question_post(client, index: int, **changes) -> dict[str, str]:
    """The question's page as drawn, with `changes` made to its fields."""
    page = client.get(f"/manage/small/edit/{index}/")
    fields = page.context["fields"]
    item = page.context["item"]
    data = {
        "revision": str(page.context["draft"].revision),
        "name": item.name,
        "type": fields["kind"],
        "relevant": item.row.get("relevant", ""),
        "constraint": item.row.get("constraint", ""),
        "appearance": item.row.get("appearance", ""),
    }
    data["relevant_was"] = fields["logic"]["was"]
    data["constraint_was"] = fields["check_was"]
    check = fields["check"]
    for key in ("least", "most", "longest", "pattern"):
        data[f"check_{key}"] = getattr(check, key) if check else ""
    data["join"] = fields["logic"]["join"]
    for n, condition in enumerate(fields["logic"]["conditions"]):
        data[f"cond-{n}-name"] = condition.name
        data[f"cond-{n}-comparison"] = condition.comparison
        data[f"cond-{n}-value"] = condition.value
    if item.row.get("required") == "yes":
        data["required"] = "on"
    for lang in fields["languages"]:
        for base, text in lang["texts"].items():
            data[f"{base}__{lang['index']}"] = text
    if fields["list_name"]:
        data["list_name"] = data["list_was"] = fields["list_name"]
        data["choices"] = str(len(fields["choices"]))
        for n, choice in enumerate(fields["choices"]):
            data[f"choice-{n}-name"] = choice["name"]
            data[f"choice-{n}-score"] = choice["score"]
            for i, text in enumerate(choice["labels"]):
                data[f"choice-{n}-label-{i}"] = text
    data.update(changes)
    return data


def _answer(survey: Survey) -> Response:
    return Response.objects.create(
        survey=survey,
        form_version=survey.current_version,
        status="complete",
        answers={"org": "bpo", "share": 40},
        language="it",
    )


def test_the_survey_page_leads_to_the_editor_which_shows_pages_and_questions(
    client, organiser, open_survey
):
    assert 'href="/manage/small/edit/"' in client.get("/manage/small/").content.decode()
    page = client.get("/manage/small/edit/").content.decode()
    for text in ("Profilo", "Tipo", "Quale?", "Lavoro", "Quota", "Commento"):
        assert text in page
    assert page.count('value="up"') == 8  # 3 pages, 5 questions: not the ends


def test_a_label_edited_in_both_languages_changes_the_unanswered_version_in_place(
    client, organiser, open_survey
):
    data = _question_post(client, SHARE, label__0="Percentuale", label__1="Percentage")
    reply = client.post(f"/manage/small/edit/{SHARE}/", data)
    assert reply.status_code == 302
    survey = _survey()
    assert survey.versions.count() == 1 and survey.current_version.number == 1
    share = _form().question("share")
    assert (share.label.get("it"), share.label.get("en")) == ("Percentuale", "Percentage")
    assert AuditEntry.objects.filter(action="form.edit", survey=survey).exists()
    # undone: as it was
    client.post("/manage/small/edit/", {"op": "undo", "revision": _revision(client)})
    assert _form().question("share").label.get("it") == "Quota"


def test_a_question_and_a_page_added_with_names_from_their_labels(client, organiser, open_survey):
    revision = _revision(client)
    client.post(
        "/manage/small/edit/",
        {
            "op": "add",
            "index": "7",
            "type": "integer",
            "label": "Quanti operatori?",
            "revision": revision,
        },
    )
    client.post(
        "/manage/small/edit/",
        {"op": "page", "label": "Ultima pagina", "revision": _revision(client)},
    )
    form = _form()
    added = form.question("quanti_operatori")
    assert added is not None and added.label.get("it") == "Quanti operatori?"
    assert [q.name for q in form.pages[1].questions] == ["share", "tools", "quanti_operatori"]
    # a page holding nothing yet is no page of the form: it shows in the editor
    assert "Ultima pagina" in client.get("/manage/small/edit/").content.decode()


def test_move_duplicate_and_delete(client, organiser, open_survey):
    post = lambda op, index: client.post(  # noqa: E731
        "/manage/small/edit/", {"op": op, "index": str(index), "revision": _revision(client)}
    )
    post("down", SHARE)
    assert [q.name for q in _form().pages[1].questions] == ["tools", "share"]
    post("up", 4)  # the page p2 before p1, its questions with it
    assert [p.name for p in _form().pages] == ["p2", "p1", "p3"]
    post("copy", 9)  # page p3's comment
    assert [q.name for q in _form().pages[2].questions] == ["comment", "comment_2"]
    post("delete", 9)
    assert [q.name for q in _form().pages[2].questions] == ["comment_2"]


def test_a_bad_expression_is_shown_at_the_question_and_nothing_saved(
    client, organiser, open_survey
):
    before = _survey().current_version.sha256
    data = _question_post(client, SHARE, relevant="${org} = = 'bpo'")
    reply = client.post(f"/manage/small/edit/{SHARE}/", data)
    assert reply.status_code == 400
    page = reply.content.decode()
    assert "FORM_BAD_EXPRESSION" in page and "relevant" in page
    assert "${org} = = &#x27;bpo&#x27;" in page  # what was typed stays to be fixed
    assert _survey().current_version.sha256 == before


def test_deleting_a_question_another_depends_on_is_refused(client, organiser, open_survey):
    before = _survey().current_version.sha256
    client.post(
        "/manage/small/edit/", {"op": "delete", "index": str(ORG), "revision": _revision(client)}
    )
    page = client.get("/manage/small/edit/").content.decode()
    assert "FORM_UNKNOWN_REFERENCE" in page and "Non salvato" in page
    assert _survey().current_version.sha256 == before


@pytest.mark.parametrize(
    ("name", "why"),
    [("due parole", "not a valid name"), ("2x", "not a valid name"), ("org", "another question")],
)
def test_a_name_that_is_not_valid_or_clashes_is_refused(client, organiser, open_survey, name, why):
    before = _survey().current_version.sha256
    reply = client.post(f"/manage/small/edit/{SHARE}/", _question_post(client, SHARE, name=name))
    assert reply.status_code == 400
    assert "SURVEY_EDIT_NAME" in reply.content.decode()
    assert _survey().current_version.sha256 == before


def test_choices_are_edited_in_place(client, organiser, open_survey):
    data = _question_post(client, ORG)
    data["choice-1-remove"] = "on"  # inhouse
    data["choice-3-name"] = "pa"  # the first empty row
    data["choice-3-label-0"], data["choice-3-label-1"] = "Pubblica amm.", "Public sector"
    assert client.post(f"/manage/small/edit/{ORG}/", data).status_code == 302
    org = _form().question("org")
    assert [c.name for c in org.choices] == ["bpo", "other", "pa"]
    assert org.choice("pa").label.get("en") == "Public sector"


def test_a_change_made_on_a_page_drawn_before_anothers_is_refused_naming_it(
    client, organiser, open_survey, django_user_model
):
    stale = _question_post(client, SHARE, label__0="Mia")
    other = make_organiser(django_user_model, "presidente")
    from django.test import Client

    theirs = Client()
    theirs.force_login(other)
    theirs.post(f"/manage/small/edit/{SHARE}/", _question_post(theirs, SHARE, label__0="Loro"))
    reply = client.post(f"/manage/small/edit/{SHARE}/", stale, follow=True)
    page = reply.content.decode()
    assert "SURVEY_EDIT_CONFLICT" in page and "presidente" in page
    assert _form().question("share").label.get("it") == "Loro"


def test_a_survey_with_answers_gets_a_new_version_after_saying_what_changes(
    client, organiser, open_survey
):
    kept = _answer(_survey())
    data = _question_post(client, SHARE, name="quota")  # renamed
    assert client.post(f"/manage/small/edit/{SHARE}/", data).status_code == 302
    assert _form().question("share") is not None  # in use: still the old version
    assert _survey().versions.count() == 1
    assert 'id="pending"' in client.get("/manage/small/edit/").content.decode()
    page = client.get("/manage/small/edit/publish/").content.decode()
    assert "share" in page and "quota" in page  # renamed
    client.post("/manage/small/edit/publish/", {"revision": _revision(client)})
    survey = _survey()
    assert survey.current_version.number == 2 and survey.current_version.form.question("quota")
    kept.refresh_from_db()
    assert kept.form_version.number == 1 and kept.form_version.form.question("share")


def test_the_editor_needs_the_right_to_change_the_survey(client, open_survey, django_user_model):
    reader = make_organiser(django_user_model, "lettore", change=False)
    client.force_login(reader)
    assert client.get("/manage/small/edit/").status_code == 403
    assert client.post("/manage/small/edit/", {"op": "delete", "index": "1"}).status_code == 403
    assert client.get(f"/manage/small/edit/{SHARE}/").status_code == 403


COMMENT = 9


def test_show_when_built_from_menus_is_written_as_the_expression(client, organiser, open_survey):
    menus = {"cond-0-name": "org", "cond-0-comparison": "=", "cond-0-value": "bpo"}
    client.post(f"/manage/small/edit/{SHARE}/", _question_post(client, SHARE, **menus))
    assert _form().question("share").relevant == "${org} = 'bpo'"
    menus = {
        "join": "any",
        "cond-0-name": "share",
        "cond-0-comparison": ">",
        "cond-0-value": "50",
        "cond-1-name": "tools",
        "cond-1-comparison": "selected",
        "cond-1-value": "vpn",
    }
    client.post(f"/manage/small/edit/{COMMENT}/", _question_post(client, COMMENT, **menus))
    assert _form().question("comment").relevant == "${share} > 50 or selected(${tools}, 'vpn')"
    # drawn again, the menus show it
    logic = client.get(f"/manage/small/edit/{COMMENT}/").context["fields"]["logic"]
    assert logic["join"] == "any" and [c.name for c in logic["conditions"]] == [
        "share",
        "tools",
        "",
    ]


def test_an_expression_typed_by_an_expert_wins_and_one_the_menus_cannot_show_is_kept(
    client, organiser, open_survey
):
    typed = "${share} > 50 and (${org} = 'bpo' or ${org} = 'other')"
    client.post(f"/manage/small/edit/{COMMENT}/", _question_post(client, COMMENT, relevant=typed))
    assert _form().question("comment").relevant == typed
    page = client.get(f"/manage/small/edit/{COMMENT}/")
    assert page.context["fields"]["logic"]["shown"] is False
    assert 'id="logic-kept"' in page.content.decode()
    # saved again with another change: the condition stays as typed
    client.post(f"/manage/small/edit/{COMMENT}/", _question_post(client, COMMENT, appearance=""))
    assert _form().question("comment").relevant == typed


def test_a_condition_on_a_later_question_is_refused(client, organiser, open_survey):
    before = _survey().current_version.sha256
    menus = {"cond-0-name": "share", "cond-0-comparison": ">", "cond-0-value": "3"}
    reply = client.post(f"/manage/small/edit/{ORG}/", _question_post(client, ORG, **menus))
    assert reply.status_code == 400 and "SURVEY_EDIT_CONDITION" in reply.content.decode()
    reply = client.post(
        f"/manage/small/edit/{ORG}/", _question_post(client, ORG, relevant="${org} = 'bpo'")
    )
    assert reply.status_code == 400 and "SURVEY_EDIT_CONDITION" in reply.content.decode()
    assert _survey().current_version.sha256 == before


def test_a_choice_list_left_empty_is_refused(client, organiser, open_survey):
    before = _survey().current_version.sha256
    data = _question_post(client, TOOLS)
    data["choice-0-remove"] = data["choice-1-remove"] = "on"
    reply = client.post(f"/manage/small/edit/{TOOLS}/", data)
    assert reply.status_code == 400 and "FORM_" in reply.content.decode()
    assert _survey().current_version.sha256 == before


def test_the_check_from_its_boxes(client, organiser, open_survey):
    page = client.get(f"/manage/small/edit/{SHARE}/").context["fields"]
    assert (page["check"].least, page["check"].most) == ("0", "100")  # '. >= 0 and . <= 100'
    client.post(f"/manage/small/edit/{SHARE}/", _question_post(client, SHARE, check_most="50"))
    assert _form().question("share").constraint == ". >= 0 and . <= 50"
    client.post(
        f"/manage/small/edit/{COMMENT}/",
        _question_post(client, COMMENT, check_longest="200", check_pattern="^[A-Z]"),
    )
    assert (
        _form().question("comment").constraint == "string-length(.) <= 200 and regex(., '^[A-Z]')"
    )
    reply = client.post(
        f"/manage/small/edit/{SHARE}/", _question_post(client, SHARE, check_least="zero")
    )
    assert reply.status_code == 400 and "SURVEY_EDIT_CHECK" in reply.content.decode()
    assert _form().question("share").constraint == ". >= 0 and . <= 50"


def test_the_preview_beside_the_editor_follows_the_question_and_shows_the_draft(
    client, organiser, open_survey
):
    _answer(_survey())  # changes wait in the draft
    data = _question_post(client, SHARE, label__0="Quota nuova")
    client.post(f"/manage/small/edit/{SHARE}/", data)
    page = client.get(f"/manage/small/edit/{SHARE}/").content.decode()
    assert 'src="/manage/small/edit/preview/?page=1"' in page  # p2, the page of share
    framed = client.get("/manage/small/edit/preview/?page=1")
    assert "Quota nuova" in framed.content.decode()  # the draft, not yet a version
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    own = client.get("/manage/small/preview/?page=1")  # the version: as before, never framed
    assert "Quota nuova" not in own.content.decode() and own["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in own["Content-Security-Policy"]


def test_settings_from_the_editor(client, organiser, open_survey):
    page = client.get("/manage/small/edit/")
    assert [c for c, _ in page.context["more_languages"]] == ["fr", "de", "es"]
    client.post(
        "/manage/small/edit/",
        {
            "op": "settings",
            "revision": _revision(client),
            "title": "Piccola 2027",
            "default_language": "English (en)",
            "add_language": "fr",
        },
    )
    form = _form()
    assert _survey().title == "Piccola 2027" and form.default_language == "en"
    assert "fr" not in form.languages  # no text in it yet: its columns wait to be filled in
    page = client.get(f"/manage/small/edit/{SHARE}/").context["fields"]
    assert [lang["name"] for lang in page["languages"]] == [
        "Italiano (it)",
        "English (en)",
        "Français (fr)",
    ]
    reply = client.post(
        "/manage/small/action/settings/".replace("action/", ""),
        {"anonymous": "on", "back": "edit"},
    )
    assert reply["Location"] == "/manage/small/edit/#settings" and _survey().anonymous


def test_a_dragged_question_is_dropped_in_another_page(client, organiser, open_survey):
    page = client.get("/manage/small/edit/").content.decode()
    assert 'id="move-to"' in page and "surveys/editor.js" in page
    client.post(
        "/manage/small/edit/",
        {"op": "moveto", "index": str(COMMENT), "before": "5", "revision": _revision(client)},
    )
    assert [q.name for q in _form().pages[1].questions] == ["comment", "share", "tools"]


def test_a_page_is_edited_on_its_own_page(client, organiser, open_survey):
    page = client.get("/manage/small/edit/4/")
    assert page.status_code == 200 and 'name="type"' not in page.content.decode()
    data = _question_post(client, 4, name="lavoro", label__0="Il lavoro", label__1="Work")
    assert client.post("/manage/small/edit/4/", data).status_code == 302
    work = _form().pages[1]
    assert (work.name, work.title.get("it"), work.title.get("en")) == (
        "lavoro",
        "Il lavoro",
        "Work",
    )


def test_a_question_takes_another_list_or_a_list_of_its_own(client, organiser, open_survey):
    data = _question_post(client, TOOLS, list_name="org")  # tools now shares org's list
    client.post(f"/manage/small/edit/{TOOLS}/", data)
    tools = _form().question("tools")
    assert [c.name for c in tools.choices] == ["bpo", "inhouse", "other"]
    assert [c.name for c in _form().question("org").choices] == ["bpo", "inhouse", "other"]
    users = client.get(f"/manage/small/edit/{ORG}/").context["fields"]["users"]
    assert users == ["Strumenti"]  # the list names the other question using it
    # a text question made a choice: a list of its own, one choice to rename
    client.post(
        f"/manage/small/edit/{COMMENT}/", _question_post(client, COMMENT, type="select_one")
    )
    comment = _form().question("comment")
    assert comment.list_name == "comment" and [c.name for c in comment.choices] == ["1"]
