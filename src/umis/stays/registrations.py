"""Registration at the place of stay: write services, the reads of the host portal and the
person page, and the unregistered-stay rule.

A person has at most one active registration (the database constraint
`registration_one_active`): a new registration replaces the active one (a change of
address), which is kept as history; deregistration ends it on departure. Deadlines,
thresholds and validity come from the policy pack (stays.registration.*).

Who registers:
- officers (Perm.REGISTRATION_MANAGE) at the counter, for any host or as a
  self-registration (no host), by person id or by travel document;
- host accounts (public users, active members of a host organisation, see
  `umis.core.permissions.require_host`) for their own organisation only, by travel
  document (hosts do not know UMIS ids).

`registrations_create_batch` checks items one by one: valid items are stored, invalid ones
are reported with their index and the field. A guest is linked with the identity matcher,
or a provisional person is created. A registration is a source record: it keeps the guest
as sent (names, birth date, sex, nationality, travel document; blank when an officer
registered by person id), how the person was linked (`link_method`, `link_score`), the
client's `reference` and the warnings given. Hosts only ever see what they sent, never
the registry's data about the person it was linked to (a wrong or foreign passport number
must not reveal someone else's name).

Resending is idempotent:
- by `reference` (optional, the client's id of the item, unique per host): the same
  reference with the same content (guest, address, arrival date) is a "duplicate" with
  the registration recorded the first time; the same reference with different content is
  rejected with code `reference_reused`, one error per field that differs, and changes
  nothing (a reference names one registration for good);
- otherwise by the natural key (person, host, arrival date, address): a "duplicate" of
  the registration recorded the first time, which keeps its first reference and received
  data.
A duplicate answers with the warnings given the first time.

Lateness is reported, never a reason to refuse: refusing a late registration would leave
the person unregistered, which is worse. The first registration is late after
`stays.registration.deadline_days` (calendar days, per nationality) from the arrival date
given; a change of address (the person has an active registration elsewhere) after
`stays.registration.change_of_address_working_days` working days (national holiday
calendar of the pack). Both come back as warnings on `arrival_date` and are written to
the audit record of the registration.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.core.audit import audit_record, snapshot
from umis.core.calendar import add_working_days
from umis.core.constants import AuditAction
from umis.core.errors import (
    ApplicationError,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from umis.core.models import City, Region, User
from umis.core.permissions import (
    Perm,
    has_perm,
    host_organisation_ids,
    is_host_member,
    require,
    require_host,
)
from umis.core.policy import PolicyKeyError, get_policy
from umis.identity.constants import LinkMethod
from umis.identity.received import (
    ReceivedLookups,
    received_identity_clean,
    received_identity_link,
    received_lookups,
)
from umis.identity.received import clean_text as _text
from umis.registry.constants import NameSource
from umis.registry.models import Nationality, Organisation, Person
from umis.stays.constants import RegistrationStatus, RegistrationWarning
from umis.stays.models import Registration

# A batch is one transaction holding the row locks of its guests: bounded so that a
# hotel's daily check-ins (hundreds) fit and no request holds locks for long. Larger
# files are sent in several batches.
MAX_BATCH = 500

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
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
    "document_type",
    "document_number",
    "document_issuing_state",
    "link_method",
    "link_score",
    "reference",
)

# The guest as sent, stored on the registration (see the module docstring).
RECEIVED_FIELDS = (
    "document_type",
    "document_number",
    "document_issuing_state",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
)

# The columns of an item (API, CSV upload, portal form), in the CSV template's order.
ITEM_FIELDS = (
    "reference",
    "document_type",
    "document_number",
    "document_issuing_state",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
    "arrival_date",
    "region",
    "city",
    "street",
)


@dataclass
class RegistrationData:
    person_id: uuid.UUID
    region: str
    city: str
    street: str
    arrival_date: dt.date
    host_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ItemResult:
    index: int
    reference: str
    status: str  # created | duplicate | rejected
    registration_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    valid_until: dt.date | None = None
    errors: tuple[FieldError, ...] = ()
    warnings: tuple[FieldError, ...] = ()
    link_method: str = ""  # officers only, like person_id
    link_score: float | None = None


@dataclass
class BatchReport:
    host_id: uuid.UUID | None
    results: list[ItemResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


# --- small helpers -------------------------------------------------------------------------


def _date(raw: Any, name: str, errors: list[FieldError]) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(_text(raw, 10))
    except ValueError:
        errors.append(FieldError(name, "invalid_date", _("Give the date as YYYY-MM-DD.")))
        return None


@dataclass(frozen=True)
class _Lookups:
    identity: ReceivedLookups
    regions: Mapping[str, Region]
    cities: Mapping[str, City]


def _lookups() -> _Lookups:
    return _Lookups(
        identity=received_lookups(),
        regions={r.code: r for r in Region.objects.filter(is_active=True)},
        cities={c.code: c for c in City.objects.filter(is_active=True)},
    )


def _place(
    item: Mapping[str, Any], ref: _Lookups, host: Organisation | None, errors: list[FieldError]
) -> dict[str, Any]:
    region_code = _text(item.get("region"), 20).lower()
    city_code = _text(item.get("city"), 30).lower()
    street = _text(item.get("street"), 300)
    if not (region_code or city_code or street) and host is not None and host.city_id:
        # A hotel registers guests at its own address: empty address = the host's.
        return {"region": host.region, "city": host.city, "street": host.street}
    region = ref.regions.get(region_code)
    city = ref.cities.get(city_code)
    if region is None:
        errors.append(
            FieldError(
                "region",
                "unknown_region",
                _("Unknown region '%(region)s'.") % {"region": region_code},
            )
        )
    if city is None:
        errors.append(
            FieldError("city", "unknown_city", _("Unknown city '%(city)s'.") % {"city": city_code})
        )
    elif region is not None and city.region_id != region.pk:
        errors.append(
            FieldError(
                "city",
                "city_not_in_region",
                _("%(city)s is not in %(region)s.") % {"city": city.name, "region": region.name},
            )
        )
    if not street:
        errors.append(FieldError("street", "required", _("The street address is required.")))
    return {"region": region, "city": city, "street": street}


def _validate(
    item: Mapping[str, Any], ref: _Lookups, host: Organisation | None, officer: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    data: dict[str, Any] = {}
    raw_person = item.get("person_id")
    if raw_person not in (None, ""):
        if not officer:
            errors.append(
                FieldError(
                    "person_id",
                    "not_allowed",
                    _("Hosts identify guests by their travel document, not by a person id."),
                )
            )
        else:
            try:
                person_id = uuid.UUID(str(raw_person))
            except ValueError:
                person_id = None
            if person_id is None or not Person.objects.filter(pk=person_id).exists():
                errors.append(FieldError("person_id", "not_found", _("No such person.")))
            data["person_id"] = person_id
    else:
        # The guest's identity as read from the travel document.
        data.update(received_identity_clean(item, ref.identity, errors, name_rule="family"))
    data.update(_place(item, ref, host, errors))
    arrival = _date(item.get("arrival_date"), "arrival_date", errors)
    if arrival is not None:
        today = timezone.localdate()
        if arrival > today:
            errors.append(
                FieldError("arrival_date", "future_date", _("The arrival date is in the future."))
            )
        else:
            try:
                get_policy().rule("stays.registration.validity_visa_free_days", on=arrival)
            except PolicyKeyError:
                errors.append(
                    FieldError(
                        "arrival_date",
                        "no_rule_in_force",
                        _("No registration rule is in force on that date."),
                    )
                )
    data["arrival_date"] = arrival
    return data, errors


# --- linking the guest --------------------------------------------------------------------


def _link(actor: User, data: Mapping[str, Any], permission: Perm) -> tuple[uuid.UUID, str, float]:
    """The person a guest is, with the link method and score: the given id, the identity
    matcher's match, or a new provisional person holding the travel document."""
    if data.get("person_id"):
        return uuid.UUID(str(data["person_id"])), LinkMethod.OFFICER.value, 1.0
    return received_identity_link(
        actor=actor, permission=permission, identity=data, name_source=NameSource.STAY_REGISTRATION
    )


# --- the rules applied to one registration ------------------------------------------------


def _valid_until(person_id: uuid.UUID, arrival: dt.date) -> dt.date:
    """Visa holders: the visa's period of stay; everyone else: the visa-free term."""
    from umis.stays.selectors import stay_rights_of

    pack = get_policy()
    if pack.value("stays.registration.validity_visa_holder", on=arrival) == "visa_period":
        ends = []
        for right in stay_rights_of([person_id], arrival).get(person_id, []):
            if right.kind == "permit" or right.valid_to is None:
                continue
            if right.valid_from <= arrival <= right.valid_to:
                end = right.valid_to
                if right.max_stay_days is not None:
                    end = min(end, arrival + dt.timedelta(days=right.max_stay_days - 1))
                ends.append(end)
        if ends:
            return max(ends)
    # Visa-free, or a visa that is not on record (visa records are filled in by the
    # visa register): the visa-free term, the shorter and the safer assumption.
    days = int(pack.value("stays.registration.validity_visa_free_days", on=arrival))
    return arrival + dt.timedelta(days=days)


def _lateness(
    *, nationalities: list[str], arrival: dt.date, moving: bool, today: dt.date
) -> list[FieldError]:
    """Warnings when the registration is made after its deadline (see the module doc)."""
    pack = get_policy()
    try:
        if moving:
            days = int(pack.value("stays.registration.change_of_address_working_days", on=arrival))
            deadline = add_working_days(arrival, days, pack=pack)
            code = RegistrationWarning.LATE_CHANGE_OF_ADDRESS.value
        else:
            days = max(
                int(pack.value("stays.registration.deadline_days", on=arrival, variant=n))
                for n in (nationalities or ["default"])
            )
            deadline = arrival + dt.timedelta(days=days)
            code = RegistrationWarning.LATE_REGISTRATION.value
    except PolicyKeyError:  # no such rule on that date: nothing to report
        return []
    if today <= deadline:
        return []
    late = (today - deadline).days
    message = (
        _(
            "Registered %(days)d day(s) after the deadline of %(deadline)s "
            "(%(n)d working days after moving in)."
        )
        if moving
        else _("Registered %(days)d day(s) after the deadline of %(deadline)s (%(n)d days).")
    ) % {"days": late, "deadline": deadline.isoformat(), "n": days}
    return [FieldError("arrival_date", code, message)]


def _audit(actor: User, action: AuditAction, registration: Registration, changes: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="stays.registration",
        object_id=registration.pk,
        person_id=registration.person_id,
        changes=changes,
    )


def _end(actor: User, registration: Registration, ended_on: dt.date) -> None:
    before = snapshot(registration, FIELDS)
    registration.status, registration.ended_on = RegistrationStatus.ENDED, ended_on
    registration.save(update_fields=["status", "ended_on"])
    after = snapshot(registration, FIELDS)
    _audit(
        actor,
        AuditAction.UPDATE,
        registration,
        {k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )


def _stored_warnings(registration: Registration) -> list[FieldError]:
    """The warnings given when the registration was stored, for the answer to a resend."""
    return [
        FieldError("arrival_date", code, str(RegistrationWarning(code).label))
        for code in registration.warnings or []
        if code in RegistrationWarning.values
    ]


def _differences(registration: Registration, data: Mapping[str, Any]) -> list[str]:
    """The item fields in which `data` differs from what `registration` was made from."""
    fields: list[str] = []
    if data.get("person_id"):
        if (
            registration.link_method != LinkMethod.OFFICER
            or registration.person_id != (data["person_id"])
        ):
            fields.append("person_id")
    else:
        fields += [f for f in RECEIVED_FIELDS if getattr(registration, f) != data.get(f, "")]
    if registration.arrival_date != data["arrival_date"]:
        fields.append("arrival_date")
    if registration.region_id != data["region"].pk:
        fields.append("region")
    if registration.city_id != data["city"].pk:
        fields.append("city")
    if registration.street != data["street"]:
        fields.append("street")
    return fields


def _registration_of_item(
    actor: User,
    *,
    host: Organisation | None,
    data: Mapping[str, Any],
    reference: str,
    permission: Perm,
) -> tuple[Registration, bool, list[FieldError]]:
    """The registration of one valid item: (registration, created, warnings). A known
    reference answers for itself (see the module docstring); otherwise the guest is
    linked and registered."""
    if reference:
        earlier = Registration.objects.filter(host=host, reference=reference).first()
        if earlier is not None:
            differing = _differences(earlier, data)
            if differing:
                raise ValidationFailed(
                    [
                        FieldError(
                            name,
                            "reference_reused",
                            _(
                                "The reference %(reference)s was already used for a "
                                "registration with a different %(field)s: send the item as "
                                "first sent, or give it a new reference."
                            )
                            % {"reference": reference, "field": name},
                        )
                        for name in differing
                    ]
                )
            return earlier, False, _stored_warnings(earlier)
    person_id, method, score = _link(actor, data, permission)
    return _register(
        actor,
        person_id=person_id,
        host=host,
        region=data["region"],
        city=data["city"],
        street=data["street"],
        arrival_date=data["arrival_date"],
        received={f: data.get(f, "") for f in RECEIVED_FIELDS},
        link_method=method,
        link_score=score,
        reference=reference,
    )


def _register(
    actor: User,
    *,
    person_id: uuid.UUID,
    host: Organisation | None,
    region: Region,
    city: City,
    street: str,
    arrival_date: dt.date,
    received: Mapping[str, str],
    link_method: str,
    link_score: float,
    reference: str,
) -> tuple[Registration, bool, list[FieldError]]:
    """One registration: (registration, created, warnings). Locks the person first, so
    concurrent registrations of one person are serialised and a resend finds the first."""
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFound("Person", _("No such person."))
    same = Registration.objects.filter(
        person=person,
        host=host,
        arrival_date=arrival_date,
        region=region,
        city=city,
        street=street,
    ).first()
    if same is not None:
        return same, False, _stored_warnings(same)
    today = timezone.localdate()
    active = list(
        Registration.objects.select_for_update().filter(
            person=person, status=RegistrationStatus.ACTIVE
        )
    )
    nationalities = list(
        Nationality.objects.filter(person=person, valid_to__isnull=True).values_list(
            "country_id", flat=True
        )
    )
    warnings = _lateness(
        nationalities=nationalities, arrival=arrival_date, moving=bool(active), today=today
    )
    later = [r for r in active if r.arrival_date > arrival_date]
    registration = Registration(
        person=person,
        host=host,
        region=region,
        city=city,
        street=street,
        arrival_date=arrival_date,
        valid_until=_valid_until(person.pk, arrival_date),
        registered_by=actor,
        link_method=link_method,
        link_score=link_score,
        reference=reference,
        **received,
    )
    if later:
        # A stay reported after the person had already moved on (a late batch): kept as
        # history, ended when the newer stay began; the newer registration stays active.
        registration.status = RegistrationStatus.ENDED
        registration.ended_on = min(r.arrival_date for r in later)
        warnings.append(
            FieldError(
                "arrival_date",
                RegistrationWarning.SUPERSEDED.value,
                _("The guest is already registered at a place of stay from a later date."),
            )
        )
    else:
        for old in active:
            # The old stay ended when the person moved in here.
            _end(actor, old, max(old.arrival_date, min(arrival_date, today)))
    registration.warnings = [w.code for w in warnings]
    registration.save()
    changes: dict[str, Any] = {k: [None, v] for k, v in snapshot(registration, FIELDS).items() if v}
    if warnings:
        changes["warnings"] = [None, [w.code for w in warnings]]
    _audit(actor, AuditAction.CREATE, registration, changes)
    return registration, True, warnings


# --- services ------------------------------------------------------------------------------


def _batch_host(actor: User, host_id: uuid.UUID | None, officer: bool) -> Organisation | None:
    """The host the batch registers for (None: self-registrations at the counter)."""
    if host_id is None:
        if officer:
            return None
        ids = host_organisation_ids(actor)
        if not ids:
            raise Forbidden(_("Your account does not act for a host."))
        if len(ids) > 1:
            raise ValidationFailed(
                [
                    FieldError(
                        "host_id",
                        "required",
                        _("You act for several hosts: give the id of the one registering."),
                    )
                ]
            )
        host_id = ids[0]
    if not officer:
        require_host(actor, host_id)
    host = Organisation.objects.filter(pk=host_id, is_host=True).first()
    if host is None:
        raise ValidationFailed(
            [FieldError("host_id", "not_found", _("No registered host with this id."))]
        )
    return host


def registrations_create_batch(
    *, actor: User, host_id: uuid.UUID | None, items: Sequence[Mapping[str, Any]]
) -> BatchReport:
    """Register up to MAX_BATCH guests; see the module docstring. Each item: optional
    `reference` (the client's id: idempotency key, echoed back), the guest (`person_id`
    for officers, or the travel document: document_type, document_number,
    document_issuing_state, family_name, given_names, birth_date, sex, nationality), the
    address (region, city, street; empty: the host's address) and arrival_date."""
    officer = has_perm(actor, Perm.REGISTRATION_MANAGE)
    host = _batch_host(actor, host_id, officer)
    if len(items) > MAX_BATCH:
        raise ValidationFailed(
            [
                FieldError(
                    "items",
                    "too_many",
                    _("At most %(n)d guests per batch.") % {"n": MAX_BATCH},
                )
            ]
        )
    permission = Perm.REGISTRATION_MANAGE if officer else Perm.HOST_REGISTER
    ref = _lookups()
    report = BatchReport(host_id=host.pk if host else None)
    with transaction.atomic():
        for index, item in enumerate(items):
            reference = _text(item.get("reference"), 100)
            data, errors = _validate(item, ref, host, officer)
            if len(reference) > 64:
                # Never cut: two long references must not become one.
                errors.append(FieldError("reference", "too_long", _("At most 64 characters.")))
            if errors:
                report.results.append(
                    ItemResult(index, reference, "rejected", errors=tuple(errors))
                )
                continue
            result = None
            for _attempt in range(2):
                try:
                    with transaction.atomic():
                        registration, created, warnings = _registration_of_item(
                            actor, host=host, data=data, reference=reference, permission=permission
                        )
                except IntegrityError:
                    # Another request created the same guest, registration or reference
                    # meanwhile: the second attempt links to / finds what it stored.
                    continue
                except Conflict as exc:
                    if exc.code != "duplicate_document":
                        raise
                    continue  # the same unknown guest's document, stored concurrently
                except (ValidationFailed, NotFound) as exc:
                    result = ItemResult(index, reference, "rejected", errors=_item_errors(exc))
                    break
                result = ItemResult(
                    index,
                    reference,
                    "created" if created else "duplicate",
                    registration.pk,
                    registration.person_id if officer else None,
                    registration.valid_until,
                    warnings=tuple(warnings),
                    link_method=registration.link_method if officer else "",
                    link_score=registration.link_score if officer else None,
                )
                break
            if result is None:
                result = ItemResult(
                    index,
                    reference,
                    "rejected",
                    errors=(
                        FieldError(
                            "document_number",
                            "conflict",
                            _("Registered concurrently by another request: send it again."),
                        ),
                    ),
                )
            report.results.append(result)
    return report


def _item_errors(exc: ApplicationError) -> tuple[FieldError, ...]:
    if exc.field_errors:
        return tuple(exc.field_errors)
    return (FieldError("person_id", exc.code, exc.detail),)


@transaction.atomic
def registration_create(*, actor: User, data: RegistrationData) -> Registration:
    """One registration by person id (the counter). Idempotent like the batch."""
    require(actor, Perm.REGISTRATION_MANAGE)
    item = {
        "person_id": str(data.person_id),
        "region": data.region,
        "city": data.city,
        "street": data.street,
        "arrival_date": data.arrival_date,
    }
    report = registrations_create_batch(actor=actor, host_id=data.host_id, items=[item])
    result = report.results[0]
    if result.status == "rejected":
        raise ValidationFailed(list(result.errors))
    assert result.registration_id is not None
    return Registration.objects.get(pk=result.registration_id)


@transaction.atomic
def registration_end(
    *, actor: User, registration_id: uuid.UUID, ended_on: dt.date | None = None
) -> Registration:
    """Deregistration on departure, by an officer or by the host that registered."""
    registration = Registration.objects.select_for_update().filter(pk=registration_id).first()
    if not has_perm(actor, Perm.REGISTRATION_MANAGE):
        if registration is None or registration.host_id is None:
            # Hosts learn nothing about registrations that are not theirs.
            require(actor, Perm.REGISTRATION_MANAGE)
        assert registration is not None
        require_host(actor, registration.host_id)
    if registration is None:
        raise NotFound("Registration", _("Registration not found"))
    today = timezone.localdate()
    ended_on = ended_on or today
    if ended_on < registration.arrival_date:
        raise ValidationFailed(
            [FieldError("ended_on", "invalid_range", _("Ends before it starts."))]
        )
    if ended_on > today:
        raise ValidationFailed(
            [FieldError("ended_on", "future_date", _("The departure date is in the future."))]
        )
    if registration.status == RegistrationStatus.ACTIVE:
        _end(actor, registration, ended_on)
    return registration


# --- reads ---------------------------------------------------------------------------------


def host_guests(
    *, actor: User, organisation_id: uuid.UUID, active: bool = True, limit: int = 200
) -> list[Registration]:
    """A host's registrations (active ones, or the most recent), for the host portal.
    Only the host's own members (and officers) see them; show hosts `guest_name` and the
    other received fields, not `person`."""
    if not has_perm(actor, Perm.ORGANISATION_VIEW):
        require_host(actor, organisation_id)
    qs = Registration.objects.filter(host_id=organisation_id)
    if active:
        qs = qs.filter(status=RegistrationStatus.ACTIVE)
        order = ["-arrival_date", "-registered_at"]
    else:
        order = ["-registered_at"]
    # Hosts get the guests as they sent them, never the registry's person (see the module
    # docstring): the person is not even loaded for them.
    related = ("person", "region", "city") if actor.role else ("region", "city")
    rows = list(qs.select_related(*related).order_by(*order)[: max(1, min(limit, 500))])
    if actor.role and rows:
        # An officer looking at a host's guests reads personal data: who saw whom.
        audit_record(
            actor=actor,
            action=AuditAction.SEARCH,
            object_type="stays.registration",
            purpose="host guests",
            changes={
                "host": [None, str(organisation_id)],
                "shown": [None, [str(r.person_id) for r in rows]],
            },
        )
    return rows


def person_registrations(*, actor: User, person_id: uuid.UUID) -> list[Registration]:
    """A person's registrations, newest first (the person page)."""
    require(actor, Perm.PERSON_VIEW)
    return list(
        Registration.objects.filter(person_id=person_id)
        .select_related("host", "region", "city", "registered_by")
        .order_by("-arrival_date", "-registered_at")
    )


def is_own_registration(actor: User, registration: Registration) -> bool:
    return registration.host_id is not None and is_host_member(actor, registration.host_id)


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
