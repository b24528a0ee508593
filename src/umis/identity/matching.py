"""Which person a source record (border event, registration, application) is about.

One interface, `get_matcher().match(record)`. `ScoredMatcher` (the default) finds
candidates by name keys and documents and scores them (identity.scoring): at or above
`link_at` the record is linked; in the grey zone down to `review_from` it is not, and the
candidates come back in `Match.review` so the caller can queue them for an officer once
it has created the provisional person; below, it is a new person. `ExactMatcher` (the
border issue's) stays available by setting UMIS_IDENTITY_MATCHER.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from umis.identity import scoring
from umis.identity.constants import LinkMethod
from umis.identity.scoring import Identity
from umis.registry import rules, selectors
from umis.registry.names import name_key


@dataclass(frozen=True)
class SourceIdentity:
    family_name: str
    given_names: str
    birth_date: str  # YYYY, YYYY-MM or YYYY-MM-DD
    sex: str
    nationality: str
    document_number: str = ""
    document_issuing_state: str = ""


@dataclass(frozen=True)
class ReviewCandidate:
    person_id: uuid.UUID
    score: float
    evidence: tuple[dict[str, str | float], ...]


@dataclass(frozen=True)
class Match:
    person_id: uuid.UUID | None
    method: str  # a LinkMethod value, "" when there is no match
    score: float
    # Grey zone: persons an officer should compare with the record's new person.
    review: tuple[ReviewCandidate, ...] = ()


class Matcher(Protocol):
    def match(self, record: SourceIdentity) -> Match: ...


class ExactMatcher:
    """The holder of the same document (issuing state + number); otherwise the only
    person with the same folded name and the same full or partial birth date. Anything
    less certain is no match: a wrong link is worse than a provisional person."""

    def match(self, record: SourceIdentity) -> Match:
        if record.document_number and record.document_issuing_state:
            holders = selectors.person_ids_by_document(
                issuing_state=record.document_issuing_state, number=record.document_number
            )
            if len(holders) == 1:
                return Match(holders[0], "document", 1.0)
        try:
            birth = rules.PartialDate.parse(record.birth_date)
        except ValueError:
            return Match(None, "", 0.0)
        key = name_key(record.family_name, record.given_names)
        if not key:
            return Match(None, "", 0.0)
        candidates = selectors.person_ids_by_name_and_birth(
            name_key=key, year=birth.year, month=birth.month, day=birth.day
        )
        if len(candidates) == 1 and birth.day is not None:
            return Match(candidates[0], "name_birth_date", 0.9)
        return Match(None, "", 0.0)


def source_identity(record: SourceIdentity) -> Identity:
    """The record as the scorer compares it (a birth date that does not parse is left out:
    the received-identity checks have already reported it)."""
    try:
        birth: rules.PartialDate | None = rules.PartialDate.parse(record.birth_date)
    except ValueError:
        birth = None
    documents = (
        ((record.document_issuing_state, record.document_number),) if record.document_number else ()
    )
    return Identity(
        family_name=record.family_name,
        given_names=record.given_names,
        sex=record.sex,
        birth_year=birth.year if birth else None,
        birth_month=birth.month if birth else None,
        birth_day=birth.day if birth else None,
        nationality=record.nationality,
        documents=documents,
    )


class ScoredMatcher:
    """The best-scoring candidate, linked only when it is certain enough and clearly
    ahead of the next one (twins score alike: neither is linked, both are reviewed)."""

    # How far (in probability) the best must lead the runner-up to be linked alone.
    margin = 0.05

    def match(self, record: SourceIdentity) -> Match:
        from umis.identity.search import person_candidates

        # A document is unique per issuing state and number: its holder is the traveller,
        # whatever the names say (a hotel's transliteration, a married name).
        if record.document_number and record.document_issuing_state:
            holders = selectors.person_ids_by_document(
                issuing_state=record.document_issuing_state, number=record.document_number
            )
            if len(holders) == 1:
                return Match(holders[0], LinkMethod.DOCUMENT.value, 1.0)
        ranked = person_candidates(source_identity(record), limit=10)
        if not ranked:
            return Match(None, "", 0.0)
        best_id, best = ranked[0]
        runner_up = ranked[1][1].probability if len(ranked) > 1 else 0.0
        if best.probability >= scoring.link_at() and best.probability - runner_up >= self.margin:
            method = (
                LinkMethod.DOCUMENT
                if any(e.field == "document" and e.level == "equal" for e in best.evidence)
                else LinkMethod.SCORED
            )
            return Match(best_id, method.value, round(best.probability, 4))
        review = tuple(
            ReviewCandidate(
                person_id=pid,
                score=round(s.probability, 4),
                evidence=tuple(scoring.evidence_summary(s.evidence)),
            )
            for pid, s in ranked[:3]
            if s.probability >= scoring.review_from()
        )
        return Match(None, "", round(best.probability, 4), review)


@lru_cache(maxsize=1)
def get_matcher() -> Matcher:
    path = getattr(settings, "UMIS_IDENTITY_MATCHER", "umis.identity.matching.ScoredMatcher")
    return import_string(path)()  # type: ignore[no-any-return]
