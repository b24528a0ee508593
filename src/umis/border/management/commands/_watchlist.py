"""The watch-list sub-commands of `umis border` (the `border` command adds them):

    umis border import-bans FILE --as USERNAME
    umis border import-invalid-documents FILE --as USERNAME [--source "Interpol SLTD"]

CSV (first line: column names) or JSON Lines (.jsonl); see docs/border.md. Safe to run
again on the same file. Rejected lines go to FILE.errors.csv with their line numbers.
(A module whose name starts with "_" is not a command of its own.)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from umis.border import watchlist_import as files
from umis.core.errors import ApplicationError
from umis.core.models import User

ACTIONS = ("import-bans", "import-invalid-documents")


def add_watchlist_subcommands(sub: Any) -> None:
    """Add the sub-commands to the `border` command's sub-parsers."""
    for action, help_text in (
        ("import-bans", "Load entry bans from CSV or JSON Lines"),
        ("import-invalid-documents", "Load lost, stolen, revoked or forged documents"),
    ):
        parser: argparse.ArgumentParser = sub.add_parser(action, help=help_text)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="the account the rows are recorded under (a supervisor or border officer)",
        )
        parser.add_argument(
            "--batch-size",
            "--batch",
            dest="batch",
            type=int,
            default=1000,
            help="rows per transaction (1 to 10000)",
        )
        parser.add_argument("--no-progress", action="store_true")
        if action == "import-invalid-documents":
            parser.add_argument(
                "--source",
                default="",
                help="who reported the documents, e.g. 'Interpol SLTD' (default: the file name)",
            )


def handle_watchlist(command: BaseCommand, options: dict[str, Any]) -> bool:
    """Run a watch-list sub-command; False when `options` is for another action."""
    action = options.get("action")
    if action not in ACTIONS:
        return False
    actor = User.objects.filter(username=options["username"], is_active=True).first()
    if actor is None:
        raise CommandError(f"No active account '{options['username']}'.")
    if options["batch"] < 1 or options["batch"] > 10_000:
        raise CommandError("--batch-size must be between 1 and 10000")
    path: Path = options["file"]
    if action == "import-bans":
        spec, load, what = files.BANS, files.ban_loader(actor), "bans"
    else:
        source = options.get("source") or path.name
        spec = files.INVALID_DOCUMENTS
        load, what = files.invalid_document_loader(actor, source), "documents"
    try:
        summary = files.import_file(
            path,
            spec=spec,
            load=load,
            batch_size=options["batch"],
            progress=not options["no_progress"],
        )
    except files.WatchlistFileError as exc:
        raise CommandError(str(exc), returncode=2) from exc
    except ApplicationError as exc:  # e.g. the account may not manage the watch list
        raise CommandError(exc.detail, returncode=2) from exc
    command.stdout.write(
        f"{summary.lines} lines: {summary.created} {what} added, {summary.updated} updated, "
        f"{summary.unchanged} already known, {summary.rejected} rejected"
    )
    if summary.rejected:
        command.stdout.write(f"Rejected rows: {path}.errors.csv")
    return True
