"""Property-based conformance run against our own OpenAPI description (bounded): no 5xx,
declared status codes, content types, headers and response bodies."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_test_connection() -> Any:
    """Calling the WSGI app directly (not through Django's test client) would close the
    test's database connection at the end of each request, as Django does between real
    requests; the test client disconnects that handler, and so do we."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(
    keep_test_connection: None, officer: Any, person_payload: dict[str, Any]
) -> dict[str, str]:
    """An officer's token with every scope, and one real person so that reads can hit."""
    from umis.core.tokens import token_create
    from umis.registry.services import NationalityData, PersonData, person_create

    _, secret = token_create(
        actor=officer, name="schemathesis", scopes=["persons:read", "persons:write", "audit:read"]
    )
    person_create(
        actor=officer,
        data=PersonData(
            family_name="Mammadov",
            sex="M",
            birth_date="1990",
            nationalities=[NationalityData("TUR")],
        ),
    )
    return {"Authorization": f"Bearer {secret}"}


def _load_schema() -> Any:
    from umis.wsgi import application

    # Loaded in-process at collection (pytest-django has set Django up); the OpenAPI view
    # touches no database.
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load_schema()


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers, checks=CHECKS)


@pytest.fixture
def border_headers(keep_test_connection: None, make_staff: Any) -> dict[str, str]:
    from umis.core.tokens import token_create

    _, secret = token_create(
        actor=make_staff("border_officer"), name="schemathesis-border", scopes=["border:write"]
    )
    return {"Authorization": f"Bearer {secret}"}


@schema.include(path="/api/v1/border/events").parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_border_ingest_conforms(case: Any, border_headers: dict[str, str]) -> None:
    """The border system's endpoint, fuzzed as the border system (messy batches)."""
    case.call_and_validate(headers=border_headers, checks=CHECKS)
