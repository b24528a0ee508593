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
from umis.core.db import hot_cursor
from umis.core.pagination import Page
from umis.core.policy import get_policy
from umis.stays import rules

if TYPE_CHECKING:
    from umis.stays.models import Violation


@dataclass(frozen=True)
class StayRight:
    """A right to stay held by a person, as the stay engine needs it.

    ``kind`` "permit": a residence permit or another status that lifts the limit (its days
    are exempt from counting). ``kind`` "visa" / "e_visa": a visa valid from ``valid_from``
    to ``valid_to`` for stays of at most ``max_stay_days`` days each (None: the whole
    validity). ``valid_to`` None: open-ended (permits only).

    ``max_entries``: entries allowed on a visa (None: multiple). ``stay_days_total``: the
    visa's ``max_stay_days`` count over all its stays, not per entry. ``number``,
    ``status`` (a permit's kind, e.g. "residence_temporary") and ``record_id`` name the
    record, so that the person page and the API can show which right applies."""

    kind: str
    valid_from: dt.date
    valid_to: dt.date | None
    max_stay_days: int | None = None
    legal_ref: str = ""
    max_entries: int | None = None
    stay_days_total: bool = False
    number: str = ""
    status: str = ""
    record_id: uuid.UUID | None = None


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
    right: StayRight | None = None  # the visa or permit the permitted-until rests on


# Rights that ended longer ago than this cannot touch a current stay in practice (a stay
# without exit of over five years is a data problem): not loaded, so that bulk reads stay
# proportional to the persons' recent rights.
RIGHTS_LOOKBACK_DAYS = 5 * 366
_IDS_PER_QUERY = 5000  # below SQLite's bound on query parameters
_ENTRIES = {"single": 1, "double": 2, "multiple": None}


def _rule_ref(pack: Any, key: str, on: dt.date) -> str:
    from umis.core.policy import PolicyKeyError

    try:
        return str(pack.rule(key, on=on).legal_ref)
    except PolicyKeyError:
        return ""


def stay_rights_of(person_ids: list[uuid.UUID], on: dt.date) -> dict[uuid.UUID, list[StayRight]]:
    """Stay rights of many persons, oldest first: one query (visas and permit periods)
    per 5,000 persons. Only rights that may bear on ``on``: started by ``on``,
    not ended more than RIGHTS_LOOKBACK_DAYS before it, not revoked (a visa revoked from
    a day is cut short the day before). Legal references come from the policy pack in
    force on ``on``."""
    from umis.core.policy import PolicyKeyError
    from umis.stays.models import VisaKind

    out: dict[uuid.UUID, list[StayRight]] = {}
    if not person_ids:
        return out
    pack = get_policy()
    horizon = on - dt.timedelta(days=RIGHTS_LOOKBACK_DAYS)
    visa_refs = {
        VisaKind.VISA.value: _rule_ref(pack, "stays.visa.period_of_stay", on),
        VisaKind.E_VISA.value: _rule_ref(pack, "stays.e_visa.stay_days", on),
    }
    try:
        statuses = {
            str(s["code"]): str(s["legal_ref"]) for s in pack.value("stays.exempt_statuses", on=on)
        }
    except PolicyKeyError:
        statuses = {}
    permit_ref = _rule_ref(pack, "stays.exempt_statuses", on)
    ids = list(person_ids)
    for chunk_start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[chunk_start : chunk_start + _IDS_PER_QUERY]
        for row in _rights_rows(chunk, on, horizon):
            source, pid, rid, kind, number, entries, start, end, days, basis, revoked_on = row
            if source == "v":
                if revoked_on is not None and revoked_on <= end:
                    end = revoked_on - dt.timedelta(days=1)
                out.setdefault(pid, []).append(
                    StayRight(
                        kind=kind,
                        valid_from=start,
                        valid_to=end,
                        max_stay_days=days,
                        legal_ref=visa_refs.get(kind, ""),
                        max_entries=_ENTRIES.get(entries),
                        stay_days_total=basis == "total",
                        number=number,
                        record_id=rid,
                    )
                )
            else:
                out.setdefault(pid, []).append(
                    StayRight(
                        kind="permit",
                        valid_from=start,
                        valid_to=end,
                        legal_ref=statuses.get(kind, permit_ref),
                        number=number,
                        status=kind,
                        record_id=rid,
                    )
                )
    for rights in out.values():
        rights.sort(key=lambda r: r.valid_from)
    return out


def _rights_rows(
    person_ids: list[uuid.UUID], on: dt.date, horizon: dt.date
) -> Iterator[tuple[Any, ...]]:
    """Visas ('v') and permit periods ('p') of the persons that may bear on ``on`` (for
    permits: also those that start later), in one
    hand-written query: the border check calls this on every request, and building the
    two ORM querysets cost several times more CPU than running them. Values come back
    converted (UUIDs, dates) the same way on PostgreSQL and SQLite."""
    from django.db import connection

    from umis.stays.models import Visa

    person_field = Visa._meta.get_field("person")
    pids = [person_field.get_db_prep_value(p, connection) for p in person_ids]
    marks = ", ".join(["%s"] * len(pids))
    day, since = (connection.ops.adapt_datefield_value(d) for d in (on, horizon))
    # Only the "%s" parameter markers are interpolated: the values travel as parameters.
    sql = f"""
        SELECT 'v', person_id, id, kind, number, entries, valid_from, valid_to, stay_days,
               stay_days_basis, revoked_on
          FROM stays_visa
         WHERE person_id IN ({marks}) AND valid_from <= %s AND valid_to >= %s
           AND (revoked_on IS NULL OR revoked_on > valid_from)
        UNION ALL
        SELECT 'p', person_id, id, kind, number, NULL, valid_from, valid_to, NULL, NULL, NULL
          FROM stays_permitperiod
         WHERE person_id IN ({marks}) AND revoked_at IS NULL
           AND (valid_to IS NULL OR valid_to >= %s)
    """  # noqa: S608
    # Permit periods that start later count too: a granted stay extension or a permit
    # starting the day the stay would end moves today's permitted-until (their days are
    # exempt from the rolling count; a gap before them still ends the stay).
    with hot_cursor() as cursor:
        cursor.execute(sql, [*pids, day, since, *pids, since])
        rows = cursor.fetchall()
    for row in rows:
        source, pid, rid, kind, number, entries, start, end, days, basis, revoked = row
        yield (
            source,
            _as_uuid(pid),
            _as_uuid(rid),
            kind,
            number,
            entries,
            _as_date(start),
            _as_date(end),
            None if days is None else int(days),
            basis,
            _as_date(revoked),
        )


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _pick_permit(permits: list[StayRight], on: dt.date) -> StayRight | None:
    """The permit covering ``on`` that lasts longest (open-ended first)."""
    covering = [
        r for r in permits if r.valid_from <= on and (r.valid_to is None or r.valid_to >= on)
    ]
    return max(covering, key=lambda r: r.valid_to or dt.date.max, default=None)


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

    * A permit covering ``on``: basis "permit"; permitted until the end of the run of
      permit periods covering it (renewals merged; None when open-ended), for visa-free
      nationals followed by the visa-free days still left after it.
    * Visa-free nationals: the rolling-window rule of the policy pack, permit days
      exempt. A visa covering the current stay (see rules.visa_until) is an alternative,
      never a restriction: it decides (basis "visa") when it allows a later day, and its
      days are never overstay days.
    * Others: the stay ends on the latest day a visa covering the current stay allows,
      or the end of a permit period held during the stay if later (basis "visa" or
      "permit"); no rolling limit. With no such right: basis "unknown", no overstay.

    ``right`` is the visa or permit the permitted-until rests on."""
    pack = get_policy()
    stays = rules.stays_from_moments(stays_from_crossings(crossings), pack.timezone)
    presence = rules.presence_days(stays, until=on)
    since = rules.stay_start(presence, on)
    start = since or on
    permits = [r for r in rights if r.kind == "permit"]
    exempt = [rules.Period(r.valid_from, r.valid_to) for r in permits]
    visa: StayRight | None = None
    visa_end: dt.date | None = None
    for right in rights:
        if right.kind == "permit" or right.valid_to is None or right.valid_to < right.valid_from:
            continue
        terms = rules.VisaTerms(
            right.valid_from,
            right.valid_to,
            right.max_entries,
            right.max_stay_days,
            right.stay_days_total,
        )
        end = rules.visa_until(terms, stays, on=on)
        if end is not None and (visa_end is None or end > visa_end):
            visa, visa_end = right, end
    visa_free = set(pack.value("stays.visa_free.nationalities", on=on))
    eligible = [n for n in nationalities if n in visa_free]
    window = int(pack.value("stays.rolling_window.window_days", on=on))
    if eligible:
        max_days = max(
            int(pack.value("stays.visa_free.max_days", on=on, variant=n)) for n in eligible
        )
        params = rules.StayRuleParams(window_days=window, max_days=min(max_days, window))
        rolling_ref = pack.rule("stays.rolling_window.max_days", on=on).legal_ref
    else:
        # No visa-free regime: only a visa or a permit limits the stay.
        params = rules.StayRuleParams(window_days=window, max_days=window)
        rolling_ref = ""
    used = rules.days_used(presence, exempt, params, on=on)
    in_country = since is not None

    permit = _pick_permit(permits, on)
    if permit is not None:
        end = rules.exempt_until(exempt, on)
        until: dt.date | None = None if end in (None, dt.date.max) else end
        if until is not None and eligible:
            after = rules.permitted_until(
                presence,
                exempt,
                params,
                in_country_since=start,
                today=until + dt.timedelta(days=1),
            )
            until = after.until
        overstay = rules.overstay_days(presence, exempt, params, on=on) if since else 0
        return StayStatus(
            in_country=in_country,
            since=since,
            days_used=used,
            permitted_until=until,
            basis=str(rules.Basis.PERMIT),
            days_left=None if until is None else max(0, (until - on).days),
            overstay_days=overstay,
            legal_ref=permit.legal_ref,
            right=permit,
        )

    if eligible:
        permission = rules.permitted_until(
            presence, exempt, params, in_country_since=start, today=on
        )
        until, basis, applied, legal_ref = (
            permission.until,
            str(permission.basis),
            None,
            rolling_ref,
        )
        if visa is not None and visa_end is not None and until is not None and visa_end > until:
            until, basis, applied, legal_ref = visa_end, str(rules.Basis.VISA), visa, visa.legal_ref
        lawful = []
        if visa is not None and visa_end is not None:
            lawful = [rules.Period(rules.current_entry(stays, on) or on, visa_end)]
        overstay = (
            rules.overstay_days_outside(presence, exempt, params, on=on, lawful=lawful)
            if since
            else 0
        )
        return StayStatus(
            in_country=in_country,
            since=since,
            days_used=used,
            permitted_until=until,
            basis=basis,
            days_left=None if until is None else max(0, (until - on).days),
            overstay_days=overstay,
            legal_ref=legal_ref,
            right=applied,
        )

    cap, applied = visa_end, visa
    for right in permits:
        # A permit that ended during the current stay: the stay was lawful until its end.
        ended = right.valid_to
        if ended is not None and start <= ended < on and (cap is None or ended > cap):
            cap, applied = ended, right
    if cap is None or applied is None:
        return StayStatus(in_country, since, 0, None, "unknown", None, 0, "")
    permission = rules.permitted_until(
        presence, exempt, params, in_country_since=start, today=on, visa_until=cap
    )
    overstay = rules.overstay_days(presence, exempt, params, on=on, visa_until=cap) if since else 0
    return StayStatus(
        in_country=in_country,
        since=since,
        days_used=used,
        permitted_until=permission.until,
        basis=str(rules.Basis.PERMIT if applied.kind == "permit" else rules.Basis.VISA),
        days_left=permission.days_left,
        overstay_days=overstay,
        legal_ref=applied.legal_ref,
        right=applied,
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
