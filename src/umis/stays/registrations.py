"""Registration at the place of stay: write services and the unregistered-stay rule.

A new registration of a person replaces the active one (a change of address), which is
kept as history; deregistration ends it on departure. The deadline and threshold come
from the policy pack (stays.registration.*)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.core.audit import audit_record, snapshot
from umis.core.constants import AuditAction
from umis.core.errors import FieldError, NotFound, ValidationFailed
from umis.core.models import City, Region, User
from umis.core.permissions import Perm, require
from umis.core.policy import get_policy
from umis.registry.models import Organisation, Person
from umis.stays.constants import RegistrationStatus
from umis.stays.models import Registration

FIELDS = (
    "person",
    "host",
    "region",
    "city",
    "street",
    "arrival_date",
    "valid_until",
    "ended_on",
    "status",
)


@dataclass
class RegistrationData:
    person_id: uuid.UUID
    region: str
    city: str
    street: str
    arrival_date: dt.date
    host_id: uuid.UUID | None = None


@transaction.atomic
def registration_create(*, actor: User, data: RegistrationData) -> Registration:
    require(actor, Perm.REGISTRATION_MANAGE)
    errors: list[FieldError] = []
    person = Person.objects.select_for_update().filter(pk=data.person_id).first()
    if person is None:
        errors.append(FieldError("person_id", "not_found", _("No such person.")))
    host = None
    if data.host_id:
        host = Organisation.objects.filter(pk=data.host_id, is_host=True).first()
        if host is None:
            errors.append(FieldError("host_id", "not_found", _("No registered host with this id.")))
    region = Region.objects.filter(code=data.region, is_active=True).first()
    city = City.objects.filter(code=data.city, is_active=True).first()
    if region is None:
        errors.append(
            FieldError(
                "region",
                "unknown_region",
                _("Unknown region '%(region)s'.") % {"region": data.region},
            )
        )
    if city is None or (region is not None and city.region_id != region.pk):
        errors.append(
            FieldError("city", "unknown_city", _("Unknown city '%(city)s'.") % {"city": data.city})
        )
    street = " ".join(data.street.split())[:300]
    if not street:
        errors.append(FieldError("street", "required", _("The street address is required.")))
    today = timezone.localdate()
    if data.arrival_date > today:
        errors.append(
            FieldError("arrival_date", "future_date", _("The arrival date is in the future."))
        )
    if errors:
        raise ValidationFailed(errors)
    assert person is not None and region is not None and city is not None
    validity = int(
        get_policy().value("stays.registration.validity_visa_free_days", on=data.arrival_date)
    )
    for old in Registration.objects.select_for_update().filter(
        person=person, status=RegistrationStatus.ACTIVE
    ):
        before = snapshot(old, FIELDS)
        old.status, old.ended_on = RegistrationStatus.ENDED, today
        old.save(update_fields=["status", "ended_on"])
        after = snapshot(old, FIELDS)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="stays.registration",
            object_id=old.pk,
            person_id=person.pk,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    registration = Registration.objects.create(
        person=person,
        host=host,
        region=region,
        city=city,
        street=street,
        arrival_date=data.arrival_date,
        valid_until=data.arrival_date + dt.timedelta(days=validity),
        registered_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="stays.registration",
        object_id=registration.pk,
        person_id=person.pk,
        changes={k: [None, v] for k, v in snapshot(registration, FIELDS).items() if v},
    )
    return registration


@transaction.atomic
def registration_end(
    *, actor: User, registration_id: uuid.UUID, ended_on: dt.date | None = None
) -> Registration:
    """Deregistration on departure."""
    require(actor, Perm.REGISTRATION_MANAGE)
    registration = Registration.objects.select_for_update().filter(pk=registration_id).first()
    if registration is None:
        raise NotFound("Registration", _("Registration not found"))
    ended_on = ended_on or timezone.localdate()
    if ended_on < registration.arrival_date:
        raise ValidationFailed(
            [FieldError("ended_on", "invalid_range", _("Ends before it starts."))]
        )
    if registration.status == RegistrationStatus.ACTIVE:
        before = snapshot(registration, FIELDS)
        registration.status, registration.ended_on = RegistrationStatus.ENDED, ended_on
        registration.save(update_fields=["status", "ended_on"])
        after = snapshot(registration, FIELDS)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="stays.registration",
            object_id=registration.pk,
            person_id=registration.person_id,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return registration


def unregistered_days(
    *, person_id: uuid.UUID, nationalities: list[str], since: dt.date, on: dt.date
) -> int:
    """Days past the registration deadline of the current stay (since `since`) without a
    registration made during it; 0 when none is needed yet or one exists."""
    pack = get_policy()
    variant = nationalities[0] if nationalities else None
    threshold = max(
        int(pack.value("stays.registration.required_after_days", on=since, variant=n))
        for n in (nationalities or [variant or ""])
    )
    deadline_days = max(
        int(pack.value("stays.registration.deadline_days", on=since, variant=n))
        for n in (nationalities or [variant or ""])
    )
    days_in_country = (on - since).days + 1
    deadline = since + dt.timedelta(days=deadline_days)
    if days_in_country <= threshold or on <= deadline:
        return 0
    if Registration.objects.filter(person_id=person_id, arrival_date__gte=since).exists():
        return 0
    return (on - deadline).days
