from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "umis.identity"
    label = "identity"
