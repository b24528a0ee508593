"""`umis demo_users`: create (or repair) the demo staff accounts and print them with their
current TOTP codes. DEMO ONLY: the password and the TOTP secrets are public."""

from __future__ import annotations

from typing import Any

import pyotp
from django.core.management.base import BaseCommand, CommandError, CommandParser

from umis.core.demo_users import DemoUsersRefused, demo_users_ensure


class Command(BaseCommand):
    help = (
        "Create the demo staff accounts (officer, supervisor, border, analyst, admin) with "
        "the demo password and fixed TOTP secrets, idempotently; print them with the "
        "current codes. For demonstrations only; refused with UMIS_ENV=production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="create them even with UMIS_ENV=production (publicly known credentials!)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            accounts = demo_users_ensure(allow_production=options["allow_production"])
        except (DemoUsersRefused, RuntimeError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Demo accounts (DEMO ONLY; password for all: {accounts[0].password}):")
        self.stdout.write(
            f"  {'username':<12}{'role':<16}{'TOTP secret (add to an app)':<36}code now"
        )
        for account in accounts:
            code = pyotp.TOTP(account.totp_secret).now()
            self.stdout.write(
                f"  {account.username:<12}{account.role:<16}{account.totp_secret:<36}{code}"
            )
        self.stdout.write("Codes change every 30 s; `umis totp <username>` prints the current one.")
