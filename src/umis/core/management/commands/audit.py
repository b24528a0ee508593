"""`umis audit verify`: walk the hash chain; non-zero exit naming the first broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from umis.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks the hash chain end to end."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Recompute the hash chain and report the first break")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            result = audit_verify()
            if not result.ok:
                raise CommandError(
                    f"audit chain BROKEN at entry #{result.first_bad_id}: {result.reason} "
                    f"({result.checked} entries verified before it)",
                    returncode=2,
                )
            self.stdout.write(
                self.style.SUCCESS(f"audit chain intact: {result.checked} entries verified")
            )
