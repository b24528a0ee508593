"""A small smoke run of the sweep benchmark (DuckDB baseline included), so that it
cannot rot unnoticed; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bench import border_sweep
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_border_sweep_bench_smoke(make_staff: Any) -> None:
    from umis.border.services import border_events_ingest

    officer = make_staff("border_officer")
    now = timezone.now()
    events = []
    # Two visa-free nationals overstaying, one within the limit, one who left.
    for n, (days_in, left) in enumerate([(120, None), (95, None), (20, None), (200, 150)]):
        events.append(("entry", days_in, n))
        if left is not None:
            events.append(("exit", left, n))
    for i, (direction, days_ago, n) in enumerate(events):
        border_events_ingest(
            actor=officer,
            events=[
                {
                    "event_id": f"bench-{i}",
                    "direction": direction,
                    "occurred_at": (now - dt.timedelta(days=days_ago)).isoformat(),
                    "crossing_point": "ROAD-SAMUR",
                    "document_number": f"B{n}",
                    "document_issuing_state": "RUS",
                    "family_name": "BENCH",
                    # Distinct names: alike but for the passport, the matcher links them.
                    "given_names": ["ANTON", "BORIS", "DENIS", "EGOR", "FEDOR", "GLEB"][n % 6],
                    "birth_date": "1980-01-01",
                    "sex": "M",
                    "nationality": "RUS",
                }
            ],
        )
    result = border_sweep.run(new_events=4)
    assert result.in_country == 3 and result.overstayers == 2
    assert result.mismatches == 0, result.examples
    if connection.vendor == "postgresql":
        # A day at the border: the person who had left arrives, two of the three leave.
        assert result.new_events == 3
        assert result.incremental_checked == 3
    else:
        assert result.new_events == 2  # portable path: one trip of the person who had left
    assert result.duckdb_seconds > 0 and result.full_seconds > 0
    assert "ratio" in result.line()
