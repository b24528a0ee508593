"""Tests for umis.stays.rules: the stay-rule engine (presence, rolling window, overstays).

Pure Python, no database. Worked examples first, then hypothesis properties against an
independent brute-force implementation (``ref_*`` below) that recounts every window day by
day on date ordinals and shares no code with the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from umis.stays.rules import (
    Basis,
    Period,
    Permission,
    Stay,
    StayRuleParams,
    days_used,
    local_day,
    overstay_days,
    permitted_until,
    presence_days,
    stay_start,
    stays_from_moments,
)

EU = StayRuleParams(window_days=180, max_days=90)
BAKU = ZoneInfo("Asia/Baku")


def d(text: str) -> date:
    return date.fromisoformat(text)


def span(first: str, last: str) -> set[date]:
    return presence_days([Stay(d(first), d(last))], until=d(last))


# --------------------------------------------------------------------------- parameters


def test_params_validation() -> None:
    assert StayRuleParams(window_days=180, max_days=180).max_days == 180
    assert StayRuleParams(window_days=1, max_days=0).window_days == 1
    with pytest.raises(ValueError, match="window_days"):
        StayRuleParams(window_days=0, max_days=0)
    with pytest.raises(ValueError, match="max_days"):
        StayRuleParams(window_days=180, max_days=181)
    with pytest.raises(ValueError, match="max_days"):
        StayRuleParams(window_days=180, max_days=-1)
    with pytest.raises(TypeError):
        StayRuleParams(window_days=180, max_days=True)
    with pytest.raises(TypeError):
        StayRuleParams(window_days="180", max_days=90)  # type: ignore[arg-type]
    with pytest.raises(FrozenInstanceError):
        EU.max_days = 30  # type: ignore[misc]


def test_stay_and_period_validation() -> None:
    with pytest.raises(ValueError, match="before entry"):
        Stay(d("2026-01-02"), d("2026-01-01"))
    with pytest.raises(ValueError, match="before its start"):
        Period(d("2026-01-02"), d("2026-01-01"))
    with pytest.raises(TypeError, match="local_day"):
        Stay(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(TypeError):
        Period(d("2026-01-01"), datetime(2026, 1, 2, tzinfo=UTC))
    assert Period(d("2026-01-01")).covers(d("2099-12-31"))
    assert not Period(d("2026-01-01"), d("2026-01-31")).covers(d("2026-02-01"))


# --------------------------------------------------------------------------- time zones


def test_midnight_in_baku_versus_utc() -> None:
    moment = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)
    assert local_day(moment, "Asia/Baku") == d("2026-03-02")
    assert local_day(moment, BAKU) == d("2026-03-02")
    assert local_day(moment, "UTC") == d("2026-03-01")
    # In at 01:30 and out at 23:30 Baku time: one day in Baku, two days in UTC.
    entry_at, exit_at = moment, datetime(2026, 3, 2, 19, 30, tzinfo=UTC)
    in_baku = Stay.from_moments(entry_at, exit_at, "Asia/Baku")
    in_utc = Stay.from_moments(entry_at, exit_at, "UTC")
    assert in_baku == Stay(d("2026-03-02"), d("2026-03-02"))
    assert in_utc == Stay(d("2026-03-01"), d("2026-03-02"))
    assert len(presence_days([in_baku], until=d("2026-03-31"))) == 1
    assert len(presence_days([in_utc], until=d("2026-03-31"))) == 2


def test_local_day_rejects_naive_and_unknown_zones() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        local_day(datetime(2026, 3, 1, 21, 30), BAKU)
    with pytest.raises(ValueError, match="unknown time zone"):
        local_day(datetime(2026, 3, 1, tzinfo=UTC), "Asia/Nowhere")
    with pytest.raises(ValueError, match="no time zone"):
        Stay.from_moments(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2), BAKU)
    with pytest.raises(ValueError, match="no time zone"):
        stays_from_moments([(datetime(2026, 3, 1), None)], BAKU)


def test_stays_from_moments() -> None:
    utc = UTC  # a datetime.timezone, not a ZoneInfo: any tzinfo will do for the moments
    stays = stays_from_moments(
        [
            (datetime(2026, 1, 1, 20, 0, tzinfo=utc), datetime(2026, 1, 5, 8, 0, tzinfo=utc)),
            (datetime(2026, 2, 1, 8, 0, tzinfo=utc), None),
        ],
        "Asia/Baku",
    )
    assert stays == [Stay(d("2026-01-02"), d("2026-01-05")), Stay(d("2026-02-01"), None)]
    with pytest.raises(ValueError, match="before entry"):
        Stay.from_moments(
            datetime(2026, 1, 1, 12, tzinfo=utc), datetime(2026, 1, 1, 11, tzinfo=utc), BAKU
        )


# --------------------------------------------------------------------------- presence


def test_same_day_entry_and_exit_is_one_day() -> None:
    day = d("2026-05-05")
    assert presence_days([Stay(day, day)], until=day) == {day}
    stay = Stay.from_moments(
        datetime(2026, 5, 5, 6, 0, tzinfo=BAKU), datetime(2026, 5, 5, 22, 0, tzinfo=BAKU), BAKU
    )
    presence = presence_days([stay], until=d("2026-12-31"))
    assert presence == {day}
    assert days_used(presence, [], EU, on=day) == 1


def test_presence_merges_overlapping_unordered_and_open_stays() -> None:
    stays = [
        Stay(d("2026-01-10"), d("2026-01-12")),
        Stay(d("2026-01-01"), d("2026-01-11")),
        Stay(d("2026-01-20"), None),
        Stay(d("2026-03-01"), d("2026-03-05")),  # after ``until``: left out
    ]
    presence = presence_days(stays, until=d("2026-01-22"))
    assert presence == span("2026-01-01", "2026-01-12") | span("2026-01-20", "2026-01-22")
    assert presence_days([], until=d("2026-01-01")) == set()
    assert stay_start(presence, d("2026-01-11")) == d("2026-01-01")
    assert stay_start(presence, d("2026-01-22")) == d("2026-01-20")
    assert stay_start(presence, d("2026-01-15")) is None


# --------------------------------------------------------------------------- examples


def test_simple_ninety_day_stay() -> None:
    entry = d("2026-01-01")
    permission = permitted_until(
        span("2026-01-01", "2026-01-01"), [], EU, in_country_since=entry, today=entry
    )
    assert permission == Permission(
        until=d("2026-03-31"), basis=Basis.VISA_FREE_ROLLING, days_used=1, days_left=89
    )
    assert permission.basis == "visa_free_rolling"
    # Half-way through the stay nothing changes.
    presence = span("2026-01-01", "2026-02-14")
    half = permitted_until(presence, [], EU, in_country_since=entry, today=d("2026-02-14"))
    assert (half.until, half.days_used, half.days_left) == (d("2026-03-31"), 45, 45)


def test_exactly_ninety_days_then_exit() -> None:
    presence = span("2026-01-01", "2026-03-31")
    assert days_used(presence, [], EU, on=d("2026-03-31")) == 90
    assert overstay_days(presence, [], EU, on=d("2026-03-31")) == 0
    last = permitted_until(
        presence, [], EU, in_country_since=d("2026-01-01"), today=d("2026-03-31")
    )
    assert (last.until, last.days_left) == (d("2026-03-31"), 0)
    # Re-entry the next day is already one day too many: the last lawful day was the exit.
    back = permitted_until(
        presence, [], EU, in_country_since=d("2026-04-01"), today=d("2026-04-01")
    )
    assert (back.until, back.days_used, back.days_left) == (d("2026-03-31"), 91, 0)


def test_ninety_one_days_is_one_overstay_day() -> None:
    presence = span("2026-01-01", "2026-04-01")
    assert days_used(presence, [], EU, on=d("2026-04-01")) == 91
    assert overstay_days(presence, [], EU, on=d("2026-04-01")) == 1
    assert overstay_days(presence, [], EU, on=d("2026-03-31")) == 0
    assert overstay_days(presence, [], EU, on=d("2026-04-02")) == 0  # not present
    now = permitted_until(presence, [], EU, in_country_since=d("2026-01-01"), today=d("2026-04-01"))
    assert (now.until, now.days_used, now.days_left) == (d("2026-03-31"), 91, 0)


def test_two_stays_split_across_the_window_edge() -> None:
    first = span("2026-01-01", "2026-02-14")  # 45 days
    second = span("2026-07-01", "2026-07-10")  # 10 days
    presence = first | second
    # The window ending 2026-07-10 starts 2026-01-12: 34 days of the first stay are in it.
    assert days_used(presence, [], EU, on=d("2026-07-10")) == 34 + 10
    assert days_used(presence, [], EU, on=d("2026-07-11")) == 33 + 10  # not present that day
    assert days_used(presence, [], EU, on=d("2026-08-12")) == 1 + 10
    assert days_used(presence, [], EU, on=d("2026-08-13")) == 10


def test_re_entry_on_the_window_edge() -> None:
    presence = span("2026-01-01", "2026-03-31")  # the full 90 days
    refused = permitted_until(
        presence, [], EU, in_country_since=d("2026-06-29"), today=d("2026-06-29")
    )
    assert (refused.until, refused.days_used) == (d("2026-06-28"), 91)
    allowed = permitted_until(
        presence, [], EU, in_country_since=d("2026-06-30"), today=d("2026-06-30")
    )
    # Each new day replaces an old one until the old stay has left the window.
    assert (allowed.until, allowed.days_used) == (d("2026-09-27"), 90)


def test_leap_year_window_over_29_february() -> None:
    assert span("2028-02-28", "2028-03-01") == {d("2028-02-28"), d("2028-02-29"), d("2028-03-01")}
    entry = d("2028-01-01")
    presence = span("2028-01-01", "2028-06-30")  # 182 days in a leap year
    # The 180-day window ending 2028-06-30 starts 2028-01-03 (2026-01-02 in a common year).
    assert days_used(presence, [], EU, on=d("2028-06-30")) == 180
    assert days_used(span("2026-01-01", "2026-06-30"), [], EU, on=d("2026-06-30")) == 180
    assert days_used(presence | {d("2028-01-02")}, [], EU, on=d("2028-06-30")) == 180
    # 90 days from 1 January end on 30 March in a leap year, 31 March otherwise.
    leap = permitted_until({entry}, [], EU, in_country_since=entry, today=entry)
    common = permitted_until(
        {d("2026-01-01")}, [], EU, in_country_since=d("2026-01-01"), today=d("2026-01-01")
    )
    assert (leap.until, common.until) == (d("2028-03-30"), d("2026-03-31"))
    assert overstay_days(presence, [], EU, on=d("2028-03-31")) == 1


def test_permit_mid_stay_removes_exactly_its_days() -> None:
    presence = span("2026-01-01", "2026-05-31")  # 151 days
    permit = [Period(d("2026-02-01"), d("2026-03-31"))]  # 59 days
    assert days_used(presence, [], EU, on=d("2026-03-31")) == 90
    assert days_used(presence, permit, EU, on=d("2026-03-31")) == 31
    assert days_used(presence, permit, EU, on=d("2026-05-31")) == 151 - 59
    # Counted: January (31) and April-May; the 91st counted day is 30 May.
    assert overstay_days(presence, permit, EU, on=d("2026-05-31")) == 2
    assert overstay_days(presence, permit, EU, on=d("2026-05-29")) == 0
    during = permitted_until(
        presence, permit, EU, in_country_since=d("2026-01-01"), today=d("2026-03-15")
    )
    assert during == Permission(until=None, basis=Basis.PERMIT, days_used=31, days_left=None)
    after = permitted_until(
        presence, permit, EU, in_country_since=d("2026-01-01"), today=d("2026-04-01")
    )
    assert (after.until, after.basis, after.days_used) == (d("2026-05-29"), "visa_free_rolling", 32)
    # A permit that starts later in the current stay stops the clock when it starts.
    ahead = [Period(d("2026-03-01"), d("2026-03-10"))]
    future = permitted_until(
        span("2026-01-01", "2026-01-01"),
        ahead,
        EU,
        in_country_since=d("2026-01-01"),
        today=d("2026-01-01"),
    )
    assert future.until == d("2026-04-10")


def test_open_ended_permit() -> None:
    presence = span("2026-01-01", "2026-12-31")
    permit = [Period(d("2026-03-01"))]
    assert days_used(presence, permit, EU, on=d("2026-12-31")) == 0
    assert overstay_days(presence, permit, EU, on=d("2026-12-31")) == 0
    coming = [Period(d("2026-02-01"))]
    before = permitted_until(
        {d("2026-01-01")}, coming, EU, in_country_since=d("2026-01-01"), today=d("2026-01-01")
    )
    assert (before.until, before.basis, before.days_left) == (None, "visa_free_rolling", None)


def test_visa_until_caps_the_permission() -> None:
    entry = d("2026-01-01")
    capped = permitted_until(
        {entry}, [], EU, in_country_since=entry, today=entry, visa_until=d("2026-01-20")
    )
    assert capped == Permission(until=d("2026-01-20"), basis=Basis.VISA, days_used=1, days_left=19)
    long_visa = permitted_until(
        {entry}, [], EU, in_country_since=entry, today=entry, visa_until=d("2026-12-31")
    )
    assert (long_visa.until, long_visa.basis) == (d("2026-03-31"), Basis.VISA_FREE_ROLLING)
    presence = span("2026-01-01", "2026-01-25")
    assert overstay_days(presence, [], EU, on=d("2026-01-25"), visa_until=d("2026-01-20")) == 5
    late = permitted_until(
        presence, [], EU, in_country_since=entry, today=d("2026-01-25"), visa_until=d("2026-01-20")
    )
    assert (late.until, late.basis, late.days_left) == (d("2026-01-20"), Basis.VISA, 0)
    # A permit outranks the visa.
    permitted = permitted_until(
        presence,
        [Period(d("2026-01-10"))],
        EU,
        in_country_since=entry,
        today=d("2026-01-25"),
        visa_until=d("2026-01-20"),
    )
    assert (permitted.until, permitted.basis) == (None, Basis.PERMIT)


def test_max_days_equal_to_window_never_limits() -> None:
    params = StayRuleParams(window_days=30, max_days=30)
    presence = span("2026-01-01", "2026-12-31")
    assert overstay_days(presence, [], params, on=d("2026-12-31")) == 0
    result = permitted_until(
        presence, [], params, in_country_since=d("2026-01-01"), today=d("2026-12-31")
    )
    assert (result.until, result.days_used) == (None, 30)


def test_permitted_until_rejects_a_future_entry() -> None:
    with pytest.raises(ValueError, match="after today"):
        permitted_until(set(), [], EU, in_country_since=d("2026-01-02"), today=d("2026-01-01"))


# --------------------------------------------------------------------------- brute force
#
# Everything below is deliberately naive: day ordinals, plain loops, a full recount of
# every window. Complexity does not matter here, only obviousness.


def ref_presence(stays: Sequence[Stay], until: date) -> set[int]:
    days: set[int] = set()
    for stay in stays:
        last = until.toordinal() if stay.exit is None else min(stay.exit, until).toordinal()
        days.update(range(stay.entry.toordinal(), last + 1))
    return days


def ref_exempt(day: int, periods: Sequence[Period]) -> bool:
    return any(
        p.start.toordinal() <= day and (p.end is None or day <= p.end.toordinal()) for p in periods
    )


def ref_counted(present: set[int], periods: Sequence[Period]) -> set[int]:
    """The days that count: present and not exempt."""
    return {day for day in present if not ref_exempt(day, periods)}


def ref_count(counted: set[int], day: int, window: int) -> int:
    """The count for ``day``: counted days in ``[day - window + 1, day]``, one by one."""
    return sum(1 for o in range(day - window + 1, day + 1) if o in counted)


def ref_permitted(
    presence: set[int],
    periods: Sequence[Period],
    params: StayRuleParams,
    since: int,
    today: int,
    visa_until: int | None,
) -> tuple[int | None, str, int]:
    """(until, basis, days_used) by the definitions in permitted_until's docstring."""
    window, limit = params.window_days, params.max_days
    # The current stay goes on forever; materialise it far enough for every check below.
    horizon = (
        max(
            [today]
            + [p.start.toordinal() for p in periods]
            + [p.end.toordinal() for p in periods if p.end is not None]
        )
        + window
        + 2
    )
    counted = ref_counted(presence | set(range(since, horizon + window + 1)), periods)

    def count(day: int) -> int:
        return ref_count(counted, day, window)

    used = count(today)
    if ref_exempt(today, periods):
        return None, "permit", used
    rolling: int | None
    if used > limit:
        first = today
        while first > since and not ref_exempt(first - 1, periods) and count(first - 1) > limit:
            first -= 1
        rolling = first - 1
    else:
        rolling = None
        # After the horizon every window is all-exempt or all-counted: nothing changes.
        for day in range(today, horizon + 1):
            if count(day) > limit:
                rolling = day - 1
                break
    if visa_until is not None and (rolling is None or visa_until <= rolling):
        return visa_until, "visa", used
    return rolling, "visa_free_rolling", used


def ref_overstay(
    presence: set[int],
    periods: Sequence[Period],
    params: StayRuleParams,
    on: int,
    visa_until: int | None,
) -> int:
    if on not in presence:
        return 0
    first = on
    while first - 1 in presence:
        first -= 1
    counted = ref_counted(presence, periods)
    total = 0
    for day in range(first, on + 1):
        if ref_exempt(day, periods):
            continue
        over_limit = ref_count(counted, day, params.window_days) > params.max_days
        if over_limit or (visa_until is not None and day > visa_until):
            total += 1
    return total


# --------------------------------------------------------------------------- strategies

SPAN_DAYS = 730  # stays fall within about two years from the scenario's base day


@st.composite
def rule_params(draw: st.DrawFn) -> StayRuleParams:
    window = draw(st.integers(30, 365))
    return StayRuleParams(window_days=window, max_days=draw(st.integers(1, window)))


@st.composite
def stay_lists(draw: st.DrawFn, base: date) -> list[Stay]:
    stays = []
    for _ in range(draw(st.integers(0, 6))):
        entry = base + timedelta(days=draw(st.integers(0, SPAN_DAYS)))
        if draw(st.integers(0, 9)) == 0:
            stays.append(Stay(entry, None))
        else:
            stays.append(Stay(entry, entry + timedelta(days=draw(st.integers(0, 120)))))
    return stays


@st.composite
def exempt_lists(draw: st.DrawFn, base: date) -> list[Period]:
    periods = []
    for _ in range(draw(st.integers(0, 3))):
        start = base + timedelta(days=draw(st.integers(-60, SPAN_DAYS + 60)))
        if draw(st.integers(0, 7)) == 0:
            periods.append(Period(start, None))
        else:
            periods.append(Period(start, start + timedelta(days=draw(st.integers(0, 150)))))
    return periods


bases = st.dates(date(2026, 1, 1), date(2029, 12, 31))  # windows over 29 February 2028


# --------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(data=st.data(), base=bases)
def test_presence_days_matches_brute_force(data: st.DataObject, base: date) -> None:
    stays = data.draw(stay_lists(base))
    until = base + timedelta(days=data.draw(st.integers(-10, SPAN_DAYS + 150)))
    got = presence_days(stays, until=until)
    assert {day.toordinal() for day in got} == ref_presence(stays, until)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), base=bases, params=rule_params())
def test_days_used_matches_brute_force_on_every_day(
    data: st.DataObject, base: date, params: StayRuleParams
) -> None:
    stays = data.draw(stay_lists(base))
    periods = data.draw(exempt_lists(base))
    until = base + timedelta(days=SPAN_DAYS + 120)
    presence = presence_days(stays, until=until)
    counted = ref_counted({day.toordinal() for day in presence}, periods)
    # Every day from before the first stay until the last one has left the window.
    for ordinal in range(base.toordinal() - 1, until.toordinal() + params.window_days + 1):
        expected = ref_count(counted, ordinal, params.window_days)
        assert days_used(presence, periods, params, on=date.fromordinal(ordinal)) == expected


@settings(max_examples=200, deadline=None)
@given(data=st.data(), base=bases, params=rule_params())
def test_permitted_until_is_the_largest_lawful_day(
    data: st.DataObject, base: date, params: StayRuleParams
) -> None:
    stays = data.draw(stay_lists(base))
    periods = data.draw(exempt_lists(base))
    since = base + timedelta(days=data.draw(st.integers(0, SPAN_DAYS)))
    today = since + timedelta(days=data.draw(st.integers(0, 200)))
    visa_until = data.draw(
        st.none() | st.integers(-30, 400).map(lambda n: today + timedelta(days=n))
    )
    presence = presence_days(stays, until=today)
    result = permitted_until(
        presence, periods, params, in_country_since=since, today=today, visa_until=visa_until
    )

    present = {day.toordinal() for day in presence}
    until, basis, used = ref_permitted(
        present,
        periods,
        params,
        since.toordinal(),
        today.toordinal(),
        None if visa_until is None else visa_until.toordinal(),
    )
    event(f"basis={result.basis}")
    if result.until is None:
        event("no limit")
    elif result.until < today:
        event("already over the limit")
    assert (result.basis, result.days_used) == (basis, used)
    assert result.until == (None if until is None else date.fromordinal(until))
    if result.until is None:
        assert result.days_left is None
    else:
        assert result.days_left == max(0, (result.until - today).days)

    # Direct check of the definition for a rolling limit on or after today: every day in
    # [today, E] is within the limit and E + 1 is not (the person present throughout).
    if result.basis == Basis.VISA_FREE_ROLLING and result.until is not None:
        end = result.until.toordinal()
        if end >= today.toordinal():
            stayed = ref_counted(present | set(range(since.toordinal(), end + 2)), periods)
            window, limit = params.window_days, params.max_days
            assert all(
                ref_count(stayed, day, window) <= limit for day in range(today.toordinal(), end + 1)
            )
            assert ref_count(stayed, end + 1, window) > limit
        if visa_until is not None:
            assert result.until < visa_until


@settings(max_examples=200, deadline=None)
@given(data=st.data(), base=bases, params=rule_params())
def test_overstay_days_matches_brute_force(
    data: st.DataObject, base: date, params: StayRuleParams
) -> None:
    stays = data.draw(stay_lists(base))
    periods = data.draw(exempt_lists(base))
    until = base + timedelta(days=SPAN_DAYS + 120)
    presence = presence_days(stays, until=until)
    pick_a_present_day = data.draw(st.booleans())
    if presence and pick_a_present_day:
        on = data.draw(st.sampled_from(sorted(presence)))
    else:
        on = base + timedelta(days=data.draw(st.integers(0, SPAN_DAYS + 120)))
    visa_until = data.draw(st.none() | st.dates(base, until))
    expected = ref_overstay(
        {day.toordinal() for day in presence},
        periods,
        params,
        on.toordinal(),
        None if visa_until is None else visa_until.toordinal(),
    )
    event("overstay" if expected else "no overstay")
    assert overstay_days(presence, periods, params, on=on, visa_until=visa_until) == expected


@settings(max_examples=200, deadline=None)
@given(
    base=bases,
    params=rule_params(),
    earlier=st.lists(st.tuples(st.integers(2, 400), st.integers(0, 120)), max_size=4),
    length=st.integers(0, 400),
    visa=st.none() | st.integers(-5, 400),
)
def test_overstay_on_exit_agrees_with_permitted_until_at_entry(
    base: date,
    params: StayRuleParams,
    earlier: list[tuple[int, int]],
    length: int,
    visa: int | None,
) -> None:
    """Without permits a count never falls during a stay, so the overstay on exit is the
    number of days after the permitted-until date computed on the day of entry."""
    entry = base + timedelta(days=400)
    exit_day = entry + timedelta(days=length)
    visa_until = None if visa is None else entry + timedelta(days=visa)
    # Earlier stays end at least one day before this entry, so this stay starts at ``entry``.
    past = [
        Stay(entry - timedelta(days=gap + size), entry - timedelta(days=gap))
        for gap, size in earlier
    ]
    before = presence_days(past, until=entry - timedelta(days=2))
    presence = before | span(entry.isoformat(), exit_day.isoformat())
    at_entry = permitted_until(
        before, [], params, in_country_since=entry, today=entry, visa_until=visa_until
    )
    # Days before this entry are not part of this stay (a visa may have ended before it).
    last_lawful = None if at_entry.until is None else max(at_entry.until, entry - timedelta(days=1))
    expected = 0 if last_lawful is None else max(0, (exit_day - last_lawful).days)
    assert overstay_days(presence, [], params, on=exit_day, visa_until=visa_until) == expected


@settings(max_examples=200, deadline=None)
@given(st.datetimes(datetime(2017, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC)))
def test_local_day_in_baku_is_utc_plus_four(moment: datetime) -> None:
    # Azerbaijan has kept UTC+4 all year since it dropped daylight saving time in 2016.
    shifted = moment.replace(tzinfo=None) + timedelta(hours=4)
    assert local_day(moment, "Asia/Baku") == shifted.date()
    assert local_day(moment, "UTC") == moment.date()
