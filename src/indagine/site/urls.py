from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from indagine.collect import browse
from indagine.collect.attachments import attachment
from indagine.collect.preview import draft_preview, survey_preview
from indagine.results.api import api
from indagine.surveys import views as survey_views
from indagine.surveys.logins import limited


def health(request):
    """A trivial view: the process answers (liveness), and the ingest benchmark's baseline."""
    return HttpResponse("ok", content_type="text/plain")


def ready(request):
    """Can this server take answers now (readiness, for a load balancer)? It asks the database:
    /healthz said "ok" while every page failed for want of one."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", lambda request: redirect("surveys:list")),
    path("healthz", health, name="health"),
    path("readyz", ready, name="ready"),
    path("branding/logo", survey_views.logo, name="logo"),
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
    path("manage/<slug:slug>/preview/", survey_preview, name="preview"),  # collect's view
    path("manage/<slug:slug>/edit/preview/", draft_preview, name="edit_preview"),  # collect's
    path("manage/<slug:slug>/files/<str:name>", attachment, name="attachment"),  # collect's
    # the responses pages (collect's)
    path("manage/<slug:slug>/responses/", browse.response_list, name="responses"),
    path("manage/<slug:slug>/responses/<int:pk>/", browse.response_detail, name="response"),
    path(
        "manage/<slug:slug>/responses/<int:pk>/delete/",
        browse.response_delete,
        name="response_delete",
    ),
    path("manage/<slug:slug>/responses/<int:pk>/test/", browse.response_test, name="response_test"),
    path("manage/<slug:slug>/responses/tests/delete/", browse.tests_delete, name="tests_delete"),
    path("manage/<slug:slug>/responses/download/", browse.download, name="download"),
    path("manage/<slug:slug>/webhooks/", browse.webhooks, name="webhooks"),
    path("manage/", include("indagine.surveys.urls")),
]

# Failures outside a view's own refusals: the refusal page with a code (site/errors.py)
handler400 = "indagine.web.errors.bad_request"
handler403 = "indagine.web.errors.permission_denied"
handler404 = "indagine.web.errors.page_not_found"
handler500 = "indagine.web.errors.server_error"
