"""On a phone, in a real browser: a supervisor records an entry ban on a travel document
from the watch list, finds it in the list and lifts it with a reason."""

from __future__ import annotations

import os
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from tests.e2e.conftest import totp_code

from umis.border.models import EntryBan
from umis.core.models import Office, User

pytestmark = [pytest.mark.e2e]

SECRET = "KRSXG5DSNFXGOIDUNBSSA5DFON2GK4TT"
PASSWORD = "e2e-watchlist-password-2026"


@pytest.fixture
def chief(transactional_db: Any) -> User:
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()
    office = Office.objects.filter(kind="headquarters", is_active=True).order_by("code").first()
    user = User.objects.create_user(
        username="chief.e2e", password=PASSWORD, role="supervisor", office=office
    )
    TOTP.activate(user, SECRET)
    return user


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def test_record_and_lift_an_entry_ban_on_a_phone(live_server: Any, phone: Any, chief: User) -> None:
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(chief.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(totp_code(SECRET))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{live_server.url}/office/")
    # On a phone the menu is collapsed: the home page's card leads to the watch list.
    page.locator("main").get_by_role("link", name="Watch list").click()
    page.wait_for_url("**/office/watchlist/bans/")
    page.get_by_role("link", name="Record an entry ban").click()
    page.locator("label[for=id_target_1]").click()  # USWDS styles the label, not the input
    page.get_by_label("Issuing state").select_option("IRN")
    page.get_by_label("Document number").fill("K 7654321")
    page.get_by_label("Legal ground").select_option("undesirable")
    page.get_by_label("Authority that decided the ban").fill("State Migration Service")
    page.get_by_label("Banned from").fill("2026-01-01")
    page.get_by_role("button", name="Record the ban").click()
    page.wait_for_url("**/office/watchlist/bans/*/")
    assert page.locator("#ban-status").text_content() == "In force"
    assert "Migration Code, Art. 16.1.5" in page.locator("#ban-facts").inner_text()
    # Nothing wider than the screen: the page works on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("UMIS_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["UMIS_SCREENSHOTS"], "ban.png"), full_page=True
        )

    page.get_by_label("Why is the ban lifted?").fill("Court decision of 2026-05-01")
    page.get_by_role("button", name="Lift the ban").click()
    page.wait_for_url("**/office/watchlist/bans/*/")
    assert page.locator("#ban-status").text_content() == "Lifted"
    ban = EntryBan.objects.get()
    assert ban.document_number == "K7654321" and ban.lifted_reason.startswith("Court")

    page.goto(f"{live_server.url}/office/watchlist/bans/?status=lifted")
    assert "K7654321" in page.locator("#bans").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("UMIS_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["UMIS_SCREENSHOTS"], "bans.png"), full_page=True
        )
