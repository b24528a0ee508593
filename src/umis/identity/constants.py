"""Constants of identity resolution shared by every source record that links to a person
(border events, registrations at the place of stay, later applications and tax notices)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LinkMethod(models.TextChoices):
    """How a source record was tied to a person: stored on the record with the score, so
    that a link can be reviewed (and redone after a merge) knowing who or what made it."""

    DOCUMENT = "document", _("Same identity document")
    NAME_BIRTH_DATE = "name_birth_date", _("Same name and birth date")
    # The identity matcher's score (names, birth date, nationality...) was above the link
    # threshold; the score is stored beside it.
    SCORED = "scored", _("Matched by the identity matcher")
    NEW_PROVISIONAL = "new_provisional", _("New provisional person")
    # An officer chose the person (registration at the counter by person id).
    OFFICER = "officer", _("Chosen by an officer")
