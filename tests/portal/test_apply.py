"""Online applications on the portal: the form built from the policy pack in az/en/ru, a
TRP application that opens exactly one case however often it is posted, upload and
eligibility errors on the field they concern (422/413), Django's own body limit as a
friendly 413, who may apply, and the applicant's case page (fees, requested documents,
withdrawal, history)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from umis.cases.models import Case, CaseDocument, Notification, PaymentOrder
from umis.cases.services import case_transition
from umis.core.models import User
from umis.core.policy import get_policy
from umis.permits.selectors import APPLY_SERVICES, application_options
from umis.portal.views import _service_view, _tier_label
from umis.registry.models import OrganisationMember
from umis.registry.services import OrganisationData, organisation_create

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a scanned document\n" + b"0" * 200
GIF = b"GIF89a" + b"\x00" * 200


def documents(service: str = "trp", **replace: bytes) -> dict[str, SimpleUploadedFile]:
    """A file for each required document of the service, as the pack lists them."""
    out = {}
    for code, _name, optional in application_options(service, language="en").documents:
        if not optional:
            content = replace.get(code, PDF)
            out[f"doc_{code}"] = SimpleUploadedFile(f"{code}.pdf", content, "application/pdf")
    return out


def trp_data(key: str = "key-1", **over: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "idempotency_key": key,
        "fee_tier": "standard_adult",
        "variant": "1y",
        "ground": "real_estate",
        "family_name": "NOVAKOVA",
        "given_names": "PETRA",
        "birth_date": "1990-05-04",
        "sex": "F",
        "nationality": "CZE",
        "passport_number": "40123456",
        "passport_issuing_state": "CZE",
        "passport_expiry": (today + dt.timedelta(days=5 * 365)).isoformat(),
        "contact_email": "petra@example.org",
        "contact_phone": "+420601123456",
    }
    data.update(over)
    return data


def submit(client: Client, key: str = "key-1", files: dict[str, Any] | None = None, **over: Any):  # type: ignore[no-untyped-def]
    body = trp_data(key, **over)
    body.update(documents() if files is None else files)
    return client.post(reverse("portal:apply", args=["trp"]), body)


# --- the form -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_form_renders_the_packs_documents_and_tiers_in_each_language(
    client_for: Client, lang: str
) -> None:
    client_for.cookies["umis_language"] = lang
    response = client_for.get(reverse("portal:apply", args=["trp"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert 'enctype="multipart/form-data"' in html
    service = get_policy().service("trp")
    assert escape(service.name(lang)) in html
    for doc in service.required_documents:
        assert escape(doc.name(lang)) in html, doc.code
        assert f'name="doc_{doc.code}"' in html
    assert 'accept=".pdf,.jpg,.jpeg,.png' in html
    with translation.override(lang):
        for tier in service.fee_tiers:
            assert escape(_tier_label(tier.code)) in html, tier.code
            assert f'value="{tier.code}"' in html
    # The price of each term comes from the pack: 1 year of the standard adult tier.
    option = application_options("trp", language=lang).tiers[0]
    assert f"{option.amounts['1y']} {option.currency}" in html
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert key is not None
    assert 'value="petra@example.org"' in html


@pytest.mark.parametrize("service", APPLY_SERVICES)
def test_every_online_service_has_a_working_form(client_for: Client, service: str) -> None:
    options = application_options(service, language="en")
    response = client_for.get(reverse("portal:apply", args=[service]))
    assert response.status_code == 200
    html = response.content.decode()
    if options.service.audience == "employer":
        return  # the account acts for no employer: the page says who applies
    form = response.context["form"]
    for code, _name, optional in options.documents:
        assert f'name="doc_{code}"' in html
        assert form.fields[f"doc_{code}"].required is not optional
    for variant in options.variants:
        assert f'<option value="{variant}"' in html
    for code, _text in options.grounds:
        assert f'<option value="{code}"' in html
    for reason in options.reasons:
        assert f'value="{reason}"' in html


def test_the_home_page_and_the_index_lead_to_the_new_pages(client_for: Client) -> None:
    home = client_for.get(reverse("portal:home")).content.decode()
    for name in ("apply_index", "track", "verify", "my_applications"):
        assert f'href="{reverse("portal:" + name)}"' in home, name
    index = Client().get(reverse("portal:apply_index"))
    assert index.status_code == 200
    for code in APPLY_SERVICES:
        assert reverse("portal:apply", args=[code]) in index.content.decode()


def test_the_service_page_offers_apply_online_for_the_online_services(reference: None) -> None:
    """The template's part: the link shows for the services in ``apply_services``."""
    pack = get_policy()
    with translation.override("en"):
        for service in pack.services:
            html = render_to_string(
                "portal/service_detail.html",
                {
                    "pack": pack,
                    "s": _service_view(pack, service, "en"),
                    "apply_services": APPLY_SERVICES,
                },
            )
            link = f'href="{reverse("portal:apply", args=[service.code])}"'
            assert (link in html) == (service.code in APPLY_SERVICES), service.code


def test_each_render_gets_a_new_idempotency_key(client_for: Client) -> None:
    keys = {
        re.search(r'name="idempotency_key" value="(\w+)"', client_for.get(url).content.decode())[1]  # type: ignore[index]
        for url in [reverse("portal:apply", args=["trp"])] * 2
    }
    assert len(keys) == 2


def test_anonymous_is_sent_to_sign_in(reference: None) -> None:
    response = Client().get(reverse("portal:apply", args=["trp"]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert Client().get(reverse("portal:my_applications")).status_code == 302


def test_staff_get_403(officer: Any, session_client: Callable[[Any], Client]) -> None:
    client = session_client(officer)
    assert client.get(reverse("portal:apply", args=["trp"])).status_code == 403
    assert client.post(reverse("portal:apply", args=["trp"]), trp_data()).status_code == 403
    assert client.get(reverse("portal:my_applications")).status_code == 403
    assert not Case.objects.exists()


def test_a_service_that_cannot_be_applied_for_online_is_404(client_for: Client) -> None:
    assert client_for.get(reverse("portal:apply", args=["registration"])).status_code == 404


def test_work_permit_without_an_employer_says_that_employers_apply(client_for: Client) -> None:
    response = client_for.get(reverse("portal:apply", args=["work_permit"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="employers-apply"' in html
    assert 'id="application-form"' not in html


def test_work_permit_offers_the_organisations_the_account_acts_for(
    client_for: Client, applicant: User, officer: Any
) -> None:
    employer = organisation_create(
        actor=officer,
        data=OrganisationData(
            tax_number="1400057421",
            name="Xəzər Tikinti MMC",
            category="company",
            is_employer=True,
            region="baku",
            city="baku",
            street="Nizami küç. 10",
        ),
    )
    OrganisationMember.objects.create(user=applicant, organisation=employer, added_by=officer)
    response = client_for.get(reverse("portal:apply", args=["work_permit"]))
    html = response.content.decode()
    assert 'id="application-form"' in html
    assert f'value="{employer.pk}"' in html
    assert 'name="position"' in html
    assert 'name="ground"' not in html


# --- submitting -------------------------------------------------------------------------------


def test_a_valid_trp_application_opens_exactly_one_case_when_posted_twice(
    client_for: Client, applicant: User
) -> None:
    first = submit(client_for, key="double-click")
    assert first.status_code == 302, first.content.decode()[:3000]
    case = Case.objects.get()
    assert first["Location"] == reverse("portal:my_case", args=[case.pk])
    second = submit(client_for, key="double-click")
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Case.objects.count() == 1
    assert case.applicant == applicant
    assert case.service == "trp" and case.status == "submitted"
    assert case.fee_tier == "standard_adult" and case.variant == "1y"
    assert case.contact_phone == "+420601123456"
    assert CaseDocument.objects.filter(case=case).count() == len(documents())
    assert PaymentOrder.objects.filter(case=case).count() == 1
    # A new form (a new key) for the same service is refused: one open case per service.
    third = submit(client_for, key="another-key")
    assert third.status_code == 409
    assert case.number in third.content.decode()
    assert Case.objects.count() == 1


def test_a_wrong_file_type_is_422_naming_the_document(client_for: Client) -> None:
    response = submit(client_for, files=documents(passport_copy=GIF))
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == ["doc_passport_copy"]
    assert "PDF, JPEG or PNG" in form.errors["doc_passport_copy"][0]
    html = response.content.decode()
    assert 'href="#id_doc_passport_copy"' in html  # the error summary links the field
    assert not Case.objects.exists()


def test_a_missing_required_document_is_422(client_for: Client) -> None:
    files = documents()
    files.pop("doc_photos")
    response = submit(client_for, files=files)
    assert response.status_code == 422
    assert "doc_photos" in response.context["form"].errors
    assert not Case.objects.exists()


def test_an_oversize_file_is_413_with_the_form(client_for: Client, settings: Any) -> None:
    settings.UMIS_CASE_UPLOAD_MAX_BYTES = 1024
    response = submit(client_for, files=documents(photos=PDF + b"0" * 2048))
    assert response.status_code == 413
    form = response.context["form"]
    assert list(form.errors) == ["doc_photos"]
    assert 'id="application-form"' in response.content.decode()
    assert not Case.objects.exists()


def test_a_body_over_djangos_limit_is_a_friendly_413_not_a_400(
    client_for: Client, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    response = submit(client_for, position="x" * 10_000)
    assert response.status_code == 413
    assert "portal/apply/too_large.html" in [t.name for t in response.templates]
    assert not Case.objects.exists()


def test_a_body_over_what_the_form_can_carry_is_413_before_it_is_read(
    client_for: Client, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    settings.UMIS_CASE_UPLOAD_MAX_BYTES = 1024
    big = PDF + b"0" * (80 * 1024)
    response = submit(client_for, files=documents(photos=big, passport_copy=big))
    assert response.status_code == 413
    assert "portal/apply/too_large.html" in [t.name for t in response.templates]


def test_csrf_is_still_checked_and_the_413_comes_first(applicant: User, settings: Any) -> None:
    """With real CSRF checks (as in production) a too-large body is the friendly 413,
    and a normal post without the token is still refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    client.get(reverse("portal:apply", args=["trp"]))  # sets the CSRF cookie
    body = trp_data()
    body.update(documents())
    assert client.post(reverse("portal:apply", args=["trp"]), body).status_code == 403
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    big = trp_data(position="x" * 10_000)
    big.update(documents())
    assert client.post(reverse("portal:apply", args=["trp"]), big).status_code == 413
    assert not Case.objects.exists()


def test_a_passport_expiring_before_the_permit_would_end_is_422_with_the_rule(
    client_for: Client,
) -> None:
    expiry = timezone.localdate() + dt.timedelta(days=400)  # a 1-year permit needs 15 months
    response = submit(client_for, passport_expiry=expiry.isoformat())
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == ["passport_expiry"]
    rule = get_policy().rule("trp.passport_validity_beyond_permit_months")
    assert rule.legal_ref in errors["passport_expiry"][0]
    assert escape(rule.legal_ref) in response.content.decode()
    assert not Case.objects.exists()


def test_a_minors_tier_for_an_adult_is_422_on_the_tier(client_for: Client) -> None:
    response = submit(client_for, fee_tier="standard_minor")
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["fee_tier"]
    assert not Case.objects.exists()


def test_a_phone_not_in_international_format_is_422(client_for: Client) -> None:
    response = submit(client_for, contact_phone="0501234567")
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["contact_phone"]


# --- the applicant's cases --------------------------------------------------------------------


@pytest.fixture
def case(client_for: Client, officer: Any) -> Case:
    """A submitted TRP case, assigned to ``officer`` (the office's only officer)."""
    assert submit(client_for).status_code == 302
    case = Case.objects.get()
    assert case.assignee == officer
    return case


def test_the_list_shows_the_cases_and_the_portal_messages(client_for: Client, case: Case) -> None:
    response = client_for.get(reverse("portal:my_applications"))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html and "Submitted" in html
    notice = Notification.objects.get(case=case, channel=Notification.Channel.PORTAL)
    assert escape(notice.subject) in html


def test_another_applicants_case_is_404(case: Case, reference: None) -> None:
    other = User.objects.create_user(username="other", password="Other-portal-2026!")
    client = Client()
    client.force_login(other)
    assert client.get(reverse("portal:my_case", args=[case.pk])).status_code == 404


def test_the_case_page_shows_status_deadline_and_the_fee_to_pay(
    client_for: Client, case: Case
) -> None:
    response = client_for.get(reverse("portal:my_case", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    order = PaymentOrder.objects.get(case=case)
    assert order.number in html and f"{order.amount} {order.currency}" in html
    assert escape(order.legal_ref) in html
    assert order.due_on.isoformat() in html
    assert case.deadline is not None and case.deadline.isoformat() in html
    assert "recorded at the counter" in html
    assert "Application submitted" in html
    assert 'href="' + reverse("portal:my_case_withdraw", args=[case.pk]) in html


def _fire(actor: Any, case: Case, action: str, **kw: Any) -> Case:
    case.refresh_from_db()
    return case_transition(
        actor=actor,
        case_id=case.pk,
        action=action,
        expected_version=case.version,
        idempotency_key=f"{action}-{case.version}",
        **kw,
    )


def test_requested_documents_are_uploaded_and_the_applicant_says_they_are_in(
    client_for: Client, case: Case, officer: Any, settings: Any
) -> None:
    _fire(officer, case, "start_review")
    _fire(officer, case, "request_documents", note="Send a clearer copy of the passport.")
    page = client_for.get(reverse("portal:my_case", args=[case.pk])).content.decode()
    assert "Send a clearer copy of the passport." in page
    assert "I have sent the documents" in page
    assert "start_review" not in page and "In review" not in page

    bad = client_for.post(
        reverse("portal:my_case_upload", args=[case.pk]),
        {"code": "passport_copy", "file": SimpleUploadedFile("p.gif", GIF, "image/gif")},
    )
    assert bad.status_code == 422
    assert "file" in bad.context["upload_form"].errors

    settings.UMIS_CASE_UPLOAD_MAX_BYTES = 1024
    big = client_for.post(
        reverse("portal:my_case_upload", args=[case.pk]),
        {"code": "photos", "file": SimpleUploadedFile("p.pdf", PDF * 10, "application/pdf")},
    )
    assert big.status_code == 413
    assert "file" in big.context["upload_form"].errors
    settings.UMIS_CASE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024

    before = CaseDocument.objects.filter(case=case).count()
    ok = client_for.post(
        reverse("portal:my_case_upload", args=[case.pk]),
        {"code": "passport_copy", "file": SimpleUploadedFile("p.pdf", PDF, "application/pdf")},
    )
    assert ok.status_code == 302
    assert CaseDocument.objects.filter(case=case).count() == before + 1

    case.refresh_from_db()
    assert case.status == "awaiting_documents" and case.deadline is None
    body = {"version": case.version, "idempotency_key": "sent-1"}
    response = client_for.post(reverse("portal:my_case_documents_sent", args=[case.pk]), body)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_review" and case.deadline is not None
    # The same click again changes nothing.
    client_for.post(reverse("portal:my_case_documents_sent", args=[case.pk]), body)
    assert case.actions.filter(action="documents_received").count() == 1


def test_withdrawal_asks_for_confirmation_then_closes_the_case(
    client_for: Client, case: Case
) -> None:
    url = reverse("portal:my_case_withdraw", args=[case.pk])
    confirm = client_for.get(url)
    assert confirm.status_code == 200
    case.refresh_from_db()
    assert case.status == "submitted"
    html = confirm.content.decode()
    version = re.search(r'name="version" value="(\d+)"', html)[1]  # type: ignore[index]
    key = re.search(r'name="idempotency_key" value="(\w+)"', html)[1]  # type: ignore[index]
    response = client_for.post(url, {"version": version, "idempotency_key": key})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "withdrawn"
    assert PaymentOrder.objects.get(case=case).status == PaymentOrder.Status.CANCELLED
    page = client_for.get(reverse("portal:my_case", args=[case.pk])).content.decode()
    assert "Application withdrawn" in page
    assert 'href="' + url not in page  # nothing left to withdraw
    assert "Send a document" not in page
    # A page left open before the withdrawal cannot add documents to the closed case.
    before = CaseDocument.objects.filter(case=case).count()
    late = client_for.post(
        reverse("portal:my_case_upload", args=[case.pk]),
        {"code": "photos", "file": SimpleUploadedFile("p.pdf", PDF, "application/pdf")},
        follow=True,
    )
    assert "The case is closed." in late.content.decode()
    assert CaseDocument.objects.filter(case=case).count() == before


def test_a_stale_withdrawal_is_refused_with_a_message(
    client_for: Client, case: Case, officer: Any
) -> None:
    version = case.version
    _fire(officer, case, "start_review")
    response = client_for.post(
        reverse("portal:my_case_withdraw", args=[case.pk]),
        {"version": version, "idempotency_key": "late"},
        follow=True,
    )
    assert "changed meanwhile" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "in_review"


def test_refusal_shows_the_grounds_with_their_legal_references(
    client_for: Client, case: Case, officer: Any, make_staff: Callable[..., Any]
) -> None:
    supervisor = make_staff("supervisor")
    _fire(officer, case, "start_review")
    grounds = get_policy().value("refusal.trp", on=timezone.localdate())
    ground = grounds[0]
    _fire(officer, case, "propose_refusal", grounds=[ground["code"]], note="internal remark")
    page = client_for.get(reverse("portal:my_case", args=[case.pk])).content.decode()
    assert "Decision being prepared" in page and "Refused" not in page
    _fire(supervisor, case, "confirm_refusal")
    page = client_for.get(reverse("portal:my_case", args=[case.pk])).content.decode()
    assert "Application refused" in page
    assert escape(ground["text"]["en"]) in page
    assert escape(ground["legal_ref"]) in page
    assert "internal remark" not in page
