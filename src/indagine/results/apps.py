from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "indagine.results"
    verbose_name = "Results"
