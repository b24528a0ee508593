"""Database-specific pieces behind one small interface, each with a portable fallback."""

from __future__ import annotations

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
