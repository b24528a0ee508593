from django.db import models
from django.utils.translation import gettext_lazy as _


class ViolationType(models.TextChoices):
    OVERSTAY = "overstay", _("Overstay")
    UNREGISTERED_STAY = "unregistered_stay", _("Unregistered stay")


class ViolationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("Registered")
    ENDED = "ended", _("Ended")
