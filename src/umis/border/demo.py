"""Synthetic border data for the demo and the benchmarks. Demonstrations and load tests only.

Two parts:

* :func:`load_events` — an entry/exit history for the persons already in the database,
  written straight into border_borderevent with COPY (PostgreSQL) or executemany
  (SQLite), bypassing ingestion (no matching: every event names its holder's document,
  ``link_method`` "document"). The shape follows what a border system sends: most people
  make a few short trips over three years; some stay for months (visa-free nationals past
  90 days in 180 become overstays); about a tenth are in the country on the evaluation
  day; a few exits have no recorded entry (flagged as ingestion would). ``received_at``
  is the crossing plus the border system's delivery delay (seconds to minutes).
  Deterministic for a given seed and day. The benchmarks (bench/border_data.py) use it.
* :func:`demo_border_data_ensure` — what `umis setup_demo` adds once, when no border
  event exists: about ten events per person, then, through the ordinary services (so
  every write is validated and audited), visas and e-visas for non-visa-free travellers
  (most cover the current stay, a few expired during it: overstays on a visa), a few
  entry bans and invalid documents, a few registrations by the demo hotel, and one full
  detection sweep, so that the person page, the worklists and the border check show data.
  The writers are the demo accounts of `umis.core.demo_users` acting as the systems they
  stand for (visa register: the officer; watch list: the supervisor and the border
  officer; guest registration: the demo hotel); the event load itself is audited as one
  system entry.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from umis.border.constants import Direction, EventFlag, InvalidReason, LinkMethod

__all__ = [
    "DemoBorderResult",
    "EventsResult",
    "demo_border_data_ensure",
    "load_events",
]

COLUMNS = (
    "event_id",
    "direction",
    "occurred_at",
    "crossing_point_id",
    "document_type",
    "document_number",
    "document_issuing_state",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
    "visa_number",
    "purpose",
    "person_id",
    "link_method",
    "link_score",
    "flags",
    "received_at",
)
# Names from the constant above, never from input.
_INSERT = "INSERT INTO border_borderevent ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(COLUMNS), ", ".join(["%s"] * len(COLUMNS))
)
_COPY = f"COPY border_borderevent ({', '.join(COLUMNS)}) FROM STDIN"
HISTORY_DAYS = 3 * 365
IN_COUNTRY_SHARE = 0.10
LONG_STAY_SHARE = 0.03  # stays of 60-200 days: the overstays of visa-free nationals
ORPHAN_EXIT_SHARE = 0.002  # an exit whose entry the border system never sent
# The border system's delivery delay: most events arrive within a minute, some later.
DELAY_SECONDS = 20.0  # mean of the exponential delay
DELAY_MAX_SECONDS = 6 * 3600


@dataclass
class EventsResult:
    persons: int
    events: int
    in_country: int
    seconds: float

    def line(self) -> str:
        rate = self.events / self.seconds if self.seconds else 0
        return (
            f"{self.events:,} events for {self.persons:,} persons "
            f"({self.in_country:,} in the country) in {self.seconds:.1f} s = {rate:,.0f} events/s"
        )


@dataclass(frozen=True)
class _Traveller:
    person_id: str
    number: str
    issuing_state: str
    document_type: str
    family_name: str
    given_names: str
    birth_date: str
    sex: str
    nationality: str


def _travellers() -> list[_Traveller]:
    """One travel document per person (the first by number), with the person's first
    current nationality."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id, d.number, d.issuing_state_id, d.document_type_id, p.family_name,
                   p.given_names, p.birth_year, p.birth_month, p.birth_day, p.sex,
                   (SELECT n.country_id FROM registry_nationality n
                     WHERE n.person_id = p.id AND n.valid_to IS NULL
                     ORDER BY n.id LIMIT 1)
              FROM registry_person p
              JOIN registry_identitydocument d ON d.person_id = p.id
             ORDER BY p.id, d.number
            """
        )
        seen: set[str] = set()
        out = []
        for pid, number, state, dtype, family, given, year, month, day, sex, nat in cursor:
            key = str(pid)
            if key in seen:
                continue
            seen.add(key)
            birth = str(year) + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")
            out.append(
                _Traveller(
                    key.replace("-", ""),
                    number,
                    state,
                    dtype,
                    family,
                    given,
                    birth,
                    sex,
                    nat or state,
                )
            )
    return out


def _crossing_points() -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, code FROM core_crossingpoint WHERE is_active ORDER BY id")
        return [(int(pk), str(code)) for pk, code in cursor.fetchall()]


def _trips(
    rng: random.Random, count: int, in_country: bool, on: dt.date
) -> list[tuple[dt.datetime, str]]:
    """`count` crossings (alternating entry/exit, oldest first) ending before `on`; the
    last one is an entry when the person is in the country."""
    moments: list[tuple[dt.datetime, str]] = []
    # Nothing after midnight of `on` (UTC) nor in the future.
    limit = min(
        dt.datetime.combine(on, dt.time(0), tzinfo=dt.UTC), dt.datetime.now(dt.UTC)
    ) - dt.timedelta(hours=1)
    trips = (count + 1) // 2
    start = on - dt.timedelta(days=HISTORY_DAYS)
    # Split the history into `trips` slots; each trip sits inside its slot.
    slot = max(HISTORY_DAYS // max(trips, 1), 2)
    for t in range(trips):
        slot_start = start + dt.timedelta(days=t * slot)
        last = t == trips - 1
        if rng.random() < LONG_STAY_SHARE:
            length = rng.randint(60, 200)
        else:
            length = min(int(rng.expovariate(1 / 8)) + 1, 45)
        if last and in_country:
            length = min(length, max(slot - 1, 1))
            entry_day = on - dt.timedelta(days=rng.randint(1, max(length, 1)))
        else:
            latest = max(slot - length - 1, 0)
            entry_day = slot_start + dt.timedelta(days=rng.randint(0, latest))
        entry = dt.datetime.combine(
            entry_day, dt.time(rng.randint(0, 23), rng.randint(0, 59)), tzinfo=dt.UTC
        )
        moments.append((min(entry, limit), Direction.ENTRY.value))
        if len(moments) < count:
            exit_ = entry + dt.timedelta(days=length - 1, hours=rng.randint(0, 12))
            moments.append((min(exit_, limit), Direction.EXIT.value))
    moments.sort()
    return moments[:count]


def _rows(
    travellers: list[_Traveller],
    points: list[tuple[int, str]],
    events: int,
    seed: int,
    on: dt.date,
    prefix: str,
) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    # Its own generator, so that delays do not change the trips a seed gives.
    delays = random.Random(f"{seed}-received")
    now = dt.datetime.now(dt.UTC)
    per_person = events / max(len(travellers), 1)
    produced = 0
    serial = 0
    exit_flags = f'["{EventFlag.EXIT_WITHOUT_ENTRY.value}"]'
    entry_flags = f'["{EventFlag.ENTRY_WITHOUT_EXIT.value}"]'
    for index, who in enumerate(travellers):
        remaining_people = len(travellers) - index
        remaining = events - produced
        if remaining <= 0:
            break
        in_country = rng.random() < IN_COUNTRY_SHARE
        mean = remaining / remaining_people if remaining_people else per_person
        count = max(1, min(remaining, int(rng.uniform(0.5, 1.5) * mean + 0.5)))
        last = index == len(travellers) - 1
        if last:
            count = remaining  # exact total: the last person takes what is left
        elif in_country != (count % 2 == 1):
            count = count + 1 if count < remaining else max(count - 1, 1)
        moments = _trips(rng, count, count % 2 == 1, on)
        orphan = not last and rng.random() < ORPHAN_EXIT_SHARE and len(moments) > 1
        if orphan:
            moments = moments[1:]  # the first entry never arrived: its exit is flagged
        previous = ""
        for moment, direction in moments:
            serial += 1
            point_id, _code = points[rng.randrange(len(points))]
            flags = "[]"
            if direction == Direction.EXIT and previous != Direction.ENTRY:
                flags = exit_flags
            elif direction == Direction.ENTRY and previous == Direction.ENTRY:
                flags = entry_flags
            previous = direction
            delay = min(delays.expovariate(1 / DELAY_SECONDS), DELAY_MAX_SECONDS)
            received = min(moment + dt.timedelta(seconds=delay), now)
            yield (
                f"{prefix}-{seed}-{serial:010d}",
                direction,
                moment,
                point_id,
                who.document_type,
                who.number,
                who.issuing_state,
                who.family_name,
                who.given_names,
                who.birth_date,
                who.sex,
                who.nationality,
                "",
                "tourism" if direction == Direction.ENTRY else "",
                who.person_id,
                LinkMethod.DOCUMENT.value,
                1.0,
                flags,
                received,
            )
        produced += len(moments)


def _copy_text(value: object) -> str:
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _sqlite_value(value: Any) -> Any:
    # Django's SQLite format: naive UTC text, so that comparisons sort right.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def load_events(
    events: int, *, seed: int = 0, on: dt.date | None = None, prefix: str = "DEMO"
) -> EventsResult:
    """Append `events` crossings for the persons in the database (see the module
    docstring); event ids are ``{prefix}-{seed}-{serial}``, so a load with another seed
    (or prefix) adds to an earlier one without clashing."""
    on = on or timezone.localdate()
    start = time.perf_counter()
    travellers = _travellers()
    # Read before COPY starts: the generator runs inside it, on the same connection.
    rows = _rows(travellers, _crossing_points(), events, seed, on, prefix)
    count = in_country = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3
            with raw.copy(_COPY) as copy:
                buffer: list[str] = []
                for row in rows:
                    buffer.append("\t".join(_copy_text(v) for v in row))
                    count += 1
                    if len(buffer) >= 20_000:
                        copy.write("\n".join(buffer) + "\n")
                        buffer.clear()
                if buffer:
                    copy.write("\n".join(buffer) + "\n")
        else:
            batch = [tuple(_sqlite_value(v) for v in row) for row in rows]
            count = len(batch)
            cursor.executemany(_INSERT, batch)
        cursor.execute(
            """
            SELECT COUNT(*) FROM (
              SELECT DISTINCT ON (person_id) direction FROM border_borderevent
               ORDER BY person_id DESC, occurred_at DESC, id DESC) last
             WHERE direction = 'entry'
            """
            if connection.vendor == "postgresql"
            else """
            SELECT COUNT(*) FROM border_borderevent e
             WHERE e.direction = 'entry' AND NOT EXISTS (
               SELECT 1 FROM border_borderevent l WHERE l.person_id = e.person_id
                  AND (l.occurred_at > e.occurred_at
                       OR (l.occurred_at = e.occurred_at AND l.id > e.id)))
            """
        )
        in_country = int(cursor.fetchone()[0])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE border_borderevent")
    return EventsResult(len(travellers), count, in_country, time.perf_counter() - start)


# --------------------------------------------------------------------------- the demo

EVENTS_PER_PERSON = 10
VISA_SHARE = 0.85  # in-country non-visa-free travellers whose visa is on record
EXPIRED_SHARE = 0.10  # of those: the visa ended during the stay (an overstay)
PAST_VISA_SHARE = 0.30  # travellers abroad: a visa for their last trip, for the history
ENTRY_BANS = 3
INVALID_DOCUMENTS = 4
REGISTRATIONS = 15
DEMO_SEED = 0
AUTHORITY = "State Migration Service of the Republic of Azerbaijan (demo)"
BAN_GROUNDS = ("previously_expelled", "purpose_violated", "unpaid_fine")


@dataclass
class DemoBorderResult:
    events: EventsResult
    visas: int = 0
    expired_visas: int = 0
    entry_bans: int = 0
    invalid_documents: int = 0
    registrations: int = 0
    overstays: int = 0
    unregistered: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"Demo border data: {self.events.events:,} events for {self.events.persons:,} "
            f"persons ({self.events.in_country:,} in the country), {self.visas} visas "
            f"({self.expired_visas} expired during the stay), {self.entry_bans} entry bans, "
            f"{self.invalid_documents} invalid documents, {self.registrations} registrations; "
            f"findings: {self.overstays} overstays, {self.unregistered} unregistered stays "
            f"({self.seconds:.1f} s)."
        )


@dataclass
class _History:
    """A person's crossings as local days, oldest first, and the last event's document."""

    days: list[tuple[str, dt.date]] = field(default_factory=list)
    document: dict[str, str] = field(default_factory=dict)

    @property
    def in_country(self) -> bool:
        return bool(self.days) and self.days[-1][0] == Direction.ENTRY

    def last_trip(self) -> tuple[dt.date, dt.date | None, dt.date | None]:
        """(entry, exit or None when still in, the exit before that entry or None)."""
        entries = [i for i, (d, _day) in enumerate(self.days) if d == Direction.ENTRY]
        i = entries[-1]
        exit_ = self.days[i + 1][1] if i + 1 < len(self.days) else None
        before = next((day for d, day in reversed(self.days[:i]) if d == Direction.EXIT), None)
        return self.days[i][1], exit_, before


def _histories() -> dict[uuid.UUID, _History]:
    from umis.border.models import BorderEvent

    out: dict[uuid.UUID, _History] = {}
    rows = (
        BorderEvent.objects.filter(person__isnull=False)
        .order_by("person_id", "occurred_at", "id")
        .values_list(
            "person_id",
            "direction",
            "occurred_at",
            "document_type",
            "document_number",
            "document_issuing_state",
            "family_name",
            "given_names",
            "birth_date",
            "sex",
            "nationality",
        )
    )
    for (
        pid,
        direction,
        moment,
        dtype,
        number,
        state,
        family,
        given,
        birth,
        sex,
        nat,
    ) in rows.iterator(chunk_size=5000):
        history = out.setdefault(pid, _History())
        history.days.append((direction, timezone.localtime(moment).date()))
        history.document = {
            "document_type": dtype,
            "document_number": number,
            "document_issuing_state": state,
            "family_name": family,
            "given_names": given,
            "birth_date": birth,
            "sex": sex,
            "nationality": nat,
        }
    return out


def _nationalities() -> dict[uuid.UUID, set[str]]:
    from umis.registry.models import Nationality

    out: dict[uuid.UUID, set[str]] = {}
    for pid, code in Nationality.objects.filter(valid_to__isnull=True).values_list(
        "person_id", "country_id"
    ):
        out.setdefault(pid, set()).add(code)
    return out


def _visa_from(rng: random.Random, entry: dt.date, before: dt.date | None) -> dt.date:
    """A first day of validity shortly before the entry, after the previous exit (a
    single-entry visa must not cover an earlier trip)."""
    start = entry - dt.timedelta(days=rng.randint(0, 20))
    if before is not None and start <= before:
        start = min(before + dt.timedelta(days=1), entry)
    return start


def _visa_items(
    rng: random.Random,
    histories: Mapping[uuid.UUID, _History],
    nationalities: Mapping[uuid.UUID, set[str]],
    visa_free: set[str],
    today: dt.date,
) -> tuple[list[dict[str, Any]], int]:
    """Visas and e-visas for non-visa-free travellers: (items, how many expired)."""
    current: list[tuple[uuid.UUID, dt.date, dt.date | None]] = []
    past: list[tuple[uuid.UUID, dt.date, dt.date, dt.date | None]] = []
    for pid in sorted(histories):
        if nationalities.get(pid, set()) & visa_free:
            continue
        history = histories[pid]
        if not any(d == Direction.ENTRY for d, _day in history.days):
            continue
        entry, exit_, before = history.last_trip()
        if exit_ is None:
            if rng.random() < VISA_SHARE:
                current.append((pid, entry, before))
        elif rng.random() < PAST_VISA_SHARE:
            past.append((pid, entry, exit_, before))
    # A few visas ended during the current stay: at least one, so that an overstay on a
    # visa always shows.
    long_enough = [c for c in current if (today - c[1]).days >= 4]
    expired_count = min(len(long_enough), max(1, round(len(current) * EXPIRED_SHARE)))
    expired = {c[0] for c in rng.sample(long_enough, expired_count)}
    items: list[dict[str, Any]] = []
    serial = 0

    def add(pid: uuid.UUID, kind: str, **terms: Any) -> None:
        nonlocal serial
        serial += 1
        prefix = "EV" if kind == "e_visa" else "V"
        items.append(
            {
                "person_id": pid,
                "kind": kind,
                "number": f"DEMO{prefix}{serial:07d}",
                "issued_by": "ASAN Visa" if kind == "e_visa" else "Consular service (demo)",
                **terms,
            }
        )

    for pid, entry, before in current:
        length = (today - entry).days
        if pid in expired:
            overstay = rng.randint(2, min(length, 30))
            add(
                pid,
                "visa",
                entries="single",
                valid_from=_visa_from(rng, entry, before),
                valid_to=today - dt.timedelta(days=overstay),
                purpose="tourism",
            )
        elif length <= 25:
            # An e-visa: the pack's validity, stay and entries apply.
            add(pid, "e_visa", valid_from=_visa_from(rng, entry, before), purpose="tourism")
        else:
            long_stay = length > 60
            add(
                pid,
                "visa",
                entries="multiple",
                valid_from=entry - dt.timedelta(days=rng.randint(0, 30)),
                valid_to=today + dt.timedelta(days=rng.randint(60, 300)),
                stay_days=None if long_stay else 90,
                purpose="work" if long_stay else "business",
            )
    for pid, entry, exit_, before in past:
        length = (exit_ - entry).days + 1
        if length <= 30:
            add(pid, "e_visa", valid_from=_visa_from(rng, entry, before), purpose="tourism")
        else:
            add(
                pid,
                "visa",
                entries="multiple",
                valid_from=entry - dt.timedelta(days=rng.randint(0, 30)),
                valid_to=exit_ + dt.timedelta(days=rng.randint(0, 60)),
                purpose="business",
            )
    return items, len(expired)


def _user(username: str) -> Any:
    from umis.core.models import User

    return User.objects.get(username=username)


def _check(results: Sequence[Any], what: str) -> None:
    """Demo data is ours: a rejected item is a bug, not bad input to report."""
    rejected = [r for r in results if r.status == "rejected"]
    if rejected:
        raise RuntimeError(f"demo {what} rejected: {rejected[:3]}")


def demo_border_data_ensure(
    *, events_per_person: int = EVENTS_PER_PERSON, seed: int = DEMO_SEED
) -> DemoBorderResult | None:
    """Add the demo's border and stay data (see the module docstring) when no border
    event exists and the registry has persons; None when there was nothing to do.
    One transaction: either all of it is there or none. Needs the demo accounts
    (`demo_users_ensure`, `demo_host_ensure`)."""
    from umis.border.models import BorderEvent
    from umis.border.watchlist import EntryBanData, entry_ban_record, invalid_documents_load
    from umis.core.audit import audit_record
    from umis.core.constants import AuditAction
    from umis.core.demo_users import DEMO_HOST
    from umis.core.policy import get_policy
    from umis.registry.models import Person
    from umis.stays.constants import ViolationType
    from umis.stays.models import Violation
    from umis.stays.registrations import registrations_create_batch
    from umis.stays.rights import MAX_BATCH, visas_record
    from umis.stays.services import stay_sweep_run

    if BorderEvent.objects.exists():
        return None
    persons = Person.objects.count()
    if not persons:
        return None
    started = time.perf_counter()
    today = timezone.localdate()
    rng = random.Random(f"{seed}-demo-border")
    officer, supervisor, border = _user("officer"), _user("supervisor"), _user("border")
    host = _user(DEMO_HOST.username)
    with transaction.atomic():
        loaded = load_events(persons * events_per_person, seed=seed, on=today, prefix="DEMO")
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            object_type="border.demo_events",
            changes={"events": [None, loaded.events], "persons": [None, loaded.persons]},
            purpose="demo data",
        )
        result = DemoBorderResult(events=loaded)
        histories = _histories()
        visa_free = set(get_policy().value("stays.visa_free.nationalities", on=today))
        items, result.expired_visas = _visa_items(
            rng, histories, _nationalities(), visa_free, today
        )
        for source in ("ASAN Visa", "Consular service (demo)"):
            batch = [i for i in items if i["issued_by"] == source]
            for start in range(0, len(batch), MAX_BATCH):
                visas = visas_record(
                    actor=officer, items=batch[start : start + MAX_BATCH], source=source
                )
                _check(visas, "visas")
                result.visas += sum(1 for v in visas if v.status == "created")

        ordered = sorted(histories)
        abroad = [p for p in ordered if not histories[p].in_country]
        inside = [p for p in ordered if histories[p].in_country]
        # Entry bans on travellers who left (the border check refuses their next entry).
        picked = rng.sample(abroad, min(len(abroad), ENTRY_BANS + INVALID_DOCUMENTS - 1))
        for n, pid in enumerate(picked[:ENTRY_BANS]):
            history = histories[pid]
            left = history.days[-1][1]
            starts = min(left + dt.timedelta(days=rng.randint(1, 60)), today)
            document = history.document
            _ban, created = entry_ban_record(
                actor=supervisor,
                data=EntryBanData(
                    person_id=pid,
                    document_issuing_state=document["document_issuing_state"] if n else "",
                    document_number=document["document_number"] if n else "",
                    legal_ground=BAN_GROUNDS[n % len(BAN_GROUNDS)],
                    authority=AUTHORITY,
                    valid_from=starts,
                    valid_to=starts + dt.timedelta(days=2 * 365) if n == 0 else None,
                ),
            )
            result.entry_bans += int(created)
        # Documents reported lost or stolen: of travellers abroad, and one in the country.
        flagged = picked[ENTRY_BANS:] + rng.sample(inside, min(len(inside), 1))
        reasons = (InvalidReason.LOST, InvalidReason.STOLEN, InvalidReason.REVOKED)
        rows = []
        for n, pid in enumerate(flagged):
            history = histories[pid]
            rows.append(
                {
                    "issuing_state": history.document["document_issuing_state"],
                    "number": history.document["document_number"],
                    "reason": str(reasons[n % len(reasons)]),
                    "reported_on": min(history.days[-1][1] + dt.timedelta(days=3), today),
                }
            )
        if rows:
            loaded_docs = invalid_documents_load(
                actor=border, rows=rows, source="Issuing states via Interpol SLTD (demo)"
            )
            _check(loaded_docs, "invalid documents")
            result.invalid_documents = sum(1 for r in loaded_docs if r.status == "created")

        # Guests of the demo hotel, registered by its account from their passports.
        recent = [p for p in inside if (today - histories[p].days[-1][1]).days <= 60]
        guests = rng.sample(recent, min(len(recent), REGISTRATIONS))
        if guests:
            report = registrations_create_batch(
                actor=host,
                host_id=None,
                items=[
                    {
                        "reference": f"demo-{n}",
                        **histories[pid].document,
                        "arrival_date": histories[pid].days[-1][1],
                    }
                    for n, pid in enumerate(guests)
                ],
            )
            _check(report.results, "registrations")
            result.registrations = report.count("created")

        stay_sweep_run(on=today, full=True)
        found = Violation.objects.values_list("type", flat=True)
        result.overstays = sum(1 for t in found if t == ViolationType.OVERSTAY)
        result.unregistered = sum(1 for t in found if t == ViolationType.UNREGISTERED_STAY)
    result.seconds = time.perf_counter() - started
    return result
