"""The stable codes of requests refused before or around an app's own view (docs/codes.md)."""

from __future__ import annotations

from indagine.web.refusals import Code


class RequestCode(Code):
    RATE_LIMITED = "RATE_LIMITED", 429
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE", 413
    REQUEST_TOO_MANY_FIELDS = "REQUEST_TOO_MANY_FIELDS"
    REQUEST_BAD_ENCODING = "REQUEST_BAD_ENCODING"
    BAD_REQUEST = "BAD_REQUEST"
    FORBIDDEN = "FORBIDDEN", 403
    NOT_FOUND = "NOT_FOUND", 404
    SERVER_ERROR = "SERVER_ERROR", 500
    CSRF_COOKIE = "CSRF_COOKIE", 403
    CSRF_ORIGIN = "CSRF_ORIGIN", 403
    CSRF_TOKEN = "CSRF_TOKEN", 403
