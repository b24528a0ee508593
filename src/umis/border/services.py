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
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.border.constants import Direction, EventFlag, LinkMethod
from umis.border.models import BorderEvent
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import FieldError
from umis.core.models import Country, CrossingPoint, User
from umis.core.permissions import Perm, require
from umis.identity.matching import SourceIdentity, get_matcher
from umis.registry import rules
from umis.registry.constants import NameSource, Sex
from umis.registry.models import DocumentType
from umis.registry.services import (
    DocumentData,
    NameData,
    NationalityData,
    PersonData,
    person_create_provisional,
)

MAX_BATCH = 10_000
# Validation runs once per imported row (millions in a bulk import): choices are sets
# built once, not Django's enum properties rebuilt on every access.
_DIRECTIONS = frozenset(Direction.values)
_SEXES = frozenset(Sex.values)


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


def _text(raw: Any, limit: int) -> str:
    return " ".join(str(raw or "").split())[:limit]


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
    countries: frozenset[str]
    document_types: frozenset[str]
    now: dt.datetime
    today: dt.date


@lru_cache(maxsize=65_536)
def _birth_date(raw: str, today: dt.date) -> str | None:
    """The canonical partial birth date, or None when it is not a real past date.
    Cached: a population has a few tens of thousands of distinct birth dates."""
    try:
        birth = rules.PartialDate.parse(raw)
    except ValueError:
        return None
    return None if birth.earliest() > today else str(birth)


def _lookups() -> _Lookups:
    return _Lookups(
        crossing_points=dict(
            CrossingPoint.objects.filter(is_active=True).values_list("code", "id")
        ),
        countries=frozenset(Country.objects.filter(is_active=True).values_list("pk", flat=True)),
        document_types=frozenset(
            DocumentType.objects.filter(is_active=True).values_list("pk", flat=True)
        ),
        now=timezone.now(),
        today=timezone.localdate(),
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
    doc_type = _text(item.get("document_type"), 40).lower() or "passport"
    if doc_type not in ref.document_types:
        errors.append(
            FieldError(
                "document_type",
                "invalid_choice",
                _("Unknown document type '%(code)s'.") % {"code": doc_type},
            )
        )
    out["document_type"] = doc_type
    number = rules.document_number_normalize(item.get("document_number"))
    if not number or not number.isalnum() or len(number) > 30:
        errors.append(
            FieldError(
                "document_number",
                "invalid",
                _("The document number is required: letters and digits."),
            )
        )
    out["document_number"] = number
    for name in ("document_issuing_state", "nationality"):
        code = rules.country_from_icao(_text(item.get(name), 3))
        if code not in ref.countries:
            errors.append(
                FieldError(
                    name,
                    "unknown_country",
                    _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.")
                    % {"code": code},
                )
            )
        out[name] = code
    out["family_name"] = _text(item.get("family_name"), 150)
    out["given_names"] = _text(item.get("given_names"), 150)
    if not out["family_name"] and not out["given_names"]:
        errors.append(FieldError("family_name", "required", _("A name is required.")))
    birth = _birth_date(_text(item.get("birth_date"), 10), ref.today)
    if birth is not None:
        out["birth_date"] = birth
    else:
        errors.append(
            FieldError(
                "birth_date",
                "invalid_date",
                _("The birth date must be a real date: YYYY-MM-DD, YYYY-MM or YYYY."),
            )
        )
    sex = _text(item.get("sex"), 1).upper() or "X"
    if sex not in _SEXES:
        errors.append(FieldError("sex", "invalid_choice", _("Sex must be M, F or X.")))
    out["sex"] = sex
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
    match = get_matcher().match(
        SourceIdentity(
            family_name=data["family_name"],
            given_names=data["given_names"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            nationality=data["nationality"],
            document_number=data["document_number"],
            document_issuing_state=data["document_issuing_state"],
        )
    )
    if match.person_id is not None:
        return match.person_id, match.method, match.score
    person = person_create_provisional(
        actor=actor,
        permission=Perm.BORDER_EVENT_INGEST,
        data=PersonData(
            family_name=data["family_name"] or data["given_names"],
            given_names=data["given_names"] if data["family_name"] else "",
            sex=data["sex"],
            birth_date=data["birth_date"],
            nationalities=[NationalityData(data["nationality"])],
            names=[
                NameData(
                    "Latn",
                    data["family_name"] or data["given_names"],
                    data["given_names"] if data["family_name"] else "",
                    source=NameSource.BORDER,
                )
            ],
        ),
        document=DocumentData(
            document_type=data["document_type"],
            number=data["document_number"],
            issuing_state=data["document_issuing_state"],
        ),
    )
    return person.pk, LinkMethod.NEW_PROVISIONAL.value, 1.0


def border_events_ingest(*, actor: User, events: Sequence[Mapping[str, Any]]) -> IngestReport:
    """Store a batch of up to MAX_BATCH events; see the module docstring."""
    require(actor, Perm.BORDER_EVENT_INGEST)
    ref = _lookups()
    report = IngestReport()
    ids = [_text(e.get("event_id"), 64) for e in events]
    known = {
        e.event_id: e
        for e in BorderEvent.objects.filter(event_id__in=[i for i in ids if i]).only(
            "event_id", "person_id", "flags"
        )
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
