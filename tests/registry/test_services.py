from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from umis.core.errors import ApplicationError, Conflict, Forbidden
from umis.core.models import AuditEntry, Office
from umis.registry.models import Person
from umis.registry.services import (
    DocumentData,
    NationalityData,
    PersonData,
    document_add,
    nationality_add,
    person_create,
    person_update,
)


def _person(actor: Any, **kw: Any) -> Person:
    data = PersonData(
        family_name=kw.pop("family_name", "Qasımov"),
        sex="M",
        birth_date="1979-11",
        nationalities=[NationalityData("GEO")],
        **kw,
    )
    return person_create(actor=actor, data=data)


@pytest.mark.django_db
def test_create_sets_office_fin_and_name_key(officer) -> None:
    p = _person(officer, given_names="Əli")
    assert p.office_id == officer.office_id
    assert len(p.personal_number) == 7
    assert p.name_key == "QASIMOV ALI"
    assert (p.birth_year, p.birth_month, p.birth_day) == (1979, 11, None)
    created = AuditEntry.objects.filter(
        person_id=p.pk, action="create", object_type="registry.person"
    ).get()
    assert created.changes["family_name"] == [None, "Qasımov"]


@pytest.mark.django_db
def test_office_scope_refuses_updates_from_another_office(officer, make_staff) -> None:
    p = _person(officer)
    other_office = (
        Office.objects.exclude(pk=officer.office_id).filter(kind="one_stop_shop").first()
        or Office.objects.exclude(pk=officer.office_id).exclude(kind="headquarters").first()
    )
    stranger = make_staff("officer", office=other_office)
    with pytest.raises(Forbidden):
        person_update(actor=stranger, person_id=p.pk, version=1, changes={"email": "x@y.az"})
    hq = make_staff("supervisor", office_kind="headquarters")
    person_update(actor=hq, person_id=p.pk, version=1, changes={"email": "x@y.az"})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["border_officer", "analyst", "administrator"])
def test_roles_without_registry_write_cannot_create(make_staff, role) -> None:
    with pytest.raises(Forbidden):
        _person(make_staff(role))
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_unknown_update_field_is_refused(officer) -> None:
    p = _person(officer)
    with pytest.raises(ApplicationError) as exc:
        person_update(
            actor=officer, person_id=p.pk, version=1, changes={"personal_number": "2222222"}
        )
    assert exc.value.field_errors[0].field == "personal_number"


@pytest.mark.django_db
def test_duplicate_current_nationality_is_refused(officer) -> None:
    p = _person(officer)
    with pytest.raises(ApplicationError) as exc:
        nationality_add(actor=officer, person_id=p.pk, data=NationalityData("GEO"))
    assert exc.value.field_errors[0].field == "country"
    nationality_add(actor=officer, person_id=p.pk, data=NationalityData("XXA"))
    assert p.nationalities.count() == 2


@pytest.mark.django_db
def test_same_document_for_two_persons_conflicts(officer) -> None:
    a, b = _person(officer), _person(officer, family_name="Other")
    doc = DocumentData(document_type="passport", number="AB 123456", issuing_state="GEO")
    document_add(actor=officer, person_id=a.pk, data=doc)
    with pytest.raises(Conflict):
        document_add(
            actor=officer,
            person_id=b.pk,
            data=DocumentData(document_type="passport", number="ab123456", issuing_state="GEO"),
        )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_updates_of_one_version_exactly_one_wins(officer) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises writers)")
    p = _person(officer)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(email: str) -> None:
        from django.db import connections

        barrier.wait()
        try:
            person_update(actor=officer, person_id=p.pk, version=1, changes={"email": email})
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(f"{i}@example.az",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Person.objects.get(pk=p.pk).version == 2
