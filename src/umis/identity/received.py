"""A traveller's identity as received from a source system, checked and linked.

Border events, stay registrations and visa records each carry the traveller's travel
document and personal details as the source read them (document type, number, issuing
state, nationality, names, birth date, sex). This module is the one place that:

- checks them (`received_identity_clean`), appending `FieldError`s whose field names,
  codes and messages are part of the API contract;
- links them to a person (`received_identity_link`): the identity matcher's match, or a
  new provisional person holding the travel document.

Border validation runs once per imported row (millions in a bulk import), so checking
reads only what `received_lookups` loaded once per batch (including `today`), uses sets
built once and caches birth-date parsing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from umis.core.errors import FieldError
from umis.core.models import Country, User
from umis.core.permissions import Perm
from umis.identity.constants import LinkMethod
from umis.registry import rules
from umis.registry.constants import NameSource, Sex
from umis.registry.models import DocumentType

if TYPE_CHECKING:
    from umis.identity.matching import Match

# Validation runs per row: a set built once, not Django's enum property on every access.
_SEXES = frozenset(Sex.values)

NameRule = Literal["any", "family"]


def clean_text(raw: Any, limit: int) -> str:
    """`raw` as text with runs of whitespace collapsed, cut to `limit` characters
    (None is empty)."""
    return "" if raw is None else " ".join(str(raw).split())[:limit]


def document_number_error(field: str = "document_number") -> FieldError:
    """The error for a missing or malformed travel-document number."""
    return FieldError(field, "invalid", _("The document number is required: letters and digits."))


@dataclass(frozen=True, slots=True)
class ReceivedLookups:
    """What checking reads, loaded once per batch (with the batch's day)."""

    countries: frozenset[str]
    document_types: frozenset[str]
    today: dt.date


def received_lookups(today: dt.date | None = None) -> ReceivedLookups:
    return ReceivedLookups(
        countries=frozenset(Country.objects.filter(is_active=True).values_list("pk", flat=True)),
        document_types=frozenset(
            DocumentType.objects.filter(is_active=True).values_list("pk", flat=True)
        ),
        today=today or timezone.localdate(),
    )


class ReceivedIdentity(TypedDict):
    """The identity as received, normalised: a dict (not a dataclass) because callers
    merge it into the record they store, once per row of a bulk import. Values are ""
    where the input was invalid."""

    document_type: str
    document_number: str
    document_issuing_state: str
    nationality: str
    family_name: str
    given_names: str
    birth_date: str  # canonical partial date (YYYY, YYYY-MM or YYYY-MM-DD)
    sex: str


@lru_cache(maxsize=65_536)
def _birth_date(raw: str, today: dt.date) -> str | None:
    """The canonical partial birth date, or None when it is not a real past date.
    Cached: a population has a few tens of thousands of distinct birth dates."""
    try:
        birth = rules.PartialDate.parse(raw)
    except ValueError:
        return None
    return None if birth.earliest() > today else str(birth)


def _unknown_country(name: str, code: str) -> FieldError:
    return FieldError(
        name,
        "unknown_country",
        _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.") % {"code": code},
    )


def received_identity_clean(
    item: Mapping[str, Any],
    lookups: ReceivedLookups,
    errors: list[FieldError],
    *,
    name_rule: NameRule = "any",
    document_type: str | None = None,
    number_error: FieldError | None = None,
) -> ReceivedIdentity:
    """Check the identity fields of `item`, appending an error per bad field.

    `name_rule`: "any" accepts a family name or given names (border data often has only
    one name), "family" requires the family name as in the document. `document_type`
    fixes the document type instead of reading it (a visa is issued to a passport).
    `number_error` replaces the error for a bad document number."""
    if document_type is None:
        document_type = clean_text(item.get("document_type"), 40).lower() or "passport"
        if document_type not in lookups.document_types:
            errors.append(
                FieldError(
                    "document_type",
                    "invalid_choice",
                    _("Unknown document type '%(code)s'.") % {"code": document_type},
                )
            )
    number = rules.document_number_normalize(item.get("document_number"))
    if not number or not number.isalnum() or len(number) > 30:
        errors.append(number_error or document_number_error())
    state = rules.country_from_icao(clean_text(item.get("document_issuing_state"), 3))
    if state not in lookups.countries:
        errors.append(_unknown_country("document_issuing_state", state))
    nationality = rules.country_from_icao(clean_text(item.get("nationality"), 3))
    if nationality not in lookups.countries:
        errors.append(_unknown_country("nationality", nationality))
    family = clean_text(item.get("family_name"), 150)
    given = clean_text(item.get("given_names"), 150)
    if name_rule == "family":
        if not family:
            errors.append(
                FieldError(
                    "family_name",
                    "required",
                    _("The family name is required (as in the document)."),
                )
            )
    elif not family and not given:
        errors.append(FieldError("family_name", "required", _("A name is required.")))
    birth = _birth_date(clean_text(item.get("birth_date"), 10), lookups.today)
    if birth is None:
        errors.append(
            FieldError(
                "birth_date",
                "invalid_date",
                _("The birth date must be a real date: YYYY-MM-DD, YYYY-MM or YYYY."),
            )
        )
    sex = clean_text(item.get("sex"), 1).upper() or "X"
    if sex not in _SEXES:
        errors.append(FieldError("sex", "invalid_choice", _("Sex must be M, F or X.")))
    return {
        "document_type": document_type,
        "document_number": number,
        "document_issuing_state": state,
        "nationality": nationality,
        "family_name": family,
        "given_names": given,
        "birth_date": birth or "",
        "sex": sex,
    }


def received_identity_link(
    *,
    actor: User,
    permission: Perm,
    identity: ReceivedIdentity | Mapping[str, Any],
    name_source: NameSource,
) -> tuple[uuid.UUID, str, float]:
    """The person a checked identity is, with the link method and score: the identity
    matcher's match, or a new provisional person holding the travel document (created
    with `permission`, its name recorded as coming from `name_source`). `identity` may be
    any mapping holding a ReceivedIdentity's keys, e.g. the record it was merged into."""
    # Imported here: the registry's services import the stays and border apps' models.
    from umis.identity.matching import SourceIdentity, get_matcher
    from umis.registry.services import (
        DocumentData,
        NameData,
        NationalityData,
        PersonData,
        person_create_provisional,
    )

    match = get_matcher().match(
        SourceIdentity(
            family_name=identity["family_name"],
            given_names=identity["given_names"],
            birth_date=identity["birth_date"],
            sex=identity["sex"],
            nationality=identity["nationality"],
            document_number=identity["document_number"],
            document_issuing_state=identity["document_issuing_state"],
        )
    )
    if match.person_id is not None:
        return match.person_id, match.method, match.score
    # A person has a family name: a source with a single name gives it as the family name.
    family = identity["family_name"] or identity["given_names"]
    given = identity["given_names"] if identity["family_name"] else ""
    person = person_create_provisional(
        actor=actor,
        permission=permission,
        data=PersonData(
            family_name=family,
            given_names=given,
            sex=identity["sex"],
            birth_date=identity["birth_date"],
            nationalities=[NationalityData(identity["nationality"])],
            names=[NameData("Latn", family, given, source=name_source)],
        ),
        document=DocumentData(
            document_type=identity["document_type"],
            number=identity["document_number"],
            issuing_state=identity["document_issuing_state"],
        ),
    )
    queue_review(person.pk, match, name_source)
    return person.pk, LinkMethod.NEW_PROVISIONAL.value, 1.0


def queue_review(person_id: uuid.UUID, match: Match, source: str) -> None:
    """Grey zone: the new provisional person may be one the registry already has; an
    officer compares them in the duplicates queue (identity/merge.py merges)."""
    from umis.identity.models import CandidateOrigin
    from umis.identity.services import duplicate_candidate_propose

    for candidate in match.review:
        duplicate_candidate_propose(
            person_1=person_id,
            person_2=candidate.person_id,
            score=candidate.score,
            evidence=candidate.evidence,
            origin=CandidateOrigin.ONLINE,
            source_ref=str(source),
        )
