from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from umis.border.models import EntryBan, InvalidDocument
from umis.border.watchlist import entry_bans_in_force, invalid_document_find
from umis.core.models import AuditEntry
from umis.registry.services import NationalityData, PersonData, person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_api(supervisor: Any, token_client: Any) -> Any:
    return token_client(supervisor, scopes=["watchlist:write", "persons:read"])


def _ban(api: Any, **body: Any) -> Any:
    base = {
        "legal_basis": "Migration Code, Art. 16.1.3",
        "authority": "State Migration Service",
        "valid_from": "2026-01-01",
    }
    return api.post("/api/v1/border/entry-bans", {**base, **body}, content_type="application/json")


def test_ban_a_person_and_a_document_then_lift(supervisor_api: Any, officer: Any) -> None:
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Banned", sex="M", birth_date="1975", nationalities=[NationalityData("IRN")]
        ),
    )
    by_person = _ban(supervisor_api, person_id=str(person.pk), valid_to="2031-01-01")
    assert by_person.status_code == 201, by_person.content
    by_doc = _ban(supervisor_api, document_issuing_state="irn", document_number="x 1234567")
    assert by_doc.status_code == 201 and by_doc.json()["document_number"] == "X1234567"
    on = dt.date(2026, 6, 1)
    assert (
        len(
            entry_bans_in_force(person_id=person.pk, issuing_state="IRN", number="X-1234567", on=on)
        )
        == 2
    )
    assert (
        entry_bans_in_force(
            person_id=None, issuing_state="IRN", number="X1234567", on=dt.date(2025, 12, 31)
        )
        == []
    )
    lifted = supervisor_api.post(
        f"/api/v1/border/entry-bans/{by_doc.json()['id']}/lift",
        {"reason": "Court decision 2026-05-01"},
        content_type="application/json",
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert (
        len(entry_bans_in_force(person_id=person.pk, issuing_state="IRN", number="X1234567", on=on))
        == 1
    )
    listed = supervisor_api.get(f"/api/v1/border/entry-bans?person_id={person.pk}").json()
    assert listed["count"] == 1
    assert AuditEntry.objects.filter(object_type="border.entryban").count() == 3


def test_a_ban_needs_a_target_a_basis_and_ordered_dates(supervisor_api: Any) -> None:
    response = _ban(supervisor_api, valid_to="2025-01-01", document_issuing_state="QQQ")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"document_number", "document_issuing_state", "valid_to"}
    assert not EntryBan.objects.exists()


def test_officers_cannot_ban(officer: Any, token_client: Any) -> None:
    api = token_client(officer, scopes=["watchlist:write"])
    assert _ban(api, document_issuing_state="IRN", document_number="X1").status_code == 403


def test_invalid_documents_load_is_idempotent_and_reports_bad_rows(
    supervisor_api: Any,
) -> None:
    rows = [
        {"issuing_state": "UKR", "number": "FE123456", "reason": "stolen"},
        {
            "issuing_state": "UKR",
            "number": "FE123457",
            "reason": "lost",
            "reported_on": "2026-10-01",
        },
        {"issuing_state": "ZZZ", "number": "??", "reason": "eaten"},
    ]
    first = supervisor_api.post(
        "/api/v1/border/invalid-documents",
        {"source": "Interpol SLTD", "documents": rows},
        content_type="application/json",
    ).json()
    assert [r["status"] for r in first] == ["created", "created", "rejected"]
    assert {e["field"] for e in first[2]["errors"]} == {
        "documents.2.issuing_state",
        "documents.2.number",
        "documents.2.reason",
    }
    rows[0]["reason"] = "revoked"
    again = supervisor_api.post(
        "/api/v1/border/invalid-documents",
        {"source": "Interpol SLTD", "documents": rows[:2]},
        content_type="application/json",
    ).json()
    assert [r["status"] for r in again] == ["updated", "unchanged"]
    assert InvalidDocument.objects.count() == 2
    assert invalid_document_find(issuing_state="UKR", number="fe 123456").reason == "revoked"
