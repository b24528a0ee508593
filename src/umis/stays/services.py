"""Detection sweeps as services: findings become Violations (fines and decisions come
later). The work is in :mod:`umis.stays.sweeps`; this is the entry point the tasks, the
command line and the other apps call.

Idempotent and safe to run on two workers at once (see umis.stays.sweeps)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from umis.stays.sweeps import SweepResult, sweep_full, sweep_incremental

__all__ = ["SweepResult", "detect_overstays", "detect_unregistered_stays", "stay_sweep_run"]


def stay_sweep_run(*, on: dt.date | None = None, full: bool | None = None) -> SweepResult:
    """The periodic sweep: incremental, and a full sweep once a day, on the first run at
    or after settings.UMIS_SWEEP_FULL_HOUR (local time) — or whenever ``full``."""
    from umis.stays.models import SweepState
    from umis.stays.sweeps import STATE_NAME

    if full is None:
        now = timezone.localtime()
        day = on or now.date()
        state = SweepState.objects.filter(name=STATE_NAME).first()
        last_full = state.last_full_on if state else None
        full = last_full is None or (
            last_full < day and now.hour >= int(getattr(settings, "UMIS_SWEEP_FULL_HOUR", 2))
        )
    return sweep_full(on=on) if full else sweep_incremental(on=on)


def detect_overstays(*, on: dt.date | None = None) -> SweepResult:
    """A full sweep: overstays and unregistered stays come out of the same pass."""
    return sweep_full(on=on)


def detect_unregistered_stays(*, on: dt.date | None = None) -> SweepResult:
    """A full sweep (see detect_overstays)."""
    return sweep_full(on=on)
