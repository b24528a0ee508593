from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from umis.border.services import border_events_ingest
from umis.core.models import AuditEntry
from umis.stays.models import PersonStay, SweepState, Violation
from umis.stays.selectors import StayRight, stay_status_compute
from umis.stays.services import detect_overstays, stay_sweep_run
from umis.stays.sweeps import (
    Subject,
    evaluate_person,
    sweep_full,
    sweep_incremental,
    unregistered_days_compute,
)

pytestmark = pytest.mark.django_db
BAKU = ZoneInfo("Asia/Baku")


@pytest.fixture
def border_officer(make_staff: Any) -> Any:
    return make_staff("border_officer")


# Distinct real given names per passport: travellers alike in everything but the passport
# number would (rightly) be linked by the identity matcher as one person.
_NAMES = ["ANTON", "BORIS", "DENIS", "EGOR", "FEDOR", "GLEB", "IGOR", "KIRILL", "LEV", "MAKSIM"]


def _given(number: str) -> str:
    return _NAMES[sum(map(ord, number)) % len(_NAMES)]


def _cross(
    actor: Any, event_id: str, direction: str, days_ago: int, number: str, nat: str = "RUS"
) -> None:
    report = border_events_ingest(
        actor=actor,
        events=[
            {
                "event_id": event_id,
                "direction": direction,
                "occurred_at": (timezone.now() - dt.timedelta(days=days_ago)).isoformat(),
                "crossing_point": "ROAD-SAMUR",
                "document_number": number,
                "document_issuing_state": nat,
                "family_name": "PETROV",
                "given_names": _given(number),
                "birth_date": "1985-01-01",
                "sex": "M",
                "nationality": nat,
            }
        ],
    )
    assert report.count("created") == 1, report.results


def _snapshot() -> set[tuple[Any, ...]]:
    return {
        (v.person_id, v.type, v.stay_start, v.status, tuple(sorted(v.facts.items())))
        for v in Violation.objects.all()
    }


# --------------------------------------------------------------------------- behaviour


def test_overstay_becomes_one_violation_however_often_the_sweep_runs(
    border_officer: Any,
) -> None:
    _cross(border_officer, "a-in", "entry", 120, "P1")  # 121 days: 31 too many
    _cross(border_officer, "b-in", "entry", 30, "P2")  # within the 90 days
    _cross(border_officer, "c-in", "entry", 200, "P3")
    _cross(border_officer, "c-out", "exit", 150, "P3")  # left in time; not in the country
    first = detect_overstays()
    # P1 overstays; P1 and P2 are both past the registration deadline with none made.
    assert (first.in_country, first.created) == (2, 3)
    violation = Violation.objects.get(type="overstay")
    assert violation.facts["overstay_days"] == 31
    assert violation.stay_start == timezone.localdate() - dt.timedelta(days=120)
    assert Violation.objects.filter(type="unregistered_stay").count() == 2
    again = detect_overstays()
    assert (again.created, again.updated, again.resolved) == (0, 0, 0)
    later = detect_overstays(on=timezone.localdate() + dt.timedelta(days=2))
    # Only the overstay grows; an ongoing unregistered stay's facts do not change daily.
    assert (later.created, later.updated) == (0, 1)
    assert Violation.objects.get(type="overstay").facts["overstay_days"] == 33
    # One audit entry for the chunk of created findings, listing them.
    entries = AuditEntry.objects.filter(object_type="stays.violation")
    assert entries.count() == 1
    assert len(entries.get().changes["created"][1]) == 3


def test_unregistered_stay_facts_and_the_registration_rule(border_officer: Any) -> None:
    _cross(border_officer, "u-in", "entry", 20, "U1")
    sweep_full()
    finding = Violation.objects.get(type="unregistered_stay")
    since = timezone.localdate() - dt.timedelta(days=20)
    # RUS: 15 days to register; the 16th day in the country is the first late day.
    assert finding.facts == {
        "deadline": (since + dt.timedelta(days=15)).isoformat(),
        "ended_on": None,
    }
    assert (
        unregistered_days_compute(
            nationalities=["RUS"], since=since, on=timezone.localdate(), registered=False
        )
        == 5
    )
    assert (
        unregistered_days_compute(
            nationalities=["KAZ"], since=since, on=timezone.localdate(), registered=False
        )
        == 0
    )


def test_a_late_exit_resolves_the_overstay_and_the_incremental_run_sees_it(
    border_officer: Any,
) -> None:
    _cross(border_officer, "l-in", "entry", 100, "L1")
    sweep_full()
    overstay = Violation.objects.get(type="overstay")
    assert overstay.status == "open" and overstay.facts["overstay_days"] == 11
    # The border system sends the exit of 30 days ago only now: there was no overstay.
    _cross(border_officer, "l-out", "exit", 30, "L1")
    result = sweep_incremental()
    assert result.mode == "incremental" and result.resolved >= 1
    overstay.refresh_from_db()
    assert overstay.status == "resolved"
    assert overstay.facts["resolved_reason"] == "within_limit"
    assert overstay.facts["overstay_days"] == 11  # what was found stays on record
    unregistered = Violation.objects.get(type="unregistered_stay")
    assert unregistered.status == "open"  # the stay of 71 days was never registered
    assert (
        unregistered.facts["ended_on"] == (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    )
    assert not PersonStay.objects.exists()
    assert Violation.objects.count() == 2  # never deleted
    # A full sweep agrees and changes nothing.
    again = sweep_full()
    assert (again.created, again.updated, again.resolved, again.reopened) == (0, 0, 0, 0)


def test_a_permit_recorded_later_resolves_and_its_revocation_reopens(
    border_officer: Any,
) -> None:
    from umis.registry.models import Person
    from umis.stays.models import PermitPeriod

    _cross(border_officer, "p-in", "entry", 100, "R1")
    sweep_full()
    person = Person.objects.get(documents__number="R1")
    permit = PermitPeriod.objects.create(
        person=person,
        kind="residence_temporary",
        number="TRP-1",
        valid_from=timezone.localdate() - dt.timedelta(days=95),
        valid_to=timezone.localdate() + dt.timedelta(days=300),
    )
    sweep_incremental()
    overstay = Violation.objects.get(type="overstay")
    assert overstay.status == "resolved"
    permit.revoked_at = timezone.now()
    permit.save()
    result = sweep_incremental()
    overstay.refresh_from_db()
    assert result.reopened == 1 and overstay.status == "open"
    assert "resolved_reason" not in overstay.facts


def test_a_closed_finding_is_never_touched(border_officer: Any) -> None:
    _cross(border_officer, "k-in", "entry", 100, "K1")
    sweep_full()
    Violation.objects.filter(type="overstay").update(status="closed")
    before = Violation.objects.get(type="overstay").facts
    sweep_full(on=timezone.localdate() + dt.timedelta(days=3))
    closed = Violation.objects.get(type="overstay")
    assert closed.status == "closed" and closed.facts == before


def test_the_incremental_run_only_evaluates_who_may_have_changed(border_officer: Any) -> None:
    _cross(border_officer, "i1", "entry", 10, "I1")  # registration due in 6 days
    _cross(border_officer, "i2", "entry", 3, "I2")
    _cross(border_officer, "i3", "entry", 40, "I3")
    _cross(border_officer, "i3-out", "exit", 20, "I3")
    sweep_full()
    assert PersonStay.objects.count() == 2
    quiet = sweep_incremental()
    assert quiet.checked == 0
    _cross(border_officer, "i4", "entry", 1, "I4")
    one = sweep_incremental()
    assert one.checked == 1 and PersonStay.objects.count() == 3
    # Six days on, I1 is past the registration deadline: due without any new data.
    due = sweep_incremental(on=timezone.localdate() + dt.timedelta(days=6))
    assert due.created == 1
    assert (
        Violation.objects.get().facts["deadline"]
        == (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    )


def test_the_periodic_run_is_full_once_a_day_then_incremental(border_officer: Any) -> None:
    _cross(border_officer, "s-in", "entry", 5, "S1")
    assert stay_sweep_run().mode == "full"
    assert stay_sweep_run().mode == "incremental"
    assert SweepState.objects.get().last_full_on == timezone.localdate()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL")
def test_a_second_sweep_skips_while_another_holds_the_lock(border_officer: Any) -> None:
    import psycopg

    from umis.stays.sweeps import LOCK_KEY

    _cross(border_officer, "x-in", "entry", 100, "X1")
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        assert sweep_full().skipped and not Violation.objects.exists()
        other.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        assert not sweep_full().skipped and Violation.objects.exists()
    finally:
        other.close()


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


# --------------------------------------------------------------------------- equivalence


def _random_track(rng: random.Random, on: dt.date) -> list[int]:
    """Signed day ordinals over the last ~2 years, with the odd anomaly (an exit without
    entry, a second entry, same-day and next-day re-entries)."""
    day = on.toordinal() - rng.randint(30, 720)
    track: list[int] = []
    inside = False
    while day <= on.toordinal():
        if rng.random() < 0.05:
            track.append(-day if rng.random() < 0.5 else day)  # anomaly
        inside = not inside
        track.append(day if inside else -day)
        day += rng.choice([0, 1, rng.randint(1, 20), rng.randint(20, 120)])
    return track


def _random_rights(rng: random.Random, on: dt.date) -> list[StayRight]:
    rights: list[StayRight] = []
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        start = on - dt.timedelta(days=rng.randint(0, 400))
        if rng.random() < 0.5:
            end = None if rng.random() < 0.2 else start + dt.timedelta(days=rng.randint(1, 300))
            rights.append(StayRight(kind="permit", valid_from=start, valid_to=end))
        else:
            rights.append(
                StayRight(
                    kind="visa",
                    valid_from=start,
                    valid_to=start + dt.timedelta(days=rng.randint(10, 200)),
                    max_stay_days=rng.choice([None, 30, 90]),
                    max_entries=rng.choice([None, 1, 2]),
                )
            )
    return rights


def test_evaluation_equals_stay_status_compute_and_survives_truncation(reference: None) -> None:
    """The fast path and the truncated tracks PostgreSQL sends give the same findings as
    stay_status_compute over all crossings (randomised, 1,500 persons)."""
    from umis.stays.sweeps import _crossings, _window

    rng = random.Random(7)
    on = dt.date(2026, 6, 15)
    nationalities = [["RUS"], ["GEO", "IRN"], ["QAT"], ["IRN"], ["CHN"], []]
    for n in range(1500):
        track = _random_track(rng, on)
        nats = rng.choice(nationalities)
        rights = _random_rights(rng, on)
        subject = Subject(uuid.uuid4(), track, nats, rights)
        outcome = evaluate_person(subject, on, BAKU)
        assert not outcome.needs_history
        status = stay_status_compute(
            crossings=_crossings(track, BAKU), nationalities=nats, rights=rights, on=on
        )
        assert outcome.since == status.since, (n, track)
        found = outcome.findings.get(("overstay", status.since)) if status.since else None
        if status.overstay_days > 0 and status.since is not None:
            assert found is not None and found["overstay_days"] == status.overstay_days
            assert found["permitted_until"] == (
                status.permitted_until.isoformat() if status.permitted_until else None
            )
        else:
            assert found is None, (n, track, nats, rights)
        if outcome.recheck_on is not None and status.since is not None and not found:
            # Nothing can change before the recheck day: the day before it is still fine.
            before = outcome.recheck_on - dt.timedelta(days=1)
            if before > on:
                extended = [*track]
                later = stay_status_compute(
                    crossings=_crossings(extended, BAKU),
                    nationalities=nats,
                    rights=rights,
                    on=before,
                )
                assert later.overstay_days == 0, (n, track, nats, rights, before)
        # The same person as PostgreSQL sends them: crossings since the cut, plus the
        # last one before it when it is an entry.
        cut = on.toordinal() - 2 * _window(on) - 2
        recent = [v for v in track if abs(v) >= cut]
        earlier = [v for v in track if abs(v) < cut]
        truncated = ([earlier[-1]] if earlier and earlier[-1] > 0 else []) + recent
        partial = Subject(uuid.uuid4(), truncated, nats, rights, complete=not earlier, cut=cut)
        again = evaluate_person(partial, on, BAKU)
        if not again.needs_history:
            assert (again.since, again.findings) == (outcome.since, outcome.findings)


def _scenario(rng: random.Random, persons: list[Any], days: int) -> list[list[tuple[Any, ...]]]:
    """Per simulated day: the crossings, late crossings, registrations and permits the
    systems send that day."""
    actions: list[list[tuple[Any, ...]]] = []
    inside = {p: rng.random() < 0.5 for p in persons}
    for day in range(days):
        today: list[tuple[Any, ...]] = []
        for person in persons:
            roll = rng.random()
            if roll < 0.08:
                inside[person] = not inside[person]
                today.append(("event", person, "entry" if inside[person] else "exit", day))
            elif roll < 0.10:
                late = rng.choice(["entry", "exit"])
                today.append(("event", person, late, day - rng.randint(1, 60)))
            elif roll < 0.115:
                today.append(("registration", person, day - rng.randint(0, 20)))
            elif roll < 0.125:
                today.append(("permit", person, day - rng.randint(0, 60), rng.randint(5, 90)))
        actions.append(today)
    return actions


def _play(
    actions: list[list[tuple[Any, ...]]], start: dt.date, sweep: Any, point: Any, city: Any
) -> list[set[tuple[Any, ...]]]:
    from umis.border.models import BorderEvent
    from umis.stays.models import PermitPeriod, Registration

    snapshots = []
    serial = 0
    for index, today in enumerate(actions):
        on = start + dt.timedelta(days=index)
        for action in today:
            serial += 1
            if action[0] == "event":
                _, person, direction, day = action
                moment = dt.datetime.combine(
                    start + dt.timedelta(days=day), dt.time(serial % 24, serial % 60), BAKU
                )
                BorderEvent.objects.create(
                    event_id=f"sim-{serial}",
                    direction=direction,
                    occurred_at=moment,
                    crossing_point=point,
                    document_type="passport",
                    document_number=f"N{serial}",
                    document_issuing_state="RUS",
                    family_name="SIM",
                    birth_date="1980",
                    sex="M",
                    nationality="RUS",
                    person=person,
                    link_method="document",
                )
            elif action[0] == "registration":
                _, person, day = action
                Registration.objects.create(
                    person=person,
                    region=city.region,
                    city=city,
                    street="1 Nizami",
                    arrival_date=start + dt.timedelta(days=day),
                    valid_until=start + dt.timedelta(days=day + 90),
                    status="ended",
                )
            else:
                _, person, day, length = action
                PermitPeriod.objects.create(
                    person=person,
                    kind="residence_temporary",
                    number=f"T{serial}",
                    valid_from=start + dt.timedelta(days=day),
                    valid_to=start + dt.timedelta(days=day + length),
                )
        sweep(on)
        snapshots.append(_snapshot())
    return snapshots


def test_incremental_day_by_day_equals_full_day_by_day(reference: None) -> None:
    """Randomised: the same days of border events, late events, registrations and permits
    played twice, once with the incremental sweep and once with the full one every day,
    give the same findings every day; and a deep full sweep after the incremental run
    changes nothing."""
    from umis.border.models import BorderEvent
    from umis.core.models import City, CrossingPoint
    from umis.registry.demo import demo_data_generate
    from umis.registry.models import Nationality, Person
    from umis.stays.models import PermitPeriod, Registration

    demo_data_generate(40, seed=3)
    persons = list(Person.objects.order_by("id"))
    # Mostly visa-free nationals, so that overstays happen.
    for person in persons[:30]:
        Nationality.objects.filter(person=person).update(country_id="RUS")
    point = CrossingPoint.objects.get(code="ROAD-SAMUR")
    city = City.objects.select_related("region").first()
    rng = random.Random(11)
    days = 150
    start = timezone.localdate() - dt.timedelta(days=days + 5)
    # Long stays: start half of them inside with an old entry.
    actions = _scenario(rng, persons, days)
    for person in persons[::2]:
        actions[0].insert(0, ("event", person, "entry", -rng.randint(0, 80)))

    incremental = _play(actions, start, lambda on: sweep_incremental(on=on), point, city)
    assert any(v for v in incremental[-1])
    kinds = {v[1] for v in incremental[-1]}
    statuses = {v[3] for snapshot in incremental for v in snapshot}
    assert kinds == {"overstay", "unregistered_stay"} and "resolved" in statuses
    with transaction.atomic():
        check = sweep_full(on=start + dt.timedelta(days=days - 1), deep=True)
        assert (check.created, check.updated, check.resolved, check.reopened) == (0, 0, 0, 0)
        transaction.set_rollback(True)

    Violation.objects.all().delete()
    PersonStay.objects.all().delete()
    SweepState.objects.all().delete()
    BorderEvent.objects.all().delete()
    Registration.objects.all().delete()
    PermitPeriod.objects.all().delete()
    full = _play(actions, start, lambda on: sweep_full(on=on), point, city)
    for day, (a, b) in enumerate(zip(incremental, full, strict=True)):
        assert a == b, (day, a ^ b)


def test_the_pure_registration_rule_equals_registrations_unregistered_days(
    reference: None,
) -> None:
    """The sweep's bulk rule decides as registrations.unregistered_days does (a person
    with no registration), over nationalities with different terms and policy dates."""
    from umis.stays.registrations import unregistered_days

    rng = random.Random(5)
    for _ in range(300):
        nats = rng.choice([["RUS"], ["KAZ"], ["KAZ", "RUS"], [], ["TUR"]])
        since = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
        on = since + dt.timedelta(days=rng.randint(0, 60))
        expected = unregistered_days(person_id=uuid.uuid4(), nationalities=nats, since=since, on=on)
        assert (
            unregistered_days_compute(nationalities=nats, since=since, on=on, registered=False)
            == expected
        ), (nats, since, on)
