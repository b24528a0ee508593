from __future__ import annotations

from typing import Any

import pytest

from umis.border.models import BorderEvent
from umis.core.models import AuditEntry
from umis.registry.models import Person
from umis.registry.services import (
    DocumentData,
    NationalityData,
    PersonData,
    document_add,
    person_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def border_api(make_staff: Any, token_client: Any) -> Any:
    return token_client(make_staff("border_officer"), scopes=["border:write"])


def _event(**kw: Any) -> dict[str, Any]:
    event = {
        "event_id": "GYD-2026-0001",
        "direction": "entry",
        "occurred_at": "2026-11-01T08:15:00+04:00",
        "crossing_point": "AIR-GYD",
        "document_type": "passport",
        "document_number": "753123456",
        "document_issuing_state": "RUS",
        "family_name": "IVANOV",
        "given_names": "PETR",
        "birth_date": "1980-05-06",
        "sex": "M",
        "nationality": "RUS",
    }
    event.update(kw)
    return event


def _send(api: Any, *events: dict[str, Any]) -> dict[str, Any]:
    response = api.post(
        "/api/v1/border/events", {"events": list(events)}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_bad_items_are_reported_by_field_and_good_ones_stored(border_api: Any) -> None:
    body = _send(
        border_api,
        _event(),
        _event(event_id="e2", occurred_at="2026-11-01T08:15:00"),
        _event(event_id="e3", crossing_point="NOWHERE"),
        _event(event_id="e4", birth_date="1980-02-30"),
        _event(event_id="e5", nationality="QQQ", direction="sideways"),
    )
    assert (body["created"], body["rejected"]) == (1, 4)
    fields = {r["event_id"]: sorted(e["field"] for e in r["errors"]) for r in body["results"]}
    assert fields["e2"] == ["events.1.occurred_at"]
    assert fields["e3"] == ["events.2.crossing_point"]
    assert fields["e4"] == ["events.3.birth_date"]
    assert fields["e5"] == ["events.4.direction", "events.4.nationality"]
    assert BorderEvent.objects.count() == 1


def test_a_nul_in_an_event_is_that_events_error_not_a_server_error(border_api: Any) -> None:
    # Found by schemathesis: PostgreSQL refuses NUL in text, and the API answered 500.
    body = _send(
        border_api,
        _event(),
        _event(event_id="e2\x00", family_name="IVA\x00NOV"),
    )
    assert (body["created"], body["rejected"]) == (1, 1)
    assert BorderEvent.objects.count() == 1


def test_resending_changes_nothing_and_answers_the_same(border_api: Any) -> None:
    first = _send(border_api, _event())
    again = _send(border_api, _event(), _event())
    assert again["created"] == 0 and again["duplicates"] == 2
    assert {r["person_id"] for r in again["results"]} == {first["results"][0]["person_id"]}
    assert BorderEvent.objects.count() == 1 and Person.objects.count() == 1


def test_unknown_traveller_becomes_a_provisional_person_found_again_by_document(
    border_api: Any,
) -> None:
    first = _send(border_api, _event())["results"][0]
    person = Person.objects.get(pk=first["person_id"])
    assert person.status == "provisional" and person.office_id is None
    assert person.documents.get().number == "753123456"
    exit_ = _send(
        border_api, _event(event_id="x1", direction="exit", occurred_at="2026-11-20T19:00:00Z")
    )["results"][0]
    assert exit_["person_id"] == first["person_id"] and exit_["flags"] == []
    assert BorderEvent.objects.get(event_id="x1").link_method == "document"
    assert AuditEntry.objects.filter(object_type="border.event").count() == 2


def test_known_person_is_linked_by_document_and_by_name_and_birth_date(
    border_api: Any, officer: Any
) -> None:
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Ivanov",
            given_names="Petr",
            sex="M",
            birth_date="1980-05-06",
            nationalities=[NationalityData("RUS")],
        ),
    )
    # No document on file yet: the identity matcher links it on name and birth date.
    by_name = _send(border_api, _event(document_number="700000001"))["results"][0]
    assert by_name["person_id"] == str(person.pk)
    assert BorderEvent.objects.get().link_method == "scored"
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number="755555555", issuing_state="RUS"),
    )
    by_doc = _send(
        border_api, _event(event_id="e9", document_number="755555555", family_name="IVANOFF")
    )["results"][0]
    assert by_doc["person_id"] == str(person.pk)


def test_exit_without_entry_is_stored_and_flagged(border_api: Any) -> None:
    body = _send(border_api, _event(direction="exit"))
    assert body["created"] == 1
    assert body["results"][0]["flags"] == ["exit_without_entry"]


def test_entry_and_exit_in_one_batch_in_any_order_are_not_flagged(border_api: Any) -> None:
    body = _send(
        border_api,
        _event(event_id="out", direction="exit", occurred_at="2026-11-10T10:00Z"),
        _event(event_id="in", direction="entry", occurred_at="2026-11-01T10:00Z"),
    )
    assert [r["flags"] for r in body["results"]] == [[], []]


def test_token_without_border_scope_is_refused(make_staff: Any, token_client: Any) -> None:
    api = token_client(make_staff("border_officer"), scopes=["persons:read"])
    response = api.post(
        "/api/v1/border/events", {"events": [_event()]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not BorderEvent.objects.exists()
