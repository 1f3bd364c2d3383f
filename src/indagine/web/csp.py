"""django-csp's middleware with its policy built once.

The policy here is fixed (no nonces, no per-view changes), but `CSPMiddleware` builds the header
from the settings on every response; this subclass keeps the first one it built. Views that
change the policy with django-csp's decorators are not used in indagine.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_HEADER = CSP = "Content-Security-Policy"


class FixedPolicyMiddleware(CSPMiddleware):
    _policy: str | None = None

    def process_request(self, request: HttpRequest) -> None:
        return None  # no nonce: the policy allows no inline script at all

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if FixedPolicyMiddleware._policy is None:
            FixedPolicyMiddleware._policy = build_policy()
        if _HEADER not in response:
            response[_HEADER] = FixedPolicyMiddleware._policy
        return response


def framed_policy() -> str:
    """The site's policy, but for a page its own pages may frame (the editor's preview)."""
    from django.conf import settings

    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["frame-ancestors"] = ["'self'"]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
