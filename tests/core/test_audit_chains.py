"""Several audit chains (docs/adr/0005-audit-throughput.md): each is verified on its own,
concurrent appends on PostgreSQL land in different chains and stay verifiable."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connection, connections, transaction

from umis.core import audit
from umis.core.audit import GENESIS, STRIDE, audit_record, audit_verify, chain_of
from umis.core.models import AuditEntry, AuditHead


@pytest.fixture
def chain_two() -> Iterator[None]:
    """Make this connection append to chain 2, as it would after contention."""
    setattr(connection, audit._PREFERRED, 2)
    try:
        yield
    finally:
        setattr(connection, audit._PREFERRED, 1)


def _fill(n: int) -> list[AuditEntry]:
    return [audit_record(actor=None, action="view", object_type="t", object_id=i) for i in range(n)]


@pytest.mark.django_db
def test_each_chain_has_its_own_id_range_link_and_head(chain_two: None) -> None:
    entries = _fill(3)
    assert [e.id for e in entries] == [STRIDE + 1, STRIDE + 2, STRIDE + 3]
    assert {chain_of(e.id) for e in entries} == {2}
    assert entries[0].prev_hash == GENESIS and entries[1].prev_hash == entries[0].hash
    assert AuditHead.objects.get(pk=2).last_id == STRIDE + 3
    # Heads are created together; the other chains are empty and verify as such.
    assert AuditHead.objects.get(pk=1).last_id == 0
    result = audit_verify()
    assert result.ok and result.checked == 3 and result.chains == audit.chain_count()


@pytest.mark.django_db
def test_verify_names_the_broken_entry_in_a_later_chain(chain_two: None) -> None:
    setattr(connection, audit._PREFERRED, 1)
    _fill(2)
    setattr(connection, audit._PREFERRED, 2)
    _fill(3)
    assert audit_verify().ok
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET purpose = 'forged' WHERE id = %s", [STRIDE + 2])
    result = audit_verify()
    assert not result.ok and result.first_bad_id == STRIDE + 2
    assert result.checked == 3  # chain 1 and the first entry of chain 2


@pytest.mark.django_db
def test_verify_notices_a_gap_a_removed_tail_and_a_removed_chain(chain_two: None) -> None:
    _fill(4)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [STRIDE + 1])
    result = audit_verify()
    assert not result.ok and result.first_bad_id == STRIDE + 1 and "missing" in result.reason
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id >= %s", [STRIDE])
    result = audit_verify()
    assert not result.ok and "removed from the end" in result.reason
    # Removing the head too does not hide it: heads 1..n come as one run.
    AuditHead.objects.filter(pk=2).delete()
    result = audit_verify()
    assert not result.ok and "head of chain 2 is missing" in result.reason


@pytest.mark.django_db
def test_an_entry_without_its_head_is_reported(chain_two: None) -> None:
    _fill(1)
    AuditHead.objects.exclude(pk=1).delete()
    result = audit_verify()
    assert not result.ok and result.reason == "the head of chain 2 is missing"


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_use_different_chains_and_verify() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and SKIP LOCKED: PostgreSQL (SQLite has a single writer)")
    audit_record(actor=None, action="view")  # the first append creates the heads
    holding = threading.Barrier(3, timeout=20)
    chains: list[int] = []
    errors: list[BaseException] = []

    def append_and_hold() -> None:
        try:
            with transaction.atomic():
                chains.append(chain_of(audit_record(actor=None, action="view").id))
                holding.wait()  # all three hold a head at the same time
            audit_record(actor=None, action="view")  # and again, after the commit
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append_and_hold) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(chains)) == 3  # nobody waited for another's commit
    result = audit_verify()
    assert result.ok and result.checked == 7


def _tricky(entry_id: int | None = None, prev: str = GENESIS) -> AuditEntry:
    import datetime as dt
    import uuid

    return AuditEntry(
        id=entry_id,
        at=dt.datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=dt.UTC),
        actor_label='Ə"li \\ Гусейнов',
        actor_kind="token",
        action="update",
        object_type="registry.person",
        object_id="42",
        person_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        changes={"names": ["Hüseynov", 'quote " and \\'], "nested": {"b": 1, "a": None}},
        purpose="",
        ip="2001:db8::1",
        request_id="r-1",
        prev_hash=prev,
    )


def test_the_canonical_text_cut_at_the_link_is_the_canonical_text() -> None:
    entry = _tricky(entry_id=STRIDE * 3 + 17, prev="ab" * 32)
    before, between, after = audit._canonical_around_link(entry)
    assert f"{before}{entry.id}{between}{entry.prev_hash}{after}".encode() == audit._canonical(
        entry
    )


@pytest.mark.django_db
def test_the_database_links_and_hashes_as_verify_does() -> None:
    # On PostgreSQL the append is one statement that hashes in SQL: the hash must be
    # the one compute_hash gives for the stored row, whatever the content's characters.
    first = audit_record(actor=None, action="view")
    tricky = _tricky()
    second = audit_record(
        actor=None,
        action=tricky.action,
        object_type=tricky.object_type,
        object_id=tricky.object_id,
        person_id=tricky.person_id,
        changes=tricky.changes,
        purpose="purpose with ' and %s",
        actor_label=tricky.actor_label,
    )
    assert second.prev_hash == first.hash
    stored = AuditEntry.objects.get(pk=second.pk)
    assert stored.hash == second.hash == audit.compute_hash(stored)
    assert stored.changes == tricky.changes
    assert audit_verify().ok
