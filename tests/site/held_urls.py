"""The site's addresses and /held/, a request that stays in flight until the test says."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from held_site import wait_for_file

from indagine.site.urls import *  # noqa: F403
from indagine.site.urls import urlpatterns as site_patterns


def held(request):
    (settings.HELD / "request-started").touch()
    wait_for_file(settings.HELD / "request-go")
    return HttpResponse("finished", content_type="text/plain")


urlpatterns = [path("held/", held), *site_patterns]
