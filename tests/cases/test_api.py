"""The case engine's API: problem+json answers for conflicts, idempotent actions, uploads,
and the public verification endpoint."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from umis.cases.models import CaseAction

pytestmark = pytest.mark.django_db


def post_action(client: Any, case: Any, body: dict[str, Any], key: str | None = "k1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/cases/{case.pk}/actions",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_actions_answer_with_the_case_and_retries_are_idempotent(
    officer: Any, session_client: Callable[[Any], Any], open_case: Callable[..., Any]
) -> None:
    case = open_case()
    client = session_client(officer)
    body = {"action": "start_review", "expected_version": case.version}
    first = post_action(client, case, body)
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "in_review"
    assert "request_documents" in first.json()["allowed_actions"]
    again = post_action(client, case, body)
    assert again.status_code == 200 and again.json()["version"] == first.json()["version"]
    assert CaseAction.objects.filter(case=case, action="start_review").count() == 1


def test_conflicts_are_problem_json_with_the_allowed_actions(
    officer: Any, session_client: Callable[[Any], Any], open_case: Callable[..., Any]
) -> None:
    case = open_case()
    client = session_client(officer)
    illegal = post_action(client, case, {"action": "issue", "expected_version": case.version})
    assert illegal.status_code == 409
    assert illegal["Content-Type"] == "application/problem+json"
    assert illegal.json()["code"] == "illegal_transition"
    assert illegal.json()["allowed"] == ["start_review"]
    stale = post_action(client, case, {"action": "start_review", "expected_version": 0}, "k2")
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert stale.json()["case_status"] == "submitted"
    missing = post_action(client, case, {"action": "start_review", "expected_version": 1}, None)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_refusal_without_grounds_is_422(
    officer: Any, session_client: Callable[[Any], Any], open_case: Callable[..., Any]
) -> None:
    case = open_case()
    client = session_client(officer)
    post_action(client, case, {"action": "start_review", "expected_version": case.version})
    r = post_action(client, case, {"action": "propose_refusal", "expected_version": 2}, "k2")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grounds"


def test_uploads_wrong_type_422_too_large_413(
    officer: Any, session_client: Callable[[Any], Any], open_case: Callable[..., Any], settings: Any
) -> None:
    case = open_case()
    client = session_client(officer)
    url = f"/api/v1/cases/{case.pk}/documents"
    exe = io.BytesIO(b"MZ\x90\x00binary")
    exe.name = "form.pdf"
    r = client.post(url, {"code": "application_form", "file": exe})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "documents.application_form"
    settings.UMIS_CASE_UPLOAD_MAX_BYTES = 100
    big = io.BytesIO(b"%PDF-1.4" + b" " * 500)
    big.name = "form.pdf"
    r = client.post(url, {"code": "application_form", "file": big})
    assert r.status_code == 413
    ok = io.BytesIO(b"%PDF-1.4 ok")
    ok.name = "form.pdf"
    r = client.post(url, {"code": "application_form", "file": ok})
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"


def test_verify_is_public_and_reports_invalid_tokens(client: Any) -> None:
    r = client.get("/api/v1/verify/U1.nokey.e30.AAAA")
    assert r.status_code == 200 and r.json()["status"] == "invalid"
    assert r.json()["number"] == ""


@pytest.mark.parametrize("url", ["/api/v1/cases", "/api/v1/duplicates"])
def test_a_page_offset_beyond_any_list_is_422_not_a_server_error(
    officer: Any, session_client: Callable[[Any], Any], url: str
) -> None:
    """Found by schemathesis: an offset the database cannot represent was a 500."""
    client = session_client(officer)
    r = client.get(f"{url}?offset=217949300530438176768")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "offset"
    assert client.get(f"{url}?offset=1000000").status_code == 200
