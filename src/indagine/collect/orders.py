"""Choices in random order (`randomize=true`): each respondent's own order, drawn once.

A respondent's orders are drawn, for every randomized question of their form version at once,
from a random seed of their own (`new_seed`), never from their key: a member's key is the token
of their invitation, and an order derived from it would link an anonymous response back to
whoever holds that token. Until the first page is stored the seed travels with the page (a
hidden field, and the language switch's address); from then on the orders themselves are kept
with the response (`Response.orders`: question name to the choice names as shown, first
first), so every page, a resume and a language switch show the same order, and exports carry
it for order-effect analysis. A question with a numeric `seed` gets that seed's one order for
everyone. A choice named "other" (`or_other`) stays last, where it was.

The shuffle is Python's `random.Random` seeded with a string (its SHA-512 seeding): the same
seed gives the same order on any platform.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Mapping, Sequence

from indagine.forms.model import Form, Question

_SEED = re.compile(r"[0-9a-f]{32}")
_LAST = "other"


def has_random_order(form: Form) -> bool:
    return any(q.is_randomized for q in form.questions())


def new_seed() -> str:
    return secrets.token_hex(16)


def well_formed(seed: str | None) -> str | None:
    """The seed if a page could have sent it, else None (a fresh one is drawn instead)."""
    return seed if seed and _SEED.fullmatch(seed) else None


def draw(form: Form, seed: str) -> dict[str, list[str]]:
    """The order of every randomized question of the form, from the respondent's seed."""
    return {q.name: order_of(q, seed) for q in form.questions() if q.is_randomized}


def order_of(question: Question, seed: str) -> list[str]:
    """One question's choices in the order the seed gives (its own `seed` if numeric)."""
    names = [c.name for c in question.choices]
    last = [names.pop()] if names and names[-1] == _LAST else []
    fixed = question.fixed_seed
    shuffler = random.Random(f"seed:{fixed}" if fixed is not None else f"{seed}:{question.name}")
    shuffler.shuffle(names)
    return names + last


def arranged(question: Question, order: Sequence[str] | None) -> list[int]:
    """The positions of the question's choices (in the sheet) in the order shown. Without an
    order (a response begun before the question was randomized, an imported one) the sheet's;
    a choice the order does not name (a later form version's) comes after, in the sheet's
    order. One name may stand on two rows of a filtered list: each takes the next row."""
    if not order:
        return list(range(len(question.choices)))
    rows: dict[str, list[int]] = {}
    for i, choice in enumerate(question.choices):
        rows.setdefault(choice.name, []).append(i)
    shown: list[int] = []
    for name in order:
        if rows.get(name):
            shown.append(rows[name].pop(0))
    rest = sorted(i for left in rows.values() for i in left)
    return shown + rest


def column_name(question: Question, taken: set[str]) -> str:
    """The export's column of a question's order: "<name>_order", numbered where the form
    has a question of that name already (`taken`)."""
    name, number = f"{question.name}_order", 1
    while name in taken:
        number += 1
        name = f"{question.name}_order{number}"
    return name


def order_columns(form: Form) -> dict[str, Question]:
    """The order columns of the form's randomized questions, by their CSV header."""
    taken = {q.name for q in form.questions()}
    columns: dict[str, Question] = {}
    for question in form.questions():
        if question.is_randomized:
            name = column_name(question, taken)
            taken.add(name)
            columns["-".join((*question.group_path, name))] = question
    return columns


def parse(question: Question, text: str) -> list[str] | None:
    """An order column's cell as an order: every choice of the question once, space-separated;
    None when it is not one (empty is no order, `[]`)."""
    names = text.split()
    if not names:
        return []
    return names if sorted(names) == sorted(c.name for c in question.choices) else None


def orders_for(
    form: Form, kept: Mapping[str, list[str]] | None, seed: str | None
) -> dict[str, list[str]]:
    """The orders a page shows: those kept with the response, or drawn from the page's seed."""
    if kept is not None:
        return dict(kept)
    return draw(form, seed or new_seed())
