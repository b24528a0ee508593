"""A small run of the person-search benchmark, so `python -m bench search` cannot rot."""

from __future__ import annotations

import pytest
from bench import identity_search, registry

pytestmark = pytest.mark.django_db


def test_identity_search_bench_smoke(reference: None) -> None:
    registry.run(120)
    queries = identity_search.make_queries(40, seed=1)
    assert len(queries) == 40
    assert {q.kind for q in queries} >= {"other_script", "variant"}
    assert all(q.name or q.document for q in queries)
    result = identity_search.run(queries=40, seed=1, rebuild=True)
    assert result.queries == 40
    assert result.rebuild_seconds is not None and result.namekeys > 120
    # Small registry, so nearly everyone is found; the benchmark's target is 0.99.
    assert result.recall >= 0.9, identity_search.missed(queries)
    assert result.p50_ms > 0 and result.baseline_p50_ms > 0
    assert result.recall >= result.baseline_recall
    assert "recall@10" in result.line()
