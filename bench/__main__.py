"""`make bench` / `python -m bench [registry] [border] [--persons N] [--events M]`.

Runs on PostgreSQL (UMIS_BENCH_POSTGRES_URL, default the local server) in a database of
its own (UMIS_BENCH_DB, default `umis_bench`), created afresh each run unless `--reuse`
is given, in which case the data already there is kept and only what is missing is
generated (handy when re-measuring one part on a million persons).

The `border` part loads `--events` crossings (default ten per person) and then measures,
in this order: the overstay sweep against DuckDB, the border check under load against a
minimal endpoint of the same server, and bulk ingestion against raw COPY.

The `identity` part (bench/identity.py) needs no database: UMIS `identity dedupe` against
Splink on `--records` generated CSV records, and UMIS alone on `--big N` if given.
"""

from __future__ import annotations

import argparse
import os
import sys

PARTS = ["registry", "border", "search", "identity"]
CHECKS = ["sweep", "check", "ingest"]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("parts", nargs="*", default=["registry"], choices=PARTS)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=None, help="default: 10 per person")
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    parser.add_argument(
        "--only", nargs="*", choices=CHECKS, default=CHECKS, help="border measurements to run"
    )
    parser.add_argument("--check-seconds", type=float, default=30.0)
    parser.add_argument("--ingest-events", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=50_000, help="identity: CSV records")
    parser.add_argument("--big", type=int, default=None, help="identity: time UMIS on N records")
    args = parser.parse_args()
    events = args.events if args.events is not None else 10 * args.persons
    if "identity" in args.parts:
        # UMIS dedupe against Splink on generated CSV files: no database needed.
        from bench import identity

        identity.run(args.records, big=args.big)
        if set(args.parts) == {"identity"}:
            return 0

    server = os.environ.get(
        "UMIS_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    name = os.environ.get("UMIS_BENCH_DB", "umis_bench")
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (args.reuse and exists):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umis.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from umis.core.reference import reference_load

    reference_load()
    from umis.registry.models import Person

    have = Person.objects.count()
    needs_persons = "border" in args.parts or "search" in args.parts
    if "registry" in args.parts or (needs_persons and have < args.persons):
        from bench import registry

        print(
            "registry bulk load:", registry.run(args.persons - have, seed=have).line(), flush=True
        )
    if "border" in args.parts:
        _border(args, events)
    if "search" in args.parts:
        from bench import identity_search

        # With --reuse the keys already there are measured (the generator wrote them);
        # without it they are rebuilt, which is measured too.
        result = identity_search.run(rebuild=not args.reuse)
        print("person search:", result.line(), flush=True)
    return 0


def _border(args: argparse.Namespace, events: int) -> None:
    from umis.border.models import BorderEvent

    have = BorderEvent.objects.count()
    if have < events:
        from bench import border_data

        result = border_data.load_events(events - have, seed=have)
        print("border events (generated):", result.line(), flush=True)
    if "sweep" in args.only:
        from bench import border_sweep

        print("border sweep:", border_sweep.run().line(), flush=True)
    if "check" in args.only:
        from bench import border_check

        print("border check:", border_check.run(duration=args.check_seconds).line(), flush=True)
    if "ingest" in args.only:
        from bench import border_ingest

        print("border ingest:", border_ingest.run(events=args.ingest_events).line(), flush=True)


if __name__ == "__main__":
    sys.exit(main())
