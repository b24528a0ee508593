"""`umis signing_keys list|rotate|revoke KID`: the keys that sign issued documents' QR codes.

Rotation retires the active keys (documents they signed stay valid); revocation is for a
compromised key (documents it signed stop verifying). See umis.permits.keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from umis.core.errors import ApplicationError
from umis.permits.keys import (
    KeyStatus,
    signing_key_dir,
    signing_key_file_exists,
    signing_key_list,
    signing_key_revoke,
    signing_key_rotate,
    signing_key_status,
)
from umis.permits.models import SigningKey


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S%z") if value else "-"


class Command(BaseCommand):
    help = (
        "Document signing keys. `list` shows every key; `rotate` creates a key and retires "
        "the active ones (they keep verifying); `revoke KID` revokes a compromised key "
        "(what it signed no longer verifies)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List the keys, newest first")
        sub.add_parser("rotate", help="Create a new signing key and retire the active ones")
        revoke = sub.add_parser("revoke", help="Revoke a compromised key")
        revoke.add_argument("kid", help="the key id, as `list` shows it")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "rotate":
                key = signing_key_rotate()
                self.stdout.write(self.style.SUCCESS(f"new signing key {key.kid}"))
                self._table([key])
            elif action == "revoke":
                key = signing_key_revoke(options["kid"])
                self.stdout.write(self.style.WARNING(f"revoked signing key {key.kid}"))
                self._table([key])
                if not any(signing_key_status(k) == KeyStatus.ACTIVE for k in signing_key_list()):
                    self.stdout.write(
                        "no active key is left: the next issued document creates one "
                        "(or run `umis signing_keys rotate` now)"
                    )
            else:
                keys = signing_key_list()
                if not keys:
                    self.stdout.write("no signing keys yet (the first issued document creates one)")
                    return
                self._table(keys)
        except ApplicationError as exc:
            raise CommandError(str(exc.detail)) from None

    def _table(self, keys: list[SigningKey]) -> None:
        self.stdout.write(f"key directory: {signing_key_dir()}")
        self.stdout.write(
            f"{'kid':<24}{'status':<9}{'activated':<26}{'retired':<26}{'revoked':<26}file here"
        )
        for key in keys:
            self.stdout.write(
                f"{key.kid:<24}{signing_key_status(key):<9}{_when(key.activated_at):<26}"
                f"{_when(key.retired_at):<26}{_when(key.revoked_at):<26}"
                f"{'yes' if signing_key_file_exists(key.kid) else 'no'}"
            )
