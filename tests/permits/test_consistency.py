"""Property: whatever sequence of actions officers, supervisors and the applicant try on
a real permit case (through the services, with the permit hooks), the stored state stays
consistent — a card or permit exists only for an issued case, a refused or withdrawn case
owes nothing, the clock is stopped exactly while documents are awaited, and the history
is one action per version."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from umis.cases.models import Case, CaseAction, ClockStop
from umis.cases.services import Upload, case_document_add, case_transition, payment_record
from umis.cases.types import registered
from umis.cases.workflow import ONE_STOP_SHOP
from umis.core.errors import ApplicationError
from umis.permits.models import IssuedDocument, Permit
from umis.permits.services import APPLY_SERVICES

ACTIONS = [*ONE_STOP_SHOP.actions(), "pay", "upload"]
WHO = ["officer", "supervisor", "supervisor2", "applicant"]
# A prefix of the happy path, so that random tails also start from approved and issued
# cases (random sequences alone rarely get that far).
HAPPY = [
    ("pay", "officer", False),
    ("upload", "officer", False),
    ("start_review", "officer", False),
    ("propose_approval", "officer", False),
    ("confirm_approval", "supervisor", False),
    ("issue", "officer", False),
]
STEPS = st.tuples(
    st.integers(0, len(HAPPY)),
    st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(WHO), st.booleans()), max_size=12),
).map(lambda t: HAPPY[: t[0]] + t[1])


def test_every_permit_service_is_a_registered_case_type_on_the_tested_workflow() -> None:
    from umis.cases.types import case_type

    assert set(APPLY_SERVICES) <= set(registered())
    # tests/cases/test_workflow.py covers every action from every state by every role
    # of this workflow; a new workflow must get the same matrix.
    assert {case_type(s).workflow for s in APPLY_SERVICES} == {ONE_STOP_SHOP}


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_no_sequence_of_actions_reaches_an_inconsistent_state(
    steps: list[tuple[str, str, bool]], make_staff: Any, make_person: Any, applicant: Any
) -> None:
    from tests.permits.test_services import identity

    from umis.permits.services import ApplicationIn, application_submit

    officer = make_staff("officer")
    people = {
        "officer": officer,
        "supervisor": make_staff("supervisor", office=officer.office),
        "supervisor2": make_staff("supervisor", office=officer.office),
        "applicant": applicant,
    }
    case = application_submit(
        actor=applicant,
        data=ApplicationIn(
            service="trp",
            fee_tier="standard_adult",
            variant="1y",
            ground="highly_qualified_specialist",
            # A new applicant per example: another passport and another family name (a
            # new passport alone is a renewal, and the identity matcher links it).
            identity=identity(
                passport_number=f"P{uuid.uuid4().hex[:8]}",
                family_name="".join(chr(65 + int(c, 16)) for c in uuid.uuid4().hex[:10]),
            ),
            idempotency_key=uuid.uuid4().hex,
        ),
    )
    # Examples share the test's database: the case goes to whoever is least loaded.
    people["officer"] = case.assignee
    _play(case, people, steps)
    if steps[: len(HAPPY)] == HAPPY:  # the harness itself reaches the end of the road
        assert Case.objects.get(pk=case.pk).status == "issued"


def _play(case: Case, people: dict[str, Any], steps: list[tuple[str, str, bool]]) -> None:
    officer = people["officer"]
    for action, who, stale in steps:  # each may be refused; the state must stay sound
        actor = people[who]
        case.refresh_from_db()
        try:
            if action == "pay":
                for order in case.payment_orders.filter(status="due"):
                    payment_record(
                        actor=officer, order_id=order.pk, receipt_number=uuid.uuid4().hex[:20]
                    )
            elif action == "upload":
                for doc in (
                    "application_form",
                    "passport_copy",
                    "stay_document",
                    "grounds_document",
                    "medical_certificate",
                    "photos",
                    "dwelling_document",
                ):
                    case_document_add(
                        actor=officer, case_id=case.pk, upload=Upload(doc, "d.pdf", b"%PDF-1.4")
                    )
            else:
                grounds = ["no_grounds"] if action == "propose_refusal" else []
                case_transition(
                    actor=actor,
                    case_id=case.pk,
                    action=action,
                    expected_version=case.version - int(stale),
                    idempotency_key=uuid.uuid4().hex,
                    grounds=grounds,
                )
        except ApplicationError:
            pass
        _assert_consistent(Case.objects.get(pk=case.pk))


def _assert_consistent(case: Case) -> None:
    issued = case.status == "issued"
    assert Permit.objects.filter(case=case).exists() == issued
    assert IssuedDocument.objects.filter(case=case, status="valid").exists() == issued
    if case.status in ("refused", "withdrawn"):
        assert not case.payment_orders.filter(status="due").exists()
    if issued:
        assert not case.payment_orders.filter(status="due").exists()
    open_stop = ClockStop.objects.filter(case=case, resumed_on__isnull=True).exists()
    assert open_stop == (case.status == "awaiting_documents")
    assert (case.deadline is None) == open_stop
    seqs = list(CaseAction.objects.filter(case=case).values_list("seq", flat=True))
    assert seqs == list(range(1, case.version + 1))
    if case.status in ("proposed_approval", "proposed_refusal"):
        assert case.proposed_by_id is not None
    if case.status in ("approved", "refused"):
        assert case.decided_at is not None
