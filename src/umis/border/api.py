"""/api/v1/border: the border entry-exit system sends its events here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from umis.border import checks, services, watchlist
from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.permissions import Perm
from umis.core.schemas import FieldErrorOut, SafeStr, errors
from umis.stays.api_rights import AppliedRightOut, applied_right

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


# --- watch list ------------------------------------------------------------------------


class EntryBanIn(Schema):
    person_id: uuid.UUID | None = None
    personal_number: SafeStr = Field("", max_length=7, description="FIN, instead of person_id")
    document_issuing_state: SafeStr = Field("", max_length=3)
    document_number: SafeStr = Field("", max_length=30)
    legal_ground: SafeStr = Field(
        "",
        max_length=60,
        description="Code from the policy pack's border.entry_ban.legal_grounds; its legal "
        "reference becomes the legal basis (legal_basis, if given, is appended as details)",
    )
    legal_basis: SafeStr = Field("", max_length=300, description="Needed without legal_ground")
    authority: SafeStr = Field(min_length=1, max_length=200)
    valid_from: dt.date
    valid_to: dt.date | None = Field(
        None, description="Last day; empty = open-ended (or the ground's fixed length)"
    )


class EntryBanOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID | None
    document_issuing_state: str
    document_number: str
    legal_basis: str
    authority: str
    valid_from: dt.date
    valid_to: dt.date | None
    lifted_at: dt.datetime | None
    lifted_reason: str


class EntryBanPageOut(Schema):
    items: list[EntryBanOut]
    count: int
    page: int
    page_size: int


class LiftIn(Schema):
    reason: SafeStr = Field(min_length=1, max_length=300)


def _ban(b: Any) -> EntryBanOut:
    return EntryBanOut(
        id=b.pk,
        person_id=b.person_id,
        document_issuing_state=b.document_issuing_state,
        document_number=b.document_number,
        legal_basis=b.legal_basis,
        authority=b.authority,
        valid_from=b.valid_from,
        valid_to=b.valid_to,
        lifted_at=b.lifted_at,
        lifted_reason=b.lifted_reason,
    )


class BanQuery(Schema):
    person_id: uuid.UUID | None = None
    in_force_only: bool = True
    status: Literal["", "in_force", "future", "expired", "lifted"] = Field(
        "", description="On the day `on` (default today); replaces in_force_only when given"
    )
    kind: Literal["", "person", "document"] = ""
    nationality: SafeStr = Field(
        "", max_length=3, description="Document's issuing state or the person's nationality"
    )
    on: dt.date | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=100)


@router.get(
    "/border/entry-bans",
    response={200: EntryBanPageOut, **errors()},
    summary="Entry bans (not lifted, unless asked)",
    openapi_extra=needs(Perm.WATCHLIST_VIEW),
)
def entry_ban_list(request: HttpRequest, q: Query[BanQuery]) -> Any:
    require_scope(request, TokenScope.PERSONS_READ.value)
    page = watchlist.entry_ban_list(
        actor=actor_of(request),
        person_id=q.person_id,
        in_force_only=q.in_force_only,
        status=q.status,
        kind=q.kind,
        nationality=q.nationality,
        on=q.on,
        page=q.page,
        page_size=q.page_size,
    )
    return EntryBanPageOut(
        items=[_ban(b) for b in page.items],
        count=page.count,
        page=page.page,
        page_size=page.page_size,
    )


@router.post(
    "/border/entry-bans",
    response={201: EntryBanOut, **errors()},
    summary="Ban a person or a document from entering",
    openapi_extra=needs(Perm.WATCHLIST_MANAGE),
)
def entry_ban_create(request: HttpRequest, payload: EntryBanIn) -> Any:
    require_scope(request, TokenScope.WATCHLIST_WRITE.value)
    ban = watchlist.entry_ban_create(
        actor=actor_of(request), data=watchlist.EntryBanData(**payload.model_dump())
    )
    return Status(201, _ban(ban))


@router.post(
    "/border/entry-bans/{ban_id}/lift",
    response={200: EntryBanOut, **errors(404)},
    summary="Lift an entry ban (kept as history)",
    openapi_extra=needs(Perm.WATCHLIST_MANAGE),
)
def entry_ban_lift(request: HttpRequest, ban_id: uuid.UUID, payload: LiftIn) -> Any:
    require_scope(request, TokenScope.WATCHLIST_WRITE.value)
    return _ban(
        watchlist.entry_ban_lift(actor=actor_of(request), ban_id=ban_id, reason=payload.reason)
    )


class EntryBanItemIn(Schema):
    """One ban of a batch. Checked one ban at a time (a bad ban is reported, the others
    are stored), so the fields are loosely typed here; see EntryBanIn for their meaning."""

    person_id: str | None = None
    personal_number: str | None = None
    document_issuing_state: str | None = None
    document_number: str | None = None
    legal_ground: str | None = None
    legal_basis: str | None = None
    authority: str | None = None
    valid_from: str | None = Field(None, description="YYYY-MM-DD")
    valid_to: str | None = Field(None, description="YYYY-MM-DD; empty = open-ended")


class EntryBanBatchIn(Schema):
    bans: list[EntryBanItemIn] = Field(min_length=1, max_length=watchlist.MAX_BATCH)


class EntryBanResultOut(Schema):
    index: int
    status: str = Field(description="created | updated | unchanged | rejected")
    id: uuid.UUID | None
    errors: list[FieldErrorOut]


class EntryBanBatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    results: list[EntryBanResultOut]


@router.post(
    "/border/entry-bans/batch",
    response={200: EntryBanBatchOut, **errors()},
    summary="Record a batch of entry bans (idempotent: a known ban is not recorded again)",
    openapi_extra=needs(Perm.WATCHLIST_MANAGE),
)
def entry_ban_batch(request: HttpRequest, payload: EntryBanBatchIn) -> Any:
    require_scope(request, TokenScope.WATCHLIST_WRITE.value)
    results = watchlist.entry_bans_import(
        actor=actor_of(request), rows=[b.model_dump() for b in payload.bans]
    )
    return EntryBanBatchOut(
        **{s: sum(r.status == s for r in results) for s in ("created", "updated", "unchanged")},
        rejected=sum(r.status == "rejected" for r in results),
        results=[
            EntryBanResultOut(
                index=r.index,
                status=r.status,
                id=r.ban.pk if r.ban else None,
                errors=[
                    FieldErrorOut(field=f"bans.{r.index}.{e.field}", code=e.code, message=e.message)
                    for e in r.errors
                ],
            )
            for r in results
        ],
    )


class InvalidDocumentIn(Schema):
    issuing_state: str | None = None
    number: str | None = None
    reason: str | None = Field(None, description="lost | stolen | revoked | forged")
    reported_on: str | None = Field(None, description="YYYY-MM-DD; today if empty")


class InvalidDocumentBatchIn(Schema):
    source: SafeStr = Field(
        min_length=1, max_length=100, description="Who reported them, e.g. 'Interpol SLTD'"
    )
    documents: list[InvalidDocumentIn] = Field(min_length=1, max_length=watchlist.MAX_BATCH)


class RowResultOut(Schema):
    index: int
    status: str = Field(description="created | updated | unchanged | rejected")
    errors: list[FieldErrorOut]


@router.post(
    "/border/invalid-documents",
    response={200: list[RowResultOut], **errors()},
    summary="Load lost, stolen, revoked or forged documents (idempotent per document)",
    openapi_extra=needs(Perm.WATCHLIST_MANAGE),
)
def invalid_documents(request: HttpRequest, payload: InvalidDocumentBatchIn) -> Any:
    require_scope(request, TokenScope.WATCHLIST_WRITE.value)
    results = watchlist.invalid_documents_load(
        actor=actor_of(request),
        rows=[d.model_dump() for d in payload.documents],
        source=payload.source,
    )
    return [
        RowResultOut(
            index=r.index,
            status=r.status,
            errors=[
                FieldErrorOut(
                    field=f"documents.{r.index}.{e.field}", code=e.code, message=e.message
                )
                for e in r.errors
            ],
        )
        for r in results
    ]


class InvalidDocumentRemoveIn(Schema):
    issuing_state: SafeStr = Field(min_length=1, max_length=3)
    number: SafeStr = Field(min_length=1, max_length=30)
    reason: SafeStr = Field(
        min_length=1, max_length=300, description="Why it is taken off the list, e.g. found"
    )


class InvalidDocumentOut(Schema):
    issuing_state: str
    number: str
    reason: str
    reported_on: dt.date
    source: str


@router.post(
    "/border/invalid-documents/remove",
    response={200: InvalidDocumentOut, **errors(404)},
    summary="Take a document off the invalid-documents list (found again; audited)",
    openapi_extra=needs(Perm.WATCHLIST_MANAGE),
)
def invalid_document_remove(request: HttpRequest, payload: InvalidDocumentRemoveIn) -> Any:
    require_scope(request, TokenScope.WATCHLIST_WRITE.value)
    doc = watchlist.invalid_document_remove(actor=actor_of(request), **payload.model_dump())
    return InvalidDocumentOut(
        issuing_state=doc.issuing_state,
        number=doc.number,
        reason=doc.reason,
        reported_on=doc.reported_on,
        source=doc.source,
    )


# --- border check ----------------------------------------------------------------------


class BorderCheckIn(Schema):
    direction: Literal["entry", "exit"]
    document_number: SafeStr = Field(min_length=1, max_length=30)
    document_issuing_state: SafeStr = Field(min_length=1, max_length=3)
    family_name: SafeStr = Field("", max_length=150)
    given_names: SafeStr = Field("", max_length=150)
    birth_date: SafeStr = Field("", max_length=10, description="YYYY-MM-DD (or partial)")
    nationality: SafeStr = Field("", max_length=3)


class ReasonOut(Schema):
    code: str = Field(description="entry_ban | invalid_document | overstay | unregistered_stay")
    detail: str


class TravellerSummaryOut(Schema):
    id: uuid.UUID
    personal_number: str
    family_name: str
    given_names: str
    birth_date: str
    nationalities: list[str]
    in_country: bool
    permitted_until: dt.date | None
    days_used: int


class BorderCheckOut(Schema):
    decision: str = Field(description="allow | refer")
    reasons: list[ReasonOut]
    person: TravellerSummaryOut | None


@router.post(
    "/border/checks",
    response={200: BorderCheckOut, **errors()},
    summary="May this traveller cross? allow or refer, with reasons (audited)",
    openapi_extra=needs(Perm.BORDER_CHECK),
)
def border_check(request: HttpRequest, payload: BorderCheckIn) -> Any:
    require_scope(request, TokenScope.BORDER_CHECK.value)
    result = checks.border_check(
        actor=actor_of(request), data=checks.CheckData(**payload.model_dump())
    )
    return BorderCheckOut(
        decision=result.decision,
        reasons=[ReasonOut(code=r.code, detail=r.detail) for r in result.reasons],
        person=TravellerSummaryOut(**vars(result.person)) if result.person else None,
    )


# --- a person's stay -------------------------------------------------------------------


class CrossingOut(Schema):
    direction: str
    occurred_at: dt.datetime
    crossing_point: str
    flags: list[str]


class StayOut(Schema):
    in_country: bool
    since: dt.date | None
    days_used: int
    permitted_until: dt.date | None
    basis: str = Field(description="visa_free_rolling | visa | permit | unknown")
    days_left: int | None
    overstay_days: int
    legal_ref: str
    applies: AppliedRightOut | None = Field(
        None, description="The visa or permit permitted_until rests on (basis visa | permit)"
    )
    crossings: list[CrossingOut]


@router.get(
    "/persons/{person_id}/stay",
    response={200: StayOut, **errors(404)},
    summary="In the country or not, days used, permitted-until and its basis; crossings",
    openapi_extra=needs(Perm.PERSON_VIEW),
)
def person_stay(request: HttpRequest, person_id: uuid.UUID) -> Any:
    from umis.stays.selectors import person_stay as stay

    require_scope(request, TokenScope.PERSONS_READ.value)
    status, crossings = stay(actor=actor_of(request), person_id=person_id)
    return StayOut(
        **{k: v for k, v in vars(status).items() if k != "right"},
        applies=applied_right(status.right),
        crossings=[
            CrossingOut(
                direction=c.direction,
                occurred_at=c.occurred_at,
                crossing_point=c.crossing_point,
                flags=list(c.flags),
            )
            for c in crossings
        ],
    )
