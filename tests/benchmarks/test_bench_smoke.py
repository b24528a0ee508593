"""Small smoke runs of the benchmarks, so `make bench` cannot rot unnoticed."""

from __future__ import annotations

import pytest
from bench import registry

pytestmark = pytest.mark.django_db


def test_registry_bench_smoke(reference: None) -> None:
    result = registry.run(150)
    assert result.persons == 150
    assert result.rows > 150 * 3
    assert result.generate_seconds > 0 and result.baseline_seconds > 0
    assert "persons/s" in result.line()
