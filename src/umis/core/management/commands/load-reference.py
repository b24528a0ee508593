"""`umis load-reference`: the hyphenated spelling of `load_reference`."""

from umis.core.management.commands.load_reference import Command

__all__ = ["Command"]
