"""Merging and unmerging persons (identity/merge.py): every row moves and comes back
exactly, decisions need a second person, refusals change nothing, audit, idempotency."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from umis.core.errors import ApplicationError, Conflict, Forbidden, ValidationFailed
from umis.core.models import AuditEntry
from umis.identity import merge as merge_mod
from umis.identity.merge import (
    candidate_dismiss,
    merge_confirm,
    merge_reject,
    merge_request,
    unmerge,
)
from umis.identity.models import (
    CandidateOrigin,
    CandidateStatus,
    MergeMove,
    MergeStatus,
    NameKey,
    PersonMerge,
)
from umis.identity.review import duplicate_queue, merged_into, person_merges
from umis.identity.services import duplicate_candidate_propose
from umis.registry.constants import PersonStatus
from umis.registry.models import Person

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


@pytest.fixture
def make_person(officer: Any) -> Callable[..., Any]:
    """A person with names in two scripts, a nationality, a passport and an address."""
    from umis.core.models import City
    from umis.registry.services import (
        AddressData,
        DocumentData,
        NameData,
        NationalityData,
        PersonData,
        document_add,
        person_create,
    )

    city = City.objects.select_related("region").order_by("code").first()

    def make(
        family_name: str = "Hüseynov",
        given_names: str = "Elçin",
        *,
        cyrillic: str = "Гусейнов",
        nationality: str = "RUS",
        status: str = "",
    ) -> Any:
        n = next(_numbers)
        person = person_create(
            actor=officer,
            data=PersonData(
                family_name=family_name,
                given_names=given_names,
                sex="M",
                birth_date="1985-03-04",
                nationalities=[NationalityData(nationality)],
                names=[NameData(script="Cyrl", family_name=cyrillic, given_names="Эльчин")],
                address=AddressData(
                    region=city.region.code, city=city.code, street=f"Nizami küç. {n}"
                ),
            ),
        )
        document_add(
            actor=officer,
            person_id=person.pk,
            data=DocumentData(
                document_type="passport", number=f"MG{n:07d}", issuing_state=nationality
            ),
        )
        if status:
            Person.objects.filter(pk=person.pk).update(status=status)
            person.refresh_from_db()
        return person

    return make


def _border_event(person: Any) -> Any:
    from umis.border.models import BorderEvent, CrossingPoint

    return BorderEvent.objects.create(
        event_id=f"EV-{next(_numbers)}",
        direction="entry",
        occurred_at=timezone.now(),
        crossing_point=CrossingPoint.objects.order_by("code").first(),
        document_type="passport",
        document_number="X",
        document_issuing_state="RUS",
        family_name=person.family_name,
        birth_date="1985-03-04",
        sex="M",
        nationality="RUS",
        person=person,
        link_method="document",
    )


def _visa(person: Any) -> Any:
    from umis.stays.models import Visa

    return Visa.objects.create(
        person=person,
        kind="visa",
        number=f"V{next(_numbers)}",
        entries="single",
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 3, 31),
    )


def _snapshot(*persons: Any) -> dict[str, Any]:
    """Everything that belongs to these persons: the person rows (minus the version and
    the change time, which a merge and an unmerge move on) and every row of every table
    that points at them, with all its fields; name keys as sets."""
    out: dict[str, Any] = {}
    ids = [p.pk for p in persons]
    for person in Person.objects.filter(pk__in=ids).order_by("pk"):
        row = model_to_dict(person)
        row.pop("version")
        out[f"person:{person.pk}"] = row
    for field in merge_mod._relations():
        model = field.model
        rows = model._default_manager.filter(**{f"{field.attname}__in": ids}).order_by("pk")
        out[model._meta.label] = sorted(
            (str({f.attname: getattr(r, f.attname) for f in model._meta.concrete_fields}))
            for r in rows
        )
    out["keys"] = {
        str(pid): set(NameKey.objects.filter(person_id=pid).values_list("key", flat=True))
        for pid in ids
    }
    return out


@pytest.fixture
def pair(make_person: Callable[..., Any], officer: Any) -> tuple[Any, Any]:
    """Two records of one man: the registry's and a provisional one from the border,
    each with events, a visa and a registration."""
    from umis.stays.registrations import RegistrationData, registration_create

    survivor = make_person()
    absorbed = make_person("Guseinov", "Elchin", status=PersonStatus.PROVISIONAL)
    for person in (survivor, absorbed):
        _border_event(person)
        _visa(person)
    registration_create(
        actor=officer,
        data=RegistrationData(
            person_id=absorbed.pk,
            region="baku",
            city="baku",
            street="Nizami 1",
            arrival_date=dt.date(2026, 11, 1),
        ),
    )
    return survivor, absorbed


def test_merge_moves_every_row_and_unmerge_restores_exactly(
    pair: tuple[Any, Any], officer: Any
) -> None:
    survivor, absorbed = pair
    before = _snapshot(survivor, absorbed)
    versions = tuple(Person.objects.get(pk=p.pk).version for p in pair)
    rels = ("documents", "border_events", "visas", "registrations")
    expected = {r: getattr(survivor, r).count() + getattr(absorbed, r).count() for r in rels}
    assert all(getattr(absorbed, r).exists() for r in rels)

    merge = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same passport"
    )

    assert merge.status == MergeStatus.DONE and merge.absorbed_status == "provisional"
    absorbed.refresh_from_db()
    assert absorbed.status == PersonStatus.MERGED
    for rel, n in expected.items():
        assert getattr(survivor, rel).count() == n, rel
        assert getattr(absorbed, rel).count() == 0, rel
    # Same nationality and a second current address: left on the absorbed record.
    assert absorbed.nationalities.count() == 1 and absorbed.addresses.count() == 1
    # The absorbed record's Latin spelling and its own Cyrillic spelling (different from
    # the survivor's only by the given name) are now the survivor's.
    assert survivor.names.filter(script="Latn", family_name="Guseinov").exists()
    assert survivor.names.filter(script="Cyrl").count() == 1  # same spelling: not moved
    assert not NameKey.objects.filter(person=absorbed).exists()
    assert merged_into(person_id=absorbed.pk) == survivor
    moves = list(MergeMove.objects.filter(merge=merge))
    assert {m.model for m in moves} >= {
        "registry.IdentityDocument",
        "border.BorderEvent",
        "stays.Visa",
        "stays.Registration",
        "registry.PersonName",
    }
    assert all(m.old_value in {None, str(absorbed.pk)} for m in moves)

    unmerge(actor=officer, merge_id=merge.pk, reason="Two different men after all")

    assert _snapshot(survivor, absorbed) == before
    merge.refresh_from_db()
    assert merge.status == MergeStatus.UNDONE and merge.unmerged_by == officer
    survivor.refresh_from_db()
    absorbed.refresh_from_db()
    # Both records changed twice: editors holding an older version get a conflict.
    assert (survivor.version, absorbed.version) == (versions[0] + 2, versions[1] + 2)


def test_merge_and_unmerge_are_audited_on_both_records(pair: tuple[Any, Any], officer: Any) -> None:
    survivor, absorbed = pair
    merge = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same passport"
    )
    unmerge(actor=officer, merge_id=merge.pk, reason="Mistake")
    entries = AuditEntry.objects.filter(object_type="identity.personmerge", object_id=merge.pk)
    for person in pair:
        mine = entries.filter(person_id=person.pk).order_by("id")
        assert [e.action for e in mine] == ["create", "update", "update"]
        assert mine[0].changes["reason"] == "Same passport"
        assert mine[2].changes["status"] == ["merged", "provisional"]
        assert all(e.actor_id == officer.pk for e in mine)


def test_bad_requests_name_the_field_and_change_nothing(
    pair: tuple[Any, Any], officer: Any
) -> None:
    survivor, _absorbed = pair
    with pytest.raises(ValidationFailed) as same:
        merge_request(actor=officer, survivor_id=survivor.pk, absorbed_id=survivor.pk, reason="")
    assert {e.field for e in same.value.field_errors} == {"absorbed_id", "reason"}
    with pytest.raises(ValidationFailed) as missing:
        merge_request(
            actor=officer,
            survivor_id=survivor.pk,
            absorbed_id="00000000-0000-0000-0000-000000000000",
            reason="x",
        )
    assert [e.field for e in missing.value.field_errors] == ["absorbed_id"]
    assert not PersonMerge.objects.exists()


def test_only_merge_holders_merge(pair: tuple[Any, Any], make_staff: Any) -> None:
    survivor, absorbed = pair
    for role in ("border_officer", "analyst", "administrator"):
        with pytest.raises(Forbidden):
            merge_request(
                actor=make_staff(role),
                survivor_id=survivor.pk,
                absorbed_id=absorbed.pk,
                reason="x",
            )


def test_repeating_a_request_is_harmless_but_another_officer_is_refused(
    pair: tuple[Any, Any], officer: Any, make_staff: Any
) -> None:
    survivor, absorbed = pair
    first = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same"
    )
    again = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same"
    )
    assert again.pk == first.pk and PersonMerge.objects.count() == 1
    with pytest.raises(Conflict) as other:
        merge_request(
            actor=make_staff("officer"),
            survivor_id=survivor.pk,
            absorbed_id=absorbed.pk,
            reason="Same",
        )
    assert other.value.code == "already_merged"
    with pytest.raises(Conflict) as reverse:  # the other way round: absorbed is merged
        merge_request(
            actor=officer, survivor_id=absorbed.pk, absorbed_id=survivor.pk, reason="Same"
        )
    assert reverse.value.code == "already_merged"


def _decide(person: Any, officer: Any) -> None:
    from umis.cases.models import Case
    from umis.cases.services import CaseRequest, case_open

    case = case_open(
        actor=officer,
        request=CaseRequest(
            service="card_replacement", person=person, fee_tier="trp_card", office=officer.office
        ),
    )
    Case.objects.filter(pk=case.pk).update(status="refused", decided_at=timezone.now())


def test_a_decision_needs_a_second_supervisor(
    pair: tuple[Any, Any], officer: Any, make_staff: Any
) -> None:
    survivor, absorbed = pair
    _decide(absorbed, officer)
    requester = make_staff("supervisor")
    merge = merge_request(
        actor=requester, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same"
    )
    assert merge.status == MergeStatus.AWAITING_CONFIRMATION
    assert absorbed.cases.count() == 1 and not merge.moves.exists()
    # While it waits, no other merge of these records starts.
    with pytest.raises(Conflict) as pending:
        merge_request(actor=officer, survivor_id=absorbed.pk, absorbed_id=survivor.pk, reason="x")
    assert pending.value.code == "merge_pending"
    with pytest.raises(Forbidden):
        merge_confirm(actor=officer, merge_id=merge.pk)  # officers do not confirm
    with pytest.raises(Forbidden):
        merge_confirm(actor=requester, merge_id=merge.pk)  # four eyes
    second = make_staff("supervisor")
    done = merge_confirm(actor=second, merge_id=merge.pk)
    assert done.status == MergeStatus.DONE and done.confirmed_by == second
    assert survivor.cases.count() == 1 and absorbed.cases.count() == 0
    assert merge_confirm(actor=second, merge_id=merge.pk).pk == merge.pk  # retry: same
    # Undoing a merge that moved a decision needs a supervisor too.
    with pytest.raises(Forbidden):
        unmerge(actor=officer, merge_id=merge.pk, reason="Wrong")
    unmerge(actor=second, merge_id=merge.pk, reason="Wrong")
    assert absorbed.cases.count() == 1


def test_a_rejected_merge_moves_nothing(
    pair: tuple[Any, Any], officer: Any, supervisor: Any
) -> None:
    survivor, absorbed = pair
    _decide(survivor, officer)
    merge = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same"
    )
    with pytest.raises(ValidationFailed) as no_reason:
        merge_reject(actor=supervisor, merge_id=merge.pk, reason=" ")
    assert no_reason.value.field_errors[0].field == "reason"
    rejected = merge_reject(actor=supervisor, merge_id=merge.pk, reason="Father and son")
    assert rejected.status == MergeStatus.REJECTED and rejected.unmerge_reason == "Father and son"
    absorbed.refresh_from_db()
    assert absorbed.status == PersonStatus.PROVISIONAL
    with pytest.raises(Conflict) as late:
        merge_confirm(actor=supervisor, merge_id=merge.pk)
    assert late.value.code == "merge_not_awaiting"
    # The pair can be asked again (a rejected merge does not block).
    again = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="New evidence"
    )
    assert again.pk != merge.pk and again.status == MergeStatus.AWAITING_CONFIRMATION


def test_unmerge_is_refused_when_a_moved_row_changed_owner(
    pair: tuple[Any, Any], officer: Any, make_person: Callable[..., Any]
) -> None:
    survivor, absorbed = pair
    merge = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same"
    )
    third = make_person("Third", "Man", nationality="GEO")
    moved = merge.moves.filter(model="stays.Visa").get()
    type(survivor.visas.first()).objects.filter(pk=moved.row_pk).update(person=third)
    before = _snapshot(survivor, absorbed, third)
    with pytest.raises(Conflict) as refused:
        unmerge(actor=officer, merge_id=merge.pk, reason="Mistake")
    assert refused.value.code == "moved_row_changed"
    assert refused.value.extra["row_pk"] == moved.row_pk
    assert _snapshot(survivor, absorbed, third) == before
    merge.refresh_from_db()
    assert merge.status == MergeStatus.DONE


def test_unmerge_is_refused_while_the_survivor_is_merged_further(
    pair: tuple[Any, Any], officer: Any, make_person: Callable[..., Any]
) -> None:
    survivor, absorbed = pair
    first = merge_request(
        actor=officer, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="Same"
    )
    final = make_person("Huseynov", "Elcin", nationality="AZE")
    second = merge_request(
        actor=officer, survivor_id=final.pk, absorbed_id=survivor.pk, reason="Same again"
    )
    assert merged_into(person_id=absorbed.pk) == final
    with pytest.raises(Conflict) as refused:
        unmerge(actor=officer, merge_id=first.pk, reason="Mistake")
    assert refused.value.code == "survivor_merged_further"
    assert refused.value.extra["merge_id"] == str(second.pk)
    unmerge(actor=officer, merge_id=second.pk, reason="Mistake")
    unmerge(actor=officer, merge_id=first.pk, reason="Mistake")
    assert {p.status for p in Person.objects.filter(pk__in=[survivor.pk, absorbed.pk])} == {
        "active",
        "provisional",
    }
    assert [m.pk for m in person_merges(actor=officer, person_id=survivor.pk)] == [
        second.pk,
        first.pk,
    ]


def test_merging_from_a_candidate_decides_it(
    pair: tuple[Any, Any], officer: Any, make_person: Callable[..., Any]
) -> None:
    survivor, absorbed = pair
    other = make_person("Other", "Person", nationality="GEO")
    candidate = duplicate_candidate_propose(
        person_1=survivor.pk,
        person_2=absorbed.pk,
        score=0.93,
        evidence=[{"field": "document", "level": "equal", "weight": 9.1}],
        origin=CandidateOrigin.SWEEP,
    )
    lower = duplicate_candidate_propose(
        person_1=absorbed.pk, person_2=other.pk, score=0.6, evidence=[], origin="online"
    )
    assert candidate is not None and lower is not None
    assert list(duplicate_queue(actor=officer)) == [candidate, lower]
    assert list(duplicate_queue(actor=officer, origin="online")) == [lower]
    with pytest.raises(ValidationFailed) as wrong:
        merge_request(
            actor=officer,
            survivor_id=survivor.pk,
            absorbed_id=absorbed.pk,
            reason="Same",
            candidate_id=lower.pk,
        )
    assert wrong.value.field_errors[0].field == "candidate_id"
    merge = merge_request(
        actor=officer,
        survivor_id=survivor.pk,
        absorbed_id=absorbed.pk,
        reason="Same",
        candidate_id=candidate.pk,
    )
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED and candidate.decided_by == officer
    # The other pair of the merged record leaves the queue while the merge stands.
    assert list(duplicate_queue(actor=officer)) == []
    unmerge(actor=officer, merge_id=merge.pk, reason="Twins")
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISMISSED and candidate.note == "Twins"
    assert list(duplicate_queue(actor=officer)) == [lower]


def test_dismissing_a_candidate(pair: tuple[Any, Any], officer: Any) -> None:
    survivor, absorbed = pair
    candidate = duplicate_candidate_propose(
        person_1=survivor.pk, person_2=absorbed.pk, score=0.8, evidence=[], origin="sweep"
    )
    assert candidate is not None
    with pytest.raises(ValidationFailed) as no_note:
        candidate_dismiss(actor=officer, candidate_id=candidate.pk, note="")
    assert no_note.value.field_errors[0].field == "note"
    candidate_dismiss(actor=officer, candidate_id=candidate.pk, note="Twins, different FIN")
    again = candidate_dismiss(actor=officer, candidate_id=candidate.pk, note="again")
    assert again.status == CandidateStatus.DISMISSED and again.note == "Twins, different FIN"
    assert not duplicate_queue(actor=officer).exists()
    assert (
        AuditEntry.objects.filter(
            object_type="identity.duplicatecandidate", object_id=candidate.pk
        ).count()
        == 2
    )
    with pytest.raises(Conflict) as decided:
        merge_request(
            actor=officer,
            survivor_id=survivor.pk,
            absorbed_id=absorbed.pk,
            reason="Same",
            candidate_id=candidate.pk,
        )
    assert decided.value.code == "candidate_decided"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database is shared-cache: a second writer fails on a "
    "table lock instead of waiting; concurrency is the PostgreSQL run's to prove",
)
@pytest.mark.django_db(transaction=True)
def test_two_officers_merging_the_same_pair_at_once_make_one_merge(
    pair: tuple[Any, Any], make_staff: Any
) -> None:
    survivor, absorbed = pair
    officers = [make_staff("officer"), make_staff("officer")]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(actor: Any, keep: Any, fold: Any) -> None:
        try:
            barrier.wait()
            merge_request(actor=actor, survivor_id=keep.pk, absorbed_id=fold.pk, reason="Same")
            results.append("ok")
        except ApplicationError as exc:
            results.append(f"{exc.status}:{exc.code}")
        finally:
            connection.close()

    # Opposite directions too: the id-ordered locks make them queue, not deadlock.
    threads = [
        threading.Thread(target=attempt, args=(officers[0], survivor, absorbed)),
        threading.Thread(target=attempt, args=(officers[1], absorbed, survivor)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409:already_merged", "ok"]
    assert PersonMerge.objects.filter(status=MergeStatus.DONE).count() == 1
    assert Person.objects.filter(status=PersonStatus.MERGED).count() == 1
    merged = Person.objects.get(status=PersonStatus.MERGED)
    assert not merged.documents.exists() and not merged.border_events.exists()
