"""What an upload question (`file`, `image`) accepts, and whether a file is that.

The sheet's `body::accept` (as HTML's `accept`: extensions ".pdf" and media types
"application/pdf" or "image/*", comma-separated) says what a question takes; without it an
`image` takes images, a `file` PDF, images and office documents. A file is judged by its
content (`filetype` reads its first bytes), and its name must agree: a program renamed
"cv.pdf" is not a PDF, and a PDF named "cv.exe" is refused too, since the organiser who
downloads it would be offered to run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import filetype

from indagine.forms.model import Question, QuestionType

IMAGES = ("jpg", "png", "gif", "webp", "heic", "avif", "tif", "bmp")
OFFICE = ("doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf")
# The extensions each content type may carry in its name, and the other way round.
_NAMES = {"jpg": ("jpg", "jpeg", "jpe", "jfif"), "tif": ("tif", "tiff")}
_ALIAS = {name: kind for kind, names in _NAMES.items() for name in names}
HEAD_BYTES = 8192  # what `filetype` reads of a file's start


@dataclass(frozen=True)
class Accepted:
    """The content types (by `filetype`'s extension) a question takes."""

    kinds: frozenset[str]

    def describe(self) -> str:
        """For a message: "PDF, JPG or PNG"."""
        names = sorted(k.upper() for k in self.kinds)
        if len(names) > 6:
            return ", ".join(names[:6]) + "…"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]

    @property
    def html(self) -> str:
        """The file box's `accept` attribute: the extensions its files may have."""
        return ",".join(f".{n}" for k in sorted(self.kinds) for n in _NAMES.get(k, (k,)))


def accepted(question: Question) -> Accepted:
    """What the question accepts: its `body::accept`, else the type's default."""
    written = question.parameters.get("accept", "")
    kinds: set[str] = set()
    for part in (p.strip().lower() for p in written.split(",")):
        if not part:
            continue
        if part in ("image/*",):
            kinds.update(IMAGES)
        elif part.startswith("."):
            kinds.add(_ALIAS.get(part[1:], part[1:]))
        else:
            kinds.update(t.extension for t in filetype.types if t.mime == part)
    kinds &= {t.extension for t in filetype.types}  # what can be judged by content
    if not kinds:  # the type's own default
        image = question.type is QuestionType.IMAGE
        kinds = set(IMAGES) if image else {"pdf", *IMAGES, *OFFICE}
    return Accepted(frozenset(kinds))


def unjudged(question: Question) -> list[str]:
    """The parts of `body::accept` no file's content can show (".csv", "text/plain"): a
    warning at the cell, since such files are refused."""
    known = {t.extension for t in filetype.types} | set(_ALIAS)
    mimes = {t.mime for t in filetype.types} | {"image/*"}
    out = []
    for part in (p.strip() for p in question.parameters.get("accept", "").split(",")):
        if not part:
            continue
        if (part.startswith(".") and part[1:].lower() not in known) or (
            not part.startswith(".") and part.lower() not in mimes
        ):
            out.append(part)
    return out


def kind_of(head: bytes, filename: str, accepts: Accepted) -> str | None:
    """The file's content type if the question takes it and its name agrees; else None."""
    guess = filetype.guess(head[:HEAD_BYTES])
    if guess is None or guess.extension not in accepts.kinds:
        return None
    ext = PurePath(filename).suffix.lower().lstrip(".")
    return str(guess.mime) if ext in _NAMES.get(guess.extension, (guess.extension,)) else None
