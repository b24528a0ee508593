"""`umis load_reference` (alias `umis load-reference`): load the shipped reference data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from umis.core.reference import reference_load


class Command(BaseCommand):
    help = (
        "Load countries, regions, cities, offices, crossing points and document types. "
        "Idempotent: creates what is missing and leaves administrators' edits alone unless "
        "--update is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Also overwrite names and other shipped fields of existing rows "
            "(is_active is never touched).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reference_load(update=options["update"], stdout=self.stdout)
        if any(counts.values()):
            self.stdout.write(self.style.SUCCESS("Reference data loaded."))
        else:
            self.stdout.write("Reference data already up to date.")
