"""Identity-resolution rules that write: proposing a pair of persons for review.

Merging and unmerging are in identity/merge.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction

from umis.identity.models import CandidateOrigin, CandidateStatus, DuplicateCandidate


def duplicate_candidate_propose(
    *,
    person_1: uuid.UUID,
    person_2: uuid.UUID,
    score: float,
    evidence: Sequence[dict[str, Any]],
    origin: CandidateOrigin | str,
    source_ref: str = "",
) -> DuplicateCandidate | None:
    """Queue two persons for an officer to compare. A pair is stored once whoever finds it
    (person_a sorts first): proposing it again refreshes an open pair's score and
    evidence but never reopens a pair an officer has decided. None for a person and
    itself."""
    if person_1 == person_2:
        return None
    a, b = sorted((person_1, person_2), key=str)
    a_id, b_id = (uuid.UUID(str(a)), uuid.UUID(str(b)))
    values = {"score": score, "evidence": list(evidence)}
    for _attempt in range(2):
        existing = DuplicateCandidate.objects.filter(person_a_id=a_id, person_b_id=b_id).first()
        if existing is not None:
            if existing.status == CandidateStatus.OPEN and (
                existing.score != score or existing.evidence != values["evidence"]
            ):
                DuplicateCandidate.objects.filter(pk=existing.pk).update(**values)
                existing.refresh_from_db()
            return existing
        try:
            with transaction.atomic():
                return DuplicateCandidate.objects.create(
                    person_a_id=a_id,
                    person_b_id=b_id,
                    origin=str(origin),
                    source_ref=source_ref[:80],
                    **values,
                )
        except IntegrityError:
            continue  # proposed concurrently: read the winner's row
    return DuplicateCandidate.objects.get(person_a_id=a_id, person_b_id=b_id)
