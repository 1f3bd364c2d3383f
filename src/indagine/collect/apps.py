from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "indagine.collect"
    verbose_name = "Collection"

    def ready(self) -> None:
        from indagine.collect import (  # noqa: F401  (their receivers)
            hooks,  # completed responses to the organiser's webhooks
            uploads,  # erase files
        )
