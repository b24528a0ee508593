from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from umis.core.audit import GENESIS, audit_record, audit_verify, compute_hash, diff
from umis.core.db import drop_audit_triggers, install_audit_triggers
from umis.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def _fill(n: int = 5) -> list[AuditEntry]:
    return [
        audit_record(
            actor=None,
            action="update",
            object_type="registry.person",
            object_id=str(i),
            changes={"street": [f"old {i}", f"new {i}"]},
        )
        for i in range(n)
    ]


def test_entries_are_chained_and_contiguous() -> None:
    entries = _fill(4)
    assert [e.id for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS
    for prev, cur in itertools.pairwise(entries):
        assert cur.prev_hash == prev.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (4, entries[-1].hash)
    assert audit_verify().ok


def test_hash_survives_a_database_round_trip() -> None:
    entry = _fill(1)[0]
    reloaded = AuditEntry.objects.get(pk=entry.pk)
    assert compute_hash(reloaded) == entry.hash


def test_verify_names_a_row_altered_directly_in_the_database() -> None:
    _fill(5)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET changes = %s WHERE id = 3",
            ['{"street": ["old 2", "forged"]}'],
        )
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == 3
    assert result.checked == 2
    with pytest.raises(CommandError, match="entry #3"):
        call_command("audit", "verify")


def test_verify_notices_a_deleted_row_and_a_deleted_tail() -> None:
    _fill(5)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = 2")
    assert audit_verify().first_bad_id == 2
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id >= 2")
    result = audit_verify()
    assert not result.ok and "removed from the end" in result.reason


def test_verify_command_succeeds_on_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    _fill(3)
    call_command("audit", "verify")
    assert "3 entries verified" in capsys.readouterr().out


def test_database_refuses_update_and_delete_once_triggers_are_installed() -> None:
    _fill(2)
    install_audit_triggers(connection)
    try:
        for sql in (
            "UPDATE core_auditentry SET purpose = 'x' WHERE id = 1",
            "DELETE FROM core_auditentry WHERE id = 1",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        assert AuditEntry.objects.count() == 2
        audit_record(actor=None, action="view")  # appending still works
    finally:
        drop_audit_triggers(connection)


def test_diff_reports_only_changed_fields() -> None:
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
