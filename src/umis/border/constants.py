from django.db import models
from django.utils.translation import gettext_lazy as _

# Shared by every source record that links to a person; imported from here by border code.
from umis.identity.constants import LinkMethod as LinkMethod


class Direction(models.TextChoices):
    ENTRY = "entry", _("Entry")
    EXIT = "exit", _("Exit")


class EventFlag(models.TextChoices):
    EXIT_WITHOUT_ENTRY = "exit_without_entry", _("Exit with no recorded entry")
    ENTRY_WITHOUT_EXIT = "entry_without_exit", _("Entry while already in the country")


class InvalidReason(models.TextChoices):
    LOST = "lost", _("Reported lost")
    STOLEN = "stolen", _("Reported stolen")
    REVOKED = "revoked", _("Revoked or cancelled by the issuer")
    FORGED = "forged", _("Forged or altered")
