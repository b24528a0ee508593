"""Working days, as the policy pack defines them: the weekly rest days
(`general.working_days.weekend`, required) and the public holidays of a `holidays` calendar
(`general.working_days.calendar`, else the pack's `holiday_calendar`). Statutory terms
counted in working days (a change of address, the answer to an application) use these,
so that a country's five- or six-day week and its holidays come from its pack."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from umis.core.policy import PolicyKeyError, get_policy

__all__ = ["WorkingCalendar", "add_working_days", "working_calendar"]

_WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}


class WorkingCalendar:
    """Which days are working days: not a rest day of the week, not a public holiday."""

    def __init__(self, *, rest_days: frozenset[int], holidays_code: str) -> None:
        if len(rest_days) >= 7:
            raise ValueError("a week needs at least one working day")
        self.rest_days = rest_days
        self.holidays_code = holidays_code

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.rest_days and day not in _holidays(
            self.holidays_code, day.year
        )

    def add(self, start: dt.date, days: int) -> dt.date:
        """The day ``days`` working days after ``start`` (``start`` itself not counted;
        0 gives ``start``)."""
        if days < 0:
            raise ValueError("days must be zero or more")
        day, added = start, 0
        while added < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                added += 1
        return day


def working_calendar(*, on: dt.date, pack: Any = None) -> WorkingCalendar:
    """The calendar the pack sets for ``on`` (weekend and holiday rules in force then)."""
    pack = pack or get_policy()
    # Required: a country's week is its rule, not a default here (PolicyKeyError names it).
    rest = [str(d).upper() for d in pack.value("general.working_days.weekend", on=on)]
    unknown = [d for d in rest if d not in _WEEKDAYS]
    if unknown:
        raise ValueError(f"general.working_days.weekend: unknown day(s) {unknown}")
    try:
        code = str(pack.value("general.working_days.calendar", on=on))
    except PolicyKeyError:
        code = pack.holiday_calendar
    return WorkingCalendar(rest_days=frozenset(_WEEKDAYS[d] for d in rest), holidays_code=code)


def add_working_days(start: dt.date, days: int, *, pack: Any = None) -> dt.date:
    """The day ``days`` working days after ``start``, by the pack's calendar on ``start``."""
    return working_calendar(on=start, pack=pack).add(start, days)


@lru_cache(maxsize=64)
def _holidays(code: str, year: int) -> frozenset[dt.date]:
    if not code:
        return frozenset()
    import holidays

    return frozenset(holidays.country_holidays(code, years=year))
