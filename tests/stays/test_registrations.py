from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from umis.border.services import border_events_ingest
from umis.core.models import AuditEntry, City
from umis.stays.models import Registration, Violation
from umis.stays.services import detect_unregistered_stays

pytestmark = pytest.mark.django_db


# Distinct real given names per passport: travellers alike in everything but the passport
# number would (rightly) be linked by the identity matcher as one person.
_NAMES = ["ANTON", "BORIS", "DENIS", "EGOR", "FEDOR", "GLEB", "IGOR", "KIRILL", "LEV", "MAKSIM"]


def _given(number: str) -> str:
    return _NAMES[sum(map(ord, number)) % len(_NAMES)]


def _arrive(actor: Any, days_ago: int, number: str = "754000001") -> str:
    report = border_events_ingest(
        actor=actor,
        events=[
            {
                "event_id": f"in-{number}",
                "direction": "entry",
                "occurred_at": (timezone.now() - dt.timedelta(days=days_ago)).isoformat(),
                "crossing_point": "ROAD-SAMUR",
                "document_number": number,
                "document_issuing_state": "RUS",
                "family_name": "SOKOLOV",
                "given_names": _given(number),
                "birth_date": "1982-02-02",
                "sex": "M",
                "nationality": "RUS",
            }
        ],
    )
    return str(report.results[0].person_id)


@pytest.fixture
def border_officer(make_staff: Any) -> Any:
    return make_staff("border_officer")


@pytest.fixture
def api(officer: Any, token_client: Any) -> Any:
    return token_client(officer)


def _register(api: Any, person_id: str, arrival: dt.date, street: str = "Nizami küç. 5") -> Any:
    city = City.objects.select_related("region").get(code="baku")
    return api.post(
        "/api/v1/stays/registrations",
        {
            "items": [
                {
                    "person_id": person_id,
                    "region": city.region.code,
                    "city": city.code,
                    "street": street,
                    "arrival_date": arrival.isoformat(),
                }
            ]
        },
        content_type="application/json",
    )


def test_register_change_address_and_deregister(api: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 3)
    arrival = timezone.localdate() - dt.timedelta(days=3)
    first = _register(api, pid, arrival)
    assert first.status_code == 200, first.content
    result = first.json()["results"][0]
    assert result["status"] == "created" and result["person_id"] == pid
    assert result["valid_until"] == (arrival + dt.timedelta(days=90)).isoformat()
    second = _register(api, pid, arrival, street="Füzuli küç. 9")
    assert second.json()["results"][0]["status"] == "created"
    statuses = dict(Registration.objects.values_list("street", "status"))
    assert statuses == {"Nizami küç. 5": "ended", "Füzuli küç. 9": "active"}
    ended = api.post(
        f"/api/v1/stays/registrations/{second.json()['results'][0]['registration_id']}/end",
        {},
        content_type="application/json",
    )
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert AuditEntry.objects.filter(object_type="stays.registration").count() == 4


def test_bad_registration_names_the_fields(api: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 3)
    response = api.post(
        "/api/v1/stays/registrations",
        {
            "items": [
                {
                    "person_id": pid,
                    "region": "nowhere",
                    "city": "baku",
                    "street": "x",
                    "arrival_date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
                }
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected"]) == (0, 1)
    assert {e["field"] for e in body["results"][0]["errors"]} == {
        "items.0.region",
        "items.0.arrival_date",
    }
    assert not Registration.objects.exists()


def test_unregistered_stay_sweep_and_border_check(
    api: Any, border_officer: Any, token_client: Any
) -> None:
    late = _arrive(border_officer, 20, "754000002")  # deadline passed 5 days ago
    registered = _arrive(border_officer, 20, "754000003")
    _register(api, registered, timezone.localdate() - dt.timedelta(days=20))
    _arrive(border_officer, 10, "754000004")  # within the deadline
    result = detect_unregistered_stays()
    assert (result.checked, result.created) == (3, 1)
    finding = Violation.objects.get(type="unregistered_stay")
    assert str(finding.person_id) == late
    # The sweep records the last day to register (15 days after arrival): 5 days ago.
    assert finding.facts["deadline"] == (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    assert detect_unregistered_stays().created == 0
    check = (
        token_client(border_officer, scopes=["border:check"])
        .post(
            "/api/v1/border/checks",
            {"direction": "exit", "document_number": "754000002", "document_issuing_state": "RUS"},
            content_type="application/json",
        )
        .json()
    )
    assert check["decision"] == "refer"
    assert [r["code"] for r in check["reasons"]] == ["unregistered_stay"]
