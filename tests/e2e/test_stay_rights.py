"""Stay rights in a real browser: a traveller who needs a visa is in the country with
none recorded (basis unknown); an officer records the visa on the person page and the
permitted-until date and its basis follow; a visa whose stay would end before its start
is refused, naming the field, and nothing is recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from tests.e2e.conftest import sign_in

from umis.border.services import border_events_ingest
from umis.core.models import Office, User
from umis.stays.models import Visa

pytestmark = [pytest.mark.e2e]

SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
PASSWORD = "e2e-rights-password-2026"


@pytest.fixture
def traveller(transactional_db: Any) -> dict[str, Any]:
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()
    office = Office.objects.filter(kind="one_stop_shop", is_active=True).order_by("code").first()
    officer = User.objects.create_user(
        username="rights.e2e", password=PASSWORD, role="officer", office=office
    )
    TOTP.activate(officer, SECRET)
    border = User.objects.create_user(
        username="rights.border.e2e",
        password=PASSWORD,
        role="border_officer",
        office=Office.objects.filter(kind="border").order_by("code").first(),
    )
    arrived = timezone.now() - dt.timedelta(days=5)
    report = border_events_ingest(
        actor=border,
        events=[
            {
                "event_id": "e2e-rights-in",
                "direction": "entry",
                "occurred_at": arrived.isoformat(),
                "crossing_point": "AIR-GYD",
                "document_number": "C4E2E0001",
                "document_issuing_state": "DEU",
                "family_name": "MUELLER",
                "given_names": "ANNA",
                "birth_date": "1985-05-05",
                "sex": "F",
                "nationality": "DEU",
            }
        ],
    )
    assert report.results[0].status == "created", report.results[0].errors
    return {"officer": officer, "person_id": report.results[0].person_id, "arrived": arrived}


def test_officer_records_a_visa_and_the_permitted_date_follows(
    live_server: Any, page: Any, traveller: dict[str, Any]
) -> None:
    person_id = traveller["person_id"]
    today = timezone.localdate()
    sign_in(page, live_server.url, traveller["officer"].username, PASSWORD, SECRET)

    # The person page loads the stay-rights section: no visa, so the basis is unknown.
    page.goto(f"{live_server.url}/office/persons/{person_id}/")
    basis = page.locator("#stay-rights-basis")
    basis.wait_for()
    assert "Unknown" in basis.inner_text()

    page.get_by_role("link", name="Record a visa").click()
    page.wait_for_url(f"**/office/persons/{person_id}/visas/new/")
    page.get_by_label("Kind").select_option("visa")
    page.get_by_label("Visa number").fill("AZ0012345")
    page.get_by_label("Valid from").fill((today - dt.timedelta(days=10)).isoformat())
    # Valid to before valid from: refused with the field named, nothing recorded.
    page.get_by_label("Valid to").fill((today - dt.timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Record the visa").click()
    summary = page.locator(".usa-alert--error")
    summary.wait_for()
    assert "Valid to" in summary.inner_text()
    assert not Visa.objects.filter(person_id=person_id).exists()

    valid_to = today + dt.timedelta(days=50)
    page.get_by_label("Valid to").fill(valid_to.isoformat())
    page.get_by_label("Duration of stay (days)").fill("30")
    page.get_by_role("button", name="Record the visa").click()

    # Back on the stay rights: the visa applies, 30 days from the entry.
    page.wait_for_url(f"**/office/persons/{person_id}/stay-rights/")
    assert page.get_by_role("status").filter(has_text="visa was recorded").is_visible()
    row = page.locator("#visas tbody tr").filter(has_text="AZ0012345")
    assert row.get_by_text("Applies now").is_visible()  # shown in capitals by the style
    until = timezone.localtime(traveller["arrived"]).date() + dt.timedelta(days=29)
    text = page.locator("#stay-rights-basis").inner_text()
    assert until.isoformat() in text and "Visa" in text and "AZ0012345" in text
    assert Visa.objects.filter(person_id=person_id, number="AZ0012345").count() == 1
