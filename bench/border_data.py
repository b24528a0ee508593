"""Synthetic entry/exit history for the border benchmarks: `events` crossings spread over
the persons already in the database (the registry part loads them), written straight
into border_borderevent with COPY (PostgreSQL) or executemany (SQLite).

The generator is the product's demo generator (umis.border.demo, also used by
`umis setup_demo`); the benchmark's events are numbered BENCH-<seed>-<serial>.
"""

from __future__ import annotations

import datetime as dt

from umis.border.demo import EventsResult
from umis.border.demo import load_events as _load_events

__all__ = ["EventsResult", "load_events"]


def load_events(events: int, *, seed: int = 0, on: dt.date | None = None) -> EventsResult:
    """Append `events` crossings for the persons in the database (see umis.border.demo)."""
    return _load_events(events, seed=seed, on=on, prefix="BENCH")
