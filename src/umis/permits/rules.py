"""Pure decisions of the permit services: terms, validity dates, continuity of residence.
No ORM, no I/O; the values (limits, windows, terms) are passed in from the policy pack by
the services, which name the rule and its legal reference when one fails."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import deque
from collections.abc import Iterable, Set
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)
_TERM = re.compile(r"^(\d{1,3})([dmy])$")


@dataclass(frozen=True)
class Term:
    """A term as the pack writes fee variants: ``30d``, ``6m``, ``1y``, ``18m``."""

    amount: int
    unit: str  # "d" | "m" | "y"

    @property
    def months(self) -> int | None:
        if self.unit == "m":
            return self.amount
        if self.unit == "y":
            return self.amount * 12
        return None

    @property
    def days(self) -> int | None:
        return self.amount if self.unit == "d" else None


def parse_term(code: str) -> Term | None:
    m = _TERM.match(code.strip().lower())
    if m is None or int(m.group(1)) == 0:
        return None
    return Term(int(m.group(1)), m.group(2))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it has no such day
    (31 January + 1 month = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def term_end(start: dt.date, term: Term) -> dt.date:
    """The last day of a term that starts on ``start`` (a 1-year permit from 1 March ends
    on the last day of February)."""
    if term.unit == "d":
        return start + dt.timedelta(days=term.amount - 1)
    months = term.months
    assert months is not None
    return add_months(start, months) - ONE_DAY


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def merge_periods(
    periods: Iterable[tuple[dt.date, dt.date | None]],
) -> list[tuple[dt.date, dt.date | None]]:
    """Merge periods that overlap or follow each other without a gap (an extension that
    starts the day after the previous permit ends continues it)."""
    out: list[tuple[dt.date, dt.date | None]] = []
    for start, end in sorted(periods, key=lambda p: p[0]):
        if out:
            last_start, last_end = out[-1]
            if last_end is None:
                continue
            if start <= last_end + ONE_DAY:
                new_end = None if end is None else max(last_end, end)
                out[-1] = (last_start, new_end)
                continue
        out.append((start, end))
    return out


def continuous_since(
    periods: Iterable[tuple[dt.date, dt.date | None]], day: dt.date
) -> dt.date | None:
    """The first day of the unbroken run of periods that covers ``day``; None if no
    period covers it."""
    for start, end in merge_periods(periods):
        if start <= day and (end is None or day <= end):
            return start
    return None


def first_break(
    presence: Set[dt.date],
    *,
    start: dt.date,
    end: dt.date,
    window_days: int,
    max_absence_days: int,
) -> tuple[dt.date, int] | None:
    """The first day ``d`` in [start, end] on which the days absent in the window of
    ``window_days`` ending on ``d`` (counted from ``start``) exceed ``max_absence_days``,
    with that count; None if continuity holds. A sliding count: linear in the days."""
    absent = 0
    day = start
    window: deque[bool] = deque()
    while day <= end:
        away = day not in presence
        window.append(away)
        absent += away
        if len(window) > window_days:
            absent -= window.popleft()
        if absent > max_absence_days:
            return day, absent
        day += ONE_DAY
    return None


def mask_name(surname: str, given_names: str) -> str:
    """What a verifier may see of the holder: the surname and the first initial."""
    initial = given_names.strip()[:1]
    return f"{surname.strip().upper()} {initial.upper()}." if initial else surname.strip().upper()
