"""Tests of the XLSForm loader (indagine.forms.loader): every question type, every FormCode.

Forms are small markdown tables, as in pyxform's own tests; a few are also written as .xlsx and
.csv files so the other readers are exercised. Tests assert codes, sheets, rows and columns, never
the wording of a message.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from indagine.forms import loader
from indagine.forms.answers import is_relevant
from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.loader import LoadResult, load_form
from indagine.forms.model import QuestionType, Text

LIBRARY = Path(__file__).parents[2] / "src" / "indagine" / "library"


def load(md: str, filename: str = "form.md") -> LoadResult:
    return load_form(md, filename)


def loaded(md: str):
    """The form of a markdown XLSForm that must load without any issue."""
    result = load(md)
    assert result.issues == (), [str(i) for i in result.issues]
    assert result.ok and result.form is not None
    return result.form


def only_issue(result: LoadResult) -> FormIssue:
    assert len(result.issues) == 1, [str(i) for i in result.issues]
    return result.issues[0]


def cells(result: LoadResult) -> list[tuple[FormCode, str | None, int | None, str | None]]:
    return [(i.code, i.sheet, i.row, i.column) for i in result.issues]


# --- every question type ------------------------------------------------------------------------

ALL_TYPES = """
| survey |
| | type | name | label | hint | calculation | parameters | appearance |
| | select_one yn | one | One | Pick one | | | minimal |
| | select_multiple tools | many | Many | | | | |
| | text | many_other | Which other? | | | | |
| | integer | whole | Whole | | | | |
| | decimal | share | Share | | | | |
| | range | level | Level | | | start=0 end=10 step=2 | |
| | text | story | Story | | | | multiline |
| | date | day | Day | | | | |
| | note | info | Just so you know | | | | |
| | calculate | twice | | | ${whole} * 2 | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| | tools | vpn | VPN |
| | tools | other | Other |
"""


def test_every_question_type_is_read():
    form = loaded(ALL_TYPES)
    types = {q.name: q.type for q in form.questions()}
    assert types == {
        "one": QuestionType.SELECT_ONE,
        "many": QuestionType.SELECT_MULTIPLE,
        "many_other": QuestionType.TEXT,
        "whole": QuestionType.INTEGER,
        "share": QuestionType.DECIMAL,
        "level": QuestionType.RANGE,
        "story": QuestionType.TEXT,
        "day": QuestionType.DATE,
        "info": QuestionType.NOTE,
        "twice": QuestionType.CALCULATE,
    }


def test_selects_keep_their_list_and_choices_in_order():
    form = loaded(ALL_TYPES)
    one, many = form.question("one"), form.question("many")
    assert one is not None and many is not None
    assert one.list_name == "yn" and [c.name for c in one.choices] == ["yes", "no"]
    assert many.list_name == "tools" and [c.name for c in many.choices] == ["vpn", "other"]
    assert one.choice("no") is not None and one.choice("maybe") is None
    assert one.type.is_select and not form.question("whole").type.is_select  # type: ignore[union-attr]


def test_notes_and_calculations_take_no_input():
    form = loaded(ALL_TYPES)
    assert {q.name for q in form.questions() if not q.type.takes_input} == {"info", "twice"}
    twice = form.question("twice")
    assert twice is not None and twice.calculation == "${whole} * 2"


def test_range_parameters_and_defaults():
    form = loaded(ALL_TYPES)
    level = form.question("level")
    assert level is not None and dict(level.parameters) == {"start": "0", "end": "10", "step": "2"}
    form = loaded("""
    | survey |
    | | type | name | label |
    | | range | plain | Plain |
    """)
    plain = form.question("plain")
    assert plain is not None and dict(plain.parameters) == {"start": "1", "end": "10", "step": "1"}


def test_hint_and_appearance():
    form = loaded(ALL_TYPES)
    one, story = form.question("one"), form.question("story")
    assert one is not None and story is not None
    assert one.hint.get("und") == "Pick one" and one.appearance == "minimal"
    assert story.appearance == "multiline"


def test_pyxform_type_aliases_are_the_supported_types():
    form = loaded("""
    | survey |
    | | type | name | label |
    | | string | s | S |
    | | int | i | I |
    | | select one yn | o | O |
    | | select all that apply yn | m | M |
    | choices |
    | | list_name | name | label |
    | | yn | yes | Yes |
    """)
    assert [q.type for q in form.questions()] == [
        QuestionType.TEXT,
        QuestionType.INTEGER,
        QuestionType.SELECT_ONE,
        QuestionType.SELECT_MULTIPLE,
    ]


def test_or_other_adds_the_other_choice():
    form = loaded("""
    | survey |
    | | type | name | label |
    | | select_one yn or_other | q | Q |
    | choices |
    | | list_name | name | label |
    | | yn | yes | Yes |
    """)
    q = form.question("q")
    assert q is not None and [c.name for c in q.choices] == ["yes", "other"]


# --- groups as pages ----------------------------------------------------------------------------

GROUPS = """
| survey |
| | type | name | label | relevant | appearance |
| | text | intro | Alone on its page | | |
| | begin_group | p1 | Page one | | field-list |
| | select_one yn | go | Go on? | | |
| | begin_group | inner | Inner | ${go} = 'yes' | |
| | integer | age | Age | ${go} != '' | |
| | begin_group | deepest | Deepest | ${age} > 1 | |
| | text | why | Why? | | |
| | end_group | | | | |
| | end_group | | | | |
| | end_group | | | | |
| | begin group | p2 | Page two | ${go} = 'no' | field-list |
| | text | bye | Bye | | |
| | end group | | | | |
| | calculate | total | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
"""


def groups_form():
    return loaded(GROUPS.replace("| | calculate | total | | | |", "| | text | last | Last | | |"))


def test_top_level_groups_are_pages_and_lone_questions_their_own_page():
    form = groups_form()
    assert [p.name for p in form.pages] == ["intro", "p1", "p2", "last"]
    assert [q.name for q in form.pages[1].questions] == ["go", "age", "why"]
    assert form.pages[1].title.get("und") == "Page one"
    assert form.pages[0].title == Text()  # a lone question: no title


def test_nested_groups_keep_their_path_and_odk_central_column_name():
    form = groups_form()
    why, age, go, intro = (form.question(n) for n in ("why", "age", "go", "intro"))
    assert why is not None and age is not None and go is not None and intro is not None
    assert why.group_path == ("p1", "inner", "deepest")
    assert why.path_name == "p1-inner-deepest-why"
    assert age.path_name == "p1-inner-age"
    assert go.path_name == "p1-go"
    assert intro.group_path == () and intro.path_name == "intro"


def test_relevant_is_inherited_from_every_enclosing_group():
    form = groups_form()
    go, age, why, bye = (form.question(n) for n in ("go", "age", "why", "bye"))
    assert go is not None and go.relevant is None
    assert age is not None and age.relevant == "(${go} = 'yes') and (${go} != '')"
    assert why is not None and why.relevant == "(${go} = 'yes') and (${age} > 1)"
    assert bye is not None and bye.relevant == "${go} = 'no'"
    assert is_relevant(why, {"go": "yes", "age": 2})
    assert not is_relevant(why, {"go": "no", "age": 2})
    assert not is_relevant(why, {"go": "yes", "age": 1})


def test_style_pages_setting_is_accepted():
    form = loaded("""
    | survey |
    | | type | name | label |
    | | begin_group | a | A |
    | | text | x | X |
    | | end_group | | |
    | | begin_group | b | B |
    | | text | y | Y |
    | | end_group | | |
    | settings |
    | | style |
    | | pages |
    """)
    assert [p.name for p in form.pages] == ["a", "b"]


def test_pyxform_missing_calculation_is_located():
    result = load(GROUPS.replace("| | calculate | total | | | |", "| | calculate | total | | |"))
    issue = only_issue(result)
    assert (issue.code, issue.sheet, issue.row, issue.column) == (
        FormCode.PYXFORM,
        "survey",
        15,
        "calculation",
    )


# --- relevant, constraint, required, default, choice_filter -------------------------------------

LOGIC = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | hint::Italiano (it) | hint::English (en) | required | required_message::Italiano (it) | required_message::English (en) | relevant | constraint | constraint_message::Italiano (it) | constraint_message::English (en) | default | choice_filter | appearance | claim::it | claim::en |
| | select_one region | region | Regione | Region | Dove | Where | yes | Manca | Missing | | | | | north | | minimal | | |
| | select_one city | city | Città | City | | | true() | | | | | | | | region=${region} | | | |
| | integer | age | Età | Age | | | ${region} = 'south' | | | ${region} != '' | . >= 18 | Maggiorenne | Adult | 30 | | | | |
| | select_one agree | agree | D'accordo? | Agree? | | | no | | | | | | | | | likert | è d'accordo | agrees |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) | region | score |
| | region | north | Nord | North | | |
| | region | south | Sud | South | | |
| | city | mi | Milano | Milan | north | |
| | city | na | Napoli | Naples | south | |
| | agree | 1 | Per nulla | Not at all | | 1 |
| | agree | 2 | Poco | A little | | 2.5 |
| | agree | 3 | Molto | A lot | | -3 |
| settings |
| | form_title | form_id | version | default_language |
| | Logica | logic_form | 2024010101 | Italiano (it) |
"""


def test_labels_and_hints_in_two_languages():
    form = loaded(LOGIC)
    region = form.question("region")
    assert region is not None
    assert dict(region.label.values) == {"it": "Regione", "en": "Region"}
    assert dict(region.hint.values) == {"it": "Dove", "en": "Where"}
    assert region.label.get("en") == "Region" and region.label.get("fr", "it") == "Regione"
    assert [c.label.get("en") for c in region.choices] == ["North", "South"]


def test_settings_sheet():
    form = loaded(LOGIC)
    assert form.form_id == "logic_form"
    assert form.title.get("it") == "Logica"
    assert form.version == "2024010101"
    assert form.default_language == "it"
    assert dict(form.languages) == {"it": "Italiano (it)", "en": "English (en)"}


def test_without_settings_the_id_is_the_file_name_and_the_language_undetermined():
    result = load_form(
        """
        | survey |
        | | type | name | label |
        | | text | a | A |
        """,
        "club_poll.md",
    )
    assert result.ok and result.form is not None
    assert result.form.form_id == "club_poll"
    assert result.form.version == ""
    assert result.form.default_language == "und"
    assert list(result.form.languages) == ["und"]


def test_without_default_language_the_first_language_is_the_default():
    form = loaded("""
    | survey |
    | | type | name | label::English (en) | label::Italiano (it) |
    | | text | a | A | AA |
    """)
    assert dict(form.languages) == {"en": "English (en)", "it": "Italiano (it)"}
    assert form.default_language == "en"


def test_required_and_required_message():
    form = loaded(LOGIC)
    region, city, agree = (form.question(n) for n in ("region", "city", "agree"))
    assert region is not None and region.required and region.required_if is None
    assert dict(region.required_message.values) == {"it": "Manca", "en": "Missing"}
    assert city is not None and city.required and city.required_if is None
    assert agree is not None and not agree.required and agree.required_if is None


def test_required_as_an_expression():
    form = loaded(LOGIC)
    age = form.question("age")
    assert age is not None and not age.required and age.required_if == "${region} = 'south'"


def test_relevant_constraint_and_constraint_message():
    form = loaded(LOGIC)
    age = form.question("age")
    assert age is not None
    assert age.relevant == "${region} != ''"
    assert age.constraint == ". >= 18"
    assert age.constraint_expr is not None and age.relevant_expr is not None
    assert dict(age.constraint_message.values) == {"it": "Maggiorenne", "en": "Adult"}


def test_default_is_kept():
    form = loaded(LOGIC)
    region, age = form.question("region"), form.question("age")
    assert region is not None and region.default == "north"
    assert age is not None and age.default == "30"


def test_choice_filter_keeps_the_extra_choice_columns():
    form = loaded(LOGIC)
    city = form.question("city")
    assert city is not None and city.choice_filter == "region=${region}"
    assert [dict(c.columns) for c in city.choices] == [{"region": "north"}, {"region": "south"}]


def test_likert_appearance_and_claim_per_language():
    form = loaded(LOGIC)
    agree, region = form.question("agree"), form.question("region")
    assert agree is not None and region is not None
    assert agree.is_likert and not region.is_likert
    assert dict(agree.claim.values) == {"it": "è d'accordo", "en": "agrees"}
    assert not region.claim


def test_numeric_scores_are_floats_and_make_a_scale():
    form = loaded(LOGIC)
    agree, region = form.question("agree"), form.question("region")
    assert agree is not None and region is not None
    assert [c.score for c in agree.choices] == [1.0, 2.5, -3.0]
    assert all(isinstance(c.score, float) for c in agree.choices)
    assert agree.is_scale
    assert [c.score for c in region.choices] == [None, None] and not region.is_scale


def test_field_list_appearance_of_groups_is_accepted():
    form = loaded("""
    | survey |
    | | type | name | label | appearance |
    | | begin_group | g | G | field-list |
    | | text | a | A | |
    | | end_group | | | |
    """)
    assert [p.name for p in form.pages] == ["g"]


def test_row_of_each_question_is_its_sheet_row():
    form = loaded(LOGIC)
    assert [q.row for q in form.questions()] == [2, 3, 4, 5]


# --- the built-in survey ------------------------------------------------------------------------


def test_builtin_survey_loads_without_any_issue():
    result = load_form(LIBRARY / "remote_working_2020.md")
    assert result.issues == ()
    assert result.ok and result.form is not None
    form = result.form
    assert form.form_id == "remote_working_2020"
    assert form.default_language == "it"
    assert set(form.languages) == {"it", "en"}
    assert len(form.pages) == 7
    likert = [q for q in form.questions() if q.is_likert]
    assert likert and all(q.is_scale and q.claim.get("en") for q in likert)


def test_builtin_survey_loads_the_same_from_bytes_and_from_text():
    path = LIBRARY / "remote_working_2020.md"
    from_path = load_form(path).form
    assert from_path == load_form(path.read_bytes(), path.name).form
    assert from_path == load_form(path.read_text(encoding="utf-8"), path.name).form


# --- other file formats -------------------------------------------------------------------------


def workbook(**sheets: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_SURVEY = [
    ["type", "name", "label::Italiano (it)", "label::English (en)", "relevant"],
    ["select_one yn", "ok", "Va bene?", "OK?", None],
    [None, None, None, None, None],  # an empty row still counts in the sheet's numbering
    ["text", "why", "Perché?", "Why?", "${ok} = 'no'"],
]
XLSX_CHOICES = [
    ["list_name", "name", "label::Italiano (it)", "label::English (en)", "score"],
    ["yn", "yes", "Sì", "Yes", 1],
    ["yn", "no", "No", "No", 0],
]


def test_xlsx_file_is_loaded(tmp_path):
    path = tmp_path / "poll.xlsx"
    path.write_bytes(
        workbook(
            survey=XLSX_SURVEY,
            choices=XLSX_CHOICES,
            settings=[
                ["form_title", "form_id", "default_language"],
                ["Poll", "poll", "English (en)"],
            ],
        )
    )
    result = load_form(path)
    assert result.issues == () and result.form is not None
    form = result.form
    assert form.form_id == "poll" and form.default_language == "en"
    why = form.question("why")
    ok = form.question("ok")
    assert why is not None and ok is not None
    assert why.relevant == "${ok} = 'no'" and why.row == 4
    assert why.label.get("it") == "Perché?"
    assert [c.score for c in ok.choices] == [1.0, 0.0]


def test_xlsx_issues_point_at_the_right_cell(tmp_path):
    survey = [*XLSX_SURVEY, ["integer", "n", "N", "N", "${ok} = = 'x'"]]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(survey=survey, choices=XLSX_CHOICES))
    issue = only_issue(load_form(path))
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.column_letter) == (
        FormCode.BAD_EXPRESSION,
        "survey",
        5,
        "relevant",
        "E",
    )
    assert issue.where == "survey!E5 (relevant)"


def test_xlsm_is_read_as_xlsx():
    data = workbook(survey=XLSX_SURVEY, choices=XLSX_CHOICES)
    assert load_form(data, "poll.xlsm").ok


CSV_FORM = """survey,type,name,label,relevant
,integer,age,Age,
,text,why,Why?,${age} > 10
choices,list_name,name,label
settings,form_title,form_id
,CSV poll,csv_poll
"""


def test_csv_file_is_loaded(tmp_path):
    path = tmp_path / "poll.csv"
    path.write_text(CSV_FORM, encoding="utf-8")
    result = load_form(path)
    assert result.issues == () and result.form is not None
    assert result.form.form_id == "csv_poll"
    why = result.form.question("why")
    assert why is not None and why.relevant == "${age} > 10" and why.row == 3


def test_csv_issue_is_located():
    result = load_form(CSV_FORM.replace("${age} > 10", "${age} >"), "poll.csv")
    issue = only_issue(result)
    assert (issue.code, issue.row, issue.column) == (FormCode.BAD_EXPRESSION, 3, "relevant")


# --- every FormCode -----------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["form.txt", "form", "form.json", "form.xml"])
def test_unreadable_when_not_an_xlsform_name(filename):
    issue = only_issue(load_form(b"| survey |", filename))
    assert issue.code is FormCode.UNREADABLE and issue.is_error


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"PK\x03\x04 this is no zip archive", "form.xlsx"),
        (b"\x00\x01\x02 garbage", "form.xlsx"),
        (b"\xd0\xcf\x11\xe0 garbage", "form.xls"),
        (b"\xff\xfe\x00 not utf-8", "form.md"),
        (b"no table at all", "form.md"),
        (b"", "form.csv"),
    ],
)
def test_unreadable_when_the_content_is_garbage(data, filename):
    result = load_form(data, filename)
    assert result.form is None
    assert only_issue(result).code is FormCode.UNREADABLE


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b"", "form.xlsx", "The file is empty."),
        (b"\x00\x01\x02 garbage", "form.xlsx", "not a readable Excel workbook"),
        (b"type,name,label\ninteger,a,A\n", "form.csv", "each sheet starts with a row naming it"),
    ],
)
def test_an_unreadable_file_is_explained_in_a_persons_terms(data, filename, says):
    message = only_issue(load_form(data, filename)).message
    assert says in message and "DefinitionData" not in message and "Argument" not in message


def test_a_file_name_with_spaces_and_brackets_is_no_obstacle():
    # a form without form_id is named after its file, and pyxform refuses 'Club (1)' as a name
    result = load_form(
        b"| survey |\n| | type | name | label |\n| | integer | a | A |\n", "Club (1).md"
    )
    assert result.ok and result.form is not None


def test_text_content_is_never_taken_for_a_path_on_the_server():
    path = str(LIBRARY / "remote_working_2020.md")
    result = load_form(path, "upload.md")
    assert result.form is None and only_issue(result).code is FormCode.UNREADABLE


def test_too_large(monkeypatch):
    monkeypatch.setattr(loader, "MAX_FORM_BYTES", 100)
    result = load_form(b"x" * 101, "form.md")
    assert result.form is None and only_issue(result).code is FormCode.TOO_LARGE


def test_the_default_size_limit_is_ten_megabytes():
    result = load_form(b"x" * (10 * 1024 * 1024 + 1), "form.md")
    assert only_issue(result).code is FormCode.TOO_LARGE


def test_pyxform_missing_name_is_located():
    result = load("""
    | survey |
    | | type | name | label |
    | | text | a | A |
    | | text | | B |
    """)
    issue = only_issue(result)
    assert result.form is None
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.column_letter) == (
        FormCode.PYXFORM,
        "survey",
        3,
        "name",
        "B",
    )


def test_an_unknown_reference_keeps_its_own_code_where_pyxform_refuses_it():
    # pyxform checks ${name} references itself and stops there: the cell keeps its stable code.
    result = load("""
    | survey |
    | | label | type | name | relevant |
    | | A | text | a | |
    | | B | text | b | ${nowhere} = 2 |
    """)
    issue = only_issue(result)
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.column_letter) == (
        FormCode.UNKNOWN_REFERENCE,
        "survey",
        3,
        "relevant",
        "D",
    )
    assert issue.where == "survey!D3 (relevant)"


def test_pyxform_duplicate_name_is_located():
    issue = only_issue(
        load("""
        | survey |
        | | type | name | label |
        | | text | a | A |
        | | text | a | A again |
        """)
    )
    assert (issue.code, issue.row, issue.column) == (FormCode.PYXFORM, 3, "name")


def test_pyxform_range_parameters_are_located():
    issue = only_issue(
        load("""
        | survey |
        | | type | name | label | parameters |
        | | range | r | R | start=a end=3 |
        """)
    )
    assert (issue.code, issue.row, issue.column) == (FormCode.PYXFORM, 2, "parameters")


def test_pyxform_missing_choices_sheet():
    issue = only_issue(
        load("""
        | survey |
        | | type | name | label |
        | | select_one nowhere | a | A |
        """)
    )
    assert issue.code is FormCode.PYXFORM and issue.is_error


def test_a_missing_choice_list_is_located_at_the_type_cell():
    issue = only_issue(
        load("""
        | survey |
        | | name | type | label |
        | | a | text | A |
        | | b | select_one nowhere | B |
        | choices |
        | | list_name | name | label |
        | | yn | yes | Yes |
        """)
    )
    assert (issue.code, issue.row, issue.column, issue.column_letter) == (
        FormCode.PYXFORM,
        3,
        "type",
        "B",
    )


@pytest.mark.parametrize(
    "kind",
    [
        "geopoint",
        "geotrace",
        "geoshape",
        "audio",
        "video",
        "barcode",
        "select_one_from_file cities.csv",
        "select_multiple_from_file cities.csv",
        "select_one_external yn",
        "xml-external",
        "csv-external",
        "start-geopoint",
    ],
)
def test_unsupported_types_are_refused_at_their_row(kind):
    end = "| | | | end_repeat |" if "repeat" in kind else ""
    result = load(f"""
    | survey |
    | | name | label | type |
    | | a | A | text |
    | | b | B | {kind} |
    {end}
    | choices |
    | | list_name | name | label |
    | | yn | yes | Yes |
    """)
    assert result.form is None
    issue = only_issue(result)
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.column_letter) == (
        FormCode.UNSUPPORTED_TYPE,
        "survey",
        3,
        "type",
        "C",
    )


def test_every_unsupported_row_is_listed():
    result = load("""
    | survey |
    | | type | name | label |
    | | geopoint | where | Where |
    | | text | a | A |
    | | barcode | code | Code |
    | | audio | said | Said |
    """)
    assert cells(result) == [
        (FormCode.UNSUPPORTED_TYPE, "survey", 2, "type"),
        (FormCode.UNSUPPORTED_TYPE, "survey", 4, "type"),
        (FormCode.UNSUPPORTED_TYPE, "survey", 5, "type"),
    ]


def test_external_choices_are_refused():
    result = load("""
    | survey |
    | | type | name | label |
    | | text | a | A |
    | external_choices |
    | | list_name | name | label |
    | | cities | rome | Rome |
    """)
    assert result.form is None
    issue = only_issue(result)
    assert (issue.code, issue.sheet) == (FormCode.EXTERNAL_CHOICES, "external_choices")


@pytest.mark.parametrize(
    ("column", "expression", "letter"),
    [
        ("relevant", "${a} = = 2", "C"),
        ("relevant", "foo(${a})", "C"),
        ("constraint", ". >", "D"),
        ("required", "${a} and", "E"),
        ("calculation", "concat(${a},", "F"),
        ("choice_filter", "region = = 1", "G"),
    ],
)
def test_bad_expressions_are_located(column, expression, letter):
    columns = ["relevant", "constraint", "required", "calculation", "choice_filter"]
    row = ["" if c != column else expression for c in columns]
    kind = "calculate" if column == "calculation" else "select_one yn"
    result = load(f"""
    | survey |
    | | type | name | relevant | constraint | required | calculation | choice_filter | label |
    | | integer | a | | | | | | A |
    | | {kind} | b | {" | ".join(row)} | B |
    | choices |
    | | list_name | name | label |
    | | yn | yes | Yes |
    """)
    issue = only_issue(result)
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.column_letter) == (
        FormCode.BAD_EXPRESSION,
        "survey",
        3,
        column,
        letter,
    )
    assert not result.ok


def test_unknown_reference_past_pyxform_a_group_or_metadata():
    # pyxform accepts ${group} and ${start}; neither is a value indagine's expressions read
    # (start is recorded from the response's times).
    result = load("""
    | survey |
    | | type | name | label | relevant |
    | | start | start | | |
    | | begin_group | g | G | |
    | | integer | a | A | |
    | | end_group | | | |
    | | text | b | B | ${g} != '' |
    | | text | c | C | ${start} != '' |
    """)
    assert cells(result) == [
        (FormCode.UNKNOWN_REFERENCE, "survey", 6, "relevant"),
        (FormCode.UNKNOWN_REFERENCE, "survey", 7, "relevant"),
    ]
    assert not result.ok


def test_relevance_and_calculations_that_depend_on_themselves_are_errors():
    # pyxform lets each of these through; no page of the form could then be shown
    result = load("""
    | survey |
    | | type | name | label | relevant | calculation |
    | | integer | x | X | ${y} > 1 | |
    | | integer | y | Y | ${x} > 1 | |
    | | calculate | a | | | ${b} + 1 |
    | | calculate | b | | | ${a} + 1 |
    | | calculate | c | | | ${c} + 1 |
    | | integer | z | Z | ${x} > 1 and ${a} > 0 | |
    """)
    assert sorted(cells(result)) == [
        (FormCode.CYCLE, "survey", 3, "relevant"),
        (FormCode.CYCLE, "survey", 5, "calculation"),
        (FormCode.CYCLE, "survey", 6, "calculation"),
    ]
    assert "${x} → ${y} → ${x}" in str(result.errors[0]) + str(result.errors[1]) + str(
        result.errors[2]
    )
    chain = load("""
    | survey |
    | | type | name | label | relevant |
    | | integer | x | X | |
    | | integer | y | Y | ${x} > 1 |
    | | integer | z | Z | ${y} > 1 and ${x} > 2 |
    """)
    assert chain.ok  # depending on earlier questions, even through others, is no loop


def test_bad_score_is_located_once_per_choice_row():
    result = load("""
    | survey |
    | | type | name | label |
    | | select_one agree | a | A |
    | | select_one agree | b | B |
    | choices |
    | | list_name | name | label | score |
    | | agree | 1 | One | 1 |
    | | agree | 2 | Two | lots |
    | | unused | x | X | NaN |
    """)
    assert not result.ok
    assert [(i.code, i.sheet, i.row, i.column, i.column_letter) for i in result.issues] == [
        (FormCode.BAD_SCORE, "choices", 3, "score", "D"),
        (FormCode.BAD_SCORE, "choices", 4, "score", "D"),
    ]


@pytest.mark.parametrize("parameters", ["start=10 end=0", "start=20", "step=-1"])
def test_bad_range_is_located(parameters):
    result = load(f"""
    | survey |
    | | type | name | label | parameters |
    | | text | a | A | |
    | | range | r | R | {parameters} |
    """)
    issue = only_issue(result)
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.column_letter) == (
        FormCode.BAD_RANGE,
        "survey",
        3,
        "parameters",
        "D",
    )
    assert not result.ok


def test_no_questions():
    result = load("""
    | survey |
    | | type | name | label | calculation |
    | | note | hello | Hello | |
    | | calculate | one | | 1 |
    """)
    issue = only_issue(result)
    assert (issue.code, issue.sheet) == (FormCode.NO_QUESTIONS, "survey")
    assert not result.ok


def test_pyxform_warning_for_a_missing_translation_column():
    result = load("""
    | survey |
    | | type | name | label::Italiano (it) | label::English (en) | hint::Italiano (it) |
    | | text | a | A | A | Suggerimento |
    """)
    assert result.ok  # a warning only
    assert result.errors == ()
    codes = {(w.code, w.severity, w.sheet) for w in result.warnings}
    assert codes == {(FormCode.PYXFORM_WARNING, Severity.WARNING, "survey")}


def test_metadata_of_a_device_is_ignored_with_a_warning_at_its_row():
    result = load("""
    | survey |
    | | type | name | label |
    | | deviceid | device | |
    | | text | a | A |
    | | username | user | |
    """)
    assert result.ok and result.form is not None
    assert [(w.code, w.severity, w.row, w.column) for w in result.issues] == [
        (FormCode.METADATA_IGNORED, Severity.WARNING, 2, "type"),
        (FormCode.METADATA_IGNORED, Severity.WARNING, 4, "type"),
    ]
    assert [q.name for q in result.form.questions()] == ["a"]


def test_the_cheap_types_are_read_not_refused():
    """phone number, acknowledge, hidden, and the start, end and today metadata (recorded
    from the response's times) were refused or ignored."""
    result = load("""
    | survey |
    | | type | name | label | default |
    | | start | began | | |
    | | end | finished | | |
    | | today | day | | |
    | | hidden | source | | newsletter |
    | | phone number | tel | Phone | |
    | | acknowledge | consent | I agree | |
    """)
    assert result.ok and result.issues == (), [str(i) for i in result.issues]
    assert result.form is not None
    assert [(q.name, q.type) for q in result.form.questions()] == [
        ("began", QuestionType.START),
        ("finished", QuestionType.END),
        ("day", QuestionType.TODAY),
        ("source", QuestionType.HIDDEN),
        ("tel", QuestionType.PHONE),
        ("consent", QuestionType.ACKNOWLEDGE),
    ]


def test_every_form_code_is_tested():
    """Each FormCode has a test in this module: a new code needs one."""
    tested = {
        FormCode.UNREADABLE,
        FormCode.TOO_LARGE,
        FormCode.PYXFORM,
        FormCode.UNSUPPORTED_TYPE,
        FormCode.EXTERNAL_CHOICES,
        FormCode.BAD_EXPRESSION,
        FormCode.UNKNOWN_REFERENCE,
        FormCode.CYCLE,
        FormCode.BAD_SCORE,
        FormCode.BAD_RANGE,
        FormCode.NO_QUESTIONS,
        FormCode.PYXFORM_WARNING,
        FormCode.METADATA_IGNORED,
        FormCode.LANGUAGE_NOT_OFFERED,
        FormCode.LANGUAGE_WITHOUT_WORDS,
        FormCode.BAD_DEFAULT,
        FormCode.UNSUPPORTED_COLUMN,
        FormCode.DUPLICATE_COLUMN,
        FormCode.NO_LABEL,
        FormCode.NOT_HONOURED,
    }
    assert tested == set(FormCode)


# --- LoadResult and FormIssue -------------------------------------------------------------------


def test_load_result_splits_errors_and_warnings():
    warning = FormIssue(FormCode.METADATA_IGNORED, "w", Severity.WARNING, "survey", 2, "type", "A")
    error = FormIssue(FormCode.BAD_SCORE, "e", Severity.ERROR, "choices", 3, "score", "D")
    result = LoadResult(None, (warning, error))
    assert result.errors == (error,) and result.warnings == (warning,) and not result.ok


def test_issue_where_and_str_name_the_cell():
    issue = FormIssue(FormCode.BAD_SCORE, "bad", Severity.ERROR, "choices", 3, "score", "D")
    assert issue.where == "choices!D3 (score)"
    assert str(issue).startswith("error FORM_BAD_SCORE [choices!D3 (score)]")
    assert FormIssue(FormCode.NO_QUESTIONS, "none", sheet="survey").where == "survey"
    assert FormIssue(FormCode.TOO_LARGE, "big").where == ""
    assert str(FormIssue(FormCode.TOO_LARGE, "big")).startswith("error FORM_TOO_LARGE:")


def test_a_pyxform_refusal_comes_with_the_other_errors_of_the_sheet():
    """pyxform stops at its first error: the rest is listed too, not one round at a time."""
    result = load("""
    | survey |
    | | type | name | label | relevant | constraint |
    | | integer | a | A | ${a} >>> 2 | |
    | | integer | b | B | | . < |
    | | text | c | C | ${nope} = 1 | |
    | | select_one yn | d | D | | |
    """)
    assert result.form is None
    assert [i.code for i in result.errors] == [
        FormCode.PYXFORM,  # no choices sheet for 'yn'
        FormCode.BAD_EXPRESSION,
        FormCode.BAD_EXPRESSION,
        FormCode.UNKNOWN_REFERENCE,
    ]
    assert [i.row for i in result.errors[1:]] == [2, 3, 4]


def test_or_other_adds_a_specify_question_whose_relevance_can_be_evaluated():
    result = load("""
    | survey |
    | | type | name | label |
    | | select_one yn or_other | pet | Pet? |
    | choices |
    | | list_name | name | label |
    | | yn | y | Yes |
    | | yn | n | No |
    """)
    assert result.ok and result.form is not None
    other = result.form.question("pet_other")
    assert other is not None and other.relevant == "selected(${pet}, 'other')"
    assert [c.name for c in result.form.question("pet").choices] == ["y", "n", "other"]


def test_a_bare_name_outside_a_choice_filter_and_an_unknown_filter_column_are_errors():
    result = load("""
    | survey |
    | | type | name | label | relevant | choice_filter |
    | | integer | age | Age | | |
    | | text | t | T | age > 18 | |
    | | select_one city | city | City | | contry=${age} |
    | choices |
    | | list_name | name | label | country |
    | | city | rome | Rome | it |
    """)
    assert cells(result) == [
        (FormCode.BAD_EXPRESSION, "survey", 3, "relevant"),
        (FormCode.BAD_EXPRESSION, "survey", 4, "choice_filter"),
    ]
    assert "write ${age}" in result.errors[0].message
    assert "no column of the choices sheet" in result.errors[1].message


def test_language_names_without_a_code_are_read_as_their_codes():
    result = load("""
    | survey |
    | | type | name | label::English | label::Italiano |
    | | integer | a | Age | Età |
    """)
    assert result.form is not None and set(result.form.languages) == {"en", "it"}
    assert result.form.question("a").label.get("it") == "Età"


def test_labels_in_any_language_with_its_code_load_without_a_word():
    result = load("""
    | survey |
    | | type | name | label::English (en) | label::Français (fr) | label::Deutsch |
    | | integer | a | Age | Âge | Alter |
    """)
    assert result.ok and result.warnings == ()
    assert set(result.form.languages) == {"en", "fr", "de"}


def test_labels_in_a_language_without_indagine_s_words_are_a_warning():
    result = load("""
    | survey |
    | | type | name | label::English (en) | label::Português (pt-BR) |
    | | integer | a | Age | Idade |
    """)
    assert result.ok and [(i.code, i.severity) for i in result.warnings] == [
        (FormCode.LANGUAGE_WITHOUT_WORDS, Severity.WARNING)
    ]
    assert "Português (pt-BR)" in result.warnings[0].message
    assert "English" in result.warnings[0].message


def test_labels_in_a_language_without_a_code_are_a_warning():
    result = load("""
    | survey |
    | | type | name | label::English (en) | label::Kiswahili |
    | | integer | a | Age | Umri |
    """)
    assert result.ok and [(i.code, i.severity) for i in result.warnings] == [
        (FormCode.LANGUAGE_NOT_OFFERED, Severity.WARNING)
    ]
    assert "label::Kiswahili (xx)" in result.warnings[0].message


def test_a_default_must_be_a_plain_answer_the_question_accepts():
    result = load("""
    | survey |
    | | type | name | label | default |
    | | date | d | D | today() |
    | | integer | a | A | 3 |
    | | integer | b | B | ${a} + 1 |
    | | integer | c | C | abc |
    | | select_multiple f | fr | F | apple pear |
    | | select_one f | one | One | kiwi |
    | | text | t | T | Non so (nessuno) |
    | choices |
    | | list_name | name | label |
    | | f | apple | Apple |
    | | f | pear | Pear |
    """)
    assert cells(result) == [
        (FormCode.BAD_DEFAULT, "survey", row, "default") for row in (2, 4, 5, 7)
    ]


@pytest.mark.parametrize("kind", ["select one from file a.csv", "select_multiple_from_file a.csv"])
def test_choices_from_a_file_are_refused_however_spelt(kind):
    result = load(f"""
    | survey |
    | | type | name | label |
    | | {kind} | x | X |
    """)
    assert [i.code for i in result.errors] == [FormCode.UNSUPPORTED_TYPE]


def test_a_calculation_on_a_question_and_read_only_are_refused_not_ignored():
    result = load("""
    | survey |
    | | type | name | label | calculation | default | read_only |
    | | integer | a | A | | | |
    | | integer | dbl | Double | ${a} * 2 | | |
    | | text | ro | RO | | fixed | yes |
    """)
    assert cells(result) == [
        (FormCode.UNSUPPORTED_COLUMN, "survey", 3, "calculation"),
        (FormCode.UNSUPPORTED_COLUMN, "survey", 4, "read_only"),
    ]


# --- issue 12: no form is silently mis-handled --------------------------------------------------


def test_a_refused_type_comes_with_pyxform_error_and_the_other_errors_of_the_sheet():
    # a type indagine refuses used to end the check there: pyxform's error and ours were unseen
    result = load("""
    | survey |
    | | type | name | label | relevant |
    | | geopoint | where | Where | |
    | | text | a | A | ${a} >>> 2 |
    | | text | | B | |
    """)
    assert result.form is None
    assert cells(result) == [
        (FormCode.UNSUPPORTED_TYPE, "survey", 2, "type"),
        (FormCode.PYXFORM, "survey", 4, "name"),
        (FormCode.BAD_EXPRESSION, "survey", 3, "relevant"),
    ]


def test_an_old_pyxform_type_name_is_listed_with_pyxform_refusal():
    # 'gps' and 'q string' were refused only once pyxform accepted the rest of the sheet
    result = load("""
    | survey |
    | | type | name | label |
    | | gps | where | Where |
    | | q string | s | S |
    | | text | a | A |
    | | text | a | A again |
    """)
    assert cells(result) == [
        (FormCode.UNSUPPORTED_TYPE, "survey", 2, "type"),
        (FormCode.UNSUPPORTED_TYPE, "survey", 3, "type"),
        (FormCode.PYXFORM, "survey", 5, "name"),
    ]
    assert "'gps'" in result.errors[0].message


def test_the_errors_of_a_name_written_twice_are_each_at_their_own_row():
    result = load("""
    | survey |
    | | type | name | label | relevant |
    | | text | a | A | ${a} >>> 2 |
    | | text | a | A again | |
    """)
    assert cells(result) == [
        (FormCode.PYXFORM, "survey", 3, "name"),
        (FormCode.BAD_EXPRESSION, "survey", 2, "relevant"),
    ]


DUPLICATED_LABEL = """
| survey |
| | type | name | label | label | relevant |
| | text | a | A | Another A | |
"""


def test_a_duplicated_column_header_in_markdown_is_named_not_half_read():
    result = load(DUPLICATED_LABEL)
    assert result.form is None
    issue = only_issue(result)
    assert (issue.code, issue.sheet, issue.row, issue.column, issue.column_letter) == (
        FormCode.DUPLICATE_COLUMN,
        "survey",
        1,
        "label",
        "D",
    )
    assert "'survey'" in issue.message and "C and D" in issue.message


@pytest.mark.parametrize("second", ["label", " label "])
def test_a_duplicated_column_header_in_xlsx_is_not_a_damaged_file(second):
    data = workbook(
        survey=[["type", "name", "label", second], ["text", "a", "A", "B"]],
        choices=[["list_name", "name", "label", "name"], ["yn", "yes", "Yes", "y"]],
    )
    result = load_form(data, "form.xlsx")
    assert [(i.code, i.sheet, i.row, i.column, i.column_letter) for i in result.issues] == [
        (FormCode.DUPLICATE_COLUMN, "survey", 1, "label", "D"),
        (FormCode.DUPLICATE_COLUMN, "choices", 1, "name", "D"),
    ]


def test_a_duplicated_column_header_in_csv_is_named():
    result = load_form("survey,type,name,label,label\n,text,a,A,B\n", "form.csv")
    issue = only_issue(result)
    assert (issue.code, issue.sheet, issue.column, issue.column_letter) == (
        FormCode.DUPLICATE_COLUMN,
        "survey",
        "label",
        "D",
    )


def test_a_regex_is_read_as_odk_collect_reads_it():
    # Java reads [\w-\.] as \w, '-' and '.'; Python's re refused it as a bad range
    form = loaded(r"""
    | survey |
    | | type | name | label | constraint |
    | | text | email | Email | regex(., '^[\w-\.]+@([\w-]+\.)+[\w-]{2,4}$') |
    """)
    email = form.question("email")
    assert email is not None and email.constraint_expr is not None


def test_a_bad_regex_is_quoted_as_written_in_the_sheet():
    result = load(r"""
    | survey |
    | | type | name | label | constraint |
    | | text | code | Code | regex(., '^[\d') |
    """)
    issue = only_issue(result)
    assert issue.code is FormCode.BAD_EXPRESSION and (issue.row, issue.column) == (2, "constraint")
    assert r"'^[\d'" in issue.message and "\\\\" not in issue.message


def test_randomized_choices_are_kept_and_a_seed_from_an_answer_is_said():
    # pyxform leaves a randomized select's choices in an itemset: the question had none
    result = load("""
    | survey |
    | | type | name | label | parameters | calculation |
    | | calculate | s | | | 7 |
    | | select_one brands | first | First? | randomize=true | |
    | | select_multiple brands | all | All? | randomize=true seed=7 | |
    | | select_one brands | plain | Plain? | randomize=false | |
    | | select_one brands | own | Own? | randomize=true seed=${s} | |
    | choices |
    | | list_name | name | label |
    | | brands | a | Alpha |
    | | brands | b | Beta |
    """)
    assert result.ok and result.form is not None
    assert [(i.code, i.severity, i.row, i.column) for i in result.issues] == [
        (FormCode.NOT_HONOURED, Severity.WARNING, 6, "parameters"),
    ]
    assert "an order of their own" in result.issues[0].message
    for name in ("first", "all", "plain", "own"):
        question = result.form.question(name)
        assert question is not None and question.list_name == "brands"
        assert [c.name for c in question.choices] == ["a", "b"]
    randomized = {q.name for q in result.form.questions() if q.is_randomized}
    assert randomized == {"first", "all", "own"}


TABLE_LIST = """
| survey |
| | type | name | label | appearance |
| | begin_group | services | Services | table-list |
| | select_one rating | desk | Front desk | |
| | select_one rating | phone | Phone | |
| | end_group | | | |
| | select_one rating | web | Website | label |
| | select_one rating | app | App | list-nolabel |
| choices |
| | list_name | name | label |
| | rating | good | Good |
| | rating | bad | Bad |
"""


def test_a_table_list_is_a_grid_and_odk_s_older_grid_appearances_are_warned():
    result = load(TABLE_LIST)
    assert result.ok and result.form is not None
    # the table-list group is honoured; 'label' and 'list-nolabel' on their own are not
    assert [(i.code, i.severity, i.row, i.column) for i in result.issues] == [
        (FormCode.NOT_HONOURED, Severity.WARNING, 6, "appearance"),
        (FormCode.NOT_HONOURED, Severity.WARNING, 7, "appearance"),
    ]
    page = result.form.pages[0]
    assert [(q.name, q.table) for q in page.questions] == [
        ("desk", "services"),
        ("phone", "services"),
    ]
    assert page.tables["services"].get("und") == "Services"
    assert [q.table for q in result.form.questions()][2:] == ["", ""]


def test_a_question_of_a_table_list_that_cannot_be_a_row_is_said_at_its_cell():
    result = load("""
    | survey |
    | | type | name | label | appearance | choice_filter |
    | | begin_group | services | Services | table-list | |
    | | select_one rating | desk | Front desk | | |
    | | text | why | Why? | | |
    | | select_one rating | phone | Phone | | |
    | | select_one rating | web | Website | | name != 'bad' |
    | | end_group | | | | |
    | choices |
    | | list_name | name | label |
    | | rating | good | Good |
    | | rating | bad | Bad |
    """)
    assert result.ok and result.form is not None
    warned = [(i.code, i.row, i.column) for i in result.issues]
    assert warned == [(FormCode.NOT_HONOURED, 4, "type"), (FormCode.NOT_HONOURED, 6, "type")]
    assert "a one-line text box" in result.issues[0].message
    from indagine.forms.grids import Grid, blocks

    shapes = [
        [q.name for q in b.rows] if isinstance(b, Grid) else b.name
        for b in blocks(result.form.pages[0].questions)
    ]
    assert shapes == [["desk"], "why", ["phone"], "web"]  # after a question: a grid again


def test_pyxform_table_list_header_row_is_no_question():
    form = load(TABLE_LIST).form
    assert form is not None
    assert [q.name for q in form.questions()] == ["desk", "phone", "web", "app"]
    assert form.pages[0].title.get("und") == "Services"  # pyxform moves it to a note of its own


def test_media_columns_are_warned_at_each_cell():
    result = load("""
    | survey |
    | | type | name | label | image | media::audio | video | big-image |
    | | select_one dish | dish | Dish | menu.png | ask.mp3 | | |
    | | text | why | Why? | | | clip.mp4 | big.png |
    | choices |
    | | list_name | name | label | media::image |
    | | dish | pasta | Pasta | pasta.png |
    | | dish | fish | Fish | |
    """)
    assert result.ok
    found = {(i.code, i.severity, i.sheet, i.row, i.column_letter): i for i in result.issues}
    assert len(found) == len(result.issues) and set(found) == {
        (FormCode.NOT_HONOURED, Severity.WARNING, "survey", 2, "D"),
        (FormCode.NOT_HONOURED, Severity.WARNING, "survey", 2, "E"),
        (FormCode.NOT_HONOURED, Severity.WARNING, "survey", 3, "F"),
        (FormCode.NOT_HONOURED, Severity.WARNING, "survey", 3, "G"),
        (FormCode.NOT_HONOURED, Severity.WARNING, "choices", 2, "D"),
    }
    menu = found[(FormCode.NOT_HONOURED, Severity.WARNING, "survey", 2, "D")].message
    # an image without its file: the form comes as a .zip with its images (forms/media.py)
    assert "image 'menu.png' is not shown" in menu and ".zip" in menu


@pytest.mark.parametrize(
    ("kind", "appearance", "parameters", "column", "sees"),
    [
        ("select_one yn", "horizontal", "", "appearance", "radio buttons"),
        ("select_one yn", "minimal quick", "", "appearance", "drop-down list"),
        ("select_multiple yn", "minimal", "", "appearance", "check boxes"),
        ("text", "numbers", "", "appearance", "one-line text box"),
        ("text", "multiline w2", "", "appearance", "several lines"),
        ("integer", "thousands-sep", "", "appearance", "number"),
        ("range", "", "start=1 end=5 tick_interval=2", "parameters", "number"),
        ("date", "month-year", "", "appearance", "date box"),
    ],
)
def test_an_appearance_or_parameter_not_honoured_says_what_respondents_see(
    kind, appearance, parameters, column, sees
):
    result = load(f"""
    | survey |
    | | type | name | label | appearance | parameters |
    | | text | first | First | | |
    | | {kind} | q | Q | {appearance} | {parameters} |
    | choices |
    | | list_name | name | label |
    | | yn | yes | Yes |
    """)
    assert result.ok
    issue = only_issue(result)
    assert (issue.code, issue.severity, issue.row, issue.column) == (
        FormCode.NOT_HONOURED,
        Severity.WARNING,
        3,
        column,
    )
    assert sees in issue.message


def test_honoured_appearances_give_no_warning():
    loaded("""
    | survey |
    | | type | name | label | appearance |
    | | begin_group | g | G | field-list |
    | | select_one yn | a | A | minimal |
    | | select_one yn | b | B | likert |
    | | select_multiple yn | c | C | likert |
    | | text | d | D | multiline |
    | | end_group | | | |
    | choices |
    | | list_name | name | label |
    | | yn | yes | Yes |
    """)


def test_a_group_appearance_not_honoured_is_a_warning():
    result = load("""
    | survey |
    | | type | name | label | appearance |
    | | begin_group | g | G | field-list w3 |
    | | text | a | A | |
    | | end_group | | | |
    """)
    assert result.ok
    issue = only_issue(result)
    assert (issue.code, issue.severity, issue.row, issue.column_letter) == (
        FormCode.NOT_HONOURED,
        Severity.WARNING,
        2,
        "D",
    )
    assert "'w3'" in issue.message


def test_a_choice_without_any_label_is_an_error_at_its_cell():
    result = load("""
    | survey |
    | | type | name | label |
    | | select_one yn | a | A |
    | choices |
    | | list_name | name | label::English (en) | label::Italiano (it) |
    | | yn | yes | Yes | Sì |
    | | yn | no | | No |
    | | yn | maybe | | |
    """)
    assert not result.ok
    # once: pyxform's warning for the same cell is not repeated
    assert [(i.code, i.severity, i.sheet, i.row, i.column_letter) for i in result.issues] == [
        (FormCode.NO_LABEL, Severity.ERROR, "choices", 4, "C"),
    ]


def test_other_columns_pyxform_reads_and_no_page_uses_are_warned():
    result = load("""
    | survey |
    | | type | name | label | guidance_hint | body::accuracyThreshold | rows | claim |
    | | text | a | A | Ask slowly | 5 | 4 | says A |
    """)
    assert result.ok
    assert [(i.code, i.row, i.column_letter) for i in result.issues] == [
        (FormCode.NOT_HONOURED, 2, "D"),
        (FormCode.NOT_HONOURED, 2, "E"),
        (FormCode.NOT_HONOURED, 2, "F"),
    ]


def test_a_rank_without_its_list_is_refused_at_its_cell():
    result = load("""
    | survey |
    | | type | name | label |
    | | text | name | Your name |
    | | rank | priorities | Put these in order |
    | choices |
    | | list_name | name | label |
    | | priorities | parks | Parks |
    """)
    assert not result.ok
    assert [(i.code, i.row, i.column) for i in result.errors] == [
        (FormCode.UNSUPPORTED_TYPE, 3, "type")
    ]
    assert "'rank LIST'" in result.errors[0].message
