"""Thin, idempotent tasks for the worker."""

from __future__ import annotations

from django_tasks import task

from umis.cases.notifications import notifications_send


@task()
def send_notifications() -> dict[str, int]:
    """Send the outbox's pending e-mail and SMS notices (enqueued after each commit that
    queues one, and periodically to retry what an unavailable gateway refused)."""
    return notifications_send()
