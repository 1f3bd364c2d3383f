import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indagine.site.settings")
application = get_wsgi_application()
# Import every view now (the results pages bring numpy, scipy, polars and matplotlib), while
# the worker starts, rather than in the first respondent's request: about a second on 2 cores.
get_resolver().url_patterns  # noqa: B018 - the access imports every URLconf and its views
