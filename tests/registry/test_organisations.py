from __future__ import annotations

from typing import Any

import pytest

from umis.core.models import AuditEntry, City
from umis.registry.models import Organisation

pytestmark = pytest.mark.django_db

HOTEL = {"tax_number": "2041400251", "name": "Old City Inn", "category": "hotel", "is_host": True}


@pytest.fixture
def api(officer: Any, token_client: Any) -> Any:
    return token_client(officer)


def _post(api: Any, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/organisations", body, content_type="application/json")


def test_register_find_and_update_a_host(api: Any) -> None:
    city = City.objects.select_related("region").first()
    created = _post(
        api,
        {
            **HOTEL,
            "tax_number": "204 140 0251",
            "region": city.region.code,
            "city": city.code,
            "street": "Qala küç. 3",
            "phone": "012 555 12 34",
        },
    )
    assert created.status_code == 201, created.content
    org = created.json()
    assert org["tax_number"] == "2041400251" and org["phone"] == "+994125551234"
    assert AuditEntry.objects.filter(object_type="registry.organisation", action="create").exists()
    assert api.get("/api/v1/organisations?q=2041400251").json()["count"] == 1
    assert api.get("/api/v1/organisations?q=city inn&role=host").json()["count"] == 1
    assert api.get("/api/v1/organisations?role=employer").json()["count"] == 0
    updated = api.put(
        f"/api/v1/organisations/{org['id']}",
        {**HOTEL, "tax_number": "", "is_employer": True},
        content_type="application/json",
    )
    assert updated.status_code == 200 and updated.json()["is_employer"] is True
    change = AuditEntry.objects.filter(object_type="registry.organisation", action="update").get()
    assert change.changes["is_employer"] == [False, True]


def test_invalid_voen_is_422_naming_the_field_and_nothing_is_written(api: Any) -> None:
    for bad in ("2041400261", "204140025", "2041400250", "abcdefghij"):
        response = _post(api, {**HOTEL, "tax_number": bad})
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "tax_number"
    assert not Organisation.objects.exists()


def test_duplicate_voen_conflicts(api: Any) -> None:
    assert _post(api, HOTEL).status_code == 201
    assert _post(api, {**HOTEL, "name": "Other"}).status_code == 409
    assert Organisation.objects.count() == 1


def test_neither_host_nor_employer_and_bad_place_are_refused(api: Any) -> None:
    body = {**HOTEL, "is_host": False, "region": "nowhere", "city": "baku"}
    fields = {e["field"] for e in _post(api, body).json()["errors"]}
    assert fields == {"is_host", "region"}


def test_voen_cannot_change(api: Any) -> None:
    org = _post(api, HOTEL).json()
    response = api.put(
        f"/api/v1/organisations/{org['id']}",
        {**HOTEL, "tax_number": "4299390861"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert Organisation.objects.get().tax_number == "2041400251"
