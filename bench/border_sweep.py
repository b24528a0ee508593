"""The overstay sweep against one DuckDB query over the same data.

Against the current database (PostgreSQL for real numbers; SQLite works for a smoke run):

1. the full sweep (umis.stays.sweeps.sweep_full, both violation types): first *deep*
   (candidates from all border events, as on a first run or weekly), then the nightly
   full sweep (candidates from the last sweep's state plus new events);
2. the same overstay computation as ONE DuckDB SQL query: border events, current
   nationalities and the policy pack's visa-free list exported once to Parquet (export
   and load times reported, not counted), then the query timed: for every visa-free
   national in the country on ``on``, days used in the rolling window, permitted-until
   and overstay days, with the same EES semantics (local days in the pack's time zone,
   entry and exit days count). The overstayers (person, overstay days) must equal ours;
   mismatches are reported. Stay rights (visas, permits) are not in the DuckDB query:
   the generated data has none;
3. ``new_events`` new crossings appended (a day at the border: half arrivals of persons
   abroad, half departures of persons in the country, received now) and the incremental
   sweep timed.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from dataclasses import dataclass, field

from django.db import connection


@dataclass
class SweepBenchResult:
    vendor: str
    events: int
    in_country: int
    overstayers: int
    unregistered: int
    deep_seconds: float
    full_seconds: float
    export_seconds: float
    load_seconds: float
    duckdb_seconds: float
    new_events: int
    incremental_seconds: float
    incremental_checked: int
    mismatches: int
    examples: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Nightly full sweep / DuckDB query (target <= 1.5)."""
        return self.full_seconds / self.duckdb_seconds if self.duckdb_seconds else 0.0

    @property
    def deep_ratio(self) -> float:
        return self.deep_seconds / self.duckdb_seconds if self.duckdb_seconds else 0.0

    @property
    def incremental_ratio(self) -> float:
        """Incremental sweep after the new events / nightly full sweep (target << 0.1)."""
        return self.incremental_seconds / self.full_seconds if self.full_seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.vendor}: {self.events:,} events, {self.in_country:,} in the country, "
            f"{self.overstayers:,} overstaying, {self.unregistered:,} unregistered; "
            f"full sweep {self.full_seconds:.2f} s (deep {self.deep_seconds:.2f} s) vs "
            f"DuckDB {self.duckdb_seconds:.2f} s (export {self.export_seconds:.1f} s, "
            f"load {self.load_seconds:.1f} s): ratio {self.ratio:.2f}x "
            f"(deep {self.deep_ratio:.2f}x); "
            f"incremental after {self.new_events:,} new events {self.incremental_seconds:.2f} s "
            f"({self.incremental_checked:,} persons) = {self.incremental_ratio:.3f} of the full "
            f"sweep; overstayers differing from DuckDB: {self.mismatches}"
            + (f" (e.g. {'; '.join(self.examples)})" if self.examples else "")
        )


def _export(directory: str, on: dt.date) -> tuple[dict[str, str], float]:
    """Events and current nationalities to Parquet through DuckDB (CSV from the
    database, converted once)."""
    import duckdb

    start = time.perf_counter()
    paths = {}
    queries = {
        "events": (
            "SELECT id, person_id, direction, occurred_at FROM border_borderevent "
            "WHERE person_id IS NOT NULL"
        ),
        "nationalities": (
            "SELECT person_id, country_id AS country FROM registry_nationality "
            "WHERE valid_to IS NULL"
        ),
    }
    for name, sql in queries.items():
        csv_path = os.path.join(directory, f"{name}.csv")
        with connection.cursor() as cursor, open(csv_path, "wb") as out:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as copy:
                    for chunk in copy:
                        out.write(chunk)
            else:
                import csv
                import io

                cursor.execute(sql)
                text = io.StringIO()
                writer = csv.writer(text)
                writer.writerow([c[0] for c in cursor.description])
                for row in cursor.fetchall():
                    # SQLite keeps naive UTC text: say so, or DuckDB reads local time.
                    writer.writerow(
                        [
                            f"{v}+00:00" if name == "events" and i == 3 else str(v)
                            for i, v in enumerate(row)
                        ]
                    )
                out.write(text.getvalue().encode())
        parquet = os.path.join(directory, f"{name}.parquet")
        columns = (
            "{'id': 'BIGINT', 'person_id': 'VARCHAR', 'direction': 'VARCHAR', "
            "'occurred_at': 'TIMESTAMPTZ'}"
            if name == "events"
            else "{'person_id': 'VARCHAR', 'country': 'VARCHAR'}"
        )
        duckdb.sql(
            f"COPY (SELECT * FROM read_csv('{csv_path}', header=true, columns={columns})) "
            f"TO '{parquet}' (FORMAT parquet)"
        )
        os.remove(csv_path)
        paths[name] = parquet
    return paths, time.perf_counter() - start


DUCKDB_QUERY = """
WITH ev AS (
  SELECT person_id, id, occurred_at, direction = 'entry' AS is_entry,
         CAST(timezone($tz, occurred_at) AS DATE) - DATE '0001-01-01' + 1 AS day
    FROM events
), marked AS (
  SELECT *, LAG(is_entry) OVER (PARTITION BY person_id ORDER BY occurred_at, id) AS prev
    FROM ev
), changes AS (  -- the crossings that change the state: entries after an exit, exits after an entry
  SELECT * FROM marked
   WHERE (is_entry AND prev IS DISTINCT FROM true) OR (NOT is_entry AND prev)
), paired AS (
  SELECT person_id, is_entry, day AS entry_day,
         LEAD(day) OVER (PARTITION BY person_id ORDER BY occurred_at, id) AS exit_day
    FROM changes
), clipped AS (
  SELECT person_id, entry_day AS a, LEAST(COALESCE(exit_day, $on), $on) AS b
    FROM paired WHERE is_entry AND entry_day <= $on
), gaps AS (
  SELECT *, MAX(b) OVER (PARTITION BY person_id ORDER BY a
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_b
    FROM clipped
), islands AS (
  SELECT *, SUM(CASE WHEN prev_b IS NULL OR a > prev_b + 1 THEN 1 ELSE 0 END)
              OVER (PARTITION BY person_id ORDER BY a ROWS UNBOUNDED PRECEDING) AS grp
    FROM gaps
), runs AS (
  SELECT person_id, MIN(a) AS a, MAX(b) AS b FROM islands GROUP BY person_id, grp
), eligible AS (
  SELECT n.person_id, LEAST(MAX(v.max_days), $window) AS lim
    FROM nationalities n JOIN visa_free v ON v.country = n.country GROUP BY n.person_id
), subjects AS (
  SELECT r.person_id, r.a AS since, e.lim FROM runs r JOIN eligible e USING (person_id)
   WHERE r.b = $on
), days AS (  -- presence in [since - window + 1, on], then every day up to on + window
  SELECT r.person_id, UNNEST(range(GREATEST(r.a, s.since - $window + 1), r.b + 1)) AS d
    FROM runs r JOIN subjects s USING (person_id) WHERE r.b >= s.since - $window + 1
  UNION ALL
  SELECT person_id, UNNEST(range($on + 1, $on + $window + 1)) AS d FROM subjects
), counted AS (
  SELECT person_id, d, COUNT(*) OVER (PARTITION BY person_id ORDER BY d
                                      RANGE BETWEEN $window - 1 PRECEDING AND CURRENT ROW) AS n
    FROM days
), judged AS (
  SELECT s.person_id, s.since, s.lim,
         COUNT(*) FILTER (WHERE c.d BETWEEN s.since AND $on AND c.n > s.lim) AS overstay_days,
         MAX(c.n) FILTER (WHERE c.d = $on) AS days_used,
         MIN(c.d) FILTER (WHERE c.d > $on AND c.n > s.lim) AS first_over,
         MAX(c.d) FILTER (WHERE c.d BETWEEN s.since AND $on AND c.n <= s.lim) AS last_fine
    FROM subjects s JOIN counted c USING (person_id)
   GROUP BY s.person_id, s.since, s.lim
)
SELECT person_id, since, days_used, overstay_days,
       CASE WHEN days_used > lim THEN COALESCE(last_fine, since - 1)
            ELSE first_over - 1 END AS permitted_until
  FROM judged
"""


def _duckdb(paths: dict[str, str], on: dt.date) -> tuple[dict[str, int], float, float]:
    """(person -> overstay days for the overstayers, load seconds, query seconds)."""
    import duckdb

    from umis.core.policy import get_policy

    pack = get_policy()
    window = int(pack.value("stays.rolling_window.window_days", on=on))
    visa_free = [
        (n, int(pack.value("stays.visa_free.max_days", on=on, variant=n)))
        for n in pack.value("stays.visa_free.nationalities", on=on)
    ]
    db = duckdb.connect()
    start = time.perf_counter()
    db.execute(f"CREATE TABLE events AS SELECT * FROM read_parquet('{paths['events']}')")
    db.execute(
        f"CREATE TABLE nationalities AS SELECT * FROM read_parquet('{paths['nationalities']}')"
    )
    db.execute("CREATE TABLE visa_free (country VARCHAR, max_days INTEGER)")
    db.executemany("INSERT INTO visa_free VALUES (?, ?)", visa_free)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    rows = db.execute(
        DUCKDB_QUERY, {"tz": pack.timezone, "on": on.toordinal(), "window": window}
    ).fetchall()
    seconds = time.perf_counter() - start
    db.close()
    found = {str(pid).replace("-", ""): int(days) for pid, _s, _u, days, _p in rows if days > 0}
    return found, loaded, seconds


def _ours(on: dt.date) -> dict[str, int]:
    from umis.stays.models import Violation

    out = {}
    rows = Violation.objects.filter(
        type="overstay", status="open", facts__as_of=on.isoformat()
    ).values_list("person_id", "facts")
    for pid, facts in rows:
        out[pid.hex] = int(facts["overstay_days"])
    return out


def append_trips(count: int, on: dt.date) -> int:
    """``count`` new crossings received now: on PostgreSQL a day at the border (half
    arrivals of persons abroad, half departures of persons in the country); in the
    portable smoke path complete trips of persons abroad. Returns how many were added."""
    from umis.border.models import BorderEvent

    trips = count // 2
    start = dt.datetime.combine(on, dt.time(0), tzinfo=dt.UTC)
    columns = [
        f.column
        for f in BorderEvent._meta.concrete_fields
        if f.column not in {"id", "event_id", "direction", "occurred_at", "received_at"}
    ]
    cols = ", ".join(columns)
    before = BorderEvent.objects.count()
    if connection.vendor != "postgresql":
        # Portable, for the smoke test: row by row.
        latest: dict[object, BorderEvent] = {}
        for event in BorderEvent.objects.filter(person__isnull=False).order_by(
            "person_id", "occurred_at", "id"
        ):
            latest[event.person_id] = event
        picked = [e for e in latest.values() if e.direction == "exit" and e.occurred_at < start]
        for n, last in enumerate(picked[:trips]):
            origin = last.occurred_at
            for direction, share in (("entry", 0.4), ("exit", 0.7)):
                last.pk = None
                last.event_id = f"SWEEPBENCH-{before}-{n}-{direction}"
                last.direction = direction
                last.occurred_at = origin + (start - origin) * share
                last.save()
        return BorderEvent.objects.count() - before
    with connection.cursor() as cursor:
        # A day at the border: half arrivals of persons abroad, half departures of persons
        # in the country, during the last 20 hours before ``on`` (and before now).
        cursor.execute(
            f"""
            WITH last AS (
              SELECT DISTINCT ON (person_id) *
                FROM border_borderevent WHERE person_id IS NOT NULL
               ORDER BY person_id DESC, occurred_at DESC, id DESC
            ), arrivals AS (
              SELECT * FROM last
               WHERE direction = 'exit' AND occurred_at < %(start)s - interval '2 days'
               ORDER BY md5(person_id::text) LIMIT %(half)s
            ), departures AS (
              SELECT * FROM last
               WHERE direction = 'entry' AND occurred_at < %(start)s - interval '2 days'
               ORDER BY md5(person_id::text) LIMIT %(half)s
            ), picked AS (
              SELECT 'entry' AS new_direction, * FROM arrivals
              UNION ALL
              SELECT 'exit', * FROM departures
            )
            INSERT INTO border_borderevent
              (event_id, direction, occurred_at, received_at, {cols})
            SELECT 'SWEEPBENCH-' || %(tag)s || '-' || id, new_direction,
                   LEAST(%(start)s, now()) - interval '1 minute'
                     - (abs(hashtext(id::text)) %% 72000) * interval '1 second',
                   now(), {cols}
              FROM picked
            """,
            {"start": start, "half": count // 2, "tag": str(before)},
        )
        added = cursor.rowcount
        cursor.execute("ANALYZE border_borderevent")
    return added


def run(*, on: dt.date | None = None, new_events: int = 100_000) -> SweepBenchResult:
    """Measure on the current database (see the module docstring)."""
    from django.utils import timezone

    from umis.border.models import BorderEvent
    from umis.stays.sweeps import sweep_full, sweep_incremental

    on = on or timezone.localdate()
    events = BorderEvent.objects.count()
    deep = sweep_full(on=on, deep=True)
    full = sweep_full(on=on, deep=False)
    ours = _ours(on)
    from umis.stays.models import Violation

    unregistered = Violation.objects.filter(
        type="unregistered_stay", status="open", facts__ended_on=None
    ).count()
    with tempfile.TemporaryDirectory(prefix="umis-sweep-") as directory:
        paths, exported = _export(directory, on)
        theirs, loaded, duck = _duckdb(paths, on)
    differ = sorted(set(ours.items()) ^ set(theirs.items()))
    differing = sorted({pid for pid, _d in differ})
    examples = [f"{pid}: ours {ours.get(pid)} duckdb {theirs.get(pid)}" for pid in differing[:5]]
    added = append_trips(new_events, on)
    incremental = sweep_incremental(on=on)
    return SweepBenchResult(
        vendor=connection.vendor,
        events=events,
        in_country=full.in_country,
        overstayers=len(ours),
        unregistered=unregistered,
        deep_seconds=deep.seconds,
        full_seconds=full.seconds,
        export_seconds=exported,
        load_seconds=loaded,
        duckdb_seconds=duck,
        new_events=added,
        incremental_seconds=incremental.seconds,
        incremental_checked=incremental.checked,
        mismatches=len(differing),
        examples=examples,
    )
