from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from umis.border.services import border_events_ingest
from umis.border.watchlist import EntryBanData, entry_ban_create, invalid_documents_load
from umis.core.models import AuditEntry
from umis.registry.services import document_flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def border_officer(make_staff: Any) -> Any:
    return make_staff("border_officer")


@pytest.fixture
def check_api(border_officer: Any, token_client: Any) -> Any:
    return token_client(border_officer, scopes=["border:check"])


def _arrive(
    actor: Any,
    days_ago: int,
    number: str = "753000111",
    nationality: str = "RUS",
    event_id: str = "in-1",
) -> str:
    at = timezone.now() - dt.timedelta(days=days_ago)
    report = border_events_ingest(
        actor=actor,
        events=[
            {
                "event_id": event_id,
                "direction": "entry",
                "occurred_at": at.isoformat(),
                "crossing_point": "AIR-GYD",
                "document_number": number,
                "document_issuing_state": nationality,
                "family_name": "SMIRNOV",
                "given_names": "OLEG",
                "birth_date": "1979-09-09",
                "sex": "M",
                "nationality": nationality,
            }
        ],
    )
    assert report.count("created") == 1
    return str(report.results[0].person_id)


def _check(api: Any, **kw: Any) -> dict[str, Any]:
    body = {
        "direction": "exit",
        "document_number": "753000111",
        "document_issuing_state": "RUS",
        "family_name": "SMIRNOV",
        "given_names": "OLEG",
        "birth_date": "1979-09-09",
    }
    body.update(kw)
    response = api.post("/api/v1/border/checks", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_traveller_within_the_rules_is_allowed_with_a_summary(
    check_api: Any, border_officer: Any
) -> None:
    pid = _arrive(border_officer, days_ago=10)
    result = _check(check_api)
    assert result["decision"] == "allow" and result["reasons"] == []
    assert result["person"]["id"] == pid and result["person"]["in_country"] is True
    assert result["person"]["days_used"] == 11
    entry = AuditEntry.objects.filter(object_type="border.check").get()
    assert entry.changes["decision"] == [None, "allow"] and str(entry.person_id) == pid


def test_overstay_on_exit_is_referred_with_the_number_of_days(
    check_api: Any, border_officer: Any
) -> None:
    _arrive(border_officer, days_ago=99)  # 100 days present counting today: 10 too many
    result = _check(check_api)
    assert result["decision"] == "refer"
    # Never registered at a place of stay either: both reasons.
    assert [r["code"] for r in result["reasons"]] == ["overstay", "unregistered_stay"]
    assert "10" in result["reasons"][0]["detail"]


def test_entry_ban_on_a_document_refers_on_entry_only(check_api: Any, supervisor: Any) -> None:
    entry_ban_create(
        actor=supervisor,
        data=EntryBanData(
            legal_basis="Migration Code, Art. 16",
            authority="SMS",
            valid_from=timezone.localdate() - dt.timedelta(days=1),
            document_issuing_state="IRN",
            document_number="K9876543",
        ),
    )
    on_entry = _check(
        check_api, direction="entry", document_number="k 9876543", document_issuing_state="IRN"
    )
    assert on_entry["decision"] == "refer"
    assert on_entry["reasons"][0]["code"] == "entry_ban"
    assert on_entry["person"] is None
    on_exit = _check(
        check_api, direction="exit", document_number="K9876543", document_issuing_state="IRN"
    )
    assert on_exit["decision"] == "allow"


def test_listed_or_flagged_documents_are_referred(
    check_api: Any, supervisor: Any, border_officer: Any, officer: Any
) -> None:
    invalid_documents_load(
        actor=supervisor,
        source="Interpol SLTD",
        rows=[{"issuing_state": "UKR", "number": "FE000001", "reason": "stolen"}],
    )
    listed = _check(
        check_api, direction="entry", document_number="FE000001", document_issuing_state="UKR"
    )
    assert [r["code"] for r in listed["reasons"]] == ["invalid_document"]
    _arrive(border_officer, days_ago=1)
    from umis.registry.models import IdentityDocument

    doc = IdentityDocument.objects.get(number="753000111")
    document_flag(actor=officer, document_id=doc.pk, status="lost", reason="Reported lost")
    flagged = _check(check_api)
    assert [r["code"] for r in flagged["reasons"]] == ["invalid_document"]


def test_bad_check_input_is_422_naming_the_field(check_api: Any) -> None:
    response = check_api.post(
        "/api/v1/border/checks",
        {
            "direction": "exit",
            "document_number": "X1",
            "document_issuing_state": "QQQ",
            "birth_date": "1979-13-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "document_issuing_state",
        "birth_date",
    }
    assert not AuditEntry.objects.filter(object_type="border.check").exists()


def test_person_stay_api_shows_status_and_crossings(
    border_officer: Any, officer: Any, token_client: Any
) -> None:
    pid = _arrive(border_officer, days_ago=30)
    api = token_client(officer, scopes=["persons:read"])
    body = api.get(f"/api/v1/persons/{pid}/stay").json()
    assert body["in_country"] is True and body["days_used"] == 31
    assert body["basis"] == "visa_free_rolling" and body["days_left"] == 59
    assert body["permitted_until"] == (timezone.localdate() + dt.timedelta(days=59)).isoformat()
    assert [c["direction"] for c in body["crossings"]] == ["entry"]
    assert body["legal_ref"]
    assert api.get("/api/v1/persons/00000000-0000-0000-0000-000000000000/stay").status_code == 404


def test_a_script_with_a_token_needs_no_csrf_token_but_a_session_does(
    border_officer: Any, session_client: Any
) -> None:
    """Real clients are CSRF-checked (Django's test client is not, unless told)."""
    from django.test import Client

    from umis.core.tokens import token_create

    _token, secret = token_create(actor=border_officer, name="gate", scopes=["border:check"])
    body = {"direction": "entry", "document_number": "X1234567", "document_issuing_state": "RUS"}
    script = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = script.post("/api/v1/border/checks", body, content_type="application/json")
    assert response.status_code == 200, response.content
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(border_officer)
    response = browser.post("/api/v1/border/checks", body, content_type="application/json")
    assert response.status_code == 403


def test_an_unknown_issuing_state_alone_is_422_and_not_audited(check_api: Any) -> None:
    response = check_api.post(
        "/api/v1/border/checks",
        {"direction": "entry", "document_number": "X1234567", "document_issuing_state": "QQQ"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["document_issuing_state"]
    assert not AuditEntry.objects.filter(object_type="border.check").exists()


def _trips(actor: Any, number: str, trips: int, prefix: str) -> str:
    """`trips` past trips of ten days, then an entry five days ago."""
    events = []
    start = timezone.now() - dt.timedelta(days=30 * trips + 60)
    for i in range(trips):
        for direction, offset in (("entry", 30 * i), ("exit", 30 * i + 10)):
            events.append(
                (direction, start + dt.timedelta(days=offset), f"{prefix}-{i}-{direction}")
            )
    events.append(("entry", timezone.now() - dt.timedelta(days=5), f"{prefix}-now"))
    report = border_events_ingest(
        actor=actor,
        events=[
            {
                "event_id": event_id,
                "direction": direction,
                "occurred_at": at.isoformat(),
                "crossing_point": "AIR-GYD",
                "document_number": number,
                "document_issuing_state": "RUS",
                # Distinct names: alike but for the passport, the matcher would link them.
                "family_name": {"a": "SMIRNOVA", "b": "KOVALENKO"}[prefix],
                "given_names": "ANNA",
                "birth_date": "1980-05-06",
                "sex": "F",
                "nationality": "RUS",
            }
            for direction, at, event_id in events
        ],
    )
    assert report.count("created") == len(events)
    return str(report.results[0].person_id)


def test_the_number_of_queries_does_not_grow_with_the_history(
    border_officer: Any, supervisor: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from umis.border.checks import CheckData, border_check
    from umis.registry.models import Nationality

    _trips(border_officer, "700000001", trips=1, prefix="a")
    busy = _trips(border_officer, "700000002", trips=30, prefix="b")
    Nationality.objects.create(person_id=busy, country_id="KAZ")
    today = timezone.localdate()
    for data in (
        EntryBanData(legal_basis="Art. 16", authority="SMS", valid_from=today, person_id=busy),
        EntryBanData(
            legal_basis="Art. 17",
            authority="Court",
            valid_from=today,
            document_issuing_state="RUS",
            document_number="700000002",
        ),
    ):
        entry_ban_create(actor=supervisor, data=data)

    def queries(number: str, direction: str) -> tuple[int, Any]:
        data = CheckData(direction, number, "RUS")
        with CaptureQueriesContext(connection) as captured:
            result = border_check(actor=border_officer, data=data)
        return len(captured), result

    queries("700000001", "entry")  # warm: the audit chain heads exist
    for direction in ("entry", "exit"):
        few, _quiet = queries("700000001", direction)
        many, _busy = queries("700000002", direction)
        assert few == many, direction
        # One lookup (lists, document and holder, bans, nationalities, crossings), stay
        # rights (2), audit (lock, append: one statement on PostgreSQL, two on SQLite; and
        # the savepoint inside the test's transaction): at most 8.
        assert many <= 8, direction
    _n, on_entry = queries("700000002", "entry")
    assert [r.code for r in on_entry.reasons] == ["entry_ban", "entry_ban"]
    assert on_entry.person.nationalities == ["RUS", "KAZ"]
    assert on_entry.person.in_country and on_entry.person.days_used > 30
    # The same stay as the stays app computes from its own reads.
    from umis.stays.selectors import stay_status

    status = stay_status(person_id=busy, nationalities=["RUS", "KAZ"], on=today)
    assert (on_entry.person.days_used, on_entry.person.permitted_until) == (
        status.days_used,
        status.permitted_until,
    )


def test_bans_not_in_force_are_ignored_and_a_ban_matching_twice_counts_once(
    check_api: Any, border_officer: Any, supervisor: Any
) -> None:
    from umis.border.watchlist import entry_ban_lift

    pid = _arrive(border_officer, days_ago=3)
    today = timezone.localdate()
    both = EntryBanData(
        legal_basis="Art. 16",
        authority="SMS",
        valid_from=today - dt.timedelta(days=10),
        person_id=pid,
        document_issuing_state="RUS",
        document_number="753000111",
    )
    entry_ban_create(actor=supervisor, data=both)
    expired = EntryBanData(
        legal_basis="Art. 18",
        authority="SMS",
        valid_from=today - dt.timedelta(days=100),
        valid_to=today - dt.timedelta(days=1),
        person_id=pid,
    )
    entry_ban_create(actor=supervisor, data=expired)
    future = EntryBanData(
        legal_basis="Art. 19",
        authority="SMS",
        valid_from=today + dt.timedelta(days=1),
        person_id=pid,
    )
    entry_ban_create(actor=supervisor, data=future)
    lifted = entry_ban_create(
        actor=supervisor,
        data=EntryBanData(
            legal_basis="Art. 20", authority="Court", valid_from=today, person_id=pid
        ),
    )
    entry_ban_lift(actor=supervisor, ban_id=lifted.pk, reason="Appeal granted")
    result = _check(check_api, direction="entry")
    assert [r["code"] for r in result["reasons"]] == ["entry_ban"]
    assert "Art. 16" in result["reasons"][0]["detail"]
    assert result["person"]["id"] == pid and result["person"]["nationalities"] == ["RUS"]


def test_a_body_that_is_not_json_is_422_naming_the_body(check_api: Any) -> None:
    response = check_api.post("/api/v1/border/checks", "{not json", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert not AuditEntry.objects.filter(object_type="border.check").exists()


def test_a_new_document_of_a_known_person_is_matched_by_name_and_birth_date(
    check_api: Any, border_officer: Any, supervisor: Any
) -> None:
    pid = _arrive(border_officer, days_ago=3)
    entry_ban_create(
        actor=supervisor,
        data=EntryBanData(
            legal_basis="Art. 16",
            authority="SMS",
            valid_from=timezone.localdate(),
            person_id=pid,
        ),
    )
    result = _check(check_api, direction="entry", document_number="NEW000111")
    assert result["person"]["id"] == pid and result["person"]["in_country"] is True
    assert [r["code"] for r in result["reasons"]] == ["entry_ban"]
    unknown = _check(check_api, direction="entry", document_number="NEW000111", birth_date="")
    assert unknown["person"] is None and unknown["decision"] == "allow"
