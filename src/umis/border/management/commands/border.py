"""`umis border import FILE --as USERNAME`: load entry/exit events from CSV or JSONL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from umis.border.importer import ImportFileError, import_file
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
        imp.add_argument("--batch", type=int, default=1000)
        imp.add_argument(
            "--restart",
            action="store_true",
            help="ignore the checkpoint and read the file from the start",
        )
        imp.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account '{options['username']}'.")
        if options["batch"] < 1 or options["batch"] > 10_000:
            raise CommandError("--batch must be between 1 and 10000")
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
