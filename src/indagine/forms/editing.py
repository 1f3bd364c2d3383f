"""What the editor does to a questionnaire, as changes to its sheets' rows (`forms.workbook`).

Each row of the survey sheet is an item: a page (a group at the top), a group, a repeat, or a
question. A group's or a repeat's item spans its rows down to its end, so moving, copying or
deleting it takes its questions along. Nothing here checks the result: the loader does, and the
editor keeps a change only when the questionnaire still loads without an error.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass

from indagine.forms.tree import language_code
from indagine.forms.workbook import Workbook

BEGINS = ("begin_group", "begin group", "begin_repeat", "begin repeat")
ENDS = ("end_group", "end group", "end_repeat", "end repeat")
# The texts a row has in each language, as XLSForm columns ("label::Italiano (it)"); a claim is
# the finding the report states when the answers agree ("ha messo in remote working ...").
TEXTS = ("label", "hint", "required_message", "constraint_message", "claim")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")  # an XML name, as pyxform wants one
NAME_LENGTH = 32  # a suggested name's
LONGEST_NAME = 64  # a name typed


class EditRefused(ValueError):
    """A change that cannot be made to these rows (an item that is not there, a name taken)."""


class CheckRefused(EditRefused):
    """A check on the answer that cannot be written (a least value that is not a number)."""


class ConditionRefused(EditRefused):
    """A condition that cannot be kept: it reads a question asked after it."""


class DropRefused(EditRefused):
    """A page dropped inside another, or a question dropped outside any page."""


@dataclass(frozen=True)
class Item:
    index: int  # the row's index in the survey sheet (its spreadsheet row is index + 2)
    end: int  # one past its last row: a group's end row included
    depth: int
    kind: str  # "group", "repeat", "end" or "question"
    row: dict[str, str]

    @property
    def type(self) -> str:
        return self.row.get("type", "").strip()

    @property
    def name(self) -> str:
        return self.row.get("name", "").strip()


def _kind(row: dict[str, str]) -> str:
    kind = row.get("type", "").strip().lower()
    if kind in BEGINS:
        return "repeat" if "repeat" in kind else "group"
    if kind in ENDS:
        return "end"
    return "question"


def items(book: Workbook) -> list[Item]:
    """Every row of the survey sheet, with its depth and the rows it spans."""
    rows = book.sheet("survey").rows
    out: list[Item] = []
    opened: list[int] = []
    kinds = [_kind(r) for r in rows]
    ends: dict[int, int] = {}
    for index, kind in enumerate(kinds):
        if kind in ("group", "repeat"):
            opened.append(index)
        elif kind == "end" and opened:
            ends[opened.pop()] = index + 1
    depth = 0
    for index, (kind, row) in enumerate(zip(kinds, rows, strict=True)):
        if kind == "end":
            depth = max(depth - 1, 0)
        end = ends.get(index, len(rows)) if kind in ("group", "repeat") else index + 1
        out.append(Item(index, end, depth, kind, row))
        if kind in ("group", "repeat"):
            depth += 1
    return out


def item(book: Workbook, index: int) -> Item:
    every = items(book)
    if not 0 <= index < len(every) or every[index].kind == "end":
        raise EditRefused("That question is no longer in the questionnaire.")
    return every[index]


def languages(book: Workbook) -> list[str | None]:
    """The languages of the texts as the columns write them ('Italiano (it)'); None for the
    columns without one ('label'), first when the sheet has them."""
    found: list[str | None] = []
    for sheet in ("survey", "choices"):
        for column in book.sheet(sheet).columns:
            base, _, language = column.partition("::")
            if base in (*TEXTS, "label") and base != "claim":
                codes = {language_code(f) for f in found if f}
                if (language and language_code(language) in codes) or (language or None) in found:
                    continue
                found.append(language or None)
    if not found:
        found.append(None)
    return sorted(found, key=lambda language: language is not None)


def column(base: str, language: str | None) -> str:
    return f"{base}::{language}" if language else base


def text_column(book: Workbook, sheet: str, base: str, language: str | None) -> str:
    """The column holding `base` in `language` on `sheet`: one the sheet has in that language,
    however written ('claim::it' beside 'label::Italiano (it)'), else as the labels write it."""
    if language is not None:
        code = language_code(language)
        for name in book.sheet(sheet).columns:
            kind, _, written = name.partition("::")
            if kind == base and written and language_code(written) == code:
                return name
    return column(base, language)


def default_language(book: Workbook) -> str | None:
    written = book.settings.get("default_language", "").strip()
    every = languages(book)
    return written if written in every else every[0]


def label(book: Workbook, row: dict[str, str]) -> str:
    """A row's label in the default language, else in the first language that has one."""
    first = row.get(column("label", default_language(book)), "")
    return first or next((row[c] for c in row if c.split("::")[0] == "label" and row[c]), "")


def add_language(book: Workbook, language: str) -> None:
    """Give every text a column in `language` ('English (en)'), beside its kin, empty to fill
    in (a page shows a text missing in a language in the default one)."""
    for sheet_name in ("survey", "choices"):
        sheet = book.sheet(sheet_name)
        if sheet_name == "choices" and not sheet.rows:
            continue
        bases = TEXTS if sheet_name == "survey" else ("label",)
        for base in bases:
            kin = [c for c in sheet.columns if c.split("::")[0] == base]
            if kin and column(base, language) not in sheet.columns:
                sheet.add_column(column(base, language), after=kin[-1])
        if "label" not in sheet.columns and column("label", language) not in sheet.columns:
            sheet.add_column(column("label", language), after="name")


def names(book: Workbook) -> set[str]:
    return {r["name"].strip() for r in book.sheet("survey").rows if r.get("name", "").strip()}


def suggest_name(text: str, taken: set[str]) -> str:
    """A name from a label: its words in lower case, accents dropped, joined by '_', at most
    32 characters, made unique with a number ('sede_2')."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    base = ""
    for word in words:
        if len(base) + len(word) + 1 > NAME_LENGTH:
            break
        base = f"{base}_{word}" if base else word
    if not base or not base[0].isalpha():
        base = f"q_{base}".rstrip("_")
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def check_name(name: str) -> str | None:
    """Why `name` cannot be a question's name, or None."""
    if not name:
        return "A question needs a name."
    if len(name) > LONGEST_NAME:
        return f"A name has at most {LONGEST_NAME} characters."
    if not _NAME.match(name):
        return (
            f"'{name}' is not a valid name: begin with a letter and use letters, digits and "
            "_ only (no spaces or accents)."
        )
    return None


def insert(book: Workbook, at: int, row: dict[str, str], *, page: bool = False) -> int:
    """Put a new question (or, with `page`, a page holding nothing yet) before row `at`;
    return its index. Its columns are added to the sheet as needed."""
    survey = book.sheet("survey")
    at = max(0, min(at, len(survey.rows)))
    for name in row:
        survey.add_column(name)
    survey.rows.insert(at, dict(row))
    if page:
        survey.add_column("appearance")
        survey.rows[at].setdefault("appearance", "field-list")
        survey.rows.insert(at + 1, {"type": "end_group"})
    return at


def update(book: Workbook, index: int, values: dict[str, str]) -> None:
    """Set a row's cells (an empty value clears one), adding the sheet's columns as needed."""
    target = item(book, index)
    survey = book.sheet("survey")
    for name, value in values.items():
        if value.strip():
            survey.add_column(name, after=_after(survey.columns, name))
            target.row[name] = value.strip() if name in ("type", "name") else value
        else:
            target.row.pop(name, None)


def _after(columns: list[str], name: str) -> str | None:
    """Where a new column goes: beside the columns of its kind ('hint::en' after 'hint::it')."""
    base = name.split("::")[0]
    kin = [c for c in columns if c.split("::")[0] == base]
    return kin[-1] if kin else None


def delete(book: Workbook, index: int) -> list[dict[str, str]]:
    """Take out an item and, for a page or a group, everything in it; return the rows."""
    target = item(book, index)
    rows = book.sheet("survey").rows
    taken = rows[target.index : target.end]
    del rows[target.index : target.end]
    return taken


def duplicate(book: Workbook, index: int) -> int:
    """Put a copy of an item just after it, each name in it made unique; return its index."""
    target = item(book, index)
    rows = book.sheet("survey").rows
    taken = names(book)
    copies = copy.deepcopy(rows[target.index : target.end])
    renamed: dict[str, str] = {}
    for row in copies:
        if row.get("name", "").strip():
            old = row["name"].strip()
            row["name"] = renamed[old] = suggest_name(old, taken)
            taken.add(row["name"])
    for row in copies:  # the copy's conditions and texts read the copy's own answers
        for column, value in row.items():
            if column != "name" and "${" in value:
                row[column] = _REFERENCE.sub(
                    lambda m: "${" + renamed.get(m.group(1), m.group(1)) + "}", value
                )
    rows[target.end : target.end] = copies
    return target.end


def move(book: Workbook, index: int, step: int) -> int:
    """Swap an item with the item before it (`step` -1) or after it (+1) at its own depth,
    within its page or group; return its new index (unchanged at the first or last place)."""
    target = item(book, index)
    every = items(book)
    rows = book.sheet("survey").rows
    if step < 0:
        before = [i for i in every[: target.index] if i.depth == target.depth and i.kind != "end"]
        other = before[-1] if before and before[-1].end == target.index else None
        if other is None:
            return target.index
        rows[other.index : target.end] = (
            rows[target.index : target.end] + rows[other.index : target.index]
        )
        return other.index
    following = every[target.end] if target.end < len(every) else None
    if following is None or following.kind == "end" or following.depth != target.depth:
        return target.index
    rows[target.index : following.end] = (
        rows[target.end : following.end] + rows[target.index : target.end]
    )
    return target.index + (following.end - target.end)


def move_to(book: Workbook, index: int, before: int) -> int:
    """Put an item (a page or group with all it holds) just before the item at row `before`,
    or at the end of the sheet for `before` past its last row; return its new index. Dropped
    inside itself, it stays."""
    target = item(book, index)
    rows = book.sheet("survey").rows
    if target.index <= before < target.end:
        return target.index
    if _depth_at(book, before) != target.depth:
        raise DropRefused(
            "A page goes between pages and a question inside a page: dropped there, it would "
            "change what it is."
        )
    block = rows[target.index : target.end]
    del rows[target.index : target.end]
    at = before - len(block) if before > target.index else before
    at = max(0, min(at, len(rows)))
    rows[at:at] = block
    return at


def _depth_at(book: Workbook, before: int) -> int:
    """The depth an item put before row `before` would have (at the end: the top)."""
    every = items(book)
    if not 0 <= before < len(every):
        return 0
    at = every[before]
    return at.depth + 1 if at.kind == "end" else at.depth


def choice_lists(book: Workbook) -> dict[str, list[dict[str, str]]]:
    """The choices sheet's rows by list name, in their order."""
    lists: dict[str, list[dict[str, str]]] = {}
    for row in book.sheet("choices").rows:
        lists.setdefault(row.get("list_name", "").strip(), []).append(row)
    return lists


def set_choices(book: Workbook, list_name: str, rows: list[dict[str, str]]) -> None:
    """Replace a list's choices (every question using it sees the change), kept where the list
    stood on the sheet, or at its end for a new list."""
    sheet = book.sheet("choices")
    for name in ("list_name", "name"):
        sheet.add_column(name)
    for row in rows:
        for name in row:
            sheet.add_column(name, after=_after(sheet.columns, name))
    kept = [r for r in sheet.rows if r.get("list_name", "").strip() != list_name]
    first = next(
        (i for i, r in enumerate(sheet.rows) if r.get("list_name", "").strip() == list_name),
        None,
    )
    at = (
        len(kept)
        if first is None
        else sum(1 for r in sheet.rows[:first] if r.get("list_name", "").strip() != list_name)
    )
    fresh = [{"list_name": list_name, **{k: v for k, v in r.items() if v}} for r in rows]
    sheet.rows[:] = kept[:at] + fresh + kept[at:]


# "Show this question when…", built from menus: each condition a question, a comparison and a
# value, joined by all (and) or any (or). Written as the XLSForm expression, which an expert
# may type instead; an expression of another shape is kept as typed, its menus left empty.
COMPARISONS = ("=", "!=", ">", ">=", "<", "<=", "selected", "not selected")
_TERM = re.compile(r"^\$\{([A-Za-z_][\w.-]*)\}\s*(!=|>=|<=|=|>|<)\s*('([^']*)'|-?\d+(?:\.\d+)?)$")
_SELECTED = re.compile(
    r"^(not\(\s*)?selected\(\s*\$\{([A-Za-z_][\w.-]*)\}\s*,\s*'([^']*)'\s*\)(\s*\))?$"
)
_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")


@dataclass(frozen=True)
class Condition:
    name: str
    comparison: str
    value: str


def parse_condition(text: str) -> tuple[str, list[Condition]] | None:
    """('all' or 'any', the conditions) of an expression the menus can show, else None."""
    text = " ".join(text.split())
    if not text:
        return "all", []
    joins = {j for j in ("and", "or") if f" {j} " in text}
    if len(joins) > 1 or "(" in text.replace("selected(", "").replace("not(", ""):
        return None
    join = joins.pop() if joins else "and"
    conditions = []
    for term in text.split(f" {join} "):
        if (match := _TERM.match(term.strip())) is not None:
            value = match.group(4) if match.group(4) is not None else match.group(3)
            conditions.append(Condition(match.group(1), match.group(2), value))
        elif (match := _SELECTED.match(term.strip())) is not None:
            if bool(match.group(1)) != bool(match.group(4)):
                return None
            negated = "not selected" if match.group(1) else "selected"
            conditions.append(Condition(match.group(2), negated, match.group(3)))
        else:
            return None
    return ("all" if join == "and" else "any"), conditions


def build_condition(join: str, conditions: list[Condition], numeric: set[str]) -> str:
    """The XLSForm expression of the menus' conditions (a value quoted unless its question
    takes a number); a value holding a quote cannot be written and raises EditRefused."""
    terms = []
    for c in conditions:
        if c.comparison not in COMPARISONS:
            raise ConditionRefused(f"'{c.comparison}' is not a comparison.")
        if "'" in c.value:
            raise ConditionRefused(f"A value compared cannot hold a quote: {c.value}")
        if c.comparison in ("selected", "not selected"):
            term = f"selected(${{{c.name}}}, '{c.value}')"
            terms.append(f"not({term})" if c.comparison == "not selected" else term)
        elif c.name in numeric and re.fullmatch(r"-?\d+(\.\d+)?", c.value):
            terms.append(f"${{{c.name}}} {c.comparison} {c.value}")
        else:
            terms.append(f"${{{c.name}}} {c.comparison} '{c.value}'")
    return f" {'and' if join == 'all' else 'or'} ".join(terms)


def references(text: str) -> list[str]:
    """The questions an expression reads (${name}), in order, once each."""
    return list(dict.fromkeys(_REFERENCE.findall(text or "")))


def later_conditions(book: Workbook) -> list[tuple[str, tuple[str, ...]]]:
    """Each row whose condition reads a question asked at or after it, with those names."""
    found = []
    for each in items(book):
        if each.kind != "end" and each.row.get("relevant"):
            names = tuple(later(book, each.index, each.row["relevant"]))
            if names:
                found.append((each.name or each.type, names))
    return found


def repeat_of(book: Workbook, index: int) -> str:
    """The repeat the row at `index` is asked in ('' for none)."""
    opened: list[tuple[str, str]] = []
    for each in items(book)[: index + 1]:
        if each.kind in ("group", "repeat"):
            opened.append((each.kind, each.name))
        elif each.kind == "end" and opened:
            opened.pop()
    if items(book)[index].kind == "repeat" and opened:
        opened.pop()  # a repeat's own row is not in itself
    return next((name for kind, name in reversed(opened) if kind == "repeat"), "")


def later(book: Workbook, index: int, text: str) -> list[str]:
    """The questions `text` reads that are asked at or after row `index` (within a page or
    group, its own questions): a condition can only read answers given before it."""
    target = item(book, index)
    at = {r["name"].strip(): i for i, r in enumerate(book.sheet("survey").rows) if r.get("name")}
    return [n for n in references(text) if n in at and at[n] >= target.index]


# A check on the answer from the editor's boxes: a least and a most value (numbers and dates
# compare the same way), a longest length, a pattern; written as the XLSForm constraint.
@dataclass(frozen=True)
class Check:
    least: str = ""
    most: str = ""
    longest: str = ""
    pattern: str = ""

    def __bool__(self) -> bool:
        return any((self.least, self.most, self.longest, self.pattern))


_LEAST = re.compile(r"^\.\s*>=\s*(-?\d+(?:\.\d+)?)$")
_MOST = re.compile(r"^\.\s*<=\s*(-?\d+(?:\.\d+)?)$")
_LONGEST = re.compile(r"^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$")
_PATTERN = re.compile(r"^regex\(\s*\.\s*,\s*'([^']*)'\s*\)$")


def parse_check(text: str) -> Check | None:
    """The boxes of a constraint they can show, else None (it stays an expression)."""
    text = " ".join(text.split())
    if not text:
        return Check()
    found: dict[str, str] = {}
    for term in text.split(" and "):
        for key, pattern in (
            ("least", _LEAST),
            ("most", _MOST),
            ("longest", _LONGEST),
            ("pattern", _PATTERN),
        ):
            if (match := pattern.match(term.strip())) is not None and key not in found:
                found[key] = match.group(1)
                break
        else:
            return None
    return Check(**found)


def build_check(check: Check) -> str:
    """The constraint of the boxes; a number that is not one, or a pattern with a quote,
    raises EditRefused."""
    terms = []
    for value, written in ((check.least, ". >= {}"), (check.most, ". <= {}")):
        if value:
            if not re.fullmatch(r"-?\d+(\.\d+)?", value):
                raise CheckRefused(f"'{value}' is not a number.")
            terms.append(written.format(value))
    if check.longest:
        if not check.longest.isascii() or not check.longest.isdigit():
            raise CheckRefused(f"'{check.longest}' is not a whole number of characters.")
        terms.append(f"string-length(.) <= {int(check.longest)}")
    if check.pattern:
        if "'" in check.pattern:
            raise CheckRefused("A pattern cannot hold a quote.")
        terms.append(f"regex(., '{check.pattern}')")
    return " and ".join(terms)
