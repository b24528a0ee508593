"""Reads for the duplicate review: the queue of open candidates, the side-by-side
comparison of two records, the merges awaiting confirmation and a person's merge
history. Scoped by role; the comparison is a read of two person records and is audited
like opening them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from umis.core.errors import NotFound, invalid
from umis.core.models import User
from umis.core.permissions import Perm, require
from umis.identity.merge import has_decision
from umis.identity.models import (
    CandidateOrigin,
    CandidateStatus,
    DuplicateCandidate,
    MergeStatus,
    PersonMerge,
)
from umis.registry import selectors as registry_selectors
from umis.registry.constants import PersonStatus
from umis.registry.models import Person, Photo

# What the comparison counts for each person (related names on Person).
COUNTED = (
    "border_events",
    "registrations",
    "visas",
    "permit_periods",
    "permits",
    "cases",
    "violations",
    "entry_bans",
)


def duplicate_queue(
    *, actor: User, origin: str = "", status: str = CandidateStatus.OPEN
) -> QuerySet[DuplicateCandidate]:
    """Candidates to review, most likely first. A pair one of whose records has been
    merged into a third one meanwhile is left out (it comes back if that is undone)."""
    require(actor, Perm.PERSON_MERGE)
    qs = (
        DuplicateCandidate.objects.filter(status=status)
        .exclude(person_a__status=PersonStatus.MERGED)
        .exclude(person_b__status=PersonStatus.MERGED)
        .select_related("person_a", "person_b")
        .order_by("-score", "created_at", "id")
    )
    if origin:
        if origin not in CandidateOrigin.values:
            raise invalid(
                "origin",
                _("Unknown origin; one of: %(values)s") % {"values": ", ".join(CandidateOrigin)},
            )
        qs = qs.filter(origin=origin)
    return qs


def duplicate_get(*, actor: User, candidate_id: uuid.UUID | str) -> DuplicateCandidate:
    require(actor, Perm.PERSON_MERGE)
    candidate = (
        DuplicateCandidate.objects.select_related("person_a", "person_b", "decided_by")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        raise NotFound("Duplicate candidate", _("Duplicate candidate not found"))
    return candidate


@dataclass
class Side:
    """One record of the comparison, with what an officer needs to decide."""

    person: Person
    names: list[Any]
    documents: list[Any]
    nationalities: list[Any]
    addresses: list[Any]
    photo: Photo | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Comparison:
    a: Side
    b: Side
    candidate: DuplicateCandidate | None
    # Whether a merge of these two would wait for a supervisor (a decision is involved).
    needs_confirmation: bool


def _side(actor: User, person_id: uuid.UUID | str, purpose: str) -> Side:
    person = registry_selectors.person_get(actor=actor, person_id=person_id, purpose=purpose)
    # One count per table: a join of them all would multiply the rows.
    counted = {rel: getattr(person, rel).count() for rel in COUNTED}
    return Side(
        person=person,
        names=list(person.names.all()),
        documents=list(person.documents.all()),
        nationalities=list(person.nationalities.all()),
        addresses=list(person.addresses.all()),
        photo=registry_selectors.person_current_photo(person),
        counts=counted,
    )


def person_comparison(
    *,
    actor: User,
    a_id: uuid.UUID | str,
    b_id: uuid.UUID | str,
    candidate: DuplicateCandidate | None = None,
    purpose: str = "data_quality duplicate review",
) -> Comparison:
    """Both records side by side (each read is audited with the purpose)."""
    require(actor, Perm.PERSON_MERGE)
    return Comparison(
        a=_side(actor, a_id, purpose),
        b=_side(actor, b_id, purpose),
        candidate=candidate,
        needs_confirmation=has_decision([a_id, b_id]),
    )


def merges_awaiting(*, actor: User) -> QuerySet[PersonMerge]:
    """The supervisor's list: merges waiting for a second person's confirmation."""
    require(actor, Perm.CASE_SUPERVISE)
    return (
        PersonMerge.objects.filter(status=MergeStatus.AWAITING_CONFIRMATION)
        .select_related("survivor", "absorbed", "requested_by")
        .order_by("requested_at", "id")
    )


def merge_get(*, actor: User, merge_id: uuid.UUID | str) -> PersonMerge:
    require(actor, Perm.PERSON_VIEW)
    merge = (
        PersonMerge.objects.select_related(
            "survivor", "absorbed", "requested_by", "confirmed_by", "unmerged_by"
        )
        .filter(pk=merge_id)
        .first()
    )
    if merge is None:
        raise NotFound("Merge", _("Merge not found"))
    return merge


def merges_with_counts() -> QuerySet[PersonMerge]:
    """Merges with who took part and how many rows each moved (one query for a list)."""
    return PersonMerge.objects.select_related(
        "survivor", "absorbed", "requested_by", "confirmed_by", "unmerged_by"
    ).annotate(move_count=Count("moves"))


def person_merges(*, actor: User, person_id: uuid.UUID | str) -> list[PersonMerge]:
    """Every merge the person took part in, as survivor (merged in) or absorbed (merged
    out), newest first, with who asked, confirmed and undid it."""
    require(actor, Perm.PERSON_VIEW)
    if not Person.objects.filter(pk=person_id).exists():
        raise NotFound("Person", _("Person not found"))
    return list(
        merges_with_counts()
        .filter(Q(survivor_id=person_id) | Q(absorbed_id=person_id))
        .order_by("-requested_at", "-id")
    )


def merged_into(*, person_id: uuid.UUID | str) -> Person | None:
    """The record a merged person now lives in (following a chain of merges)."""
    seen: set[str] = set()
    current: Person | None = None
    pid = str(person_id)
    while pid not in seen:
        seen.add(pid)
        merge = (
            PersonMerge.objects.filter(absorbed_id=uuid.UUID(pid), status=MergeStatus.DONE)
            .select_related("survivor")
            .first()
        )
        if merge is None:
            break
        current = merge.survivor
        pid = str(merge.survivor_id)
    return current
