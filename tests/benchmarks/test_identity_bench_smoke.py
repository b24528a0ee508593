"""Smoke run of the identity benchmark (generator + UMIS dedupe + Splink) on a few thousand
records, and the pairwise metrics it reports, so `make bench identity` cannot rot."""

from __future__ import annotations

import pytest
from bench import identity
from bench.identity import pairwise_metrics


def test_pairwise_metrics_counts_pairs_from_group_sizes() -> None:
    truth = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3}
    # Perfect clustering.
    perfect = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"}
    m = pairwise_metrics(perfect, truth)
    assert (m.precision, m.recall, m.f1) == (1.0, 1.0, 1.0)
    assert m.true_pairs == 3
    # Everything in one cluster: 10 predicted pairs, the 3 true ones among them.
    blob = dict.fromkeys(truth, "x")
    m = pairwise_metrics(blob, truth)
    assert (m.predicted_pairs, m.correct_pairs) == (10, 3)
    assert m.precision == pytest.approx(0.3) and m.recall == 1.0
    assert m.f1 == pytest.approx(2 * 0.3 / 1.3)
    # Singletons: no pair predicted, nothing found.
    alone = {k: k for k in truth}
    m = pairwise_metrics(alone, truth)
    assert (m.precision, m.recall, m.f1) == (1.0, 0.0, 0.0)
    # One record split off and wrongly joined to another person.
    mixed = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}
    m = pairwise_metrics(mixed, truth)
    assert (m.predicted_pairs, m.correct_pairs, m.true_pairs) == (2, 1, 3)
    # An engine that loses a record is broken, not just inaccurate.
    with pytest.raises(KeyError):
        pairwise_metrics({"a": "x"}, truth)


def test_identity_bench_smoke() -> None:
    result = identity.measure(records=2_000, seed=11)
    assert result.records == 2_000 and 500 < result.persons < 1_200
    assert [e.name for e in result.engines] == ["UMIS", "Splink"]
    for engine in result.engines:
        m = engine.metrics
        assert m is not None
        assert engine.records_clustered == 2_000  # every record got a cluster
        assert 0.0 <= m.precision <= 1.0 and 0.0 <= m.recall <= 1.0
        # Both must find most of the duplicates on easy, small data; far lower is a bug.
        assert 0.5 < m.f1 <= 1.0, (engine.name, m)
        assert engine.seconds > 0 and engine.peak_rss_mb > 10
        assert set(engine.hard_negative_errors) == {
            "twins",
            "father_son",
            "spouses",
            "common_name",
        }
    table = result.table()
    assert "UMIS" in table and "Splink" in table and "F1" in table
    summary = result.as_dict()
    assert summary["records"] == 2_000
    assert 0.0 <= summary["umis"]["f1"] <= 1.0  # type: ignore[index]
