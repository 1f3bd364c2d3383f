from django.urls import path

from indagine.surveys import edit_views, edition_views, views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("settings/", views.site_settings, name="settings"),
    path("<slug:slug>/", views.survey_detail, name="detail"),
    path("<slug:slug>/edit/", edit_views.outline, name="edit"),
    path("<slug:slug>/edit/publish/", edit_views.publish, name="edit_publish"),
    path("<slug:slug>/edit/<int:index>/", edit_views.question, name="edit_question"),
    path("<slug:slug>/editions/", edition_views.editions_page, name="editions"),
    path("<slug:slug>/questionnaire/", views.questionnaire, name="questionnaire"),
    path("<slug:slug>/<str:action>/", views.survey_action, name="action"),
]
