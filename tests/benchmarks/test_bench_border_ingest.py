"""Smoke run of the border ingestion benchmark, so that `make bench` cannot rot unnoticed."""

from __future__ import annotations

import pytest
from bench import border_ingest
from django.db import connection

from umis.border.models import BorderEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the benchmark compares with PostgreSQL COPY; run with DATABASE_URL=postgres://...",
    ),
]


def test_border_ingest_bench_smoke(reference: None) -> None:
    from umis.registry.demo import demo_data_generate

    demo_data_generate(200)
    result = border_ingest.run(events=300)
    assert (result.events, result.created, result.rejected) == (300, 300, 0)
    assert BorderEvent.objects.count() == 300
    assert 0 < result.persons <= 200
    assert result.ingest_seconds > 0 and result.baseline_seconds > 0
    assert result.ratio > 0 and "ratio" in result.line()
    # The baseline wrote the same rows back into the same table: the table holds the
    # import's 300 events once each, all linked to registry persons.
    assert BorderEvent.objects.values("event_id").distinct().count() == 300
    assert not BorderEvent.objects.filter(person__isnull=True).exists()
    assert not BorderEvent.objects.exclude(event_id__startswith="ING-").exists()
