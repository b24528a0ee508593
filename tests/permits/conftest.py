"""Fixtures for the permit services: signing keys in a temporary directory, the case
engine's fixtures (persons, applicants), border crossings and a running sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cases.conftest import applicant, make_person  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def _keys(settings: Any, tmp_path: Any) -> None:
    settings.UMIS_SIGNING_KEY_DIR = tmp_path / "keys"
