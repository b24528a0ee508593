"""The shared check and link of a traveller's identity as received from a source system."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from umis.core.errors import FieldError
from umis.core.permissions import Perm
from umis.identity.received import (
    ReceivedLookups,
    clean_text,
    received_identity_clean,
    received_identity_link,
    received_lookups,
)
from umis.registry.constants import NameSource

TODAY = dt.date(2026, 11, 22)
LOOKUPS = ReceivedLookups(
    countries=frozenset({"RUS", "AZE", "D"}), document_types=frozenset({"passport"}), today=TODAY
)
ITEM = {
    "document_type": " Passport ",
    "document_number": "c01 x00-t47",
    "document_issuing_state": "rus",
    "nationality": "RUS",
    "family_name": "  Ivanov ",
    "given_names": "Ivan   Petrovich",
    "birth_date": "1980-02-00",
    "sex": "m",
}


def _clean(item: dict[str, Any], **kwargs: Any) -> tuple[Any, list[tuple[str, str]]]:
    errors: list[FieldError] = []
    identity = received_identity_clean(item, LOOKUPS, errors, **kwargs)
    return identity, [(e.field, e.code) for e in errors]


def test_clean_text_collapses_whitespace_cuts_and_keeps_falsy_values() -> None:
    assert clean_text("  a \n b\t c ", 4) == "a b "
    assert clean_text(None, 5) == ""
    assert clean_text(0, 5) == "0"


def test_a_good_identity_is_normalised() -> None:
    identity, errors = _clean(ITEM)
    assert errors == []
    assert identity == {
        "document_type": "passport",
        "document_number": "C01X00T47",
        "document_issuing_state": "RUS",
        "nationality": "RUS",
        "family_name": "Ivanov",
        "given_names": "Ivan Petrovich",
        "birth_date": "1980-02",
        "sex": "M",
    }


def test_every_bad_field_is_named_with_its_code() -> None:
    bad = {
        "document_type": "scroll",
        "document_number": "AB/12",
        "document_issuing_state": "XYZ",
        "nationality": "",
        "birth_date": "2030-01-01",
        "sex": "Q",
    }
    _, errors = _clean(bad)
    assert errors == [
        ("document_type", "invalid_choice"),
        ("document_number", "invalid"),
        ("document_issuing_state", "unknown_country"),
        ("nationality", "unknown_country"),
        ("family_name", "required"),
        ("birth_date", "invalid_date"),
        ("sex", "invalid_choice"),
    ]


def test_too_long_document_number_is_rejected() -> None:
    _, errors = _clean({**ITEM, "document_number": "A" * 31})
    assert errors == [("document_number", "invalid")]


def test_name_rules_any_accepts_given_names_only_family_does_not() -> None:
    given_only = {**ITEM, "family_name": ""}
    assert _clean(given_only)[1] == []
    errors: list[FieldError] = []
    received_identity_clean(given_only, LOOKUPS, errors, name_rule="family")
    assert [(e.field, e.code, str(e.message)) for e in errors] == [
        ("family_name", "required", "The family name is required (as in the document).")
    ]


def test_fixed_document_type_and_own_number_error() -> None:
    own = FieldError("document_number", "required", "Give the passport number.")
    identity, errors = _clean(
        {**ITEM, "document_type": "scroll", "document_number": ""},
        document_type="passport",
        number_error=own,
    )
    assert identity["document_type"] == "passport"
    assert errors == [("document_number", "required")]


@pytest.mark.django_db
def test_link_matches_the_known_person_or_creates_one_provisional_person(
    reference: None, make_staff: Any
) -> None:
    from umis.registry.models import Person

    actor = make_staff("border_officer")
    errors: list[FieldError] = []
    identity = received_identity_clean({**ITEM, "family_name": ""}, received_lookups(), errors)
    assert errors == []
    person_id, method, score = received_identity_link(
        actor=actor,
        permission=Perm.BORDER_EVENT_INGEST,
        identity=identity,
        name_source=NameSource.BORDER,
    )
    assert (method, score) == ("new_provisional", 1.0)
    person = Person.objects.get(pk=person_id)
    # A single name becomes the family name.
    assert (person.family_name, person.given_names) == ("Ivan Petrovich", "")
    again = received_identity_link(
        actor=actor,
        permission=Perm.BORDER_EVENT_INGEST,
        identity=identity,
        name_source=NameSource.BORDER,
    )
    assert again[0] == person_id and again[1] != "new_provisional"
    assert Person.objects.count() == 1
