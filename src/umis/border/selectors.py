"""Reads of border data for other apps."""

from __future__ import annotations

import datetime as dt
import uuid

from umis.border.constants import Direction
from umis.border.models import BorderEvent


def person_crossings(*, person_id: uuid.UUID) -> list[tuple[str, dt.datetime]]:
    """(direction, moment) of a person's crossings, oldest first."""
    return list(
        BorderEvent.objects.filter(person_id=person_id)
        .order_by("occurred_at", "id")
        .values_list("direction", "occurred_at")
    )


def stays_from_crossings(
    crossings: list[tuple[str, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """Pair entries with the following exit. An exit with no entry before it (flagged at
    ingestion) opens no stay; a second entry without an exit closes nothing."""
    pairs: list[tuple[dt.datetime, dt.datetime | None]] = []
    entry: dt.datetime | None = None
    for direction, moment in crossings:
        if direction == Direction.ENTRY:
            if entry is None:
                entry = moment
        elif entry is not None:
            pairs.append((entry, moment))
            entry = None
    if entry is not None:
        pairs.append((entry, None))
    return pairs


def person_crossing_details(
    *, person_id: uuid.UUID, limit: int = 200
) -> list[tuple[str, dt.datetime, str, tuple[str, ...]]]:
    """(direction, moment, crossing point code, flags), newest first."""
    rows = (
        BorderEvent.objects.filter(person_id=person_id)
        .select_related("crossing_point")
        .order_by("-occurred_at", "-id")[:limit]
    )
    return [(e.direction, e.occurred_at, e.crossing_point.code, tuple(e.flags)) for e in rows]


def persons_in_country() -> list[uuid.UUID]:
    """Persons whose latest recorded crossing is an entry."""
    from django.db.models import OuterRef, Subquery

    from umis.registry.models import Person

    latest = (
        BorderEvent.objects.filter(person=OuterRef("pk"))
        .order_by("-occurred_at", "-id")
        .values("direction")[:1]
    )
    return list(
        Person.objects.filter(border_events__isnull=False)
        .annotate(last_direction=Subquery(latest))
        .filter(last_direction=Direction.ENTRY)
        .values_list("id", flat=True)
        .distinct()
    )
