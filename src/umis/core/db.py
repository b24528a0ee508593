"""Database-specific pieces behind one small interface, each with a portable fallback."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

AUDIT_TABLE = "core_auditentry"

_PG_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION umis_audit_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS umis_audit_append_only ON {AUDIT_TABLE}",
    f"""CREATE TRIGGER umis_audit_append_only BEFORE UPDATE OR DELETE ON {AUDIT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION umis_audit_append_only()""",
    f"DROP TRIGGER IF EXISTS umis_audit_no_truncate ON {AUDIT_TABLE}",
    f"""CREATE TRIGGER umis_audit_no_truncate BEFORE TRUNCATE ON {AUDIT_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION umis_audit_append_only()""",
]
_PG_DROP = [
    f"DROP TRIGGER IF EXISTS umis_audit_append_only ON {AUDIT_TABLE}",
    f"DROP TRIGGER IF EXISTS umis_audit_no_truncate ON {AUDIT_TABLE}",
]
_SQLITE_INSTALL = [
    "DROP TRIGGER IF EXISTS umis_audit_no_update",
    f"""CREATE TRIGGER umis_audit_no_update BEFORE UPDATE ON {AUDIT_TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (UPDATE refused)'); END""",
    "DROP TRIGGER IF EXISTS umis_audit_no_delete",
    f"""CREATE TRIGGER umis_audit_no_delete BEFORE DELETE ON {AUDIT_TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (DELETE refused)'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS umis_audit_no_update",
    "DROP TRIGGER IF EXISTS umis_audit_no_delete",
]


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install_audit_triggers(connection: Any) -> None:
    """Make the audit table refuse UPDATE and DELETE at the database level."""
    if connection.vendor == "postgresql":
        _run(connection, _PG_INSTALL)
    elif connection.vendor == "sqlite":
        _run(connection, _SQLITE_INSTALL)


def drop_audit_triggers(connection: Any) -> None:
    if connection.vendor == "postgresql":
        _run(connection, _PG_DROP)
    elif connection.vendor == "sqlite":
        _run(connection, _SQLITE_DROP)


@contextmanager
def hot_cursor() -> Iterator[Any]:
    """A cursor for the few queries run on every request of a hot path (token lookup,
    border check, audit append). On PostgreSQL it is psycopg's own cursor with
    server-side binding, and each statement is prepared on the connection the first
    time it runs there: PostgreSQL then stops parsing and planning it, and parameters
    travel apart from the text instead of being quoted into it in Python. Django's
    cursors bind on the client and never prepare (so that connection poolers work): right
    for the ORM's arbitrary SQL, costly for a fixed query run hundreds of times a second.
    Behind a pooler in transaction mode that cannot keep prepared statements, set
    ``UMIS_DB_PREPARE=0``. Elsewhere it is Django's cursor.

    Same connection and transaction as the ORM: inside ``transaction.atomic`` it runs in
    that transaction. One cursor per connection, reused (fetch what a query returns
    before the next one). Errors are psycopg's own (unexpected on these queries)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    wrapper = connections[DEFAULT_DB_ALIAS]
    if wrapper.vendor != "postgresql":
        with wrapper.cursor() as portable:
            yield portable
        return
    wrapper.ensure_connection()
    raw = wrapper.connection
    cursor: Any = getattr(wrapper, "_umis_hot_cursor", None)
    if cursor is None or cursor.closed or cursor.connection is not raw:
        cursor = _hot_cursor_open(raw)
        wrapper._umis_hot_cursor = cursor  # type: ignore[attr-defined]
    # Seen by CaptureQueriesContext and DEBUG's query log, as Django's cursors are.
    cursor.log = wrapper.queries_log if wrapper.queries_logged else None
    yield cursor


def _hot_cursor_open(raw: Any) -> Any:
    from django.conf import settings

    prepare = bool(getattr(settings, "UMIS_DB_PREPARE", True))
    if prepare and raw.prepare_threshold is None:
        # Django turns preparing off for the whole connection; turn it on for explicit
        # requests only (a threshold never reached): Django's own cursors bind on the
        # client and never prepare anyway.
        raw.prepare_threshold = 2**31 - 1
    cursor = _preparing_cursor()(raw)
    cursor.prepare = True if prepare else None
    return cursor


@functools.cache
def _preparing_cursor() -> Any:
    import psycopg

    class PreparingCursor(psycopg.Cursor[Any]):
        prepare: bool | None = True
        log: Any = None

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", self.prepare)
            if self.log is None:
                return super().execute(query, params, **kwargs)
            start = time.monotonic()
            try:
                return super().execute(query, params, **kwargs)
            finally:
                self.log.append({"sql": str(query), "time": f"{time.monotonic() - start:.3f}"})

    return PreparingCursor
