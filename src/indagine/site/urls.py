from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from indagine.results.api import api
from indagine.surveys.logins import limited


def health(request):
    """A trivial view: the baseline of the ingest benchmark and a load balancer's check."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", lambda request: redirect("surveys:list")),
    path("healthz", health, name="health"),
    # the respondents' pages first: their addresses are resolved on every page request
    path("s/", include("indagine.collect.urls")),
    path("admin/login/", limited(admin.site.login)),  # before admin/, which has its own
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/login/", limited(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # before manage/<slug>/<action>/, which would take their addresses
    path("", include("indagine.panel.urls")),
    path("", include("indagine.results.urls")),
    path("manage/", include("indagine.surveys.urls")),
]

# Failures outside a view's own refusals: the refusal page with a code (site/errors.py)
handler400 = "indagine.site.errors.bad_request"
handler403 = "indagine.site.errors.permission_denied"
handler404 = "indagine.site.errors.page_not_found"
handler500 = "indagine.site.errors.server_error"
