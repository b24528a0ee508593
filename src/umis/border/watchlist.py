"""Entry bans and invalid (lost, stolen, revoked, forged) documents: the lists a border
check consults. Writes are audited; bulk loads are idempotent per document."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.border.constants import InvalidReason
from umis.border.models import EntryBan, InvalidDocument
from umis.core.audit import audit_record, snapshot
from umis.core.constants import AuditAction
from umis.core.errors import FieldError, NotFound, ValidationFailed
from umis.core.models import Country, User
from umis.core.pagination import Page, paginate
from umis.core.permissions import Perm, require
from umis.registry.models import Person
from umis.registry.rules import document_number_normalize

BAN_FIELDS = (
    "person",
    "document_issuing_state",
    "document_number",
    "legal_basis",
    "authority",
    "valid_from",
    "valid_to",
    "lifted_at",
    "lifted_reason",
)
MAX_BATCH = 10_000


def _country_ok(code: str) -> bool:
    return Country.objects.filter(pk=code, is_active=True).exists()


@dataclass
class EntryBanData:
    legal_basis: str
    authority: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    person_id: uuid.UUID | None = None
    document_issuing_state: str = ""
    document_number: str = ""


@transaction.atomic
def entry_ban_create(*, actor: User, data: EntryBanData) -> EntryBan:
    require(actor, Perm.WATCHLIST_MANAGE)
    errors: list[FieldError] = []
    person = None
    if data.person_id:
        person = Person.objects.filter(pk=data.person_id).first()
        if person is None:
            errors.append(FieldError("person_id", "not_found", _("No such person.")))
    state = (data.document_issuing_state or "").strip().upper()
    number = document_number_normalize(data.document_number)
    if not person and not (state and number):
        errors.append(
            FieldError(
                "document_number",
                "required",
                _("Name a person of the registry or a document (issuing state and number)."),
            )
        )
    if state and not _country_ok(state):
        errors.append(
            FieldError(
                "document_issuing_state",
                "unknown_country",
                _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.") % {"code": state},
            )
        )
    if not " ".join(data.legal_basis.split()):
        errors.append(FieldError("legal_basis", "required", _("Give the legal basis.")))
    if not " ".join(data.authority.split()):
        errors.append(
            FieldError("authority", "required", _("Give the authority that decided the ban."))
        )
    if data.valid_to and data.valid_to < data.valid_from:
        errors.append(FieldError("valid_to", "invalid_range", _("Ends before it starts.")))
    if errors:
        raise ValidationFailed(errors)
    ban = EntryBan.objects.create(
        person=person,
        document_issuing_state=state,
        document_number=number,
        legal_basis=" ".join(data.legal_basis.split())[:300],
        authority=" ".join(data.authority.split())[:200],
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="border.entryban",
        object_id=ban.pk,
        person_id=ban.person_id,
        changes={k: [None, v] for k, v in snapshot(ban, BAN_FIELDS).items() if v},
    )
    return ban


@transaction.atomic
def entry_ban_lift(*, actor: User, ban_id: uuid.UUID, reason: str) -> EntryBan:
    require(actor, Perm.WATCHLIST_MANAGE)
    ban = EntryBan.objects.select_for_update().filter(pk=ban_id).first()
    if ban is None:
        raise NotFound("Entry ban", _("Entry ban not found"))
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise ValidationFailed([FieldError("reason", "required", _("Say why the ban is lifted."))])
    if ban.lifted_at is None:
        before = snapshot(ban, BAN_FIELDS)
        ban.lifted_at, ban.lifted_reason = timezone.now(), reason
        ban.save(update_fields=["lifted_at", "lifted_reason"])
        after = snapshot(ban, BAN_FIELDS)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="border.entryban",
            object_id=ban.pk,
            person_id=ban.person_id,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return ban


def entry_bans_in_force(
    *, person_id: uuid.UUID | None, issuing_state: str, number: str, on: dt.date
) -> list[EntryBan]:
    """Bans that apply on `on` to the person or to the document (system use: the border
    check is authorised by its caller)."""
    from django.db.models import Q

    match = Q(
        document_issuing_state=issuing_state, document_number=document_number_normalize(number)
    )
    if person_id:
        match |= Q(person_id=person_id)
    return list(
        EntryBan.objects.filter(match, lifted_at__isnull=True, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    )


def entry_ban_list(
    *,
    actor: User,
    person_id: uuid.UUID | None = None,
    in_force_only: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> Page[EntryBan]:
    require(actor, Perm.WATCHLIST_VIEW)
    qs = EntryBan.objects.all()
    if person_id:
        qs = qs.filter(person_id=person_id)
    if in_force_only:
        qs = qs.filter(lifted_at__isnull=True)
    return paginate(qs.order_by("-valid_from", "id"), page, page_size)


@dataclass(frozen=True)
class RowResult:
    index: int
    status: str  # created | unchanged | updated | rejected
    errors: tuple[FieldError, ...] = ()


def invalid_documents_load(
    *, actor: User, rows: Sequence[Mapping[str, Any]], source: str
) -> list[RowResult]:
    """Load reports of invalid documents; a document already listed is updated only if
    the reason changed. Bad rows are reported, good rows stored."""
    require(actor, Perm.WATCHLIST_MANAGE)
    countries = set(Country.objects.filter(is_active=True).values_list("pk", flat=True))
    results: list[RowResult] = []
    changed = 0
    with transaction.atomic():
        for index, row in enumerate(rows):
            errors: list[FieldError] = []
            state = str(row.get("issuing_state") or "").strip().upper()
            number = document_number_normalize(row.get("number"))
            reason = str(row.get("reason") or "").strip().lower()
            if state not in countries:
                errors.append(
                    FieldError(
                        "issuing_state",
                        "unknown_country",
                        _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.")
                        % {"code": state},
                    )
                )
            if not number or not number.isalnum() or len(number) > 30:
                errors.append(
                    FieldError(
                        "number",
                        "invalid",
                        _("The document number is required: letters and digits."),
                    )
                )
            if reason not in InvalidReason.values:
                errors.append(
                    FieldError(
                        "reason",
                        "invalid_choice",
                        _("Use one of %(choices)s.") % {"choices": ", ".join(InvalidReason.values)},
                    )
                )
            reported = row.get("reported_on") or timezone.localdate()
            if isinstance(reported, str):
                try:
                    reported = dt.date.fromisoformat(reported)
                except ValueError:
                    errors.append(
                        FieldError("reported_on", "invalid_date", _("Use a date as YYYY-MM-DD."))
                    )
            if errors:
                results.append(RowResult(index, "rejected", tuple(errors)))
                continue
            existing = InvalidDocument.objects.filter(issuing_state=state, number=number).first()
            if existing is None:
                InvalidDocument.objects.create(
                    issuing_state=state,
                    number=number,
                    reason=reason,
                    reported_on=reported,
                    source=source[:100],
                )
                results.append(RowResult(index, "created"))
                changed += 1
            elif existing.reason != reason:
                existing.reason, existing.reported_on = reason, reported
                existing.save(update_fields=["reason", "reported_on"])
                results.append(RowResult(index, "updated"))
                changed += 1
            else:
                results.append(RowResult(index, "unchanged"))
        if changed:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="border.invaliddocument",
                object_id=f"batch:{changed}",
                changes={"source": [None, source], "rows": [None, changed]},
            )
    return results


def invalid_document_find(*, issuing_state: str, number: str) -> InvalidDocument | None:
    return InvalidDocument.objects.filter(
        issuing_state=issuing_state, number=document_number_normalize(number)
    ).first()
