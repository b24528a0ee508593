"""/api/v1/duplicates and /api/v1/merges: shapes, problem+json errors, four eyes, scopes."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from umis.identity.services import duplicate_candidate_propose
from umis.registry.services import DocumentData, NationalityData, PersonData, person_create
from umis.registry.services import document_add as _document_add

pytestmark = pytest.mark.django_db


def _person(officer: Any, family: str, number: str) -> Any:
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name=family,
            given_names="Mohammad",
            sex="M",
            birth_date="1979-02-01",
            nationalities=[NationalityData("IRN")],
        ),
    )
    _document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number=number, issuing_state="IRN"),
    )
    return person


@pytest.fixture
def pair(officer: Any) -> tuple[Any, Any, Any]:
    a = _person(officer, "Hosseini", "K11111111")
    b = _person(officer, "Hoseini", "K22222222")
    candidate = duplicate_candidate_propose(
        person_1=a.pk,
        person_2=b.pk,
        score=0.87,
        evidence=[{"field": "family_name", "level": "variant", "weight": 5.2}],
        origin="online",
        source_ref="border_event:7",
    )
    return a, b, candidate


def _post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_queue_merge_history_and_unmerge(
    pair: tuple[Any, Any, Any], officer: Any, session_client: Any
) -> None:
    a, b, candidate = pair
    api = session_client(officer)
    queue = api.get("/api/v1/duplicates")
    assert queue.status_code == 200
    body = queue.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == str(candidate.pk) and item["score"] == 0.87
    assert item["evidence"][0]["level"] == "variant" and item["origin"] == "online"
    assert {item["person_a"]["id"], item["person_b"]["id"]} == {str(a.pk), str(b.pk)}
    assert api.get("/api/v1/duplicates?origin=sweep").json()["count"] == 0

    merged = _post(
        api,
        "/api/v1/merges",
        {
            "survivor_id": str(a.pk),
            "absorbed_id": str(b.pk),
            "reason": "Same passport photo",
            "candidate_id": str(candidate.pk),
        },
    )
    assert merged.status_code == 200, merged.content
    m = merged.json()
    assert m["status"] == "done" and m["absorbed"]["status"] == "merged"
    assert m["moves"] >= 2 and m["requested_by"] == officer.username
    assert api.get("/api/v1/duplicates").json()["count"] == 0

    history = api.get(f"/api/v1/persons/{b.pk}/merges")
    assert [h["id"] for h in history.json()] == [m["id"]]

    undone = _post(api, f"/api/v1/merges/{m['id']}/unmerge", {"reason": "Different fathers"})
    assert undone.status_code == 200
    assert undone.json()["status"] == "undone"
    assert undone.json()["absorbed"]["status"] == "active"
    again = _post(api, f"/api/v1/merges/{m['id']}/unmerge", {"reason": "again"})
    assert again.status_code == 200  # the same officer repeating: harmless


def test_bad_input_is_422_naming_the_field(
    pair: tuple[Any, Any, Any], officer: Any, session_client: Any
) -> None:
    a, _b, _c = pair
    api = session_client(officer)
    same = _post(
        api, "/api/v1/merges", {"survivor_id": str(a.pk), "absorbed_id": str(a.pk), "reason": " "}
    )
    assert same.status_code == 422
    assert same["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in same.json()["errors"]} == {"absorbed_id", "reason"}
    missing = _post(api, "/api/v1/merges", {"survivor_id": str(a.pk), "reason": "x"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "absorbed_id"
    unknown = _post(
        api, "/api/v1/duplicates/00000000-0000-0000-0000-000000000000/dismiss", {"note": "x"}
    )
    assert unknown.status_code == 404


def test_a_second_officer_gets_409(
    pair: tuple[Any, Any, Any], officer: Any, make_staff: Any, session_client: Any
) -> None:
    a, b, _c = pair
    body = {"survivor_id": str(a.pk), "absorbed_id": str(b.pk), "reason": "Same"}
    first = _post(session_client(officer), "/api/v1/merges", body)
    repeat = _post(session_client(officer), "/api/v1/merges", body)
    assert repeat.json()["id"] == first.json()["id"]
    other = _post(session_client(make_staff("officer")), "/api/v1/merges", body)
    assert other.status_code == 409 and other.json()["code"] == "already_merged"


def test_confirmation_is_four_eyes(
    pair: tuple[Any, Any, Any], officer: Any, make_staff: Any, session_client: Any
) -> None:
    from umis.cases.models import Case
    from umis.cases.services import CaseRequest, case_open

    a, b, candidate = pair
    case = case_open(
        actor=officer,
        request=CaseRequest(
            service="card_replacement", person=b, fee_tier="trp_card", office=officer.office
        ),
    )
    Case.objects.filter(pk=case.pk).update(status="refused", decided_at=timezone.now())
    requester = make_staff("supervisor")
    asked = _post(
        session_client(requester),
        "/api/v1/merges",
        {
            "survivor_id": str(a.pk),
            "absorbed_id": str(b.pk),
            "reason": "Same",
            "candidate_id": str(candidate.pk),
        },
    )
    assert asked.json()["status"] == "awaiting"
    url = f"/api/v1/merges/{asked.json()['id']}"
    assert _post(session_client(officer), f"{url}/confirm", {}).status_code == 403
    own = _post(session_client(requester), f"{url}/confirm", {})
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    confirmed = _post(session_client(make_staff("supervisor")), f"{url}/confirm", {})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "done"
    assert Case.objects.get(pk=case.pk).person_id == a.pk
    late = _post(session_client(requester), f"{url}/reject", {"reason": "No"})
    assert late.status_code == 409 and late.json()["code"] == "merge_not_awaiting"


def test_dismiss_and_token_scopes(
    pair: tuple[Any, Any, Any], officer: Any, token_client: Any
) -> None:
    _a, _b, candidate = pair
    url = f"/api/v1/duplicates/{candidate.pk}/dismiss"
    reader = token_client(officer, scopes=["persons:read"])
    assert reader.get("/api/v1/duplicates").status_code == 200
    assert _post(reader, url, {"note": "Twins"}).status_code == 403
    writer = token_client(officer, scopes=["persons:read", "persons:write"])
    no_note = _post(writer, url, {"note": ""})
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    done = _post(writer, url, {"note": "Twins"})
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    assert writer.get("/api/v1/duplicates").json()["count"] == 0
