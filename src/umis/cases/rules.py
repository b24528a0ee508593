"""Statutory deadlines of cases, pure (ADR 0011): a term of working days from the day of
submission, by the pack's working calendar (`umis.core.calendar`), with the clock
stopped while the applicant is asked for documents.

Counting: the term runs from the day after submission. A request for documents made on
day A and answered on day R stops the clock for the days after A up to and including
R: the officer worked on A, and the applicant's answer on R is handled from the next
day. While a request is unanswered the deadline is not known (None).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from umis.core.calendar import WorkingCalendar

__all__ = ["ClockStop", "deadline", "working_days_left"]

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class ClockStop:
    stopped_on: dt.date
    resumed_on: dt.date | None = None  # None: the documents have not arrived yet

    def covers(self, day: dt.date) -> bool:
        return self.stopped_on < day and (self.resumed_on is None or day <= self.resumed_on)


def deadline(
    *,
    submitted_on: dt.date,
    working_days: int,
    stops: Sequence[ClockStop] = (),
    calendar: WorkingCalendar,
) -> dt.date | None:
    """The last day of a term of ``working_days`` working days counted from the day
    after ``submitted_on``, not counting the days the clock was stopped; None while it
    is stopped."""
    if working_days < 0:
        raise ValueError("working_days must be zero or more")
    for stop in stops:
        if stop.stopped_on < submitted_on:
            raise ValueError(f"a clock stop on {stop.stopped_on} is before the submission")
        if stop.resumed_on is not None and stop.resumed_on < stop.stopped_on:
            raise ValueError(f"a clock stop resumes ({stop.resumed_on}) before it stops")
    if any(stop.resumed_on is None for stop in stops):
        return None
    day, counted = submitted_on, 0
    while counted < working_days:
        day += ONE_DAY
        if calendar.is_working_day(day) and not any(stop.covers(day) for stop in stops):
            counted += 1
    return day


def working_days_left(*, due: dt.date, today: dt.date, calendar: WorkingCalendar) -> int:
    """Working days from ``today`` (excluded) to ``due`` (included); negative when the
    deadline has passed (the working days it is overdue by); 0 on the day it falls due."""
    if due >= today:
        first, last, sign = today + ONE_DAY, due, 1
    else:
        first, last, sign = due + ONE_DAY, today, -1
    count = 0
    day = first
    while day <= last:
        count += calendar.is_working_day(day)
        day += ONE_DAY
    return sign * count
