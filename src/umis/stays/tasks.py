"""Thin, idempotent tasks for the worker; the scheduler enqueues them periodically."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django_tasks import task

from umis.stays.services import stay_sweep_run


@task()
def sweep_overstays(full: bool | None = None) -> dict[str, Any]:
    """Overstays and unregistered stays: incremental, a full sweep nightly (one pass
    finds both)."""
    return asdict(stay_sweep_run(full=full))


@task()
def sweep_unregistered_stays() -> dict[str, Any]:
    """Kept for tasks already queued under this name: the same sweep."""
    return asdict(stay_sweep_run())
