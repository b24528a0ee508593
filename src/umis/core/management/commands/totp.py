"""`umis totp USERNAME`: print the current TOTP code of a DEMO account (and nothing else).

Only the demo accounts of umis.core.demo_users qualify: their secrets are public anyway.
Every other account is refused, as is any use with UMIS_ENV=production."""

from __future__ import annotations

from typing import Any

import pyotp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from umis.core.demo_users import demo_account, demo_user_has_demo_totp


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo accounts only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("refused: UMIS_ENV=production has no demo accounts")
        account = demo_account(username)
        if account is None:
            raise CommandError(
                f"{username!r} is not a demo account; codes are only printed for demo "
                "accounts (see `umis demo_users`)"
            )
        if not demo_user_has_demo_totp(account):
            raise CommandError(
                f"the account {username!r} does not exist or no longer has the demo "
                "authenticator; run `umis demo_users` first"
            )
        self.stdout.write(pyotp.TOTP(account.totp_secret).now())
