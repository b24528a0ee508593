from django.apps import AppConfig


class BorderConfig(AppConfig):
    name = "umis.border"
    label = "border"
