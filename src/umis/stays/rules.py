"""Pure stay-right rules: days of presence, the rolling window, permitted-until, overstays.

No Django, no ORM and no I/O. The service layer reads the policy pack and the person's
records and passes plain values in; everything here is a decision on those values, so it
can be tested exhaustively (``tests/stays/test_rules.py`` checks it against a brute-force
day-by-day implementation with hypothesis).

Day counting follows the EU Entry/Exit System's "90 days in any 180-day period":

* A person's *presence* is a set of calendar days in the country's local time zone (see
  :func:`local_day`). Every day from the entry day to the exit day counts, both included: a
  same-day entry and exit is one day. A stay with no exit yet counts up to the evaluation
  day (:func:`presence_days`).
* Days covered by an *exempt period* (a residence permit or another status that lifts the
  limit, :class:`Period`) are not counted.
* The *count* for a day ``D`` is the number of counted days in the window
  ``[D - window_days + 1, D]`` (:func:`days_used`). A day ``D`` is within the limit when its
  count is at most ``max_days``.

The parameters come from the policy pack (``stays.rolling_window.window_days`` and
``stays.rolling_window.max_days``; where a nationality has its own limit in
``stays.visa_free.max_days`` the service layer decides which one to pass). The service
layer reads them and passes them in as :class:`StayRuleParams`::

    params = StayRuleParams(
        window_days=policy.value("stays.rolling_window.window_days", on=today),
        max_days=policy.value("stays.rolling_window.max_days", on=today),
    )

Cost: :func:`days_used` is O(min(window, presence)); :func:`permitted_until` is
O(window x (1 + exempt periods)) plus, when the person already overstays, the length of
the overstay; :func:`overstay_days` is O(window + length of the current stay). Nothing
is quadratic in the history: counts move along with a sliding window.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Basis",
    "Period",
    "Permission",
    "Stay",
    "StayRuleParams",
    "VisaTerms",
    "current_entry",
    "days_used",
    "exempt_until",
    "local_day",
    "overstay_days",
    "overstay_days_outside",
    "permitted_until",
    "presence_days",
    "stay_start",
    "stays_from_moments",
    "visa_until",
]

ONE_DAY: Final = timedelta(days=1)


# --------------------------------------------------------------------------- values


class Basis(StrEnum):
    """What the permitted-until date rests on (a ``str``: compares equal to its value)."""

    VISA_FREE_ROLLING = "visa_free_rolling"
    """The rolling-window limit (``max_days`` in any ``window_days``)."""
    VISA = "visa"
    """The end of the visa or e-visa period (earlier than the rolling-window limit)."""
    PERMIT = "permit"
    """An exempt period (residence permit or similar) covers the day: no limit."""


@dataclass(frozen=True, slots=True)
class StayRuleParams:
    """The rolling-window rule: at most ``max_days`` counted days in any ``window_days``.

    ``0 <= max_days <= window_days``; ``max_days == window_days`` never limits anyone.
    """

    window_days: int
    max_days: int

    def __post_init__(self) -> None:
        for name in ("window_days", "max_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if self.window_days < 1:
            raise ValueError(f"window_days must be at least 1, got {self.window_days}")
        if not 0 <= self.max_days <= self.window_days:
            raise ValueError(
                f"max_days must be between 0 and window_days ({self.window_days}), "
                f"got {self.max_days}"
            )


def _require_date(name: str, value: object) -> None:
    # datetime is a subclass of date; a datetime here is a caller's bug (missing local_day).
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a date (use local_day() for a datetime), got {value!r}")


@dataclass(frozen=True, slots=True)
class Stay:
    """One stay in the country: local entry day and exit day (both included).

    ``exit is None``: still in the country (counts up to the evaluation day).
    """

    entry: date
    exit: date | None = None

    def __post_init__(self) -> None:
        _require_date("entry", self.entry)
        if self.exit is not None:
            _require_date("exit", self.exit)
            if self.exit < self.entry:
                raise ValueError(f"exit {self.exit} is before entry {self.entry}")

    @classmethod
    def from_moments(cls, entry_at: datetime, exit_at: datetime | None, tz: ZoneInfo | str) -> Stay:
        """The stay between two aware moments, as local days in ``tz``.

        Raises ``ValueError`` for a naive moment or an exit before the entry.
        """
        entry = local_day(entry_at, tz)
        if exit_at is None:
            return cls(entry, None)
        exit_day = local_day(exit_at, tz)
        if exit_at < entry_at:
            raise ValueError(f"exit {exit_at.isoformat()} is before entry {entry_at.isoformat()}")
        return cls(entry, exit_day)


@dataclass(frozen=True, slots=True)
class Period:
    """Days exempt from counting (a residence permit, ...): ``start`` to ``end`` included.

    ``end is None``: open-ended.
    """

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        _require_date("start", self.start)
        if self.end is not None:
            _require_date("end", self.end)
            if self.end < self.start:
                raise ValueError(f"period end {self.end} is before its start {self.start}")

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Permission:
    """The answer of :func:`permitted_until`.

    ``until``: the last day the person may be in the country if they stay on from
    ``today``; ``None`` means no limit (a permit covers today, or the rule can never be
    exceeded). It is before ``today`` when the person already overstays: it is then the
    last lawful day.
    ``days_used``: the count for ``today`` (``today`` included as a day of presence).
    ``days_left``: days after ``today`` up to ``until`` (``0`` when ``until <= today``,
    ``None`` when there is no limit). In the simple case it equals
    ``max_days - days_used``, as the EES calculator shows.
    """

    until: date | None
    basis: Basis
    days_used: int
    days_left: int | None


# --------------------------------------------------------------------------- time zones


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def local_day(moment: datetime, tz: ZoneInfo | str) -> date:
    """The calendar day of ``moment`` in the time zone ``tz`` (e.g. ``"Asia/Baku"``).

    ``2026-03-01T21:30Z`` is ``2026-03-02`` in Baku (UTC+4). A naive ``moment`` (no
    ``tzinfo``) raises ``ValueError``: a border time without a zone is ambiguous.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"moment must be a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(_zone(tz)).date()


def stays_from_moments(
    pairs: Iterable[tuple[datetime, datetime | None]], tz: ZoneInfo | str
) -> list[Stay]:
    """Stays from ``(entry_at, exit_at | None)`` pairs of aware moments, as local days in ``tz``.

    Pairing entries with exits (and flagging an exit with no entry) is the caller's job.
    """
    zone = _zone(tz)
    return [Stay.from_moments(entry_at, exit_at, zone) for entry_at, exit_at in pairs]


# --------------------------------------------------------------------------- presence


def presence_days(stays: Sequence[Stay], *, until: date) -> set[date]:
    """Every local day on which the person was in the country, up to ``until`` included.

    Entry and exit days both count; a stay with no exit counts up to ``until``; days after
    ``until`` are left out (the evaluation is as of ``until``). Stays may overlap or come in
    any order: the result is their union.
    """
    _require_date("until", until)
    days: set[date] = set()
    for stay in stays:
        last = until if stay.exit is None else min(stay.exit, until)
        day = stay.entry
        while day <= last:
            days.add(day)
            day += ONE_DAY
    return days


def stay_start(presence: AbstractSet[date], on: date) -> date | None:
    """The first day of the run of consecutive presence days that contains ``on``.

    ``None`` when the person was not in the country on ``on``. O(length of that stay).
    """
    if on not in presence:
        return None
    day = on
    while day - ONE_DAY in presence:
        day -= ONE_DAY
    return day


class _Exempt:
    """Exempt periods merged into disjoint, non-adjacent intervals, searched by bisection."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, periods: Iterable[Period]) -> None:
        starts: list[date] = []
        ends: list[date] = []
        for period in sorted(periods, key=lambda p: p.start):
            end = date.max if period.end is None else period.end
            if ends and (ends[-1] == date.max or period.start <= ends[-1] + ONE_DAY):
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(period.start)
                ends.append(end)
        self._starts = starts
        self._ends = ends

    def __bool__(self) -> bool:
        return bool(self._starts)

    def end_at(self, day: date) -> date | None:
        """Last day of the merged interval covering ``day`` (``date.max``: open-ended)."""
        i = bisect_right(self._starts, day) - 1
        if i >= 0 and day <= self._ends[i]:
            return self._ends[i]
        return None

    def covers(self, day: date) -> bool:
        return self.end_at(day) is not None

    def free_runs(self, first: date, last: date) -> Iterator[tuple[date, date]]:
        """The maximal runs of days in ``[first, last]`` that no interval covers, in order."""
        cursor = first
        for start, end in zip(self._starts, self._ends, strict=True):
            if end < cursor:
                continue
            if start > last:
                break
            if start > cursor:
                yield cursor, start - ONE_DAY
            if end >= last:
                return
            cursor = end + ONE_DAY
        yield cursor, last


def _window_count(counted: Callable[[date], bool], day: date, window_days: int) -> int:
    """Counted days in ``[day - window_days + 1, day]``, one by one: O(window)."""
    current = day - timedelta(days=window_days - 1)
    total = 0
    while current <= day:
        total += counted(current)
        current += ONE_DAY
    return total


# --------------------------------------------------------------------------- decisions


def days_used(
    presence: AbstractSet[date],
    exempt: Sequence[Period],
    params: StayRuleParams,
    *,
    on: date,
) -> int:
    """The count for ``on``: days of ``presence`` in ``[on - window_days + 1, on]`` that no
    exempt period covers. O(min(window_days, len(presence)))."""
    _require_date("on", on)
    index = _Exempt(exempt)
    first = on - timedelta(days=params.window_days - 1)
    if len(presence) < params.window_days:
        return sum(1 for d in presence if first <= d <= on and not index.covers(d))
    total = 0
    for run_first, run_last in index.free_runs(first, on):
        day = run_first
        while day <= run_last:
            total += day in presence
            day += ONE_DAY
    return total


def permitted_until(
    presence: AbstractSet[date],
    exempt: Sequence[Period],
    params: StayRuleParams,
    *,
    in_country_since: date,
    today: date,
    visa_until: date | None = None,
) -> Permission:
    """The last day a person may stay if they remain in the country from ``today`` on.

    The person is taken to be present on every day from ``in_country_since`` onwards (the
    current stay continuing indefinitely) in addition to ``presence``; for a traveller not
    yet in the country pass ``in_country_since=today`` ("if they entered today").

    * If an exempt period covers ``today``: ``until=None``, basis ``permit``.
    * Otherwise the rolling-window limit is the latest day ``E >= today`` such that the
      count of every day in ``[today, E]`` is at most ``max_days`` (``None`` if no day ever
      exceeds it: ``max_days == window_days``, or an open-ended exempt period starts
      before the limit is reached).
    * If the count for ``today`` already exceeds ``max_days`` there is no such ``E``: the
      limit is then the last lawful day, the day before the run of consecutive days in
      the current stay (from ``in_country_since``), not exempt and over the limit, that
      ends on ``today``.
    * ``visa_until``, when a visa or e-visa period applies, caps the limit; basis ``visa``
      when it is the binding limit (ties included), else ``visa_free_rolling``.
    """
    _require_date("in_country_since", in_country_since)
    _require_date("today", today)
    if visa_until is not None:
        _require_date("visa_until", visa_until)
    if in_country_since > today:
        raise ValueError(f"in_country_since {in_country_since} is after today {today}")
    window, limit = params.window_days, params.max_days
    index = _Exempt(exempt)
    since = in_country_since

    def counted(day: date) -> bool:
        return (day >= since or day in presence) and not index.covers(day)

    rolling: date | None
    if not index:
        # No exempt period (most travellers): the same walk on plain comparisons.
        used = _free_count(presence, since, today - timedelta(days=window - 1), today)
        if used > limit:
            rolling = _last_lawful_day(counted, index, today, used, since, params)
        else:
            rolling = _free_rolling_limit(presence, since, today, used, params)
    else:
        used = _window_count(counted, today, window)
        if index.covers(today):
            return Permission(until=None, basis=Basis.PERMIT, days_used=used, days_left=None)
        if used > limit:
            rolling = _last_lawful_day(counted, index, today, used, since, params)
        else:
            rolling = _rolling_limit(counted, index, today, used, params)

    until: date | None
    if visa_until is not None and (rolling is None or visa_until <= rolling):
        until, basis = visa_until, Basis.VISA
    else:
        until, basis = rolling, Basis.VISA_FREE_ROLLING
    days_left = None if until is None else max(0, (until - today).days)
    return Permission(until=until, basis=basis, days_used=used, days_left=days_left)


def _free_count(presence: AbstractSet[date], since: date, first: date, last: date) -> int:
    """With no exempt period: the days of ``[first, last]`` on or after ``since`` plus
    the days of ``presence`` before it (what ``counted`` counts there)."""
    if first > last:
        return 0
    ongoing = max(0, (last - max(first, since)).days + 1)
    before = min(last, since - ONE_DAY)
    return ongoing + sum(1 for d in presence if first <= d <= before)


def _free_rolling_limit(
    presence: AbstractSet[date], since: date, today: date, used: int, params: StayRuleParams
) -> date | None:
    """``_rolling_limit`` with no exempt period: each following day is counted, and the
    day leaving the window is counted when on or after ``since`` or in ``presence``."""
    window, limit = params.window_days, params.max_days
    if limit >= window:
        return None
    span = timedelta(days=window)
    day, count = today, used
    while True:
        following = day + ONE_DAY
        leaving = following - span
        if leaving < since and leaving not in presence:
            count += 1
            if count > limit:
                return day
        day = following


def _rolling_limit(
    counted: Callable[[date], bool],
    index: _Exempt,
    today: date,
    used: int,
    params: StayRuleParams,
) -> date | None:
    """Walk forward from ``today`` (count ``used <= max_days``) to the day before the first
    day over the limit. Every day after ``today`` is present, so it is counted unless
    exempt; inside an exempt interval counts only fall, so it is skipped whole. Within
    ``window_days`` counted days a count reaches ``window_days > max_days``, so the walk
    takes O(window x (1 + exempt intervals)).
    """
    window, limit = params.window_days, params.max_days
    if limit >= window:
        return None  # a window never holds more than window_days days
    span = timedelta(days=window)
    day, count = today, used
    while True:
        following = day + ONE_DAY
        exempt_end = index.end_at(following)
        if exempt_end is not None:
            if exempt_end == date.max:
                return None  # an open-ended exempt period: never over the limit
            day = exempt_end
            count = _window_count(counted, day, window)
            continue
        # ``following`` is present and not exempt; the day leaving the window may be.
        count += 1 - counted(following - span)
        if count > limit:
            return day
        day = following


def _last_lawful_day(
    counted: Callable[[date], bool],
    index: _Exempt,
    today: date,
    used: int,
    since: date,
    params: StayRuleParams,
) -> date:
    """``today`` is over the limit: walk back over the run of days ``>= since`` that are
    not exempt and over the limit; the day before the run is the last lawful day."""
    span = timedelta(days=params.window_days)
    first, count = today, used  # count is the count for ``first``
    while first > since:
        previous = first - ONE_DAY
        count = count - counted(first) + counted(previous - span + ONE_DAY)
        if index.covers(previous) or count <= params.max_days:
            break
        first = previous
    return first - ONE_DAY


def overstay_days(
    presence: AbstractSet[date],
    exempt: Sequence[Period],
    params: StayRuleParams,
    *,
    on: date,
    visa_until: date | None = None,
) -> int:
    """Days of overstay in the current stay, as of ``on`` (0 if the person is not present).

    The current stay is the run of consecutive days of ``presence`` that ends on ``on``
    (exempt days included: a permit does not end a physical stay). An overstay day is a
    day ``D`` of that run that no exempt period covers and on which the person was over
    the limit: the count for ``D`` exceeds ``max_days``, or ``visa_until`` is given and
    ``D > visa_until``. Days after ``on`` are ignored. This is "overstay of N days on
    exit" when ``on`` is the exit day. O(window_days + length of the stay).
    """
    _require_date("on", on)
    if visa_until is not None:
        _require_date("visa_until", visa_until)
    first = stay_start(presence, on)
    if first is None:
        return 0
    index = _Exempt(exempt)

    def counted(day: date) -> bool:
        return day in presence and not index.covers(day)

    span = timedelta(days=params.window_days)
    count = _window_count(counted, first, params.window_days)
    total = 0
    day = first
    while True:
        over = count > params.max_days or (visa_until is not None and day > visa_until)
        if over and not index.covers(day):
            total += 1
        if day == on:
            return total
        day += ONE_DAY
        count += counted(day) - counted(day - span)


# --------------------------------------------------------------------------- visas


@dataclass(frozen=True, slots=True)
class VisaTerms:
    """A visa's terms as the stay engine needs them (the values come from the visa record;
    the e-visa defaults from the policy pack).

    ``max_entries``: entries allowed within the validity (1 single, 2 double; ``None``
    multiple). ``stay_days``: the period of stay, counted from each entry
    (``stay_days_total=False``) or over all stays within the validity (``True``);
    ``None``: up to the end of the validity.
    """

    valid_from: date
    valid_to: date
    max_entries: int | None = None
    stay_days: int | None = None
    stay_days_total: bool = False

    def __post_init__(self) -> None:
        _require_date("valid_from", self.valid_from)
        _require_date("valid_to", self.valid_to)
        if self.valid_to < self.valid_from:
            raise ValueError(
                f"visa valid_to {self.valid_to} is before valid_from {self.valid_from}"
            )
        for name in ("max_entries", "stay_days"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive int or None, got {value!r}")


def current_entry(stays: Sequence[Stay], on: date) -> date | None:
    """The entry day of the stay the person is in on ``on`` (the latest entry among the
    stays covering ``on``), ``None`` when not in the country on ``on``."""
    entries = [s.entry for s in stays if s.entry <= on and (s.exit is None or s.exit >= on)]
    return max(entries, default=None)


def visa_until(terms: VisaTerms, stays: Sequence[Stay], *, on: date) -> date | None:
    """The last day of the current stay that the visa allows, or ``None`` when the visa
    does not cover that stay at all.

    The current stay starts on :func:`current_entry` (for a person not in the country:
    an entry on ``on``, "if they entered today"). The visa covers it when

    * the entry day is within ``valid_from``..``valid_to`` (a visa is used to enter);
    * with ``max_entries``, the entry is at most the ``max_entries``-th entry within the
      validity (earlier entries counted from ``stays``, whatever document they used);
    * with ``stay_days_total``, some of the ``stay_days`` are left after the days of
      earlier stays within the validity.

    The last day is then the earliest of ``valid_to`` and the end of the period of stay:
    ``entry + stay_days - 1`` per entry, or the remaining days in total. Only days after
    the entry are capped; the visa says nothing about days before it. O(len(stays) +
    days of earlier stays within the validity).
    """
    _require_date("on", on)
    entry = current_entry(stays, on) or on
    if not terms.valid_from <= entry <= terms.valid_to:
        return None
    if terms.max_entries is not None:
        earlier = sum(1 for s in stays if terms.valid_from <= s.entry < entry)
        if earlier + 1 > terms.max_entries:
            return None
    last = terms.valid_to
    if terms.stay_days is None:
        return last
    left = terms.stay_days
    if terms.stay_days_total:
        used: set[date] = set()
        for stay in stays:
            if stay.entry >= entry:
                continue
            first = max(stay.entry, terms.valid_from)
            end = min(entry - ONE_DAY, terms.valid_to, stay.exit or entry - ONE_DAY)
            day = first
            while day <= end:
                used.add(day)
                day += ONE_DAY
        left -= len(used)
        if left < 1:
            return None
    return min(last, entry + timedelta(days=left - 1))


def exempt_until(exempt: Sequence[Period], day: date) -> date | None:
    """The last day of the run of exempt days (adjacent periods merged: a renewed permit)
    that covers ``day``; ``date.max`` when open-ended, ``None`` when ``day`` is not exempt."""
    _require_date("day", day)
    return _Exempt(exempt).end_at(day)


def overstay_days_outside(
    presence: AbstractSet[date],
    exempt: Sequence[Period],
    params: StayRuleParams,
    *,
    on: date,
    lawful: Sequence[Period],
) -> int:
    """Like :func:`overstay_days` without a visa cap, but days covered by a ``lawful``
    period (a visa held in addition to a visa-free regime) are never overstay days; unlike
    exempt days they still count towards the rolling window. O(window + stay length)."""
    _require_date("on", on)
    first = stay_start(presence, on)
    if first is None:
        return 0
    index = _Exempt(exempt)
    allowed = _Exempt(lawful)

    def counted(day: date) -> bool:
        return day in presence and not index.covers(day)

    span = timedelta(days=params.window_days)
    count = _window_count(counted, first, params.window_days)
    total = 0
    day = first
    while True:
        if count > params.max_days and not index.covers(day) and not allowed.covers(day):
            total += 1
        if day == on:
            return total
        day += ONE_DAY
        count += counted(day) - counted(day - span)
