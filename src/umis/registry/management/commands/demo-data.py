"""`umis demo-data`: the hyphenated spelling of `demo_data`."""

from umis.registry.management.commands.demo_data import Command

__all__ = ["Command"]
