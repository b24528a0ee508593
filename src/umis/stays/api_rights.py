"""/api/v1 stay rights: visas and e-visas from the visa-issuing systems, permit periods
from the case engine (and migrations), and a person's rights. Mounted under the stays
router (stays/api.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.permissions import Perm
from umis.core.schemas import FieldErrorOut, SafeStr, errors
from umis.stays import rights

router = Router(tags=["stays"], auth=STAFF_AUTH)


class VisaItemIn(Schema):
    """One visa as the issuing system sends it. Checked item by item (a bad item is
    reported, the others stored), so fields are loosely typed here."""

    kind: str | None = Field(None, description="visa | e_visa")
    number: str | None = Field(None, description="The visa or e-visa number (idempotency key)")
    entries: str | None = Field(None, description="single | double | multiple")
    valid_from: str | None = Field(None, description="YYYY-MM-DD")
    valid_to: str | None = Field(None, description="YYYY-MM-DD; e-visa: from the policy pack")
    stay_days: int | None = Field(None, description="Period of stay; e-visa: from the pack")
    stay_days_basis: str | None = Field(None, description="per_entry (default) | total")
    purpose: str | None = None
    issued_by: str | None = Field(None, description="e.g. 'ASAN Visa', 'Consulate in Berlin'")
    person_id: uuid.UUID | None = Field(None, description="The holder, if known; else:")
    document_number: str | None = Field(None, description="Passport number of the holder")
    document_issuing_state: str | None = Field(None, description="ISO 3166-1 alpha-3")
    family_name: str | None = None
    given_names: str | None = None
    birth_date: str | None = Field(None, description="YYYY-MM-DD, YYYY-MM or YYYY")
    sex: str | None = Field(None, description="M | F | X")
    nationality: str | None = Field(None, description="ISO 3166-1 alpha-3")


class VisaBatchIn(Schema):
    source: SafeStr = Field(
        min_length=1, max_length=100, description="The sending system, e.g. 'ASAN Visa'"
    )
    visas: list[VisaItemIn] = Field(min_length=1, max_length=rights.MAX_BATCH)


class VisaItemResultOut(Schema):
    index: int
    number: str
    status: str = Field(description="created | updated | unchanged | rejected")
    visa_id: uuid.UUID | None
    person_id: uuid.UUID | None
    errors: list[FieldErrorOut]


class VisaBatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    results: list[VisaItemResultOut]


class VisaOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    number: str
    entries: str
    valid_from: dt.date
    valid_to: dt.date
    stay_days: int | None
    stay_days_basis: str
    purpose: str
    issued_by: str
    source: str
    revoked_on: dt.date | None
    revoke_reason: str


class PermitPeriodIn(Schema):
    person_id: uuid.UUID
    kind: SafeStr = Field(
        max_length=40, description="A code of the policy pack's stays.exempt_statuses"
    )
    number: SafeStr = Field(max_length=40, description="Permit or decision number")
    valid_from: dt.date
    valid_to: dt.date | None = Field(None, description="Empty: open-ended")
    source: SafeStr = Field("", max_length=100, description="e.g. the case number")


class PermitPeriodOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    number: str
    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    ended_reason: str
    revoked_at: dt.datetime | None
    revoke_reason: str
    status: str = Field("", description="created | updated | unchanged (when recorded)")


class VisaRevokeIn(Schema):
    reason: SafeStr = Field(min_length=1, max_length=300)
    effective_on: dt.date | None = Field(None, description="First day not covered; today")


class PermitEndIn(Schema):
    ended_on: dt.date = Field(description="The last day of the period")
    reason: SafeStr = Field(min_length=1, max_length=300)


class PermitRevokeIn(Schema):
    reason: SafeStr = Field(min_length=1, max_length=300)


class AppliedRightOut(Schema):
    kind: str = Field(description="visa | e_visa | permit")
    id: uuid.UUID | None
    number: str
    status: str = Field(description="Permits: the pack's status code")
    valid_from: dt.date
    valid_to: dt.date | None
    legal_ref: str


class StayRightsOut(Schema):
    in_country: bool
    permitted_until: dt.date | None
    basis: str = Field(description="visa_free_rolling | visa | permit | unknown")
    legal_ref: str
    applies: AppliedRightOut | None = Field(description="The right permitted_until rests on")
    visas: list[VisaOut]
    permits: list[PermitPeriodOut]


def _visa(v: Any) -> VisaOut:
    return VisaOut(
        id=v.pk,
        person_id=v.person_id,
        kind=v.kind,
        number=v.number,
        entries=v.entries,
        valid_from=v.valid_from,
        valid_to=v.valid_to,
        stay_days=v.stay_days,
        stay_days_basis=v.stay_days_basis,
        purpose=v.purpose,
        issued_by=v.issued_by,
        source=v.source,
        revoked_on=v.revoked_on,
        revoke_reason=v.revoke_reason,
    )


def _permit(p: Any, status: str = "") -> PermitPeriodOut:
    return PermitPeriodOut(
        id=p.pk,
        person_id=p.person_id,
        kind=p.kind,
        number=p.number,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        source=p.source,
        ended_reason=p.ended_reason,
        revoked_at=p.revoked_at,
        revoke_reason=p.revoke_reason,
        status=status,
    )


def applied_right(right: Any) -> AppliedRightOut | None:
    """The StayRight a stay status rests on, for the API (None: rolling rule or none)."""
    if right is None:
        return None
    return AppliedRightOut(
        kind=right.kind,
        id=right.record_id,
        number=right.number,
        status=right.status,
        valid_from=right.valid_from,
        valid_to=right.valid_to,
        legal_ref=right.legal_ref,
    )


@router.post(
    "/stays/visas",
    response={200: VisaBatchOut, **errors()},
    summary="Record a batch of visas and e-visas (idempotent by kind and number)",
    openapi_extra=needs(Perm.STAY_RIGHTS_MANAGE),
)
def stay_visas_record(request: HttpRequest, payload: VisaBatchIn) -> Any:
    require_scope(request, TokenScope.STAY_RIGHTS_WRITE.value)
    results = rights.visas_record(
        actor=actor_of(request),
        items=[v.model_dump() for v in payload.visas],
        source=payload.source,
    )
    return VisaBatchOut(
        created=sum(r.status == "created" for r in results),
        updated=sum(r.status == "updated" for r in results),
        unchanged=sum(r.status == "unchanged" for r in results),
        rejected=sum(r.status == "rejected" for r in results),
        results=[
            VisaItemResultOut(
                index=r.index,
                number=r.number,
                status=r.status,
                visa_id=r.visa_id,
                person_id=r.person_id,
                errors=[
                    FieldErrorOut(
                        field=f"visas.{r.index}.{e.field}", code=e.code, message=e.message
                    )
                    for e in r.errors
                ],
            )
            for r in results
        ],
    )


@router.post(
    "/stays/visas/{visa_id}/revoke",
    response={200: VisaOut, **errors(404)},
    summary="Cancel a visa from a day (kept as history)",
    openapi_extra=needs(Perm.STAY_RIGHTS_MANAGE),
)
def stay_visa_revoke(request: HttpRequest, visa_id: uuid.UUID, payload: VisaRevokeIn) -> Any:
    require_scope(request, TokenScope.STAY_RIGHTS_WRITE.value)
    return _visa(
        rights.visa_revoke(
            actor=actor_of(request),
            visa_id=visa_id,
            reason=payload.reason,
            effective_on=payload.effective_on,
        )
    )


@router.post(
    "/stays/permits",
    response={200: PermitPeriodOut, 201: PermitPeriodOut, **errors()},
    summary="Record a permit period that lifts the stay limit (idempotent by kind and number)",
    openapi_extra=needs(Perm.STAY_RIGHTS_MANAGE),
)
def stay_permit_record(request: HttpRequest, payload: PermitPeriodIn) -> Any:
    require_scope(request, TokenScope.STAY_RIGHTS_WRITE.value)
    period, status = rights.stay_permit_record(actor=actor_of(request), **payload.model_dump())
    return Status(201 if status == "created" else 200, _permit(period, status))


@router.post(
    "/stays/permits/{permit_id}/end",
    response={200: PermitPeriodOut, **errors(404)},
    summary="End a permit period on a day",
    openapi_extra=needs(Perm.STAY_RIGHTS_MANAGE),
)
def stay_permit_end(request: HttpRequest, permit_id: uuid.UUID, payload: PermitEndIn) -> Any:
    require_scope(request, TokenScope.STAY_RIGHTS_WRITE.value)
    return _permit(
        rights.stay_permit_end(
            actor=actor_of(request),
            permit_id=permit_id,
            ended_on=payload.ended_on,
            reason=payload.reason,
        )
    )


@router.post(
    "/stays/permits/{permit_id}/revoke",
    response={200: PermitPeriodOut, **errors(404)},
    summary="Revoke a permit period (annulled or recorded in error: lifts nothing)",
    openapi_extra=needs(Perm.STAY_RIGHTS_MANAGE),
)
def stay_permit_revoke(request: HttpRequest, permit_id: uuid.UUID, payload: PermitRevokeIn) -> Any:
    require_scope(request, TokenScope.STAY_RIGHTS_WRITE.value)
    return _permit(
        rights.stay_permit_revoke(
            actor=actor_of(request), permit_id=permit_id, reason=payload.reason
        )
    )


@router.get(
    "/persons/{person_id}/stay-rights",
    response={200: StayRightsOut, **errors(404)},
    summary="A person's visas, e-visas and permit periods, and which one applies today",
    openapi_extra=needs(Perm.STAY_RIGHTS_VIEW),
)
def person_stay_rights(request: HttpRequest, person_id: uuid.UUID) -> Any:
    require_scope(request, TokenScope.PERSONS_READ.value)
    held = rights.person_stay_rights(actor=actor_of(request), person_id=person_id, purpose="api")
    status = held.status
    return StayRightsOut(
        in_country=status.in_country,
        permitted_until=status.permitted_until,
        basis=status.basis,
        legal_ref=status.legal_ref,
        applies=applied_right(status.right),
        visas=[_visa(v) for v in held.visas],
        permits=[_permit(p) for p in held.permits],
    )
