from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "umis.registry"
    label = "registry"
