"""`umis serve`: the web server, a task worker and the scheduler, for the demo and development.

Production runs them as separate services (docs/operations.md): gunicorn for the web tier,
`umis db_worker` for workers, as many of each as needed, and one `umis scheduler`.
When the external-system adapters point at this machine (the demo defaults), the local
sandbox of the tax registry and the SMS gateway (`umis sandboxes`) is started too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def sandbox_addresses(*urls: str) -> list[tuple[str, int]]:
    """Where to start a sandbox: (host, port) of each distinct local address, only when
    every adapter URL points at this machine (the demo). A remote or unset URL means real
    systems are configured, and a local stand-in would hide that."""
    addresses: set[tuple[str, int]] = set()
    for url in urls:
        parts = urlsplit(url)
        try:
            port = parts.port or 80
        except ValueError:  # a malformed port: not ours to start anything for
            return []
        if parts.scheme != "http" or parts.hostname not in _LOCAL_HOSTS:
            return []
        addresses.add(("::1" if parts.hostname == "::1" else "127.0.0.1", port))
    return sorted(addresses)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = "Run the web server and a background task worker"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("UMIS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true")
        parser.add_argument(
            "--no-sandboxes",
            action="store_true",
            help="do not start the local tax-registry and SMS sandbox",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        children: list[subprocess.Popen[bytes]] = []
        programs: list[tuple[str, list[str]]] = []
        if not options["no_worker"]:
            programs += [
                ("Task worker", ["db_worker", "--queue-name", "*", "--no-startup-delay"]),
                ("Scheduler", ["scheduler"]),
            ]
        if not options["no_sandboxes"]:
            for host, port in sandbox_addresses(
                settings.UMIS_TAX_REGISTRY_URL, settings.UMIS_SMS_URL
            ):
                if _listening(host, port):  # e.g. `umis sandboxes` already runs by hand
                    self.stdout.write(
                        f"Port {port} is in use (a sandbox already running?); not starting one."
                    )
                    continue
                programs.append(
                    (
                        f"Sandbox on port {port}",
                        ["sandboxes", "--host", host, "--port", str(port)],
                    )
                )
        for name, argv in programs:
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
