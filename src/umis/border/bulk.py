"""The PostgreSQL bulk path of border-event ingestion (`umis border import` on PostgreSQL).

`border_events_bulk_ingest` gives the same answers as `services.border_events_ingest` for
the same batch (same validation, same person links, same flags, same duplicates), but is
set-based: rows are validated in Python with the service's own `_validate`, COPied into a
temporary staging table, and linked, flagged and inserted by a handful of SQL statements
per batch, whatever its size (50,000 rows per transaction by default). SQLite and the API
keep the per-item service.

Per batch, in one transaction:

1. Every row is validated in the order the service uses (by the text of `occurred_at`).
   A row whose event id was already stored is a duplicate even when it would now fail
   validation, as in the service. Within the batch, the first valid row of an event id
   is stored and the later ones answer as its duplicates.
2. The valid rows are COPied into a temporary table (dropped at commit). One statement
   then looks up, per row, the holder of its document and the event already stored
   under its id (index probes, into a second temporary table); rows already stored are
   answered with the stored person and flags — the same answer as the first time — and
   left out of the insert.
3. Persons: a row whose document (issuing state + normalised number; stored numbers are
   normalised by the registry) is in registry_identitydocument is linked to its holder
   ("document", 1.0) — the ExactMatcher's first rule, set-based. The few rows whose
   document is unknown go one by one, in order, through `get_matcher().match(...)` (so
   that identity resolution can replace it), and those it does not match get a
   provisional person holding the document; the matcher then finds that person by
   document for the later rows of the same document, so one unknown traveller seen
   twice in a batch is one person. (A replacement matcher that would link a row with a
   known document to someone other than its holder needs the same rule here.)
4. Flags: for each new event, the previous event of the person is the latest one that
   occurred strictly before it, among the stored events and the batch (on equal times
   the last one stored wins, batch rows counting as stored after the stored events and
   in processing order) — exactly the service's `_flags`, which reads the events stored
   before the new one. An exit whose previous event is not an entry is
   `exit_without_entry`; an entry whose previous event is an entry is
   `entry_without_exit`. Computed with a window (LAG) over the batch and the stored
   events of its persons between the last one before the batch's first event (a LATERAL
   index lookup) and its last event.
5. One INSERT ... SELECT into border_borderevent, in processing order, and one audit
   entry for the batch recording the count and the id range. If another sender stored
   one of the batch's event ids meanwhile, the unique index refuses the INSERT, the
   batch is rolled back and done again once: that time the id answers "duplicate".

Semantic differences with the per-item service, both about events that arrive out of
order: (a) as in the service, the flags of events already stored are not recomputed when
an earlier event arrives later; (b) the service walks a batch in the lexical order of the
`occurred_at` text, so when one person's events in a batch carry different UTC offsets,
an event can be flagged before a chronologically earlier one of the same batch is seen;
the bulk path always uses the true chronological order.

Durability: each batch is an ordinary (synchronous) commit. `synchronous_commit = off`
would save one WAL flush per 50,000 rows — nothing measurable — and could lose a batch
that the checkpoint file already records as stored.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from umis.border.constants import Direction, EventFlag, LinkMethod
from umis.border.services import (
    EventResult,
    IngestReport,
    _link,
    _lookups,
    _validate,
)
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import FieldError
from umis.core.models import User
from umis.core.permissions import Perm, require
from umis.identity.received import clean_text as _text

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 50_000
MAX_BULK_BATCH = 200_000

STAGE = "pg_temp.border_ingest_stage"
LINK = "pg_temp.border_ingest_link"
# The validated columns, in COPY order (seq = position in processing order).
STAGE_COLUMNS = (
    "seq",
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
)
_TEXT_FIELDS = STAGE_COLUMNS[1:3] + STAGE_COLUMNS[5:]

_CREATE_STAGE = """
CREATE TEMP TABLE border_ingest_stage (
    seq integer NOT NULL,
    event_id varchar(64) NOT NULL,
    direction varchar(5) NOT NULL,
    occurred_at timestamptz NOT NULL,
    crossing_point_id integer NOT NULL,
    document_type varchar(40) NOT NULL,
    document_number varchar(30) NOT NULL,
    document_issuing_state varchar(3) NOT NULL,
    family_name varchar(150) NOT NULL,
    given_names varchar(150) NOT NULL,
    birth_date varchar(10) NOT NULL,
    sex varchar(1) NOT NULL,
    nationality varchar(3) NOT NULL,
    visa_number varchar(40) NOT NULL,
    purpose varchar(40) NOT NULL
) ON COMMIT DROP
"""

# Per staged row: the holder of its document and, when its event id is already stored,
# what was stored. Lookups into the big tables are LATERAL ... LIMIT 1, which PostgreSQL
# runs as one index probe per batch row: a batch is small next to the tables (50,000
# rows against millions), where a hash or merge join would read them whole.
_CREATE_LINK = """
CREATE TEMP TABLE border_ingest_link ON COMMIT DROP AS
SELECT s.seq,
       d.person_id,
       NULL::varchar(20) AS link_method,
       NULL::double precision AS link_score,
       e.person_id AS stored_person_id,
       e.flags::text AS stored_flags
FROM pg_temp.border_ingest_stage s
LEFT JOIN LATERAL (
    SELECT d.person_id FROM registry_identitydocument d
    WHERE d.issuing_state_id = s.document_issuing_state AND d.number = s.document_number
    LIMIT 1
) d ON true
LEFT JOIN LATERAL (
    SELECT e.person_id, e.flags FROM border_borderevent e
    WHERE e.event_id = s.event_id
    LIMIT 1
) e ON true
"""

_STORED = """
SELECT seq, stored_person_id, stored_flags FROM pg_temp.border_ingest_link
WHERE stored_flags IS NOT NULL
"""

# Rows whose document nobody in the registry holds: they go through the matcher.
_UNKNOWN_DOCUMENTS = """
SELECT s.seq, s.document_type, s.document_number, s.document_issuing_state, s.family_name,
       s.given_names, s.birth_date, s.sex, s.nationality
FROM pg_temp.border_ingest_stage s
WHERE s.seq IN (
    SELECT seq FROM pg_temp.border_ingest_link WHERE person_id IS NULL AND stored_flags IS NULL
)
ORDER BY s.seq
"""

_SET_LINKS = """
UPDATE pg_temp.border_ingest_link l
SET person_id = v.person_id, link_method = v.method, link_score = v.score
FROM unnest(%s::integer[], %s::uuid[], %s::text[], %s::double precision[])
    AS v(seq, person_id, method, score)
WHERE l.seq = v.seq
"""

_INSERT = """
WITH batch AS MATERIALIZED (
    SELECT s.*, l.person_id AS pid,
           COALESCE(l.link_method, %(by_document)s) AS method,
           COALESCE(l.link_score, 1.0) AS score
    FROM pg_temp.border_ingest_stage s
    JOIN pg_temp.border_ingest_link l ON l.seq = s.seq
    WHERE l.stored_flags IS NULL
),
bounds AS (
    SELECT pid, min(occurred_at) AS lo, max(occurred_at) AS hi FROM batch GROUP BY pid
),
timeline AS (
    -- the person's last stored event before the batch's first one ...
    SELECT x.pid, last.occurred_at, last.direction, 0 AS src, last.id AS k
    FROM bounds x
    CROSS JOIN LATERAL (
        SELECT e.occurred_at, e.direction, e.id
        FROM border_borderevent e
        WHERE e.person_id = x.pid AND e.occurred_at < x.lo
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT 1
    ) last
    UNION ALL
    -- ... the stored events among the batch's (events arriving out of order) ...
    SELECT x.pid, e.occurred_at, e.direction, 0, e.id
    FROM bounds x
    CROSS JOIN LATERAL (
        SELECT e.occurred_at, e.direction, e.id
        FROM border_borderevent e
        WHERE e.person_id = x.pid AND e.occurred_at >= x.lo AND e.occurred_at < x.hi
        OFFSET 0  -- keeps it a per-person index probe
    ) e
    UNION ALL
    -- ... and the batch, each row after the stored ones of the same instant
    SELECT pid, occurred_at, direction, 1, seq FROM batch
),
ordered AS (
    SELECT src, k, occurred_at, pid,
           lag(direction) OVER w AS before_direction
    FROM timeline
    WINDOW w AS (PARTITION BY pid ORDER BY occurred_at, src, k)
),
previous AS (
    -- The previous event is the last one strictly before: rows of one instant all take
    -- the one before the first row of that instant.
    SELECT src, k,
           first_value(before_direction)
               OVER (PARTITION BY pid, occurred_at ORDER BY src, k) AS direction
    FROM ordered
)
INSERT INTO border_borderevent (
    event_id, direction, occurred_at, crossing_point_id, document_type, document_number,
    document_issuing_state, family_name, given_names, birth_date, sex, nationality,
    visa_number, purpose, person_id, link_method, link_score, flags, received_at,
    received_by_id
)
SELECT b.event_id, b.direction, b.occurred_at, b.crossing_point_id, b.document_type,
       b.document_number, b.document_issuing_state, b.family_name, b.given_names,
       b.birth_date, b.sex, b.nationality, b.visa_number, b.purpose, b.pid, b.method, b.score,
       CASE
           WHEN b.direction = %(exit)s AND p.direction IS DISTINCT FROM %(entry)s
               THEN %(exit_flags)s::jsonb
           WHEN b.direction = %(entry)s AND p.direction = %(entry)s
               THEN %(entry_flags)s::jsonb
           ELSE '[]'::jsonb
       END,
       now(), %(actor)s
FROM batch b
JOIN previous p ON p.src = 1 AND p.k = b.seq
ORDER BY b.seq
RETURNING id, event_id, person_id, flags::text
"""


@dataclass
class PreparedBatch:
    """A batch after validation: what goes to the staging table and who answers what."""

    rows: Sequence[Mapping[str, Any]]
    results: list[EventResult | None]
    ids: list[str]  # event id of each row, as validated
    staged: list[int] = field(default_factory=list)  # seq -> index in the batch
    lines: list[str] = field(default_factory=list)  # COPY text, one line per staged row
    repeats: list[tuple[int, str]] = field(default_factory=list)  # (index, event id)
    rejected_ids: dict[str, list[int]] = field(default_factory=dict)  # may be stored


@lru_cache(maxsize=64)
def _flags(text: str) -> tuple[str, ...]:
    """Flags as returned by SQL (jsonb as text): a handful of distinct values."""
    return tuple(json.loads(text))


def _escape(value: str) -> str:
    # Validated text has no tab, newline or carriage return (whitespace is collapsed).
    return value.replace("\\", "\\\\")


def prepare_batch(rows: Sequence[Mapping[str, Any]]) -> PreparedBatch:
    """Validate a batch: pure Python but for the reference lookups, so that it can run
    while the previous batch is being stored (see `importer`)."""
    ref = _lookups()
    ids = [_text(row.get("event_id"), 64) for row in rows]
    batch = PreparedBatch(rows=rows, results=[None] * len(rows), ids=ids)
    first: set[str] = set()
    # The service's processing order: it decides which of two rows of one id is stored.
    order = sorted(range(len(rows)), key=lambda i: str(rows[i].get("occurred_at") or ""))
    for index in order:
        event_id = ids[index]
        data, errors = _validate(rows[index], ref)
        if not errors:
            values = [data[c] for c in STAGE_COLUMNS[1:]]
            values[2] = data["occurred_at"].isoformat()
            values[3] = str(data["crossing_point_id"])
            line = "\t".join(values)
            if "\x00" in line:  # PostgreSQL text cannot hold NUL: reject, do not fail the batch
                name = next(c for c in _TEXT_FIELDS if "\x00" in data[c])
                errors = [FieldError(name, "invalid", _("The text contains a NUL character."))]
        if errors:
            batch.results[index] = EventResult(index, event_id, "rejected", errors=tuple(errors))
            if event_id:
                batch.rejected_ids.setdefault(event_id, []).append(index)
            continue
        if event_id in first:
            batch.repeats.append((index, event_id))
            continue
        first.add(event_id)
        if "\\" in line:
            line = "\t".join(_escape(v) for v in values)
        batch.lines.append(f"{len(batch.staged)}\t{line}\n")
        batch.staged.append(index)
    return batch


def _link_unknown(actor: User, cursor: Any) -> None:
    """Link, in processing order, the rows whose document no registry person held when
    the batch started. One at a time through the matcher, as the service does: once a
    row's traveller got a provisional person, the matcher finds it by document for the
    next row of the same document."""
    cursor.execute(_UNKNOWN_DOCUMENTS)
    rows = cursor.fetchall()
    if not rows:
        return
    seqs: list[int] = []
    persons: list[uuid.UUID] = []
    methods: list[str] = []
    scores: list[float] = []
    for seq, doc_type, number, state, family, given, birth, sex, nationality in rows:
        data = {
            "document_type": doc_type,
            "document_number": number,
            "document_issuing_state": state,
            "family_name": family,
            "given_names": given,
            "birth_date": birth,
            "sex": sex,
            "nationality": nationality,
        }
        person_id, method, score = _link(actor, data)
        seqs.append(seq)
        persons.append(person_id)
        methods.append(method)
        scores.append(score)
    cursor.execute(_SET_LINKS, [seqs, persons, methods, scores])


class _Lap:
    """Phase timings at DEBUG level (`umis.border.bulk`), for tuning imports."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.at = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        logger.debug("bulk ingest of %s rows: %s %.3f s", self.rows, phase, now - self.at)
        self.at = now


def _store(actor: User, batch: PreparedBatch, lap: _Lap) -> None:
    """The database part, in one transaction: fills in every result not yet known."""
    results = batch.results
    answered: dict[str, tuple[uuid.UUID | None, tuple[str, ...]]] = {}
    created: list[int] = []
    with transaction.atomic(), connection.cursor() as cursor:
        if batch.rejected_ids:  # a resent event is a duplicate even if now invalid
            cursor.execute(
                "SELECT event_id, person_id, flags::text FROM border_borderevent "
                "WHERE event_id = ANY(%s)",
                [list(batch.rejected_ids)],
            )
            for event_id, person_id, flags in cursor.fetchall():
                for index in batch.rejected_ids[event_id]:
                    results[index] = EventResult(
                        index, event_id, "duplicate", person_id, _flags(flags)
                    )
        if batch.staged:
            # Sorts and hashes of a 50,000-row batch stay in memory (the default 4 MB
            # spills them to disk); local to this transaction.
            cursor.execute("SET LOCAL work_mem = '128MB'")
            # The INSERT ... SELECT's estimated cost crosses jit_above_cost; compiling it
            # costs more than it saves on index probes and a 50,000-row sort.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {LINK}")
            cursor.execute(_CREATE_STAGE)
            with cursor.cursor.copy(
                f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
            ) as copy:
                for start in range(0, len(batch.lines), 5000):
                    copy.write("".join(batch.lines[start : start + 5000]))
            lap("copy")
            cursor.execute(_CREATE_LINK)
            cursor.execute(_STORED)
            for seq, person_id, flags in cursor.fetchall():
                index = batch.staged[seq]
                event_id = batch.ids[index]
                answered[event_id] = (person_id, _flags(flags))
                results[index] = EventResult(index, event_id, "duplicate", person_id, _flags(flags))
            _link_unknown(actor, cursor)
            lap("link")
            cursor.execute(
                _INSERT,
                {
                    "by_document": LinkMethod.DOCUMENT.value,
                    "entry": Direction.ENTRY.value,
                    "exit": Direction.EXIT.value,
                    "exit_flags": f'["{EventFlag.EXIT_WITHOUT_ENTRY.value}"]',
                    "entry_flags": f'["{EventFlag.ENTRY_WITHOUT_EXIT.value}"]',
                    "actor": actor.pk,
                },
            )
            stored = {
                event_id: (pk, person_id, _flags(flags))
                for pk, event_id, person_id, flags in cursor.fetchall()
            }
            lap("insert")
            for index in batch.staged:
                if results[index] is not None:
                    continue
                event_id = batch.ids[index]
                pk, person_id, flags = stored[event_id]
                created.append(pk)
                answered[event_id] = (person_id, flags)
                results[index] = EventResult(index, event_id, "created", person_id, flags)
        for index, event_id in batch.repeats:  # the first row of the id answers for them
            person_id, flags = answered[event_id]
            results[index] = EventResult(index, event_id, "duplicate", person_id, flags)
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="border.event",
                object_id=f"batch:{len(created)}",
                # Not millions of ids: the count and the range, all received by this actor
                # in this transaction (another writer's ids may interleave).
                changes={
                    "border_events": [
                        None,
                        {"count": len(created), "first_id": min(created), "last_id": max(created)},
                    ]
                },
            )
        lap("report")
    lap("commit")


def store_batch(*, actor: User, batch: PreparedBatch) -> IngestReport:
    """Store a prepared batch in one transaction; results are indexed by row position."""
    require(actor, Perm.BORDER_EVENT_INGEST)
    if connection.vendor != "postgresql":
        raise RuntimeError("the bulk ingestion path needs PostgreSQL")
    lap = _Lap(len(batch.rows))
    try:
        _store(actor, batch, lap)
    except IntegrityError:
        # Another sender stored some of these event ids since we looked: everything of
        # this attempt was rolled back; the second attempt sees them and answers
        # "duplicate". (No ON CONFLICT clause: its speculative insertion costs every row.)
        batch = prepare_batch(batch.rows)
        _store(actor, batch, lap)
    report = IngestReport()
    report.results = [r for r in batch.results if r is not None]
    return report


def border_events_bulk_ingest(
    *, actor: User, rows: Sequence[tuple[int, Mapping[str, Any]]]
) -> IngestReport:
    """Store a batch of (line number, event) rows on PostgreSQL, in one transaction;
    results are indexed by position in `rows`. See the module docstring."""
    require(actor, Perm.BORDER_EVENT_INGEST)
    lap = _Lap(len(rows))
    batch = prepare_batch([row for _, row in rows])
    lap("validate")
    return store_batch(actor=actor, batch=batch)
