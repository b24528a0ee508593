"""Bulk ingestion of border events: `umis border import` (the PostgreSQL bulk path) on a
CSV file of `events` crossings by persons already in the database, against a raw COPY of
exactly the rows it stored into the same table.

The baseline runs after the import: the rows the import stored are exported, deleted and
vacuumed away, and COPied back into border_borderevent — the table as the import found
it (its millions of stored events, indexes, constraints and deferred foreign keys), so
both write the same rows into the same indexes. The table ends as the import left it.
(An earlier version copied into an empty clone of the table: fine on a small table, but
at ten million stored events it compared writing into large indexes with writing into
empty ones.)

The import's time covers everything an operator waits for: reading and validating the
file, linking each row to its person, computing the flags against the stored history,
inserting, auditing and committing. The baseline times the COPY FROM of the final rows
and its commit. The ratio is baseline / import: 1.0 would be as fast as writing the
bytes; the target is 0.5. The file's events are later than the stored history (a live
feed), alternate entry and exit per person, and use the persons' own documents and names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

BENCH_USER = "bench-border-system"


@dataclass
class IngestResult:
    events: int
    persons: int
    created: int
    rejected: int
    ingest_seconds: float
    baseline_seconds: float  # COPY of the same rows into the same table

    @property
    def ratio(self) -> float:
        return self.baseline_seconds / self.ingest_seconds if self.ingest_seconds else 0.0

    def line(self) -> str:
        rate = self.events / self.ingest_seconds if self.ingest_seconds else 0
        base = self.created / self.baseline_seconds if self.baseline_seconds else 0
        return (
            f"{self.events:,} events of {self.persons:,} persons imported in "
            f"{self.ingest_seconds:.1f} s = {rate:,.0f} events/s ({self.created:,} stored, "
            f"{self.rejected:,} rejected); raw COPY of the same rows into the same table "
            f"{self.baseline_seconds:.1f} s = {base:,.0f} rows/s; ratio {self.ratio:.2f}x "
            "(target >= 0.5)"
        )


def _travellers() -> list[tuple[str, ...]]:
    """One document per person: (number, state, type, family, given, birth, sex, nat)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (p.id)
                   d.number, d.issuing_state_id, d.document_type_id, p.family_name,
                   p.given_names, p.birth_year, p.birth_month, p.birth_day, p.sex,
                   (SELECT n.country_id FROM registry_nationality n
                     WHERE n.person_id = p.id AND n.valid_to IS NULL
                     ORDER BY n.id LIMIT 1)
              FROM registry_person p
              JOIN registry_identitydocument d ON d.person_id = p.id
             WHERE p.status <> 'merged'
             ORDER BY p.id, d.number
            """
        )
        out = []
        for number, state, dtype, family, given, year, month, day, sex, nat in cursor:
            birth = (
                f"{year:04d}"
                + (f"-{month:02d}" if month else "")
                + (f"-{day:02d}" if month and day else "")
            )
            out.append((number, state, dtype, family, given, birth, sex, nat or state))
    return out


def _window() -> tuple[dt.datetime, dt.datetime]:
    """From the latest stored event to a minute ago: new events follow the history."""
    end = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(occurred_at) FROM border_borderevent")
        latest = cursor.fetchone()[0]
    start = latest + dt.timedelta(seconds=1) if latest else end - dt.timedelta(days=1)
    if end - start < dt.timedelta(hours=1):
        start = end - dt.timedelta(hours=1)
    return start, end


def write_file(path: Path, *, events: int, seed: int = 0) -> int:
    """Write the import file; returns how many persons it is about."""
    from umis.border.importer import FIELDS

    travellers = _travellers()
    if not travellers:
        raise RuntimeError("no persons with documents: load the registry first")
    with connection.cursor() as cursor:
        cursor.execute("SELECT code FROM core_crossingpoint WHERE is_active ORDER BY code")
        points = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM border_borderevent")
        existing = cursor.fetchone()[0]
    rng = random.Random(seed)
    start, end = _window()
    step = (end - start) / max(events, 1)
    inside: dict[int, bool] = {}
    used: set[int] = set()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for i in range(events):
            who = rng.randrange(len(travellers))
            used.add(who)
            was_inside = inside.get(who, rng.random() < 0.1)
            inside[who] = not was_inside
            number, state, dtype, family, given, birth, sex, nat = travellers[who]
            at = (start + step * i).astimezone(dt.timezone(dt.timedelta(hours=4)))
            writer.writerow(
                (
                    f"ING-{seed}-{existing}-{i:09d}",
                    "exit" if was_inside else "entry",
                    at.isoformat(timespec="seconds"),
                    points[rng.randrange(len(points))],
                    dtype,
                    number,
                    state,
                    family,
                    given,
                    birth,
                    sex,
                    nat,
                    "",
                    "" if was_inside else "tourism",
                )
            )
    return len(used)


def _actor() -> object:
    from umis.core.models import Office, User

    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        office = Office.objects.filter(kind="border", is_active=True).order_by("code").first()
        user = User.objects.create_user(
            username=BENCH_USER, password=None, role="border_officer", office=office
        )
    return user


def _export(first_id: int, actor_id: object) -> bytes:
    """The rows the import stored, in COPY text format."""
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY (SELECT * FROM border_borderevent "
            f"WHERE id >= {int(first_id)} AND received_by_id = '{uuid.UUID(str(actor_id))}') "
            "TO STDOUT"
        ) as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue()


def _copy_back(data: bytes, first_id: int, actor_id: object) -> float:
    """Seconds to COPY `data` (the rows the import stored) into border_borderevent itself
    and commit, once the import's rows are deleted and vacuumed away: the same rows into
    the same table, holding what it held before the import, with its indexes, constraints
    and (deferred) foreign keys. The table ends as the import left it."""
    where = f"id >= {int(first_id)} AND received_by_id = '{uuid.UUID(str(actor_id))}'"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM border_borderevent WHERE {where}")
    if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (the smoke test)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM border_borderevent")
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY border_borderevent FROM STDIN") as copy,
    ):
        for i in range(0, len(data), 1 << 20):
            copy.write(data[i : i + (1 << 20)])
    return time.perf_counter() - start


def run(*, events: int, seed: int = 0) -> IngestResult:
    """Import `events` rows through `umis border import` and measure the baseline
    (PostgreSQL; the registry must hold persons with documents)."""
    from umis.border.importer import import_file

    if connection.vendor != "postgresql":
        raise RuntimeError("the ingestion benchmark compares with PostgreSQL COPY")
    actor = _actor()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM border_borderevent")
        first_id = cursor.fetchone()[0]
    with tempfile.TemporaryDirectory(prefix="umis-bench-ingest-") as tmp:
        path = Path(tmp) / "events.csv"
        persons = write_file(path, events=events, seed=seed)
        start = time.perf_counter()
        summary = import_file(path, actor=actor, progress=False, resume=False)  # type: ignore[arg-type]
        ingest = time.perf_counter() - start
    data = _export(first_id, actor.pk)  # type: ignore[attr-defined]
    baseline = _copy_back(data, first_id, actor.pk)  # type: ignore[attr-defined]
    return IngestResult(events, persons, summary.created, summary.rejected, ingest, baseline)
