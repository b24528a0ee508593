"""A person's stay right today: in the country or not, days used, permitted-until and
its basis — the stay-rule engine fed with border crossings and the policy pack."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from umis.border.selectors import person_crossings, stays_from_crossings
from umis.core.policy import get_policy
from umis.stays import rules


@dataclass(frozen=True)
class StayStatus:
    in_country: bool
    since: dt.date | None
    days_used: int
    permitted_until: dt.date | None
    basis: str  # visa_free_rolling | visa | permit | unknown
    days_left: int | None
    overstay_days: int
    legal_ref: str


def stay_status(*, person_id: uuid.UUID, nationalities: list[str], on: dt.date) -> StayStatus:
    """Computed from the recorded crossings. Visa-free nationals get the rolling-window
    rule of the policy pack; for others the visa period is not recorded yet (the e-visa
    adapter comes later), so the basis is 'unknown' and no overstay is computed."""
    pack = get_policy()
    stays = rules.stays_from_moments(
        stays_from_crossings(person_crossings(person_id=person_id)), pack.timezone
    )
    presence = rules.presence_days(stays, until=on)
    since = rules.stay_start(presence, on)
    visa_free = set(pack.value("stays.visa_free.nationalities", on=on))
    eligible = [n for n in nationalities if n in visa_free]
    if not eligible:
        return StayStatus(since is not None, since, 0, None, "unknown", None, 0, "")
    max_days = max(int(pack.value("stays.visa_free.max_days", on=on, variant=n)) for n in eligible)
    window = int(pack.value("stays.rolling_window.window_days", on=on))
    params = rules.StayRuleParams(window_days=window, max_days=min(max_days, window))
    permission = rules.permitted_until(presence, [], params, in_country_since=since or on, today=on)
    overstay = rules.overstay_days(presence, [], params, on=on) if since else 0
    return StayStatus(
        in_country=since is not None,
        since=since,
        days_used=rules.days_used(presence, [], params, on=on),
        permitted_until=permission.until,
        basis=str(permission.basis),
        days_left=permission.days_left,
        overstay_days=overstay,
        legal_ref=pack.rule("stays.rolling_window.max_days", on=on).legal_ref,
    )


@dataclass(frozen=True)
class Crossing:
    direction: str
    occurred_at: dt.datetime
    crossing_point: str
    flags: tuple[str, ...]


def person_stay(
    *, actor: Any, person_id: uuid.UUID, on: dt.date | None = None
) -> tuple[StayStatus, list[Crossing]]:
    """A person's stay status and crossings (newest first) for the person page and API."""
    from django.utils import timezone

    from umis.border.selectors import person_crossing_details
    from umis.core.errors import NotFound
    from umis.core.permissions import Perm, require
    from umis.registry.models import Nationality, Person

    require(actor, Perm.PERSON_VIEW)
    if not Person.objects.filter(pk=person_id).exists():
        raise NotFound("Person")
    on = on or timezone.localdate()
    nationalities = list(
        Nationality.objects.filter(person_id=person_id, valid_to__isnull=True).values_list(
            "country_id", flat=True
        )
    )
    status = stay_status(person_id=person_id, nationalities=nationalities, on=on)
    crossings = [Crossing(*row) for row in person_crossing_details(person_id=person_id)]
    return status, crossings


def person_violations(*, actor: Any, person_id: uuid.UUID) -> list[Any]:
    """Findings of the sweeps about a person, newest first."""
    from umis.core.permissions import Perm, require
    from umis.stays.models import Violation

    require(actor, Perm.PERSON_VIEW)
    return list(Violation.objects.filter(person_id=person_id).order_by("-detected_at"))
