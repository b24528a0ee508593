"""Back-office case pages on the real database: the work queue per role and office, the
case page (360° view, audit of the read, documents, checklist, payments, decision form,
history, issued documents), reassignment and the supervisor's deadline page."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from umis.cases import types
from umis.cases.models import Case, CaseAction, PaymentOrder
from umis.cases.selectors import refusal_grounds
from umis.cases.services import CaseRequest, Upload, case_open, case_transition, payment_record
from umis.core.constants import AuditAction
from umis.core.models import AuditEntry, Office
from umis.core.policy import get_policy
from umis.registry import services as registry
from umis.registry.models import Person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%case page test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _storage(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UMIS_SIGNING_KEY_DIR = tmp_path / "keys"


@pytest.fixture(autouse=True)
def _trp_type() -> Iterator[None]:
    """The permits app registers "trp" when it loads; without it, a bare case type."""
    if "trp" in types.registered():
        yield
        return
    types.register(types.CaseType(service="trp"))
    yield
    types._TYPES.pop("trp", None)


@pytest.fixture
def person(team: dict[str, Any]) -> Person:
    # Registered by the supervisor: no officer other than the team's is in the office.
    person = registry.person_create(
        actor=team["chief"],
        data=registry.PersonData(
            family_name="Kowalska",
            given_names="Zofia",
            sex="F",
            birth_date="1988-07-21",
            nationalities=[registry.NationalityData(country="POL")],
        ),
    )
    registry.document_add(
        actor=team["chief"],
        person_id=person.pk,
        data=registry.DocumentData(
            document_type="passport",
            number="EP7654321",
            issuing_state="POL",
            expiry_date=timezone.localdate() + dt.timedelta(days=4 * 365),
        ),
    )
    return person


def open_case(
    actor: Any,
    person: Person,
    *,
    office: Office | None = None,
    uploads: tuple[Upload, ...] = (),
) -> Case:
    return case_open(
        actor=actor,
        request=CaseRequest(
            service="trp",
            person=person,
            fee_tier="standard_adult",
            variant="1y",
            data={
                "ground": "highly_qualified_specialist",
                "valid_from": timezone.localdate().isoformat(),
                "position": "Petroleum engineer",
            },
            office=office,
            uploads=uploads,
        ),
    )


def other_office(office: Office) -> Office:
    found = (
        Office.objects.filter(kind=office.kind, is_active=True)
        .exclude(pk=office.pk)
        .order_by("code")
        .first()
    )
    assert found is not None
    return found


def fire(case: Case, actor: Any, action: str, **kw: Any) -> Case:
    case.refresh_from_db()
    return case_transition(
        actor=actor,
        case_id=case.pk,
        action=action,
        expected_version=case.version,
        idempotency_key=uuid.uuid4().hex,
        **kw,
    )


def page(client: Client, case: Case) -> str:
    response = client.get(reverse("backoffice:case_detail", args=[case.pk]))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def queue_numbers(html: str) -> set[str]:
    return set(re.findall(r'<tr data-case="([^"]+)"', html))


def tab_count(html: str, queue: str) -> int:
    match = re.search(rf'data-queue="{queue}"[^>]*>[^<]*<span[^>]*data-count="(\d+)"', html)
    assert match, f"no tab {queue}"
    return int(match.group(1))


@pytest.fixture
def team(make_staff: Callable[..., Any]) -> dict[str, Any]:
    """Two officers and a supervisor of one office, and an officer of another office."""
    first = make_staff("officer", username="alpha")
    office = first.office
    return {
        "alpha": first,
        "office": office,
        "beta": make_staff("officer", office=office, username="beta"),
        "chief": make_staff("supervisor", office=office, username="chief"),
        "elsewhere": make_staff("officer", office=other_office(office), username="elsewhere"),
    }


@pytest.fixture
def cases(team: dict[str, Any], person: Person, make_staff: Callable[..., Any]) -> dict[str, Case]:
    """One case for each officer of the office (the engine assigns the least loaded), and
    one at the other office."""
    first = open_case(team["chief"], person, office=team["office"])
    second = open_case(team["chief"], person, office=team["office"])
    far = open_case(team["chief"], person, office=team["elsewhere"].office)
    by_officer = {c.assignee.username if c.assignee else "": c for c in (first, second)}
    assert set(by_officer) == {"alpha", "beta"}
    assert far.assignee == team["elsewhere"]
    return {"alpha": by_officer["alpha"], "beta": by_officer["beta"], "far": far}


# --- the work queue ----------------------------------------------------------------------


def test_queue_shows_each_officer_their_cases_and_the_office_its_own(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    alpha = session_client(team["alpha"])
    url = reverse("backoffice:case_queue")
    assert f'href="{url}"' in alpha.get(reverse("backoffice:home")).content.decode()

    mine = alpha.get(url).content.decode()  # an officer starts on their own cases
    assert queue_numbers(mine) == {cases["alpha"].number}
    assert 'data-queue="mine"' in mine and 'aria-current="page" data-queue="mine"' in mine
    assert tab_count(mine, "mine") == 1
    assert tab_count(mine, "office") == 2
    assert tab_count(mine, "awaiting_confirmation") == 0
    assert get_policy().service("trp").name("en") in mine
    assert "Kowalska Zofia" in mine

    office = alpha.get(url, {"queue": "office"}).content.decode()
    assert queue_numbers(office) == {cases["alpha"].number, cases["beta"].number}
    assert cases["far"].number not in office  # the other office's case is not listed

    elsewhere = session_client(team["elsewhere"]).get(url, {"queue": "office"}).content.decode()
    assert queue_numbers(elsewhere) == {cases["far"].number}
    assert alpha.get(url, {"queue": "everything"}).status_code == 404


def test_supervisor_starts_on_the_proposals_awaiting_confirmation(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    fire(cases["alpha"], team["alpha"], "start_review")
    ground = next(iter(refusal_grounds("trp", on=timezone.localdate())))
    fire(cases["alpha"], team["alpha"], "propose_refusal", grounds=[ground])

    chief = session_client(team["chief"]).get(reverse("backoffice:case_queue")).content.decode()
    assert queue_numbers(chief) == {cases["alpha"].number}
    assert tab_count(chief, "awaiting_confirmation") == 1
    assert "Deadlines and workload" in chief
    # The proposer does not confirm their own proposal.
    alpha = session_client(team["alpha"]).get(
        reverse("backoffice:case_queue"), {"queue": "awaiting_confirmation"}
    )
    assert queue_numbers(alpha.content.decode()) == set()


def test_queue_query_count_does_not_grow_with_the_cases(
    team: dict[str, Any], person: Person, session_client: Callable[[Any], Client]
) -> None:
    client = session_client(team["chief"])
    url = reverse("backoffice:case_queue")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"queue": "office"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        open_case(team["chief"], person, office=team["office"])
    few = count()
    for _ in range(12):
        open_case(team["chief"], person, office=team["office"])
    many = count()
    assert many == few
    assert len(queue_numbers(client.get(url, {"queue": "office"}).content.decode())) == 14


def test_queue_is_paginated(
    team: dict[str, Any], person: Person, session_client: Callable[[Any], Client]
) -> None:
    from umis.backoffice.views_cases import PAGE_SIZE

    for _ in range(PAGE_SIZE + 1):
        open_case(team["chief"], person, office=team["office"])
    client = session_client(team["chief"])
    url = reverse("backoffice:case_queue")
    first = client.get(url, {"queue": "office"}).content.decode()
    second = client.get(url, {"queue": "office", "page": "2"}).content.decode()
    assert len(queue_numbers(first)) == PAGE_SIZE
    assert len(queue_numbers(second)) == 1
    assert not queue_numbers(first) & queue_numbers(second)
    assert "?queue=office&amp;page=2" in first


# --- the case page -----------------------------------------------------------------------


def test_case_page_for_the_assignee_shows_the_applicant_and_audits_the_read(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = cases["alpha"]
    before = AuditEntry.objects.filter(
        person_id=case.person_id, action=AuditAction.VIEW, object_type="registry.person"
    ).count()
    html = page(session_client(team["alpha"]), case)

    views = AuditEntry.objects.filter(
        person_id=case.person_id, action=AuditAction.VIEW, object_type="registry.person"
    )
    assert views.count() == before + 1  # one audited read per page view
    latest = views.order_by("-id").first()
    assert latest is not None and latest.purpose == f"case {case.number}"

    assert case.number in html
    assert reverse("backoffice:person_detail", args=[case.person_id]) in html
    assert "EP7654321" in html  # the applicant's passport
    assert "1988-07-21" in html
    assert cases["beta"].number in html  # their other case of this office...
    assert cases["far"].number not in html  # ...but not the other office's
    assert "Petroleum engineer" in html  # what was applied for
    order = case.payment_orders.get()
    assert order.number in html
    assert f'id="pay-{order.number}"' in html
    assert 'data-document="passport_copy" data-state="missing"' in html
    assert 'value="start_review"' in html  # the assignee's allowed action
    assert 'value="propose_refusal"' not in html  # not from "submitted"
    assert hidden(html, "expected_version") == str(case.version)
    assert len(hidden(html, "idempotency_key")) == 32


def test_case_page_for_a_supervisor_and_for_another_officer(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    chief = page(session_client(team["chief"]), cases["alpha"])
    assert 'value="start_review"' in chief
    assert reverse("backoffice:case_reassign", args=[cases["alpha"].pk]) in chief
    # A colleague may look (same office) but has nothing to decide on it.
    beta = page(session_client(team["beta"]), cases["alpha"])
    assert 'id="decision-form"' not in beta
    assert reverse("backoffice:case_reassign", args=[cases["alpha"].pk]) not in beta


def test_another_offices_case_and_roles_without_case_work_are_refused(
    team: dict[str, Any],
    cases: dict[str, Case],
    make_staff: Callable[..., Any],
    session_client: Callable[[Any], Client],
) -> None:
    far = cases["far"]
    alpha = session_client(team["alpha"])
    assert alpha.get(reverse("backoffice:case_detail", args=[far.pk])).status_code == 404
    assert alpha.get(reverse("backoffice:case_detail", args=[uuid.uuid4()])).status_code == 404
    response = alpha.post(
        reverse("backoffice:case_action", args=[far.pk]),
        {"action": "start_review", "expected_version": far.version, "idempotency_key": "x1"},
    )
    assert response.status_code == 404
    border = session_client(make_staff("border_officer"))
    assert border.get(reverse("backoffice:case_queue")).status_code == 403
    assert border.get(reverse("backoffice:case_detail", args=[far.pk])).status_code == 403
    assert Client().get(reverse("backoffice:case_queue")).status_code == 302


# --- decisions ---------------------------------------------------------------------------


def _post_action(client: Client, case: Case, action: str, html: str, **extra: Any) -> Any:
    return client.post(
        reverse("backoffice:case_action", args=[case.pk]),
        {
            "action": action,
            "expected_version": hidden(html, "expected_version"),
            "idempotency_key": hidden(html, "idempotency_key"),
            **extra,
        },
    )


def test_an_officer_who_is_not_the_assignee_gets_403_on_an_action(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = cases["alpha"]
    beta = session_client(team["beta"])
    response = beta.post(
        reverse("backoffice:case_action", args=[case.pk]),
        {"action": "start_review", "expected_version": case.version, "idempotency_key": "k-1"},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "submitted"
    assert not CaseAction.objects.filter(case=case, action="start_review").exists()
    checks = beta.post(
        reverse("backoffice:case_checks", args=[case.pk]), {"expected_version": case.version}
    )
    assert checks.status_code == 403


def test_decision_form_fires_the_action_and_a_stale_page_changes_nothing(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = cases["alpha"]
    alpha = session_client(team["alpha"])
    stale = page(alpha, case)
    response = _post_action(alpha, case, "start_review", stale, note="Looking at it.")
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("backoffice:case_detail", args=[case.pk]) + "#decision"
    )
    case.refresh_from_db()
    assert case.status == "in_review"
    version = case.version
    history = page(alpha, case)
    assert "Looking at it." in history

    # The same form again (an old tab, a double click with a new key): 409, nothing done.
    actions = CaseAction.objects.filter(case=case).count()
    response = alpha.post(
        reverse("backoffice:case_action", args=[case.pk]),
        {
            "action": "request_documents",
            "expected_version": hidden(stale, "expected_version"),
            "idempotency_key": uuid.uuid4().hex,
            "note": "Send the diploma.",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="case-conflict"' in html
    assert "The case changed" in html
    assert 'data-status="in_review"' in html
    assert 'value="request_documents"' in html  # the new allowed actions
    assert 'value="start_review"' not in html
    assert hidden(html, "expected_version") == str(version)  # ready to decide again
    assert "Send the diploma." in html  # the note typed is kept
    case.refresh_from_db()
    assert case.status == "in_review" and case.version == version
    assert CaseAction.objects.filter(case=case).count() == actions

    # The double-submitted first form (same key) is answered without a second action.
    again = _post_action(alpha, case, "start_review", stale)
    assert again.status_code == 302
    assert CaseAction.objects.filter(case=case, action="start_review").count() == 1


def test_refusal_needs_grounds_and_is_confirmed_by_the_supervisor(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = fire(cases["alpha"], team["alpha"], "start_review")
    alpha = session_client(team["alpha"])
    html = page(alpha, case)
    grounds = refusal_grounds("trp", on=timezone.localdate())
    code, item = next(iter(grounds.items()))
    assert f'value="{code}"' in html and item["legal_ref"] in html
    assert item["text"]["en"] in html  # the pack's text in the page's language
    assert item["text"]["az"] not in html

    response = _post_action(alpha, case, "propose_refusal", html)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_grounds_error"' in body  # the error is on the grounds field
    assert 'href="#id_grounds"' in body  # and the summary links to it
    case.refresh_from_db()
    assert case.status == "in_review" and case.grounds == []

    no_button = _post_action(alpha, case, "", html)
    assert no_button.status_code == 422
    assert "Choose what to do with one of the buttons." in no_button.content.decode()

    bogus = _post_action(alpha, case, "propose_refusal", html, grounds=["no_such_ground"])
    assert bogus.status_code == 422
    case.refresh_from_db()
    assert case.status == "in_review"

    done = _post_action(alpha, case, "propose_refusal", html, grounds=[code], note="No ground.")
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "proposed_refusal" and case.grounds == [code]

    chief = session_client(team["chief"])
    chief_html = page(chief, case)
    assert 'value="confirm_refusal"' in chief_html and 'value="return"' in chief_html
    assert 'value="confirm_approval"' not in chief_html
    assert _post_action(chief, case, "confirm_refusal", chief_html).status_code == 302
    case.refresh_from_db()
    assert case.status == "refused"
    final = page(chief, case)
    assert 'id="decision-form"' not in final
    assert item["legal_ref"] in final.split('id="history"', 1)[1]  # the grounds in history
    assert case.payment_orders.get().status == PaymentOrder.Status.CANCELLED


def test_an_action_the_rules_refuse_shows_why(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = fire(cases["alpha"], team["alpha"], "start_review")
    alpha = session_client(team["alpha"])
    response = _post_action(alpha, case, "propose_approval", page(alpha, case))
    assert response.status_code == 409  # the fee is not paid (and documents are missing)
    assert "The fee is not paid yet." in response.content.decode()
    case.refresh_from_db()
    assert case.status == "in_review"


def test_a_supervisor_does_not_confirm_their_own_proposal(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = fire(cases["alpha"], team["chief"], "start_review")
    code = next(iter(refusal_grounds("trp", on=timezone.localdate())))
    case = fire(case, team["chief"], "propose_refusal", grounds=[code])
    chief = session_client(team["chief"])
    response = _post_action(chief, case, "confirm_refusal", page(chief, case))
    assert response.status_code == 403
    assert "confirmed by another person" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "proposed_refusal"


# --- checks and payments ---------------------------------------------------------------


def test_run_checks_again(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = cases["alpha"]
    alpha = session_client(team["alpha"])
    html = page(alpha, case)
    assert reverse("backoffice:case_checks", args=[case.pk]) in html
    url = reverse("backoffice:case_checks", args=[case.pk])
    response = alpha.post(url, {"expected_version": case.version})
    assert response.status_code == 302
    assert CaseAction.objects.filter(case=case, action="checks_run").count() == 1
    stale = alpha.post(url, {"expected_version": case.version})
    assert stale.status_code == 409
    assert 'id="case-conflict"' in stale.content.decode()
    assert CaseAction.objects.filter(case=case, action="checks_run").count() == 1


def test_payment_recording(
    team: dict[str, Any],
    cases: dict[str, Case],
    session_client: Callable[[Any], Client],
) -> None:
    case = cases["alpha"]
    order = case.payment_orders.get()
    alpha = session_client(team["alpha"])
    url = reverse("backoffice:case_payment", args=[case.pk, order.pk])
    prefix = f"pay-{order.number}"

    empty = alpha.post(url, {f"{prefix}-receipt_number": "", f"{prefix}-paid_on": ""})
    assert empty.status_code == 422
    assert f'id="id_{prefix}-receipt_number_error"' in empty.content.decode()

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = alpha.post(url, {f"{prefix}-receipt_number": "R-1", f"{prefix}-paid_on": tomorrow})
    assert future.status_code == 422
    assert f'id="id_{prefix}-paid_on_error"' in future.content.decode()
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.DUE

    # A receipt already recorded for another payment is caught on the field.
    other = cases["beta"].payment_orders.get()
    payment_record(actor=team["beta"], order_id=other.pk, receipt_number="BANK-0001")
    dup = alpha.post(url, {f"{prefix}-receipt_number": "BANK-0001", f"{prefix}-paid_on": ""})
    assert dup.status_code == 422
    assert "already recorded" in dup.content.decode()

    ok = alpha.post(url, {f"{prefix}-receipt_number": "BANK 0002", f"{prefix}-paid_on": ""})
    assert ok.status_code == 302
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert order.receipt_number == "BANK0002"
    assert order.paid_on == timezone.localdate()
    html = page(alpha, case)
    assert f'data-order="{order.number}" data-status="paid"' in html
    assert f'id="pay-{order.number}"' not in html  # no form for a paid order
    assert (
        alpha.post(
            reverse("backoffice:case_payment", args=[case.pk, other.pk]),
            {f"pay-{other.number}-receipt_number": "X"},
        ).status_code
        == 404
    )  # another case's order through this case


# --- reassignment and deadlines ------------------------------------------------------------


def test_reassignment_needs_a_reason(
    team: dict[str, Any], cases: dict[str, Case], session_client: Callable[[Any], Client]
) -> None:
    case = cases["alpha"]
    url = reverse("backoffice:case_reassign", args=[case.pk])
    assert session_client(team["alpha"]).get(url).status_code == 403
    chief = session_client(team["chief"])
    form = chief.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert f'value="{team["beta"].pk}"' in html
    assert f'value="{team["alpha"].pk}"' not in html  # not the current assignee

    no_reason = chief.post(
        url, {"officer": str(team["beta"].pk), "reason": "  ", "expected_version": case.version}
    )
    assert no_reason.status_code == 422
    assert 'id="id_reason_error"' in no_reason.content.decode()
    case.refresh_from_db()
    assert case.assignee == team["alpha"]

    stale = chief.post(
        url,
        {"officer": str(team["beta"].pk), "reason": "Leave", "expected_version": case.version - 1},
    )
    assert stale.status_code == 409
    assert hidden(stale.content.decode(), "expected_version") == str(case.version)
    case.refresh_from_db()
    assert case.assignee == team["alpha"]

    done = chief.post(
        url,
        {
            "officer": str(team["beta"].pk),
            "reason": "Alpha is on leave.",
            "expected_version": case.version,
        },
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.assignee == team["beta"]
    history = page(chief, case).split('id="history"', 1)[1]
    assert "Alpha is on leave." in history and "beta" in history


def test_deadline_page_is_for_supervisors(
    team: dict[str, Any],
    cases: dict[str, Case],
    person: Person,
    session_client: Callable[[Any], Client],
) -> None:
    url = reverse("backoffice:case_deadlines")
    assert session_client(team["alpha"]).get(url).status_code == 403
    # An overdue case: submitted long ago, its deadline passed.
    late = cases["alpha"]
    Case.objects.filter(pk=late.pk).update(
        submitted_on=timezone.localdate() - dt.timedelta(days=60),
        deadline=timezone.localdate() - dt.timedelta(days=14),
    )
    response = session_client(team["chief"]).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert cases["alpha"].number in html and cases["beta"].number in html
    assert cases["far"].number not in html
    late_row = html.split(f'data-case="{late.number}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-overdue="true"' in late_row
    assert re.search(r'data-days-left="-\d+"', late_row)
    assert ">60<" in late_row  # age in days since submission
    assert reverse("backoffice:case_reassign", args=[late.pk]) in late_row
    assert "alpha" in html and "beta" in html


# --- files -------------------------------------------------------------------------------


def test_document_download_is_checked_and_served_inline(
    team: dict[str, Any],
    person: Person,
    make_staff: Callable[..., Any],
    session_client: Callable[[Any], Client],
) -> None:
    case = open_case(
        team["chief"],
        person,
        office=team["office"],
        uploads=(
            Upload("passport_copy", "pasport.pdf", PDF),
            Upload("application_form", "anket.png", PNG),
        ),
    )
    doc = case.documents.get(code="passport_copy")
    url = reverse("backoffice:case_document", args=[case.pk, doc.pk])
    html = page(session_client(case.assignee), case)
    assert url in html and "pasport.pdf" in html
    assert 'data-document="passport_copy" data-state="present"' in html

    response = session_client(team["chief"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.getvalue() == PDF
    from umis.core.models import AuditEntry

    read = AuditEntry.objects.get(object_type="cases.document", object_id=str(doc.pk))
    assert read.action == "view" and read.actor_id == team["chief"].pk
    assert read.person_id == person.pk and case.number in read.purpose
    scan = case.documents.get(code="application_form")
    png = session_client(team["chief"]).get(
        reverse("backoffice:case_document", args=[case.pk, scan.pk])
    )
    assert png["Content-Type"] == "image/png"  # the type found in the bytes at upload
    assert png.getvalue() == PNG

    assert session_client(team["elsewhere"]).get(url).status_code == 404  # other office
    assert session_client(make_staff("border_officer")).get(url).status_code == 403
    other = open_case(team["chief"], person, office=team["office"])
    wrong = reverse("backoffice:case_document", args=[other.pk, doc.pk])
    assert session_client(team["chief"]).get(wrong).status_code == 404


def test_issued_documents_are_listed_with_their_pdfs(
    team: dict[str, Any], person: Person, session_client: Callable[[Any], Client]
) -> None:
    case = open_case(team["chief"], person, office=team["office"])
    officer = case.assignee
    assert officer is not None
    for d in get_policy().service("trp").required_documents:
        if not d.optional:
            from umis.cases.services import case_document_add

            case_document_add(actor=officer, case_id=case.pk, upload=Upload(d.code, "d.pdf", PDF))
    for order in case.payment_orders.all():
        payment_record(actor=officer, order_id=order.pk, receipt_number=f"R{order.number}")
    officer_client = session_client(officer)
    for client, action in (
        (officer_client, "start_review"),
        (officer_client, "propose_approval"),
        (session_client(team["chief"]), "confirm_approval"),
        (officer_client, "issue"),
    ):
        html = page(client, case)
        response = _post_action(client, case, action, html)
        assert response.status_code == 302, (action, response.status_code)
    case.refresh_from_db()
    assert case.status == "issued"

    from umis.permits.selectors import case_issued_documents

    [issued] = case_issued_documents(case)
    html = page(officer_client, case)
    assert issued.number in html
    for language in ("az", "en"):
        url = reverse("backoffice:case_issued_pdf", args=[case.pk, issued.pk])
        assert f"{url}?lang={language}" in html
        response = officer_client.get(url, {"lang": language})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline")
        assert response.content.startswith(b"%PDF")
    url = reverse("backoffice:case_issued_pdf", args=[case.pk, issued.pk])
    assert officer_client.get(url, {"lang": "fr"}).status_code == 404
    assert session_client(team["elsewhere"]).get(url).status_code == 404
    assert case.number in html.split('id="permits-title"', 1)[1]  # the permit it granted


def test_a_supervisor_revokes_a_granted_permit_with_a_reason(
    make_staff: Any, session_client: Any, tmp_path: Any, settings: Any
) -> None:
    from umis.cases.services import CaseRequest, case_open
    from umis.permits.models import IssuedDocument, Permit
    from umis.permits.selectors import verify
    from umis.permits.services import _document
    from umis.registry.services import NationalityData, PersonData, person_create

    settings.UMIS_SIGNING_KEY_DIR = tmp_path
    officer = make_staff("officer")
    supervisor = make_staff("supervisor", office=officer.office)
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Revoke", sex="M", birth_date="1985", nationalities=[NationalityData("GEO")]
        ),
    )
    case = case_open(
        actor=officer,
        request=CaseRequest(
            service="work_permit", person=person, fee_tier="standard", variant="3m"
        ),
    )
    permit = Permit.objects.create(
        kind="work_permit",
        number=case.number,
        person=person,
        case=case,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    card = _document(officer, case, permit, IssuedDocument.Kind.WORK_PERMIT)
    url = f"/office/cases/{case.pk}/permit/revoke/"
    assert session_client(officer).get(url).status_code == 403
    client = session_client(supervisor)
    assert "Revoke the permit" in client.get(f"/office/cases/{case.pk}/").content.decode()
    empty = client.post(url, {"reason": " "})
    assert empty.status_code == 422
    permit.refresh_from_db()
    assert permit.status == "active"
    done = client.post(url, {"reason": "Employment ended"})
    assert done.status_code == 302
    permit.refresh_from_db()
    assert permit.status == "revoked" and permit.revoke_reason == "Employment ended"
    assert verify(card.token).status == "revoked"
