"""GET /api/v1/persons/search: ranked hits with what matched, problem+json for bad input,
permission and audit like the other person reads."""

from __future__ import annotations

from typing import Any

import pytest

from umis.core.constants import AuditAction
from umis.core.models import AuditEntry
from umis.registry import services

pytestmark = pytest.mark.django_db
URL = "/api/v1/persons/search"


@pytest.fixture
def api(officer: Any, token_client: Any) -> Any:
    return token_client(officer, ["persons:read"])


@pytest.fixture
def people(officer: Any) -> dict[str, Any]:
    def make(family: str, given: str, birth: str) -> Any:
        return services.person_create(
            actor=officer,
            data=services.PersonData(
                family_name=family,
                given_names=given,
                sex="M",
                birth_date=birth,
                nationalities=[services.NationalityData("AZE")],
            ),
        )

    return {
        "rashad": make("HUSEYNOV", "RASHAD", "1985-03-14"),
        "father": make("HUSEYNOV", "RASHAD", "1958-11-02"),
    }


def test_cyrillic_query_with_a_typed_date_ranks_the_person_first(
    api: Any, people: dict[str, Any], officer: Any
) -> None:
    response = api.get(URL, {"name": "Гусейнов Рашад", "birth_date": "14.03.1985", "limit": 5})
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert items[0]["person"]["id"] == str(people["rashad"].pk)
    assert items[0]["person"]["birth_date"] == "1985-03-14"
    assert items[0]["person"]["nationalities"] == ["AZE"]
    assert 0.0 <= items[-1]["score"] <= items[0]["score"] <= 1.0
    assert {"field": "birth_date", "level": "exact"} in items[0]["matched"]
    assert AuditEntry.objects.filter(action=AuditAction.SEARCH, actor=officer).exists()


def test_search_is_not_taken_for_a_person_id(api: Any, people: dict[str, Any]) -> None:
    # "/persons/search" is routed before "/persons/{person_id}".
    response = api.get(URL, {"name": "HUSEYNOV"})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"name": "X", "birth_date": "1990-13-40"}, "birth_date"),
        ({"name": "X", "nationality": "RU"}, "nationality"),
        ({}, "name"),
        ({"name": "X", "limit": 51}, "limit"),
        ({"name": "X", "limit": 0}, "limit"),
    ],
)
def test_bad_input_is_422_problem_json_naming_the_field(
    api: Any, reference: None, params: dict[str, Any], field: str
) -> None:
    response = api.get(URL, params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]


def test_a_role_without_person_search_is_403(make_staff: Any, session_client: Any) -> None:
    analyst = session_client(make_staff("analyst"))
    assert analyst.get(URL, {"name": "HUSEYNOV"}).status_code == 403


def test_openapi_documents_the_response(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/persons/search"]["get"]
    assert op["x-umis-permission"] == "person.search"
    assert {p["name"] for p in op["parameters"]} == {
        "name",
        "birth_date",
        "nationality",
        "document",
        "limit",
    }
    hit = schema["components"]["schemas"]["PersonSearchHitOut"]
    assert set(hit["properties"]) == {"person", "score", "matched"}
