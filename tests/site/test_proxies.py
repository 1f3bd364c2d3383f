"""Behind a reverse proxy: the client's address and scheme come from a trusted proxy's headers."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIHandler

from indagine.collect.models import Response
from indagine.site.wsgi import behind_proxies

# Through the WSGI application, as a server calls it: at the end of each request Django closes
# the connection (request_finished), which a test transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s" * 32  # a CSRF secret, sent as the cookie and as the form's token
PROXY = "127.0.0.1"


def post(app, key: str, remote: str, headers: dict[str, str] | None = None) -> int:
    """One page POST of the small survey through the WSGI application; its status code."""
    body = urlencode(
        {"csrfmiddlewaretoken": SECRET, "_page": "0", "_action": "next", "org": "bpo", "_key": key}
    ).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/s/small/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": remote,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"csrftoken={SECRET}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        **(headers or {}),
    }
    status: list[str] = []
    chunks = app(environ, lambda line, _headers, _exc=None: status.append(line))
    b"".join(chunks)
    chunks.close()
    return int(status[0].split()[0])


@pytest.fixture
def limited(open_survey, settings):
    settings.INDAGINE_SUBMIT_RATE = "2/m"
    return settings


def keys():
    return (f"{i:043d}" for i in range(100))


def test_behind_a_trusted_proxy_each_client_has_its_own_submission_limit(limited):
    limited.INDAGINE_TRUSTED_PROXIES = [PROXY]
    app, key = behind_proxies(WSGIHandler()), keys()
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert [post(app, next(key), PROXY, first) for _ in range(3)] == [302, 302, 429]
    # another respondent, through the same proxy, is not held back by the first one's count
    assert post(app, next(key), PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.6"}) == 302
    # a client cannot escape by prepending an address: the right-most untrusted one counts
    assert post(app, next(key), PROXY, {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.5"}) == 429
    assert Response.objects.count() == 3


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(limited):
    limited.INDAGINE_TRUSTED_PROXIES = []
    app, key = behind_proxies(WSGIHandler()), keys()
    forged = [{"HTTP_X_FORWARDED_FOR": f"203.0.113.{i}"} for i in range(3)]
    assert [post(app, next(key), PROXY, h) for h in forged] == [302, 302, 429]
    # trusted proxies set, but this request does not come from one of them
    limited.INDAGINE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    app = behind_proxies(WSGIHandler())
    assert post(app, next(key), "198.51.100.7", forged[0]) == 302
    assert post(app, next(key), "198.51.100.7", forged[1]) == 302
    assert post(app, next(key), "198.51.100.7", forged[2]) == 429


def test_https_at_a_trusted_proxy_makes_the_request_secure(open_survey, settings):
    """A browser posting to https://… sends that origin; Django accepts it only if it knows the
    request came over https, which behind a TLS proxy only the proxy can tell."""
    https = {"HTTP_ORIGIN": "https://127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}
    https["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
    settings.INDAGINE_TRUSTED_PROXIES = []
    assert post(behind_proxies(WSGIHandler()), "a" * 43, PROXY, https) == 403
    settings.INDAGINE_TRUSTED_PROXIES = [PROXY]
    assert post(behind_proxies(WSGIHandler()), "b" * 43, PROXY, https) == 302
    assert Response.objects.count() == 1
