"""Working days from the policy pack: rest days of the week and public holidays."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from umis.core.calendar import WorkingCalendar, add_working_days, working_calendar
from umis.core.policy import PolicyKeyError, default_pack_path, load_pack


class _Pack:
    """A pack with only the working-day rules (other countries' weeks)."""

    def __init__(self, rules: dict[str, Any], holiday_calendar: str = "") -> None:
        self.rules = rules
        self.holiday_calendar = holiday_calendar

    def value(self, key: str, *, on: dt.date | None = None) -> Any:
        if key not in self.rules:
            raise PolicyKeyError(f"no rule '{key}'")
        return self.rules[key]


@pytest.fixture(scope="module")
def az() -> Any:
    return load_pack(default_pack_path())


def test_azerbaijan_skips_weekends_and_public_holidays(az: Any) -> None:
    # Friday 2026-03-13: Mon-Thu are four working days, then Novruz and Eid (20-30 March
    # 2026, with the observed days) and the weekends are days off.
    assert add_working_days(dt.date(2026, 3, 13), 4, pack=az) == dt.date(2026, 3, 19)
    assert add_working_days(dt.date(2026, 3, 13), 5, pack=az) == dt.date(2026, 3, 31)
    calendar = working_calendar(on=dt.date(2026, 3, 13), pack=az)
    assert not calendar.is_working_day(dt.date(2026, 3, 21))  # Novruz, a Saturday anyway
    assert not calendar.is_working_day(dt.date(2026, 3, 23))  # Novruz, a Monday
    assert calendar.is_working_day(dt.date(2026, 3, 31))


def test_a_term_crossing_the_new_year_uses_both_years_holidays(az: Any) -> None:
    # Wednesday 2025-12-31 (World Azerbaijanis' Solidarity Day); 1-2 January are New
    # Year holidays, 3-4 January the weekend: the first working day is Monday the 5th.
    assert add_working_days(dt.date(2025, 12, 30), 1, pack=az) == dt.date(2026, 1, 5)


def test_zero_days_is_the_start_and_negative_is_refused(az: Any) -> None:
    assert add_working_days(dt.date(2026, 3, 14), 0, pack=az) == dt.date(2026, 3, 14)
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 3, 14), -1, pack=az)


def test_the_week_comes_from_the_pack() -> None:
    friday_saturday = _Pack({"general.working_days.weekend": ["FRI", "SAT"]})
    # Thursday 2026-03-12 + 1 working day: Friday and Saturday are off, Sunday works.
    assert add_working_days(dt.date(2026, 3, 12), 1, pack=friday_saturday) == dt.date(2026, 3, 15)
    six_day_week = _Pack({"general.working_days.weekend": ["SUN"]})
    assert add_working_days(dt.date(2026, 3, 13), 1, pack=six_day_week) == dt.date(2026, 3, 14)
    # No calendar: no public holidays.
    five_days = _Pack({"general.working_days.weekend": ["SAT", "SUN"]})
    assert add_working_days(dt.date(2026, 3, 13), 5, pack=five_days) == dt.date(2026, 3, 20)
    # No weekend rule: an error naming it, not a week assumed in code.
    with pytest.raises(PolicyKeyError, match=r"general\.working_days\.weekend"):
        add_working_days(dt.date(2026, 3, 13), 5, pack=_Pack({}))


def test_the_holiday_calendar_falls_back_to_the_pack_header() -> None:
    header_only = _Pack({"general.working_days.weekend": ["SAT", "SUN"]}, holiday_calendar="AZ")
    assert add_working_days(dt.date(2026, 3, 13), 5, pack=header_only) == dt.date(2026, 3, 31)


def test_a_bad_week_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown day"):
        working_calendar(
            on=dt.date(2026, 1, 1), pack=_Pack({"general.working_days.weekend": ["SA"]})
        )
    with pytest.raises(ValueError, match="at least one working day"):
        WorkingCalendar(rest_days=frozenset(range(7)), holidays_code="")
