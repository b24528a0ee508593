from django.db import models
from django.utils.translation import gettext_lazy as _


class ViolationType(models.TextChoices):
    OVERSTAY = "overstay", _("Overstay")
    UNREGISTERED_STAY = "unregistered_stay", _("Unregistered stay")


class ViolationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    # Set by the sweeps when later data shows the finding does not hold (a late exit, a
    # permit recorded afterwards); the reason is in facts["resolved_reason"]. Never deleted.
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("Registered")
    ENDED = "ended", _("Ended")


class RegistrationWarning(models.TextChoices):
    """Why a registration, stored all the same, needs an officer's attention (kept on it)."""

    LATE_REGISTRATION = "late_registration", _("Registered after the deadline")
    LATE_CHANGE_OF_ADDRESS = "late_change_of_address", _("Change of address registered late")
    SUPERSEDED = "superseded", _("Already registered elsewhere from a later date")
