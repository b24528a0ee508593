"""Ingestion of entry/exit events from the border entry-exit system.

A batch is checked item by item: valid items are stored, invalid ones are reported with
their index and field, and a resent event id returns what was recorded the first time.
Each item is linked to a person through the identity matcher, or a provisional person is
created. Real border data is messy: an exit with no recorded entry is stored and flagged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.border.constants import Direction, EventFlag
from umis.border.models import BorderEvent
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import FieldError
from umis.core.models import CrossingPoint, User
from umis.core.permissions import Perm, require
from umis.identity.received import (
    ReceivedLookups,
    received_identity_clean,
    received_identity_link,
    received_lookups,
)
from umis.identity.received import clean_text as _text
from umis.registry.constants import NameSource

MAX_BATCH = 10_000
# Validation runs once per imported row (millions in a bulk import): choices are sets
# built once, not Django's enum properties rebuilt on every access.
_DIRECTIONS = frozenset(Direction.values)


@dataclass(frozen=True)
class EventResult:
    index: int
    event_id: str
    status: str  # created | duplicate | rejected
    person_id: uuid.UUID | None = None
    flags: tuple[str, ...] = ()
    errors: tuple[FieldError, ...] = ()


@dataclass
class IngestReport:
    results: list[EventResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def _occurred_at(
    raw: Any, errors: list[FieldError], now: dt.datetime | None = None
) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw or "").strip().replace("Z", "+00:00"))
        except ValueError:
            errors.append(
                FieldError(
                    "occurred_at",
                    "invalid_datetime",
                    _("Give the time as ISO 8601 with its zone, e.g. 2026-11-22T08:15:00+04:00."),
                )
            )
            return None
    if value.tzinfo is None or value.utcoffset() is None:
        errors.append(
            FieldError(
                "occurred_at",
                "missing_timezone",
                _("The time has no zone: add the offset (e.g. +04:00) or Z for UTC."),
            )
        )
        return None
    if value > (now or timezone.now()) + dt.timedelta(minutes=10):
        errors.append(FieldError("occurred_at", "future_datetime", _("The time is in the future.")))
        return None
    if value.year < 1990:
        errors.append(
            FieldError("occurred_at", "impossible_datetime", _("The time is before 1990."))
        )
        return None
    return value


@dataclass(frozen=True)
class _Lookups:
    """What validation reads, loaded once per batch (with the batch's clock)."""

    crossing_points: Mapping[str, int]
    identity: ReceivedLookups
    now: dt.datetime


def _lookups() -> _Lookups:
    now = timezone.now()
    return _Lookups(
        crossing_points=dict(
            CrossingPoint.objects.filter(is_active=True).values_list("code", "id")
        ),
        identity=received_lookups(timezone.localdate(now)),
        now=now,
    )


def _validate(item: Mapping[str, Any], ref: _Lookups) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    out["event_id"] = _text(item.get("event_id"), 64)
    if not out["event_id"]:
        errors.append(FieldError("event_id", "required", _("The event id is required.")))
    direction = _text(item.get("direction"), 10).lower()
    if direction not in _DIRECTIONS:
        errors.append(
            FieldError("direction", "invalid_choice", _("The direction is 'entry' or 'exit'."))
        )
    out["direction"] = direction
    out["occurred_at"] = _occurred_at(item.get("occurred_at"), errors, ref.now)
    point = _text(item.get("crossing_point"), 20).upper()
    out["crossing_point_id"] = ref.crossing_points.get(point)
    if out["crossing_point_id"] is None:
        errors.append(
            FieldError(
                "crossing_point",
                "unknown_crossing_point",
                _("Unknown crossing point '%(code)s'.") % {"code": point},
            )
        )
    out.update(received_identity_clean(item, ref.identity, errors))
    out["visa_number"] = _text(item.get("visa_number"), 40)
    out["purpose"] = _text(item.get("purpose"), 40)
    return out, errors


def _flags(person_id: uuid.UUID, direction: str, at: dt.datetime) -> list[str]:
    previous = (
        BorderEvent.objects.filter(person_id=person_id, occurred_at__lt=at)
        .order_by("-occurred_at", "-id")
        .values_list("direction", flat=True)
        .first()
    )
    if direction == Direction.EXIT and previous != Direction.ENTRY:
        return [EventFlag.EXIT_WITHOUT_ENTRY.value]
    if direction == Direction.ENTRY and previous == Direction.ENTRY:
        return [EventFlag.ENTRY_WITHOUT_EXIT.value]
    return []


def _link(actor: User, data: Mapping[str, Any]) -> tuple[uuid.UUID, str, float]:
    return received_identity_link(
        actor=actor,
        permission=Perm.BORDER_EVENT_INGEST,
        identity=data,
        name_source=NameSource.BORDER,
    )


def border_events_ingest(*, actor: User, events: Sequence[Mapping[str, Any]]) -> IngestReport:
    """Store a batch of up to MAX_BATCH events; see the module docstring."""
    require(actor, Perm.BORDER_EVENT_INGEST)
    ref = _lookups()
    report = IngestReport()
    ids = [_text(e.get("event_id"), 64) for e in events]
    known = {
        e.event_id: e
        for e in BorderEvent.objects.filter(
            event_id__in=[i for i in ids if i and "\x00" not in i]
        ).only("event_id", "person_id", "flags")
    }
    created_ids: list[int] = []
    # Chronological order, so that a batch holding an entry and its exit flags neither.
    order = sorted(range(len(events)), key=lambda i: str(events[i].get("occurred_at") or ""))
    with transaction.atomic():
        for index in order:
            item = events[index]
            event_id = ids[index]
            if event_id in known:
                seen = known[event_id]
                report.results.append(
                    EventResult(index, event_id, "duplicate", seen.person_id, tuple(seen.flags))
                )
                continue
            data, errors = _validate(item, ref)
            # PostgreSQL text cannot hold NUL: the row is rejected, the batch goes on.
            nul = next((k for k, v in data.items() if isinstance(v, str) and "\x00" in v), None)
            if nul is not None and not errors:
                errors = [FieldError(nul, "invalid", _("The text contains a NUL character."))]
            if errors:
                report.results.append(
                    EventResult(index, event_id, "rejected", errors=tuple(errors))
                )
                continue
            try:
                with transaction.atomic():
                    person_id, method, score = _link(actor, data)
                    flags = _flags(person_id, data["direction"], data["occurred_at"])
                    event = BorderEvent.objects.create(
                        **data,
                        person_id=person_id,
                        link_method=method,
                        link_score=score,
                        flags=flags,
                        received_by=actor,
                    )
            except IntegrityError:  # the same id sent concurrently by another request
                seen = BorderEvent.objects.get(event_id=event_id)
                report.results.append(
                    EventResult(index, event_id, "duplicate", seen.person_id, tuple(seen.flags))
                )
                continue
            known[event_id] = event
            created_ids.append(event.pk)
            report.results.append(EventResult(index, event_id, "created", person_id, tuple(flags)))
        if created_ids:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="border.event",
                object_id=f"batch:{len(created_ids)}",
                changes={"border_events": [None, created_ids]},
            )
    report.results.sort(key=lambda r: r.index)
    return report
