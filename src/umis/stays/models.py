"""Findings of the detection sweeps. Fines and decisions on them come with enforcement."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from umis.core.models import City, Region
from umis.registry.models import Organisation, Person
from umis.stays.constants import RegistrationStatus, ViolationStatus, ViolationType


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


class Registration(models.Model):
    """Registration of a foreigner at a place of stay, by a host or by themself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    host = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="registrations"
    )  # empty: registered by themself
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    street = models.CharField(max_length=300)
    arrival_date = models.DateField()
    valid_until = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-arrival_date", "-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="registration_one_active"
            ),
        ]
        indexes = [models.Index(fields=["person", "arrival_date"], name="registration_person_idx")]

    def __str__(self) -> str:
        return f"registration {self.pk}"
