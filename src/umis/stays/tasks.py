"""Thin, idempotent tasks for the worker; the scheduler enqueues them periodically."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from umis.stays.services import detect_overstays, detect_unregistered_stays


@task()
def sweep_overstays() -> dict[str, int]:
    return asdict(detect_overstays())


@task()
def sweep_unregistered_stays() -> dict[str, int]:
    return asdict(detect_unregistered_stays())
