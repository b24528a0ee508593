"""Findings of the detection sweeps (fines and decisions on them come with enforcement),
registrations at the place of stay, and the stay rights a person holds: visas and
e-visas, and permit periods (residence permits and other statuses that lift the limit)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from umis.core.models import City, Region
from umis.identity.constants import LinkMethod
from umis.registry.models import Organisation, Person
from umis.stays.constants import (
    RegistrationStatus,
    RegistrationWarning,
    ViolationStatus,
    ViolationType,
)


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
    # The guest as sent (a source record keeps its own copy: hosts see only what they sent,
    # officers compare it with the registry). Normalised as validated, never updated from
    # the registry; blank when an officer registered by person id.
    family_name = models.CharField(max_length=150, blank=True)
    given_names = models.CharField(max_length=150, blank=True)
    birth_date = models.CharField(max_length=10, blank=True)  # YYYY, YYYY-MM or YYYY-MM-DD
    sex = models.CharField(max_length=1, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    document_number = models.CharField(max_length=30, blank=True)
    document_issuing_state = models.CharField(max_length=3, blank=True)
    # How `person` was found, and how sure ("" on rows stored before this was recorded).
    link_method = models.CharField(max_length=20, choices=LinkMethod.choices)
    link_score = models.FloatField(default=1.0)
    # The client's own id of the item: unique per host when given (idempotency key).
    reference = models.CharField(max_length=64, blank=True)
    # Codes of stays.constants.RegistrationWarning given when it was stored.
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-arrival_date", "-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="registration_one_active"
            ),
            # Two partial indexes: a NULL host (self-registrations) never collides in a
            # composite unique index.
            models.UniqueConstraint(
                fields=["host", "reference"],
                condition=~Q(reference="") & Q(host__isnull=False),
                name="registration_host_reference",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference="") & Q(host__isnull=True),
                name="registration_self_reference",
            ),
        ]
        indexes = [models.Index(fields=["person", "arrival_date"], name="registration_person_idx")]

    def __str__(self) -> str:
        return f"registration {self.pk}"

    @property
    def guest_name(self) -> str:
        """The guest's name as sent (not the registry's)."""
        return " ".join(p for p in (self.family_name, self.given_names) if p)

    @property
    def warning_labels(self) -> list[str]:
        return [
            str(RegistrationWarning(c).label)
            for c in self.warnings or []
            if c in RegistrationWarning.values
        ]


# --- stay rights ---------------------------------------------------------------------------
# Two tables, not one: a visa and a permit period have different fields and rules (entries
# and duration of stay vs. an open end), and each keeps its own constraints. The stay
# engine reads both in one query each (selectors.stay_rights_of).


class VisaKind(models.TextChoices):
    VISA = "visa", _("Visa")
    E_VISA = "e_visa", _("E-visa")


class VisaEntries(models.TextChoices):
    SINGLE = "single", _("Single entry")
    DOUBLE = "double", _("Double entry")
    MULTIPLE = "multiple", _("Multiple entry")


class StayDaysBasis(models.TextChoices):
    PER_ENTRY = "per_entry", _("Per entry")
    TOTAL = "total", _("In total over the visa")


class Visa(models.Model):
    """A visa or e-visa as issued (consulate, ASAN Visa): stays are allowed from an entry
    within ``valid_from``..``valid_to`` for ``stay_days`` days (per entry, or in total as
    the visa says; empty: up to the end of validity). A revoked visa covers no day from
    ``revoked_on``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="visas")
    kind = models.CharField(max_length=10, choices=VisaKind.choices)
    number = models.CharField(max_length=40)  # normalised: upper case, no spaces or hyphens
    entries = models.CharField(max_length=10, choices=VisaEntries.choices)
    valid_from = models.DateField()
    valid_to = models.DateField()
    stay_days = models.PositiveIntegerField(null=True, blank=True)
    stay_days_basis = models.CharField(
        max_length=10, choices=StayDaysBasis.choices, default=StayDaysBasis.PER_ENTRY
    )
    purpose = models.CharField(max_length=100, blank=True)
    issued_by = models.CharField(max_length=200, blank=True)  # "ASAN Visa", a consulate
    source = models.CharField(max_length=100, blank=True)  # the sending system or "counter"
    revoked_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "id"]
        constraints = [
            # The issuing systems number visas uniquely per kind: the idempotency key.
            models.UniqueConstraint(fields=["kind", "number"], name="visa_number_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")), name="visa_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(stay_days__isnull=True) | Q(stay_days__gte=1),
                name="visa_stay_days_positive",
            ),
        ]
        indexes = [models.Index(fields=["person", "valid_to"], name="visa_person_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class PermitPeriod(models.Model):
    """A period in which the person holds a residence permit or another status that lifts
    the stay limit (``kind``: a code of the policy pack's ``stays.exempt_statuses``). Its
    days are not counted; ``valid_to`` empty: open-ended (permanent residence). Ending it
    sets ``valid_to``; a revoked period (annulled, recorded in error) lifts nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="permit_periods")
    kind = models.CharField(max_length=40)
    number = models.CharField(max_length=40)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)  # a case number, "migration", ...
    ended_reason = models.CharField(max_length=300, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="permitperiod_number_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="permitperiod_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["person", "valid_from"], name="permitperiod_person_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


# --- detection sweeps' own state ---------------------------------------------------------


class SweepState(models.Model):
    """Where the detection sweeps (stays.sweeps) stand: the watermark of the incremental
    sweep. One row per sweep name."""

    name = models.CharField(max_length=40, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)  # BorderEvent.id seen by the last run
    last_run_on = models.DateField(null=True, blank=True)  # the day it evaluated
    last_run_at = models.DateTimeField(null=True, blank=True)  # when it started
    last_full_on = models.DateField(null=True, blank=True)
    last_deep_on = models.DateField(null=True, blank=True)  # full run over all border events
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"sweep {self.name}"


class PersonStay(models.Model):
    """A person in the country as the last sweep saw them: the current stay and the first
    day on which, without new data, the findings may change (the permitted-until or the
    registration deadline is passed, a permit ends, or an ongoing violation grows). The
    incremental sweep re-evaluates the rows that are due. Derived data: a full sweep
    rebuilds it."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    since = models.DateField()
    recheck_on = models.DateField(null=True, blank=True)
    evaluated_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["recheck_on"], name="personstay_recheck_idx")]

    def __str__(self) -> str:
        return f"stay of {self.person_id} since {self.since}"
