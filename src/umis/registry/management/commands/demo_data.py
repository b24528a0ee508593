"""`umis demo_data`: fill the registry with a synthetic population of foreigners and
stateless persons (see umis.registry.demo). For demonstrations and load tests only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from umis.core.reference import reference_is_loaded
from umis.registry.demo import DEFAULT_BATCH, DEFAULT_PERSONS, demo_data_generate
from umis.registry.models import Person


class Command(BaseCommand):
    help = (
        "Generate a synthetic, deterministic demo population (persons with names in several "
        "scripts, nationalities, documents with valid MRZs, addresses) and hosts/employers. "
        "Needs the reference data (`umis load_reference`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--persons",
            type=int,
            default=DEFAULT_PERSONS,
            help=f"number of persons (default {DEFAULT_PERSONS})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=0,
            help="random seed: the same seed gives the same population",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH,
            help=f"persons generated and inserted per batch (default {DEFAULT_BATCH})",
        )
        parser.add_argument(
            "--organisations",
            type=int,
            default=None,
            help="hosts and employers (default: one per 100 persons, at least 10)",
        )
        parser.add_argument(
            "--as-of",
            default=None,
            metavar="YYYY-MM-DD",
            help="the date ages and document validity are computed from (default: today)",
        )
        parser.add_argument(
            "--method",
            choices=["copy", "bulk_create"],
            default=None,
            help="insert method (default: COPY on PostgreSQL, else bulk_create)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="do not show the progress bar"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not reference_is_loaded():
            raise CommandError("Reference data is missing: run `umis load_reference` first.")
        persons = options["persons"]
        if persons < 0:
            raise CommandError("--persons must not be negative")
        if options["batch"] < 1:
            raise CommandError("--batch must be positive")
        today = None
        if options["as_of"]:
            try:
                today = date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(f"--as-of: {exc}") from None
        existing = Person.objects.count()
        if existing and options["verbosity"] > 0:
            self.stderr.write(
                f"Note: {existing} persons exist already. A seed always yields the same "
                "people; loaded again they get new FINs and document numbers. Use another "
                "--seed for different people."
            )
        try:
            result = demo_data_generate(
                persons,
                seed=options["seed"],
                batch_size=options["batch"],
                organisations=options["organisations"],
                today=today,
                progress=not options["no_progress"] and options["verbosity"] > 0,
                method=options["method"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data (seed {result.seed}): {result.persons} persons, {result.names} names, "
                f"{result.nationalities} nationalities, {result.documents} documents, "
                f"{result.addresses} addresses, {result.organisations} organisations."
            )
        )
        self.stdout.write(
            f"{result.rows} rows in {result.seconds:.1f} s with {result.method} "
            f"({result.persons_per_second:,.0f} persons/s, "
            f"{result.rows / result.seconds if result.seconds else 0:,.0f} rows/s)."
        )
