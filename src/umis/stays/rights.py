"""Stay rights: recording visas, e-visas and permit periods, and reading a person's rights.

* Visas and e-visas come from the visa-issuing systems (ASAN Visa, the consular system)
  in batches, or from an officer at the counter. A visa is identified by its kind and
  number: sending the same visa again changes nothing ("unchanged"); sending it with
  different data updates it ("updated", audited with the changed fields). A batch is
  checked item by item: bad items are reported with their index and field, good ones
  are stored. A visa names its holder by ``person_id`` or by the passport data, which
  the identity matcher links to a person (or a provisional person, as border events do).
* Permit periods (a residence permit, refugee status, another status that lifts the
  limit: the pack's ``stays.exempt_statuses``) are recorded by the case engine when it
  issues a permit (:func:`stay_permit_record`), or when existing permits are migrated;
  idempotent by kind and number in the same way. Ending one shortens it; revoking one
  (annulled, recorded in error) removes it from the computation.
* Nothing here decides a stay: the status is computed on read (selectors.stay_status),
  so a visa recorded after the border events applies to them at once. The visa number a
  border event carries is informational: the engine matches visas to stays by dates.

Every write is audited with the person it concerns; e-visa defaults and limits come from
the policy pack (``stays.e_visa.*``).
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
from umis.core.constants import AuditAction
from umis.core.errors import FieldError, NotFound, ValidationFailed
from umis.core.models import User
from umis.core.permissions import Perm, require
from umis.core.policy import PolicyKeyError, get_policy
from umis.identity.received import (
    ReceivedLookups,
    received_identity_clean,
    received_identity_link,
    received_lookups,
)
from umis.identity.received import clean_text as _text
from umis.registry import rules as registry_rules
from umis.registry.constants import NameSource
from umis.registry.models import Nationality, Person
from umis.stays.models import PermitPeriod, StayDaysBasis, Visa, VisaEntries, VisaKind
from umis.stays.selectors import StayStatus, stay_status

MAX_BATCH = 1000
VISA_FIELDS = (
    "person",
    "kind",
    "number",
    "entries",
    "valid_from",
    "valid_to",
    "stay_days",
    "stay_days_basis",
    "purpose",
    "issued_by",
    "source",
    "revoked_on",
    "revoke_reason",
)
PERMIT_FIELDS = (
    "person",
    "kind",
    "number",
    "valid_from",
    "valid_to",
    "source",
    "ended_reason",
    "revoked_at",
    "revoke_reason",
)
_EARLIEST = dt.date(1990, 1, 1)
_ENTRY_COUNT: dict[str, int] = {VisaEntries.SINGLE.value: 1, VisaEntries.DOUBLE.value: 2}
# What may change when a visa is sent again (the holder and the key may not).
_VISA_DATA = (
    "entries",
    "valid_from",
    "valid_to",
    "stay_days",
    "stay_days_basis",
    "purpose",
    "issued_by",
)


# --- small parsing helpers ------------------------------------------------------------------


def _date(raw: Any, name: str, errors: list[FieldError], *, required: bool) -> dt.date | None:
    if raw in (None, ""):
        if required:
            errors.append(FieldError(name, "required", _("The date is required.")))
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            errors.append(FieldError(name, "invalid_date", _("Use a date as YYYY-MM-DD.")))
            return None
    if value < _EARLIEST or value.year > 2200:
        errors.append(FieldError(name, "impossible_date", _("The date is not plausible.")))
        return None
    return value


def _positive_int(raw: Any, name: str, errors: list[FieldError]) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors.append(FieldError(name, "invalid", _("Enter a whole number of days.")))
        return None
    if value < 1 or value > 3650:
        errors.append(FieldError(name, "invalid", _("Enter between 1 and 3650 days.")))
        return None
    return value


def _number(raw: Any, errors: list[FieldError]) -> str:
    number = registry_rules.document_number_normalize(raw)
    if not number or not number.isalnum() or len(number) > 40:
        errors.append(
            FieldError(
                "number",
                "invalid",
                _("The number is required: letters and digits, at most 40."),
            )
        )
    return number


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


# --- visas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisaResult:
    index: int
    number: str
    status: str  # created | updated | unchanged | rejected
    visa_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    errors: tuple[FieldError, ...] = ()


@dataclass
class VisaData:
    """One visa for :func:`visa_record` (an officer's form). ``valid_to``, ``entries``
    and ``stay_days`` may be left empty for an e-visa: the pack's values apply."""

    person_id: uuid.UUID
    kind: str
    number: str
    valid_from: dt.date | None
    valid_to: dt.date | None = None
    entries: str = ""
    stay_days: int | None = None
    stay_days_basis: str = StayDaysBasis.PER_ENTRY
    purpose: str = ""
    issued_by: str = ""


IDENTITY_FIELDS = (
    "document_number",
    "document_issuing_state",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
)


@dataclass
class _Lookups:
    identity: ReceivedLookups
    persons: set[uuid.UUID] = field(default_factory=set)


def _visa_terms(item: Mapping[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    """The visa's own fields, checked; e-visa gaps filled from the policy pack."""
    out: dict[str, Any] = {}
    kind = _text(item.get("kind"), 10).lower() or VisaKind.VISA
    if kind not in VisaKind.values:
        errors.append(
            FieldError(
                "kind",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(VisaKind.values)},
            )
        )
    out["kind"] = kind
    out["number"] = _number(item.get("number"), errors)
    start = _date(item.get("valid_from"), "valid_from", errors, required=True)
    end = _date(item.get("valid_to"), "valid_to", errors, required=kind != VisaKind.E_VISA)
    entries = _text(item.get("entries"), 10).lower()
    stay_days = _positive_int(item.get("stay_days"), "stay_days", errors)
    basis = _text(item.get("stay_days_basis"), 10).lower() or StayDaysBasis.PER_ENTRY
    if basis not in StayDaysBasis.values:
        errors.append(
            FieldError(
                "stay_days_basis",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(StayDaysBasis.values)},
            )
        )
    if entries and entries not in VisaEntries.values:
        errors.append(
            FieldError(
                "entries",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(VisaEntries.values)},
            )
        )
    if kind == VisaKind.E_VISA and start is not None:
        pack = get_policy()
        try:
            validity = int(pack.value("stays.e_visa.validity_days", on=start))
            longest = int(pack.value("stays.e_visa.stay_days", on=start))
            max_entries = int(pack.value("stays.e_visa.entries", on=start))
        except PolicyKeyError:
            errors.append(
                FieldError(
                    "valid_from", "no_rule_in_force", _("No e-visa rule is in force on that date.")
                )
            )
        else:
            if end is None:
                end = start + dt.timedelta(days=validity - 1)
            elif (end - start).days + 1 > validity:
                errors.append(
                    FieldError(
                        "valid_to",
                        "too_long",
                        _("An e-visa is valid for at most %(days)s days.") % {"days": validity},
                    )
                )
            if stay_days is None:
                stay_days = longest
            elif stay_days > longest:
                errors.append(
                    FieldError(
                        "stay_days",
                        "too_long",
                        _("An e-visa allows a stay of at most %(days)s days.") % {"days": longest},
                    )
                )
            default = {1: VisaEntries.SINGLE, 2: VisaEntries.DOUBLE}.get(max_entries)
            entries = entries or str(default or VisaEntries.MULTIPLE)
            if entries in VisaEntries.values and _ENTRY_COUNT.get(entries, 10**6) > max_entries:
                errors.append(
                    FieldError(
                        "entries",
                        "invalid_choice",
                        _("An e-visa allows %(n)s entry/entries.") % {"n": max_entries},
                    )
                )
    if start is not None and end is not None and end < start:
        errors.append(FieldError("valid_to", "invalid_range", _("Ends before it starts.")))
    out.update(
        valid_from=start,
        valid_to=end,
        entries=entries or VisaEntries.SINGLE,
        stay_days=stay_days,
        stay_days_basis=basis,
        purpose=_text(item.get("purpose"), 100),
        issued_by=_text(item.get("issued_by"), 200),
    )
    return out


def _holder(
    actor: User, item: Mapping[str, Any], ref: _Lookups, errors: list[FieldError]
) -> uuid.UUID | None:
    """The person the visa belongs to: by id, or by the passport data through the matcher
    (a provisional person when nobody matches). Appends errors instead of raising."""
    raw_id = item.get("person_id")
    if raw_id not in (None, ""):
        try:
            person_id = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
        except ValueError:
            errors.append(FieldError("person_id", "invalid", _("Not a valid person id.")))
            return None
        if person_id not in ref.persons:
            if not Person.objects.filter(pk=person_id).exists():
                errors.append(FieldError("person_id", "not_found", _("No such person.")))
                return None
            ref.persons.add(person_id)
        return person_id
    local: list[FieldError] = []
    identity = received_identity_clean(
        item,
        ref.identity,
        local,
        document_type="passport",  # a visa is issued to a passport
        number_error=FieldError(
            "document_number",
            "required",
            _("Give the person id, or the passport number with the holder's details."),
        ),
    )
    if local:
        errors.extend(local)
        return None
    try:
        with transaction.atomic():
            person_id, _method, _score = received_identity_link(
                actor=actor,
                permission=Perm.STAY_RIGHTS_MANAGE,
                identity=identity,
                name_source=NameSource.PASSPORT,
            )
    except ValidationFailed as exc:
        errors.extend(exc.field_errors)
        return None
    return person_id


def _visa_store(
    actor: User, terms: Mapping[str, Any], person_id: uuid.UUID, source: str
) -> tuple[Visa | None, str, FieldError | None]:
    """Create or update one checked visa: (visa, status, error). Locks the existing row."""
    existing = (
        Visa.objects.select_for_update().filter(kind=terms["kind"], number=terms["number"]).first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                visa = Visa.objects.create(
                    person_id=person_id, source=source, created_by=actor, **terms
                )
        except IntegrityError:  # the same visa sent concurrently
            existing = Visa.objects.select_for_update().get(
                kind=terms["kind"], number=terms["number"]
            )
        else:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="stays.visa",
                object_id=visa.pk,
                person_id=person_id,
                changes={
                    k: [None, v]
                    for k, v in snapshot(visa, VISA_FIELDS).items()
                    if v not in (None, "")
                },
            )
            return visa, "created", None
    if existing.person_id != person_id:
        return (
            None,
            "rejected",
            FieldError(
                "number",
                "number_taken",
                _("This visa number is recorded for another person."),
            ),
        )
    before = snapshot(existing, VISA_FIELDS)
    for name in _VISA_DATA:
        setattr(existing, name, terms[name])
    after = snapshot(existing, VISA_FIELDS)
    changes = _changes(before, after)
    if not changes:
        return existing, "unchanged", None
    existing.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="stays.visa",
        object_id=existing.pk,
        person_id=person_id,
        changes=changes,
    )
    return existing, "updated", None


def visas_record(
    *, actor: User, items: Sequence[Mapping[str, Any]], source: str
) -> list[VisaResult]:
    """Record a batch of up to MAX_BATCH visas from a visa-issuing system (see the module
    docstring). ``source`` names the system, e.g. "ASAN Visa"."""
    require(actor, Perm.STAY_RIGHTS_MANAGE)
    source = _text(source, 100)
    ref = _Lookups(identity=received_lookups())
    results: list[VisaResult] = []
    with transaction.atomic():
        for index, item in enumerate(items):
            errors: list[FieldError] = []
            terms = _visa_terms(item, errors)
            person_id = None if errors else _holder(actor, item, ref, errors)
            if errors or person_id is None:
                results.append(VisaResult(index, terms["number"], "rejected", errors=tuple(errors)))
                continue
            visa, status, error = _visa_store(actor, terms, person_id, source)
            results.append(
                VisaResult(
                    index,
                    terms["number"],
                    status,
                    visa.pk if visa else None,
                    person_id,
                    (error,) if error else (),
                )
            )
    return results


def visa_record(*, actor: User, data: VisaData, source: str = "counter") -> tuple[Visa, str]:
    """Record one visa for a person of the registry (the officer's form): (visa, status
    created | updated | unchanged). Raises ValidationFailed naming the fields."""
    item = {**vars(data)}
    result = visas_record(actor=actor, items=[item], source=source)[0]
    if result.status == "rejected":
        raise ValidationFailed(list(result.errors))
    assert result.visa_id is not None
    return Visa.objects.get(pk=result.visa_id), result.status


@transaction.atomic
def visa_revoke(
    *, actor: User, visa_id: uuid.UUID, reason: str, effective_on: dt.date | None = None
) -> Visa:
    """Cancel a visa from ``effective_on`` (today if empty): it covers no day from then
    on (from its first day: it never applied). Revoking again changes nothing."""
    require(actor, Perm.STAY_RIGHTS_MANAGE)
    visa = Visa.objects.select_for_update().filter(pk=visa_id).first()
    if visa is None:
        raise NotFound("Visa", _("Visa not found"))
    reason = _text(reason, 300)
    errors: list[FieldError] = []
    if not reason:
        errors.append(FieldError("reason", "required", _("Say why the visa is cancelled.")))
    effective = _date(effective_on, "effective_on", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    if visa.revoked_at is not None:
        return visa
    before = snapshot(visa, VISA_FIELDS)
    visa.revoked_on = effective or timezone.localdate()
    visa.revoked_at = timezone.now()
    visa.revoke_reason = reason
    visa.save(update_fields=["revoked_on", "revoked_at", "revoke_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="stays.visa",
        object_id=visa.pk,
        person_id=visa.person_id,
        changes=_changes(before, snapshot(visa, VISA_FIELDS)),
    )
    return visa


# --- permit periods --------------------------------------------------------------------------


def exempt_status_choices(on: dt.date | None = None, language: str = "") -> list[tuple[str, str]]:
    """(code, name) of the permits and statuses that lift the limit, from the pack."""
    from django.utils.translation import get_language

    lang = (language or get_language() or "az")[:2]
    items = get_policy().value("stays.exempt_statuses", on=on or timezone.localdate())
    return [
        (str(i["code"]), str(i["name"].get(lang) or i["name"].get("en") or i["code"]))
        for i in items
    ]


@transaction.atomic
def stay_permit_record(
    *,
    actor: User,
    person_id: uuid.UUID,
    kind: str,
    number: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    source: str = "",
) -> tuple[PermitPeriod, str]:
    """Record a period in which the person holds a permit or status that lifts the stay
    limit: (period, created | updated | unchanged). The case engine calls it when it
    issues, extends or renews a permit (same kind and number: the period is updated, e.g.
    a new ``valid_to``); a migration of existing permits calls it per permit. ``kind`` is
    a code of the pack's ``stays.exempt_statuses``; ``valid_to`` None: open-ended."""
    require(actor, Perm.STAY_RIGHTS_MANAGE)
    errors: list[FieldError] = []
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        errors.append(FieldError("person_id", "not_found", _("No such person.")))
    start = _date(valid_from, "valid_from", errors, required=True)
    end = _date(valid_to, "valid_to", errors, required=False)
    if start is not None and end is not None and end < start:
        errors.append(FieldError("valid_to", "invalid_range", _("Ends before it starts.")))
    kind = _text(kind, 40).lower()
    try:
        codes = [c for c, _name in exempt_status_choices(start)] if start else []
    except PolicyKeyError:
        codes = []
    if start is not None and kind not in codes:
        errors.append(
            FieldError(
                "kind",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(codes) or "-"},
            )
        )
    clean_number = _number(number, errors)
    if errors:
        raise ValidationFailed(errors)
    assert person is not None and start is not None
    source = _text(source, 100)
    existing = (
        PermitPeriod.objects.select_for_update().filter(kind=kind, number=clean_number).first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                period = PermitPeriod.objects.create(
                    person=person,
                    kind=kind,
                    number=clean_number,
                    valid_from=start,
                    valid_to=end,
                    source=source,
                    created_by=actor,
                )
        except IntegrityError:
            existing = PermitPeriod.objects.select_for_update().get(kind=kind, number=clean_number)
        else:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="stays.permit_period",
                object_id=period.pk,
                person_id=person.pk,
                changes={
                    k: [None, v]
                    for k, v in snapshot(period, PERMIT_FIELDS).items()
                    if v not in (None, "")
                },
            )
            return period, "created"
    if existing.person_id != person.pk:
        raise ValidationFailed(
            [
                FieldError(
                    "number",
                    "number_taken",
                    _("This permit number is recorded for another person."),
                )
            ]
        )
    before = snapshot(existing, PERMIT_FIELDS)
    existing.valid_from, existing.valid_to = start, end
    if source:
        existing.source = source
    changes = _changes(before, snapshot(existing, PERMIT_FIELDS))
    if not changes:
        return existing, "unchanged"
    existing.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="stays.permit_period",
        object_id=existing.pk,
        person_id=existing.person_id,
        changes=changes,
    )
    return existing, "updated"


def _permit_for_update(permit_id: uuid.UUID) -> PermitPeriod:
    period = PermitPeriod.objects.select_for_update().filter(pk=permit_id).first()
    if period is None:
        raise NotFound("Permit period", _("Permit period not found"))
    return period


@transaction.atomic
def stay_permit_end(
    *, actor: User, permit_id: uuid.UUID, ended_on: dt.date, reason: str
) -> PermitPeriod:
    """End a permit period on ``ended_on`` (its last day): the permit was cancelled, the
    status ended, the person left for good. Never lengthens it (record the permit again
    with its new end to extend it)."""
    require(actor, Perm.STAY_RIGHTS_MANAGE)
    period = _permit_for_update(permit_id)
    errors: list[FieldError] = []
    end = _date(ended_on, "ended_on", errors, required=True)
    reason = _text(reason, 300)
    if not reason:
        errors.append(FieldError("reason", "required", _("Say why the period ends.")))
    if end is not None and end < period.valid_from:
        errors.append(FieldError("ended_on", "invalid_range", _("Ends before it starts.")))
    if end is not None and period.valid_to is not None and end > period.valid_to:
        errors.append(
            FieldError(
                "ended_on",
                "after_end",
                _("The period already ends on %(day)s.") % {"day": period.valid_to.isoformat()},
            )
        )
    if errors:
        raise ValidationFailed(errors)
    if period.revoked_at is not None:
        raise ValidationFailed(
            [FieldError("ended_on", "revoked", _("The period was revoked; it lifts nothing."))]
        )
    before = snapshot(period, PERMIT_FIELDS)
    period.valid_to, period.ended_reason = end, reason
    changes = _changes(before, snapshot(period, PERMIT_FIELDS))
    if changes:
        period.save(update_fields=["valid_to", "ended_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="stays.permit_period",
            object_id=period.pk,
            person_id=period.person_id,
            changes=changes,
        )
    return period


@transaction.atomic
def stay_permit_revoke(*, actor: User, permit_id: uuid.UUID, reason: str) -> PermitPeriod:
    """Revoke a permit period (annulled from the start, or recorded in error): it no
    longer lifts the limit on any day. Revoking again changes nothing."""
    require(actor, Perm.STAY_RIGHTS_MANAGE)
    period = _permit_for_update(permit_id)
    reason = _text(reason, 300)
    if not reason:
        raise ValidationFailed(
            [FieldError("reason", "required", _("Say why the period is revoked."))]
        )
    if period.revoked_at is None:
        before = snapshot(period, PERMIT_FIELDS)
        period.revoked_at, period.revoke_reason = timezone.now(), reason
        period.save(update_fields=["revoked_at", "revoke_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="stays.permit_period",
            object_id=period.pk,
            person_id=period.person_id,
            changes=_changes(before, snapshot(period, PERMIT_FIELDS)),
        )
    return period


# --- reading a person's rights ------------------------------------------------------------


@dataclass(frozen=True)
class PersonStayRights:
    visas: list[Visa]
    permits: list[PermitPeriod]
    status: StayStatus
    applies: uuid.UUID | None  # the record the permitted-until rests on


def person_stay_rights(
    *, actor: User, person_id: uuid.UUID, on: dt.date | None = None, purpose: str = ""
) -> PersonStayRights:
    """Every visa and permit period of a person (newest first, revoked ones included)
    and the stay status they give on ``on``, for the person page and the API. Audited
    as a read of the person's data."""
    require(actor, Perm.STAY_RIGHTS_VIEW)
    found = Person.objects.filter(pk=person_id).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound("Person")
    person_id = found  # a UUID, whatever the caller passed
    on = on or timezone.localdate()
    visas = list(Visa.objects.filter(person_id=person_id).order_by("-valid_from", "id"))
    permits = list(PermitPeriod.objects.filter(person_id=person_id).order_by("-valid_from", "id"))
    nationalities = list(
        Nationality.objects.filter(person_id=person_id, valid_to__isnull=True).values_list(
            "country_id", flat=True
        )
    )
    status = stay_status(person_id=person_id, nationalities=nationalities, on=on)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="stays.rights",
        object_id=person_id,
        person_id=person_id,
        purpose=purpose or "stay rights",
    )
    return PersonStayRights(
        visas=visas,
        permits=permits,
        status=status,
        applies=status.right.record_id if status.right else None,
    )
