"""indagine's URLs plus `/bench/floor/`, served only by the ingest benchmark's server.

The floor is the least a page POST can do in Django: the same middleware (CSRF checked), the form
body read, one lookup, one durable write under the same SQLite writer lock, a redirect. Measured
beside the real page POST and /healthz, it shows how much of the gap is Django's and the
database's, and how much the page's own work (checking the answers against the form, reading and
writing the response's JSON, creating and completing the row).
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path

from indagine.collect.services import writer_lock
from indagine.site.urls import urlpatterns as site
from indagine.surveys.models import Survey

_SELECT = f"SELECT id FROM {Survey._meta.db_table} WHERE slug = %s"
_UPDATE = f"UPDATE {Survey._meta.db_table} SET title = title WHERE id = %s"


def floor(request: HttpRequest) -> HttpResponseRedirect:
    request.POST.get("_page")
    with connection.cursor() as cursor:
        cursor.execute(_SELECT, ["remote-working-2020"])
        (survey_id,) = cursor.fetchone()
    with writer_lock(), connection.cursor() as cursor:
        cursor.execute(_UPDATE, [survey_id])
    return HttpResponseRedirect(f"{request.path}?page=1")


urlpatterns = [*site, path("bench/floor/", floor)]  # last: the site's routes resolve as usual
