from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "umis.permits"
    label = "permits"

    def ready(self) -> None:
        # Bind the permit services to the case engine (no database access here).
        from umis.permits.services import register_case_types

        register_case_types()
