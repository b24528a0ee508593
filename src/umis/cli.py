"""The `umis` command: Django's management commands under one name.

`umis audit verify`, `umis load-reference`, `umis demo-data` ... are management commands;
multi-word commands (`umis audit verify`) map to `audit` with a sub-command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "umis.settings")
    from django.core.management import execute_from_command_line

    from umis.core.policy import PolicyPackError

    args = list(sys.argv if argv is None else ["umis", *argv])
    args[0] = "umis"
    if args[1:3] == ["identity", "dedupe"]:
        # A file tool: no database, no application registry. Starting the whole
        # application (django.setup) would cost more than a tenth of a batch's run.
        from umis.identity.management.commands.identity import Command

        Command().run_from_argv(args)
        return 0
    try:
        execute_from_command_line(args)
    except PolicyPackError as exc:
        # The policy pack is validated at start-up: say what is wrong, not a traceback.
        print(f"UMIS cannot start: the policy pack is invalid.\n{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
