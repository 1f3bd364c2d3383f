"""Sentences: text with numbers that link back to the finding behind them."""

from __future__ import annotations

import string
from dataclasses import dataclass, replace

from indagine.analysis.findings import Quantity
from indagine.narrative.quantities import Lang, Phrase, decimal
from indagine.stats.estimates import Estimate


@dataclass(frozen=True)
class Number:
    """A stated quantity: its words, the report anchor it links to, and what backs it."""

    text: str
    href: str  # "#finding-<key>" or "#method"
    title: str  # the estimate, interval and sequence, for an editor checking the sentence
    value: float  # the estimate, on its own scale
    anchor: float | None = None  # the familiar value the words snapped to, on the same scale


@dataclass(frozen=True)
class Url:
    """A web address given by the organiser (the survey or the report)."""

    address: str


Part = str | Number | Url


@dataclass(frozen=True)
class Sentence:
    """One sentence of the letter and the finding it states (None for the letter's frame)."""

    parts: tuple[Part, ...]
    finding: str | None = None

    @property
    def text(self) -> str:
        """The sentence as plain text."""
        return "".join(p if isinstance(p, str) else _plain(p) for p in self.parts)


def _plain(part: Number | Url) -> str:
    return part.text if isinstance(part, Number) else part.address


def compose(
    template: str, finding: str | None = None, **slots: Part | tuple[Part, ...]
) -> Sentence:
    """Fill `template`'s {slots} with text, numbers or addresses; capitalise the first letter."""
    parts: list[Part] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            parts.append(literal)
        if name is not None:
            value = slots[name]
            parts.extend(p for p in (value if isinstance(value, tuple) else (value,)) if p != "")
    return Sentence(tuple(capitalised(parts)), finding)


def capitalised(parts: list[Part]) -> list[Part]:
    """The parts with the sentence's first letter in upper case."""
    for i, part in enumerate(parts):
        text = part if isinstance(part, str) else _plain(part)
        if not text:
            continue
        if isinstance(part, Url):
            return parts
        upper = text[0].upper() + text[1:]
        parts[i] = upper if isinstance(part, str) else replace(part, text=upper)
        return parts
    return parts


_FORMATS: dict[str, tuple[float, str, int]] = {
    "share": (100.0, "%", 1),  # a share in [0, 1] shown as a percentage
    "percent": (1.0, "%", 1),  # a mean of a 0-100 question
    "mean": (1.0, "", 2),
}


def described(estimate: Estimate, lang: Lang, kind: str = "share") -> str:
    """An estimate with its interval, as a link's title ("66,0% (IC 95%: 58,2–73,1%)")."""
    scale, unit, digits = _FORMATS[kind]
    value, low, high = (
        decimal(x * scale, lang, digits)
        for x in (estimate.estimate, estimate.ci_low, estimate.ci_high)
    )
    ci = "IC" if lang == "it" else "CI"
    return (
        f"{value}{unit} ({ci} {round(estimate.level * 100)}%: {low}–{high}{unit}; n = {estimate.n})"
    )


def quantity_number(key: str, text: str | Phrase, quantity: Quantity, lang: Lang) -> Number:
    """A number linked to `#finding-<key>`, titled with its estimate, interval and sequence."""
    title = described(quantity.estimate, lang, quantity.kind)
    if quantity.sequence is not None:
        scale, unit, digits = _FORMATS[quantity.kind]
        low = decimal(quantity.sequence.low * scale, lang, digits)
        high = decimal(quantity.sequence.high * scale, lang, digits)
        word = "sequenza" if lang == "it" else "sequence"
        title += f"; {word} {low}–{high}{unit}"
    scale = 100.0 if quantity.kind == "percent" else 1.0
    return _number(text, f"#finding-{key}", title, quantity.estimate.estimate, scale)


def _number(text: str | Phrase, href: str, title: str, value: float, scale: float) -> Number:
    if isinstance(text, str):
        return Number(text, href, title, value)
    anchor = None if text.anchor is None else text.anchor * scale
    return Number(text.text, href, title, value, anchor)


def estimate_number(key: str, text: str | Phrase, estimate: Estimate, lang: Lang) -> Number:
    """A share's number linked to `#finding-<key>` (for a contrast's segment)."""
    return _number(text, f"#finding-{key}", described(estimate, lang), estimate.estimate, 1.0)


def method_number(text: str, value: float) -> Number:
    """A number from the method section (responses, response rate, margin of error)."""
    return Number(text, "#method", text, value)
