"""/api/v1/stays: public answers about staying in the country."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.errors import FieldError, ValidationFailed
from umis.core.models import Country
from umis.core.permissions import Perm, has_perm
from umis.core.policy import PolicyKeyError
from umis.core.schemas import FieldErrorOut, SafeStr, errors
from umis.stays import registrations
from umis.stays.api_rights import router as rights_router
from umis.stays.registration import registration_requirement

router = Router(tags=["stays"])
# Visas, e-visas and permit periods (stays/api_rights.py).
router.add_router("", rights_router)


class DeadlineQuery(Schema):
    nationality: SafeStr = Field(min_length=3, max_length=3, description="ISO 3166-1 alpha-3")
    arrival: dt.date
    planned_days: int | None = Field(None, ge=1, le=3650, description="Planned length of stay")


class DeadlineOut(Schema):
    needed: bool | None = Field(description="null: only if you stay longer than needed_after_days")
    needed_after_days: int
    deadline: dt.date
    deadline_days: int
    fee: str
    needed_after_ref: str
    deadline_ref: str


@router.get(
    "/stays/registration-deadline",
    auth=None,
    response={200: DeadlineOut, **errors()},
    summary="Must I register my place of stay, and by when? (public)",
    openapi_extra=needs(Perm.PUBLIC),
)
def registration_deadline(request: HttpRequest, q: Query[DeadlineQuery]) -> Any:
    code = q.nationality.upper()
    if not Country.objects.filter(pk=code, is_active=True).exists():
        raise ValidationFailed(
            [
                FieldError(
                    "nationality",
                    "unknown_country",
                    _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.")
                    % {"code": code},
                )
            ]
        )
    try:
        answer = registration_requirement(
            nationality=code, arrival=q.arrival, planned_days=q.planned_days
        )
    except PolicyKeyError as exc:  # a date before the rules in the pack
        raise ValidationFailed(
            [
                FieldError(
                    "arrival",
                    "no_rule_in_force",
                    _("No registration rule is in force on that date."),
                )
            ]
        ) from exc
    return DeadlineOut(**vars(answer))


# --- registration at the place of stay (officers at the counter; hosts with a token)


class RegistrationItemIn(Schema):
    """One guest. Items are checked one at a time (a bad item is reported, the others are
    stored), so the fields are loosely typed here."""

    reference: str | None = Field(
        None,
        description="Your id for the item (at most 64 characters, unique per host), echoed "
        "back: resending it with the same content is a duplicate; with different content it "
        "is rejected (code reference_reused, naming the fields that differ)",
    )
    person_id: str | None = Field(None, description="Officers only: the UMIS person id")
    document_type: str | None = Field(None, description="passport (default), national_id, ...")
    document_number: str | None = None
    document_issuing_state: str | None = Field(None, description="ISO 3166-1 alpha-3")
    family_name: str | None = Field(None, description="As in the travel document")
    given_names: str | None = None
    birth_date: str | None = Field(None, description="YYYY-MM-DD, YYYY-MM or YYYY")
    sex: str | None = Field(None, description="M | F | X")
    nationality: str | None = Field(None, description="ISO 3166-1 alpha-3")
    arrival_date: str | None = Field(None, description="YYYY-MM-DD: moved in on")
    region: str | None = Field(None, description="Region code; all three empty: the host's")
    city: str | None = Field(None, description="City code")
    street: str | None = Field(None, description="Street, building, apartment")


class RegistrationBatchIn(Schema):
    host_id: uuid.UUID | None = Field(
        None,
        description="The registering host. Host accounts: default their organisation; "
        "officers: empty for a self-registration",
    )
    items: list[RegistrationItemIn] = Field(min_length=1, max_length=registrations.MAX_BATCH)


class RegistrationResultOut(Schema):
    index: int
    reference: str
    status: str = Field(description="created | duplicate | rejected")
    registration_id: uuid.UUID | None
    person_id: uuid.UUID | None = Field(description="Shown to officers only")
    valid_until: dt.date | None
    errors: list[FieldErrorOut]
    warnings: list[FieldErrorOut] = Field(description="Stored, but e.g. registered late")
    link_method: str | None = Field(
        None, description="Officers only: how the guest was linked to the person"
    )
    link_score: float | None = Field(None, description="Officers only: how sure the link is")


class RegistrationBatchOut(Schema):
    host_id: uuid.UUID | None
    created: int
    duplicates: int
    rejected: int
    results: list[RegistrationResultOut]


class RegistrationGuestOut(Schema):
    """The guest as sent with the registration (not the registry's data about the person);
    blank when an officer registered by person id."""

    family_name: str
    given_names: str
    birth_date: str
    sex: str
    nationality: str
    document_type: str
    document_number: str
    document_issuing_state: str


class RegistrationOut(Schema):
    id: uuid.UUID
    reference: str = Field(description="The reference the registration was sent with")
    person_id: uuid.UUID | None = Field(description="Shown to officers only")
    link_method: str | None = Field(
        description="Officers only: document | name_birth_date | new_provisional | officer"
    )
    link_score: float | None = Field(description="Officers only")
    guest: RegistrationGuestOut
    host_id: uuid.UUID | None
    region: str
    city: str
    street: str
    arrival_date: dt.date
    valid_until: dt.date
    ended_on: dt.date | None
    status: str
    warnings: list[str] = Field(description="Codes of the warnings given when it was stored")


class EndIn(Schema):
    ended_on: dt.date | None = None


def _registration(r: Any, *, show_person: bool = True) -> RegistrationOut:
    return RegistrationOut(
        id=r.pk,
        reference=r.reference,
        person_id=r.person_id if show_person else None,
        link_method=r.link_method if show_person else None,
        link_score=r.link_score if show_person else None,
        guest=RegistrationGuestOut(**{f: getattr(r, f) for f in registrations.RECEIVED_FIELDS}),
        host_id=r.host_id,
        region=r.region.code,
        city=r.city.code,
        street=r.street,
        arrival_date=r.arrival_date,
        valid_until=r.valid_until,
        ended_on=r.ended_on,
        status=r.status,
        warnings=list(r.warnings or []),
    )


def _registration_scope(request: HttpRequest) -> None:
    # Hosts' tokens carry registrations:write; officers' older tokens persons:write.
    scopes = getattr(request, "api_scopes", None)
    if scopes is not None and TokenScope.PERSONS_WRITE.value in scopes:
        return
    require_scope(request, TokenScope.REGISTRATIONS_WRITE.value)


def _field_errors(index: int, items: Any) -> list[FieldErrorOut]:
    return [
        FieldErrorOut(field=f"items.{index}.{e.field}", code=e.code, message=e.message)
        for e in items
    ]


@router.post(
    "/stays/registrations",
    auth=STAFF_AUTH,
    response={200: RegistrationBatchOut, **errors()},
    summary="Register guests at a place of stay (batch, idempotent per guest and stay)",
    description=(
        "Officers register for any host or a self-registration, by person id or by travel "
        "document; a host account's token (scope registrations:write) registers for its "
        "own organisation, by travel document. Each item is created, a duplicate of an "
        "earlier registration (same reference and content, or same guest, address and "
        "arrival date), or rejected with its field errors; valid items are stored even when "
        "others are rejected."
    ),
    openapi_extra=needs(Perm.REGISTRATION_MANAGE),
)
def registrations_batch(request: HttpRequest, payload: RegistrationBatchIn) -> Any:
    _registration_scope(request)
    report = registrations.registrations_create_batch(
        actor=actor_of(request),
        host_id=payload.host_id,
        items=[i.model_dump() for i in payload.items],
    )
    return RegistrationBatchOut(
        host_id=report.host_id,
        created=report.count("created"),
        duplicates=report.count("duplicate"),
        rejected=report.count("rejected"),
        results=[
            RegistrationResultOut(
                index=r.index,
                reference=r.reference,
                status=r.status,
                registration_id=r.registration_id,
                person_id=r.person_id,
                valid_until=r.valid_until,
                errors=_field_errors(r.index, r.errors),
                warnings=_field_errors(r.index, r.warnings),
                link_method=r.link_method or None,
                link_score=r.link_score,
            )
            for r in report.results
        ],
    )


@router.post(
    "/stays/registrations/{registration_id}/end",
    auth=STAFF_AUTH,
    response={200: RegistrationOut, **errors(404)},
    summary="Deregister (departure); hosts: their own guests",
    openapi_extra=needs(Perm.REGISTRATION_MANAGE),
)
def registration_end(request: HttpRequest, registration_id: uuid.UUID, payload: EndIn) -> Any:
    _registration_scope(request)
    actor = actor_of(request)
    return _registration(
        registrations.registration_end(
            actor=actor, registration_id=registration_id, ended_on=payload.ended_on
        ),
        show_person=has_perm(actor, Perm.REGISTRATION_MANAGE),
    )
