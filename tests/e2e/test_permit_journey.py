"""A temporary residence permit from application to card, in a real browser against a
live server, all through the pages:

a. a foreigner signs in on the portal, applies for a temporary residence permit with
   every required document and lands on the case page with its number and the fee's
   payment number;
b. the one officer of the office, to whom the case was assigned, opens it from the work
   queue and starts the review; proposing approval before the fee is paid is refused
   with the reason; the officer records the payment and proposes approval;
c. a supervisor of the office confirms from the "awaiting confirmation" queue and the
   officer issues the card;
d. the foreigner downloads the card as PDF: it carries the card number;
e. the card's QR token verifies on the public page; one changed character makes it
   invalid.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from fpdf import FPDF
from tests.e2e.conftest import sign_in

from umis.cases.models import Case, PaymentOrder
from umis.core.models import Office, User
from umis.permits.models import IssuedDocument
from umis.permits.selectors import application_options

pytestmark = [pytest.mark.e2e]

PASSWORD = "e2e-permit-password-2026"
OFFICER_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
SUPERVISOR_SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
PASSPORT = "C7E2E0042"
RECEIPT = "BANK-RCPT-2026-0042"


def _scan(title: str) -> bytes:
    """A small, valid one-page PDF standing in for a scanned document."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=f"Scanned document: {title}")
    return bytes(pdf.output())


@pytest.fixture
def people(transactional_db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()
    # Uploaded documents and the signing key stay in this test's directory.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UMIS_SIGNING_KEY_DIR = tmp_path / "keys"
    # Online applications go to the first one-stop-shop centre (cases.services
    # .default_office); its only officer gets every new case.
    office = Office.objects.filter(kind="one_stop_shop", is_active=True).order_by("code").first()
    assert office is not None
    officer = User.objects.create_user(
        username="permits.officer.e2e",
        password=PASSWORD,
        role="officer",
        office=office,
        first_name="Leyla",
        last_name="Quliyeva",
    )
    TOTP.activate(officer, OFFICER_SECRET)
    supervisor = User.objects.create_user(
        username="permits.supervisor.e2e",
        password=PASSWORD,
        role="supervisor",
        office=office,
        first_name="Kamran",
        last_name="Əliyev",
    )
    TOTP.activate(supervisor, SUPERVISOR_SECRET)
    assert User.objects.filter(role="officer", office=office, is_active=True).count() == 1
    applicant = User.objects.create_user(
        username="jonas.e2e", password=PASSWORD, email="jonas@example.org"
    )
    assert applicant.role == ""
    return {"officer": officer, "supervisor": supervisor, "applicant": applicant}


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    """Pages in fresh browser contexts (own cookies): one per person at the keyboard."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def _decide(page: Any, button: str, status: str) -> None:
    """Press a decision button and wait for the case page to show the new status."""
    page.locator("#decision-form").get_by_role("button", name=button, exact=True).click()
    page.locator(f'#case-status[data-status="{status}"]').wait_for()


def test_foreigner_gets_a_residence_card_that_verifies(
    live_server: Any,
    page: Any,
    new_page: Callable[[], Any],
    people: dict[str, Any],
    tmp_path: Path,
) -> None:
    url = live_server.url
    applicant, officer = people["applicant"], people["officer"]
    today = timezone.localdate()

    # --- a. the foreigner applies on the portal --------------------------------------------
    page.goto(f"{url}/apply/trp/")
    assert page.url == f"{url}/accounts/login/?next=/apply/trp/"  # then back to the form
    page.select_option("#umis-language-select", "en")
    page.get_by_role("button", name="Change language").click()
    page.get_by_label("Username").fill(applicant.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/apply/trp/")

    form = page.locator("#application-form")
    # USWDS draws the radio on its label (the input itself sits off screen).
    tier = form.locator('.usa-radio:has(input[name="fee_tier"][value="standard_adult"])')
    tier.locator("label").click()
    assert tier.locator("input").is_checked()
    form.get_by_label("Term").select_option("1y")
    form.get_by_label("Ground of the permit").select_option("highly_qualified_specialist")
    form.get_by_label("Family name").fill("Schmidt")
    form.get_by_label("Given names").fill("Jonas")
    form.get_by_label("Birth date").fill("1988-02-14")
    form.get_by_label("Sex").select_option("M")
    form.get_by_label("Nationality").select_option("DEU")
    form.get_by_label("Passport number").fill(PASSPORT)
    form.get_by_label("Issuing state of the passport").select_option("DEU")
    # The passport must outlive the one-year permit by the pack's margin: five years does.
    expiry = today + dt.timedelta(days=5 * 365)
    form.get_by_label("Passport valid until").fill(expiry.isoformat())
    form.get_by_label("E-mail").fill("jonas.schmidt@example.org")
    required = [
        code
        for code, _name, optional in application_options("trp", language="en").documents
        if not optional
    ]
    assert required
    for code in required:
        scan = tmp_path / f"{code}.pdf"
        scan.write_bytes(_scan(code))
        form.locator(f'input[type="file"][name="doc_{code}"]').set_input_files(scan)
    form.get_by_role("button", name="Submit the application").click()

    # Either the case page or the form again with what the services refused.
    page.locator("#payment-orders, .umis-error-summary").first.wait_for()
    if page.locator(".umis-error-summary").count():
        pytest.fail("application refused: " + page.locator(".umis-error-summary").inner_text())
    case = Case.objects.get(applicant=applicant)
    order = PaymentOrder.objects.get(case=case)
    assert page.url == f"{url}/my/applications/{case.pk}/"
    assert case.service == "trp" and case.status == "submitted"
    assert case.number in page.get_by_role("heading", level=1).inner_text()
    assert case.number in page.locator(".umis-messages").inner_text()
    fees = page.locator("#payment-orders").text_content() or ""  # tags are in capitals
    assert order.number in fees and "To be paid" in fees
    assert sorted(case.documents.values_list("code", flat=True)) == sorted(required)
    assert case.assignee_id == officer.pk

    # --- b. the officer: review, the fee is not paid yet, record it, propose ----------------
    office = new_page()
    sign_in(office, url, officer.username, PASSWORD, OFFICER_SECRET)
    office.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Cases", exact=True
    ).click()
    office.wait_for_url("**/office/cases/")  # the officer's own queue
    office.locator(f'#case-queue tr[data-case="{case.number}"]').get_by_role(
        "link", name=case.number
    ).click()
    office.wait_for_url(f"**/office/cases/{case.pk}/*")
    assert officer.username in office.locator("#case-assignee").inner_text()
    for code in required:
        assert (
            office.locator(f'#required-documents li[data-document="{code}"]').get_attribute(
                "data-state"
            )
            == "present"
        )

    _decide(office, "Start the review", "in_review")
    office.locator("#decision-form").get_by_role("button", name="Propose approval").click()
    problem = office.locator("#decision-form .usa-alert--error")
    problem.wait_for()
    assert "The fee is not paid yet." in problem.inner_text()
    assert office.locator("#case-status").get_attribute("data-status") == "in_review"
    case.refresh_from_db()
    assert case.status == "in_review" and case.proposed_by_id is None

    payment = office.locator(f"#pay-{order.number}")
    payment.get_by_label("Receipt number").fill(RECEIPT)
    payment.get_by_role("button", name="Record payment").click()
    office.locator(
        f'#payment-orders tr[data-order="{order.number}"][data-status="paid"]'
    ).wait_for()
    assert RECEIPT in office.locator("#payment-orders").inner_text()
    _decide(office, "Propose approval", "proposed_approval")

    # --- c. the supervisor confirms; the officer issues -------------------------------------
    boss = new_page()
    sign_in(boss, url, people["supervisor"].username, PASSWORD, SUPERVISOR_SECRET)
    boss.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Cases", exact=True
    ).click()
    boss.wait_for_url("**/office/cases/")
    assert (
        boss.locator('[data-queue="awaiting_confirmation"]').get_attribute("aria-current") == "page"
    )
    boss.locator(f'#case-queue tr[data-case="{case.number}"]').get_by_role(
        "link", name=case.number
    ).click()
    boss.wait_for_url(f"**/office/cases/{case.pk}/*")
    _decide(boss, "Confirm approval", "approved")

    office.reload()
    _decide(office, "Issue", "issued")
    card = IssuedDocument.objects.get(case=case)
    assert card.kind == "residence_card" and card.status == "valid"
    office.locator(f'#issued li[data-issued="{card.number}"]').wait_for()

    # --- d. the foreigner downloads the card -------------------------------------------------
    page.reload()
    assert (page.locator("#case-status").text_content() or "").strip() == "Issued"
    issued = page.locator("#issued-documents")
    assert card.number in issued.inner_text()
    with page.expect_download() as download:
        issued.get_by_role("link", name="PDF, English").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert card.number in text
    assert "SCHMIDT" in text.upper()

    # --- e. the QR token verifies on the public page (no sign-in) ----------------------------
    public = new_page()
    public.goto(f"{url}/verify/{card.token}/")
    result = public.locator("#verify-result")
    assert result.get_attribute("data-status") == "valid"
    assert "Valid" in result.inner_text() and card.number in result.inner_text()

    tampered = _tamper(card.token)
    assert sum(a != b for a, b in zip(card.token, tampered, strict=True)) == 1
    public.goto(f"{url}/verify/{tampered}/")
    result = public.locator("#verify-result")
    assert result.get_attribute("data-status") == "invalid"
    assert "Not valid" in result.inner_text() and card.number not in result.inner_text()


def _tamper(token: str) -> str:
    """The token with one character in the middle changed (a letter or digit, so the
    token keeps its alphabet and only its content is wrong)."""
    i = len(token) // 2
    while not token[i].isalnum():
        i += 1
    replacement = "A" if token[i] != "A" else "B"
    return token[:i] + replacement + token[i + 1 :]
