"""In a real browser: a hotel's receptionist signs in on the portal (no second factor for
host accounts) and registers a guest from her passport; then a migration officer signs in
with TOTP and sees the registration on the guest's person page timeline."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from tests.e2e.conftest import totp_code

from umis.core.models import Office, User
from umis.registry.members import host_access_grant
from umis.registry.services import OrganisationData, organisation_create
from umis.stays.models import Registration

pytestmark = [pytest.mark.e2e]

SECRET = "KRSXG5DSNFXGOIDUNBSSA5DFON2GK4TU"
PASSWORD = "e2e-host-password-2026"


@pytest.fixture
def accounts(transactional_db: Any) -> dict[str, Any]:
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()
    office = Office.objects.filter(kind="one_stop_shop", is_active=True).order_by("code").first()
    officer = User.objects.create_user(
        username="officer.e2e", password=PASSWORD, role="officer", office=office
    )
    TOTP.activate(officer, SECRET)
    hotel = organisation_create(
        actor=officer,
        data=OrganisationData(
            tax_number="1400057421",
            name="Caspian Hotel",
            category="hotel",
            is_host=True,
            region="baku",
            city="baku",
            street="Neftçilər pr. 1",
        ),
    )
    host = host_access_grant(
        actor=officer, organisation_id=hotel.pk, email="reception@caspian.example"
    ).user
    host.set_password(PASSWORD)
    host.save()
    return {"officer": officer, "host": host, "hotel": hotel}


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.select_option("#umis-language-select", "en")
    page.get_by_role("button", name="Change language").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_host_registers_a_guest_and_the_officer_sees_it(
    live_server: Any, page: Any, accounts: dict[str, Any]
) -> None:
    hotel = accounts["hotel"]
    _sign_in(page, live_server.url, "reception@caspian.example")
    page.wait_for_url(f"{live_server.url}/host/{hotel.pk}/")
    assert page.locator("#host-name").inner_text() == "Caspian Hotel"

    page.get_by_role("link", name="Register a guest").click()
    page.wait_for_url(f"**/host/{hotel.pk}/register/")
    assert page.get_by_label("Street address").input_value() == "Neftçilər pr. 1"
    page.get_by_label("Document number").fill("C01X00T47")
    page.get_by_label("Issuing state").select_option("DEU")
    page.get_by_label("Family name").fill("MUSTERMANN")
    page.get_by_label("Given names").fill("ERIKA")
    page.get_by_label("Birth date").fill("1984-08-12")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Nationality").select_option("DEU")
    page.get_by_role("button", name="Register the guest").click()
    page.wait_for_url(f"{live_server.url}/host/{hotel.pk}/")
    assert "MUSTERMANN ERIKA is registered until" in page.locator(".umis-messages").inner_text()
    assert "MUSTERMANN" in page.locator("#current-guests").inner_text()
    registration = Registration.objects.get()
    assert registration.host_id == hotel.pk
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/")

    _sign_in(page, live_server.url, "officer.e2e")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(totp_code(SECRET))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{live_server.url}/office/")
    page.goto(f"{live_server.url}/office/persons/{registration.person_id}/")
    timeline = page.locator("#timeline-list")
    timeline.wait_for()
    text = timeline.inner_text()
    assert "Registered at the place of stay" in text
    assert "Neftçilər pr. 1" in text and "Caspian Hotel" in text
    assert "Caspian Hotel" in page.locator("#registrations-table").inner_text()
