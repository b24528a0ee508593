"""The name-key index stays what the scorer's blocking keys say, whichever path wrote the
person: services, provisional persons from source records, demo data, a full rebuild."""

from __future__ import annotations

from typing import Any

import pytest

from umis.core.permissions import Perm
from umis.identity import scoring
from umis.identity.keys import (
    identities_load,
    namekeys_rebuild_all,
    namekeys_refresh,
    person_identity,
    person_keys,
)
from umis.identity.models import NameKey
from umis.registry import services
from umis.registry.constants import NameSource
from umis.registry.models import Person

pytestmark = pytest.mark.django_db


def _keys(person: Person) -> set[str]:
    return set(NameKey.objects.filter(person=person).values_list("key", flat=True))


def _expected(person: Person) -> set[str]:
    person = Person.objects.prefetch_related("names", "documents", "nationalities").get(
        pk=person.pk
    )
    return set(person_keys(person_identity(person)))


@pytest.fixture
def person(officer: Any) -> Person:
    return services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name="Məmmədov",
            given_names="Əli",
            sex="M",
            birth_date="1990-05-04",
            nationalities=[services.NationalityData("AZE")],
            names=[services.NameData("Cyrl", "Мамедов", "Али")],
        ),
    )


def test_a_created_person_has_the_scorers_keys(person: Person) -> None:
    keys = _keys(person)
    assert keys == _expected(person)
    identity = person_identity(person)
    assert scoring.blocking_keys(scoring.prepare(identity)) < keys
    # Search's own: given name + year (a mistyped family name with a partial date).
    assert any(k.startswith("gy:") and k.endswith(":1990") for k in keys)
    assert any(k.startswith("t:") for k in keys)
    assert any(k.startswith("fy:") and k.endswith(":1990") for k in keys)
    assert any(k.startswith("gd:") and k.endswith(":1990-05-04") for k in keys)


def test_person_identity_holds_every_spelling_valid_document_and_nationality(
    officer: Any, person: Person
) -> None:
    services.document_add(
        actor=officer,
        person_id=person.pk,
        data=services.DocumentData(document_type="passport", number="C1", issuing_state="AZE"),
    )
    identity = person_identity(Person.objects.get(pk=person.pk))
    assert identity.family_name == "Məmmədov"
    assert ("Мамедов", "Али", "") in identity.other_names
    assert identity.documents == (("AZE", "C1"),)
    assert identity.nationality == "AZE"
    assert (identity.birth_year, identity.birth_month, identity.birth_day) == (1990, 5, 4)
    # The bulk loader builds the same Identity as the model path.
    assert identities_load([person.pk])[person.pk][1] == identity


def test_services_keep_keys_fresh(officer: Any, person: Person) -> None:
    before = _keys(person)
    # Another family name written by another source: its keys join.
    services.person_name_add(
        actor=officer,
        person_id=person.pk,
        data=services.NameData("Latn", "Smith", "Ali", source=NameSource.TAX),
    )
    assert _keys(person) == _expected(person)
    assert _keys(person) > before
    # A changed birth date replaces the date keys.
    person.refresh_from_db()
    services.person_update(
        actor=officer, person_id=person.pk, version=person.version, changes={"birth_date": "1991"}
    )
    keys = _keys(person)
    assert keys == _expected(person)
    assert not any("1990" in k for k in keys)
    # Documents: a key while valid, gone when lost.
    doc = services.document_add(
        actor=officer,
        person_id=person.pk,
        data=services.DocumentData(document_type="passport", number="c12 345", issuing_state="AZE"),
    )
    assert "d:C12345" in _keys(person)
    services.document_flag(actor=officer, document_id=doc.pk, status="lost", reason="test")
    assert "d:C12345" not in _keys(person)
    assert _keys(person) == _expected(person)


def test_a_provisional_person_from_a_source_record_has_keys(officer: Any) -> None:
    from umis.identity.received import received_identity_link

    person_id, method, _score = received_identity_link(
        actor=officer,
        permission=Perm.PERSON_CREATE,
        identity={
            "document_type": "passport",
            "document_number": "P7654321",
            "document_issuing_state": "RUS",
            "nationality": "RUS",
            "family_name": "IVANOV",
            "given_names": "SERGEI",
            "birth_date": "1980-02-03",
            "sex": "M",
        },
        name_source=NameSource.BORDER,
    )
    assert method == "new_provisional"
    person = Person.objects.get(pk=person_id)
    assert "d:P7654321" in _keys(person)
    assert _keys(person) == _expected(person)


def test_merged_persons_keep_no_keys(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(status="merged")
    namekeys_refresh([person.pk])
    assert _keys(person) == set()


def test_rebuild_all_restores_every_persons_keys(officer: Any, person: Person) -> None:
    other = services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name="Beridze",
            given_names="Giorgi",
            sex="M",
            birth_date="1979",
            nationalities=[services.NationalityData("GEO")],
        ),
    )
    expected = {p.pk: _keys(p) for p in (person, other)}
    NameKey.objects.all().delete()
    NameKey.objects.create(person=person, key="t:STALE")
    seen: list[tuple[int, int]] = []
    result = namekeys_rebuild_all(batch=1, progress=lambda done, total: seen.append((done, total)))
    assert {p.pk: _keys(p) for p in (person, other)} == expected
    assert result["persons"] == 2
    assert result["keys"] == sum(len(k) for k in expected.values())
    assert seen == [(1, 2), (2, 2)]
    with pytest.raises(ValueError, match="batch"):
        namekeys_rebuild_all(batch=0)


def test_demo_data_writes_the_keys_a_rebuild_would(reference: None) -> None:
    from umis.registry.demo import demo_data_generate

    demo_data_generate(30, seed=7, organisations=0)
    generated = set(NameKey.objects.values_list("person_id", "key"))
    assert {pid for pid, _k in generated} == set(Person.objects.values_list("id", flat=True))
    namekeys_rebuild_all()
    assert set(NameKey.objects.values_list("person_id", "key")) == generated
