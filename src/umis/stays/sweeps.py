"""Detection sweeps: overstays and unregistered stays, set-based and incremental.

Contract
--------
A sweep evaluates persons as of a day ``on`` and writes their findings as Violations
(unique per person, type and stay start). Both violation types come out of one read of
the border events.

* :func:`sweep_full` evaluates every person who may be in the country on ``on`` (those
  the last sweep saw there, those with border events received since, those with an open
  or resolved finding; a *deep* run finds them from all border events instead) and
  rebuilds the derived table :class:`~umis.stays.models.PersonStay`.
* :func:`sweep_incremental` evaluates only the persons whose findings may have changed
  since the last run: border events received since its watermark
  (``BorderEvent.id > SweepState.last_event_id``), registrations and stay rights
  recorded since, and the PersonStay rows that are due (``recheck_on <= on``: the
  permitted-until or the registration deadline is passed, a permit ends, an overstay
  grows by a day). Its findings equal the full sweep's (tests/stays/test_sweeps.py).

Findings
--------
* overstay: :func:`umis.stays.selectors.stay_status_compute` gives overstay days > 0.
  Facts: overstay_days, permitted_until, days_used, basis, legal_ref, as_of. A stay that
  has ended is judged as of its last day, so its facts stop changing.
* unregistered_stay: past the registration deadline of the stay with no registration
  whose arrival date falls in it (:func:`unregistered_days_compute`). Facts: deadline
  (the last day to register) and ended_on (None while the stay goes on): they do not
  change from day to day, so an ongoing finding is not rewritten daily.
* A finding that no longer holds when its person is evaluated again (a late exit, a
  permit recorded afterwards, a registration, a corrected entry) gets status
  ``resolved`` and ``facts.resolved_reason``; it is never deleted. If it holds again it
  is reopened. A finding an officer closed is never touched.

Safety
------
Idempotent: writes are upserts keyed by (person, type, stay_start), sent only where
something changed. A sweep runs in one transaction under a PostgreSQL advisory lock
(``pg_try_advisory_xact_lock``): a second sweep started meanwhile, on another worker,
skips (``SweepResult.skipped``) instead of doing the same work twice. On SQLite the
database's single writer serialises sweeps.

Speed
-----
On PostgreSQL the events come in one query, aggregated per person into arrays of signed
local-day ordinals (+entry, -exit), limited to the events since ``on`` minus twice the
rolling window plus each person's last earlier event; a person whose stay reaches back
further (or who holds a visa or permit) is re-read with full history. Most persons are
settled by a fast path (no rights, few days in the window: no overstay possible) that
gives the same answer as stay_status_compute (tested); the others go through it.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.db import hot_cursor
from umis.core.policy import get_policy
from umis.stays.constants import ViolationStatus, ViolationType
from umis.stays.selectors import StayRight, stay_rights_of, stay_status_compute

__all__ = [
    "STATE_NAME",
    "SweepResult",
    "evaluate_person",
    "registration_dates",
    "sweep_full",
    "sweep_incremental",
    "unregistered_days_compute",
]

STATE_NAME = "stays"
LOCK_KEY = 0x554D_4953_5357  # "UMISSW": the advisory lock of the stay sweeps
CHUNK = 1000  # findings per upsert statement and per audit entry
IDS_PER_QUERY = 5000  # below SQLite's bound on query parameters
# Receipt order is not commit order: registrations and rights recorded up to this long
# before the last run started are looked at again.
CHANGE_MARGIN = dt.timedelta(minutes=15)
DEEP_EVERY_DAYS = 7  # a full sweep re-reads all border events at least this often

OVERSTAY = str(ViolationType.OVERSTAY)
UNREGISTERED = str(ViolationType.UNREGISTERED_STAY)
OPEN, RESOLVED, CLOSED = (
    str(ViolationStatus.OPEN),
    str(ViolationStatus.RESOLVED),
    str(ViolationStatus.CLOSED),
)
NOON = dt.time(12)

# (type, stay_start) -> (id, status, facts) of a person's findings not closed by an officer
Known = dict[tuple[str, dt.date], tuple[uuid.UUID, str, dict[str, Any]]]
Row = tuple[uuid.UUID, str, dt.date, dict[str, Any]]


@dataclass
class SweepResult:
    mode: str = "full"
    checked: int = 0  # persons evaluated
    created: int = 0
    updated: int = 0
    resolved: int = 0
    reopened: int = 0
    in_country: int = 0
    seconds: float = 0.0
    skipped: bool = False  # another sweep held the lock


# --------------------------------------------------------------------------- pure rules


@lru_cache(maxsize=4096)
def _visa_free(on: dt.date) -> frozenset[str]:
    return frozenset(get_policy().value("stays.visa_free.nationalities", on=on))


@lru_cache(maxsize=4096)
def _window(on: dt.date) -> int:
    return int(get_policy().value("stays.rolling_window.window_days", on=on))


@lru_cache(maxsize=65536)
def _max_days(on: dt.date, nationality: str) -> int:
    return int(get_policy().value("stays.visa_free.max_days", on=on, variant=nationality))


@lru_cache(maxsize=65536)
def _registration_terms(since: dt.date, nationality: str) -> tuple[int, int]:
    pack = get_policy()
    return (
        int(pack.value("stays.registration.required_after_days", on=since, variant=nationality)),
        int(pack.value("stays.registration.deadline_days", on=since, variant=nationality)),
    )


def _clear_caches() -> None:
    # The policy pack can be reloaded (tests, an administrator's change): never keep
    # values across sweeps.
    for cached in (_visa_free, _window, _max_days, _registration_terms, _registration_dates):
        cached.cache_clear()


def registration_dates(*, nationalities: Sequence[str], since: dt.date) -> tuple[dt.date, dt.date]:
    """(deadline, first late day) of a stay begun on ``since``: the deadline is ``since``
    plus ``stays.registration.deadline_days``; the stay is unregistered, with no
    registration, from the first day that is past it and after more than
    ``stays.registration.required_after_days`` in the country. Policy values on
    ``since``; the longest of the person's nationalities, the default for none."""
    return _registration_dates(since, tuple(nationalities))


@lru_cache(maxsize=65536)
def _registration_dates(since: dt.date, nationalities: tuple[str, ...]) -> tuple[dt.date, dt.date]:
    terms = [_registration_terms(since, n) for n in (nationalities or ("",))]
    threshold = max(t[0] for t in terms)
    deadline_days = max(t[1] for t in terms)
    return (
        since + dt.timedelta(days=deadline_days),
        since + dt.timedelta(days=max(threshold, deadline_days + 1)),
    )


def unregistered_days_compute(
    *, nationalities: Sequence[str], since: dt.date, on: dt.date, registered: bool
) -> int:
    """Days past the registration deadline of a stay begun on ``since``, as of ``on``; 0
    when none is needed yet or ``registered`` (a registration with an arrival date in the
    stay exists). The pure decision of registrations.unregistered_days, which should call
    it with ``registered`` from its query."""
    deadline, first_late = registration_dates(nationalities=nationalities, since=since)
    if registered or on < first_late:
        return 0
    return (on - deadline).days


def _stays(track: Sequence[int]) -> list[tuple[int, int | None]]:
    """Pair entries with the following exit, as border.selectors.stays_from_crossings
    does, on signed day ordinals (+entry, -exit)."""
    out: list[tuple[int, int | None]] = []
    entry: int | None = None
    for value in track:
        if value > 0:
            if entry is None:
                entry = value
        elif entry is not None:
            out.append((entry, -value))
            entry = None
    if entry is not None:
        out.append((entry, None))
    return out


def _runs(stays: Sequence[tuple[int, int | None]], on: int) -> list[list[int]]:
    """Runs of consecutive presence days up to ``on`` as [first, last] (inclusive)."""
    runs: list[list[int]] = []
    for entry, exit_ in stays:
        if entry > on:
            break
        last = on if exit_ is None or exit_ > on else exit_
        if runs and entry <= runs[-1][1] + 1:
            if last > runs[-1][1]:
                runs[-1][1] = last
        else:
            runs.append([entry, last])
    return runs


def _presence_between(runs: Sequence[Sequence[int]], first: int, last: int) -> int:
    total = 0
    for a, b in runs:
        if b < first:
            continue
        if a > last:
            break
        total += min(b, last) - max(a, first) + 1
    return total


def _crossings(track: Sequence[int], tz: ZoneInfo) -> list[tuple[str, dt.datetime]]:
    """Crossings at noon of their local day: stay_status_compute only uses the local day
    and the order, so this gives the same answer as the real moments."""
    fromordinal = dt.date.fromordinal
    return [
        (
            "entry" if v > 0 else "exit",
            dt.datetime.combine(fromordinal(abs(v)), NOON, tzinfo=tz),
        )
        for v in track
    ]


@dataclass
class Subject:
    """What the sweep knows of one person. ``track``: signed local-day ordinals of the
    crossings, oldest first (+entry, -exit). ``complete`` False: crossings before the
    day ordinal ``cut`` were left out, except the last one before it."""

    person_id: uuid.UUID
    track: list[int]
    nationalities: list[str]
    rights: list[StayRight] = field(default_factory=list)
    last_arrival: dt.date | None = None  # of the person's latest registration
    complete: bool = True
    cut: int = 0
    # (type, stay_start) -> status of the person's findings not closed by an officer
    findings: dict[tuple[str, dt.date], str] = field(default_factory=dict)


@dataclass
class Outcome:
    since: dt.date | None = None  # the stay the person is in on the day, if any
    recheck_on: dt.date | None = None
    findings: dict[tuple[str, dt.date], dict[str, Any]] = field(default_factory=dict)
    resolved: dict[tuple[str, dt.date], str] = field(default_factory=dict)
    needs_history: bool = False


def _overstay_facts(subject: Subject, at: dt.date, tz: ZoneInfo) -> tuple[dict[str, Any], Any]:
    status = stay_status_compute(
        crossings=_crossings(subject.track, tz),
        nationalities=subject.nationalities,
        rights=subject.rights,
        on=at,
    )
    facts = {
        "overstay_days": status.overstay_days,
        "permitted_until": status.permitted_until.isoformat() if status.permitted_until else None,
        "days_used": status.days_used,
        "basis": status.basis,
        "legal_ref": status.legal_ref,
        "as_of": at.isoformat(),
    }
    return facts, status


def _judge_run(
    subject: Subject, runs: list[list[int]], run: Sequence[int], on: int, tz: ZoneInfo
) -> tuple[dict[str, dict[str, Any]], dict[str, str], dt.date | None, bool]:
    """The findings of one stay (a run of presence days), as of its last day (``on`` at
    the latest): ({type: facts}, {type: reason it does not hold}, recheck day, exact)."""
    first, last = run
    start, at = dt.date.fromordinal(first), dt.date.fromordinal(last)
    ongoing = last == on
    found: dict[str, dict[str, Any]] = {}
    reasons: dict[str, str] = {}
    rechecks: list[dt.date] = []
    window = _window(at)
    if not subject.complete and first - window <= subject.cut:
        return found, reasons, None, False

    # Overstay: the fast path settles persons with no rights who cannot be over the limit.
    visa_free = _visa_free(at)
    eligible = [n for n in subject.nationalities if n in visa_free]
    slow = bool(subject.rights)
    total = 0
    limit = 0
    if not slow and eligible:
        limit = min(max(_max_days(at, n) for n in eligible), window)
        total = _presence_between(runs, first - window + 1, last)
        slow = total > limit
    if slow:
        if subject.rights and not subject.complete:
            return found, reasons, None, False
        facts, status = _overstay_facts(subject, at, tz)
        if status.overstay_days > 0:
            found[OVERSTAY] = facts
            rechecks.append(at + dt.timedelta(days=1))
        else:
            reasons[OVERSTAY] = "within_limit"
            if status.permitted_until is not None:
                rechecks.append(status.permitted_until + dt.timedelta(days=1))
            for right in subject.rights:
                if right.valid_from > at:
                    rechecks.append(right.valid_from)
                if right.valid_to is not None and right.valid_to >= at:
                    rechecks.append(right.valid_to + dt.timedelta(days=1))
    else:
        reasons[OVERSTAY] = "within_limit"
        if eligible:
            # The count of a later day is at most total + the days after ``at``.
            rechecks.append(at + dt.timedelta(days=limit - total + 1))

    # Unregistered stay.
    registered = subject.last_arrival is not None and subject.last_arrival >= start
    if registered:
        reasons[UNREGISTERED] = "registered"
    else:
        deadline, late = registration_dates(nationalities=subject.nationalities, since=start)
        if at >= late:
            found[UNREGISTERED] = {
                "deadline": deadline.isoformat(),
                "ended_on": None if ongoing else at.isoformat(),
            }
        else:
            reasons[UNREGISTERED] = "not_required"
            rechecks.append(late)
    return found, reasons, min(rechecks, default=None), True


def evaluate_person(subject: Subject, on: dt.date, tz: ZoneInfo | None = None) -> Outcome:
    """The findings of one person as of ``on``: for the stay they are in, and for the
    stays of their findings not closed by an officer (judged as of the stay's last day).
    ``needs_history``: the track is not complete enough; call again with full history."""
    tz = tz or ZoneInfo(get_policy().timezone)
    day = on.toordinal()
    out = Outcome()
    stays = _stays(subject.track)
    runs = _runs(stays, day)
    by_start = {r[0]: r for r in runs}
    current = runs[-1] if runs and runs[-1][1] == day else None
    judged: set[int] = set()
    if current is not None:
        found, reasons, recheck, exact = _judge_run(subject, runs, current, day, tz)
        if not exact:
            out.needs_history = True
            return out
        out.since = dt.date.fromordinal(current[0])
        judged.add(current[0])
        for kind, facts in found.items():
            out.findings[(kind, out.since)] = facts
        if stays and stays[-1][1] == day:
            recheck = on + dt.timedelta(days=1)  # left today: the stay ends tomorrow
        out.recheck_on = recheck
        for kind, reason in reasons.items():
            if (kind, out.since) in subject.findings:
                out.resolved[(kind, out.since)] = reason
    elif stays and stays[-1][1] is None and stays[-1][0] > day:
        # An entry recorded for a later day: look again then.
        out.since = dt.date.fromordinal(stays[-1][0])
        out.recheck_on = out.since
    for kind, stay_start in sorted(subject.findings):
        first = stay_start.toordinal()
        if first in judged and current is not None and first == current[0]:
            continue
        run = by_start.get(first)
        if run is None:
            if not subject.complete and first - _window(stay_start) <= subject.cut:
                out.needs_history = True
                return out
            out.resolved[(kind, stay_start)] = "stay_changed"
            continue
        found, reasons, _recheck, exact = _judge_run(subject, runs, run, day, tz)
        if not exact:
            out.needs_history = True
            return out
        if kind in found:
            out.findings[(kind, stay_start)] = found[kind]
        else:
            out.resolved[(kind, stay_start)] = reasons.get(kind, "within_limit")
    return out


# --------------------------------------------------------------------------- reading


def _local_ordinal(moment: dt.datetime, tz: ZoneInfo) -> int:
    return moment.astimezone(tz).date().toordinal()


def _chunks(items: Sequence[Any], size: int = IDS_PER_QUERY) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _nationalities(person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    from umis.registry.models import Nationality

    out: dict[uuid.UUID, list[str]] = {}
    for chunk in _chunks(person_ids):
        rows = (
            Nationality.objects.filter(person_id__in=chunk, valid_to__isnull=True)
            .order_by("id")
            .values_list("person_id", "country_id")
        )
        for pid, country in rows:
            out.setdefault(pid, []).append(country)
    return out


def _last_arrivals(person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dt.date]:
    from django.db.models import Max

    from umis.stays.models import Registration

    out: dict[uuid.UUID, dt.date] = {}
    for chunk in _chunks(person_ids):
        rows = (
            Registration.objects.filter(person_id__in=chunk)
            .values("person_id")
            .annotate(last=Max("arrival_date"))
            .values_list("person_id", "last")
        )
        out.update(dict(rows))
    return out


def _full_tracks(person_ids: Sequence[uuid.UUID], tz: ZoneInfo) -> dict[uuid.UUID, list[int]]:
    """Every crossing of these persons (portable: any database)."""
    from umis.border.models import BorderEvent

    tracks: dict[uuid.UUID, list[int]] = {pid: [] for pid in person_ids}
    for chunk in _chunks(person_ids):
        rows = (
            BorderEvent.objects.filter(person_id__in=chunk)
            .order_by("person_id", "occurred_at", "id")
            .values_list("person_id", "direction", "occurred_at")
        )
        for pid, direction, moment in rows.iterator(chunk_size=5000):
            day = _local_ordinal(moment, tz)
            tracks[pid].append(day if direction == "entry" else -day)
    return tracks


_PG_TRACKS = """
SELECT c.person_id, ev.track, b.boundary, nat.codes, reg.last_arrival,
       EXISTS (SELECT 1 FROM stays_visa v WHERE v.person_id = c.person_id)
       OR EXISTS (SELECT 1 FROM stays_permitperiod p WHERE p.person_id = c.person_id)
  FROM unnest(%(ids)s::uuid[]) AS c(person_id)
  LEFT JOIN LATERAL (
    SELECT array_agg(CASE WHEN e.direction = 'entry' THEN d ELSE -d END
                     ORDER BY e.occurred_at, e.id) AS track
      FROM border_borderevent e,
           LATERAL (SELECT ((e.occurred_at AT TIME ZONE %(tz)s)::date - DATE '0001-01-01' + 1)
                    AS d) day
     WHERE e.person_id = c.person_id AND e.occurred_at >= %(cut_at)s
  ) ev ON true
  LEFT JOIN LATERAL (
    SELECT CASE WHEN p.direction = 'entry' THEN 1 ELSE -1 END
           * ((p.occurred_at AT TIME ZONE %(tz)s)::date - DATE '0001-01-01' + 1) AS boundary
      FROM border_borderevent p
     WHERE p.person_id = c.person_id AND p.occurred_at < %(cut_at)s
     ORDER BY p.occurred_at DESC, p.id DESC
     LIMIT 1
  ) b ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(n.country_id ORDER BY n.id) AS codes FROM registry_nationality n
     WHERE n.person_id = c.person_id AND n.valid_to IS NULL
  ) nat ON true
  LEFT JOIN LATERAL (
    SELECT MAX(r.arrival_date) AS last_arrival FROM stays_registration r
     WHERE r.person_id = c.person_id
  ) reg ON true
"""


def _uuid_array(ids: Iterable[uuid.UUID]) -> str:
    # One text parameter: binding thousands of UUIDs one by one costs more than the query.
    # PostgreSQL reads 32 hex digits as a uuid; .hex is cheaper than str().
    return "{" + ",".join(i.hex for i in ids) + "}"


def _by_uuid(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Sorted (a stable order for chunks and audit entries), on the integer: UUID's own
    comparison is a Python method, a million calls on 100,000 persons."""
    return sorted(ids, key=_UUID_INT)


_UUID_INT = operator.attrgetter("int")


@dataclass
class _Loaded:
    tracks: dict[uuid.UUID, list[int]]
    complete: dict[uuid.UUID, bool]
    cut: int
    nationalities: dict[uuid.UUID, list[str]]
    arrivals: dict[uuid.UUID, dt.date]
    with_rights: list[uuid.UUID]


def _load_postgresql(person_ids: Sequence[uuid.UUID], on: dt.date, tz: ZoneInfo) -> _Loaded:
    """PostgreSQL: per person in one query, the crossings since ``on`` minus twice the
    window (plus the last one before), nationalities, latest registration, and whether
    any stay right is recorded."""
    cut_day = on - dt.timedelta(days=2 * _window(on) + 2)
    cut_at = dt.datetime.combine(cut_day, dt.time(0), tzinfo=tz)
    out = _Loaded({}, {}, cut_day.toordinal(), {}, {}, [])
    with connection.cursor() as cursor:
        for chunk in _chunks(person_ids, 50_000):
            cursor.execute(_PG_TRACKS, {"ids": _uuid_array(chunk), "tz": str(tz), "cut_at": cut_at})
            for pid, track, boundary, codes, arrival, rights in cursor.fetchall():
                days = list(track or [])
                out.complete[pid] = boundary is None  # nothing before the cut
                if boundary is not None and boundary > 0:
                    days.insert(0, boundary)
                out.tracks[pid] = days
                out.nationalities[pid] = list(codes or [])
                if arrival is not None:
                    out.arrivals[pid] = arrival
                if rights:
                    out.with_rights.append(pid)
    return out


def _load_portable(person_ids: Sequence[uuid.UUID], tz: ZoneInfo) -> _Loaded:
    return _Loaded(
        _full_tracks(person_ids, tz),
        {},
        0,
        _nationalities(person_ids),
        _last_arrivals(person_ids),
        list(person_ids),
    )


# --------------------------------------------------------------------------- candidates


def _deep_candidates(on: dt.date, tz: ZoneInfo) -> set[uuid.UUID]:
    """Persons whose latest crossing is an entry or happened on ``on`` or later, from all
    border events."""
    from umis.border.models import BorderEvent

    day_start = dt.datetime.combine(on, dt.time(0), tzinfo=tz)
    if connection.vendor == "postgresql":
        # Every key descending: a backward scan of border_event_person_idx alone, in order.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT person_id FROM (
                  SELECT DISTINCT ON (person_id) person_id, direction, occurred_at
                    FROM border_borderevent WHERE person_id IS NOT NULL
                   ORDER BY person_id DESC, occurred_at DESC, id DESC) last
                 WHERE direction = 'entry' OR occurred_at >= %s
                """,
                [day_start],
            )
            return {row[0] for row in cursor.fetchall()}
    latest: dict[uuid.UUID, tuple[str, dt.datetime]] = {}
    rows = (
        BorderEvent.objects.filter(person__isnull=False)
        .order_by("person_id", "occurred_at", "id")
        .values_list("person_id", "direction", "occurred_at")
    )
    for pid, direction, moment in rows.iterator(chunk_size=5000):
        latest[pid] = (direction, moment)
    return {pid for pid, (d, m) in latest.items() if d == "entry" or m >= day_start}


def _new_event_candidates(
    low: int, high: int, on: dt.date, tz: ZoneInfo
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Persons with border events received in (low, high]: (those to evaluate, those
    that only leave PersonStay). To evaluate: the latest new crossing is an entry or on
    ``on`` or later, or the person has a finding not closed, or a crossing as late or
    later received before (a late event inside a history). The others left the country
    before ``on``: nothing to find, only their PersonStay row goes."""
    from umis.border.models import BorderEvent
    from umis.stays.models import PersonStay, Violation

    day_start = dt.datetime.combine(on, dt.time(0), tzinfo=tz)
    if connection.vendor == "postgresql":
        # 1: evaluate; 2: only drop the PersonStay row; others need nothing. The probe for
        # a later crossing is made only for persons the last sweep saw in the country.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT person_id, code FROM (
                  SELECT l.person_id,
                         CASE WHEN l.direction = 'entry' OR l.occurred_at >= %(day)s THEN 1
                              WHEN EXISTS (SELECT 1 FROM stays_violation v
                                            WHERE v.person_id = l.person_id
                                              AND v.status IN ('open', 'resolved')) THEN 1
                              WHEN s.person_id IS NULL THEN 0
                              WHEN EXISTS (SELECT 1 FROM border_borderevent e
                                            WHERE e.person_id = l.person_id
                                              AND e.occurred_at >= l.occurred_at
                                              AND e.id <> l.id) THEN 1
                              ELSE 2 END AS code
                    FROM (SELECT DISTINCT ON (person_id) person_id, direction, occurred_at, id
                            FROM border_borderevent
                           WHERE id > %(low)s AND id <= %(high)s AND person_id IS NOT NULL
                           ORDER BY person_id DESC, occurred_at DESC, id DESC) l
                    LEFT JOIN stays_personstay s ON s.person_id = l.person_id) c
                 WHERE code > 0
                """,
                {"day": day_start, "low": low, "high": high},
            )
            rows = cursor.fetchall()
        return {r[0] for r in rows if r[1] == 1}, {r[0] for r in rows if r[1] == 2}
    latest: dict[uuid.UUID, tuple[str, dt.datetime]] = {}
    events = (
        BorderEvent.objects.filter(id__gt=low, id__lte=high, person__isnull=False)
        .order_by("person_id", "occurred_at", "id")
        .values_list("person_id", "direction", "occurred_at")
    )
    for pid, direction, moment in events.iterator(chunk_size=5000):
        latest[pid] = (direction, moment)
    evaluate = {p for p, (d, m) in latest.items() if d == "entry" or m >= day_start}
    rest = list(set(latest) - evaluate)
    for chunk in _chunks(rest):
        evaluate.update(
            PersonStay.objects.filter(person_id__in=chunk).values_list("person_id", flat=True)
        )
        evaluate.update(
            Violation.objects.filter(person_id__in=chunk, status__in=[OPEN, RESOLVED]).values_list(
                "person_id", flat=True
            )
        )
    return evaluate, set(latest) - evaluate


def _changed_records(since: dt.datetime) -> set[uuid.UUID]:
    """Persons with registrations or stay rights recorded or changed since ``since``."""
    from umis.stays import models as stays_models

    out: set[uuid.UUID] = set(
        stays_models.Registration.objects.filter(registered_at__gte=since).values_list(
            "person_id", flat=True
        )
    )
    for name in ("Visa", "PermitPeriod"):
        model = getattr(stays_models, name, None)
        if model is not None:
            out.update(
                model.objects.filter(updated_at__gte=since).values_list("person_id", flat=True)
            )
    return out


# --------------------------------------------------------------------------- writing


def _existing(
    person_ids: Iterable[uuid.UUID] | None,
) -> dict[uuid.UUID, Known]:
    """Findings not closed by an officer: person -> (type, stay_start) -> (id, status,
    facts). All of them when ``person_ids`` is None."""
    from umis.stays.models import Violation

    out: dict[uuid.UUID, Known] = {}
    base = Violation.objects.filter(status__in=[OPEN, RESOLVED], type__in=[OVERSTAY, UNREGISTERED])
    fields = ("person_id", "type", "stay_start", "id", "status", "facts")
    if person_ids is None:
        batches: Iterable[Any] = [base.values_list(*fields)]
    else:
        ids = list(person_ids)
        if connection.vendor == "postgresql":
            batches = [
                base.extra(
                    where=["person_id = ANY(%s::uuid[])"], params=[_uuid_array(ids)]
                ).values_list(*fields)
            ]
        else:
            batches = (base.filter(person_id__in=c).values_list(*fields) for c in _chunks(ids))
    for rows in batches:
        for pid, kind, start, vid, status, facts in rows:
            out.setdefault(pid, {})[(kind, start)] = (vid, status, facts)
    return out


def _facts_json(facts: dict[str, Any]) -> str:
    return json.dumps(facts, sort_keys=True)


def _upsert(
    rows: list[tuple[uuid.UUID, str, dt.date, dict[str, Any]]], now: dt.datetime
) -> list[tuple[uuid.UUID, bool]]:
    """Insert or update findings in one statement per chunk; (id, inserted) per row that
    was written (an officer's closed finding is left alone)."""
    from umis.stays.models import Violation

    if connection.vendor == "postgresql":
        return _upsert_postgresql(rows, now)
    table = Violation._meta.db_table
    written: list[tuple[uuid.UUID, bool]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, CHUNK):
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for pid, kind, start, facts in chunk:
                params += [
                    uuid.uuid4().hex,
                    pid.hex,
                    kind,
                    start,
                    _facts_json(facts),
                    OPEN,
                    now,
                    now,
                ]
            # The table name comes from the model; every value is a parameter.
            cursor.execute(
                f"""
                INSERT INTO {table}
                  (id, person_id, type, stay_start, facts, status, detected_at, updated_at)
                VALUES {values}
                ON CONFLICT (person_id, type, stay_start) DO UPDATE
                   SET facts = excluded.facts, status = excluded.status,
                       updated_at = excluded.updated_at
                 WHERE {table}.status <> %s
                   AND ({table}.facts <> excluded.facts OR {table}.status <> excluded.status)
                RETURNING id, detected_at
                """,  # noqa: S608
                [*params, CLOSED],
            )
            for vid, detected in cursor.fetchall():
                if not isinstance(vid, uuid.UUID):
                    vid = uuid.UUID(str(vid))
                if isinstance(detected, str):  # SQLite without converters
                    detected = dt.datetime.fromisoformat(detected)
                if timezone.is_naive(detected):
                    detected = timezone.make_aware(detected, dt.UTC)
                written.append((vid, detected == now))
    return written


_PG_UPSERT = """
INSERT INTO stays_violation
  (id, person_id, type, stay_start, facts, status, detected_at, updated_at)
SELECT v.id, v.person_id, v.type, v.stay_start, v.facts::jsonb, %(open)s, %(now)s, %(now)s
  FROM unnest(%(ids)s::uuid[], %(persons)s::uuid[], %(types)s::text[], %(starts)s::date[],
              %(facts)s::text[]) AS v(id, person_id, type, stay_start, facts)
ON CONFLICT (person_id, type, stay_start) DO UPDATE
   SET facts = excluded.facts, status = excluded.status, updated_at = excluded.updated_at
 WHERE stays_violation.status <> %(closed)s
   AND (stays_violation.facts <> excluded.facts OR stays_violation.status <> excluded.status)
RETURNING id, detected_at
"""

_PG_RESOLVE = """
UPDATE stays_violation v SET status = %(resolved)s, facts = u.facts::jsonb, updated_at = %(now)s
  FROM unnest(%(ids)s::uuid[], %(facts)s::text[]) AS u(id, facts)
 WHERE v.id = u.id AND v.status = %(open)s
"""


def _upsert_postgresql(rows: list[Row], now: dt.datetime) -> list[tuple[uuid.UUID, bool]]:
    """The upsert as one statement over arrays (server-side parameters): no SQL text of
    thousands of "%s" parameter markers to build, send and parse."""
    written: list[tuple[uuid.UUID, bool]] = []
    with hot_cursor() as cursor:
        for chunk in _chunks(rows, 20 * CHUNK):
            cursor.execute(
                _PG_UPSERT,
                {
                    "ids": [uuid.uuid4() for _ in chunk],
                    "persons": [r[0] for r in chunk],
                    "types": [r[1] for r in chunk],
                    "starts": [r[2] for r in chunk],
                    "facts": [_facts_json(r[3]) for r in chunk],
                    "open": OPEN,
                    "closed": CLOSED,
                    "now": now,
                },
                prepare=False,
            )
            written += [(vid, detected == now) for vid, detected in cursor.fetchall()]
    return written


def _resolve(items: list[tuple[uuid.UUID, dict[str, Any]]], now: dt.datetime) -> None:
    from umis.stays.models import Violation

    if connection.vendor == "postgresql":
        with hot_cursor() as cursor:
            for chunk in _chunks(items, 20 * CHUNK):
                cursor.execute(
                    _PG_RESOLVE,
                    {
                        "ids": [vid for vid, _f in chunk],
                        "facts": [_facts_json(f) for _v, f in chunk],
                        "resolved": RESOLVED,
                        "open": OPEN,
                        "now": now,
                    },
                    prepare=False,
                )
        return
    for vid, facts in items:
        Violation.objects.filter(pk=vid, status=OPEN).update(
            status=RESOLVED, facts=facts, updated_at=now
        )


def _audit(action: str, key: str, ids: list[uuid.UUID], on: dt.date) -> None:
    for chunk in _chunks(ids, CHUNK):
        audit_record(
            actor=None,
            action=action,
            object_type="stays.violation",
            changes={key: [None, [str(i) for i in chunk]], "as_of": [None, on.isoformat()]},
            purpose="stay sweep",
        )


def _write_person_stays(
    rows: dict[uuid.UUID, tuple[dt.date, dt.date | None]],
    on: dt.date,
    replace: Iterable[uuid.UUID] | None,
) -> None:
    """Replace the PersonStay rows of ``replace`` (all rows when None) by ``rows``."""
    from umis.stays.models import PersonStay

    if replace is None:
        PersonStay.objects.all().delete()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM stays_personstay WHERE person_id = ANY(%s::uuid[])",
                [_uuid_array(replace)],
            )
    else:
        ids = list(replace)
        for chunk in _chunks(ids):
            PersonStay.objects.filter(person_id__in=chunk).delete()
    if connection.vendor == "postgresql" and len(rows) > 2000:
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                "COPY stays_personstay (person_id, since, recheck_on, evaluated_on) FROM STDIN"
            ) as copy:
                for pid, (since, recheck) in rows.items():
                    copy.write_row((pid, since, recheck, on))
        return
    PersonStay.objects.bulk_create(
        [
            PersonStay(person_id=pid, since=since, recheck_on=recheck, evaluated_on=on)
            for pid, (since, recheck) in rows.items()
        ],
        batch_size=1000,
    )


# --------------------------------------------------------------------------- the sweep


def _lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            return False
        # The reads are index probes per person whose estimated cost crosses
        # jit_above_cost: JIT compilation then costs about 0.35 s per 50,000-person chunk
        # and saves nothing. Local to the sweep's transaction.
        cursor.execute("SET LOCAL jit = off")
        return True


def _evaluate_all(
    person_ids: list[uuid.UUID], on: dt.date, tz: ZoneInfo, result: SweepResult, everyone: bool
) -> tuple[dict[uuid.UUID, Outcome], dict[uuid.UUID, Known]]:
    """Load what the persons' findings depend on in bulk and evaluate them. ``everyone``:
    the ids include every person with a finding not closed (a full sweep): read them all
    at once."""
    existing = _existing(None if everyone else person_ids)
    if connection.vendor == "postgresql":
        loaded = _load_postgresql(person_ids, on, tz)
    else:
        loaded = _load_portable(person_ids, tz)
    rights = stay_rights_of(loaded.with_rights, on) if loaded.with_rights else {}
    outcomes: dict[uuid.UUID, Outcome] = {}
    again: list[uuid.UUID] = []

    def subject(pid: uuid.UUID, track: list[int], is_complete: bool) -> Subject:
        return Subject(
            person_id=pid,
            track=track,
            nationalities=loaded.nationalities.get(pid, []),
            rights=rights.get(pid, []),
            last_arrival=loaded.arrivals.get(pid),
            complete=is_complete,
            cut=loaded.cut,
            findings={k: v[1] for k, v in existing.get(pid, {}).items()},
        )

    for pid in person_ids:
        one = subject(pid, loaded.tracks.get(pid, []), loaded.complete.get(pid, True))
        outcome = evaluate_person(one, on, tz)
        if outcome.needs_history:
            again.append(pid)
        else:
            outcomes[pid] = outcome
    if again:
        for pid, track in _full_tracks(again, tz).items():
            outcomes[pid] = evaluate_person(subject(pid, track, True), on, tz)
    result.checked += len(person_ids)
    return outcomes, existing


def _apply(
    outcomes: dict[uuid.UUID, Outcome],
    existing: dict[uuid.UUID, Known],
    on: dt.date,
    result: SweepResult,
) -> dict[uuid.UUID, tuple[dt.date, dt.date | None]]:
    now = timezone.now()
    upserts: list[Row] = []
    reopened: list[uuid.UUID] = []
    resolutions: list[tuple[uuid.UUID, dict[str, Any]]] = []
    stays: dict[uuid.UUID, tuple[dt.date, dt.date | None]] = {}
    for pid, outcome in outcomes.items():
        if outcome.since is not None:
            stays[pid] = (outcome.since, outcome.recheck_on)
        known = existing.get(pid, {})
        for (kind, start), facts in outcome.findings.items():
            before = known.get((kind, start))
            if before is not None and before[1] == OPEN and before[2] == facts:
                continue
            if before is not None and before[1] == RESOLVED:
                reopened.append(before[0])
            upserts.append((pid, kind, start, facts))
        for (kind, start), reason in outcome.resolved.items():
            before = known.get((kind, start))
            if before is None or before[1] != OPEN:
                continue
            resolutions.append(
                (before[0], {**before[2], "resolved_reason": reason, "resolved_on": on.isoformat()})
            )
    written = _upsert(upserts, now)
    created = [vid for vid, inserted in written if inserted]
    result.created += len(created)
    result.updated += len(written) - len(created)
    result.reopened += len(reopened)
    _resolve(resolutions, now)
    result.resolved += len(resolutions)
    _audit(AuditAction.CREATE, "created", created, on)
    _audit(AuditAction.UPDATE, "reopened", reopened, on)
    _audit(AuditAction.UPDATE, "resolved", [vid for vid, _ in resolutions], on)
    result.in_country += len(stays)
    return stays


def _state() -> Any:
    from umis.stays.models import SweepState

    state, _ = SweepState.objects.select_for_update().get_or_create(name=STATE_NAME)
    return state


def _high_water() -> int:
    from django.db.models import Max

    from umis.border.models import BorderEvent

    return int(BorderEvent.objects.aggregate(m=Max("id"))["m"] or 0)


def sweep_full(*, on: dt.date | None = None, deep: bool | None = None) -> SweepResult:
    """Evaluate every person who may be in the country on ``on`` (default today) and
    rebuild PersonStay. ``deep``: find them from all border events rather than from the
    last sweep's state (default: when there is no state yet, or the last deep run is
    more than DEEP_EVERY_DAYS old)."""
    from umis.stays.models import PersonStay, Violation

    started = time.perf_counter()
    on = on or timezone.localdate()
    result = SweepResult(mode="full")
    began = timezone.now()
    _clear_caches()
    tz = ZoneInfo(get_policy().timezone)
    with transaction.atomic():
        if not _lock():
            result.skipped = True
            return result
        state = _state()
        high = _high_water()
        if deep is None:
            deep = (
                state.last_deep_on is None
                or (on - state.last_deep_on).days >= DEEP_EVERY_DAYS
                or (state.last_run_on is not None and on < state.last_run_on)
            )
        if deep:
            candidates = _deep_candidates(on, tz)
        else:
            candidates = set(PersonStay.objects.values_list("person_id", flat=True))
            present, _left = _new_event_candidates(state.last_event_id, high, on, tz)
            candidates |= present
            if state.last_run_at is not None:
                candidates |= _changed_records(state.last_run_at - CHANGE_MARGIN)
        candidates |= set(
            Violation.objects.filter(
                status__in=[OPEN, RESOLVED], type__in=[OVERSTAY, UNREGISTERED]
            ).values_list("person_id", flat=True)
        )
        ids = _by_uuid(candidates)
        outcomes, existing = _evaluate_all(ids, on, tz, result, everyone=True)
        stays = _apply(outcomes, existing, on, result)
        _write_person_stays(stays, on, None)
        state.last_event_id = max(high, state.last_event_id)
        state.last_run_on = on
        state.last_run_at = began
        state.last_full_on = on
        if deep:
            state.last_deep_on = on
        state.save()
    result.seconds = time.perf_counter() - started
    return result


def sweep_incremental(*, on: dt.date | None = None) -> SweepResult:
    """Evaluate only the persons whose findings may have changed since the last sweep
    (see the module docstring). Runs a full sweep instead when there is no state yet or
    ``on`` is before the last run's day."""
    from umis.stays.models import PersonStay

    started = time.perf_counter()
    on = on or timezone.localdate()
    result = SweepResult(mode="incremental")
    began = timezone.now()
    _clear_caches()
    tz = ZoneInfo(get_policy().timezone)
    with transaction.atomic():
        if not _lock():
            result.skipped = True
            return result
        state = _state()
        if state.last_run_on is None or state.last_run_at is None or on < state.last_run_on:
            full = True
        else:
            full = False
            high = _high_water()
            candidates, left = _new_event_candidates(state.last_event_id, high, on, tz)
            candidates.update(
                PersonStay.objects.filter(recheck_on__lte=on).values_list("person_id", flat=True)
            )
            candidates |= _changed_records(state.last_run_at - CHANGE_MARGIN)
            ids = _by_uuid(candidates)
            outcomes, existing = _evaluate_all(ids, on, tz, result, everyone=False)
            stays = _apply(outcomes, existing, on, result)
            _write_person_stays(stays, on, [*ids, *left])
            state.last_event_id = max(high, state.last_event_id)
            state.last_run_on = on
            state.last_run_at = began
            state.save()
    if full:
        return sweep_full(on=on)
    result.seconds = time.perf_counter() - started
    return result
