"""Smoke run of the border-check benchmark: a real gunicorn against the test database,
both endpoints loaded, every answer 200, the audit chains still verify afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bench import border_check
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def _crossings(persons: int) -> None:
    """A short history for some demo persons, through the ingestion service."""
    from umis.border.services import border_events_ingest
    from umis.core.models import Office, User
    from umis.registry.models import IdentityDocument

    actor = User.objects.create_user(
        username="bench_seed",
        role="border_officer",
        office=Office.objects.filter(kind="border").order_by("code").first(),
    )
    events = []
    now = timezone.now()
    docs = IdentityDocument.objects.select_related("person").order_by("id")[:persons]
    for i, doc in enumerate(docs):
        for k, (direction, days_ago) in enumerate((("entry", 40 + i), ("exit", 30), ("entry", 2))):
            events.append(
                {
                    "event_id": f"smoke-{i}-{k}",
                    "direction": direction,
                    "occurred_at": (now - dt.timedelta(days=days_ago)).isoformat(),
                    "crossing_point": "AIR-GYD",
                    "document_number": doc.number,
                    "document_issuing_state": doc.issuing_state_id,
                    "family_name": doc.person.family_name.upper(),
                    "given_names": doc.person.given_names.upper(),
                    "birth_date": doc.person.birth_date_display,
                    "sex": doc.person.sex,
                    "nationality": doc.issuing_state_id,
                }
            )
    report = border_events_ingest(actor=actor, events=events)
    assert report.count("rejected") == 0


def test_border_check_bench_smoke(reference: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "the benchmark server is a separate process: it cannot see the in-memory SQLite "
            "test database (run with DATABASE_URL=postgres://...)"
        )
    from umis.core.audit import audit_verify
    from umis.core.models import AuditEntry
    from umis.registry.demo import demo_data_generate

    demo_data_generate(60, seed=1)
    _crossings(30)
    result = border_check.run(duration=2, concurrency=4, rate=40, sample=40)
    assert result.errors == 0, result.line()
    assert result.check.count > 0 and result.minimal.count > 0 and result.open.count > 0
    assert result.check.throughput > 0 and result.ratio > 0
    assert 0 < result.refer_share < 1  # bans and listed documents were created and found
    assert "throughput ratio" in result.line()
    # Every check was audited, concurrently, and every chain still verifies.
    assert AuditEntry.objects.filter(object_type="border.check").count() >= result.check.count
    assert audit_verify().ok
