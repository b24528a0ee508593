"""The registry duplicate sweep: proposes each duplicate pair once, never twins or a
father and son, skips merged persons, leaves decided pairs as they are."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from umis.identity.models import CandidateOrigin, CandidateStatus, DuplicateCandidate
from umis.identity.tasks import duplicates_sweep, propose_duplicates
from umis.registry import services
from umis.registry.constants import PersonStatus
from umis.registry.models import Person

pytestmark = pytest.mark.django_db


def _person(
    officer: Any,
    family: str,
    given: str,
    birth: str,
    *,
    names: tuple[tuple[str, str, str], ...] = (),
    document: str = "",
) -> Person:
    person = services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name=family,
            given_names=given,
            sex="M",
            birth_date=birth,
            nationalities=[services.NationalityData("AZE")],
            names=[services.NameData(script, f, g) for script, f, g in names],
        ),
    )
    if document:
        services.document_add(
            actor=officer,
            person_id=person.pk,
            data=services.DocumentData(
                document_type="passport", number=document, issuing_state="AZE"
            ),
        )
    return person


@pytest.fixture
def registry(officer: Any) -> dict[str, Person]:
    return {
        "rashad": _person(officer, "HUSEYNOV", "RASHAD", "1985-03-14", document="C01234567"),
        # The same man registered again from a Russian-language form.
        "again": _person(
            officer, "GUSEINOV", "RASHAD", "1985-03-14", names=(("Cyrl", "Гусейнов", "Рашад"),)
        ),
        "twin": _person(officer, "HUSEYNOV", "RAMIL", "1985-03-14", document="C01234568"),
        "father": _person(officer, "HUSEYNOV", "RASHAD", "1958-11-02"),
        "other": _person(officer, "MAMMADOV", "ALI", "1990-01-01"),
    }


def _pairs() -> set[tuple[Any, Any]]:
    return set(DuplicateCandidate.objects.values_list("person_a_id", "person_b_id"))


def test_sweep_proposes_the_duplicate_once(registry: dict[str, Person]) -> None:
    summary = duplicates_sweep()
    a, b = sorted((registry["rashad"].pk, registry["again"].pk))
    assert _pairs() == {(a, b)}
    cand = DuplicateCandidate.objects.get()
    assert cand.origin == CandidateOrigin.SWEEP and cand.status == CandidateStatus.OPEN
    assert cand.score >= 0.5
    assert {e["field"] for e in cand.evidence} >= {"family_name", "given_names", "birth_date"}
    assert summary["persons"] == 5 and summary["created"] == 1

    again = duplicates_sweep()
    assert again["created"] == 0 and again["refreshed"] == 0
    assert DuplicateCandidate.objects.count() == 1


def test_decided_pairs_are_kept_and_open_ones_refreshed(registry: dict[str, Person]) -> None:
    duplicates_sweep()
    cand = DuplicateCandidate.objects.get()
    DuplicateCandidate.objects.filter(pk=cand.pk).update(score=0.01, evidence=[])
    assert duplicates_sweep()["refreshed"] == 1
    cand.refresh_from_db()
    assert cand.score >= 0.5 and cand.evidence

    DuplicateCandidate.objects.filter(pk=cand.pk).update(
        status=CandidateStatus.DISMISSED, score=0.01
    )
    summary = duplicates_sweep()
    assert summary["decided"] == 1 and summary["created"] == 0
    cand.refresh_from_db()
    assert cand.status == CandidateStatus.DISMISSED and cand.score == 0.01


def test_merged_persons_are_skipped(registry: dict[str, Person]) -> None:
    Person.objects.filter(pk=registry["again"].pk).update(status=PersonStatus.MERGED)
    summary = duplicates_sweep()
    assert summary["persons"] == 4
    assert _pairs() == set()


def test_task_and_command_run_the_sweep(registry: dict[str, Person]) -> None:
    result = propose_duplicates.call()
    assert result["created"] == 1
    out = io.StringIO()
    call_command("identity", "sweep", stdout=out)
    assert "created: 0" in out.getvalue() and "persons: 5" in out.getvalue()
    assert DuplicateCandidate.objects.count() == 1


def test_sweep_is_scheduled_daily() -> None:
    assert settings.UMIS_PERIODIC_TASKS["umis.identity.tasks.propose_duplicates"] == 86400


def test_reindex_command_rebuilds_name_keys(registry: dict[str, Person]) -> None:
    from umis.identity.models import NameKey

    NameKey.objects.all().delete()
    out = io.StringIO()
    call_command("identity", "reindex", stdout=out)
    assert out.getvalue().startswith("5 persons, ")
    assert NameKey.objects.filter(person=registry["rashad"]).exists()


def test_sweep_with_forked_workers(
    registry: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    from umis.identity import dedupe

    monkeypatch.setattr(dedupe, "_CHUNK", 1)  # 5 persons > 4 chunks: the pool runs
    summary = duplicates_sweep(workers=2)
    assert summary["created"] == 1
    a, b = sorted((registry["rashad"].pk, registry["again"].pk))
    assert _pairs() == {(a, b)}
    assert Person.objects.count() == 5  # the connection still works after the fork
