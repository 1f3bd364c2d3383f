from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "indagine.results"
    verbose_name = "Results"

    def ready(self) -> None:
        from indagine.results import benchmark  # noqa: F401 - answers collect's benchmark_asked
