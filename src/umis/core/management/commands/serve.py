"""`umis serve`: the web server, a task worker and the scheduler, for the demo and development.

Production runs them as separate services (docs/operations.md): gunicorn for the web tier,
`umis db_worker` for workers, as many of each as needed, and one `umis scheduler`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the web server and a background task worker"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("UMIS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        children: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            for name, argv in (
                ("Task worker", ["db_worker", "--queue-name", "*", "--no-startup-delay"]),
                ("Scheduler", ["scheduler"]),
            ):
                child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    [sys.executable, "-m", "umis.cli", *argv], env=os.environ.copy()
                )
                children.append(child)
                self.stdout.write(f"{name} started (pid {child.pid}).")
        try:
            call_command(
                "runserver",
                f"{options['host']}:{options['port']}",
                use_reloader=False,
                use_threading=True,
            )
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
