from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "indagine.collect"
    verbose_name = "Collection"

    def ready(self) -> None:
        from indagine.collect import uploads  # noqa: F401  (its receivers erase files)
