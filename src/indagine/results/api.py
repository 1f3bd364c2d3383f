"""The REST API (django-ninja; OpenAPI schema at /api/openapi.json, docs at /api/docs).

Authentication: a per-user token (`Authorization: Bearer ind_...`) or the organiser's session.
The user's rights apply as on the web (surveys/access.py): `surveys.view_survey` for every
survey or for one alone to see it and its results; its responses with `collect.view_response`
(every survey's) or a right held on that survey alone. Test responses are left out unless
asked for (`tests=true`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from indagine.results.codes import ResultsCode, ResultsError
from indagine.results.models import ApiToken
from indagine.surveys import access
from indagine.surveys.models import Survey
from indagine.web.codes import RequestCode


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > 100:
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.digest(token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="indagine",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    description="Surveys, responses and results of an indagine server.",
)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> Any:
    """A 404 with a code, as every other refusal of the API ('Not Found' alone had none)."""
    detail = f"{RequestCode.NOT_FOUND}: {exc or 'nothing here'}"
    return api.create_response(request, {"detail": detail}, status=404)


def _require(request: HttpRequest, permission: str, survey: Survey | None = None) -> None:
    """The permission for every survey, or (with `survey`) a right on that one."""
    if not access.may(request.user, permission, survey):
        raise HttpError(403, f"{ResultsCode.MISSING_PERMISSION}: {permission}.")


def _viewed(request: HttpRequest, slug: str, **filters: Any) -> Survey:
    """The survey the address names, if the user may see it: 403 whether or not it exists
    (as the web pages answer), else 404 when it does not."""
    survey = Survey.objects.select_related("current_version").filter(slug=slug).first()
    _require(request, access.VIEW, survey)
    return get_object_or_404(Survey.objects.select_related("current_version"), slug=slug, **filters)


class SurveyOut(Schema):
    slug: str
    title: str
    state: str
    anonymous: bool
    closes_at: dt.datetime | None
    form_version: int | None
    partial: int
    complete: int


class SurveyDetail(SurveyOut):
    form: dict[str, Any] | None


class ResponseOut(Schema):
    id: int
    status: str
    language: str
    form_version: int
    completed_at: dt.datetime | None
    answers: dict[str, Any]


class ResponsePage(Schema):
    items: list[ResponseOut]
    next_cursor: str | None


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: list[dict[str, Any]]


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: InvalidOut,
}


def _survey_out(survey: Survey) -> dict[str, Any]:
    counts = {
        s: survey.responses.filter(status=s, test=False).count() for s in ("partial", "complete")
    }
    version = survey.current_version
    return {
        "slug": survey.slug,
        "title": survey.title,
        "state": survey.state,
        "anonymous": survey.anonymous,
        "closes_at": survey.closes_at,
        "form_version": version.number if version else None,
        **counts,
    }


@api.get("/surveys", response={200: list[SurveyOut], **ERRORS}, summary="Surveys you may see")
def list_surveys(request: HttpRequest) -> list[dict[str, Any]]:
    if not access.may_somewhere(request.user, access.VIEW):
        raise HttpError(403, f"{ResultsCode.MISSING_PERMISSION}: {access.VIEW}.")
    seen = access.surveys_for(request.user).select_related("current_version").order_by("pk")
    return [_survey_out(s) for s in seen]


@api.get(
    "/surveys/{slug}",
    response={200: SurveyDetail, **ERRORS},
    summary="One survey with its questionnaire",
)
def get_survey(request: HttpRequest, slug: str) -> dict[str, Any]:
    survey = _viewed(request, slug)
    version = survey.current_version
    return {**_survey_out(survey), "form": version.form_json if version else None}


def _cursor(value: str | None) -> int:
    if not value:
        return 0
    try:
        return int(base64.urlsafe_b64decode(value.encode() + b"==").decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        refused = ResultsError(ResultsCode.BAD_CURSOR, "the cursor is not one this API gave.")
        raise HttpError(refused.status, str(refused)) from None


def _encode(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = 100
    status: str | None = None
    tests: bool = False  # test responses (the demo's, or marked) too


@api.get(
    "/surveys/{slug}/responses",
    response={200: ResponsePage, **ERRORS},
    summary="Responses, oldest first, a page at a time (cursor pagination)",
)
def list_responses(request: HttpRequest, slug: str, query: Query[PageQuery]) -> dict[str, Any]:
    survey = _viewed(request, slug)
    own = request.user.has_perm(access.VIEW, survey) or request.user.has_perm(access.CHANGE, survey)
    if not (request.user.has_perm("collect.view_response") or own):
        raise HttpError(403, f"{ResultsCode.MISSING_PERMISSION}: collect.view_response.")
    if not 1 <= query.limit <= 1000:
        raise HttpError(400, f"{ResultsCode.BAD_LIMIT}: limit must be between 1 and 1000.")
    if query.status not in (None, "partial", "complete"):
        raise HttpError(400, f"{ResultsCode.BAD_STATUS}: status is partial or complete.")
    rows = survey.responses.filter(pk__gt=_cursor(query.cursor)).order_by("pk")
    if not query.tests:
        rows = rows.filter(test=False)
    if query.status:
        rows = rows.filter(status=query.status)
    page = list(
        rows.values("pk", "status", "language", "form_version__number", "completed_at", "answers")[
            : query.limit + 1
        ]
    )
    items = [
        {
            "id": r["pk"],
            "status": r["status"],
            "language": r["language"],
            "form_version": r["form_version__number"],
            "completed_at": r["completed_at"],
            "answers": r["answers"],
        }
        for r in page[: query.limit]
    ]
    more = len(page) > query.limit
    return {"items": items, "next_cursor": _encode(items[-1]["id"]) if more else None}


def _plain(value: Any) -> Any:
    """Findings as JSON: dataclasses to objects, numpy numbers to floats, NaN to null."""
    import dataclasses
    import math

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class ResultsQuery(Schema):
    weighted: bool = False
    segment: str | None = None


@api.get(
    "/surveys/{slug}/results",
    response={200: dict[str, Any], **ERRORS},
    summary="Findings: every item's estimate, interval, sequence and consolidated flag",
)
def get_results(request: HttpRequest, slug: str, query: Query[ResultsQuery]) -> Any:
    from indagine.results import services

    survey = _viewed(request, slug, current_version__isnull=False)
    segment = None
    if query.segment:
        question, _, choice = query.segment.partition(":")
        if not question or not choice:
            raise HttpError(400, f"{ResultsCode.BAD_SEGMENT}: use question:choice.")
        segment = (question, choice)
    try:
        found = services.findings(survey, services.View(weighted=query.weighted, segment=segment))
    except ResultsError as error:
        raise HttpError(error.status, str(error)) from None
    return {"layout": 1, "survey": slug, **_plain(found)}
