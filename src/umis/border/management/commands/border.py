"""`umis border import FILE --as USERNAME`: load entry/exit events from CSV or JSONL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from umis.border.importer import ImportFileError, bulk_available, import_file, max_batch
from umis.border.management.commands._watchlist import (
    add_watchlist_subcommands,
    handle_watchlist,
)
from umis.core.errors import ApplicationError
from umis.core.models import User


class Command(BaseCommand):
    help = "Border data tools. `import FILE --as USERNAME` loads entry/exit events."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Load events from CSV or JSON Lines")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--as",
            dest="username",
            required=True,
            help="the account the events are received under (border officer "
            "or the border system's account)",
        )
        imp.add_argument(
            "--batch-size",
            "--batch",
            dest="batch",
            type=int,
            default=None,
            help="rows per transaction (default 50000 on PostgreSQL, 1000 otherwise)",
        )
        imp.add_argument(
            "--restart",
            action="store_true",
            help="ignore the checkpoint and read the file from the start",
        )
        imp.add_argument("--no-progress", action="store_true")
        add_watchlist_subcommands(sub)  # import-bans, import-invalid-documents

    def handle(self, *args: Any, **options: Any) -> None:
        if handle_watchlist(self, options):
            return
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account '{options['username']}'.")
        limit = max_batch(use_bulk=bulk_available())
        if options["batch"] is not None and not 1 <= options["batch"] <= limit:
            raise CommandError(f"--batch-size must be between 1 and {limit}")
        try:
            summary = import_file(
                options["file"],
                actor=actor,
                batch_size=options["batch"],
                progress=not options["no_progress"],
                resume=not options["restart"],
            )
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except ApplicationError as exc:
            raise CommandError(exc.detail, returncode=2) from exc
        self.stdout.write(
            f"{summary.lines} lines: {summary.created} events stored, "
            f"{summary.duplicates} already known, {summary.rejected} rejected"
            + (f", {summary.skipped} skipped (before the checkpoint)" if summary.skipped else "")
        )
        if summary.rejected:
            self.stdout.write(f"Rejected rows: {options['file']}.errors.csv")
