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
    writes = AuditEntry.objects.filter(object_type="border.entryban").exclude(action="search")
    assert writes.count() == 3
    # Listing bans on a person is itself an audited read.
    assert AuditEntry.objects.filter(
        object_type="border.entryban", action="search", changes__shown_persons__1=[str(person.pk)]
    ).exists()


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


# --- legal grounds, natural key, batches --------------------------------------------------


@pytest.fixture
def banned(officer: Any) -> Any:
    from umis.registry.services import DocumentData, document_add

    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Qadagan",
            sex="M",
            birth_date="1980",
            nationalities=[NationalityData("IRN")],
        ),
    )
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number="K7654321", issuing_state="IRN"),
    )
    return person


def test_legal_grounds_come_from_the_policy_pack_in_the_active_language() -> None:
    from django.utils import translation

    from umis.border.watchlist import entry_ban_legal_grounds

    with translation.override("ru"):
        grounds = {g.code: g for g in entry_ban_legal_grounds()}
    assert grounds["undesirable"].legal_ref == "Migration Code, Art. 16.1.5"
    assert "нежелательным" in grounds["undesirable"].text
    assert grounds["false_information"].years == 5
    assert grounds["national_security"].years is None


def test_a_ground_gives_the_legal_basis_and_its_fixed_length(supervisor: Any, banned: Any) -> None:
    from umis.border.watchlist import EntryBanData, entry_ban_record

    ban, created = entry_ban_record(
        actor=supervisor,
        data=EntryBanData(
            personal_number=banned.personal_number.lower(),
            legal_ground="false_information",
            legal_basis="decision 12/2026",
            authority="State Migration Service",
            valid_from=dt.date(2024, 2, 29),
        ),
    )
    assert created and ban.person_id == banned.pk
    assert ban.legal_basis == "Migration Code, Art. 16.1.7; decision 12/2026"
    # Art. 16.2: five years; the last day is the day before the fifth anniversary.
    assert ban.valid_to == dt.date(2029, 2, 27)
    entry = AuditEntry.objects.get(object_type="border.entryban", object_id=str(ban.pk))
    assert entry.person_id == banned.pk
    assert entry.changes["legal_ground"] == [None, "false_information"]


def test_recording_the_same_ban_twice_returns_the_first(supervisor: Any, banned: Any) -> None:
    from umis.border.watchlist import EntryBanData, entry_ban_record

    data = EntryBanData(
        person_id=str(banned.pk),
        legal_ground="undesirable",
        authority="SMS",
        valid_from="2026-01-01",
    )
    first, created = entry_ban_record(actor=supervisor, data=data)
    # The same ground written out as text, in other case and spacing, is the same ban.
    again, created_again = entry_ban_record(
        actor=supervisor,
        data=EntryBanData(
            person_id=banned.pk,
            legal_basis="migration code,  art. 16.1.5",
            authority="SMS",
            valid_from=dt.date(2026, 1, 1),
        ),
    )
    assert created and not created_again and again.pk == first.pk
    assert EntryBan.objects.count() == 1


def test_the_holder_of_a_document_can_be_banned(supervisor: Any, banned: Any) -> None:
    from umis.border.watchlist import EntryBanData, entry_ban_record
    from umis.core.errors import ValidationFailed

    ban, _ = entry_ban_record(
        actor=supervisor,
        data=EntryBanData(
            document_issuing_state="IRN",
            document_number="k 765 4321",
            legal_ground="previously_expelled",
            authority="SMS",
            valid_from="2026-01-01",
        ),
        ban_holder=True,
    )
    assert (ban.person_id, ban.document_number) == (banned.pk, "K7654321")
    with pytest.raises(ValidationFailed) as exc:
        entry_ban_record(
            actor=supervisor,
            data=EntryBanData(
                document_issuing_state="IRN",
                document_number="NOBODY1",
                legal_ground="previously_expelled",
                authority="SMS",
                valid_from="2026-01-01",
            ),
            ban_holder=True,
        )
    assert [e.field for e in exc.value.field_errors] == ["document_number"]
    assert EntryBan.objects.count() == 1


BAN_ROWS = [
    {
        "document_issuing_state": "IRN",
        "document_number": "A1000001",
        "legal_ground": "undesirable",
        "authority": "SMS",
        "valid_from": "2026-01-01",
    },
    {
        "personal_number": "",
        "document_issuing_state": "GEO",
        "document_number": "B2",
        "legal_basis": "Court of Baku, decision 2-1/2026",
        "authority": "Baku Court",
        "valid_from": "2026-02-01",
        "valid_to": "2027-02-01",
    },
    {
        "personal_number": "ZZZZZZ9",
        "document_issuing_state": "QQQ",
        "legal_ground": "no_such_ground",
        "authority": "",
        "valid_from": "01.02.2026",
        "valid_to": "2020-01-01",
    },
]


def test_entry_bans_import_is_idempotent_and_reports_each_row(supervisor: Any) -> None:
    from umis.border.watchlist import entry_bans_import

    first = entry_bans_import(actor=supervisor, rows=BAN_ROWS)
    assert [r.status for r in first] == ["created", "created", "rejected"]
    assert {e.field for e in first[2].errors} == {
        "personal_number",
        "document_issuing_state",
        "document_number",
        "legal_ground",
        "authority",
        "valid_from",
    }
    again = entry_bans_import(actor=supervisor, rows=BAN_ROWS[:2] + BAN_ROWS[:1])
    assert [r.status for r in again] == ["unchanged", "unchanged", "unchanged"]
    assert EntryBan.objects.count() == 2
    # A corrected end date updates the ban (audited); a lifted ban stays lifted.
    changed = [{**BAN_ROWS[1], "valid_to": "2028-02-01"}]
    assert entry_bans_import(actor=supervisor, rows=changed)[0].status == "updated"
    ban = EntryBan.objects.get(document_number="B2")
    assert ban.valid_to == dt.date(2028, 2, 1)
    assert AuditEntry.objects.filter(
        object_id=str(ban.pk), action="update", changes__valid_to=["2027-02-01", "2028-02-01"]
    ).exists()
    from umis.border.watchlist import entry_ban_lift

    entry_ban_lift(actor=supervisor, ban_id=ban.pk, reason="appeal granted")
    assert entry_bans_import(actor=supervisor, rows=BAN_ROWS[1:2])[0].status == "unchanged"
    ban.refresh_from_db()
    assert ban.lifted_at is not None and ban.valid_to == dt.date(2028, 2, 1)


def test_the_same_ban_twice_in_one_batch_is_stored_once(supervisor: Any) -> None:
    from umis.border.watchlist import entry_bans_import

    results = entry_bans_import(actor=supervisor, rows=[BAN_ROWS[0], dict(BAN_ROWS[0])])
    assert [r.status for r in results] == ["created", "unchanged"]
    assert results[0].ban is not None and results[1].ban is not None
    assert results[0].ban.pk == results[1].ban.pk


def test_batch_endpoint_reports_per_item(supervisor_api: Any) -> None:
    body = {"bans": BAN_ROWS}
    response = supervisor_api.post(
        "/api/v1/border/entry-bans/batch", body, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["created"], out["unchanged"], out["rejected"]) == (2, 0, 1)
    assert out["results"][0]["id"] and out["results"][2]["id"] is None
    assert "bans.2.legal_ground" in {e["field"] for e in out["results"][2]["errors"]}
    again = supervisor_api.post(
        "/api/v1/border/entry-bans/batch", body, content_type="application/json"
    ).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert EntryBan.objects.count() == 2


def test_create_endpoint_takes_a_ground_or_a_fin(supervisor_api: Any, banned: Any) -> None:
    response = _ban(
        supervisor_api,
        legal_basis="",
        legal_ground="unpaid_fine",
        personal_number=banned.personal_number,
    )
    assert response.status_code == 201, response.content
    assert response.json()["person_id"] == str(banned.pk)
    assert response.json()["legal_basis"] == "Migration Code, Art. 16.1.8"
    missing = _ban(
        supervisor_api, legal_basis="", document_issuing_state="IRN", document_number="Z9"
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"legal_basis"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_ban_store_it_once(make_staff: Any) -> None:
    import threading

    from django.db import connection, connections

    from umis.border.watchlist import entry_bans_import

    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is exercised on PostgreSQL (SQLite serialises writers)")
    actor = make_staff("supervisor")
    barrier = threading.Barrier(2)
    statuses: list[str] = []

    def run() -> None:
        barrier.wait()
        try:
            statuses.extend(r.status for r in entry_bans_import(actor=actor, rows=BAN_ROWS[:1]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == ["created", "unchanged"]
    assert EntryBan.objects.count() == 1


def test_ban_list_filters_by_status_kind_and_nationality(supervisor: Any, banned: Any) -> None:
    from umis.border.watchlist import EntryBanData, entry_ban_list, entry_ban_record

    def ban(**kw: Any) -> EntryBan:
        base = {"legal_ground": "undesirable", "authority": "SMS", "valid_from": "2026-01-01"}
        return entry_ban_record(actor=supervisor, data=EntryBanData(**{**base, **kw}))[0]

    on_person = ban(person_id=banned.pk)
    on_doc = ban(document_issuing_state="GEO", document_number="G1")
    expired = ban(document_issuing_state="GEO", document_number="G2", valid_to="2026-03-01")
    future = ban(document_issuing_state="TUR", document_number="T1", valid_from="2027-01-01")
    lifted = ban(document_issuing_state="TUR", document_number="T2")
    from umis.border.watchlist import entry_ban_lift

    entry_ban_lift(actor=supervisor, ban_id=lifted.pk, reason="error")
    on = dt.date(2026, 6, 1)

    def ids(**kw: Any) -> set[Any]:
        page = entry_ban_list(actor=supervisor, in_force_only=False, on=on, **kw)
        return {b.pk for b in page.items}

    assert ids(status="in_force") == {on_person.pk, on_doc.pk}
    assert ids(status="expired") == {expired.pk}
    assert ids(status="future") == {future.pk}
    assert ids(status="lifted") == {lifted.pk}
    assert ids(kind="person") == {on_person.pk}
    assert ids(nationality="irn") == {on_person.pk}  # the person's nationality
    assert ids(nationality="GEO", status="in_force") == {on_doc.pk}
    from umis.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        entry_ban_list(actor=supervisor, status="banned", nationality="Iran")
    assert {e.field for e in exc.value.field_errors} == {"status", "nationality"}


# --- invalid documents ----------------------------------------------------------------------


def test_invalid_documents_load_takes_a_fixed_number_of_queries(
    supervisor: Any, django_assert_max_num_queries: Any
) -> None:
    from umis.border.watchlist import invalid_documents_load

    rows = [{"issuing_state": "UKR", "number": f"FB{i:06d}", "reason": "lost"} for i in range(300)]
    rows.append({"issuing_state": "UKR", "number": "FB000001", "reason": "stolen"})
    with django_assert_max_num_queries(12):
        results = invalid_documents_load(actor=supervisor, rows=rows, source="Interpol SLTD")
    assert [r.status for r in results].count("created") == 300
    assert results[-1].status == "updated"  # the same document again in the same batch
    assert InvalidDocument.objects.count() == 300
    assert invalid_document_find(issuing_state="UKR", number="FB000001").reason == "stolen"
    entry = AuditEntry.objects.get(object_type="border.invaliddocument")
    assert entry.object_id == "batch:300" and len(entry.changes["documents"][1]) == 300
    with django_assert_max_num_queries(12):
        again = invalid_documents_load(actor=supervisor, rows=rows, source="Interpol SLTD")
    statuses = [r.status for r in again]
    # FB000001 is listed as stolen: its "lost" row changes it, the last row changes it back.
    assert statuses[1] == statuses[-1] == "updated"
    assert statuses.count("unchanged") == 299
    assert InvalidDocument.objects.count() == 300


def test_an_invalid_document_is_removed_with_a_reason(supervisor_api: Any) -> None:
    supervisor_api.post(
        "/api/v1/border/invalid-documents",
        {
            "source": "Police",
            "documents": [{"issuing_state": "GEO", "number": "13AB0001", "reason": "lost"}],
        },
        content_type="application/json",
    )
    no_reason = supervisor_api.post(
        "/api/v1/border/invalid-documents/remove",
        {"issuing_state": "GEO", "number": "13AB0001", "reason": " "},
        content_type="application/json",
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    removed = supervisor_api.post(
        "/api/v1/border/invalid-documents/remove",
        {"issuing_state": "geo", "number": "13ab 0001", "reason": "found by the holder"},
        content_type="application/json",
    )
    assert removed.status_code == 200, removed.content
    assert removed.json()["reason"] == "lost"
    assert not InvalidDocument.objects.exists()
    entry = AuditEntry.objects.get(object_type="border.invaliddocument", action="delete")
    assert entry.changes["removal_reason"] == [None, "found by the holder"]
    assert entry.changes["number"] == ["13AB0001", None]
    gone = supervisor_api.post(
        "/api/v1/border/invalid-documents/remove",
        {"issuing_state": "GEO", "number": "13AB0001", "reason": "again"},
        content_type="application/json",
    )
    assert gone.status_code == 404


# --- console commands ---------------------------------------------------------------------


def _command(*args: str) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("border", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_import_bans_command_writes_errors_with_line_numbers(
    tmp_path: Any, make_staff: Any
) -> None:
    import csv

    make_staff("border_officer", username="border-system")
    path = tmp_path / "bans.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*BAN_ROWS[1], "legal_ground"])
        writer.writeheader()
        writer.writerows(BAN_ROWS)
        handle.write("IRN,too,few\r\n")
    out = _command("import-bans", str(path), "--as", "border-system", "--batch", "2")
    assert "4 lines: 2 bans added, 0 updated, 0 already known, 2 rejected" in out
    errors = list(csv.reader((tmp_path / "bans.csv.errors.csv").open(encoding="utf-8")))
    assert errors[0] == ["line", "field", "message"]
    assert {row[0] for row in errors[1:]} == {"4", "5"}
    assert ["4", "legal_ground"] in [row[:2] for row in errors]
    again = _command("import-bans", str(path), "--as", "border-system")
    assert "0 bans added, 0 updated, 2 already known, 2 rejected" in again
    assert EntryBan.objects.count() == 2


def test_import_invalid_documents_command_reads_json_lines(tmp_path: Any, make_staff: Any) -> None:
    import json

    make_staff("supervisor", username="chief")
    path = tmp_path / "sltd.jsonl"
    lines = [
        json.dumps({"issuing_state": "UKR", "number": "FE100001", "reason": "stolen"}),
        "",
        "{not json",
        json.dumps({"issuing_state": "UKR", "number": "FE100002", "reason": "lost"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _command("import-invalid-documents", str(path), "--as", "chief", "--source", "SLTD")
    assert "3 lines: 2 documents added, 0 updated, 0 already known, 1 rejected" in out
    errors = (tmp_path / "sltd.jsonl.errors.csv").read_text(encoding="utf-8")
    assert errors.splitlines()[1].startswith("3,")
    assert InvalidDocument.objects.get(number="FE100001").source == "SLTD"
    out = _command("import-invalid-documents", str(path), "--as", "chief")
    assert "0 documents added, 0 updated, 2 already known" in out


def test_import_commands_refuse_bad_files_and_accounts(tmp_path: Any, make_staff: Any) -> None:
    from django.core.management.base import CommandError

    make_staff("officer", username="clerk")
    make_staff("supervisor", username="chief")
    path = tmp_path / "bans.csv"
    path.write_text("document_number,authority\nX1,SMS\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns: valid_from"):
        _command("import-bans", str(path), "--as", "chief")
    with pytest.raises(CommandError, match="No active account"):
        _command("import-bans", str(path), "--as", "nobody")
    docs = tmp_path / "docs.csv"
    docs.write_text("issuing_state,number,reason\nUKR,X1,lost\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"watchlist\.manage"):
        _command("import-invalid-documents", str(docs), "--as", "clerk")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("issuing_state,number,reason\nUKR,Ä1,lost\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        _command("import-invalid-documents", str(latin1), "--as", "chief")
    assert not InvalidDocument.objects.exists()


def test_list_endpoint_filters_by_status(supervisor_api: Any) -> None:
    supervisor_api.post(
        "/api/v1/border/entry-bans/batch", {"bans": BAN_ROWS[:2]}, content_type="application/json"
    )
    expired = supervisor_api.get(
        "/api/v1/border/entry-bans?status=expired&on=2027-06-01&kind=document"
    ).json()
    assert [b["document_number"] for b in expired["items"]] == ["B2"]
    geo = supervisor_api.get(
        "/api/v1/border/entry-bans?nationality=GEO&status=in_force&on=2026-06-01"
    )
    assert [b["document_number"] for b in geo.json()["items"]] == ["B2"]
    assert supervisor_api.get("/api/v1/border/entry-bans?status=banned").status_code == 422
