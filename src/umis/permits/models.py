"""Permits and the documents issued for them. Behaviour lives in
:mod:`umis.permits.services`; keys in :mod:`umis.permits.keys`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from umis.cases.models import Case
from umis.registry.models import Organisation, Person


class Permit(models.Model):
    """A right granted by a decided case: a stay extension, a temporary or permanent
    residence permit, a work permit. Residence permits are mirrored as a stay permit
    period (``stays.PermitPeriod``) so that the stay engine lifts the stay limit."""

    class Kind(models.TextChoices):
        STAY_EXTENSION = "stay_extension"
        TRP = "trp"
        PRP = "prp"
        WORK_PERMIT = "work_permit"

    class Status(models.TextChoices):
        ACTIVE = "active"
        REVOKED = "revoked"
        SUPERSEDED = "superseded"  # extended by a later permit

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(max_length=30, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="permits")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="permits")
    ground = models.CharField(max_length=60, blank=True)  # trp.grounds code
    employer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="permits"
    )
    position = models.CharField(max_length=200, blank=True)
    counts_against_quota = models.BooleanField(default=False)
    exemption = models.CharField(max_length=60, blank=True)  # work_permit.exemptions code
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="extensions"
    )
    stay_period_id = models.UUIDField(null=True, blank=True)  # stays.PermitPeriod mirrored
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="permit_dates_ordered",
            ),
            # One decided case grants one permit (a retried issue finds it).
            models.UniqueConstraint(fields=["case"], name="permit_one_per_case"),
        ]
        indexes = [models.Index(fields=["person", "kind", "status"], name="permit_person_idx")]

    def __str__(self) -> str:
        return self.number


class IssuedDocument(models.Model):
    """A printed document: a residence permit card (ICAO 9303 TD1) or a work permit. Its
    QR code carries ``token``, signed with the key ``kid``; a replaced card is revoked."""

    class Kind(models.TextChoices):
        RESIDENCE_CARD = "residence_card"
        WORK_PERMIT = "work_permit"
        DECISION = "decision"  # a stay extension's decision letter

    class Status(models.TextChoices):
        VALID = "valid"
        REVOKED = "revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(max_length=20, unique=True)  # the card number
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="documents")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="issued_documents")
    mrz = models.CharField(max_length=100, blank=True)  # three TD1 lines joined by "\n"
    issued_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    kid = models.CharField(max_length=40)
    token = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], name="issueddocument_one_per_case_kind"
            )
        ]

    def __str__(self) -> str:
        return self.number


class SigningKey(models.Model):
    """A public key that signs issued documents. The private half lives in a file under
    ``settings.UMIS_SIGNING_KEY_DIR`` (never in the database); the public half stays here
    after rotation, so that cards signed with a retired key still verify. A compromised
    key is revoked: what it signed no longer verifies."""

    kid = models.CharField(max_length=40, primary_key=True)
    algorithm = models.CharField(max_length=10, default="Ed25519")
    public_key = models.CharField(max_length=100)  # raw 32 bytes, base64url
    activated_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)  # no longer signs
    revoked_at = models.DateTimeField(null=True, blank=True)  # no longer verifies

    class Meta:
        ordering = ["-activated_at"]

    def __str__(self) -> str:
        return self.kid


class QuotaCounter(models.Model):
    """Work permits counted against the year's labour-migration quota; locked per year
    when a permit is issued so that two issues cannot both take the last place."""

    year = models.PositiveIntegerField(primary_key=True)
    used = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.used}"
