"""Entry/exit events as received from the border entry-exit system. The received names,
document and birth date are kept as sent; the link to a Person carries how it was made."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from umis.border.constants import Direction, LinkMethod
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
            models.Index(fields=["person", "occurred_at"], name="border_event_person_idx"),
            models.Index(
                fields=["document_issuing_state", "document_number"],
                name="border_event_document_idx",
            ),
            models.Index(fields=["occurred_at"], name="border_event_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.direction}"
