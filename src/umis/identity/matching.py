"""Which person a source record (border event, registration, application) is about.

One interface, `get_matcher().match(record)`, so that the scored cross-script matcher of
the identity-resolution issue replaces this exact one without touching its callers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

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
class Match:
    person_id: uuid.UUID | None
    method: str  # "document" | "name_birth_date" | "" (no match)
    score: float


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


@lru_cache(maxsize=1)
def get_matcher() -> Matcher:
    path = getattr(settings, "UMIS_IDENTITY_MATCHER", "umis.identity.matching.ExactMatcher")
    return import_string(path)()  # type: ignore[no-any-return]
