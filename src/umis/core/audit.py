"""The audit trail: append-only and hash-chained.

Every entry's hash covers its own content and the previous entry's hash, so changing,
inserting or deleting any row breaks the chain from that row on. Appends are serialised
by locking the single AuditHead row inside the caller's transaction; the entry id is
assigned under that lock, so ids are contiguous and a gap is itself evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from umis.core import context
from umis.core.constants import AuditAction
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


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
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
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _actor_fields(actor: User | None, label: str | None) -> tuple[User | None, str, str]:
    ctx = context.current()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, label or "system", "system" if label is None else "anonymous"
    if ctx.token_prefix:
        return actor, f"{actor.get_username()} (token {ctx.token_prefix})", "token"
    return actor, actor.get_username(), "staff" if getattr(actor, "role", "") else "public"


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
    exists exactly when the change it records was committed."""
    ctx = context.current()
    user, label, kind = _actor_fields(actor, actor_label)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            id=head.last_id + 1,
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
            prev_hash=head.last_hash,
        )
        entry.hash = compute_hash(entry)
        entry.save(force_insert=True)
        head.last_id = entry.id
        head.last_hash = entry.hash
        head.save(update_fields=["last_id", "last_hash"])
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def audit_verify(*, chunk_size: int = 5000) -> VerifyResult:
    """Walk the whole chain in id order; report the first entry that does not hold."""
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
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
    head = AuditHead.objects.filter(pk=1).first()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    if last_id != checked or last_hash != prev_hash:
        return VerifyResult(
            False,
            checked,
            checked + 1 if last_id > checked else last_id,
            f"the chain ends at #{checked} but the head records #{last_id}: "
            "entries were removed from the end",
        )
    return VerifyResult(True, checked)
