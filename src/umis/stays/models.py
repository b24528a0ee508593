"""Findings of the detection sweeps. Fines and decisions on them come with enforcement."""

from __future__ import annotations

import uuid

from django.db import models

from umis.registry.models import Person
from umis.stays.constants import ViolationStatus, ViolationType


class Violation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="violations")
    type = models.CharField(max_length=30, choices=ViolationType.choices)
    # The stay it concerns (its first day): one finding per person, type and stay, so
    # that re-running a sweep updates the finding instead of adding another.
    stay_start = models.DateField()
    facts = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ViolationStatus.choices, default=ViolationStatus.OPEN
    )
    detected_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-detected_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "type", "stay_start"], name="violation_one_per_stay"
            ),
        ]
        indexes = [models.Index(fields=["type", "status"], name="violation_type_status_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.stay_start}"
