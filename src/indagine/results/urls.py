from django.urls import path

from indagine.results import views

app_name = "results"
urlpatterns = [
    path("manage/<slug:slug>/results/", views.dashboard, name="dashboard"),
    path("manage/<slug:slug>/report.<str:fmt>", views.report_file, name="report"),
    path("manage/<slug:slug>/newsletter.<str:fmt>", views.newsletter, name="newsletter"),
    path("manage/api-tokens/", views.issue_token, name="issue_token"),
    path("r/<slug:slug>/", views.public, name="public"),
]
