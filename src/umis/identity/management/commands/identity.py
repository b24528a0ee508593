"""`umis identity dedupe|sweep|reindex`: identity resolution tools (docs/identity-dedupe.md).

- `dedupe INPUT.csv --out OUTPUT.csv [--report PROBLEMS.csv] [--pairs PAIRS.csv]`:
  cluster the records of a file; exit 2 (nothing written) for a file that cannot be used;
- `sweep`: propose duplicate registry persons for review (the nightly task, inline);
- `reindex`: rebuild the name-key index of every person.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Row problems printed to stderr; all of them go to --report.
_SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Identity resolution: `dedupe` a CSV file, `sweep` the registry, `reindex` name keys."
    # The file tools need neither the database nor the system checks.
    requires_system_checks: list[str] = []  # type: ignore[assignment]

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        dd = sub.add_parser("dedupe", help="Cluster the records of a CSV file into persons")
        dd.add_argument("input", type=Path, help="CSV file (UTF-8), see docs/identity-dedupe.md")
        dd.add_argument("--out", type=Path, required=True, help="record_id,cluster_id CSV")
        dd.add_argument(
            "--report", type=Path, help="write every row problem here (line,record_id,field,reason)"
        )
        dd.add_argument(
            "--pairs",
            type=Path,
            help="also write the scored pairs at or above the review threshold",
        )
        dd.add_argument(
            "--workers", type=int, default=None, help="scoring processes (default: CPU count)"
        )
        dd.add_argument("--link-at", type=float, default=None, help="link threshold (0..1)")
        dd.add_argument("--progress", action="store_true", help="progress on stderr")
        sw = sub.add_parser("sweep", help="Propose duplicate registry persons for review")
        sw.add_argument("--workers", type=int, default=None)
        sub.add_parser("reindex", help="Rebuild every person's name keys")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "dedupe":
            self._dedupe(options)
        elif action == "sweep":
            from umis.identity.tasks import duplicates_sweep

            summary = duplicates_sweep(workers=options["workers"])
            self.stdout.write(
                ", ".join(
                    f"{k}: {v:.1f}" if isinstance(v, float) else f"{k}: {v}"
                    for k, v in summary.items()
                )
            )
        else:
            from umis.identity.keys import namekeys_rebuild_all

            result = namekeys_rebuild_all()
            self.stdout.write(
                f"{int(result['persons'])} persons, {int(result['keys'])} keys "
                f"in {result['seconds']:.1f} s"
            )

    def _dedupe(self, options: dict[str, Any]) -> None:
        from umis.identity import dedupe

        link_at = options["link_at"]
        if link_at is not None and not 0.0 < link_at <= 1.0:
            raise CommandError(
                "--link-at: must be a probability above 0 and at most 1", returncode=2
            )
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError("--workers: must be at least 1", returncode=2)
        out: Path = options["out"]
        for option in ("out", "report", "pairs"):
            path = options[option]
            if path is not None and not path.parent.is_dir():
                raise CommandError(
                    f"--{option}: directory {path.parent} does not exist", returncode=2
                )
        started = time.perf_counter()
        # A one-shot process reading millions of small records and making no reference
        # cycles: the cyclic collector would only rescan them (dedupe() says more).
        gc.disable()
        try:
            records, problems = dedupe.read_records(options["input"])
        except dedupe.InputFileError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for problem in problems[:_SHOWN_PROBLEMS]:
            self.stderr.write(str(problem))
        if len(problems) > _SHOWN_PROBLEMS:
            hint = f" (all in {options['report']})" if options["report"] else " (use --report FILE)"
            self.stderr.write(f"... {len(problems) - _SHOWN_PROBLEMS} more row problems{hint}")
        show = options["progress"]

        def progress(stage: str, done: int, total: int) -> None:
            if show:
                sys.stderr.write(f"\r{stage}: {done}/{total}   ")
                if done >= total:
                    sys.stderr.write("\n")

        result = dedupe.dedupe(
            records, workers=options["workers"], progress=progress, link_at=link_at
        )
        dedupe.write_clusters(out, records, result.clusters)
        if options["report"]:
            dedupe.write_problems(options["report"], problems)
        if options["pairs"]:
            dedupe.write_pairs(options["pairs"], records, result.pairs)
        self.stdout.write(
            f"{len(records)} records, {int(result.stats['clusters'])} clusters, "
            f"{len(problems)} row problems, {time.perf_counter() - started:.1f} s -> {out}"
        )
