"""`umis sandboxes`: the local tax-registry and SMS-gateway sandbox, in the foreground.

`umis serve` starts it for the demo when the adapters point at this machine; run it by
hand to try the adapters (docs/integrations.md). Stops on Ctrl+C or SIGTERM.
"""

from __future__ import annotations

import signal
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from umis.exchange.sandbox import DEFAULT_SEED_PATH, serve_forever


def _interrupt(*_: object) -> NoReturn:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the local sandbox of the tax registry and the SMS gateway"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--seed",
            default=None,
            metavar="PATH",
            help=f"taxpayer seed (JSON; default {DEFAULT_SEED_PATH.name})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # SIGTERM (from `umis serve` or a service manager) ends the loop like Ctrl+C.
        signal.signal(signal.SIGTERM, _interrupt)

        def ready(url: str) -> None:
            self.stdout.write(f"Sandbox (tax registry, SMS gateway) listening on {url}")
            self.stdout.flush()

        try:
            serve_forever(options["host"], options["port"], seed_path=options["seed"], ready=ready)
        except ValueError as exc:  # a bad seed file
            raise CommandError(str(exc)) from None
        except OSError as exc:  # e.g. the port is taken
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from None
        self.stdout.write("Sandbox stopped.")
