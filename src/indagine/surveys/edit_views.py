"""The questionnaire editor's pages (`surveys.editor`): the outline of pages and questions, a
question's page, and what a new version changes. Every button is a form's submit button: the
editor works without the script."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from indagine.forms import editing
from indagine.forms.issues import FormIssue
from indagine.forms.tree import language_code
from indagine.forms.workbook import Workbook
from indagine.surveys import editor, services, starting
from indagine.surveys.access import CHANGE, organiser
from indagine.surveys.codes import SurveyCode
from indagine.surveys.forms import ScheduleForm
from indagine.surveys.models import Survey

# The kinds of question the editor offers by name (any other an XLSForm has stays as written).
TYPES = (
    ("text", _lazy("Text")),
    ("integer", _lazy("Whole number")),
    ("decimal", _lazy("Number")),
    ("date", _lazy("Date")),
    ("time", _lazy("Time")),
    ("select_one", _lazy("One choice")),
    ("select_multiple", _lazy("Several choices")),
    ("rank", _lazy("Ranking")),
    ("note", _lazy("Note (no answer)")),
    ("acknowledge", _lazy("Acknowledgement")),
)
SELECTS = ("select_one", "select_multiple", "rank")
LABEL_LENGTH = 5000  # a label, hint or message (the page's boxes say so too)
MAX_CHOICE_ROWS = 1000  # choices a page sends (more is a forged page)
TRUE_REQUIRED = ("yes", "true", "true()", "1")
FALSE_REQUIRED = ("", "no", "false", "false()", "0")
TITLE_LENGTH = 300  # Survey.title's
NUMBERS = ("integer", "decimal", "range")
NOT_READ = ("note", "calculate", "acknowledge", "file", "image")
CONDITIONS = 3  # rows of "show this question when…" menus
COMPARISONS = (
    ("=", _lazy("is")),
    ("!=", _lazy("is not")),
    (">", _lazy("is more than")),
    (">=", _lazy("is at least")),
    ("<", _lazy("is less than")),
    ("<=", _lazy("is at most")),
    ("selected", _lazy("includes")),
    ("not selected", _lazy("does not include")),
)
BLANK_CHOICES = 3  # empty rows under a list's choices, to add to it without the script


def _survey(slug: str) -> Survey:
    return get_object_or_404(Survey.objects.select_related("current_version"), slug=slug)


def _revision(request: HttpRequest) -> str:
    return request.POST.get("revision", "")[:40]


def _index(request: HttpRequest) -> int:
    return _number(request.POST.get("index", ""))


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


def page_of(draft: editor.Draft, index: int) -> int:
    """The page of the form (its number from 0) that shows the row `index`: the page of the
    top-level item holding it; 0 when that page holds nothing a respondent sees yet."""
    form = draft.loaded.form
    every = editing.items(draft.book)
    top = next((i for i in reversed(every[: index + 1]) if i.depth == 0 and i.kind != "end"), None)
    if form is None or top is None:
        return 0
    names = [p.name for p in form.pages]
    return names.index(top.name) if top.name in names else 0


def _outline(draft: editor.Draft) -> list[dict[str, Any]]:
    """Each row of the survey sheet with its label and the problems at its cells."""
    book = draft.book
    by_row: dict[int, list[FormIssue]] = {}
    for issue in draft.loaded.issues:
        if issue.sheet == "survey" and issue.row:
            by_row.setdefault(issue.row, []).append(issue)
    return [
        {
            "item": item,
            "label": editing.label(book, item.row),
            "issues": by_row.get(item.index + 2, []),
            "indent": range(item.depth),
        }
        for item in editing.items(book)
    ]


@organiser(CHANGE)
def outline(request: HttpRequest, slug: str) -> HttpResponse:
    """The pages and questions in order, each with its buttons; the changes are POSTed here."""
    survey = _survey(slug)
    if request.method == "POST":
        return _act(request, survey)
    try:
        draft = editor.current(survey)
    except services.SurveyError as error:
        messages.error(request, f"{error.message} ({error.code})")
        return redirect("surveys:detail", slug=slug)
    return render(
        request,
        "surveys/editor.html",
        {
            "survey": survey,
            "draft": draft,
            "outline": _outline(draft),
            "types": TYPES,
            "general": [i for i in draft.loaded.issues if i.sheet != "survey" or not i.row],
            "preview_page": 0,
            "title": draft.book.settings.get("form_title", ""),
            "written_languages": [lang for lang in editing.languages(draft.book) if lang],
            "default_language": editing.default_language(draft.book),
            "more_languages": _more_languages(draft.book),
            "schedule": ScheduleForm(initial={"closes_at": survey.closes_at}),
        },
    )


def _more_languages(book: Workbook) -> list[tuple[str, str]]:
    """The languages indagine has page words in that the questionnaire is not written in."""
    written = {language_code(lang) for lang in editing.languages(book) if lang}
    return [(code, name) for code, name in starting.LANGUAGES.items() if code not in written]


def _act(request: HttpRequest, survey: Survey) -> HttpResponse:
    op, index, revision = request.POST.get("op", ""), _index(request), _revision(request)
    labels = {"up": _("moved up"), "down": _("moved down"), "copy": _("copied")}
    try:
        if op == "undo":
            editor.undo(survey, revision, request.user)
        elif op == "discard":
            editor.discard(survey, revision, request.user)
        elif op in ("up", "down", "copy", "delete"):
            name = _name_at(survey, index)
            said = f"{name}: " + (labels.get(op) or _("deleted"))
            editor.change(
                survey, revision, _keeping_order(lambda b: _apply(b, op, index)), said, request.user
            )
        elif op == "moveto":  # dragged (the script): dropped before another item
            before = _number(request.POST.get("before", ""))
            said = f"{_name_at(survey, index)}: " + _("moved")
            move = _keeping_order(lambda book: editing.move_to(book, index, before))
            editor.change(survey, revision, move, said, request.user)
        elif op == "settings":
            _settings(request, survey, revision)
        elif op in ("add", "page"):
            _add(request, survey, op, index, revision)
        else:
            raise Http404
    except services.FormRejected as rejected:
        messages.error(request, _("Not saved: the questionnaire would have errors."))
        for issue in rejected.issues:
            messages.error(request, f"{issue.where}: {issue.message} ({issue.code})")
    except services.SurveyError as error:
        messages.error(request, f"{error.message} ({error.code})")
    except editing.EditRefused as refused:
        messages.error(request, f"{refused} ({_code(refused)})")
    return redirect("surveys:edit", slug=survey.slug)


def _code(refused: editing.EditRefused) -> SurveyCode:
    if isinstance(refused, editing.CheckRefused):
        return SurveyCode.EDIT_CHECK
    if isinstance(refused, editing.ConditionRefused):
        return SurveyCode.EDIT_CONDITION
    if isinstance(refused, editing.DropRefused):
        return SurveyCode.EDIT_DROP
    return SurveyCode.EDIT_GONE


def _settings(request: HttpRequest, survey: Survey, revision: str) -> None:
    """The questionnaire's title, its default language, and a language added to its texts
    (each label, hint and choice then has a column in it, to fill in)."""
    post = request.POST
    title = post.get("title", "").strip()
    default = post.get("default_language", "")
    added = starting.LANGUAGES.get(post.get("add_language", ""))
    if not title or len(title) > TITLE_LENGTH:
        raise services.SurveyError(
            SurveyCode.NO_TITLE,
            _("Give the survey a title of at most %(n)s characters.") % {"n": TITLE_LENGTH},
        )

    def edit(book: Workbook) -> None:
        book.set_setting("form_title", title)
        written = [lang for lang in editing.languages(book) if lang]
        if default and default not in written:
            raise editing.EditRefused(
                _("'%(l)s' is no language of the questionnaire.") % {"l": default}
            )
        if default:
            book.set_setting("default_language", default)
        if added:
            editing.add_language(book, added)

    editor.change(survey, revision, edit, _("settings"), request.user)
    messages.success(request, _("Settings saved."))


def _keeping_order(edit: Callable[[Workbook], object]) -> Callable[[Workbook], None]:
    """`edit`, refused when it leaves a condition reading a question asked after it (a move
    that puts a question after another's condition on it, or above its own)."""

    def checked(book: Workbook) -> None:
        before = set(editing.later_conditions(book))
        edit(book)
        made = [pair for pair in editing.later_conditions(book) if pair not in before]
        if made:
            said = "; ".join(f"{name} reads {', '.join(later)}" for name, later in made)
            raise editing.ConditionRefused(
                _(
                    "Not moved: a condition would read a question asked after it (%(said)s). "
                    "Move the question it reads first."
                )
                % {"said": said}
            )

    return checked


def _name_at(survey: Survey, index: int) -> str:
    try:
        item = editing.item(editor.current(survey).book, index)
    except editing.EditRefused:
        return "?"
    return item.name or item.type


def _apply(book: Workbook, op: str, index: int) -> None:
    if op == "up":
        editing.move(book, index, -1)
    elif op == "down":
        editing.move(book, index, +1)
    elif op == "copy":
        editing.duplicate(book, index)
    else:
        editing.delete(book, index)


def _add(request: HttpRequest, survey: Survey, op: str, at: int, revision: str) -> None:
    """A new question (its type and label in the default language) before row `at`, or a new
    page at the end; its name suggested from the label."""
    text = request.POST.get("label", "").strip()
    kind = request.POST.get("type", "text")
    if not text or len(text) > LABEL_LENGTH:
        raise services.SurveyError(
            SurveyCode.EDIT_TEXT,
            _("Write the label first (at most %(n)s characters).") % {"n": LABEL_LENGTH},
        )
    if op != "page" and kind not in dict(TYPES):
        raise services.SurveyError(SurveyCode.EDIT_TEXT, _("That is no type the editor offers."))

    def add(book: Workbook) -> None:
        language = editing.default_language(book)
        # a name no question and no choice list has: a new list never takes over another
        taken = editing.names(book) | set(editing.choice_lists(book))
        name = editing.suggest_name(text, taken)
        row = {"type": "begin_group" if op == "page" else kind, "name": name}
        row[editing.column("label", language)] = text
        if kind in SELECTS and op != "page":
            row["type"] = f"{kind} {name}"
            editing.set_choices(
                book, name, [{"name": "1", editing.column("label", language): _("First choice")}]
            )
        where = len(book.sheet("survey").rows) if op == "page" else at
        editing.insert(book, where, row, page=op == "page")

    editor.change(survey, revision, add, f"{text[:80]}: {_('added')}", request.user)
    messages.success(request, _("Added. Its name is suggested from its label: change it here."))


def _split_type(item: editing.Item) -> tuple[str, str]:
    """('select_one', 'scala') for 'select_one scala'; (type, '') for the others."""
    kind, _, rest = item.type.partition(" ")
    return (kind, rest.strip()) if kind in SELECTS else (item.type, "")


def _fields(book: Workbook, item: editing.Item) -> dict[str, Any]:
    """What the question's page shows: its cells, its texts per language, its choices."""
    languages = editing.languages(book)
    kind, list_name = _split_type(item)
    lists = editing.choice_lists(book)
    choices_sheet = book.sheet("choices")
    scored = "score" in choices_sheet.columns
    choices = [
        {
            "name": c.get("name", ""),
            "labels": [
                c.get(editing.text_column(book, "choices", "label", lang), "") for lang in languages
            ],
            "score": c.get("score", ""),
        }
        for c in lists.get(list_name, [])
    ]
    blank = {"name": "", "labels": ["" for _ in languages], "score": ""}
    relevant = item.row.get("relevant", "")
    parsed = editing.parse_condition(relevant)
    conditions = list(parsed[1]) if parsed else []
    conditions += [editing.Condition("", "=", "")] * (CONDITIONS - len(conditions))
    return {
        "earlier": _earlier(book, item),
        "logic": {
            "join": parsed[0] if parsed else "all",
            "conditions": conditions,
            "shown": parsed is not None,
            "was": relevant,
        },
        "comparisons": COMPARISONS,
        "check": editing.parse_check(item.row.get("constraint", "")),
        "required_on": item.row.get("required", "").strip().lower() in TRUE_REQUIRED,
        "required_if": ""
        if item.row.get("required", "").strip().lower() in TRUE_REQUIRED + FALSE_REQUIRED
        else item.row.get("required", ""),
        "check_was": item.row.get("constraint", ""),
        "kind": kind,
        "list_name": list_name,
        "lists": sorted(n for n in lists if n),
        "offered": kind in dict(TYPES) or item.kind != "question",
        "languages": [
            {
                "index": i,
                "name": lang or _("Text"),
                "texts": {
                    base: item.row.get(editing.text_column(book, "survey", base, lang), "")
                    for base in editing.TEXTS
                },
            }
            for i, lang in enumerate(languages)
        ],
        "choices": choices + [dict(blank) for _ in range(BLANK_CHOICES)],
        "scored": scored,
        "users": [
            editing.label(book, i.row) or i.name
            for i in editing.items(book)
            if list_name and i.index != item.index and _split_type(i)[1] == list_name
        ],
    }


def _earlier(book: Workbook, item: editing.Item) -> list[dict[str, Any]]:
    """The questions asked before `item`, which its condition can read, with their choices."""
    lists = editing.choice_lists(book)
    own = editing.repeat_of(book, item.index)
    out = []
    for other in editing.items(book)[: item.index]:
        kind, list_name = _split_type(other)
        if other.kind != "question" or not other.name or kind in NOT_READ:
            continue
        if editing.repeat_of(book, other.index) not in ("", own):
            continue  # asked once per instance: a condition outside its repeat cannot read it
        out.append(
            {
                "name": other.name,
                "label": editing.label(book, other.row),
                "choices": [c.get("name", "") for c in lists.get(list_name, [])],
                "numeric": kind in NUMBERS,
            }
        )
    return out


def _relevant(request: HttpRequest, book: Workbook, item: editing.Item) -> str:
    """The condition: typed by hand when its box was changed, else built from the menus (an
    expression the menus cannot show, left alone there, stays as it was)."""
    post = request.POST
    typed, was = post.get("relevant", ""), post.get("relevant_was", "")
    if typed.strip() != was.strip():
        return typed
    conditions = [
        editing.Condition(
            post.get(f"cond-{n}-name", "").strip(),
            post.get(f"cond-{n}-comparison", "="),
            post.get(f"cond-{n}-value", "").strip(),
        )
        for n in range(CONDITIONS)
    ]
    chosen = [c for c in conditions if c.name]
    parsed = editing.parse_condition(was)
    join = "any" if post.get("join") == "any" else "all"
    if (not chosen and parsed is None) or parsed == (join, chosen):
        return was  # the menus untouched: the expression stays as written
    numeric = {q["name"] for q in _earlier(book, item) if q["numeric"]}
    return editing.build_condition(join, chosen, numeric)


def _constraint(request: HttpRequest) -> str:
    """The check: typed by hand when its box was changed, else from the boxes (least, most,
    longest, pattern); one the boxes cannot show, with them left empty, stays as it was."""
    post = request.POST
    typed, was = post.get("constraint", ""), post.get("constraint_was", "")
    if typed.strip() != was.strip():
        return typed
    check = editing.Check(
        *(post.get(f"check_{k}", "").strip() for k in ("least", "most", "longest", "pattern"))
    )
    if not check and editing.parse_check(was) is None:
        return was
    return editing.build_check(check)


def _values(request: HttpRequest, book: Workbook, item: editing.Item) -> dict[str, str]:
    """The row's cells from the question's page."""
    post = request.POST
    values = {
        "name": post.get("name", "").strip(),
        "relevant": _relevant(request, book, item),
        "appearance": post.get("appearance", ""),
    }
    if item.kind == "question":
        kind = post.get("type", "").strip() or item.type
        list_name = post.get("list_name", "").strip()
        if kind in SELECTS and not list_name:  # a list of its own, never another's by its name
            lists = set(editing.choice_lists(book))
            list_name = values["name"]
            if list_name in lists:
                list_name = editing.suggest_name(list_name, lists | editing.names(book))
        values["type"] = f"{kind} {list_name}" if kind in SELECTS else kind
        condition = post.get("required_if", "").strip()
        values["required"] = condition or ("yes" if post.get("required") == "on" else "")
        values["constraint"] = _constraint(request)
    for i, language in enumerate(editing.languages(book)):
        for base in editing.TEXTS:
            if item.kind == "question" or base == "label":
                named = editing.text_column(book, "survey", base, language)
                values[named] = post.get(f"{base}__{i}", "")
    return values


def _choices(request: HttpRequest, book: Workbook) -> list[dict[str, str]]:
    """The list's choices from the page: a row whose name and labels are empty, or ticked to
    be removed, is left out."""
    post = request.POST
    languages = editing.languages(book)
    rows = []
    for n in range(max(0, min(_number(post.get("choices", "0")), MAX_CHOICE_ROWS))):
        row = {"name": post.get(f"choice-{n}-name", "").strip()}
        for i, language in enumerate(languages):
            named = editing.text_column(book, "choices", "label", language)
            row[named] = post.get(f"choice-{n}-label-{i}", "")
        if "score" in book.sheet("choices").columns or post.get(f"choice-{n}-score"):
            row["score"] = post.get(f"choice-{n}-score", "").strip()
        if post.get(f"choice-{n}-remove") == "on" or not any(v.strip() for v in row.values()):
            continue
        rows.append(row)
    return rows


@organiser(CHANGE)
def question(request: HttpRequest, slug: str, index: int) -> HttpResponse:
    """One question (or page, group, repeat): its type, name, texts in every language side by
    side, logic and checks, and its list's choices; problems shown at their field."""
    survey = _survey(slug)
    draft = editor.current(survey)
    try:
        item = editing.item(draft.book, index)
    except editing.EditRefused as gone:
        messages.error(request, f"{gone} ({SurveyCode.EDIT_GONE})")
        return redirect("surveys:edit", slug=slug)
    problems: list[FormIssue] = [i for i in draft.loaded.issues if i.row == index + 2]
    status = 200
    if request.method == "POST":
        try:
            values, choices = _values(request, draft.book, item), _choices(request, draft.book)
        except editing.EditRefused as refused:
            values, choices = {**item.row, "relevant": request.POST.get("relevant", "")}, []
            wrong: str | None = f"{refused} ({_code(refused)})"
        else:
            wrong = _wrong(draft.book, item, values)
        if wrong:
            messages.error(request, wrong)
        else:
            edit = _edit(index, values, choices, request.POST.get("list_was", ""))
            said = values["name"] + ": " + _("edited")
            try:
                editor.change(survey, _revision(request), edit, said, request.user)
            except services.FormRejected as rejected:
                problems = list(rejected.issues)
                messages.error(request, _("Not saved: fix what is shown below."))
            except (services.SurveyError, editing.EditRefused) as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{_edit_url(slug)}#item-{index}")
        status = 400
        item = editing.Item(item.index, item.end, item.depth, item.kind, {**item.row, **values})
        draft.book.sheet("survey").rows[index] = item.row
    return render(
        request,
        "surveys/editor_question.html",
        {
            "survey": survey,
            "draft": draft,
            "item": item,
            "fields": _fields(draft.book, item),
            "preview_page": page_of(draft, index),
            "types": TYPES,
            "problems": problems,
        },
        status=status,
    )


def _edit(
    index: int, values: dict[str, str], choices: list[dict[str, str]], shown: str
) -> Callable[[Workbook], None]:
    """The change a question's page makes: its cells, and its list's choices when the page
    showed that list (a list newly named gets one choice to rename)."""
    list_name = values.get("type", "").partition(" ")[2]

    def edit(book: Workbook) -> None:
        editing.update(book, index, values)
        if list_name and list_name == shown:  # the choices on the page are its list's
            editing.set_choices(book, list_name, choices)
        elif list_name and list_name not in editing.choice_lists(book):
            language = editing.default_language(book)
            first = {"name": "1", editing.column("label", language): _("First choice")}
            editing.set_choices(book, list_name, [first])

    return edit


def _wrong(book: Workbook, item: editing.Item, values: dict[str, str]) -> str | None:
    """Why the page's name or condition cannot be kept, with its code; None if they can."""
    name = values["name"]
    wrong = editing.check_name(name)
    others = {n.lower() for n in editing.names(book) if n != item.name}
    if not wrong and name.lower() in others:
        wrong = _("'%(name)s' is the name of another question.") % {"name": name}
    if wrong:
        return f"{wrong} ({SurveyCode.EDIT_NAME})"
    if any(len(v) > LABEL_LENGTH for v in values.values()):
        said = _("A text is longer than %(n)s characters.") % {"n": LABEL_LENGTH}
        return f"{said} ({SurveyCode.EDIT_TEXT})"
    later = editing.later(book, item.index, values.get("relevant", ""))
    if later:
        said = _(
            "The condition reads %(names)s, asked after this question or in it: a condition "
            "can only read answers given before."
        ) % {"names": ", ".join(later)}
        return f"{said} ({SurveyCode.EDIT_CONDITION})"
    return None


def _edit_url(slug: str) -> str:
    from django.urls import reverse

    return reverse("surveys:edit", args=[slug])


@organiser(CHANGE)
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    """What a new version changes for the answers already collected; making it."""
    survey = _survey(slug)
    draft = editor.current(survey)
    if request.method == "POST":
        try:
            version = editor.publish(survey, _revision(request), request.user)
        except services.FormRejected as rejected:
            for issue in rejected.issues:
                messages.error(request, f"{issue.where}: {issue.message} ({issue.code})")
        except services.SurveyError as error:
            messages.error(request, f"{error.message} ({error.code})")
        else:
            messages.success(
                request, _("Questionnaire saved as version %(n)s.") % {"n": version.number}
            )
            return redirect("surveys:detail", slug=slug)
        return redirect("surveys:edit", slug=slug)
    assert survey.current_version is not None and draft.loaded.form is not None
    found = editor.changes(survey.current_version.form, draft.loaded.form)
    return render(
        request,
        "surveys/editor_publish.html",
        {"survey": survey, "draft": draft, "changes": found},
    )
