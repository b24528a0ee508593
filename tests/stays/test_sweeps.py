from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from umis.border.services import border_events_ingest
from umis.core.models import AuditEntry
from umis.stays.models import Violation
from umis.stays.services import detect_overstays

pytestmark = pytest.mark.django_db


@pytest.fixture
def border_officer(make_staff: Any) -> Any:
    return make_staff("border_officer")


def _cross(actor: Any, event_id: str, direction: str, days_ago: int, number: str) -> None:
    report = border_events_ingest(
        actor=actor,
        events=[
            {
                "event_id": event_id,
                "direction": direction,
                "occurred_at": (timezone.now() - dt.timedelta(days=days_ago)).isoformat(),
                "crossing_point": "ROAD-SAMUR",
                "document_number": number,
                "document_issuing_state": "RUS",
                "family_name": "PETROV",
                "given_names": number,
                "birth_date": "1985-01-01",
                "sex": "M",
                "nationality": "RUS",
            }
        ],
    )
    assert report.count("created") == 1, report.results


def test_overstay_becomes_one_violation_however_often_the_sweep_runs(
    border_officer: Any,
) -> None:
    _cross(border_officer, "a-in", "entry", 120, "P1")  # 121 days: 31 too many
    _cross(border_officer, "b-in", "entry", 30, "P2")  # within the 90 days
    _cross(border_officer, "c-in", "entry", 200, "P3")
    _cross(border_officer, "c-out", "exit", 150, "P3")  # left in time; not in the country
    first = detect_overstays()
    assert (first.checked, first.created) == (2, 1)
    violation = Violation.objects.get()
    assert violation.type == "overstay" and violation.facts["overstay_days"] == 31
    assert violation.stay_start == timezone.localdate() - dt.timedelta(days=120)
    again = detect_overstays()
    assert (again.created, again.updated) == (0, 0)
    later = detect_overstays(on=timezone.localdate() + dt.timedelta(days=2))
    assert later.updated == 1 and Violation.objects.count() == 1
    assert Violation.objects.get().facts["overstay_days"] == 33
    assert AuditEntry.objects.filter(object_type="stays.violation").count() == 1


def test_the_sweep_runs_on_a_real_worker(border_officer: Any, monkeypatch: Any) -> None:
    """The worker's own command, in-process so it sees the test's transaction. Between
    tasks it closes stale connections, which would close the test's; keep it open."""
    from django_tasks_db.management.commands import db_worker

    from umis.stays.tasks import sweep_overstays

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    _cross(border_officer, "w-in", "entry", 100, "W1")
    sweep_overstays.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    assert Violation.objects.filter(type="overstay").count() == 1


def test_scheduler_once_enqueues_every_periodic_task() -> None:
    from django_tasks_db.models import DBTaskResult

    call_command("scheduler", "--once", verbosity=0)
    assert DBTaskResult.objects.filter(task_path="umis.stays.tasks.sweep_overstays").exists()


def test_violations_show_on_the_person_page(
    border_officer: Any, officer: Any, session_client: Any
) -> None:
    from django.urls import reverse

    from umis.registry.models import Person

    _cross(border_officer, "v-in", "entry", 95, "V1")
    detect_overstays()
    person = Person.objects.get(documents__number="V1")
    page = session_client(officer).get(reverse("backoffice:person_detail", args=[person.pk]))
    assert page.status_code == 200
    assert "6 days after" in page.content.decode()
