"""Back-office duplicate review: the queue, the side-by-side page and its two decisions,
the supervisor's confirmations, a person's merge history and the unmerge."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from umis.core.models import AuditEntry
from umis.identity.merge import merge_request
from umis.identity.models import CandidateStatus, MergeStatus, PersonMerge
from umis.identity.services import duplicate_candidate_propose
from umis.registry.models import Person
from umis.registry.services import DocumentData, NationalityData, PersonData, document_add
from umis.registry.services import person_create as _person_create

pytestmark = pytest.mark.django_db


def _person(officer: Any, family: str, number: str) -> Any:
    person = _person_create(
        actor=officer,
        data=PersonData(
            family_name=family,
            given_names="Anna",
            sex="F",
            birth_date="1990-07-01",
            nationalities=[NationalityData("UKR")],
        ),
    )
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number=number, issuing_state="UKR"),
    )
    return person


@pytest.fixture
def candidate(officer: Any) -> Any:
    a = _person(officer, "Kovalenko", "FA1111111")
    b = _person(officer, "Kowalenko", "FA2222222")
    return duplicate_candidate_propose(
        person_1=a.pk,
        person_2=b.pk,
        score=0.91,
        evidence=[{"field": "family_name", "level": "transliteration", "weight": 4.5}],
        origin="sweep",
    )


def test_queue_lists_open_pairs_in_a_fixed_number_of_queries(
    candidate: Any, officer: Any, session_client: Any
) -> None:
    client = session_client(officer)
    client.get(reverse("backoffice:duplicate_queue"))  # warm the session and caches
    for n in range(3):
        a = _person(officer, f"Queue{n}", f"QQ{n:07d}")
        b = _person(officer, f"Kueue{n}", f"QK{n:07d}")
        duplicate_candidate_propose(
            person_1=a.pk, person_2=b.pk, score=0.5, evidence=[], origin="online"
        )
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("backoffice:duplicate_queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(candidate.person_a.personal_number) < html.index("Queue0")  # by score
    assert "91 %" in html
    assert reverse("backoffice:duplicate_compare", args=[candidate.pk]) in html
    online = client.get(reverse("backoffice:duplicate_queue") + "?origin=online")
    assert candidate.person_a.personal_number not in online.content.decode()
    a = _person(officer, "Queue9", "QQ9999999")
    b = _person(officer, "Kueue9", "QK9999999")
    duplicate_candidate_propose(person_1=a.pk, person_2=b.pk, score=0.5, evidence=[], origin="x")
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("backoffice:duplicate_queue"))
    assert len(more) == len(few)


def test_compare_shows_both_records_and_merges_with_a_reason(
    candidate: Any, officer: Any, session_client: Any
) -> None:
    client = session_client(officer)
    url = reverse("backoffice:duplicate_compare", args=[candidate.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    for person in (candidate.person_a, candidate.person_b):
        assert person.personal_number in html and person.documents.get().number in html
    assert "transliteration" in html and "Same person — merge into A" in html
    # Both reads are in the audit log, like opening the records.
    assert (
        AuditEntry.objects.filter(
            action="view", person_id__in=[candidate.person_a_id, candidate.person_b_id]
        ).count()
        >= 2
    )

    no_reason = client.post(url, {"merge-keep": "b", "merge-reason": ""})
    assert no_reason.status_code == 422 and not PersonMerge.objects.exists()

    done = client.post(url, {"merge-keep": "b", "merge-reason": "Same passport photo"})
    assert done.status_code == 302
    assert done["Location"] == reverse("backoffice:person_detail", args=[candidate.person_b_id])
    merge = PersonMerge.objects.get()
    assert (merge.survivor_id, merge.absorbed_id) == (candidate.person_b_id, candidate.person_a_id)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED
    absorbed_page = client.get(reverse("backoffice:person_detail", args=[merge.absorbed_id]))
    assert "Merged into another record" in absorbed_page.content.decode()


def test_not_the_same_person_needs_a_note(
    candidate: Any, officer: Any, session_client: Any
) -> None:
    client = session_client(officer)
    url = reverse("backoffice:duplicate_compare", args=[candidate.pk])
    assert client.post(url, {"dismiss": "1", "dismiss-note": ""}).status_code == 422
    response = client.post(url, {"dismiss": "1", "dismiss-note": "Sisters"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISMISSED and candidate.note == "Sisters"
    assert "Sisters" in client.get(url).content.decode()  # decided: no forms any more


def test_supervisor_confirms_or_rejects_awaiting_merges(
    candidate: Any, officer: Any, make_staff: Any, session_client: Any
) -> None:
    from umis.cases.models import Case
    from umis.cases.services import CaseRequest, case_open

    case = case_open(
        actor=officer,
        request=CaseRequest(
            service="card_replacement",
            person=candidate.person_a,
            fee_tier="trp_card",
            office=officer.office,
        ),
    )
    Case.objects.filter(pk=case.pk).update(status="refused", decided_at=timezone.now())
    compare = session_client(officer).post(
        reverse("backoffice:duplicate_compare", args=[candidate.pk]),
        {"merge-keep": "a", "merge-reason": "Same"},
    )
    assert compare.status_code == 302
    merge = PersonMerge.objects.get()
    assert merge.status == MergeStatus.AWAITING_CONFIRMATION

    supervisor = make_staff("supervisor")
    client = session_client(supervisor)
    listing = client.get(reverse("backoffice:merge_confirmations"))
    assert str(merge.pk) in listing.content.decode()
    rejected = client.post(reverse("backoffice:merge_reject", args=[merge.pk]), {})
    assert rejected.status_code == 302
    merge.refresh_from_db()
    assert merge.status == MergeStatus.AWAITING_CONFIRMATION  # no reason: nothing done
    client.post(reverse("backoffice:merge_confirm", args=[merge.pk]))
    merge.refresh_from_db()
    assert merge.status == MergeStatus.DONE and merge.confirmed_by == supervisor
    assert Case.objects.get(pk=case.pk).person_id == candidate.person_a_id


def test_history_and_unmerge(candidate: Any, officer: Any, session_client: Any) -> None:
    a, b = candidate.person_a, candidate.person_b
    merge = merge_request(actor=officer, survivor_id=a.pk, absorbed_id=b.pk, reason="Same")
    client = session_client(officer)
    history = client.get(reverse("backoffice:person_merges", args=[b.pk]))
    html = history.content.decode()
    assert f"merged into {a.personal_number}" in html
    assert reverse("backoffice:merge_unmerge", args=[merge.pk]) in html
    url = reverse("backoffice:merge_unmerge", args=[merge.pk])
    assert client.post(url, {"unmerge-reason": ""}).status_code == 422
    undone = client.post(url, {"unmerge-reason": "Two sisters"})
    assert undone.status_code == 302
    assert Person.objects.get(pk=b.pk).status == "active"
    assert b.documents.count() == 1
    assert "Only a done merge can be undone" in client.get(url).content.decode()


def test_report_a_duplicate_from_the_person_page(officer: Any, session_client: Any) -> None:
    a = _person(officer, "Shevchenko", "FB1111111")
    b = _person(officer, "Shevtchenko", "FB2222222")
    client = session_client(officer)
    detail = client.get(reverse("backoffice:person_detail", args=[a.pk])).content.decode()
    url = reverse("backoffice:duplicate_report", args=[a.pk])
    assert url in detail
    unknown = client.post(url, {"other_personal_number": "ZZZZZZZ"})
    assert unknown.status_code == 422
    assert "No record has this personal number" in unknown.content.decode()
    itself = client.post(url, {"other_personal_number": a.personal_number})
    assert itself.status_code == 422
    reported = client.post(url, {"other_personal_number": b.personal_number.lower()})
    assert reported.status_code == 302
    from umis.identity.models import DuplicateCandidate

    candidate = DuplicateCandidate.objects.get()
    assert reported["Location"] == reverse("backoffice:duplicate_compare", args=[candidate.pk])
    assert candidate.origin == "officer" and candidate.source_ref == f"officer:{officer.username}"
    assert 0.0 <= candidate.score <= 1.0
    # Scored like any pair: the same birth date and nationality are among the evidence.
    assert {e["field"] for e in candidate.evidence} & {"birth_date", "nationality"}
    again = client.post(url, {"other_personal_number": b.personal_number})
    assert again["Location"] == reported["Location"]
    assert DuplicateCandidate.objects.count() == 1
