"""`make bench` / `python -m bench [registry] [--persons N]`.

Runs on PostgreSQL (UMIS_BENCH_POSTGRES_URL, default the local server) in a database of
its own, `umis_bench`, created afresh each run."""

from __future__ import annotations

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("parts", nargs="*", default=["registry"], choices=["registry"])
    parser.add_argument("--persons", type=int, default=100_000)
    args = parser.parse_args()

    server = os.environ.get(
        "UMIS_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS umis_bench")
        admin.execute("CREATE DATABASE umis_bench")
    os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/umis_bench"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umis.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from umis.core.reference import reference_load

    reference_load()
    if "registry" in args.parts:
        from bench import registry

        print("registry bulk load:", registry.run(args.persons).line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
