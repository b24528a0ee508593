"""Entry/exit events as received from the border entry-exit system. The received names,
document and birth date are kept as sent; the link to a Person carries how it was made."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from umis.border.constants import Direction, InvalidReason, LinkMethod
from umis.core.models import CrossingPoint
from umis.registry.models import Person


class BorderEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_id = models.CharField(max_length=64, unique=True)  # the sender's id: idempotency
    direction = models.CharField(max_length=5, choices=Direction.choices)
    occurred_at = models.DateTimeField()
    crossing_point = models.ForeignKey(CrossingPoint, on_delete=models.PROTECT, related_name="+")
    document_type = models.CharField(max_length=40)
    document_number = models.CharField(max_length=30)
    document_issuing_state = models.CharField(max_length=3)
    family_name = models.CharField(max_length=150)
    given_names = models.CharField(max_length=150, blank=True)
    birth_date = models.CharField(max_length=10)  # partial: YYYY, YYYY-MM or YYYY-MM-DD
    sex = models.CharField(max_length=1)
    nationality = models.CharField(max_length=3)
    visa_number = models.CharField(max_length=40, blank=True)
    purpose = models.CharField(max_length=40, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="border_events", null=True
    )
    link_method = models.CharField(max_length=20, choices=LinkMethod.choices)
    link_score = models.FloatField(default=1.0)
    flags = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # A person's crossings in order, with their direction: the border check and
            # the sweeps read them from the index alone (PostgreSQL's INCLUDE).
            models.Index(
                fields=["person", "occurred_at", "id"],
                include=["direction"],
                name="border_event_person_idx",
            ),
            models.Index(
                fields=["document_issuing_state", "document_number"],
                name="border_event_document_idx",
            ),
            models.Index(fields=["occurred_at"], name="border_event_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.direction}"


class EntryBan(models.Model):
    """A ban on entering the country, on a person of the registry or on a document."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="entry_bans", null=True, blank=True
    )
    document_issuing_state = models.CharField(max_length=3, blank=True)
    document_number = models.CharField(max_length=30, blank=True)
    legal_basis = models.CharField(max_length=300)
    authority = models.CharField(max_length=200)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)  # open-ended when empty
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False)
                | (~Q(document_number="") & ~Q(document_issuing_state="")),
                name="entryban_person_or_document",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="entryban_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["document_issuing_state", "document_number"], name="entryban_document_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"entry ban {self.pk}"


class InvalidDocument(models.Model):
    """A travel document reported lost, stolen, revoked or forged, whether or not its
    holder is in the registry (e.g. from the issuing state or Interpol's SLTD list)."""

    id = models.BigAutoField(primary_key=True)
    issuing_state = models.CharField(max_length=3)
    number = models.CharField(max_length=30)
    reason = models.CharField(max_length=10, choices=InvalidReason.choices)
    reported_on = models.DateField()
    source = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuing_state", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_state", "number"], name="invaliddocument_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuing_state} {self.reason}"
