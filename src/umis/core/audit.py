"""The audit trail: append-only and hash-chained, in several independent chains.

Every entry's hash covers its own content and the previous entry's hash in its chain, so
changing, inserting or deleting any row breaks that chain from that row on. There are
`UMIS_AUDIT_CHAINS` chains (16 by default). Chain k has its own `AuditHead` row (pk k)
and owns the ids ((k-1)*STRIDE, k*STRIDE]. An append locks one head row inside the
caller's transaction and takes the next id of that chain under the lock, so the ids of a
chain are contiguous and a gap is itself evidence.

On PostgreSQL an append takes a head no other transaction holds (`FOR UPDATE SKIP
LOCKED`), preferring the one its connection used last: concurrent requests append to
different chains and commit in parallel instead of queueing behind one row lock held
through every commit (docs/adr/0005-audit-throughput.md). A transaction always appends to
the chain it already holds, so it never holds two heads and never deadlocks. SQLite has
one writer at a time and uses chain 1. A single writer only ever uses chain 1, whose ids
are 1, 2, 3, ... exactly as before there were chains.

`audit_verify` walks every chain in id order and checks each against its head.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from umis.core import context
from umis.core.constants import AuditAction
from umis.core.db import hot_cursor
from umis.core.models import AuditEntry, AuditHead, User

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def snapshot(instance: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited fields of a model instance, as JSON values (FKs by id)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(instance, attname))
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field-level changes as {field: [before, after]}, only for fields that changed."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_label": entry.actor_label,
        "actor_kind": entry.actor_kind,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "person_id": str(entry.person_id) if entry.person_id else None,
        "changes": entry.changes,
        "purpose": entry.purpose,
        "ip": entry.ip,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical(entry: AuditEntry) -> bytes:
    return _dumps(_payload(entry)).encode()


_BEFORE_ID = frozenset({"action", "actor_id", "actor_kind", "actor_label", "at", "changes"})
_AFTER_LINK = frozenset({"purpose", "request_id"})


def _canonical_around_link(entry: AuditEntry) -> tuple[str, str, str]:
    """The canonical text cut where the id and the previous hash go: (before the id,
    between the id and the previous hash, after it), so that the database can link the
    entry and hash it in the statement that appends it. The keys sort as action ... changes,
    id, ip ... person_id, prev_hash, purpose, request_id: three objects written apart and
    joined are the one `_dumps` writes (the tests check they agree)."""
    payload = _payload(entry)
    first: dict[str, Any] = {}
    middle: dict[str, Any] = {}
    last: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _BEFORE_ID:
            first[key] = value
        elif key in _AFTER_LINK:
            last[key] = value
        elif key not in ("id", "prev_hash"):
            middle[key] = value
    return (
        _dumps(first)[:-1] + ',"id":',
        "," + _dumps(middle)[1:-1] + ',"prev_hash":"',
        '",' + _dumps(last)[1:],
    )


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _actor_fields(actor: User | None, label: str | None) -> tuple[User | None, str, str]:
    ctx = context.current()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, label or "system", "system" if label is None else "anonymous"
    if ctx.token_prefix:
        return actor, f"{actor.get_username()} (token {ctx.token_prefix})", "token"
    return actor, actor.get_username(), "staff" if getattr(actor, "role", "") else "public"


STRIDE = 10**15  # ids per chain: chain k owns ((k-1)*STRIDE, k*STRIDE]
MAX_CHAINS = 9000  # 9000 * STRIDE stays below the bigint limit


def chain_of(entry_id: int) -> int:
    """The chain an entry id belongs to (1-based)."""
    return (entry_id - 1) // STRIDE + 1


def chain_base(chain: int) -> int:
    """The head's `last_id` of an empty chain: its first entry gets chain_base + 1."""
    return (chain - 1) * STRIDE


def chain_count() -> int:
    """How many chains appends may use: `UMIS_AUDIT_CHAINS`, 16 by default."""
    return max(1, min(int(getattr(settings, "UMIS_AUDIT_CHAINS", 16)), MAX_CHAINS))


_FIELDS = AuditEntry._meta.concrete_fields
# Names from the model, never from input.
_INSERT = "INSERT INTO core_auditentry ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(str(f.column) for f in _FIELDS), ", ".join(["%s"] * len(_FIELDS))
)
_MOVE = "UPDATE core_audithead SET last_id = %s, last_hash = %s WHERE id = %s"
_PREFERRED = "_umis_audit_chain"  # attribute of the (per-thread) connection


_SKIP_LOCKED = (
    "SELECT id, last_id, last_hash FROM core_audithead WHERE id <= %s "
    "ORDER BY id = %s DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED"
)
_CONTENT = [f for f in _FIELDS if f.attname not in ("id", "prev_hash", "hash")]


@functools.cache
def _append_sql() -> str:
    """PostgreSQL, one statement: lock a free head, link and hash the entry (sha256 of
    the canonical text with the id and the previous hash put in), insert it and move the
    head. Outside a transaction that is one round trip and its own commit."""
    return f"""
WITH head AS ({_SKIP_LOCKED}),
linked AS (
  SELECT id AS chain, last_id + 1 AS new_id, last_hash AS prev,
         encode(sha256(convert_to(
           %s::text || (last_id + 1)::text || %s::text || last_hash || %s::text, 'UTF8'
         )), 'hex') AS hash
    FROM head
),
appended AS (
  INSERT INTO core_auditentry (id, prev_hash, hash, {", ".join(str(f.column) for f in _CONTENT)})
  SELECT new_id, prev, hash, {", ".join("%s::" + str(f.db_type(connection)) for f in _CONTENT)}
    FROM linked
)
UPDATE core_audithead SET last_id = linked.new_id, last_hash = linked.hash
  FROM linked WHERE core_audithead.id = linked.chain
RETURNING linked.chain, linked.new_id, linked.prev, linked.hash
"""  # noqa: S608 - names and types from the model, values are parameters


def _create_heads(chains: int) -> None:
    AuditHead.objects.bulk_create(
        [AuditHead(id=k, last_id=chain_base(k), last_hash=GENESIS) for k in range(1, chains + 1)],
        ignore_conflicts=True,
    )


def _lock_head(cursor: Any) -> tuple[int, int, str]:
    """Lock a chain's head for this transaction: (chain, last_id, last_hash)."""
    chains = chain_count()
    preferred = getattr(connection, _PREFERRED, 1)
    preferred = preferred if preferred <= chains else 1
    if connection.vendor != "postgresql":
        # SQLite has one writer at a time: no lock to take, no contention to avoid, so
        # the connection keeps its chain (1 unless told otherwise).
        select = "SELECT id, last_id, last_hash FROM core_audithead WHERE id = %s"
        cursor.execute(select, [preferred])
        if (row := cursor.fetchone()) is None:
            _create_heads(chains)
            cursor.execute(select, [preferred])
            row = cursor.fetchone()
        return int(row[0]), int(row[1]), str(row[2])
    # A head no other transaction holds: the one this connection used last if it is free
    # (always, when this very transaction holds it already), else the lowest free one.
    cursor.execute(_SKIP_LOCKED, [chains, preferred])
    if (row := cursor.fetchone()) is None:
        # All busy, or not all heads exist yet (first use, more chains configured):
        # create the missing ones (all together: a missing head in 1..n is evidence).
        _create_heads(chains)
        cursor.execute(_SKIP_LOCKED, [chains, preferred])
        if (row := cursor.fetchone()) is None:
            # All busy: wait for ours. This transaction holds no head, so no deadlock.
            cursor.execute(
                "SELECT id, last_id, last_hash FROM core_audithead WHERE id = %s FOR UPDATE",
                [preferred],
            )
            row = cursor.fetchone()
    return int(row[0]), int(row[1]), str(row[2])


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    object_type: str = "",
    object_id: object = "",
    person_id: uuid.UUID | str | None = None,
    changes: Mapping[str, Any] | None = None,
    purpose: str = "",
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction (or its own), so the entry
    exists exactly when the change it records was committed. Everything but the id and
    the link is prepared before the head is locked. On PostgreSQL the lock, the link, the
    hash, the insert and the move of the head are one statement (``_append_sql``): the
    head is held only for that statement's commit when no transaction is open, and a
    border check's audit costs one round trip."""
    ctx = context.current()
    user, label, kind = _actor_fields(actor, actor_label)
    entry = AuditEntry(
        at=timezone.now(),
        actor=user,
        actor_label=label[:200],
        actor_kind=kind,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id)[:64] if object_id else "",
        person_id=uuid.UUID(str(person_id)) if person_id else None,
        changes=_jsonable(dict(changes or {})),
        purpose=(purpose or ctx.purpose)[:200],
        ip=ctx.ip,
        request_id=ctx.request_id[:64],
    )
    if connection.vendor == "postgresql" and (linked := _append_postgresql(entry)) is not None:
        chain, entry.id, entry.prev_hash, entry.hash = linked
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            chain, last_id, last_hash = _lock_head(cursor)
            entry.id = last_id + 1
            entry.prev_hash = last_hash
            entry.hash = compute_hash(entry)
            values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _FIELDS]
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"WITH appended AS ({_INSERT}) {_MOVE}", [*values, entry.id, entry.hash, chain]
                )
            else:
                cursor.execute(_INSERT, values)
                cursor.execute(_MOVE, [entry.id, entry.hash, chain])
    setattr(connection, _PREFERRED, chain)
    entry._state.adding = False
    return entry


def _append_postgresql(entry: AuditEntry) -> tuple[int, int, str, str] | None:
    """Append in one statement (see _append_sql): (chain, id, previous hash, hash), or
    None when no head is free or the heads do not exist yet (the caller then takes the
    path that creates them and waits for one). The statement casts every value, so they
    go as they are (the changes as JSON text) without the ORM's preparation."""
    chains = chain_count()
    preferred = getattr(connection, _PREFERRED, 1)
    preferred = preferred if preferred <= chains else 1
    changes = _dumps(entry.changes)
    values = [changes if f.attname == "changes" else getattr(entry, f.attname) for f in _CONTENT]
    with hot_cursor() as cursor:
        cursor.execute(_append_sql(), [chains, preferred, *_canonical_around_link(entry), *values])
        row = cursor.fetchone()
    if row is None:
        return None
    return int(row[0]), int(row[1]), str(row[2]), str(row[3])


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""
    chains: int = 0


def audit_verify(*, chunk_size: int = 5000) -> VerifyResult:
    """Walk every chain in id order; report the first entry that does not hold.

    Each chain must run from its first id without a gap, each entry must link to the one
    before it and match its own hash, and must end where its head says. Heads are created
    together (1..n), so a missing head below the highest one means a chain was removed."""
    heads = {h.id: (h.last_id, h.last_hash) for h in AuditHead.objects.all()}
    checked = 0
    seen: set[int] = set()

    def close(chain: int, last_id: int, last_hash: str) -> VerifyResult | None:
        head = heads.get(chain)
        if head is None:
            return VerifyResult(
                False, checked, chain_base(chain) + 1, f"the head of chain {chain} is missing"
            )
        if head != (last_id, last_hash):
            return VerifyResult(
                False,
                checked,
                last_id + 1 if head[0] > last_id else head[0],
                f"the chain ends at #{last_id} but the head records #{head[0]}: "
                "entries were removed from the end",
            )
        return None

    chain = 0
    expected_id, prev_hash = 0, GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if chain_of(entry.id) != chain:
            if chain and (bad := close(chain, expected_id - 1, prev_hash)):
                return bad
            chain = chain_of(entry.id)
            seen.add(chain)
            expected_id, prev_hash = chain_base(chain) + 1, GENESIS
        if entry.id != expected_id:
            return VerifyResult(
                False,
                checked,
                expected_id,
                f"entry #{expected_id} is missing (next present is #{entry.id})",
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                False, checked, entry.id, f"entry #{entry.id} does not follow entry #{entry.id - 1}"
            )
        if compute_hash(entry) != entry.hash:
            return VerifyResult(
                False,
                checked,
                entry.id,
                f"entry #{entry.id} was altered: its content does not match its hash",
            )
        prev_hash = entry.hash
        expected_id += 1
        checked += 1
    if chain and (bad := close(chain, expected_id - 1, prev_hash)):
        return bad
    # Chains without entries must have empty heads; heads come in an unbroken run 1..n.
    for k in sorted(set(heads) - seen):
        if (bad := close(k, chain_base(k), GENESIS)) is not None:
            return bad
    for k in range(1, max(heads, default=0)):
        if k not in heads:
            return VerifyResult(
                False, checked, chain_base(k) + 1, f"the head of chain {k} is missing"
            )
    return VerifyResult(True, checked, chains=len(heads))
