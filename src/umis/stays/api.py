"""/api/v1/stays: public answers about staying in the country."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.errors import FieldError, ValidationFailed
from umis.core.models import Country
from umis.core.permissions import Perm
from umis.core.policy import PolicyKeyError
from umis.core.schemas import SafeStr, errors
from umis.stays import registrations
from umis.stays.registration import registration_requirement

router = Router(tags=["stays"])


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


# --- registration at the place of stay (counter; hosts online once host accounts exist)


class RegistrationIn(Schema):
    person_id: uuid.UUID
    host_id: uuid.UUID | None = Field(None, description="The registering host; empty: self")
    region: SafeStr = Field(max_length=20)
    city: SafeStr = Field(max_length=30)
    street: SafeStr = Field(min_length=1, max_length=300)
    arrival_date: dt.date


class RegistrationOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    host_id: uuid.UUID | None
    region: str
    city: str
    street: str
    arrival_date: dt.date
    valid_until: dt.date
    ended_on: dt.date | None
    status: str


class EndIn(Schema):
    ended_on: dt.date | None = None


def _registration(r: Any) -> RegistrationOut:
    return RegistrationOut(
        id=r.pk,
        person_id=r.person_id,
        host_id=r.host_id,
        region=r.region.code,
        city=r.city.code,
        street=r.street,
        arrival_date=r.arrival_date,
        valid_until=r.valid_until,
        ended_on=r.ended_on,
        status=r.status,
    )


@router.post(
    "/stays/registrations",
    auth=STAFF_AUTH,
    response={201: RegistrationOut, **errors()},
    summary="Register a person at a place of stay (replaces the active registration)",
    openapi_extra=needs(Perm.REGISTRATION_MANAGE),
)
def registration_create(request: HttpRequest, payload: RegistrationIn) -> Any:
    require_scope(request, TokenScope.PERSONS_WRITE.value)
    registration = registrations.registration_create(
        actor=actor_of(request), data=registrations.RegistrationData(**payload.model_dump())
    )
    return Status(201, _registration(registration))


@router.post(
    "/stays/registrations/{registration_id}/end",
    auth=STAFF_AUTH,
    response={200: RegistrationOut, **errors(404)},
    summary="Deregister (departure)",
    openapi_extra=needs(Perm.REGISTRATION_MANAGE),
)
def registration_end(request: HttpRequest, registration_id: uuid.UUID, payload: EndIn) -> Any:
    require_scope(request, TokenScope.PERSONS_WRITE.value)
    return _registration(
        registrations.registration_end(
            actor=actor_of(request), registration_id=registration_id, ended_on=payload.ended_on
        )
    )
