"""Case deadlines in working days across weekends and holidays, with the clock stopped
while documents are awaited."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umis.cases.rules import ClockStop, deadline, working_days_left
from umis.core.calendar import WorkingCalendar

AZ = WorkingCalendar(rest_days=frozenset({5, 6}), holidays_code="AZ")
PLAIN = WorkingCalendar(rest_days=frozenset({5, 6}), holidays_code="")


def test_a_term_skips_weekends_and_the_novruz_and_eid_holidays() -> None:
    # Friday 13 March 2026, 15 working days (temporary residence, standard fee): the
    # holidays of 20-30 March and three weekends fall inside.
    due = deadline(submitted_on=dt.date(2026, 3, 13), working_days=15, calendar=AZ)
    assert due == dt.date(2026, 4, 14)
    assert deadline(submitted_on=dt.date(2026, 3, 13), working_days=15, calendar=PLAIN) == (
        dt.date(2026, 4, 3)
    )
    assert deadline(submitted_on=dt.date(2026, 3, 13), working_days=0, calendar=AZ) == dt.date(
        2026, 3, 13
    )


def test_a_request_for_documents_stops_the_clock_until_they_arrive() -> None:
    submitted = dt.date(2026, 6, 1)  # a Monday; no holidays until 15 June
    plain = deadline(submitted_on=submitted, working_days=3, calendar=AZ)
    assert plain == dt.date(2026, 6, 4)
    asked = ClockStop(stopped_on=dt.date(2026, 6, 2))
    assert deadline(submitted_on=submitted, working_days=3, stops=[asked], calendar=AZ) is None
    # Asked on Tuesday, answered on Friday: Wed-Fri do not count; Monday 8 and Tuesday 9
    # June complete the term (Tuesday 2 June counted).
    answered = ClockStop(stopped_on=dt.date(2026, 6, 2), resumed_on=dt.date(2026, 6, 5))
    assert deadline(submitted_on=submitted, working_days=3, stops=[answered], calendar=AZ) == (
        dt.date(2026, 6, 9)
    )


def test_bad_stops_are_refused() -> None:
    with pytest.raises(ValueError, match="before the submission"):
        deadline(
            submitted_on=dt.date(2026, 6, 2),
            working_days=3,
            stops=[ClockStop(dt.date(2026, 6, 1), dt.date(2026, 6, 3))],
            calendar=AZ,
        )
    with pytest.raises(ValueError, match="resumes"):
        deadline(
            submitted_on=dt.date(2026, 6, 1),
            working_days=3,
            stops=[ClockStop(dt.date(2026, 6, 3), dt.date(2026, 6, 2))],
            calendar=AZ,
        )
    with pytest.raises(ValueError):
        deadline(submitted_on=dt.date(2026, 6, 1), working_days=-1, calendar=AZ)


def test_working_days_left_and_overdue() -> None:
    due = dt.date(2026, 6, 9)  # a Tuesday
    assert working_days_left(due=due, today=dt.date(2026, 6, 5), calendar=AZ) == 2  # Mon, Tue
    assert working_days_left(due=due, today=due, calendar=AZ) == 0
    assert working_days_left(due=due, today=dt.date(2026, 6, 12), calendar=AZ) == -3


DAYS = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    submitted=DAYS,
    term=st.integers(min_value=0, max_value=30),
    spans=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 15)), max_size=3),
)
def test_the_term_counts_exactly_its_working_days_outside_the_stops(
    submitted: dt.date, term: int, spans: list[tuple[int, int]]
) -> None:
    """Independent check: walking the days from submission to the deadline, the working
    days outside every stop number exactly the term, and the deadline itself is one of
    them (or the submission day for a term of 0); a stop never brings it earlier."""
    stops = [
        ClockStop(submitted + dt.timedelta(days=a), submitted + dt.timedelta(days=a + b))
        for a, b in spans
    ]
    due = deadline(submitted_on=submitted, working_days=term, stops=stops, calendar=AZ)
    assert due is not None
    without = deadline(submitted_on=submitted, working_days=term, calendar=AZ)
    assert without is not None and due >= without

    def stopped(day: dt.date) -> bool:
        return any(s.resumed_on is not None and s.stopped_on < day <= s.resumed_on for s in stops)

    walked = (submitted + dt.timedelta(days=i) for i in range(1, (due - submitted).days + 1))
    counted = [day for day in walked if AZ.is_working_day(day) and not stopped(day)]
    assert len(counted) == term
    assert due == (counted[-1] if counted else submitted)
