from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    ENTRY = "entry", _("Entry")
    EXIT = "exit", _("Exit")


class LinkMethod(models.TextChoices):
    """How a source record was tied to a person (identity issue #5 adds scored matching)."""

    DOCUMENT = "document", _("Same identity document")
    NAME_BIRTH_DATE = "name_birth_date", _("Same name and birth date")
    NEW_PROVISIONAL = "new_provisional", _("New provisional person")


class EventFlag(models.TextChoices):
    EXIT_WITHOUT_ENTRY = "exit_without_entry", _("Exit with no recorded entry")
    ENTRY_WITHOUT_EXIT = "entry_without_exit", _("Entry while already in the country")


class InvalidReason(models.TextChoices):
    LOST = "lost", _("Reported lost")
    STOLEN = "stolen", _("Reported stolen")
    REVOKED = "revoked", _("Revoked or cancelled by the issuer")
    FORGED = "forged", _("Forged or altered")
