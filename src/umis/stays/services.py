"""Detection sweeps: findings become Violations (fines and decisions come later).

Idempotent and safe to run on two workers at once: a finding is keyed by person, type
and stay (unique constraint), so a second run or a concurrent worker updates the same
row instead of adding one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from umis.border.selectors import persons_in_country
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.registry.models import Nationality
from umis.stays.constants import ViolationType
from umis.stays.models import Violation
from umis.stays.selectors import stay_status


@dataclass
class SweepResult:
    checked: int = 0
    created: int = 0
    updated: int = 0


def _record(
    person_id: uuid.UUID,
    stay_start: dt.date,
    facts: dict[str, object],
    result: SweepResult,
    kind: str = ViolationType.OVERSTAY,
) -> None:
    with transaction.atomic():
        existing = (
            Violation.objects.select_for_update()
            .filter(person_id=person_id, type=kind, stay_start=stay_start)
            .first()
        )
        if existing is not None:
            if existing.facts != facts:
                existing.facts = facts
                existing.save(update_fields=["facts", "updated_at"])
                result.updated += 1
            return
        try:
            with transaction.atomic():
                violation = Violation.objects.create(
                    person_id=person_id,
                    type=kind,
                    stay_start=stay_start,
                    facts=facts,
                    detected_at=timezone.now(),
                )
        except IntegrityError:  # another worker recorded it a moment ago
            return
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            object_type="stays.violation",
            object_id=violation.pk,
            person_id=violation.person_id,
            changes={"type": [None, violation.type], "facts": [None, facts]},
        )
        result.created += 1


def detect_overstays(*, on: dt.date | None = None) -> SweepResult:
    """Persons in the country past their permitted date become (or update) an overstay
    finding. Residence permits and pending applications will lift the limit through the
    stay engine's exempt periods when the permits issue lands."""
    on = on or timezone.localdate()
    result = SweepResult()
    people = persons_in_country()
    nationalities: dict[uuid.UUID, list[str]] = {}
    for person_id, country in Nationality.objects.filter(
        person_id__in=people, valid_to__isnull=True
    ).values_list("person_id", "country_id"):
        nationalities.setdefault(person_id, []).append(country)
    for person_id in people:
        result.checked += 1
        status = stay_status(
            person_id=person_id, nationalities=nationalities.get(person_id, []), on=on
        )
        if status.overstay_days <= 0 or status.since is None:
            continue
        facts: dict[str, object] = {
            "overstay_days": status.overstay_days,
            "permitted_until": status.permitted_until.isoformat()
            if status.permitted_until
            else None,
            "days_used": status.days_used,
            "basis": status.basis,
            "legal_ref": status.legal_ref,
            "as_of": on.isoformat(),
        }
        _record(person_id, status.since, facts, result)
    return result


def detect_unregistered_stays(*, on: dt.date | None = None) -> SweepResult:
    """Persons in the country past the registration deadline of their current stay with
    no registration made during it become (or update) an unregistered-stay finding."""
    from umis.stays.registrations import unregistered_days

    on = on or timezone.localdate()
    result = SweepResult()
    people = persons_in_country()
    nationalities: dict[uuid.UUID, list[str]] = {}
    for person_id, country in Nationality.objects.filter(
        person_id__in=people, valid_to__isnull=True
    ).values_list("person_id", "country_id"):
        nationalities.setdefault(person_id, []).append(country)
    for person_id in people:
        result.checked += 1
        status = stay_status(
            person_id=person_id, nationalities=nationalities.get(person_id, []), on=on
        )
        if status.since is None:
            continue
        late = unregistered_days(
            person_id=person_id,
            nationalities=nationalities.get(person_id, []),
            since=status.since,
            on=on,
        )
        if late <= 0:
            continue
        facts: dict[str, object] = {"days_past_deadline": late, "as_of": on.isoformat()}
        _record(person_id, status.since, facts, result, ViolationType.UNREGISTERED_STAY)
    return result
