from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "indagine.collect"
    verbose_name = "Collection"
