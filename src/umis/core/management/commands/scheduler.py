"""`umis scheduler`: enqueue the periodic tasks (settings.UMIS_PERIODIC_TASKS) on time.

The Django tasks API has no schedule of its own; this small loop is it. Run one per
deployment; workers (`umis db_worker`) execute what it enqueues.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Enqueue periodic tasks (overstay sweep, ...) at their intervals"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="enqueue every periodic task once and exit"
        )
        parser.add_argument(
            "--first-delay",
            type=int,
            default=60,
            help="seconds before the first round (default 60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tasks = {path: import_string(path) for path in settings.UMIS_PERIODIC_TASKS}
        if options["once"]:
            for path, task in tasks.items():
                task.enqueue()
                self.stdout.write(f"enqueued {path}")
            return
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        due = {path: time.monotonic() + options["first_delay"] for path in tasks}
        self.stdout.write(f"Scheduler started: {', '.join(tasks)}")
        while not stop["now"]:
            now = time.monotonic()
            for path, task in tasks.items():
                if now >= due[path]:
                    task.enqueue()
                    due[path] = now + settings.UMIS_PERIODIC_TASKS[path]
            time.sleep(1)
