"""Requests whose form or query does not decode in its character set are refused whole.

Django decodes a form body and a query string leniently: bytes that are not UTF-8 become
U+FFFD, or the whole body is read as Latin-1, and the answers would be stored as mojibake. This
middleware decodes them as Django does, strictly, and refuses with REQUEST_BAD_ENCODING before
any view reads them. On a respondent's POST it costs a scan for a byte over 127 or an escape of
one (%80 to %FF): an answer in plain ASCII is not decoded twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from indagine.web.codes import RequestCode
from indagine.web.errors import refusal

FORM = "application/x-www-form-urlencoded"
_HIGH_ESCAPE = re.compile(rb"%[89a-fA-F][0-9a-fA-F]")
_REPLACED = "\ufffd"


def decodes(raw: bytes, encoding: str) -> bool:
    """Whether URL-encoded `raw` (a form body, a query string) decodes strictly in `encoding`,
    as it is written (else Django reads it as Latin-1) and with its escapes undone."""
    ascii_only = raw.isascii()
    if ascii_only and not _HIGH_ESCAPE.search(raw):
        return True  # escapes of ASCII only: nothing to decode
    try:
        if not ascii_only:
            raw.decode(encoding)
        unquote_to_bytes(raw).decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _form_decodes(request: HttpRequest, encoding: str) -> bool:
    """Whether the fields of a POSTed form are valid text."""
    if request.method != "POST":
        return True
    if request.content_type == FORM:
        return decodes(request.body, encoding)
    if request.content_type == "multipart/form-data":
        # Django's parser has already replaced what did not decode with U+FFFD, which no
        # field of a form is asked to hold: read (as the CSRF check would), then looked for
        return not any(
            _REPLACED in name or any(_REPLACED in value for value in values)
            for name, values in request.POST.lists()
        )
    return True


class StrictDecodingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        encoding = request.encoding or settings.DEFAULT_CHARSET
        # the query string as the server received it (PEP 3333: bytes carried as Latin-1)
        query = request.META.get("QUERY_STRING", "").encode("iso-8859-1", "replace")
        if not (decodes(query, encoding) and _form_decodes(request, encoding)):
            return refusal(
                request,
                RequestCode.REQUEST_BAD_ENCODING,
                _(
                    "What was sent is not valid text (%(encoding)s): send it again from the "
                    "site's own page."
                )
                % {"encoding": encoding.upper()},
                heading=_("Request refused"),
            )
        return self.get_response(request)
