"""What a page shows: questions with their current values, visibility and errors."""

from __future__ import annotations

import html
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from indagine.collect.markup import render_label, with_answers
from indagine.collect.orders import arranged
from indagine.collect.screen import on_screen
from indagine.collect.screen import visible_questions as visible_questions
from indagine.collect.services import relevant_pages
from indagine.collect.widgets import ChoiceView, GridView, InstanceView, QuestionView, RepeatView
from indagine.forms import grids, languages
from indagine.forms.accept import accepted
from indagine.forms.answers import (
    MAX_INSTANCES,
    UPLOAD_NAME,
    AnswerError,
    Scope,
    available_rows,
    count_key,
    instance_key,
    is_relevant,
    is_required,
    work_out,
)
from indagine.forms.expressions import ExpressionError, MapEnvironment, parse_expression
from indagine.forms.expressions.values import to_number
from indagine.forms.model import Form, Page, Question, QuestionType, Repeat, Text
from indagine.forms.relevance import repeat_applies
from indagine.surveys.models import Survey


@dataclass(frozen=True)
class Instance:
    """One instance of a repeat as a page draws it: its index (from 0), its answers and the
    scope its questions' expressions are evaluated in (over the whole response's answers)."""

    index: int
    values: Mapping[str, Any]
    scope: Scope


def _widget(question: Question) -> str:
    kind = question.type
    appearance = question.appearance.split()
    if kind is QuestionType.SELECT_ONE:
        return "select" if "minimal" in appearance else "radio"
    if kind in (QuestionType.SELECT_MULTIPLE, QuestionType.ACKNOWLEDGE):
        return "checkbox"
    if kind is QuestionType.RANK:
        return "rank"
    if kind.is_upload:
        return "file"
    if kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE):
        return "number"
    if kind is QuestionType.TEXT:
        return "textarea" if "multiline" in appearance else "text"
    return {
        QuestionType.DATE: "date",
        QuestionType.TIME: "time",
        QuestionType.DATETIME: "datetime-local",
        QuestionType.NOTE: "note",
        QuestionType.PHONE: "tel",
    }.get(kind, "hidden")


def _as_strings(value: Any, lang: str = "en") -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    if isinstance(value, float) and lang == "it":
        return [str(value).replace(".", ",")]  # as the respondent typed it: 45,5
    return [str(value)]


def _attrs(question: Question, max_text: int) -> dict[str, str]:
    if question.type is QuestionType.INTEGER:
        return {"inputmode": "numeric"}
    if question.type is QuestionType.DECIMAL:
        return {"inputmode": "decimal"}
    if question.type is QuestionType.RANGE:
        p = question.parameters
        return {"inputmode": "decimal", "min": p["start"], "max": p["end"], "step": p["step"]}
    if question.type is QuestionType.TEXT:
        return {"maxlength": str(max_text)}
    if question.type is QuestionType.PHONE:
        return {"autocomplete": "tel", "maxlength": "30"}
    if question.type.is_upload:
        return {"accept": accepted(question).html}
    return {}


def question_view(
    form: Form,
    question: Question,
    answers: Mapping[str, Any],
    lang: str,
    raw: Mapping[str, Sequence[str]] | None,
    error: str,
    max_text: int = 10_000,
    order: Sequence[str] | None = None,
    images: str = "",
    instance: Instance | None = None,
) -> QuestionView:
    """What the page shows of one question; `images`: the address its form's images are
    under (none drawn without it); `instance`: the instance of its repeat it is asked in."""
    fallback = form.default_language
    scope = instance.scope if instance is not None else Scope(form.repeat_members() or None)
    name = instance_key(question.name, instance.index) if instance is not None else question.name
    own: Mapping[str, Any] = instance.values if instance is not None else answers
    settled = answers  # where its expressions look (its scope picks the instance's answers)
    if instance is not None:  # its labels' ${sibling} is the instance's answer
        answers = ChainMap(dict(instance.values), dict(answers))

    every = range(len(question.choices))
    # the choices as this respondent sees them (`orders`): each keeps its row in the sheet,
    # by which the page's script shows and hides a filtered list's choices
    shown = arranged(question, order) if question.is_randomized else list(every)
    hidden, required, rows = _state(question, settled, scope)
    # A choice_filter's choices are all on the page, those filtered out hidden, so the page's
    # script can show them as the answers they depend on are chosen; with none to choose yet,
    # the question waits hidden (without the script, the page comes back with it).
    if question.choice_filter and not rows:
        hidden = True
    current = _current(question, name, own, raw, lang)
    return QuestionView(
        name=name,
        widget=_widget(question),
        label=render_label(question.label.get(lang, fallback), answers, form=form, lang=lang),
        hint=render_label(question.hint.get(lang, fallback), answers, form=form, lang=lang),
        required=required,
        hidden=hidden,
        value=_value(question, current),
        choices=_choices(form, question, answers, lang, current, rows, shown, images),
        error=error,
        ranks=_positions(question, current, shown) if question.type is QuestionType.RANK else (),
        likert=question.is_likert,
        attrs=_attrs(question, max_text),
        words_lang=_words_lang(lang),
        image=_image(images, question.image, lang, fallback),
    )


def _current(
    question: Question,
    name: str,
    own: Mapping[str, Any],
    raw: Mapping[str, Sequence[str]] | None,
    lang: str,
) -> list[str]:
    """What a question's control holds: as typed (`raw`), else its answer, else its default."""
    current = (
        list(raw.get(name, []))
        if raw is not None and name in raw
        else _as_strings(own.get(question.name, question.default), lang)
    )
    if question.default and raw is None and question.name not in own:
        multiple = question.type is QuestionType.SELECT_MULTIPLE
        current = question.default.split() if multiple else [question.default]
    return current


def _choices(
    form: Form,
    question: Question,
    answers: Mapping[str, Any],
    lang: str,
    current: Sequence[str],
    rows: set[int],
    shown: Sequence[int],
    images: str,
) -> tuple[ChoiceView, ...]:
    """A question's choices as shown: in the respondent's order, those filtered out hidden."""
    if question.type is QuestionType.ACKNOWLEDGE:
        return (ChoiceView("OK", _("OK"), "OK" in current),)
    fallback = form.default_language
    return tuple(
        ChoiceView(
            c.name,
            render_label(c.label.get(lang, fallback), answers, form=form, lang=lang),
            c.name in current and i in rows,
            hidden=i not in rows,
            row=i,
            image=_image(images, c.image, lang, fallback),
        )
        for i, c in ((i, question.choices[i]) for i in shown)
    )


def _image(images: str, text: Text, lang: str, fallback: str) -> str:
    """The address of the image `text` names in `lang` ("" for none, or without `images`)."""
    name = text.get(lang, fallback)
    return f"{images}{quote(name)}" if images and name else ""


def _state(
    question: Question, answers: Mapping[str, Any], scope: Scope
) -> tuple[bool, bool, set[int]]:
    """Is the question hidden, is it required, and which choice rows its filter leaves, where
    it is asked (a broken expression: shown, as written, every choice)."""
    try:
        hidden = not is_relevant(question, answers, scope=scope)
        required = is_required(question, answers, None, scope=scope)
        return hidden, required, set(available_rows(question, answers, scope=scope))
    except ExpressionError:
        return False, question.required, set(range(len(question.choices)))


def images_address(slug: str, number: int) -> str:
    """The address a form version's images are under (`views.media`)."""
    return reverse("collect:media", args=[slug, number, "x"])[:-1]


def _value(question: Question, current: Sequence[str]) -> str:
    """The value a control shows; an upload's, the name of the file kept (never a refusal)."""
    value = current[0] if current else ""
    if question.type.is_upload and not UPLOAD_NAME.fullmatch(value):
        return ""
    return value


def _positions(question: Question, current: Sequence[str], shown: Sequence[int]) -> tuple[str, ...]:
    """A ranking's position of each choice ("" for none), in the order the choices are shown
    (`shown`: their rows): from the stored order ("b a c"), or as a page without the script
    sent them ("a:2")."""
    if len(current) == 1 and ":" not in current[0]:
        given = {name: str(i) for i, name in enumerate(current[0].split(), start=1)}
    else:
        given = {name: pos for name, _, pos in (v.partition(":") for v in current)}
    return tuple(given.get(question.choices[i].name, "") for i in shown)


def _words_lang(lang: str) -> str:
    """The language of the page's own words where it is not the page's (English words around
    a form's labels in a language indagine has none in), else empty."""
    active = translation.get_language() or lang
    return active if active != lang else ""


def page_context(
    survey: Survey,
    form: Form,
    index: int,
    answers: Mapping[str, Any],
    lang: str,
    *,
    errors: Sequence[AnswerError],
    key: str,
    raw: Mapping[str, Sequence[str]] | None,
    orders: Mapping[str, Sequence[str]] | None = None,
    seed: str = "",
    images: str = "",
) -> dict[str, Any]:
    """What the page template shows. `orders`: the respondent's order of each randomized
    question's choices; `seed`: what they were drawn from, sent with a page that starts a
    response (empty once the response keeps its orders); `images`: the address of the form
    version's images."""
    page = form.pages[index]
    orders = orders or {}
    seen = _seen(form, index, answers, raw)
    by_name = {
        e.name: with_answers(e.message, _where(e.name, seen, form), form=form, lang=lang)
        for e in errors
    }
    questions = _question_views(form, page, seen, lang, raw, by_name, orders, images)
    repeated = _repeat_views(form, page, seen, lang, raw, by_name, orders, images)
    labels = _labels(questions, repeated)
    questions += [q for view in repeated.values() for i in view.instances for q in i.questions]
    shown_blocks = _blocks(form, page, questions, seen, lang, repeated)
    progress = _progress(form, index, seen)
    return {
        "survey": survey,
        "form": form,
        "title": form.title.get(lang, form.default_language),
        "page_title": render_label(
            page.title.get(lang, form.default_language), seen, form=form, lang=lang
        ),
        "page_index": index,
        **progress,
        "multipart": any(q.type.is_upload for q in page.questions),
        # a page with a repeat's buttons: its first submit button is Next (Enter in a box
        # presses the first), not the first instance's Remove
        "default_next": bool(page.repeats),
        "questions": questions,
        "blocks": shown_blocks,
        # the summary names each question: four links all reading "answer this question"
        # would not say where each one leads
        "errors": [(e.name, _plain(labels.get(e.name, "")), by_name[e.name]) for e in errors],
        "key": key,
        "seed": seed,
        "shown": " ".join(q.name for q in questions if not q.hidden),
        "lang": lang,
        "other_langs": other_languages(form, lang),
        "words_lang": translation.get_language(),
        "languages": form.languages,
        "error_title": _("There is a problem") if errors else "",
    }


def _seen(
    form: Form, index: int, answers: Mapping[str, Any], raw: Mapping[str, Sequence[str]] | None
) -> Mapping[str, Any]:
    """The answers page `index` reads: as typed on a page shown again, else worked out."""
    # A re-shown page reflects what was typed: relevance sees the typed values too (those of
    # questions that apply, as the server judges them when the page is sent).
    # Before anything is sent, calculations are worked out and the page's defaults count as
    # answers: a `${total}` in a first page's label shows its value.
    if raw is not None:
        return on_screen(form, index, raw, answers)[0]
    return work_out(form, answers, form.pages[index].questions)


def _question_views(
    form: Form,
    page: Page,
    seen: Mapping[str, Any],
    lang: str,
    raw: Mapping[str, Sequence[str]] | None,
    errors: Mapping[str, str],
    orders: Mapping[str, Sequence[str]],
    images: str,
) -> list[QuestionView]:
    """The page's questions outside its repeats, each as the page shows it."""
    return [
        question_view(
            form,
            q,
            seen,
            lang,
            raw,
            errors.get(q.name, ""),
            order=orders.get(q.name),
            images=images,
        )
        for q in page.questions
        if q.type.is_shown and not q.repeat
    ]


def _repeat_views(
    form: Form,
    page: Page,
    seen: Mapping[str, Any],
    lang: str,
    raw: Mapping[str, Sequence[str]] | None,
    errors: Mapping[str, str],
    orders: Mapping[str, Sequence[str]],
    images: str,
) -> dict[str, RepeatView]:
    """The page's repeats that apply, by name, each as the page shows it."""
    return {  # a repeat that does not apply is not drawn, nor its Add button
        name: _repeat_view(form, page, repeat, seen, lang, raw, errors, orders, images)
        for name, repeat in page.repeats.items()
        if _asked(form, repeat, seen)
    }


def _progress(form: Form, index: int, seen: Mapping[str, Any]) -> dict[str, Any]:
    """Where page `index` stands among the pages that apply: its position, of how many, in %."""
    order = relevant_pages(form, seen)
    position = order.index(index) + 1 if index in order else 1
    return {
        "position": position,
        "page_count": len(order),
        "percent": round(100 * (position - 1) / max(len(order), 1)),
        "is_first": position == 1,
        "is_last": position == len(order),
    }


def _blocks(
    form: Form,
    page: Page,
    views: Sequence[QuestionView],
    answers: Mapping[str, Any],
    lang: str,
    repeated: Mapping[str, RepeatView],
) -> list[QuestionView | GridView | RepeatView]:
    """What the page draws, in order: each question, a grid's rows gathered in one table, a
    repeat's instances where its first question stands."""
    by_name = {v.name: v for v in views}
    firsts = {  # where each repeat goes among the other blocks: at its first question
        next(q.name for q in page.questions if q.repeat == name): view
        for name, view in repeated.items()
    }
    out: list[QuestionView | GridView | RepeatView] = []
    for block in grids.blocks(q for q in page.questions if q.name in by_name or q.name in firsts):
        if isinstance(block, Question) and block.name in firsts:
            out.append(firsts[block.name])
            continue
        if isinstance(block, grids.Grid):
            first = block.rows[0]
            caption = page.tables.get(block.table, Text())
            title = page.title.get(lang, form.default_language)
            text = caption.get(lang, form.default_language)
            out.append(
                GridView(
                    block.table,
                    render_label(text, answers, form=form, lang=lang),
                    caption_hidden=not text or text == title,
                    columns=tuple(
                        render_label(
                            c.label.get(lang, form.default_language), answers, form=form, lang=lang
                        )
                        for c in first.choices
                    ),
                    rows=tuple(by_name[q.name] for q in block.rows),
                )
            )
        else:
            out.append(by_name[block.name])
    return out


def _repeat_view(
    form: Form,
    page: Page,
    repeat: Repeat,
    seen: Mapping[str, Any],
    lang: str,
    raw: Mapping[str, Sequence[str]] | None,
    errors: Mapping[str, str],
    orders: Mapping[str, Sequence[str]],
    images: str,
) -> RepeatView:
    """A repeat's instances, each a group of its questions named by the repeat's label and
    its number, with a button to remove it and one to add another (not when the form's
    `repeat_count` sets how many)."""
    fallback = form.default_language
    members = form.repeat_members() or None
    count, held = _instance_count(repeat, seen, members)
    stored = seen.get(repeat.name)
    stored = stored if isinstance(stored, list) else []
    label = render_label(repeat.label.get(lang, fallback), seen, form=form, lang=lang)
    name = _plain(label) or _("Item")
    asked = [q for q in page.questions if q.repeat == repeat.name and q.type.is_shown]
    instances = []
    for index in range(count):
        values = stored[index] if index < len(stored) else {}
        instance = Instance(index, values, Scope(members, (repeat.name, index)))
        views = tuple(
            question_view(
                form,
                q,
                seen,
                lang,
                raw,
                errors.get(instance_key(q.name, index), ""),
                order=orders.get(q.name),
                images=images,
                instance=instance,
            )
            for q in asked
        )
        legend = _legend(repeat.label.get(lang, fallback), name, index, values, seen, form, lang)
        remove = _("Remove %(what)s") % {"what": legend}
        instances.append(InstanceView(f"{repeat.name}-{index + 1}", legend, views, remove))
    title = page.title.get(lang, fallback)
    return RepeatView(
        name=repeat.name,
        label=label,
        label_hidden=not _plain(label) or _plain(label) == _plain(title),
        count_field=count_key(repeat.name),
        instances=tuple(instances),
        fixed=bool(repeat.count),
        add=_("Add: %(what)s") % {"what": name} if count < MAX_INSTANCES else "",
        empty=_("None added yet."),
        # a count from an answer above what a page shows: said, not silently cut
        held=_("Only the first %(count)d are asked here.") % {"count": count} if held else "",
        words_lang=_words_lang(lang),
    )


def _labels(
    questions: Sequence[QuestionView], repeated: Mapping[str, RepeatView]
) -> dict[str, str]:
    """Each question's label for the summary of errors; an instance's named by its legend
    ("Sede 2: Città")."""
    labels = {q.name: q.label for q in questions}
    for view in repeated.values():
        for instance in view.instances:
            labels.update({q.name: f"{instance.legend}: {q.label}" for q in instance.questions})
    return labels


def _legend(
    text: str,
    name: str,
    index: int,
    values: Mapping[str, Any],
    seen: Mapping[str, Any],
    form: Form,
    lang: str,
) -> str:
    """An instance's legend: "Sede 2", or, for a label naming answers ("Figlio ${nome}"),
    each instance by its own ("1. Figlio Anna")."""
    if "${" not in text:
        return f"{name} {index + 1}"
    own = _plain(render_label(text, ChainMap(dict(values), dict(seen)), form=form, lang=lang))
    return f"{index + 1}. {own or name}"


def _where(key: str, seen: Mapping[str, Any], form: Form) -> Mapping[str, Any]:
    """The answers an error's ${name} reads: an instance's own first ('seats[2]')."""
    base, _, index = key.partition("[")
    repeat = form.repeat_members().get(base)
    instances = seen.get(repeat) if repeat else None
    if not index or not isinstance(instances, list):
        return seen
    number = int(index[:-1]) if index[:-1].isdigit() else 0
    own = instances[number - 1] if 0 < number <= len(instances) else {}
    return ChainMap(dict(own), dict(seen))


def _asked(form: Form, repeat: Repeat, seen: Mapping[str, Any]) -> bool:
    """Does the repeat apply (a broken expression: shown, as a question's is)?"""
    try:
        return repeat_applies(repeat, seen, None, Scope(form.repeat_members() or None))
    except ExpressionError:
        return True


def _instance_count(
    repeat: Repeat, seen: Mapping[str, Any], members: Mapping[str, str] | None
) -> tuple[int, bool]:
    """How many instances the page shows: as the form's count says, or as the answers hold;
    and whether the count asked for more than a page shows (MAX_INSTANCES)."""
    if repeat.count:
        env = MapEnvironment(seen, members=members)
        try:
            number = to_number(parse_expression(repeat.count).evaluate(env))
        except ExpressionError:
            return 0, False
        if number != number:  # NaN: no count yet
            return 0, False
        return int(max(0.0, min(number, MAX_INSTANCES))), number > MAX_INSTANCES
    instances = seen.get(repeat.name)
    return (min(len(instances), MAX_INSTANCES) if isinstance(instances, list) else 0), False


def other_languages(form: Form, lang: str) -> list[tuple[str, str]]:
    """The language switch: each other language of the form's labels, named in itself."""
    codes = languages.page_languages(form.languages, form.default_language)
    return [(c, languages.native_name(c, form.languages[c])) for c in codes if c != lang]


def _plain(label: str) -> str:
    """A rendered label as plain text (the template escapes it again)."""
    return html.unescape(strip_tags(label)).strip()
