from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "umis.core"
    label = "core"
    verbose_name = "UMIS core"

    def ready(self) -> None:
        # Fail at start-up, with the bad entry named, rather than at the first request that
        # needs a rule. Reads a file, never the database.
        from umis.core import signals  # noqa: F401  (sign-in audit receivers)
        from umis.core.policy import get_policy

        get_policy()
