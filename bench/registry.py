"""Registry bulk load: synthetic persons (names, nationalities, documents with MRZ,
addresses) generated and inserted by `umis demo_data`, against a raw COPY (PostgreSQL) or
executemany INSERT (SQLite) of the very same rows into empty clones of the same tables,
with the same indexes and constraints. The ratio is the cost of generating the data and
going through our insert path, relative to only writing the bytes."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

from django.db import connection, transaction

TABLES = [
    "registry_person",
    "registry_personname",
    "registry_nationality",
    "registry_identitydocument",
    "registry_address",
    # Written with every person since identity resolution (issue #5): about ten a person.
    "identity_namekey",
]


@dataclass
class RegistryResult:
    vendor: str
    persons: int
    rows: int
    generate_seconds: float
    baseline_seconds: float

    @property
    def ratio(self) -> float:
        return self.generate_seconds / self.baseline_seconds if self.baseline_seconds else 0.0

    def line(self) -> str:
        per_s = self.persons / self.generate_seconds if self.generate_seconds else 0
        million = 1_000_000 / per_s / 60 if per_s else 0
        return (
            f"{self.vendor}: {self.persons:,} persons ({self.rows:,} rows) in "
            f"{self.generate_seconds:.1f} s = {per_s:,.0f} persons/s "
            f"(1,000,000 ≈ {million:.1f} min); raw baseline {self.baseline_seconds:.1f} s; "
            f"ratio {self.ratio:.2f}x"
        )


def _baseline_postgresql() -> float:
    elapsed = 0.0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor
        for table in TABLES:
            clone = f"bench_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {clone}")
            cursor.execute(f"CREATE TABLE {clone} (LIKE {table} INCLUDING ALL)")
            buf = io.BytesIO()
            with raw.copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buf.write(chunk)
            data = buf.getvalue()
            start = time.perf_counter()
            with raw.copy(f"COPY {clone} FROM STDIN") as copy:
                for i in range(0, len(data), 1 << 20):
                    copy.write(data[i : i + (1 << 20)])
            elapsed += time.perf_counter() - start
            cursor.execute(f"DROP TABLE {clone}")
    return elapsed


def _baseline_sqlite() -> float:
    elapsed = 0.0
    with connection.cursor() as cursor:
        for table in TABLES:
            clone = f"bench_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {clone}")
            cursor.execute(f"CREATE TABLE {clone} AS SELECT * FROM {table} WHERE 0")
            cursor.execute(f"SELECT * FROM {table}")
            rows = cursor.fetchall()
            if rows:
                marks = ",".join(["%s"] * len(rows[0]))
                start = time.perf_counter()
                cursor.executemany(f"INSERT INTO {clone} VALUES ({marks})", rows)
                elapsed += time.perf_counter() - start
            cursor.execute(f"DROP TABLE {clone}")
    return elapsed


def run(persons: int, *, seed: int = 0) -> RegistryResult:
    """Generate `persons` into the current database (reference data must be loaded)."""
    from umis.registry.demo import demo_data_generate

    start = time.perf_counter()
    result = demo_data_generate(persons, seed=seed)
    generate = time.perf_counter() - start
    with transaction.atomic():
        baseline = (
            _baseline_postgresql() if connection.vendor == "postgresql" else _baseline_sqlite()
        )
    return RegistryResult(connection.vendor, persons, result.rows, generate, baseline)
