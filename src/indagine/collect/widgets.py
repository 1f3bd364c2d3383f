"""What a page shows of a question (QuestionView) and its HTML, written in Python.

The same markup the template used to produce (fieldset and legend for choice groups, a label for
every input, hints and errors tied with aria-describedby), built with escaping string formatting:
rendering a page of thirty questions through template includes took about 3 ms, most of the
respondent's GET. Labels, hints and choice labels arrive already rendered safe (`markup.py`);
everything else is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape as _escape_html

from django.utils.html import conditional_escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext


def escape(text: object) -> str:
    """Django's `escape` (the same five characters) without its lazy-string wrapper, which
    cost about a tenth of a page's GET here: every value escaped in this module is a str."""
    return _escape_html(str(text), quote=True)


@dataclass(frozen=True)
class ChoiceView:
    name: str
    label: str
    checked: bool
    hidden: bool = False  # filtered out by the question's choice_filter for now
    row: int = -1  # its row in the sheet's list, where the page shows it elsewhere (randomized)
    image: str = ""  # the address of its image (`forms.media`), its label the alternative text


def _row(choice: ChoiceView, position: int) -> str:
    """The choice's row in the list, for the page's script, when it is shown at another
    position (a randomized question's)."""
    moved = choice.row >= 0 and choice.row != position
    return f' data-row="{choice.row}"' if moved else ""


@dataclass(frozen=True)
class QuestionView:
    name: str
    widget: str  # radio, select, checkbox, number, text, textarea, date, note
    label: str
    hint: str
    required: bool
    hidden: bool
    value: str
    choices: tuple[ChoiceView, ...]
    error: str
    likert: bool
    attrs: Mapping[str, str]
    words_lang: str = ""  # the page's own words' language, where it is not the labels'
    ranks: tuple[str, ...] = ()  # a ranking: each choice's position ("" for none)
    image: str = ""  # the address of the question's image, its label the alternative text

    @property
    def grouped(self) -> bool:
        return self.widget in ("radio", "checkbox")

    @property
    def html(self) -> SafeString:
        return render_question(self)


def _described(q: QuestionView) -> str:
    ids = [f"hint-{q.name}"] if q.hint else []
    ids += [f"err-{q.name}"] if q.error else []
    return f' aria-describedby="{escape(" ".join(ids))}"' if ids else ""


def _invalid(q: QuestionView) -> str:
    return ' aria-invalid="true"' if q.error else ""


def _words(q: QuestionView) -> str:
    """The attribute marking indagine's own words in another language than the labels'."""
    return f' lang="{escape(q.words_lang)}"' if q.words_lang else ""


def _optional(q: QuestionView) -> str:
    if q.required:
        return ""
    word = escape(gettext("optional"))  # outside the f-string, where xgettext finds it
    return f' <span class="optional"{_words(q)}>({word})</span>'


def _notes(q: QuestionView) -> str:
    """What follows a question's label: its image, hint and error."""
    name = escape(q.name)
    out = _image(q.image, q.label)
    out += f'<p class="hint" id="hint-{name}">{conditional_escape(q.hint)}</p>' if q.hint else ""
    if q.error:
        prefix = escape(gettext("Error:"))
        out += (
            f'<p class="error" id="err-{name}"><span class="visually-hidden"{_words(q)}>'
            f"{prefix}</span> {escape(q.error)}</p>"
        )
    return out


def _attrs(q: QuestionView) -> str:
    return "".join(f' {escape(k)}="{escape(v)}"' for k, v in q.attrs.items())


def _group(q: QuestionView) -> str:
    name = escape(q.name)
    options = "".join(
        f'<div class="option"{" hidden" if c.hidden else ""}{_row(c, i - 1)}>'
        f'<input type="{q.widget}" name="{name}" id="{name}-{i}" '
        f'value="{escape(c.name)}"{" checked" if c.checked else ""}>'
        f'<label for="{name}-{i}">{_image(c.image, c.label)}{conditional_escape(c.label)}'
        "</label></div>"
        for i, c in enumerate(q.choices, start=1)
    )
    likert = ' class="likert"' if q.likert else ""
    return (
        f"<fieldset{_described(q)}{likert}><legend>{conditional_escape(q.label)}"
        f'{_optional(q)}</legend>{_notes(q)}<div class="options">{options}</div></fieldset>'
    )


def _control(q: QuestionView) -> str:
    name = escape(q.name)
    common = f'name="{name}" id="in-{name}"'
    if q.widget == "select":
        options = "".join(
            f'<option value="{escape(c.name)}"{" selected" if c.checked else ""}'
            f"{' hidden disabled' if c.hidden else ''}{_row(c, i)}>"
            f"{escape(strip_tags(c.label))}</option>"
            for i, c in enumerate(q.choices)
        )
        choose = escape(gettext("Choose…"))
        return (
            f'<select {common}{_described(q)}{_invalid(q)}><option value=""{_words(q)}>'
            f"{choose}</option>{options}</select>"
        )
    if q.widget == "file":
        return _file(q, common)
    if q.widget == "textarea":
        return (
            f'<textarea {common} rows="5"{_attrs(q)}{_described(q)}{_invalid(q)}>'
            f"{escape(q.value)}</textarea>"
        )
    kind, short = ("text", ' class="short"') if q.widget == "number" else (q.widget, "")
    return (
        f'<input type="{escape(kind)}" {common} value="{escape(q.value)}"{_attrs(q)}{short}'
        f"{_described(q)}{_invalid(q)}>"
    )


def _file(q: QuestionView, common: str) -> str:
    """A file box; with a file sent already, its name, and that choosing another replaces it
    (leaving the box empty keeps it)."""
    kept = ""
    described = _described(q)
    if q.value:
        own = q.value.partition("-")[2]  # the file's own name, after the random part
        text = gettext("Sent: %(name)s. Choose another file to replace it.") % {"name": own}
        kept = f'<p class="kept" id="kept-{escape(q.name)}"{_words(q)}>{escape(text)}</p>'
        described = f' aria-describedby="{escape(" ".join([f"kept-{q.name}", *_ids(q)]))}"'
    return f'{kept}<input type="file" {common}{_attrs(q)}{described}{_invalid(q)}>'


def _ids(q: QuestionView) -> list[str]:
    return ([f"hint-{q.name}"] if q.hint else []) + ([f"err-{q.name}"] if q.error else [])


def _rank(q: QuestionView) -> str:
    """A ranking: each choice with a menu of positions, which is all a page without the
    script needs (a tie is refused when sent); the script adds buttons to move an item up or
    down, and dragging, which set the menus. Items are listed in the order given so far."""
    name = escape(q.name)
    count = len(q.choices)
    given = [(int(p) if p.isdigit() else count + 1, i) for i, p in enumerate(q.ranks)]
    choose = escape(gettext("Choose…"))
    items = []
    for _, i in sorted(given):
        choice, position = q.choices[i], q.ranks[i]
        value = escape(choice.name)
        options = f'<option value="{value}:">{choose}</option>' + "".join(
            f'<option value="{value}:{k}"{" selected" if position == str(k) else ""}>{k}</option>'
            for k in range(1, count + 1)
        )
        items.append(
            f'<li class="rank-item"><select name="{name}" id="{name}-{i + 1}"{_invalid(q)}>'
            f'{options}</select><label for="{name}-{i + 1}">{_image(choice.image, choice.label)}'
            f"{conditional_escape(choice.label)}"
            "</label></li>"
        )
    up, down = escape(gettext("Move up")), escape(gettext("Move down"))
    return (
        f'<fieldset class="rank"{_described(q)} data-up="{up}" data-down="{down}">'
        f"<legend>{conditional_escape(q.label)}{_optional(q)}</legend>{_notes(q)}"
        f'<ol class="rank-items">{"".join(items)}</ol></fieldset>'
    )


def _image(address: str, label: str) -> str:
    """An image of the form, its label (as plain text) the alternative text. Sized by the
    stylesheet to the text's width; loaded lazily, most pages having none."""
    if not address:
        return ""
    alt = escape(html.unescape(strip_tags(label)).strip())
    return f'<img class="media" src="{escape(address)}" alt="{alt}" loading="lazy">'


def render_question(q: QuestionView) -> SafeString:
    """The question's block: its note, its fieldset of choices, or its label and control; a
    question's image after its label."""
    name = escape(q.name)
    classes = "question has-error" if q.error else "question"
    hidden = " hidden" if q.hidden else ""
    if q.widget == "note":
        body = f'<p class="note">{conditional_escape(q.label)}</p>{_image(q.image, q.label)}'
    elif q.grouped:
        body = _group(q)
    elif q.widget == "rank":
        body = _rank(q)
    else:
        body = (
            f'<label for="in-{name}" class="qlabel">{conditional_escape(q.label)}'
            f"{_optional(q)}</label>{_notes(q)}{_control(q)}"
        )
    return mark_safe(
        f'<div class="{classes}" id="q-{name}" data-name="{name}"{hidden}>{body}</div>'
    )


@dataclass(frozen=True)
class GridView:
    """A table-list group's rows as one table: a row per question, a column per choice."""

    table: str
    caption: str  # the group's label, rendered
    caption_hidden: bool  # the page's title says it already
    columns: tuple[str, ...]  # the choices' labels, rendered
    rows: tuple[QuestionView, ...]

    @property
    def html(self) -> SafeString:
        return render_grid(self)


def render_grid(grid: GridView) -> SafeString:
    """A `<table>` with its header cells scoped: on a desktop one row per question, each a
    group of radio buttons (or check boxes) named by its legend, under the choices' column
    headers; on a phone (the stylesheet) each row stacks as a group of its own, the choices'
    labels beside its buttons. Nothing here needs the script."""
    caption_class = ' class="visually-hidden"' if grid.caption_hidden else ""
    head = "".join(f'<th scope="col">{conditional_escape(c)}</th>' for c in grid.columns)
    rows = "".join(_grid_row(q, len(grid.columns)) for q in grid.rows)
    return mark_safe(
        f'<table class="grid" id="grid-{escape(grid.table)}" style="--cols: {len(grid.columns)}">'
        f"<caption{caption_class}>{conditional_escape(grid.caption)}</caption>"
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _grid_row(q: QuestionView, columns: int) -> str:
    name = escape(q.name)
    classes = "question has-error" if q.error else "question"
    hidden = " hidden" if q.hidden else ""
    label = conditional_escape(q.label)
    options = "".join(
        f'<div class="cell"{" hidden" if c.hidden else ""}>'
        f'<input type="{q.widget}" name="{name}" id="{name}-{i}" '
        f'value="{escape(c.name)}"{" checked" if c.checked else ""}>'
        f'<label for="{name}-{i}">{_image(c.image, c.label)}{conditional_escape(c.label)}'
        "</label></div>"
        for i, c in enumerate(q.choices, start=1)
    )
    return (
        f'<tr class="{classes}" id="q-{name}" data-name="{name}"{hidden}>'
        f'<th scope="row">{label}{_optional(q)}</th>'
        f'<td colspan="{columns}"><fieldset{_described(q)}>'
        f"<legend>{label}{_optional(q)}</legend>{_notes(q)}"
        f'<div class="cells">{options}</div></fieldset></td></tr>'
    )


@dataclass(frozen=True)
class InstanceView:
    """One instance of a repeat: a group of its questions under its legend ("Sede 2")."""

    anchor: str  # its id, where the page comes back to after adding it: "site-2"
    legend: str  # plain text
    questions: tuple[QuestionView, ...]
    remove: str  # the remove button's words, naming the instance


@dataclass(frozen=True)
class RepeatView:
    """A repeat's instances, and the buttons that add and remove them: submit buttons of the
    page's form, so they work without the script."""

    name: str
    label: str  # rendered
    label_hidden: bool  # the page's title says it already
    count_field: str  # the hidden field saying how many instances the page shows ("site[]")
    instances: tuple[InstanceView, ...]
    fixed: bool  # the form's repeat_count sets how many: no buttons
    add: str  # the add button's words; empty when no more can be added
    empty: str  # said when there is none yet
    words_lang: str = ""
    held: str = ""  # said when the form's count asks for more instances than a page shows

    @property
    def html(self) -> SafeString:
        return render_repeat(self)


def render_repeat(view: RepeatView) -> SafeString:
    """A section holding each instance as a fieldset (its questions' own groups nested in
    it), each with its Remove button, then Add. Nothing here needs the script."""
    name = escape(view.name)
    words = f' lang="{escape(view.words_lang)}"' if view.words_lang else ""
    heading = (
        ""
        if view.label_hidden
        else f'<h2 id="r-{name}-title">{conditional_escape(view.label)}</h2>'
    )
    labelled = "" if view.label_hidden else f' aria-labelledby="r-{name}-title"'
    blocks = []
    for number, instance in enumerate(view.instances, start=1):
        remove = (
            ""
            if view.fixed
            else f'<button type="submit" name="_action" value="remove:{name}:{number}" '
            f'class="secondary remove"{words}>{escape(instance.remove)}</button>'
        )
        body = "".join(str(q.html) for q in instance.questions)
        blocks.append(
            f'<fieldset class="instance" id="{escape(instance.anchor)}">'
            f"<legend>{escape(instance.legend)}</legend>{body}{remove}</fieldset>"
        )
    empty = f'<p class="none"{words}>{escape(view.empty)}</p>' if not view.instances else ""
    if view.held:
        heading += f'<p class="notice"{words}>{escape(view.held)}</p>'
    add = (
        f'<button type="submit" name="_action" value="add:{name}" class="secondary add"{words}>'
        f"{escape(view.add)}</button>"
        if view.add and not view.fixed
        else ""
    )
    count = len(view.instances)
    return mark_safe(
        f'<section class="repeat" id="r-{name}"{labelled}>{heading}'
        f'<input type="hidden" name="{escape(view.count_field)}" value="{count}">'
        f"{''.join(blocks)}{empty}{add}</section>"
    )
