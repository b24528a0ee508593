"""Fixtures for the permit services: signing keys in a temporary directory, the case
engine's fixtures (persons, applicants), border crossings and a running sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.cases.conftest import applicant, make_person  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def _keys(settings: Any, tmp_path: Any) -> None:
    settings.UMIS_SIGNING_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def sandbox(settings: Any) -> Iterator[Any]:
    """The tax registry and SMS gateway sandbox on a free port, with the adapters
    pointed at it."""
    from umis.exchange.sandbox import start_sandbox

    box = start_sandbox(port=0)
    settings.UMIS_TAX_REGISTRY_URL = box.url
    settings.UMIS_SMS_URL = box.url
    try:
        yield box
    finally:
        box.stop()
