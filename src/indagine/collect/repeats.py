"""A repeat's instances on a respondent's page: the buttons that add one and remove one.

They are plain submit buttons of the page's form (`_action` = 'add:site', 'remove:site:2'), so
they work without the script: the page is sent as it stands, with one instance more, or with
the one named taken out and those after it moved up, and comes back to show it. What was typed
is kept as a saved page keeps it (an answer that does not pass its checks is not), and nothing
is judged: the respondent is still at work on the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from indagine.forms.answers import MAX_INSTANCES, count_key, instance_key, shown_count
from indagine.forms.model import Page

_ACTION = re.compile(r"(add|remove):([A-Za-z_][\w.-]*)(?::(\d{1,4}))?")


@dataclass(frozen=True)
class RepeatAction:
    kind: str  # "add" or "remove"
    repeat: str
    number: int = 0  # the instance removed, from 1 as the page numbers them


def parse_action(action: str) -> RepeatAction | None:
    """The repeat action a button sent, or None for any other action."""
    match = _ACTION.fullmatch(action)
    if match is None or (match[1] == "remove") != (match[3] is not None):
        return None
    return RepeatAction(match[1], match[2], int(match[3] or 0))


def apply(
    page: Page,
    raw: Mapping[str, Sequence[str]],
    answers: Mapping[str, object],
    action: RepeatAction,
) -> dict[str, list[str]] | None:
    """The page's fields as if it had shown one instance more, or not the one removed (those
    after it moved up a place). None for a repeat the page does not ask, one whose count the
    form sets, or an instance it does not show: no page sends those."""
    repeat = page.repeats.get(action.repeat)
    if repeat is None or repeat.count:
        return None
    earlier = answers.get(action.repeat)
    count = shown_count(raw, action.repeat, len(earlier) if isinstance(earlier, list) else 0)
    fields = {name: list(values) for name, values in raw.items()}
    if action.kind == "add":
        fields[count_key(action.repeat)] = [str(min(count + 1, MAX_INSTANCES))]
        return fields
    if not 1 <= action.number <= count:
        return None
    names = [q.name for q in page.questions if q.repeat == action.repeat]
    for name in names:
        for index in range(action.number - 1, count - 1):
            fields[instance_key(name, index)] = list(raw.get(instance_key(name, index + 1), ()))
        fields.pop(instance_key(name, count - 1), None)
    fields[count_key(action.repeat)] = [str(count - 1)]
    return fields


def anchor(action: RepeatAction, answers: Mapping[str, object]) -> str:
    """Where the page comes back to: the instance added, or the repeat's list after a
    removal."""
    if action.kind == "add":
        instances = answers.get(action.repeat)
        number = len(instances) if isinstance(instances, list) else 0
        return f"#{action.repeat}-{number}" if number else f"#r-{action.repeat}"
    return f"#r-{action.repeat}"
