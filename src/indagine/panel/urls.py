from django.urls import path

from indagine.panel import views

app_name = "panel"
urlpatterns = [
    path("s/<slug:slug>/t/<str:token>/", views.enter, name="enter"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<slug:slug>/panel/", views.panel_page, name="page"),
    path("manage/<slug:slug>/panel/emails/", views.emails, name="emails"),
    path("manage/<slug:slug>/panel/<str:action>/", views.panel_action, name="action"),
]
