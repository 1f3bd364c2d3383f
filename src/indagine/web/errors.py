"""The pages Django shows when a request fails before or outside a view's own refusals: the
refusal page every other refusal uses, with a stable code and a message in the visitor's
language, instead of Django's bare "Bad Request (400)" in English (or JSON under /api/).

Each handler is kept simple: the 500 one touches no database and renders the plainest page, as
it runs when something else has already failed.
"""

from __future__ import annotations

import enum

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.translation import gettext as _

from indagine.forms import languages
from indagine.web.codes import RequestCode


def refusal(
    request: HttpRequest,
    code: enum.StrEnum,
    text: str,
    status: int | None = None,
    heading: str = "",
) -> HttpResponse:
    """The refusal page (collect/refused.html) with its code, in the active language; JSON
    under /api/. Rendered without the request's context processors, so it works even when
    what failed is the request itself. The status is the code's unless given."""
    status = status or getattr(code, "status", 400)
    if request.path.startswith(get_script_prefix() + "api/"):
        return JsonResponse({"detail": f"{code}: {text}"}, status=status)
    page = loader.get_template("collect/refused.html").render(
        {
            "code": code,
            "message": text,
            "heading": heading,  # none: the page's own, "Your answers could not be accepted"
            "lang": translation.get_language(),
        }
    )
    return HttpResponse(page, status=status)


def _error(request: HttpRequest, code: RequestCode, text: str) -> HttpResponse:
    """A failure outside the views: a refusal headed as a refused request (or our failure)."""
    heading = _("Request refused") if code.status < 500 else _("Something went wrong")
    return refusal(request, code, text, heading=heading)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
        return _error(
            request,
            RequestCode.REQUEST_TOO_LARGE,
            _("What was sent is larger than this site accepts (%(mb)s MB).") % {"mb": megabytes},
        )
    if isinstance(exception, TooManyFieldsSent):
        return _error(
            request,
            RequestCode.REQUEST_TOO_MANY_FIELDS,
            _("The form sent has more fields than this site accepts."),
        )
    return _error(request, RequestCode.BAD_REQUEST, _("This request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, RequestCode.FORBIDDEN, _("You do not have access to this page."))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(
        request,
        RequestCode.NOT_FOUND,
        _("There is no page at this address. Check the link you received."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request,
        RequestCode.SERVER_ERROR,
        _(
            "Something went wrong on our side. Answers already sent are kept: try again in a "
            "few minutes."
        ),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF check refused a form (CSRF_FAILURE_VIEW), in the language of the page
    that was sent, with a code for the cause:

    - CSRF_COOKIE: the browser sent no (or a broken) security cookie, mostly because it blocks
      cookies: the respondent can allow them and send again;
    - CSRF_ORIGIN: the form came from an address the site does not trust: a forged form, or a
      site behind a proxy whose public address is missing from INDAGINE_CSRF_TRUSTED_ORIGINS;
    - CSRF_TOKEN: the page's token is missing or wrong: a forged or an outdated page.
    Nothing the form carried is stored."""
    wanted = request.POST.get("_lang", "")
    if languages.is_tag(wanted):  # the respondent page's language, or English words
        translation.activate(languages.page_words(wanted))
    if reason.startswith("CSRF cookie"):
        code = RequestCode.CSRF_COOKIE
        text = _(
            "Your browser did not send this site's security cookie. Allow cookies for this "
            "site, reload the page and send it again."
        )
    elif reason.startswith(("Origin checking failed", "Referer checking failed")):
        code = RequestCode.CSRF_ORIGIN
        text = _(
            "This form was sent from an address this site does not recognise. Open the "
            "survey from its own link and send it again."
        )
    else:
        code = RequestCode.CSRF_TOKEN
        text = _(
            "This page's security token is missing or out of date. Reload the page and send "
            "it again."
        )
    return refusal(request, code, text, heading=_("Form not sent"))
