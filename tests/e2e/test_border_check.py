"""At the booth, in a real browser: a border officer signs in with TOTP and checks a
traveller whose passport is banned from entry; the check refers them with the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from tests.e2e.conftest import sign_in

from umis.border.watchlist import EntryBanData, entry_ban_create
from umis.core.models import AuditEntry, Office, User

pytestmark = [pytest.mark.e2e]

SECRET = "KRSXG5DSNFXGOIDUNBSSA5DFON2GK4TT"
PASSWORD = "e2e-border-password-2026"


@pytest.fixture
def border_officer(transactional_db: Any) -> User:
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()
    office = Office.objects.filter(kind="border", is_active=True).order_by("code").first()
    user = User.objects.create_user(
        username="border.e2e", password=PASSWORD, role="border_officer", office=office
    )
    TOTP.activate(user, SECRET)
    supervisor = User.objects.create_user(
        username="supervisor.e2e", password=PASSWORD, role="supervisor", office=office
    )
    entry_ban_create(
        actor=supervisor,
        data=EntryBanData(
            legal_basis="Migration Code, Art. 16.1",
            authority="State Migration Service",
            valid_from=dt.date(2026, 1, 1),
            document_issuing_state="IRN",
            document_number="K12345678",
        ),
    )
    return user


def test_border_check_refers_a_traveller_with_an_entry_ban(
    live_server: Any, page: Any, border_officer: User
) -> None:
    sign_in(page, live_server.url, border_officer.username, PASSWORD, SECRET)

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Border check"
    ).click()
    page.wait_for_url("**/office/border/check/")
    page.get_by_label("Entry").check()
    page.get_by_label("Document number").fill("K12345678")
    page.get_by_label("Issuing state").select_option("IRN")
    page.get_by_label("Family name").fill("REZAEI")
    page.get_by_role("button", name="Check").click()

    decision = page.locator("#decision-title")
    decision.wait_for()
    assert decision.inner_text() == "REFER"
    assert "Migration Code, Art. 16.1" in page.locator("#border-check-result").inner_text()
    assert "/office/border/check/" in page.url and "K12345678" not in page.url
    assert AuditEntry.objects.filter(
        object_type="border.check", changes__decision=[None, "refer"]
    ).exists()
