import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
from granian.utils.proxies import wrap_wsgi_with_proxy_headers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indagine.site.settings")


def behind_proxies(app):
    """Behind the reverse proxies of INDAGINE_TRUSTED_PROXIES, the client is the right-most
    address of X-Forwarded-For that is not a trusted proxy, and the scheme X-Forwarded-Proto's
    (granian's WSGI wrapper, which works under gunicorn too). Otherwise every respondent would
    share the proxy's address, and so one submission rate limit."""
    trusted = settings.INDAGINE_TRUSTED_PROXIES
    return wrap_wsgi_with_proxy_headers(app, trusted) if trusted else app


application = behind_proxies(get_wsgi_application())
# Import every view now (the results pages bring numpy, scipy, polars and matplotlib), while
# the worker starts, rather than in the first respondent's request: about a second on 2 cores.
get_resolver().url_patterns  # noqa: B018 - the access imports every URLconf and its views
