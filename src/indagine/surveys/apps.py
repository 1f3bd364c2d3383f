from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "indagine.surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from indagine.surveys import logins  # noqa: F401 - connects the failed-login counter
