"""The decision letter of a decided case (umis.permits.decisions, umis.permits.pdf) on the
real database: a refusal lists each ground with its text in the letter's language and its
legal reference, and the right of appeal; an approval states what it granted (the permit
and its card once issued) or when the document comes; an undecided case has no letter
(409); only the applicant and the case's office get it; the letter is reproducible."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pypdf
import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from umis.cases.models import Case, PaymentOrder
from umis.cases.selectors import refusal_grounds
from umis.core.errors import ApplicationError
from umis.core.models import User
from umis.core.policy import get_policy
from umis.permits.decisions import decision_pdf
from umis.permits.models import IssuedDocument, Permit
from umis.permits.pdf import DecisionGrant, DecisionGround, PrintedDecision, render_decision_pdf
from umis.permits.services import ApplicantIdentity, ApplicationIn, application_submit

pytestmark = pytest.mark.django_db

APPEAL = (
    "You may appeal this decision to the State Migration Service or to a court within the "
    "time the law allows."
)


def text_of(pdf: bytes) -> str:
    """The letter's text with the line breaks of wrapped paragraphs undone."""
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def flat(text: str) -> str:
    return " ".join(text.split())


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


@pytest.fixture
def staff(make_staff: Callable[..., Any]) -> tuple[Any, Any]:
    officer = make_staff("officer")
    return officer, make_staff("supervisor", office=officer.office)


def apply_trp(actor: User) -> Case:
    return application_submit(
        actor=actor,
        data=ApplicationIn(
            service="trp",
            fee_tier="standard_adult",
            variant="1y",
            ground="highly_qualified_specialist",
            identity=ApplicantIdentity(
                family_name="Yılmaz",
                given_names="Ayşe",
                birth_date=dt.date(1991, 3, 9),
                sex="F",
                nationality="TUR",
                passport_number="U12345678",
                passport_issuing_state="TUR",
                passport_expiry=timezone.localdate() + dt.timedelta(days=5 * 365),
            ),
            idempotency_key=uuid.uuid4().hex,
        ),
    )


def fire(case: Case, actor: Any, action: str, **kw: Any) -> Case:
    from umis.cases.services import case_transition

    case.refresh_from_db()
    return case_transition(
        actor=actor,
        case_id=case.pk,
        action=action,
        expected_version=case.version,
        idempotency_key=uuid.uuid4().hex,
        **kw,
    )


def ready(case: Case) -> None:
    """The required documents in and the fee paid: what a proposal of approval needs."""
    from umis.cases.services import Upload, case_document_add, payment_record
    from umis.core.policy import get_policy

    officer = case.assignee
    assert officer is not None
    for d in get_policy().service(case.service).required_documents:
        if not d.optional:
            case_document_add(
                actor=officer, case_id=case.pk, upload=Upload(d.code, "d.pdf", b"%PDF-1.4\n")
            )
    for order in case.payment_orders.all():
        payment_record(actor=officer, order_id=order.pk, receipt_number=f"R{order.number}")


def refuse(case: Case, supervisor: Any, grounds: list[str]) -> Case:
    case = fire(case, case.assignee, "start_review")
    case = fire(case, case.assignee, "propose_refusal", grounds=grounds)
    return fire(case, supervisor, "confirm_refusal")


def approve(case: Case, supervisor: Any) -> Case:
    ready(case)
    case = fire(case, case.assignee, "start_review")
    case = fire(case, case.assignee, "propose_approval")
    return fire(case, supervisor, "confirm_approval")


@pytest.mark.parametrize("language", ["az", "en"])
def test_a_refusal_lists_each_ground_with_its_legal_reference_and_the_right_of_appeal(
    applicant: User, staff: tuple[Any, Any], language: str
) -> None:
    officer, supervisor = staff
    known = refusal_grounds("trp", on=timezone.localdate())
    first = next(iter(known.values()))
    # Two grounds under different articles: each reference must come from its ground.
    second = next(g for g in known.values() if g["legal_ref"] != first["legal_ref"])
    codes = [second["code"], first["code"]]
    case = refuse(apply_trp(applicant), supervisor, codes)
    assert case.status == "refused"

    text = text_of(decision_pdf(actor=applicant, case_id=case.pk, language=language))
    assert case.number in text
    for code in codes:
        assert flat(known[code]["text"][language]) in text
        assert flat(known[code]["legal_ref"]) in text
    other = "en" if language == "az" else "az"
    assert flat(known[codes[0]]["text"][other]) not in text  # the letter's language only
    assert flat(in_language(language, APPEAL)) in text
    assert (
        flat(in_language(language, "The application is refused on the following grounds:")) in text
    )
    assert text.index(flat(known[codes[0]]["text"][language])) < text.index(
        flat(known[codes[1]]["text"][language])
    )  # in the decision's order
    assert timezone.localdate(case.decided_at).strftime("%d.%m.%Y") in text
    assert "U12345678" in text and "Yılmaz" in text and "1991-03-09" in text
    assert flat(get_policy().service("trp").name(language)) in text
    # The office reads the same letter.
    assert decision_pdf(actor=officer, case_id=case.pk, language=language) == decision_pdf(
        actor=applicant, case_id=case.pk, language=language
    )


def test_the_letter_is_in_azerbaijani_with_the_translated_labels(
    applicant: User, staff: tuple[Any, Any]
) -> None:
    case = refuse(
        apply_trp(applicant),
        staff[1],
        [next(iter(refusal_grounds("trp", on=timezone.localdate())))],
    )
    text = text_of(decision_pdf(actor=applicant, case_id=case.pk, language="az"))
    for label in ("Decision on the application", "Right of appeal", "Legal reference"):
        assert in_language("az", label) != label, f"{label!r} is not translated"
        assert flat(in_language("az", label)) in text
    assert "Right of appeal" not in text and "Dövlət Miqrasiya Xidməti" in text


def test_an_approval_before_the_issue_says_when_the_document_comes(
    applicant: User, staff: tuple[Any, Any]
) -> None:
    case = approve(apply_trp(applicant), staff[1])
    assert case.status == "approved"
    text = text_of(decision_pdf(actor=applicant, case_id=case.pk, language="en"))
    assert "The application is approved." in text
    assert "The document will be issued at the office" in text
    assert "refused" not in text and "appeal" not in text
    # A fee still due (e.g. a further order) is what the applicant must do next.
    PaymentOrder.objects.filter(case=case).update(status=PaymentOrder.Status.DUE)
    text = text_of(decision_pdf(actor=applicant, case_id=case.pk, language="en"))
    assert "The document will be issued after the fee is paid." in text


def test_an_issued_case_names_the_permit_and_its_card(
    applicant: User, staff: tuple[Any, Any]
) -> None:
    officer, supervisor = staff
    case = fire(approve(apply_trp(applicant), supervisor), officer, "issue")
    assert case.status == "issued"
    permit = Permit.objects.get(case=case)
    card = IssuedDocument.objects.get(case=case)
    for language in ("az", "en"):
        text = text_of(decision_pdf(actor=applicant, case_id=case.pk, language=language))
        assert permit.number in text and card.number in text
        assert permit.valid_from.strftime("%d.%m.%Y") in text
        assert permit.valid_to is not None and permit.valid_to.strftime("%d.%m.%Y") in text
        assert flat(in_language(language, "Residence permit card")) in text
    # The letter keeps the day of the decision, not of the issue or of the download.
    assert text_of(decision_pdf(actor=officer, case_id=case.pk, language="en")) == text


def test_an_undecided_case_has_no_letter(applicant: User, staff: tuple[Any, Any]) -> None:
    case = apply_trp(applicant)
    for status in ("submitted", "in_review", "proposed_refusal", "withdrawn"):
        Case.objects.filter(pk=case.pk).update(status=status)
        with pytest.raises(ApplicationError) as exc:
            decision_pdf(actor=applicant, case_id=case.pk, language="en")
        assert (exc.value.status, exc.value.code) == (409, "not_decided")
        assert case.number in exc.value.detail and "no decision yet" in exc.value.detail
        assert exc.value.extra["case_status"] == status


def test_only_the_applicant_and_the_cases_office_get_the_letter(
    applicant: User, staff: tuple[Any, Any], make_staff: Callable[..., Any]
) -> None:
    case = refuse(apply_trp(applicant), staff[1], ["false_information"])
    stranger = User.objects.create_user(username="stranger", password="x-Secret-2026!")
    elsewhere = make_staff("officer", office_kind="regional")
    for actor in (stranger, elsewhere):
        with pytest.raises(ApplicationError) as exc:
            decision_pdf(actor=actor, case_id=case.pk, language="en")
        assert exc.value.status == 404
    with pytest.raises(ApplicationError) as exc:
        decision_pdf(actor=stranger, case_id=uuid.uuid4(), language="en")
    assert exc.value.status == 404


@pytest.mark.parametrize("language", ["ru", "fr", "", "EN"])
def test_another_language_is_422_on_the_language(
    applicant: User, staff: tuple[Any, Any], language: str
) -> None:
    case = refuse(apply_trp(applicant), staff[1], ["false_information"])
    with pytest.raises(ApplicationError) as exc:
        decision_pdf(actor=applicant, case_id=case.pk, language=language)
    assert exc.value.status == 422
    assert [e.field for e in exc.value.field_errors] == ["language"]


def test_the_same_decision_prints_to_the_same_bytes_dated_by_the_decision(
    applicant: User, staff: tuple[Any, Any]
) -> None:
    case = refuse(apply_trp(applicant), staff[1], ["false_information"])
    decided = dt.datetime(2026, 3, 2, 21, 30, tzinfo=dt.UTC)  # 3 March in Baku (UTC+4)
    Case.objects.filter(pk=case.pk).update(decided_at=decided)
    first = decision_pdf(actor=applicant, case_id=case.pk, language="en")
    assert first == decision_pdf(actor=applicant, case_id=case.pk, language="en")
    assert "03.03.2026" in text_of(first)
    info = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert info is not None and info.creation_date is not None
    assert info.creation_date.date() == dt.date(2026, 3, 3)
    assert case.number in str(info.title)


# --- the layout, without the database ------------------------------------------------------

LETTER = PrintedDecision(
    authority="Dövlət Miqrasiya Xidməti",
    office="Bakı şəhəri üzrə Regional Miqrasiya İdarəsi",
    place="Bakı şəhəri",
    decided_on=dt.date(2026, 5, 4),
    case_number="TRP-2026-000042",
    service_name="Müvəqqəti yaşamaq üçün icazə",
    family_name="Məmmədova",
    given_names="Gülşən İlahə",
    birth_date="1990-05",
    passport_number="C01234567",
    outcome="refused",
    grounds=(DecisionGround("Saxta sənəd təqdim edilib", "Miqrasiya Məcəlləsi, maddə 50.1.2"),),
    granted=(),
    fee_due=False,
    legal_basis="Migration Code, Art. 45-49",
)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"grounds": ()}, "grounds"),
        ({"case_number": " "}, "case_number"),
        ({"granted": (DecisionGrant("trp", "T1", None, None),)}, "granted"),
        ({"outcome": "approved"}, "grounds"),
        (
            {
                "outcome": "approved",
                "grounds": (),
                "granted": (DecisionGrant("visa", "V", None, None),),
            },
            "granted.0.kind",
        ),
    ],
)
def test_a_letter_that_contradicts_itself_is_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError) as exc:
        render_decision_pdf(replace(LETTER, **change), language="az")
    assert str(exc.value).startswith(f"{field}:")


def test_an_unknown_language_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^language:"):
        render_decision_pdf(LETTER, language="ru")


def test_many_grounds_flow_onto_a_second_page() -> None:
    grounds = tuple(
        DecisionGround(f"Əsas {i}: " + "uzun mətn " * 30, f"Maddə {i}") for i in range(1, 13)
    )
    pdf = render_decision_pdf(replace(LETTER, grounds=grounds), language="az")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = text_of(pdf)
    assert all(f"Maddə {i}" in text for i in range(1, 13))
    assert flat(in_language("az", APPEAL)) in text  # after the last ground


def test_a_permanent_permit_prints_without_an_end_date() -> None:
    letter = replace(
        LETTER,
        outcome="approved",
        grounds=(),
        granted=(
            DecisionGrant("prp", "PRP-2026-000001", dt.date(2026, 5, 10), None),
            DecisionGrant("residence_card", "P00000001", dt.date(2026, 5, 10), None, document=True),
        ),
    )
    text = text_of(render_decision_pdf(letter, language="en"))
    assert (
        "Permanent residence permit № PRP-2026-000001, valid from 10.05.2026, without an end date"
        in text
    )
    assert "Residence permit card № P00000001" in text


def test_a_case_recorded_without_the_decision_time_is_dated_by_its_confirmation(
    applicant: User, staff: tuple[Any, Any]
) -> None:
    from umis.cases.models import CaseAction

    case = refuse(apply_trp(applicant), staff[1], ["false_information"])
    confirmed = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
    CaseAction.objects.filter(case=case, action="confirm_refusal").update(at=confirmed)
    Case.objects.filter(pk=case.pk).update(decided_at=None)
    assert "10.02.2026" in text_of(decision_pdf(actor=applicant, case_id=case.pk, language="en"))
    # A decided status with no decision anywhere in the record: no letter to print.
    CaseAction.objects.filter(case=case, action="confirm_refusal").update(action="imported")
    with pytest.raises(ApplicationError) as exc:
        decision_pdf(actor=applicant, case_id=case.pk, language="en")
    assert (exc.value.status, exc.value.code) == (409, "not_decided")
