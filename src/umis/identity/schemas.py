"""Request and response shapes of /api/v1/duplicates and /api/v1/merges."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Schema
from pydantic import Field

from umis.core.schemas import MAX_OFFSET, SafeStr


class PersonRefOut(Schema):
    id: uuid.UUID
    personal_number: str
    full_name: str
    birth_date: str
    status: str


class CandidateOut(Schema):
    id: uuid.UUID
    person_a: PersonRefOut
    person_b: PersonRefOut
    score: float = Field(description="Match probability, 0..1")
    evidence: list[dict[str, Any]] = Field(
        description="What matched: [{field, level, weight}], strongest evidence first"
    )
    origin: str = Field(description="online | sweep | officer")
    source_ref: str
    status: str = Field(description="open | merged | dismissed")
    note: str
    created_at: dt.datetime


class QueueQuery(Schema):
    origin: str = Field("", description="online | sweep | officer; empty: all")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class CandidatePageOut(Schema):
    count: int
    results: list[CandidateOut]


class DismissIn(Schema):
    note: SafeStr = Field(max_length=2000, description="Why they are two people")


class MergeIn(Schema):
    survivor_id: uuid.UUID = Field(description="The record that is kept")
    absorbed_id: uuid.UUID = Field(description="The record folded into it (status: merged)")
    reason: SafeStr = Field(max_length=2000)
    candidate_id: uuid.UUID | None = Field(None, description="The queue entry decided by it")


class ReasonIn(Schema):
    reason: SafeStr = Field(max_length=2000)


class MergeOut(Schema):
    id: uuid.UUID
    survivor: PersonRefOut
    absorbed: PersonRefOut
    candidate_id: uuid.UUID | None
    status: str = Field(description="awaiting | done | undone | rejected")
    reason: str
    requested_by: str
    requested_at: dt.datetime
    confirmed_by: str = Field(description="Who confirmed (or rejected) an awaiting merge")
    merged_at: dt.datetime | None
    moves: int = Field(description="Rows the merge moved (and an unmerge puts back)")
    unmerged_by: str
    unmerged_at: dt.datetime | None
    unmerge_reason: str = Field(description="Why it was undone or rejected")
