"""`umis setup_demo`: everything `make run` needs after migrate, done only when absent:
reference data, the demo staff accounts, a demo population and its border and stay data
(crossings, visas, entry bans, invalid documents, registrations, sweep findings: see
umis.border.demo). Prints how to sign in."""

from __future__ import annotations

import os
from typing import Any

import pyotp
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Load reference data and demo data when absent; print the demo accounts"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=2000)
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, **options: Any) -> None:
        from umis.border.demo import demo_border_data_ensure
        from umis.core.demo_users import (
            demo_host_ensure,
            demo_public_accounts_ensure,
            demo_users_ensure,
        )
        from umis.core.reference import reference_is_loaded, reference_load
        from umis.registry.models import Person

        if not reference_is_loaded():
            counts = reference_load()
            self.stdout.write(f"Reference data loaded: {counts}")
        accounts = demo_users_ensure()
        host = demo_host_ensure()
        public = demo_public_accounts_ensure()
        if not Person.objects.exists():
            call_command("demo_data", persons=options["persons"], stdout=self.stdout)
        # Only when no border event exists: re-running adds nothing.
        border = demo_border_data_ensure()
        if border is not None:
            self.stdout.write(border.line())
        # Only when no case exists: a few applications in every stage of the procedure.
        from umis.permits.demo import demo_cases_ensure

        cases = demo_cases_ensure()
        if cases is not None:
            self.stdout.write(cases.line())
        # Once: a few persons recorded twice under other spellings, for the review queue.
        from umis.identity.demo import demo_duplicates_ensure

        duplicates = demo_duplicates_ensure()
        if duplicates is not None:
            self.stdout.write(duplicates.line())
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"UMIS is starting on {url}"))
        self.stdout.write(f"  Back office: {url}office/   API docs: {url}api/v1/docs")
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (demo only; password for all: {accounts[0].password}):")
        self.stdout.write(
            f"  {'username':<12}{'role':<16}{'TOTP secret (add to an app)':<36}code now"
        )
        for a in accounts:
            code = pyotp.TOTP(a.totp_secret).now()
            self.stdout.write(f"  {a.username:<12}{a.role:<16}{a.totp_secret:<36}{code}")
        self.stdout.write(
            f"  {host.username:<12}{'host (portal)':<16}"
            f"{'no second factor':<36}{host.organisation_name}, VÖEN {host.organisation_voen}"
        )
        for p in public:
            detail = (
                f"{p.organisation_name}, VÖEN {p.organisation_voen}"
                if p.organisation_voen
                else p.email
            )
            self.stdout.write(f"  {p.username:<12}{p.label:<16}{'no second factor':<36}{detail}")
        self.stdout.write(f"  Host area: {url}host/ (sign in as {host.username})")
        self.stdout.write(
            f"  Online applications: {url}apply/ (portal accounts "
            + ", ".join(p.username for p in public)
            + "; the employer applies for work permits)"
        )
        self.stdout.write("")
        self.stdout.write(
            "Second factor: add the secret to any authenticator app (TOTP, 30 s, "
            "6 digits), or print the current code with "
            "`.venv/bin/umis totp <username>`."
        )
