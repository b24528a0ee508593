"""/api/v1/stays: public answers about staying in the country."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from umis.core.api import needs
from umis.core.errors import FieldError, ValidationFailed
from umis.core.models import Country
from umis.core.permissions import Perm
from umis.core.policy import PolicyKeyError
from umis.core.schemas import SafeStr, errors
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
