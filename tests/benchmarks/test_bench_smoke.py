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


def test_border_events_generator_smoke(reference: None) -> None:
    from bench import border_data
    from django.utils import timezone

    from umis.border.models import BorderEvent
    from umis.border.selectors import persons_in_country, stays_from_crossings

    registry.run(60)
    result = border_data.load_events(600, seed=3)
    assert result.events == BorderEvent.objects.count() == 600
    assert not BorderEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    # Every person is linked, and the in-country count matches the selector's.
    assert not BorderEvent.objects.filter(person__isnull=True).exists()
    assert result.in_country == len(persons_in_country())
    # Histories alternate, apart from the few deliberately broken ones (flagged).
    person = BorderEvent.objects.values_list("person_id", flat=True).first()
    crossings = list(
        BorderEvent.objects.filter(person_id=person)
        .order_by("occurred_at", "id")
        .values_list("direction", "occurred_at")
    )
    assert stays_from_crossings(crossings)
