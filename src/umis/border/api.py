"""/api/v1/border: the border entry-exit system sends its events here."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from umis.border import services
from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.permissions import Perm
from umis.core.schemas import FieldErrorOut, errors

router = Router(tags=["border"], auth=STAFF_AUTH)


class BorderEventIn(Schema):
    """One event as the entry-exit system sends it. Fields are checked one event at a
    time (a bad event is reported, the others are stored), so they are loosely typed here."""

    event_id: str | None = Field(None, description="The sender's unique id (idempotency)")
    direction: str | None = Field(None, description="entry | exit")
    occurred_at: str | None = Field(None, description="ISO 8601 with zone")
    crossing_point: str | None = Field(None, description="Crossing point code, e.g. AIR-GYD")
    document_type: str | None = Field(None, description="passport (default), national_id, ...")
    document_number: str | None = None
    document_issuing_state: str | None = Field(None, description="ISO 3166-1 alpha-3")
    family_name: str | None = Field(None, description="As in the MRZ")
    given_names: str | None = None
    birth_date: str | None = Field(None, description="YYYY-MM-DD, YYYY-MM or YYYY")
    sex: str | None = Field(None, description="M | F | X")
    nationality: str | None = Field(None, description="ISO 3166-1 alpha-3")
    visa_number: str | None = Field(None, description="Visa or e-visa number, if any")
    purpose: str | None = Field(None, description="Declared purpose of the trip")


class BorderEventBatchIn(Schema):
    events: list[BorderEventIn] = Field(min_length=1, max_length=services.MAX_BATCH)


class EventResultOut(Schema):
    index: int
    event_id: str
    status: str = Field(description="created | duplicate | rejected")
    person_id: uuid.UUID | None
    flags: list[str]
    errors: list[FieldErrorOut]


class BorderEventBatchOut(Schema):
    created: int
    duplicates: int
    rejected: int
    results: list[EventResultOut]


@router.post(
    "/border/events",
    response={200: BorderEventBatchOut, **errors()},
    summary="Send a batch of entry/exit events (idempotent by event id)",
    openapi_extra=needs(Perm.BORDER_EVENT_INGEST),
)
def border_events(request: HttpRequest, payload: BorderEventBatchIn) -> Any:
    require_scope(request, TokenScope.BORDER_WRITE.value)
    report = services.border_events_ingest(
        actor=actor_of(request), events=[e.model_dump() for e in payload.events]
    )
    return BorderEventBatchOut(
        created=report.count("created"),
        duplicates=report.count("duplicate"),
        rejected=report.count("rejected"),
        results=[
            EventResultOut(
                index=r.index,
                event_id=r.event_id,
                status=r.status,
                person_id=r.person_id,
                flags=list(r.flags),
                errors=[
                    FieldErrorOut(
                        field=f"events.{r.index}.{e.field}", code=e.code, message=e.message
                    )
                    for e in r.errors
                ],
            )
            for r in report.results
        ],
    )
