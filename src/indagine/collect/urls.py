from django.urls import path

from indagine.collect import views

app_name = "collect"
urlpatterns = [
    path("<slug:slug>/", views.survey_page, name="survey"),
    path("<slug:slug>/relevance/", views.relevance, name="relevance"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/r/<str:key>/", views.resume, name="resume"),
    path("<slug:slug>/media/<int:number>/<str:name>", views.media, name="media"),
]
