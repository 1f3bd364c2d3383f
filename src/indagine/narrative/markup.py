"""Markup: a letter's paragraphs as Markdown and as escaped HTML with linked numbers."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from indagine.narrative.sentences import Number, Part, Sentence

Paragraph = Sequence[Sentence]
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def safe_address(address: str) -> bool:
    """Whether an organiser's address may become a link (http, https or mailto only)."""
    return urlsplit(address.strip()).scheme.lower() in ("http", "https", "mailto")


def _md_escape(text: str) -> str:
    """Text for Markdown: no raw HTML, no accidental emphasis or links."""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;")
    for char in "\\`*_[]":
        text = text.replace(char, "\\" + char)
    return text


def _md_part(part: Part) -> str:
    if isinstance(part, str):
        return _md_escape(part)
    if isinstance(part, Number):
        return _md_escape(part.text)
    if safe_address(part.address):
        return f"<{part.address.strip().replace('>', '%3E').replace(' ', '%20')}>"
    return _md_escape(part.address)


def markdown(paragraphs: Sequence[Paragraph]) -> str:
    """The letter as Markdown: one paragraph per block, lines of the signature kept apart."""
    blocks = [" ".join("".join(_md_part(p) for p in s.parts) for s in para) for para in paragraphs]
    return "\n\n".join(blocks) + "\n"


def _html_part(part: Part) -> str:
    if isinstance(part, str):
        return html.escape(part, quote=False)
    if isinstance(part, Number):
        href, title = html.escape(part.href), html.escape(part.title)
        data = f' data-estimate="{part.value:.6g}"'
        data += "" if part.anchor is None else f' data-anchor="{part.anchor:.4g}"'
        text = html.escape(part.text, quote=False)
        return f'<a href="{href}" title="{title}"{data}>{text}</a>'
    if safe_address(part.address):
        address = html.escape(part.address.strip())
        return f'<a href="{address}">{address}</a>'
    return html.escape(part.address, quote=False)


def _html_sentence(sentence: Sentence) -> str:
    inner = "".join(_html_part(p) for p in sentence.parts)
    if sentence.finding is None:
        return inner
    return f'<span data-finding="{html.escape(sentence.finding)}">{inner}</span>'


def to_html(paragraphs: Sequence[Paragraph], lang: str) -> str:
    """The letter as an HTML fragment: escaped text, numbers linked to `#finding-<key>`."""
    body = "\n".join(
        "<p>" + " ".join(_html_sentence(s) for s in para) + "</p>" for para in paragraphs
    )
    return f'<article class="newsletter" lang="{html.escape(lang)}">\n{body}\n</article>\n'
