"""The hot-path cursor (ADR 0010): prepared on PostgreSQL unless turned off, reused per
connection and renewed with it, visible to Django's query log, portable elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from umis.core.db import hot_cursor

QUERY = "SELECT alpha3 FROM core_country WHERE alpha3 = %s"


def _prepared(text: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"]
        )
        return int(cursor.fetchone()[0])


def _run(code: str) -> list[Any]:
    with hot_cursor() as cursor:
        cursor.execute(QUERY, [code])
        return list(cursor.fetchall())


@pytest.mark.django_db
def test_answers_like_a_django_cursor_and_is_counted(reference: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert _run("AZE") == [("AZE",)]
        assert _run("ZZZ") == []
    logged = [q["sql"] for q in queries.captured_queries]
    assert len(logged) == 2 and all("FROM core_country WHERE alpha3" in q for q in logged)


@pytest.mark.django_db(transaction=True)  # closes the connection: no test transaction
def test_postgresql_prepares_the_statement_once_per_connection(reference: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL")
    connection.close()  # a fresh connection: nothing prepared yet
    _run("AZE")
    _run("DEU")
    assert _prepared("WHERE alpha3 = $1") == 1
    # The connection goes away (CONN_MAX_AGE, a restart): the next use opens a new
    # cursor on the new connection and prepares there again.
    connection.close()
    assert _run("AZE") == [("AZE",)]
    assert _prepared("WHERE alpha3 = $1") == 1


@pytest.mark.django_db(transaction=True)
def test_preparing_can_be_turned_off_for_a_pooler(reference: None, settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL")
    settings.UMIS_DB_PREPARE = False
    connection.close()
    assert _run("AZE") == [("AZE",)]
    assert _prepared("WHERE alpha3 = $1") == 0
