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

    args = list(sys.argv if argv is None else ["umis", *argv])
    args[0] = "umis"
    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
