from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "indagine.panel"
    verbose_name = "Member panel"

    def ready(self) -> None:
        from indagine.panel import receivers  # noqa: F401 - connects the completion signal
