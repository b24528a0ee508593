"""A person's stay right today: in the country or not, days used, permitted-until and
its basis — the stay-rule engine fed with border crossings and the policy pack."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from umis.border.selectors import person_crossings, stays_from_crossings
from umis.core.pagination import Page
from umis.core.policy import get_policy
from umis.stays import rules

if TYPE_CHECKING:
    from umis.stays.models import Violation


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


@dataclass(frozen=True)
class StayRight:
    """A right to stay held by a person, as the stay engine needs it.

    ``kind`` "permit": a residence permit or another status that lifts the limit (its days
    are exempt from counting). ``kind`` "visa" / "e_visa": a visa valid from ``valid_from``
    to ``valid_to`` for stays of at most ``max_stay_days`` days each (None: the whole
    validity). ``valid_to`` None: open-ended (permits only)."""

    kind: str
    valid_from: dt.date
    valid_to: dt.date | None
    max_stay_days: int | None = None
    legal_ref: str = ""


def stay_rights_of(person_ids: list[uuid.UUID], on: dt.date) -> dict[uuid.UUID, list[StayRight]]:
    """Stay rights of many persons in a fixed number of queries (none recorded yet: the
    visa and permit records fill this in)."""
    return {}


def stay_status_compute(
    *,
    crossings: list[tuple[str, dt.datetime]],
    nationalities: list[str],
    rights: list[StayRight],
    on: dt.date,
) -> StayStatus:
    """The stay status from plain values: the crossings (direction, aware moment; oldest
    first), current nationalities and stay rights. No queries: the sweeps call it for
    many persons loaded in bulk.

    Visa-free nationals get the rolling-window rule of the policy pack. A permit covering
    a day exempts it; a visa valid on the first day of the current stay caps it. With
    neither a visa-free nationality nor a right, the basis is 'unknown' and no overstay
    is computed."""
    pack = get_policy()
    stays = rules.stays_from_moments(stays_from_crossings(crossings), pack.timezone)
    presence = rules.presence_days(stays, until=on)
    since = rules.stay_start(presence, on)
    exempt = [rules.Period(r.valid_from, r.valid_to) for r in rights if r.kind == "permit"]
    start = since or on
    visa_until: dt.date | None = None
    visa_ref = ""
    for right in rights:
        if right.kind == "permit" or right.valid_to is None:
            continue
        if not right.valid_from <= start <= right.valid_to:
            continue
        end = right.valid_to
        if right.max_stay_days is not None:
            end = min(end, start + dt.timedelta(days=right.max_stay_days - 1))
        if visa_until is None or end > visa_until:
            visa_until, visa_ref = end, right.legal_ref
    visa_free = set(pack.value("stays.visa_free.nationalities", on=on))
    eligible = [n for n in nationalities if n in visa_free]
    window = int(pack.value("stays.rolling_window.window_days", on=on))
    if eligible:
        max_days = max(
            int(pack.value("stays.visa_free.max_days", on=on, variant=n)) for n in eligible
        )
        params = rules.StayRuleParams(window_days=window, max_days=min(max_days, window))
        legal_ref = pack.rule("stays.rolling_window.max_days", on=on).legal_ref
    elif visa_until is not None or exempt:
        # No visa-free regime: only the visa or the permit limits the stay.
        params = rules.StayRuleParams(window_days=window, max_days=window)
        legal_ref = visa_ref
    else:
        return StayStatus(since is not None, since, 0, None, "unknown", None, 0, "")
    permission = rules.permitted_until(
        presence, exempt, params, in_country_since=start, today=on, visa_until=visa_until
    )
    overstay = (
        rules.overstay_days(presence, exempt, params, on=on, visa_until=visa_until) if since else 0
    )
    if permission.basis == rules.Basis.VISA:
        legal_ref = visa_ref or legal_ref
    return StayStatus(
        in_country=since is not None,
        since=since,
        days_used=rules.days_used(presence, exempt, params, on=on),
        permitted_until=permission.until,
        basis=str(permission.basis),
        days_left=permission.days_left,
        overstay_days=overstay,
        legal_ref=legal_ref,
    )


def stay_status(*, person_id: uuid.UUID, nationalities: list[str], on: dt.date) -> StayStatus:
    """One person's stay status, read from the database (see stay_status_compute)."""
    return stay_status_compute(
        crossings=person_crossings(person_id=person_id),
        nationalities=nationalities,
        rights=stay_rights_of([person_id], on).get(person_id, []),
        on=on,
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


# --- worklist of current violations -----------------------------------------------------


def _violation_queryset(
    *, type: str, status: str, nationality: str, min_days: int | None, office_id: int | None
) -> QuerySet[Violation]:
    """The filtered, ordered findings with their person and current nationalities: a
    fixed number of queries whatever the number of rows. An empty type or status means
    any. Overstay days live in the facts (JSON): filtered and sorted in the database, so
    paging stays correct."""
    from django.db.models import Exists, IntegerField, OuterRef, Prefetch
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast
    from django.utils.translation import gettext as _

    from umis.core.errors import FieldError, ValidationFailed
    from umis.registry.models import Nationality
    from umis.stays.constants import ViolationStatus, ViolationType
    from umis.stays.models import Violation

    errors = []
    if type and type not in ViolationType.values:
        errors.append(FieldError("type", "invalid", _("Unknown violation type.")))
    if status and status not in ViolationStatus.values:
        errors.append(FieldError("status", "invalid", _("Unknown status.")))
    if min_days is not None and min_days < 0:
        errors.append(FieldError("min_days", "invalid", _("Enter zero or more days.")))
    if errors:
        raise ValidationFailed(errors)
    qs = Violation.objects.all()
    if type:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    if nationality:
        qs = qs.filter(
            Exists(
                Nationality.objects.filter(
                    person_id=OuterRef("person_id"),
                    country_id=nationality.strip().upper(),
                    valid_to__isnull=True,
                )
            )
        )
    if min_days is not None:
        qs = qs.filter(facts__overstay_days__gte=min_days)
    if office_id is not None:
        qs = qs.filter(person__office_id=office_id)
    days = Cast(KeyTextTransform("overstay_days", "facts"), IntegerField())
    return (
        qs.select_related("person")
        .prefetch_related(
            Prefetch(
                "person__nationalities",
                queryset=Nationality.objects.filter(valid_to__isnull=True)
                .select_related("country")
                .order_by("id"),
            )
        )
        .annotate(overstay_days=days)
        .order_by(days.desc(nulls_last=True), "detected_at", "id")
    )


def violation_worklist(
    *,
    actor: Any,
    type: str = "overstay",
    status: str = "open",
    nationality: str = "",
    min_days: int | None = None,
    office_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[Violation]:
    """The officers' worklist: findings, longest overstay first, then the oldest."""
    from umis.core.pagination import paginate
    from umis.core.permissions import Perm, require

    require(actor, Perm.PERSON_SEARCH)
    qs = _violation_queryset(
        type=type, status=status, nationality=nationality, min_days=min_days, office_id=office_id
    )
    result = paginate(qs, page, page_size)
    # Showing the list is a read of personal data, like a search: who saw which records.
    from umis.core.audit import audit_record
    from umis.core.constants import AuditAction

    audit_record(
        actor=actor,
        action=AuditAction.SEARCH,
        object_type="stays.violation",
        purpose="worklist",
        changes={"shown": [None, [str(v.person_id) for v in result.items]]},
    )
    return result


def violation_export_rows(
    *,
    actor: Any,
    type: str = "overstay",
    status: str = "open",
    nationality: str = "",
    min_days: int | None = None,
    office_id: int | None = None,
    chunk_size: int = 500,
) -> tuple[int, Iterator[Violation]]:
    """The whole filtered worklist for a CSV download: (number of rows, rows in the
    worklist's order, read in chunks). Writes one audit entry per export (the filters and
    the number of rows), before any row is read, so an aborted download is recorded too."""
    from umis.core.audit import audit_record
    from umis.core.constants import AuditAction
    from umis.core.permissions import Perm, require

    require(actor, Perm.PERSON_SEARCH)
    qs = _violation_queryset(
        type=type, status=status, nationality=nationality, min_days=min_days, office_id=office_id
    )
    count = qs.count()
    filters = {
        "type": type,
        "status": status,
        "nationality": nationality,
        "min_days": min_days,
        "office_id": office_id,
    }
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="stays.violation_export",
        changes={"filters": [None, filters], "rows": [None, count]},
        purpose="worklist export",
    )
    return count, qs.iterator(chunk_size=chunk_size)
