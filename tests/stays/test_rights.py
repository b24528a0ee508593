"""Stay rights: the visa rule (pure, against a day-by-day reference), the stay status with
visas and permits, the recording services, the bulk selector, the API and the pages."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from umis.border.services import border_events_ingest
from umis.core.errors import ValidationFailed
from umis.core.models import AuditEntry
from umis.stays import rights, rules
from umis.stays.models import PermitPeriod, Visa
from umis.stays.selectors import StayRight, stay_rights_of, stay_status_compute

BAKU = ZoneInfo("Asia/Baku")
ONE = timedelta(days=1)


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(day: date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=BAKU)


def crossings(*stays: tuple[date, date | None]) -> list[tuple[str, dt.datetime]]:
    out: list[tuple[str, dt.datetime]] = []
    for entry, exit_ in stays:
        out.append(("entry", at(entry, 10)))
        if exit_ is not None:
            out.append(("exit", at(exit_, 18)))
    return out


def visa(
    start: str | date,
    end: str | date,
    *,
    days: int | None = None,
    entries: int | None = 1,
    total: bool = False,
    number: str = "V1",
    kind: str = "visa",
) -> StayRight:
    return StayRight(
        kind=kind,
        valid_from=d(start) if isinstance(start, str) else start,
        valid_to=d(end) if isinstance(end, str) else end,
        max_stay_days=days,
        legal_ref="visa ref",
        max_entries=entries,
        stay_days_total=total,
        number=number,
    )


def permit(start: date, end: date | None, number: str = "P1") -> StayRight:
    return StayRight(
        kind="permit",
        valid_from=start,
        valid_to=end,
        legal_ref="permit ref",
        number=number,
        status="residence_temporary",
    )


# --------------------------------------------------------------------------- the visa rule


def test_e_visa_allows_thirty_days_from_the_entry_within_its_validity() -> None:
    terms = rules.VisaTerms(d("2026-03-01"), d("2026-05-29"), max_entries=1, stay_days=30)
    stays = [rules.Stay(d("2026-05-20"))]
    # Entered late in the validity: the validity ends first.
    assert rules.visa_until(terms, stays, on=d("2026-05-25")) == d("2026-05-29")
    stays = [rules.Stay(d("2026-03-10"))]
    assert rules.visa_until(terms, stays, on=d("2026-03-15")) == d("2026-04-08")


def test_single_entry_visa_does_not_cover_a_second_entry() -> None:
    terms = rules.VisaTerms(d("2026-03-01"), d("2026-05-29"), max_entries=1, stay_days=30)
    stays = [rules.Stay(d("2026-03-10"), d("2026-03-12")), rules.Stay(d("2026-04-01"))]
    assert rules.visa_until(terms, stays, on=d("2026-04-02")) is None
    double = rules.VisaTerms(d("2026-03-01"), d("2026-05-29"), max_entries=2, stay_days=30)
    assert rules.visa_until(double, stays, on=d("2026-04-02")) == d("2026-04-30")


def test_multiple_entry_visa_counts_the_stay_from_each_entry() -> None:
    terms = rules.VisaTerms(d("2026-01-01"), d("2026-12-31"), max_entries=None, stay_days=30)
    stays = [rules.Stay(d("2026-02-01"), d("2026-02-25")), rules.Stay(d("2026-06-01"))]
    assert rules.visa_until(terms, stays, on=d("2026-06-10")) == d("2026-06-30")
    total = rules.VisaTerms(d("2026-01-01"), d("2026-12-31"), stay_days=30, stay_days_total=True)
    # 25 days used in February: 5 left from the June entry.
    assert rules.visa_until(total, stays, on=d("2026-06-10")) == d("2026-06-05")
    spent = [rules.Stay(d("2026-02-01"), d("2026-03-15")), rules.Stay(d("2026-06-01"))]
    assert rules.visa_until(total, spent, on=d("2026-06-10")) is None


def test_visa_not_valid_on_the_entry_day_does_not_cover_the_stay() -> None:
    terms = rules.VisaTerms(d("2026-03-01"), d("2026-03-31"), stay_days=10)
    assert rules.visa_until(terms, [rules.Stay(d("2026-02-27"))], on=d("2026-03-05")) is None
    # Not in the country: "if they entered today".
    assert rules.visa_until(terms, [], on=d("2026-03-25")) == d("2026-03-31")
    assert rules.visa_until(terms, [], on=d("2026-04-01")) is None
    with pytest.raises(ValueError):
        rules.VisaTerms(d("2026-03-02"), d("2026-03-01"))
    with pytest.raises(ValueError):
        rules.VisaTerms(d("2026-03-01"), d("2026-03-02"), stay_days=0)


def ref_visa_last_day(
    terms: rules.VisaTerms, stays: list[tuple[int, int | None]], on: int
) -> int | None:
    """Day by day on ordinals, sharing no code with the engine."""
    covering = [e for e, x in stays if e <= on and (x is None or x >= on)]
    entry = max(covering) if covering else on
    lo, hi = terms.valid_from.toordinal(), terms.valid_to.toordinal()
    earlier_days = set()
    for e, x in stays:
        if e < entry:
            for day in range(e, (entry - 1 if x is None else min(x, entry - 1)) + 1):
                if lo <= day <= hi:
                    earlier_days.add(day)
    earlier_entries = sum(1 for e, _x in stays if lo <= e < entry)

    def allowed(day: int) -> bool:
        if not lo <= entry <= hi or day > hi:
            return False
        if terms.max_entries is not None and earlier_entries + 1 > terms.max_entries:
            return False
        if terms.stay_days is None:
            return True
        if terms.stay_days_total:
            return len(earlier_days) + (day - entry + 1) <= terms.stay_days
        return day - entry + 1 <= terms.stay_days

    last = None
    day = entry
    while allowed(day):
        last = day
        day += 1
    return last


BASE = date(2026, 1, 1).toordinal()


@st.composite
def stay_lists(draw: Any) -> tuple[list[tuple[int, int | None]], int]:
    n = draw(st.integers(0, 4))
    stays: list[tuple[int, int | None]] = []
    cursor = BASE + draw(st.integers(0, 60))
    for i in range(n):
        length = draw(st.integers(0, 60))
        exit_: int | None = cursor + length
        if i == n - 1 and draw(st.booleans()):
            exit_ = None
        stays.append((cursor, exit_))
        if exit_ is None:
            break
        cursor = exit_ + draw(st.integers(1, 60))
    on = BASE + draw(st.integers(0, 400))
    # Only what the border has seen by `on`.
    seen = [(e, x if x is None or x <= on else None) for e, x in stays if e <= on]
    return seen, on


visa_terms = st.builds(
    lambda start, length, entries, days, total: rules.VisaTerms(
        date.fromordinal(BASE + start),
        date.fromordinal(BASE + start + length),
        entries,
        days,
        total,
    ),
    st.integers(-30, 380),
    st.integers(0, 200),
    st.sampled_from([1, 2, None]),
    st.one_of(st.none(), st.integers(1, 90)),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(data=stay_lists(), terms=visa_terms)
def test_visa_until_matches_a_day_by_day_reference(
    data: tuple[list[tuple[int, int | None]], int], terms: rules.VisaTerms
) -> None:
    stays, on = data
    engine = rules.visa_until(
        terms,
        [
            rules.Stay(date.fromordinal(e), None if x is None else date.fromordinal(x))
            for e, x in stays
        ],
        on=date.fromordinal(on),
    )
    expected = ref_visa_last_day(terms, stays, on)
    assert engine == (None if expected is None else date.fromordinal(expected))


@settings(max_examples=150, deadline=None)
@given(data=stay_lists(), visas=st.lists(visa_terms, max_size=3))
def test_stay_status_of_a_visa_national_matches_the_reference(
    data: tuple[list[tuple[int, int | None]], int], visas: list[rules.VisaTerms]
) -> None:
    """A national without a visa-free regime: the latest day any visa allows caps the
    stay; overstay days are the days of the current stay after it."""
    stays, on = data
    rights_ = [
        StayRight(
            "visa",
            t.valid_from,
            t.valid_to,
            t.stay_days,
            "ref",
            t.max_entries,
            t.stay_days_total,
            number=f"V{i}",
        )
        for i, t in enumerate(visas)
    ]
    status = stay_status_compute(
        crossings=crossings(
            *[(date.fromordinal(e), None if x is None else date.fromordinal(x)) for e, x in stays]
        ),
        nationalities=["DEU"],
        rights=rights_,
        on=date.fromordinal(on),
    )
    ends = [ref_visa_last_day(t, stays, on) for t in visas]
    cap = max((e for e in ends if e is not None), default=None)
    if cap is None:
        assert status.basis == "unknown" and status.permitted_until is None
        return
    assert status.basis == "visa"
    assert status.permitted_until == date.fromordinal(cap)
    assert status.right is not None and ends[int(status.right.number[1:])] == cap
    present = set()
    for e, x in stays:
        present.update(range(e, (on if x is None else min(x, on)) + 1))
    run_start = on
    while run_start - 1 in present:
        run_start -= 1
    expected_overstay = (
        sum(1 for day in range(run_start, on + 1) if day > cap) if on in present else 0
    )
    assert status.overstay_days == expected_overstay


# --------------------------------------------------------------------------- the stay status


ON = d("2026-06-15")


def test_visa_national_on_an_e_visa() -> None:
    entry = ON - 9 * ONE
    status = stay_status_compute(
        crossings=crossings((entry, None)),
        nationalities=["DEU"],
        rights=[visa(entry - 5 * ONE, entry + 84 * ONE, days=30, kind="e_visa", number="EV9")],
        on=ON,
    )
    assert (status.basis, status.permitted_until, status.days_left) == (
        "visa",
        entry + 29 * ONE,
        20,
    )
    assert status.right is not None and status.right.number == "EV9"
    assert status.legal_ref == "visa ref" and status.overstay_days == 0
    # Without the e-visa the basis is unknown and nothing is counted as an overstay.
    bare = stay_status_compute(
        crossings=crossings((entry, None)), nationalities=["DEU"], rights=[], on=ON
    )
    assert (bare.basis, bare.overstay_days, bare.right) == ("unknown", 0, None)


def test_visa_national_overstaying_an_e_visa() -> None:
    entry = ON - 39 * ONE
    status = stay_status_compute(
        crossings=crossings((entry, None)),
        nationalities=["DEU"],
        rights=[visa(entry, entry + 89 * ONE, days=30)],
        on=ON,
    )
    assert status.permitted_until == entry + 29 * ONE
    assert status.overstay_days == 10 and status.days_left == 0


def test_a_visa_extends_a_visa_free_stay_but_never_shortens_it() -> None:
    entry = ON - 99 * ONE
    longer = stay_status_compute(
        crossings=crossings((entry, None)),
        nationalities=["RUS"],
        rights=[visa(entry, entry + 365 * ONE, days=120, number="LONG")],
        on=ON,
    )
    assert (longer.basis, longer.permitted_until, longer.overstay_days) == (
        "visa",
        entry + 119 * ONE,
        0,
    )
    shorter = stay_status_compute(
        crossings=crossings((entry, None)),
        nationalities=["RUS"],
        rights=[visa(entry, entry + 365 * ONE, days=30)],
        on=ON,
    )
    plain = stay_status_compute(
        crossings=crossings((entry, None)), nationalities=["RUS"], rights=[], on=ON
    )
    assert shorter.basis == "visa_free_rolling" and shorter.right is None
    assert shorter.permitted_until == plain.permitted_until == entry + 89 * ONE
    assert shorter.overstay_days == plain.overstay_days == 10


def test_permit_covering_today_lifts_the_limit() -> None:
    entry = ON - 300 * ONE
    status = stay_status_compute(
        crossings=crossings((entry, None)),
        nationalities=["GEO"],
        rights=[permit(entry + 10 * ONE, ON + 30 * ONE)],
        on=ON,
    )
    # After the permit, a visa-free national still has the days the window allows:
    # only the day after the permit counts, so 89 more days follow it.
    assert status.basis == "permit" and status.right is not None
    assert status.permitted_until == ON + 120 * ONE
    assert status.legal_ref == "permit ref" and status.overstay_days == 0
    visa_national = stay_status_compute(
        crossings=crossings((entry, None)),
        nationalities=["DEU"],
        rights=[permit(entry, ON + 30 * ONE), permit(ON + 31 * ONE, None, "P2")],
        on=ON,
    )
    # A renewal that follows without a gap continues the period: open-ended.
    assert (visa_national.basis, visa_national.permitted_until) == ("permit", None)


def test_a_visa_national_whose_permit_ended_during_the_stay_overstays() -> None:
    entry = ON - 400 * ONE
    status = stay_status_compute(
        crossings=crossings((entry, None)),
        nationalities=["DEU"],
        rights=[permit(entry + 5 * ONE, ON - 5 * ONE)],
        on=ON,
    )
    assert (status.basis, status.permitted_until, status.overstay_days) == (
        "permit",
        ON - 5 * ONE,
        5,
    )


# --------------------------------------------------------------------------- services


@pytest.fixture
def border_officer(make_staff: Any) -> Any:
    return make_staff("border_officer")


_GIVEN = [
    "ANNA",
    "BIRGIT",
    "CLAUDIA",
    "DORIS",
    "ERIKA",
    "FRIEDA",
    "GERDA",
    "HELGA",
    "INGRID",
    "JUTTA",
]


def _arrive(actor: Any, days_ago: int, number: str, nationality: str = "DEU") -> str:
    report = border_events_ingest(
        actor=actor,
        events=[
            {
                "event_id": f"in-{number}-{days_ago}",
                "direction": "entry",
                "occurred_at": (timezone.now() - dt.timedelta(days=days_ago)).isoformat(),
                "crossing_point": "AIR-GYD",
                "document_number": number,
                "document_issuing_state": nationality,
                "family_name": "MUELLER",
                # Distinct real names: travellers alike in everything but the passport
                # number would (rightly) be linked by the identity matcher.
                "given_names": _GIVEN[int(number[-2:]) % len(_GIVEN)],
                "birth_date": "1985-05-05",
                "sex": "F",
                "nationality": nationality,
                "visa_number": "EVNOTRECORDED",
            }
        ],
    )
    assert report.results[0].status == "created", report.results[0].errors
    return str(report.results[0].person_id)


def _e_visa(person_id: str, number: str = "EV100", **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "kind": "e_visa",
        "number": number,
        "valid_from": (today - timedelta(days=20)).isoformat(),
        "person_id": person_id,
        "issued_by": "ASAN Visa",
        **extra,
    }


@pytest.mark.django_db
def test_recording_an_e_visa_after_the_border_event_applies_it(
    officer: Any, border_officer: Any
) -> None:
    pid = _arrive(border_officer, 10, "C01X00T47")
    results = rights.visas_record(actor=officer, items=[_e_visa(pid)], source="ASAN Visa")
    assert results[0].status == "created", results[0].errors
    stored = Visa.objects.get()
    today = timezone.localdate()
    # Validity, entries and duration of stay come from the policy pack.
    assert stored.valid_to == today - timedelta(days=20) + timedelta(days=89)
    assert (stored.entries, stored.stay_days) == ("single", 30)
    held = rights.person_stay_rights(actor=officer, person_id=stored.person_id)
    assert held.status.basis == "visa" and held.applies == stored.pk
    assert held.status.permitted_until == today - timedelta(days=10) + timedelta(days=29)
    assert "38" in held.status.legal_ref  # the e-visa rule's legal reference
    assert AuditEntry.objects.filter(object_type="stays.visa", person_id=pid).count() == 1


@pytest.mark.django_db
def test_visa_batch_is_idempotent_and_updates_with_audit(officer: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 3, "C01X00T48")
    item = _e_visa(pid)
    first = rights.visas_record(actor=officer, items=[item], source="ASAN Visa")
    again = rights.visas_record(actor=officer, items=[item], source="ASAN Visa")
    changed = rights.visas_record(
        actor=officer, items=[{**item, "stay_days": 15}], source="ASAN Visa"
    )
    assert [first[0].status, again[0].status, changed[0].status] == [
        "created",
        "unchanged",
        "updated",
    ]
    assert Visa.objects.count() == 1 and Visa.objects.get().stay_days == 15
    update = AuditEntry.objects.get(object_type="stays.visa", action="update")
    assert update.changes == {"stay_days": [30, 15]}


@pytest.mark.django_db
def test_bad_visa_items_are_reported_by_field_and_change_nothing(
    officer: Any, border_officer: Any
) -> None:
    pid = _arrive(border_officer, 3, "C01X00T49")
    other = _arrive(border_officer, 3, "C01X00T50")
    rights.visas_record(actor=officer, items=[_e_visa(pid, "EVTAKEN")], source="ASAN Visa")
    today = timezone.localdate()
    items = [
        _e_visa(pid, "EVLONG", valid_to=(today + timedelta(days=200)).isoformat()),
        _e_visa(pid, "EVSTAY", stay_days=45),
        {"kind": "visa", "number": "V-1", "valid_from": "2026-05-01", "person_id": pid},
        {"kind": "tourist", "number": "", "valid_from": "soon", "person_id": pid},
        _e_visa(other, "EVTAKEN"),
        _e_visa("00000000-0000-0000-0000-000000000000", "EVNOBODY"),
        {
            "kind": "visa",
            "number": "V2",
            "valid_from": "2026-05-02",
            "valid_to": "2026-05-01",
            "person_id": pid,
        },
        _e_visa(pid, "EVOK"),
    ]
    results = rights.visas_record(actor=officer, items=items, source="ASAN Visa")
    fields = [{e.field for e in r.errors} for r in results]
    assert [r.status for r in results] == ["rejected"] * 7 + ["created"]
    assert fields[:7] == [
        {"valid_to"},
        {"stay_days"},
        {"valid_to"},
        {"kind", "number", "valid_from", "valid_to"},
        {"number"},
        {"person_id"},
        {"valid_to"},
    ]
    assert results[4].errors[0].code == "number_taken"
    assert set(Visa.objects.values_list("number", flat=True)) == {"EVTAKEN", "EVOK"}


@pytest.mark.django_db
def test_a_visa_names_its_holder_by_passport(officer: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 3, "C01X00T51")
    from umis.registry.models import Person

    persons = Person.objects.count()
    identity = {
        "document_number": "C01X00T51",
        "document_issuing_state": "DEU",
        "family_name": "MUELLER",
        "given_names": "C01X00T51",
        "birth_date": "1985-05-05",
        "sex": "F",
        "nationality": "DEU",
    }
    known = rights.visas_record(
        actor=officer,
        items=[{"kind": "e_visa", "number": "EVID1", "valid_from": "2026-01-01", **identity}],
        source="ASAN Visa",
    )
    assert known[0].status == "created" and str(known[0].person_id) == pid
    new = rights.visas_record(
        actor=officer,
        items=[
            {
                "kind": "e_visa",
                "number": "EVID2",
                "valid_from": "2026-01-01",
                **identity,
                "document_number": "C01X99999",
                "family_name": "SCHMIDT",
                "given_names": "ANNA",
            }
        ],
        source="ASAN Visa",
    )
    assert new[0].status == "created" and Person.objects.count() == persons + 1
    bad = rights.visas_record(
        actor=officer,
        items=[{"kind": "e_visa", "number": "EVID3", "valid_from": "2026-01-01"}],
        source="ASAN Visa",
    )
    assert {e.field for e in bad[0].errors} >= {"document_number", "nationality"}


@pytest.mark.django_db
def test_border_event_with_another_persons_visa_number_breaks_nothing(
    officer: Any, border_officer: Any
) -> None:
    owner = _arrive(border_officer, 5, "C01X00T52")
    rights.visas_record(actor=officer, items=[_e_visa(owner, "EVOWN")], source="ASAN Visa")
    report = border_events_ingest(
        actor=border_officer,
        events=[
            {
                "event_id": "in-other-visa",
                "direction": "entry",
                "occurred_at": (timezone.now() - dt.timedelta(days=2)).isoformat(),
                "crossing_point": "AIR-GYD",
                "document_number": "C01X00T53",
                "document_issuing_state": "DEU",
                "family_name": "OTHER",
                "birth_date": "1970",
                "sex": "M",
                "nationality": "DEU",
                "visa_number": "EVOWN",
            }
        ],
    )
    other = report.results[0].person_id
    assert other is not None
    held = rights.person_stay_rights(actor=officer, person_id=other)
    assert held.status.basis == "unknown" and held.visas == []


@pytest.mark.django_db
def test_visa_revoke_from_a_day(officer: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 10, "C01X00T54")
    rights.visas_record(actor=officer, items=[_e_visa(pid)], source="ASAN Visa")
    stored = Visa.objects.get()
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as exc:
        rights.visa_revoke(actor=officer, visa_id=stored.pk, reason="  ")
    assert exc.value.field_errors[0].field == "reason"
    rights.visa_revoke(actor=officer, visa_id=stored.pk, reason="fraud", effective_on=today)
    rights.visa_revoke(actor=officer, visa_id=stored.pk, reason="again")  # no change
    stored.refresh_from_db()
    assert (stored.revoked_on, stored.revoke_reason) == (today, "fraud")
    held = rights.person_stay_rights(actor=officer, person_id=stored.person_id)
    # Covered up to yesterday: today is the first day over.
    assert held.status.permitted_until == today - ONE and held.status.overstay_days == 1


@pytest.mark.django_db
def test_permit_periods_record_end_and_revoke(officer: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 200, "C01X00T55")
    today = timezone.localdate()
    period, status = rights.stay_permit_record(
        actor=officer,
        person_id=pid,
        kind="residence_temporary",
        number="TRP-2026-000001",
        valid_from=today - timedelta(days=190),
        valid_to=today + timedelta(days=100),
        source="TRP-2026-000001",
    )
    assert status == "created" and period.number == "TRP2026000001"
    same = rights.stay_permit_record(
        actor=officer,
        person_id=pid,
        kind="residence_temporary",
        number="TRP 2026 000001",
        valid_from=today - timedelta(days=190),
        valid_to=today + timedelta(days=100),
    )
    assert same == (period, "unchanged")
    held = rights.person_stay_rights(actor=officer, person_id=pid)
    assert (held.status.basis, held.applies) == ("permit", period.pk)
    assert held.status.permitted_until == today + timedelta(days=100)
    assert "43-46" in held.status.legal_ref
    with pytest.raises(ValidationFailed) as exc:
        rights.stay_permit_end(
            actor=officer, permit_id=period.pk, ended_on=today + timedelta(days=200), reason="x"
        )
    assert exc.value.field_errors[0].code == "after_end"
    rights.stay_permit_end(actor=officer, permit_id=period.pk, ended_on=today - ONE, reason="left")
    ended = rights.person_stay_rights(actor=officer, person_id=pid)
    assert (ended.status.basis, ended.status.permitted_until) == ("permit", today - ONE)
    assert ended.status.overstay_days == 1
    rights.stay_permit_revoke(actor=officer, permit_id=period.pk, reason="recorded in error")
    revoked = rights.person_stay_rights(actor=officer, person_id=pid)
    assert revoked.status.basis == "unknown"
    changes = list(
        AuditEntry.objects.filter(object_type="stays.permit_period")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert changes == ["create", "update", "update"]


@pytest.mark.django_db
def test_permit_validation_names_the_fields(officer: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        rights.stay_permit_record(
            actor=officer,
            person_id="00000000-0000-0000-0000-000000000000",  # type: ignore[arg-type]
            kind="holiday",
            number="",
            valid_from=d("2026-05-01"),
            valid_to=d("2026-04-01"),
        )
    assert {e.field for e in exc.value.field_errors} == {"person_id", "valid_to", "kind", "number"}
    assert not PermitPeriod.objects.exists()


@pytest.mark.django_db
def test_only_casework_records_rights(make_staff: Any) -> None:
    from umis.core.errors import Forbidden

    with pytest.raises(Forbidden):
        rights.visas_record(actor=make_staff("border_officer"), items=[], source="x")
    with pytest.raises(Forbidden):
        rights.person_stay_rights(actor=make_staff("analyst"), person_id=None)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_stay_rights_of_many_persons_in_one_query(officer: Any, border_officer: Any) -> None:
    today = timezone.localdate()
    pids = [_arrive(border_officer, 5, f"C01X0{i:04d}") for i in range(6)]
    for i, pid in enumerate(pids):
        rights.visas_record(actor=officer, items=[_e_visa(pid, f"EVB{i}")], source="ASAN Visa")
        rights.stay_permit_record(
            actor=officer, person_id=pid, kind="refugee", number=f"R{i}", valid_from=today
        )
    # Not relevant on `today`: a future visa, a long-expired one, a revoked permit.
    rights.visas_record(
        actor=officer,
        items=[
            _e_visa(pids[0], "EVFUTURE", valid_from=(today + ONE * 5).isoformat()),
            _e_visa(pids[0], "EVOLD", valid_from="2019-01-01"),
        ],
        source="ASAN Visa",
    )
    revoked, _status = rights.stay_permit_record(
        actor=officer, person_id=pids[1], kind="other", number="X1", valid_from=today
    )
    rights.stay_permit_revoke(actor=officer, permit_id=revoked.pk, reason="error")
    with CaptureQueriesContext(connection) as ctx:
        held = stay_rights_of([uuid.UUID(p) for p in pids], today)
    assert len(ctx.captured_queries) == 1
    assert all(len(held[uuid.UUID(p)]) == 2 for p in pids)
    assert {r.number for r in held[uuid.UUID(pids[0])]} == {"EVB0", "R0"}


# --------------------------------------------------------------------------- API


@pytest.fixture
def visa_system(officer: Any, token_client: Any) -> Any:
    return token_client(officer, ["stay_rights:write", "persons:read"])


@pytest.mark.django_db
def test_api_visa_batch_and_person_stay(visa_system: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 10, "C01X00T60")
    response = visa_system.post(
        "/api/v1/stays/visas",
        {"source": "ASAN Visa", "visas": [_e_visa(pid), {"kind": "e_visa", "number": "X"}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["results"][1]["errors"][0]["field"].startswith("visas.1.")
    stay = visa_system.get(f"/api/v1/persons/{pid}/stay").json()
    assert stay["basis"] == "visa" and stay["applies"]["number"] == "EV100"
    assert stay["applies"]["kind"] == "e_visa" and "38" in stay["applies"]["legal_ref"]
    listed = visa_system.get(f"/api/v1/persons/{pid}/stay-rights").json()
    assert listed["basis"] == "visa" and [v["number"] for v in listed["visas"]] == ["EV100"]
    visa_id = listed["visas"][0]["id"]
    revoked = visa_system.post(
        f"/api/v1/stays/visas/{visa_id}/revoke",
        {"reason": "annulled"},
        content_type="application/json",
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_on"]


@pytest.mark.django_db
def test_api_permits(visa_system: Any, border_officer: Any) -> None:
    pid = _arrive(border_officer, 10, "C01X00T61")
    payload = {
        "person_id": pid,
        "kind": "residence_permanent",
        "number": "PRP-1",
        "valid_from": "2026-01-01",
    }
    first = visa_system.post("/api/v1/stays/permits", payload, content_type="application/json")
    again = visa_system.post("/api/v1/stays/permits", payload, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "unchanged"
    bad = visa_system.post(
        "/api/v1/stays/permits", {**payload, "kind": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    stay = visa_system.get(f"/api/v1/persons/{pid}/stay").json()
    assert stay["basis"] == "permit" and stay["permitted_until"] is None
    pk = first.json()["id"]
    ended = visa_system.post(
        f"/api/v1/stays/permits/{pk}/end",
        {"ended_on": "2026-02-01", "reason": "cancelled"},
        content_type="application/json",
    )
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2026-02-01"
    revoked = visa_system.post(
        f"/api/v1/stays/permits/{pk}/revoke", {"reason": "error"}, content_type="application/json"
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


@pytest.mark.django_db
def test_api_needs_the_stay_rights_scope(officer: Any, token_client: Any) -> None:
    reader = token_client(officer, ["persons:read", "persons:write"])
    response = reader.post(
        "/api/v1/stays/visas",
        {"source": "x", "visas": [{"kind": "e_visa"}]},
        content_type="application/json",
    )
    assert response.status_code == 403 and "stay_rights:write" in response.json()["detail"]


# --------------------------------------------------------------------------- pages


@pytest.mark.django_db
def test_person_page_section_and_forms(
    officer: Any, border_officer: Any, session_client: Any
) -> None:
    pid = _arrive(border_officer, 10, "C01X00T70")
    client = session_client(officer)
    page = client.get(f"/office/persons/{pid}/")
    assert page.status_code == 200 and f"/office/persons/{pid}/stay-rights/" in page.text
    today = timezone.localdate()
    bad = client.post(
        f"/office/persons/{pid}/visas/new/",
        {
            "kind": "visa",
            "number": "V77",
            "valid_from": today.isoformat(),
            "stay_days_basis": "per_entry",
        },
    )
    assert bad.status_code == 422 and "valid_to" in bad.text  # an ordinary visa needs its end
    created = client.post(
        f"/office/persons/{pid}/visas/new/",
        {
            "kind": "e_visa",
            "number": "EV-777",
            "valid_from": (today - timedelta(days=15)).isoformat(),
            "stay_days_basis": "per_entry",
            "issued_by": "ASAN Visa",
        },
    )
    assert created.status_code == 302
    before = set(AuditEntry.objects.values_list("id", flat=True))
    fragment = client.get(f"/office/persons/{pid}/stay-rights/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "EV777" in fragment.text and "Applies now" in fragment.text
    # The page that loads the fragment has read the record: the fragment audits the
    # stay-rights read only, not a second read of the whole record.
    written = AuditEntry.objects.exclude(id__in=before)
    assert list(written.values_list("object_type", flat=True)) == ["stays.rights"]
    missing = client.get(f"/office/persons/{uuid.uuid4()}/stay-rights/", HTTP_HX_REQUEST="true")
    assert missing.status_code == 404
    permit_page = client.post(
        f"/office/persons/{pid}/permits/new/",
        {
            "kind": "residence_temporary",
            "number": "TRP9",
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=365)).isoformat(),
        },
    )
    assert permit_page.status_code == 302
    full = client.get(f"/office/persons/{pid}/stay-rights/")
    assert "TRP9" in full.text and "<html" in full.text
    detail = client.get(f"/office/persons/{pid}/")
    assert 'id="stay-right-number">TRP9<' in detail.text
    visa_pk = Visa.objects.get().pk
    cancelled = client.post(
        f"/office/persons/{pid}/visas/{visa_pk}/revoke/", {"reason": "annulled"}
    )
    assert cancelled.status_code == 302 and Visa.objects.get().revoked_on == today
    period = PermitPeriod.objects.get()
    ended = client.post(
        f"/office/persons/{pid}/permits/{period.pk}/end/",
        {"ended_on": (today + timedelta(days=10)).isoformat(), "reason": "left"},
    )
    assert ended.status_code == 302
    period.refresh_from_db()
    assert period.valid_to == today + timedelta(days=10)
