from django.apps import AppConfig


class StaysConfig(AppConfig):
    name = "umis.stays"
    label = "stays"
