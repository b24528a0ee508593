"""The permit services end to end on the real database: eligibility refused at
submission with the rule and its legal reference, and what an issued case grants (the
permit, the stay period, the card with its MRZ and signed QR token)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from umis.cases.models import Case
from umis.cases.services import Upload, case_document_add, case_transition, payment_record
from umis.core.errors import ApplicationError
from umis.core.policy import get_policy
from umis.permits import rules
from umis.permits.models import IssuedDocument, Permit, QuotaCounter
from umis.permits.selectors import verify
from umis.permits.services import (
    ApplicantIdentity,
    ApplicationIn,
    application_submit,
    permit_revoke,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%test\n"


def identity(**kw: Any) -> ApplicantIdentity:
    values: dict[str, Any] = {
        "family_name": "Yılmaz",
        "given_names": "Ayşe",
        "birth_date": dt.date(1991, 3, 9),
        "sex": "F",
        "nationality": "TUR",
        "passport_number": "U12345678",
        "passport_issuing_state": "TUR",
        "passport_expiry": timezone.localdate() + dt.timedelta(days=5 * 365),
    }
    values.update(kw)
    return ApplicantIdentity(**values)


def apply_trp(actor: Any, **kw: Any) -> Case:
    data: dict[str, Any] = {
        "service": "trp",
        "fee_tier": "standard_adult",
        "variant": "1y",
        "ground": "highly_qualified_specialist",
        "identity": identity(),
        "contact_email": "ayse@example.org",
        "idempotency_key": "k1",
    }
    data.update(kw)
    return application_submit(actor=actor, data=ApplicationIn(**data))


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


def decide_and_issue(case: Case, supervisor: Any) -> Case:
    officer = case.assignee
    for code, _name, optional in _docs(case.service):
        if not optional:
            case_document_add(actor=officer, case_id=case.pk, upload=Upload(code, "f.pdf", PDF))
    for order in case.payment_orders.all():
        payment_record(actor=officer, order_id=order.pk, receipt_number=f"R{order.number}")
    case = fire(case, officer, "start_review")
    case = fire(case, officer, "propose_approval")
    case = fire(case, supervisor, "confirm_approval")
    return fire(case, officer, "issue")


def _docs(service: str) -> list[tuple[str, str, bool]]:
    return [
        (d.code, d.name("en"), d.optional) for d in get_policy().service(service).required_documents
    ]


@pytest.fixture
def staff(make_staff: Callable[..., Any]) -> tuple[Any, Any]:
    officer = make_staff("officer")
    return officer, make_staff("supervisor", office=officer.office)


def test_trp_application_opens_one_case_with_the_fee_and_term(
    applicant: Any, staff: tuple[Any, Any]
) -> None:
    case = apply_trp(applicant)
    again = apply_trp(applicant)  # a double submit
    assert again.pk == case.pk and Case.objects.count() == 1
    assert case.number.startswith("TRP-") and case.applicant_id == applicant.pk
    assert case.person.documents.get().number == "U12345678"
    order = case.payment_orders.get()
    amount, _rule = get_policy().fee_for("trp", "standard_adult", variant="1y")
    assert order.amount == amount
    start = dt.date.fromisoformat(case.data["valid_from"])
    assert case.data["valid_to"] == rules.term_end(start, rules.Term(1, "y")).isoformat()
    assert case.data["checks"]["entry_ban"]["ok"] is True


def test_trp_refused_at_submission_when_the_passport_ends_too_soon(
    applicant: Any, staff: Any
) -> None:
    soon = timezone.localdate() + dt.timedelta(days=300)
    with pytest.raises(ApplicationError) as exc:
        apply_trp(applicant, identity=identity(passport_expiry=soon))
    err = exc.value
    assert err.status == 422 and err.code == "not_eligible"
    assert err.field_errors[0].field == "identity.passport_expiry"
    assert err.extra["rule"] == "trp.passport_validity_beyond_permit_months"
    assert err.extra["legal_ref"] and err.extra["legal_ref"] in err.detail
    assert not Case.objects.exists()


def test_trp_term_and_tier_rules(applicant: Any, staff: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        apply_trp(applicant, variant="2y")  # a first permit is for at most 12 months
    assert exc.value.extra["rule"] == "trp.initial_max_months"
    with pytest.raises(ApplicationError) as exc:
        apply_trp(applicant, fee_tier="standard_student", variant="1y")
    assert exc.value.field_errors[0].field == "fee_tier"
    with pytest.raises(ApplicationError) as exc:
        apply_trp(applicant, ground="astrology")
    assert exc.value.field_errors[0].field == "ground"
    # The investment ground names its own maximum in the pack (36 months).
    investor = apply_trp(applicant, ground="investment", variant="3y", idempotency_key="inv")
    assert investor.variant == "3y"


def test_issued_trp_card_has_a_valid_mrz_and_a_verifiable_qr(
    applicant: Any, staff: tuple[Any, Any]
) -> None:
    from umis.registry.mrz import parse_mrz
    from umis.stays.models import PermitPeriod

    case = decide_and_issue(apply_trp(applicant), staff[1])
    assert case.status == "issued"
    permit = Permit.objects.get(case=case)
    assert permit.kind == "trp" and permit.status == "active"
    period = PermitPeriod.objects.get(pk=permit.stay_period_id)
    assert (period.kind, period.valid_to) == ("residence_temporary", permit.valid_to)
    card = IssuedDocument.objects.get(case=case)
    mrz = parse_mrz(card.mrz)
    assert mrz.document_number == card.number
    assert mrz.expiry_date == permit.valid_to and mrz.issuing_state == "AZE"
    assert (mrz.surname, mrz.given_names) == ("YILMAZ", "AYSE")  # ı, ş transliterated
    result = verify(card.token)
    assert result.status == "valid" and result.number == card.number
    assert result.holder == "YILMAZ A."
    # Any change of the token fails, even one character of the payload.
    i = len(card.token) // 2
    tampered = card.token[:i] + ("A" if card.token[i] != "A" else "B") + card.token[i + 1 :]
    assert verify(tampered).status == "invalid"
    # The whole scanned URL works as well as the bare token.
    assert verify(f"http://localhost:8000/verify/{card.token}/").status == "valid"


def test_rotated_keys_keep_issued_cards_valid_and_revocation_is_reported(
    applicant: Any, staff: tuple[Any, Any]
) -> None:
    from umis.permits.keys import signing_key_rotate

    card = IssuedDocument.objects.get(case=decide_and_issue(apply_trp(applicant), staff[1]))
    new = signing_key_rotate()
    assert new.kid != card.kid and verify(card.token).status == "valid"
    IssuedDocument.objects.filter(pk=card.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    assert verify(card.token).status == "expired"
    permit_revoke(actor=staff[1], permit_id=card.permit_id, reason="Ground no longer applies")
    assert verify(card.token).status == "revoked"


def test_card_replacement_revokes_the_old_card(applicant: Any, staff: tuple[Any, Any]) -> None:
    old = IssuedDocument.objects.get(case=decide_and_issue(apply_trp(applicant), staff[1]))
    case = application_submit(
        actor=applicant,
        data=ApplicationIn(
            service="card_replacement", identity=identity(), reason="lost", idempotency_key="r1"
        ),
    )
    assert case.fee_tier == "trp_card"
    case = decide_and_issue(case, staff[1])
    new = IssuedDocument.objects.get(case=case)
    old.refresh_from_db()
    assert old.status == "revoked" and new.replaces_id == old.pk
    assert verify(old.token).status == "revoked" and verify(new.token).status == "valid"


def _residence(
    person: Any, since: dt.date, until: dt.date, ground: str = "highly_qualified_specialist"
) -> Permit:
    """A temporary residence held since ``since`` (as a migration of older permits would
    record it), with the permit currently valid."""
    from umis.cases.services import CaseRequest, case_open
    from umis.stays.models import PermitPeriod

    case = Case.objects.create(
        number=f"TRP-2000-{uuid.uuid4().int % 10**6:06d}",
        service="trp",
        status="issued",
        person=person,
        office_id=_office_id(),
        submitted_at=timezone.now(),
        submitted_on=since,
        working_days=20,
    )
    del CaseRequest, case_open
    PermitPeriod.objects.create(
        person=person,
        kind="residence_temporary",
        number=case.number,
        valid_from=since,
        valid_to=until,
    )
    return Permit.objects.create(
        kind="trp",
        number=case.number,
        person=person,
        case=case,
        ground=ground,
        valid_from=since,
        valid_to=until,
    )


def _office_id() -> int:
    from umis.core.models import Office

    return (
        Office.objects.filter(kind="one_stop_shop").order_by("code").values_list("pk", flat=True)[0]
    )


def _crossings(person: Any, spans: list[tuple[dt.date, dt.date | None]]) -> None:
    """Border events: the person was in the country for each (entry, exit) span."""
    from umis.border.models import BorderEvent
    from umis.core.models import CrossingPoint

    point = CrossingPoint.objects.order_by("code").first()
    n = 0
    for entry, exit_ in spans:
        for direction, day in (("entry", entry), ("exit", exit_)):
            if day is None:
                continue
            n += 1
            BorderEvent.objects.create(
                event_id=f"{person.pk}-{n}",
                direction=direction,
                occurred_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
                crossing_point=point,
                document_type="passport",
                document_number="X",
                document_issuing_state="TUR",
                family_name="X",
                birth_date="1990",
                sex="F",
                nationality="TUR",
                person=person,
                link_method="document",
            )


def test_permanent_residence_needs_two_continuous_years(
    officer: Any, make_person: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    person = make_person()
    _residence(person, today - dt.timedelta(days=400), today + dt.timedelta(days=300))
    _crossings(person, [(today - dt.timedelta(days=400), None)])
    data = ApplicationIn(service="prp", person_id=person.pk, fee_tier="standard_adult")
    with pytest.raises(ApplicationError) as exc:
        application_submit(actor=officer, data=data)
    assert exc.value.extra["rule"] == "prp.required_trp_years"


def test_permanent_residence_continuity_is_broken_by_long_absences(
    officer: Any, make_person: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    person = make_person()
    since = rules.add_years(today, -3)
    _residence(person, since, today + dt.timedelta(days=300))
    # 100 days abroad last year: more than 90 in a 180-day window.
    away_from = today - dt.timedelta(days=300)
    _crossings(person, [(since, away_from), (away_from + dt.timedelta(days=101), None)])
    data = ApplicationIn(service="prp", person_id=person.pk, fee_tier="standard_adult")
    with pytest.raises(ApplicationError) as exc:
        application_submit(actor=officer, data=data)
    assert exc.value.extra["rule"] == "prp.continuity.max_absence_days"
    assert "Migration Code" in exc.value.extra["legal_ref"]


def test_permanent_residence_granted_supersedes_the_temporary_one(
    officer: Any, make_staff: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    person = make_person()
    since = rules.add_years(today, -3)
    trp = _residence(person, since, today + dt.timedelta(days=300))
    away_from = today - dt.timedelta(days=300)  # 60 days abroad: continuity holds
    _crossings(person, [(since, away_from), (away_from + dt.timedelta(days=61), None)])
    case = application_submit(
        actor=officer,
        data=ApplicationIn(service="prp", person_id=person.pk, fee_tier="standard_adult"),
    )
    case = decide_and_issue(case, make_staff("supervisor", office=officer.office))
    prp = Permit.objects.get(case=case)
    years = get_policy().value("prp.validity_years")
    assert prp.kind == "prp" and prp.valid_to == rules.add_years(today, int(years)) - dt.timedelta(
        days=1
    )
    trp.refresh_from_db()
    assert trp.status == "superseded"


@pytest.fixture
def employer(db: Any, officer: Any) -> Any:
    from umis.registry.models import Organisation

    return Organisation.objects.create(
        tax_number="1550887691", name="Vətən Ticarət MMC", category="legal_entity", is_employer=True
    )


def apply_wp(actor: Any, person: Any, employer: Any, **kw: Any) -> Case:
    data: dict[str, Any] = {
        "service": "work_permit",
        "person_id": person.pk,
        "employer_id": employer.pk,
        "position": "Welding engineer",
        "fee_tier": "standard",
        "variant": "6m",
    }
    data.update(kw)
    return application_submit(actor=actor, data=ApplicationIn(**data))


def test_work_permit_checks_the_employer_in_the_tax_registry(
    officer: Any,
    make_staff: Callable[..., Any],
    make_person: Callable[..., Any],
    employer: Any,
    sandbox: Any,
) -> None:
    case = apply_wp(officer, make_person(), employer)
    assert case.data["checks"]["tax_registry"]["ok"] is True
    assert case.data["counts_against_quota"] is True
    case = decide_and_issue(case, make_staff("supervisor", office=officer.office))
    permit = Permit.objects.get(case=case)
    assert permit.employer_id == employer.pk and permit.position == "Welding engineer"
    assert QuotaCounter.objects.get(year=timezone.localdate().year).used == 1
    assert verify(IssuedDocument.objects.get(case=case).token).status == "valid"


def test_work_permit_tax_registry_down_leaves_the_check_pending(
    officer: Any, make_person: Callable[..., Any], employer: Any, settings: Any
) -> None:
    settings.UMIS_TAX_REGISTRY_URL = "http://127.0.0.1:9"  # nothing listens
    case = apply_wp(officer, make_person(), employer)
    assert case.data["checks"]["tax_registry"]["ok"] is None
    case = fire(case, case.assignee, "start_review")
    with pytest.raises(ApplicationError) as exc:
        fire(case, case.assignee, "propose_approval")
    assert exc.value.code in ("checks_pending", "fee_unpaid", "documents_missing")


def test_work_permit_quota_and_one_employer(
    officer: Any, make_person: Callable[..., Any], employer: Any, sandbox: Any
) -> None:
    from umis.registry.models import Organisation

    year = timezone.localdate().year
    quota = int(get_policy().value("work_permit.quota.annual"))
    QuotaCounter.objects.create(year=year, used=quota)
    with pytest.raises(ApplicationError) as exc:
        apply_wp(officer, make_person(), employer)
    assert exc.value.extra["rule"] == "work_permit.quota.annual"
    QuotaCounter.objects.filter(year=year).update(used=0)
    person = make_person()
    first = apply_wp(officer, person, employer)
    Permit.objects.create(
        kind="work_permit",
        number=first.number,
        person=person,
        case=first,
        employer=employer,
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + dt.timedelta(days=100),
    )
    Case.objects.filter(pk=first.pk).update(status="issued")
    other = Organisation.objects.create(
        tax_number="1700000011", name="Other MMC", category="legal_entity", is_employer=True
    )
    with pytest.raises(ApplicationError) as exc:
        apply_wp(officer, person, other)
    assert exc.value.extra["rule"] == "work_permit.one_employer_only"


def test_employers_apply_only_for_their_own_organisation(
    applicant: Any, make_person: Callable[..., Any], employer: Any
) -> None:
    with pytest.raises(ApplicationError) as exc:
        application_submit(
            actor=applicant,
            data=ApplicationIn(
                service="work_permit",
                identity=identity(),
                employer_id=employer.pk,
                position="Cook",
                fee_tier="standard",
                variant="3m",
            ),
        )
    assert exc.value.field_errors[0].field == "employer_id"


def test_stay_extension_applies_at_least_three_days_before_the_end(
    officer: Any, make_person: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    person = make_person(nationality="GEO")  # visa-free for a limited stay
    _crossings(person, [(today - dt.timedelta(days=10), None)])
    case = application_submit(
        actor=officer,
        data=ApplicationIn(
            service="stay_extension", person_id=person.pk, fee_tier="standard_adult", variant="30d"
        ),
    )
    ends = dt.date.fromisoformat(case.data["stay_ends"])
    assert dt.date.fromisoformat(case.data["new_stay_ends"]) == ends + dt.timedelta(days=30)
    late = make_person(nationality="GEO")
    max_days = int(get_policy().value("stays.visa_free.max_days", variant="GEO"))
    _crossings(late, [(today - dt.timedelta(days=max_days - 2), None)])
    with pytest.raises(ApplicationError) as exc:
        application_submit(
            actor=officer,
            data=ApplicationIn(
                service="stay_extension",
                person_id=late.pk,
                fee_tier="standard_adult",
                variant="30d",
            ),
        )
    assert exc.value.extra["rule"] == "stay_extension.apply_before_end_days"


def test_stay_extension_issue_extends_the_stay_with_a_signed_decision(
    officer: Any, make_staff: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    from umis.permits.services import issued_document_pdf
    from umis.stays.selectors import stay_status

    today = timezone.localdate()
    person = make_person(nationality="GEO")
    _crossings(person, [(today - dt.timedelta(days=10), None)])
    before = stay_status(person_id=person.pk, nationalities=["GEO"], on=today).permitted_until
    case = application_submit(
        actor=officer,
        data=ApplicationIn(
            service="stay_extension", person_id=person.pk, fee_tier="standard_adult", variant="60d"
        ),
    )
    case = decide_and_issue(case, make_staff("supervisor", office=officer.office))
    after = stay_status(person_id=person.pk, nationalities=["GEO"], on=today).permitted_until
    assert before is not None and after == before + dt.timedelta(days=60)
    decision = IssuedDocument.objects.get(case=case)
    assert decision.kind == "decision" and verify(decision.token).status == "valid"
    pdf = issued_document_pdf(actor=officer, document_id=decision.pk, language="en")
    assert pdf.startswith(b"%PDF")


def test_the_card_prints_the_person_s_current_photo(
    applicant: Any, staff: tuple[Any, Any], settings: Any, tmp_path: Any
) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image
    from pypdf import PdfReader

    from umis.permits.services import issued_document_pdf
    from umis.registry.services import photo_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    case = decide_and_issue(apply_trp(applicant), staff[1])
    card = IssuedDocument.objects.get(case=case)
    without = PdfReader(
        io.BytesIO(issued_document_pdf(actor=staff[0], document_id=card.pk, language="en"))
    )
    png = io.BytesIO()
    Image.new("RGB", (350, 450), (200, 30, 30)).save(png, "PNG")  # uploaded as PNG
    photo_upload(
        actor=staff[0],
        person_id=case.person_id,
        upload=SimpleUploadedFile("face.png", png.getvalue(), "image/png"),
    )
    with_photo = PdfReader(
        io.BytesIO(issued_document_pdf(actor=staff[0], document_id=card.pk, language="en"))
    )
    assert len(with_photo.pages[0].images) == len(without.pages[0].images) + 1
