"""Fixtures for the case engine: persons with passports, applicants, opened cases."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

_numbers = itertools.count(1)


@pytest.fixture
def make_person(officer: Any) -> Callable[..., Any]:
    """A person in the registry with a passport (the applicant of a case)."""
    from umis.registry.services import (
        DocumentData,
        NationalityData,
        PersonData,
        document_add,
        person_create,
    )

    def make(
        *,
        family_name: str = "Məmmədova",
        given_names: str = "Günay",
        birth_date: str = "1990-05-17",
        nationality: str = "TUR",
        passport: str | None = None,
        passport_expiry: dt.date | None = None,
    ) -> Any:
        person = person_create(
            actor=officer,
            data=PersonData(
                family_name=family_name,
                given_names=given_names,
                sex="F",
                birth_date=birth_date,
                nationalities=[NationalityData(country=nationality)],
            ),
        )
        document_add(
            actor=officer,
            person_id=person.pk,
            data=DocumentData(
                document_type="passport",
                number=passport or f"U{next(_numbers):08d}",
                issuing_state=nationality,
                expiry_date=passport_expiry or dt.date.today() + dt.timedelta(days=3 * 365),
            ),
        )
        return person

    return make


@pytest.fixture
def applicant(db: Any) -> Any:
    from umis.core.models import User

    return User.objects.create_user(
        username="applicant1", password="x-Secret-2026!", email="a@example.org"
    )


@pytest.fixture
def plain_type() -> Any:
    """A case type without permit hooks, so that the engine is tested on its own: card
    replacement's pack entry (a fee, required documents, refusal grounds, a working-day
    term) with the permit services' hooks taken off for the test."""
    from umis.cases import types

    service = "card_replacement"
    before = types._TYPES.get(service)
    types.register(types.CaseType(service=service))
    yield service
    if before is not None:
        types.register(before)


@pytest.fixture
def open_case(officer: Any, make_person: Callable[..., Any], plain_type: str) -> Callable[..., Any]:
    from umis.cases.services import CaseRequest, case_open

    def make(*, actor: Any = None, person: Any = None, **fields: Any) -> Any:
        return case_open(
            actor=actor or officer,
            request=CaseRequest(
                service=fields.pop("service", plain_type),
                person=person or make_person(),
                office=fields.pop("office", officer.office),
                **fields,
            ),
        )

    return make
