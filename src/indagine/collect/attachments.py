"""Respondents' uploads, for the survey's organisers only: always as an attachment to save,
never shown inline (a file is the respondent's, and an HTML or SVG page opened on this site's
address would run as the site), and only under the survey whose response holds it."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from indagine.collect import uploads
from indagine.forms.answers import UPLOAD_NAME
from indagine.surveys.access import VIEW, organiser
from indagine.surveys.models import Survey


@organiser(VIEW)
def attachment(request: HttpRequest, slug: str, name: str) -> FileResponse:
    survey = get_object_or_404(Survey, slug=slug)
    path = uploads.path_of(survey.slug, name)
    store = uploads.storage()
    if not UPLOAD_NAME.fullmatch(name) or not store.exists(path):
        raise Http404("No such file.")
    own = name.partition("-")[2]
    kind = mimetypes.guess_type(own)[0] or "application/octet-stream"
    reply = FileResponse(store.open(path, "rb"), as_attachment=True, filename=own)
    reply["Content-Type"] = kind
    reply["X-Content-Type-Options"] = "nosniff"
    reply["Content-Security-Policy"] = "sandbox; default-src 'none'"
    reply["Cache-Control"] = "private, no-store"
    return reply
