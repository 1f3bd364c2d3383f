"""The pages Django shows when a request fails before or outside a view's own refusals: the
refusal page every other refusal uses, with a stable code and a message in the visitor's
language, instead of Django's bare "Bad Request (400)" in English (or JSON under /api/).

Each handler is kept simple: the 500 one touches no database and renders the plainest page, as
it runs when something else has already failed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.translation import gettext as _


def _refused(request: HttpRequest, code: str, text: str, status: int) -> HttpResponse:
    if request.path.startswith(get_script_prefix() + "api/"):
        return JsonResponse({"detail": f"{code}: {text}"}, status=status)
    page = loader.get_template("collect/refused.html").render(
        {
            "code": code,
            "message": text,
            "heading": _("Request refused") if status < 500 else _("Something went wrong"),
            "lang": translation.get_language(),
        }
    )
    return HttpResponse(page, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
        return _refused(
            request,
            "REQUEST_TOO_LARGE",
            _("What was sent is larger than this site accepts (%(mb)s MB).") % {"mb": megabytes},
            413,
        )
    if isinstance(exception, TooManyFieldsSent):
        return _refused(
            request,
            "REQUEST_TOO_MANY_FIELDS",
            _("The form sent has more fields than this site accepts."),
            400,
        )
    return _refused(request, "BAD_REQUEST", _("This request could not be understood."), 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _refused(request, "FORBIDDEN", _("You do not have access to this page."), 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _refused(
        request,
        "NOT_FOUND",
        _("There is no page at this address. Check the link you received."),
        404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _refused(
        request,
        "SERVER_ERROR",
        _(
            "Something went wrong on our side. Answers already sent are kept: try again in a "
            "few minutes."
        ),
        500,
    )
