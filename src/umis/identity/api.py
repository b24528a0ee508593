"""/api/v1/duplicates (the review queue) and /api/v1/merges: parse, call a service or
selector of identity/, shape the answer. Writes need `persons:write` on a token."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.models import User
from umis.core.permissions import Perm, require
from umis.core.schemas import errors
from umis.identity import merge as services
from umis.identity import review
from umis.identity.models import DuplicateCandidate, PersonMerge
from umis.identity.schemas import (
    CandidateOut,
    CandidatePageOut,
    DismissIn,
    MergeIn,
    MergeOut,
    PersonRefOut,
    QueueQuery,
    ReasonIn,
)
from umis.registry.models import Person

router = Router(tags=["identity"], auth=STAFF_AUTH)
READ, WRITE = TokenScope.PERSONS_READ.value, TokenScope.PERSONS_WRITE.value


def _actor(request: HttpRequest, perm: Perm, scope: str) -> User:
    """The role's permission first (before any input is looked at), then the scope."""
    actor = actor_of(request)
    require(actor, perm)
    require_scope(request, scope)
    return actor


def _person(p: Person) -> PersonRefOut:
    return PersonRefOut(
        id=p.pk,
        personal_number=p.personal_number,
        full_name=p.full_name,
        birth_date=p.birth_date_display,
        status=p.status,
    )


def _candidate(c: DuplicateCandidate) -> CandidateOut:
    return CandidateOut(
        id=c.pk,
        person_a=_person(c.person_a),
        person_b=_person(c.person_b),
        score=c.score,
        evidence=list(c.evidence),
        origin=c.origin,
        source_ref=c.source_ref,
        status=c.status,
        note=c.note,
        created_at=c.created_at,
    )


def _user(u: Any) -> str:
    return u.get_username() if u is not None else ""


def _merge(m: PersonMerge) -> MergeOut:
    return MergeOut(
        id=m.pk,
        survivor=_person(m.survivor),
        absorbed=_person(m.absorbed),
        candidate_id=m.candidate_id,
        status=m.status,
        reason=m.reason,
        requested_by=_user(m.requested_by),
        requested_at=m.requested_at,
        confirmed_by=_user(m.confirmed_by),
        merged_at=m.merged_at,
        moves=getattr(m, "move_count", None) or m.moves.count(),
        unmerged_by=_user(m.unmerged_by),
        unmerged_at=m.unmerged_at,
        unmerge_reason=m.unmerge_reason,
    )


def _fresh(merge: PersonMerge) -> MergeOut:
    """The merge as stored now, with both persons' current status."""
    return _merge(review.merges_with_counts().get(pk=merge.pk))


@router.get(
    "/duplicates",
    response={200: CandidatePageOut, **errors()},
    summary="The duplicate review queue: open candidate pairs, most likely first",
    openapi_extra=needs(Perm.PERSON_MERGE),
)
def duplicate_list(request: HttpRequest, q: Query[QueueQuery]) -> Any:
    actor = _actor(request, Perm.PERSON_MERGE, READ)
    qs = review.duplicate_queue(actor=actor, origin=q.origin)
    return CandidatePageOut(
        count=qs.count(), results=[_candidate(c) for c in qs[q.offset : q.offset + q.limit]]
    )


@router.post(
    "/duplicates/{candidate_id}/dismiss",
    response={200: CandidateOut, **errors(404, 409)},
    summary="Not the same person: take the pair out of the queue (a note is required)",
    openapi_extra=needs(Perm.PERSON_MERGE),
)
def duplicate_dismiss(request: HttpRequest, candidate_id: uuid.UUID, payload: DismissIn) -> Any:
    actor = _actor(request, Perm.PERSON_MERGE, WRITE)
    services.candidate_dismiss(actor=actor, candidate_id=candidate_id, note=payload.note)
    return _candidate(review.duplicate_get(actor=actor, candidate_id=candidate_id))


@router.post(
    "/merges",
    response={200: MergeOut, **errors(409)},
    summary="Merge two person records (done at once, or awaiting a supervisor)",
    description=(
        "`absorbed_id` is folded into `survivor_id`: every row pointing at it moves and "
        "is recorded, so the merge can be undone. If either person has a decided case or "
        "a permit, the merge is `awaiting` until another supervisor confirms it. Sending "
        "the same request again answers the same merge; another officer's merge of a "
        "merged or pending record is 409 (`already_merged`, `merge_pending`)."
    ),
    openapi_extra=needs(Perm.PERSON_MERGE),
)
def merge_create(request: HttpRequest, payload: MergeIn) -> Any:
    actor = _actor(request, Perm.PERSON_MERGE, WRITE)
    merge = services.merge_request(
        actor=actor,
        survivor_id=payload.survivor_id,
        absorbed_id=payload.absorbed_id,
        reason=payload.reason,
        candidate_id=payload.candidate_id,
    )
    return _fresh(merge)


@router.post(
    "/merges/{merge_id}/confirm",
    response={200: MergeOut, **errors(404, 409)},
    summary="Confirm an awaiting merge (a supervisor other than the requester)",
    openapi_extra=needs(Perm.CASE_SUPERVISE),
)
def merge_confirm(request: HttpRequest, merge_id: uuid.UUID) -> Any:
    actor = _actor(request, Perm.CASE_SUPERVISE, WRITE)
    return _fresh(services.merge_confirm(actor=actor, merge_id=merge_id))


@router.post(
    "/merges/{merge_id}/reject",
    response={200: MergeOut, **errors(404, 409)},
    summary="Turn an awaiting merge down, with the reason; nothing is moved",
    openapi_extra=needs(Perm.CASE_SUPERVISE),
)
def merge_reject(request: HttpRequest, merge_id: uuid.UUID, payload: ReasonIn) -> Any:
    actor = _actor(request, Perm.CASE_SUPERVISE, WRITE)
    return _fresh(services.merge_reject(actor=actor, merge_id=merge_id, reason=payload.reason))


@router.post(
    "/merges/{merge_id}/unmerge",
    response={200: MergeOut, **errors(404, 409)},
    summary="Undo a merge: every moved row goes back, the absorbed record is restored",
    description=(
        "409 `survivor_merged_further` (undo the later merge first) or "
        "`moved_row_changed` (a moved row has since changed owner or gone); nothing is "
        "changed then. Undoing a merge a supervisor confirmed needs a supervisor."
    ),
    openapi_extra=needs(Perm.PERSON_MERGE),
)
def merge_unmerge(request: HttpRequest, merge_id: uuid.UUID, payload: ReasonIn) -> Any:
    actor = _actor(request, Perm.PERSON_MERGE, WRITE)
    return _fresh(services.unmerge(actor=actor, merge_id=merge_id, reason=payload.reason))


@router.get(
    "/persons/{person_id}/merges",
    response={200: list[MergeOut], **errors(404)},
    summary="A person's merge history: merged in and merged out, newest first",
    openapi_extra=needs(Perm.PERSON_VIEW),
)
def person_merge_list(request: HttpRequest, person_id: uuid.UUID) -> Any:
    actor = _actor(request, Perm.PERSON_VIEW, READ)
    return [_merge(m) for m in review.person_merges(actor=actor, person_id=person_id)]
