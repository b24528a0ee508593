"""Batch registration at the place of stay: hosts by travel document, officers by person
id; per-item results; idempotent resends; lateness; validity; concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from umis.core.errors import Forbidden, ValidationFailed
from umis.core.models import AuditEntry
from umis.registry.constants import NameSource, PersonStatus
from umis.registry.members import host_access_grant, host_access_revoke
from umis.registry.models import IdentityDocument, Person, PersonName
from umis.registry.services import (
    DocumentData,
    NationalityData,
    OrganisationData,
    PersonData,
    document_add,
    organisation_create,
    person_create,
)
from umis.stays import registrations
from umis.stays.models import Registration
from umis.stays.registrations import registrations_create_batch
from umis.stays.selectors import StayRight

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _hotel(officer: Any, voen: str = "1400057421", name: str = "Caspian Hotel") -> Any:
    return organisation_create(
        actor=officer,
        data=OrganisationData(
            tax_number=voen,
            name=name,
            category="hotel",
            is_host=True,
            region="baku",
            city="baku",
            street="Neftçilər pr. 1",
        ),
    )


@pytest.fixture
def hotel(officer: Any) -> Any:
    return _hotel(officer)


@pytest.fixture
def host(hotel: Any, officer: Any) -> Any:
    return host_access_grant(
        actor=officer, organisation_id=hotel.pk, email="Reception@Caspian.example"
    ).user


def _guest(number: str = "C01X00T47", days_ago: int = 2, **over: Any) -> dict[str, Any]:
    item = {
        "reference": f"ref-{number}",
        "document_number": number,
        "document_issuing_state": "DEU",
        "family_name": "MUSTERMANN",
        "given_names": "ERIKA",
        "birth_date": "1984-08-12",
        "sex": "F",
        "nationality": "DEU",
        "arrival_date": (TODAY() - dt.timedelta(days=days_ago)).isoformat(),
    }
    item.update(over)
    return item


def test_host_registers_guests_valid_rows_stored_bad_rows_named(host: Any, hotel: Any) -> None:
    report = registrations_create_batch(
        actor=host,
        host_id=None,  # a host account's only organisation
        items=[
            _guest("C01X00T47"),
            _guest("X1", nationality="ZZZ", birth_date="1984-13-01", region="nowhere"),
            _guest("C01X00T48", family_name="", sex="Q"),
        ],
    )
    assert report.host_id == hotel.pk
    assert [r.status for r in report.results] == ["created", "rejected", "rejected"]
    assert {e.field for e in report.results[1].errors} == {
        "nationality",
        "birth_date",
        "region",
        "city",
        "street",
    }
    assert {e.field for e in report.results[2].errors} == {"family_name", "sex"}
    created = report.results[0]
    assert created.reference == "ref-C01X00T47" and created.person_id is None  # hosts: no ids
    registration = Registration.objects.get(pk=created.registration_id)
    # Empty address: the host's own.
    assert (registration.city.code, registration.street) == ("baku", "Neftçilər pr. 1")
    assert registration.host_id == hotel.pk and registration.registered_by == host
    # The unknown guest became a provisional person holding the passport.
    person = registration.person
    assert person.status == PersonStatus.PROVISIONAL
    assert IdentityDocument.objects.get(person=person).number == "C01X00T47"
    assert PersonName.objects.get(person=person).source == NameSource.STAY_REGISTRATION
    assert Registration.objects.count() == 1


def test_resend_is_a_duplicate_with_the_same_registration(host: Any) -> None:
    first = registrations_create_batch(actor=host, host_id=None, items=[_guest()]).results[0]
    audits = AuditEntry.objects.count()
    again = registrations_create_batch(actor=host, host_id=None, items=[_guest(), _guest()])
    assert [r.status for r in again.results] == ["duplicate", "duplicate"]
    assert {r.registration_id for r in again.results} == {first.registration_id}
    assert Registration.objects.count() == 1 and Person.objects.count() == 1
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing recorded


def test_known_traveller_is_linked_by_document(host: Any, officer: Any) -> None:
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Mustermann",
            given_names="Erika",
            sex="F",
            birth_date="1984-08-12",
            nationalities=[NationalityData("DEU")],
        ),
    )
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number="C01X00T47", issuing_state="DEU"),
    )
    result = registrations_create_batch(actor=host, host_id=None, items=[_guest()]).results[0]
    assert result.status == "created"
    assert Registration.objects.get().person_id == person.pk
    assert Person.objects.count() == 1


def test_hosts_register_only_for_their_own_organisation(
    host: Any, officer: Any, make_staff: Any
) -> None:
    other = _hotel(officer, voen="4299390861", name="Other Inn")
    with pytest.raises(Forbidden):
        registrations_create_batch(actor=host, host_id=other.pk, items=[_guest()])
    with pytest.raises(Forbidden):  # analysts neither register nor act for hosts
        registrations_create_batch(actor=make_staff("analyst"), host_id=None, items=[_guest()])
    member = host.memberships.get()
    host_access_revoke(actor=officer, member_id=member.pk)
    with pytest.raises(Forbidden):
        registrations_create_batch(actor=host, host_id=member.organisation_id, items=[_guest()])
    assert not Registration.objects.exists()


def test_host_for_several_organisations_must_say_which(host: Any, hotel: Any, officer: Any) -> None:
    other = _hotel(officer, voen="4299390861", name="Other Inn")
    host_access_grant(actor=officer, organisation_id=other.pk, email=host.email)
    with pytest.raises(ValidationFailed) as exc:
        registrations_create_batch(actor=host, host_id=None, items=[_guest()])
    assert exc.value.field_errors[0].field == "host_id"
    report = registrations_create_batch(actor=host, host_id=other.pk, items=[_guest()])
    assert Registration.objects.get().host_id == other.pk == report.host_id


def test_officer_registers_by_person_id_or_document_for_any_host(officer: Any, hotel: Any) -> None:
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Aliyev", sex="M", birth_date="1980", nationalities=[NationalityData("TUR")]
        ),
    )
    report = registrations_create_batch(
        actor=officer,
        host_id=None,  # self-registration at the counter
        items=[
            {
                "person_id": str(person.pk),
                "region": "baku",
                "city": "baku",
                "street": "Nizami 1",
                "arrival_date": TODAY(),
            },
            {"person_id": "00000000-0000-0000-0000-000000000000", "arrival_date": TODAY()},
        ],
    )
    assert [r.status for r in report.results] == ["created", "rejected"]
    assert report.results[0].person_id == person.pk
    assert "person_id" in {e.field for e in report.results[1].errors}
    assert Registration.objects.get().host_id is None
    hotel_report = registrations_create_batch(
        actor=officer, host_id=hotel.pk, items=[_guest("P9", region="", city="", street="")]
    )
    assert hotel_report.results[0].status == "created"


def test_a_move_replaces_the_active_registration_and_late_moves_are_reported(
    host: Any, officer: Any
) -> None:
    registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=30)])
    # Moved 20 days ago: later than 5 working days after moving in.
    moved = TODAY() - dt.timedelta(days=20)
    result = registrations_create_batch(
        actor=officer,
        host_id=None,
        items=[
            {
                "person_id": str(Person.objects.get().pk),
                "region": "baku",
                "city": "baku",
                "street": "Füzuli 9",
                "arrival_date": moved,
            }
        ],
    ).results[0]
    assert result.status == "created"
    assert [w.code for w in result.warnings] == ["late_change_of_address"]
    rows = dict(Registration.objects.values_list("street", "status"))
    assert rows == {"Neftçilər pr. 1": "ended", "Füzuli 9": "active"}
    assert Registration.objects.get(street="Neftçilər pr. 1").ended_on == moved
    entry = AuditEntry.objects.filter(object_type="stays.registration", action="create").last()
    assert entry is not None and entry.changes["warnings"] == [None, ["late_change_of_address"]]


def test_first_registration_after_the_deadline_is_stored_with_a_warning(host: Any) -> None:
    on_time = registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=15)])
    assert on_time.results[0].warnings == ()
    late = registrations_create_batch(
        actor=host, host_id=None, items=[_guest("L2", days_ago=20, family_name="LATE")]
    ).results[0]
    assert late.status == "created"
    assert [w.code for w in late.warnings] == ["late_registration"]
    assert "5 day" in late.warnings[0].message


def test_an_older_stay_sent_late_does_not_end_the_current_one(host: Any, officer: Any) -> None:
    registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=3)])
    old = registrations_create_batch(
        actor=officer,
        host_id=None,
        items=[
            {
                "person_id": str(Person.objects.get().pk),
                "region": "baku",
                "city": "baku",
                "street": "Old street 1",
                "arrival_date": TODAY() - dt.timedelta(days=10),
            }
        ],
    ).results[0]
    assert old.status == "created" and "superseded" in [w.code for w in old.warnings]
    rows = dict(Registration.objects.values_list("street", "status"))
    assert rows == {"Neftçilər pr. 1": "active", "Old street 1": "ended"}


def test_validity_visa_free_term_or_the_visa(host: Any, monkeypatch: Any) -> None:
    arrival = TODAY() - dt.timedelta(days=2)
    free = registrations_create_batch(actor=host, host_id=None, items=[_guest()]).results[0]
    assert free.valid_until == arrival + dt.timedelta(days=90)
    visa_end = arrival + dt.timedelta(days=20)

    def rights(person_ids: list[Any], on: dt.date) -> dict[Any, list[StayRight]]:
        return {
            pid: [StayRight("visa", arrival - dt.timedelta(days=5), visa_end, None)]
            for pid in person_ids
        }

    monkeypatch.setattr("umis.stays.selectors.stay_rights_of", rights)
    visa = registrations_create_batch(
        actor=host, host_id=None, items=[_guest("V1", nationality="IND", family_name="KUMAR")]
    ).results[0]
    assert visa.valid_until == visa_end


def test_batch_size_and_future_dates(host: Any) -> None:
    with pytest.raises(ValidationFailed):
        registrations_create_batch(
            actor=host, host_id=None, items=[_guest()] * (registrations.MAX_BATCH + 1)
        )
    future = registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=-1)])
    assert future.results[0].errors[0].code == "future_date"


def test_host_deregisters_own_guest_only(host: Any, officer: Any) -> None:
    result = registrations_create_batch(actor=host, host_id=None, items=[_guest()]).results[0]
    with pytest.raises(ValidationFailed):
        registrations.registration_end(
            actor=host,
            registration_id=result.registration_id,
            ended_on=TODAY() + dt.timedelta(days=1),
        )
    ended = registrations.registration_end(actor=host, registration_id=result.registration_id)
    assert ended.status == "ended" and ended.ended_on == TODAY()
    mine = registrations_create_batch(
        actor=officer,
        host_id=None,
        items=[
            {
                "person_id": str(ended.person_id),
                "region": "baku",
                "city": "baku",
                "street": "Self 1",
                "arrival_date": TODAY(),
            }
        ],
    ).results[0]
    with pytest.raises(Forbidden):
        registrations.registration_end(actor=host, registration_id=mine.registration_id)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_one_unknown_guest_store_one(reference: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises writers)")
    from umis.core.models import Office, User

    office = Office.objects.filter(kind="one_stop_shop").order_by("code").first()
    officer = User.objects.create_user(username="o", password="x", role="officer", office=office)
    hotel = _hotel(officer)
    host = host_access_grant(actor=officer, organisation_id=hotel.pk, email="h@example.az").user
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send() -> None:
        from django.db import connections

        barrier.wait()
        try:
            report = registrations_create_batch(actor=host, host_id=None, items=[_guest()])
            outcomes.append(report.results[0].status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "duplicate"]
    assert Registration.objects.count() == 1 and Person.objects.count() == 1


# --- the registration as a source record: received data, link, reference, warnings ------


def _registry_person(officer: Any, family: str = "Mustermann-Schmidt", given: str = "Erika") -> Any:
    """A person in the registry holding passport DEU C01X00T47, spelt differently there."""
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name=family,
            given_names=given,
            sex="F",
            birth_date="1984-08-12",
            nationalities=[NationalityData("DEU")],
        ),
    )
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number="C01X00T47", issuing_state="DEU"),
    )
    return person


def test_the_guest_is_stored_as_sent_with_how_it_was_linked(host: Any, officer: Any) -> None:
    person = _registry_person(officer)
    report = registrations_create_batch(
        actor=host,
        host_id=None,
        items=[
            _guest("c01x-00t47", family_name="  Musterman ", given_names="Erica", sex="f"),
            _guest("N5", family_name="NEWMAN", nationality="GBR", document_issuing_state="GBR"),
        ],
    )
    assert [r.status for r in report.results] == ["created", "created"]
    assert report.results[0].link_method == "" and report.results[0].link_score is None  # hosts
    matched = Registration.objects.get(pk=report.results[0].registration_id)
    assert matched.person_id == person.pk  # linked by the passport...
    # ...but the registration keeps what the host typed (normalised), not the registry's.
    assert (matched.family_name, matched.given_names, matched.guest_name) == (
        "Musterman",
        "Erica",
        "Musterman Erica",
    )
    assert (matched.birth_date, matched.sex, matched.nationality) == ("1984-08-12", "F", "DEU")
    assert (matched.document_type, matched.document_number, matched.document_issuing_state) == (
        "passport",
        "C01X00T47",
        "DEU",
    )
    assert (matched.link_method, matched.link_score) == ("document", 1.0)
    assert matched.reference == "ref-c01x-00t47" and matched.warnings == []
    person.refresh_from_db()
    assert person.family_name == "Mustermann-Schmidt"  # the registry is not rewritten
    new = Registration.objects.get(pk=report.results[1].registration_id)
    assert (new.link_method, new.family_name) == ("new_provisional", "NEWMAN")
    entry = AuditEntry.objects.get(
        object_type="stays.registration", action="create", object_id=str(matched.pk)
    )
    assert entry.changes["family_name"] == [None, "Musterman"]
    assert entry.changes["link_method"] == [None, "document"]


def test_officers_see_the_link_and_registrations_by_person_id_keep_no_guest_data(
    officer: Any,
) -> None:
    person = _registry_person(officer)
    report = registrations_create_batch(
        actor=officer,
        host_id=None,
        items=[
            {
                "person_id": str(person.pk),
                "reference": "counter-1",
                "region": "baku",
                "city": "baku",
                "street": "Nizami 1",
                "arrival_date": TODAY(),
            }
        ],
    )
    result = report.results[0]
    assert (result.link_method, result.link_score) == ("officer", 1.0)
    registration = Registration.objects.get()
    assert registration.link_method == "officer" and registration.reference == "counter-1"
    assert [getattr(registration, f) for f in registrations.RECEIVED_FIELDS] == [""] * 8
    assert registration.guest_name == ""


def test_same_reference_and_content_is_a_duplicate_even_after_a_move(
    host: Any, officer: Any
) -> None:
    first = registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=9)])
    # The guest moved on (an officer registered the new address)...
    registrations_create_batch(
        actor=officer,
        host_id=None,
        items=[
            {
                "person_id": str(Person.objects.get().pk),
                "region": "baku",
                "city": "baku",
                "street": "Füzuli 9",
                "arrival_date": TODAY(),
            }
        ],
    )
    audits = AuditEntry.objects.count()
    # ...and the hotel's system resends its item: the same registration, nothing changes.
    again = registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=9)])
    assert again.results[0].status == "duplicate"
    assert again.results[0].registration_id == first.results[0].registration_id
    assert Registration.objects.count() == 2 and AuditEntry.objects.count() == audits


def test_a_reused_reference_with_other_content_is_rejected_naming_the_fields(
    host: Any, hotel: Any, officer: Any
) -> None:
    registrations_create_batch(actor=host, host_id=None, items=[_guest(reference="R-1")])
    audits, people = AuditEntry.objects.count(), Person.objects.count()
    report = registrations_create_batch(
        actor=host,
        host_id=None,
        items=[
            # Another guest sent under the same reference (a PMS counter reset).
            _guest("K7654321", reference="R-1", family_name="YILMAZ", nationality="TUR"),
            _guest(reference="R-1", street="Nizami 5", region="baku", city="baku"),
            _guest(reference="R-1"),  # the first item as first sent
        ],
    )
    assert [r.status for r in report.results] == ["rejected", "rejected", "duplicate"]
    assert {(e.field, e.code) for e in report.results[0].errors} == {
        ("document_number", "reference_reused"),
        ("family_name", "reference_reused"),
        ("nationality", "reference_reused"),
    }
    assert [e.field for e in report.results[1].errors] == ["street"]
    assert "R-1" in report.results[1].errors[0].message
    # Nothing stored: no registration, no provisional person, no audit record.
    assert Registration.objects.count() == 1
    assert (AuditEntry.objects.count(), Person.objects.count()) == (audits, people)
    # References are the host's own: another host may use the same one.
    other = _hotel(officer, voen="4299390861", name="Other Inn")
    elsewhere = registrations_create_batch(
        actor=officer, host_id=other.pk, items=[_guest(reference="R-1", days_ago=1)]
    )
    assert elsewhere.results[0].status == "created"
    assert Registration.objects.filter(reference="R-1").count() == 2


def test_references_longer_than_64_characters_are_refused_not_cut(host: Any) -> None:
    result = registrations_create_batch(
        actor=host, host_id=None, items=[_guest(reference="x" * 65)]
    ).results[0]
    assert result.status == "rejected"
    assert [(e.field, e.code) for e in result.errors] == [("reference", "too_long")]
    assert not Registration.objects.exists()


def test_warnings_are_stored_and_a_resend_gets_them_again(host: Any, officer: Any) -> None:
    late = registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=20)])
    assert [w.code for w in late.results[0].warnings] == ["late_registration"]
    registration = Registration.objects.get()
    assert registration.warnings == ["late_registration"]
    assert registration.warning_labels == ["Registered after the deadline"]
    again = registrations_create_batch(actor=host, host_id=None, items=[_guest(days_ago=20)])
    assert again.results[0].status == "duplicate"
    assert [(w.field, w.code) for w in again.results[0].warnings] == [
        ("arrival_date", "late_registration")
    ]
    old = registrations_create_batch(
        actor=officer,
        host_id=None,
        items=[
            {
                "person_id": str(registration.person_id),
                "region": "baku",
                "city": "baku",
                "street": "Old street 1",
                "arrival_date": TODAY() - dt.timedelta(days=30),
            }
        ],
    ).results[0]
    stored = Registration.objects.get(pk=old.registration_id)
    assert "superseded" in stored.warnings and stored.status == "ended"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_items_under_one_reference_store_one(reference: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises writers)")
    from umis.core.models import Office, User

    office = Office.objects.filter(kind="one_stop_shop").order_by("code").first()
    officer = User.objects.create_user(username="o", password="x", role="officer", office=office)
    hotel = _hotel(officer)
    host = host_access_grant(actor=officer, organisation_id=hotel.pk, email="h@example.az").user
    barrier = threading.Barrier(2)
    outcomes: list[tuple[str, tuple[str, ...]]] = []
    items = [
        _guest("A1", reference="R-9", family_name="FIRST"),
        _guest("B2", reference="R-9", family_name="SECOND"),
    ]

    def send(item: dict[str, Any]) -> None:
        from django.db import connections

        barrier.wait()
        try:
            result = registrations_create_batch(actor=host, host_id=None, items=[item]).results[0]
            outcomes.append((result.status, tuple(e.code for e in result.errors)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [
        ("created", ()),
        ("rejected", ("reference_reused", "reference_reused")),
    ]
    assert Registration.objects.count() == 1 and Person.objects.count() == 1
