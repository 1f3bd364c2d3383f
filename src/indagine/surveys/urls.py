from django.urls import path

from indagine.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("settings/", views.site_settings, name="settings"),
    path("<slug:slug>/", views.survey_detail, name="detail"),
    path("<slug:slug>/questionnaire/", views.questionnaire, name="questionnaire"),
    path("<slug:slug>/<str:action>/", views.survey_action, name="action"),
]
