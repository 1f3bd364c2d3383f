from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "indagine.surveys"
    verbose_name = "Surveys"
