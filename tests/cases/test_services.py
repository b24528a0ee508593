"""The case engine on the real database: numbers, assignment, the workflow's door
(versions, idempotency, roles, requirements, four eyes, clock stops), payments,
documents, notifications and the tracking service."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from umis.cases import rules
from umis.cases.models import Case, CaseAction, ClockStop, Notification, PaymentOrder
from umis.cases.services import (
    Upload,
    case_document_add,
    case_reassign,
    case_transition,
    new_payment_number,
    payment_number_valid,
    payment_record,
)
from umis.core.calendar import working_calendar
from umis.core.errors import ApplicationError

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
DOCS = ("application_form", "passport_copy", "photos")

pytestmark = pytest.mark.django_db


def fire(case: Case, actor: Any, action: str, key: str | None = None, **kw: Any) -> Case:
    case.refresh_from_db()
    return case_transition(
        actor=actor,
        case_id=case.pk,
        action=action,
        expected_version=case.version,
        idempotency_key=key or f"{action}-{case.version}-{actor.pk}",
        **kw,
    )


def ready_for_proposal(case: Case, officer: Any) -> Case:
    for code in DOCS:
        case_document_add(actor=officer, case_id=case.pk, upload=Upload(code, f"{code}.pdf", PDF))
    for order in case.payment_orders.all():
        payment_record(actor=officer, order_id=order.pk, receipt_number=f"R-{order.number}")
    return fire(case, officer, "start_review")


def test_numbers_are_per_prefix_and_year_and_gap_free(open_case: Callable[..., Any]) -> None:
    year = timezone.localdate().year
    first, second = open_case(), open_case()
    assert first.number == f"CRD-{year}-000001"
    assert second.number == f"CRD-{year}-000002"
    assert first.version == 1 and first.status == "submitted"
    assert [a.action for a in first.actions.all()] == ["submit"]


def test_fee_order_and_deadline_from_the_pack(open_case: Callable[..., Any]) -> None:
    from umis.core.policy import get_policy

    case = open_case(fee_tier="trp_card")
    pack = get_policy()
    order = case.payment_orders.get()
    amount, rule = pack.fee_for("card_replacement", "trp_card")
    assert order.amount == amount and order.status == "due"
    assert order.legal_ref == rule.legal_ref and payment_number_valid(order.number)
    days = pack.processing_time("card_replacement", "trp_card").amount
    assert case.working_days == days
    assert case.deadline == working_calendar(on=case.submitted_on).add(case.submitted_on, days)


def test_payment_numbers_carry_a_check_digit() -> None:
    number = new_payment_number(2026)
    assert payment_number_valid(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not payment_number_valid(wrong)


def test_assignment_by_workload_within_the_office(
    make_staff: Callable[..., Any], officer: Any, open_case: Callable[..., Any]
) -> None:
    other = make_staff("officer", office=officer.office)
    make_staff("supervisor", office=officer.office)  # supervisors are not assigned cases
    elsewhere = make_staff("officer", office_kind="regional")
    cases = [open_case() for _ in range(4)]
    assignees = [c.assignee_id for c in cases]
    assert set(assignees) == {officer.pk, other.pk}
    assert assignees.count(officer.pk) == 2 and assignees.count(other.pk) == 2
    assert elsewhere.pk not in assignees
    # Closing one of an officer's cases makes them the least loaded: they get the next.
    closed = next(c for c in cases if c.assignee_id == other.pk)
    Case.objects.filter(pk=closed.pk).update(status="withdrawn")
    assert open_case().assignee_id == other.pk


def test_four_eyes_happy_path_and_history(
    officer: Any, make_staff: Callable[..., Any], open_case: Callable[..., Any]
) -> None:
    supervisor = make_staff("supervisor", office=officer.office)
    case = ready_for_proposal(open_case(fee_tier="trp_card"), officer)
    case = fire(case, officer, "propose_approval")
    assert case.status == "proposed_approval" and case.proposed_by_id == officer.pk
    case = fire(case, supervisor, "confirm_approval")
    assert case.status == "approved" and case.decided_at is not None
    case = fire(case, officer, "issue")
    assert case.status == "issued" and case.closed_at is not None
    history = list(case.actions.values_list("action", "seq"))
    assert [a for a, _ in history][-4:] == [
        "start_review",
        "propose_approval",
        "confirm_approval",
        "issue",
    ]
    assert [s for _, s in history] == list(range(1, case.version + 1))
    from umis.core.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="case", object_id=case.number).count() >= 4


def test_requirements_refuse_with_their_reason(officer: Any, open_case: Callable[..., Any]) -> None:
    case = fire(open_case(fee_tier="trp_card"), officer, "start_review")
    with pytest.raises(ApplicationError) as exc:
        fire(case, officer, "propose_approval")
    assert exc.value.code == "fee_unpaid" and exc.value.status == 409
    payment_record(actor=officer, order_id=case.payment_orders.get().pk, receipt_number="RC-1")
    with pytest.raises(ApplicationError) as exc:
        fire(case, officer, "propose_approval")
    assert exc.value.code == "documents_missing"
    assert set(exc.value.extra["missing"]) == set(DOCS)  # damaged_card is optional
    case.refresh_from_db()
    assert case.status == "in_review"


def test_refusal_needs_grounds_from_the_pack(officer: Any, open_case: Callable[..., Any]) -> None:
    case = fire(open_case(), officer, "start_review")
    with pytest.raises(ApplicationError) as exc:
        fire(case, officer, "propose_refusal")
    assert exc.value.status == 422 and exc.value.field_errors[0].field == "grounds"
    with pytest.raises(ApplicationError) as exc:
        fire(case, officer, "propose_refusal", grounds=["made_up"])
    assert exc.value.status == 422 and "made_up" in exc.value.detail
    case = fire(case, officer, "propose_refusal", grounds=["permit_not_valid"])
    assert case.status == "proposed_refusal" and case.grounds == ["permit_not_valid"]


def test_the_proposer_cannot_confirm(
    make_staff: Callable[..., Any], open_case: Callable[..., Any]
) -> None:
    supervisor = make_staff("supervisor")
    case = open_case(actor=supervisor, office=supervisor.office)
    case = fire(case, supervisor, "start_review")
    case = fire(case, supervisor, "propose_refusal", grounds=["permit_not_valid"])
    with pytest.raises(ApplicationError) as exc:
        fire(case, supervisor, "confirm_refusal")
    assert exc.value.code == "same_actor" and exc.value.status == 403


def test_illegal_transition_lists_the_allowed_ones(
    officer: Any, open_case: Callable[..., Any]
) -> None:
    case = open_case()
    with pytest.raises(ApplicationError) as exc:
        fire(case, officer, "issue")
    assert exc.value.status == 409 and exc.value.code == "illegal_transition"
    assert exc.value.extra["allowed"] == ["start_review"]


def test_stale_version_is_409_with_the_current_state(
    officer: Any, open_case: Callable[..., Any]
) -> None:
    case = open_case()
    stale = case.version
    fire(case, officer, "start_review")
    with pytest.raises(ApplicationError) as exc:
        case_transition(
            actor=officer,
            case_id=case.pk,
            action="start_review",
            expected_version=stale,
            idempotency_key="another",
        )
    assert exc.value.status == 409 and exc.value.code == "version_conflict"
    assert exc.value.extra["case_status"] == "in_review"
    assert "request_documents" in exc.value.extra["allowed"]


def test_a_retried_request_is_answered_once(officer: Any, open_case: Callable[..., Any]) -> None:
    case = open_case()
    v = case.version
    first = case_transition(
        actor=officer,
        case_id=case.pk,
        action="start_review",
        expected_version=v,
        idempotency_key="k-1",
    )
    again = case_transition(
        actor=officer,
        case_id=case.pk,
        action="start_review",
        expected_version=v,
        idempotency_key="k-1",
    )
    assert first.version == again.version == v + 1
    assert CaseAction.objects.filter(case=case, action="start_review").count() == 1
    with pytest.raises(ApplicationError) as exc:  # the same key for something else
        case_transition(
            actor=officer,
            case_id=case.pk,
            action="request_documents",
            expected_version=v + 1,
            idempotency_key="k-1",
        )
    assert exc.value.code == "idempotency_key_reused"


def test_only_the_assignee_works_the_case(
    make_staff: Callable[..., Any], officer: Any, open_case: Callable[..., Any]
) -> None:
    case = open_case()
    colleague = make_staff("officer", office=officer.office)
    worker = officer if case.assignee_id == officer.pk else colleague
    idle = colleague if worker is officer else officer
    with pytest.raises(ApplicationError) as exc:
        fire(case, idle, "start_review")
    assert exc.value.status == 403
    other_office = make_staff("supervisor", office_kind="regional")
    with pytest.raises(ApplicationError) as exc:
        fire(case, other_office, "start_review")
    assert exc.value.status == 404  # another office's case is not theirs to see
    assert fire(case, worker, "start_review").status == "in_review"


def test_withdrawal_is_the_applicant_s(
    officer: Any, applicant: Any, make_person: Callable[..., Any], open_case: Callable[..., Any]
) -> None:
    case = open_case(actor=applicant, person=make_person(), contact_email="a@example.org")
    assert case.applicant_id == applicant.pk
    with pytest.raises(ApplicationError) as exc:
        fire(case, officer, "withdraw")
    assert exc.value.status == 403 and exc.value.code == "role"
    case = fire(case, applicant, "withdraw")
    assert case.status == "withdrawn"
    assert not case.payment_orders.filter(status="due").exists()  # nothing owed any more


def test_clock_stops_while_documents_are_awaited(
    officer: Any, open_case: Callable[..., Any]
) -> None:
    case = fire(open_case(), officer, "start_review")
    case = fire(case, officer, "request_documents", note="A clearer copy of the passport")
    assert case.status == "awaiting_documents" and case.deadline is None
    # The request was made two weeks ago and answered today: the term moves by the
    # working days in between.
    stop = ClockStop.objects.get(case=case)
    asked = timezone.localdate() - dt.timedelta(days=14)
    Case.objects.filter(pk=case.pk).update(submitted_on=asked - dt.timedelta(days=1))
    ClockStop.objects.filter(pk=stop.pk).update(stopped_on=asked)
    case = fire(case, officer, "documents_received")
    cal = working_calendar(on=case.submitted_on)
    expected = rules.deadline(
        submitted_on=case.submitted_on,
        working_days=case.working_days,
        stops=[rules.ClockStop(asked, timezone.localdate())],
        calendar=cal,
    )
    assert case.deadline == expected
    assert case.deadline > cal.add(case.submitted_on, case.working_days)


def test_reassignment_by_a_supervisor_with_a_reason(
    make_staff: Callable[..., Any], officer: Any, open_case: Callable[..., Any]
) -> None:
    supervisor = make_staff("supervisor", office=officer.office)
    colleague = make_staff("officer", office=officer.office)
    case = open_case()
    target = colleague if case.assignee_id == officer.pk else officer
    with pytest.raises(ApplicationError) as exc:
        case_reassign(
            actor=supervisor,
            case_id=case.pk,
            officer_id=target.pk,
            reason=" ",
            expected_version=case.version,
        )
    assert exc.value.status == 422 and exc.value.field_errors[0].field == "reason"
    with pytest.raises(ApplicationError) as exc:
        case_reassign(
            actor=officer,
            case_id=case.pk,
            officer_id=target.pk,
            reason="leave",
            expected_version=case.version,
        )
    assert exc.value.status == 403
    case = case_reassign(
        actor=supervisor,
        case_id=case.pk,
        officer_id=target.pk,
        reason="Annual leave",
        expected_version=case.version,
    )
    assert case.assignee_id == target.pk
    assert case.actions.last().note == "Annual leave"


def test_payments_receipts_are_unique(officer: Any, open_case: Callable[..., Any]) -> None:
    a, b = open_case(fee_tier="trp_card"), open_case(fee_tier="trp_card")
    order_a, order_b = a.payment_orders.get(), b.payment_orders.get()
    payment_record(actor=officer, order_id=order_a.pk, receipt_number="BANK-77")
    again = payment_record(actor=officer, order_id=order_a.pk, receipt_number=" BANK-77 ")
    assert again.status == "paid" and again.receipt_number == "BANK-77"
    with pytest.raises(ApplicationError) as exc:
        payment_record(actor=officer, order_id=order_b.pk, receipt_number="BANK-77")
    assert exc.value.status == 422 and exc.value.field_errors[0].field == "receipt_number"
    with pytest.raises(ApplicationError) as exc:
        payment_record(
            actor=officer,
            order_id=order_b.pk,
            receipt_number="X",
            paid_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert exc.value.field_errors[0].field == "paid_on"
    assert PaymentOrder.objects.get(pk=order_b.pk).status == "due"


def test_uploads_are_checked_by_content_and_size(
    officer: Any, open_case: Callable[..., Any], settings: Any
) -> None:
    case = open_case()
    with pytest.raises(ApplicationError) as exc:
        case_document_add(
            actor=officer,
            case_id=case.pk,
            upload=Upload("photos", "photo.png", b"MZ\x90\0 not an image"),
        )
    assert exc.value.status == 422 and exc.value.field_errors[0].field == "documents.photos"
    settings.UMIS_CASE_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ApplicationError) as exc:
        case_document_add(
            actor=officer, case_id=case.pk, upload=Upload("photos", "big.png", PNG + b"\0" * 2000)
        )
    assert exc.value.status == 413
    assert not case.documents.exists()
    doc = case_document_add(actor=officer, case_id=case.pk, upload=Upload("photos", "p.png", PNG))
    assert doc.content_type == "image/png" and doc.size == len(PNG)


def test_notices_reach_the_applicant_on_the_steps_that_concern_them(
    officer: Any, applicant: Any, make_person: Callable[..., Any], open_case: Callable[..., Any]
) -> None:
    from umis.cases.notifications import notifications_send

    case = open_case(
        actor=applicant,
        person=make_person(),
        contact_email="a@example.org",
        language="en",
        fee_tier="trp_card",
    )
    events = set(Notification.objects.filter(case=case).values_list("event", "channel"))
    assert events == {("submitted", "portal"), ("submitted", "email")}
    sent = notifications_send()
    assert sent["sent"] == 1 and len(mail.outbox) == 1
    assert case.number in mail.outbox[0].subject
    assert case.payment_orders.get().number in mail.outbox[0].body
    assert notifications_send()["sent"] == 0  # never twice
    case = fire(case, case.assignee, "start_review")  # internal: no notice
    assert Notification.objects.filter(case=case).count() == 2
    fire(case, case.assignee, "request_documents", note="Bring the photos")
    notice = Notification.objects.get(case=case, event="documents_requested", channel="email")
    assert "Bring the photos" in notice.body


def test_tracking_needs_number_passport_and_birth_date(
    open_case: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    from umis.cases.selectors import case_track

    person = make_person(passport="C01X00T47", birth_date="1990-05-17")
    case = open_case(person=person)
    born = dt.date(1990, 5, 17)
    assert (
        case_track(number=case.number.lower(), passport_number="c01x 00t47", birth_date=born)
        == case
    )
    assert case_track(number=case.number, passport_number="C01X00T48", birth_date=born) is None
    assert (
        case_track(number=case.number, passport_number="C01X00T47", birth_date=dt.date(1990, 5, 18))
        is None
    )
    assert (
        case_track(number="CRD-1999-000001", passport_number="C01X00T47", birth_date=born) is None
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database is shared-cache: a second writer fails on a "
    "table lock instead of waiting; concurrency is the PostgreSQL run's to prove",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_exactly_one_wins(
    officer: Any, open_case: Callable[..., Any]
) -> None:
    case = open_case()
    version = case.version
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(action: str, key: str) -> None:
        try:
            barrier.wait()
            case_transition(
                actor=officer,
                case_id=case.pk,
                action=action,
                expected_version=version,
                idempotency_key=key,
            )
            results.append("ok")
        except ApplicationError as exc:
            results.append(f"{exc.status}:{exc.code}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=("start_review", f"t{i}")) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409:version_conflict", "ok"]
    case.refresh_from_db()
    assert case.version == version + 1
    assert CaseAction.objects.filter(case=case, action="start_review").count() == 1


def test_online_applications_go_to_a_centre_of_the_applicant_s_region(
    applicant: Any,
    make_staff: Callable[..., Any],
    make_person: Callable[..., Any],
    open_case: Callable[..., Any],
    officer: Any,
) -> None:
    from umis.core.models import City, Office
    from umis.registry.services import AddressData, address_set

    ganja = Office.objects.get(code="OSS-ASAN-GANJA")
    person = make_person()
    city = City.objects.filter(region=ganja.region).first()
    address_set(
        actor=officer,
        person_id=person.pk,
        data=AddressData(region=ganja.region.code, city=city.code, street="Atatürk 5"),
    )
    # No officer works in Ganja yet: the default centre takes it.
    assert open_case(actor=applicant, person=person, office=None).office_id == officer.office_id
    ganja_officer = make_staff("officer", office=ganja)
    case = open_case(actor=applicant, person=make_person(), office=None)
    assert case.office_id == officer.office_id  # no address: the default centre
    Case.objects.filter(person=person).update(status="withdrawn")
    routed = open_case(actor=applicant, person=person, office=None)
    assert routed.office_id == ganja.pk and routed.assignee_id == ganja_officer.pk


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers: the PostgreSQL run's to prove (see above)",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_do_not_both_pick_the_least_loaded_officer(
    officer: Any,
    make_staff: Callable[..., Any],
    make_person: Callable[..., Any],
    plain_type: str,
    monkeypatch: Any,
) -> None:
    import time

    from umis.cases import services
    from umis.cases.services import CaseRequest, case_open

    colleague = make_staff("officer", office=officer.office)
    pick = services.pick_officer

    def slow_pick(office: Any, **kw: Any) -> Any:  # widen the window between pick and insert
        chosen = pick(office, **kw)
        time.sleep(0.3)
        return chosen

    monkeypatch.setattr(services, "pick_officer", slow_pick)
    barrier = threading.Barrier(2)
    opened: list[Case] = []

    # Two services: their number counters are separate rows, so only the office's lock
    # makes the second assignment see the first.
    def submit(service: str) -> None:
        try:
            person = make_person()
            barrier.wait()
            opened.append(
                case_open(
                    actor=officer,
                    request=CaseRequest(service=service, person=person, office=officer.office),
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(s,)) for s in (plain_type, "trp")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(opened) == 2
    assert {c.assignee_id for c in opened} == {officer.pk, colleague.pk}
