"""An officer's day, in a real browser against a live server: sign in with password and
TOTP, find a person by name, open the record, change the address, see the change in the
record's history. Along the way no personal data may appear in any URL."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from PIL import Image, ImageDraw
from tests.e2e.conftest import totp_code

from umis.core.models import City, Office, User
from umis.registry import services
from umis.registry.models import Person

pytestmark = [pytest.mark.e2e]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "e2e-officer-password-2026"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "backoffice-person.png"


@pytest.fixture
def officer(transactional_db: Any) -> User:
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()
    office = Office.objects.filter(kind="one_stop_shop", is_active=True).order_by("code").first()
    user = User.objects.create_user(
        username="officer.e2e", password=PASSWORD, role="officer", office=office, first_name="Aysel"
    )
    TOTP.activate(user, SECRET)
    return user


def _portrait() -> bytes:
    """A neutral placeholder portrait (no real face) for the record's photo."""
    img = Image.new("RGB", (300, 380), (226, 233, 240))
    draw = ImageDraw.Draw(img)
    draw.ellipse((95, 60, 205, 180), fill=(120, 134, 150))
    draw.rounded_rectangle((45, 200, 255, 420), radius=90, fill=(120, 134, 150))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def persons(officer: User, settings: Any, tmp_path: Path) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    baku = City.objects.select_related("region").get(code="baku")
    target = services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name="Ivanov",
            given_names="Sergei",
            patronymic="Petrovich",
            sex="M",
            birth_date="1984-03-17",
            place_of_birth="Samara",
            birth_country="RUS",
            nationalities=[services.NationalityData(country="RUS")],
            names=[
                services.NameData(
                    script="Cyrl",
                    family_name="Иванов",
                    given_names="Сергей",
                    patronymic="Петрович",
                    source="passport",
                )
            ],
            phone="+994 50 123 45 67",
            address=services.AddressData(
                region=baku.region.code, city=baku.code, street="Nizami küçəsi 10, mənzil 4"
            ),
        ),
    )
    document = services.document_add(
        actor=officer,
        person_id=target.pk,
        data=services.DocumentData(
            document_type="passport",
            number="751234567",
            issuing_state="RUS",
            issue_date=dt.date(2021, 6, 1),
            expiry_date=dt.date(2031, 5, 31),
        ),
    )
    services.photo_upload(
        actor=officer,
        person_id=target.pk,
        upload=SimpleUploadedFile("p.png", _portrait(), "image/png"),
    )
    for family, given, country in (
        ("Ivanova", "Olga", "RUS"),
        ("Karimov", "Timur", "UZB"),
        ("Novak", "Jana", "CZE"),
    ):
        services.person_create(
            actor=officer,
            data=services.PersonData(
                family_name=family,
                given_names=given,
                sex="F" if family.endswith("a") else "M",
                birth_date="1990",
                nationalities=[services.NationalityData(country=country)],
            ),
        )
    target.refresh_from_db()
    return {"person": target, "document": document}


def test_officer_finds_a_person_and_changes_the_address(
    live_server: Any, page: Any, officer: User, persons: dict[str, Any]
) -> None:
    person: Person = persons["person"]
    secrets_in_urls = [
        person.family_name,
        person.given_names,
        person.personal_number,
        persons["document"].number,
        "Иванов",
        "Nizami",
    ]
    visited: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: visited.append(frame.url) if frame == page.main_frame else None,
    )
    page.on("request", lambda request: visited.append(request.url))

    # Sign in: the back office sends us to the sign-in page.
    page.goto(f"{live_server.url}/office/")
    assert "/accounts/login/" in page.url
    # Switch the interface to English with the language form (works without JS).
    page.select_option("#umis-language-select", "en")
    page.get_by_role("button", name="Change language").click()
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Second factor.
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(totp_code(SECRET))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{live_server.url}/office/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")

    # Search by name (POST, results swapped in by htmx).
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Persons"
    ).click()
    page.wait_for_url("**/office/persons/")
    # The same man as a Russian hotel clerk wrote him: ranked, with what matched.
    page.get_by_label("Name", exact=True).fill("Иванов Сергей")
    page.get_by_role("button", name="Search").click()
    ranked = page.locator("#ranked-results")
    ranked.get_by_role("link", name="Ivanov Sergei Petrovich").wait_for()
    assert "family name: exact" in ranked.locator("tbody tr").first.inner_text()
    page.get_by_label("Name", exact=True).fill("ivanov serg")
    page.get_by_role("button", name="Search").click()
    result = page.locator("#search-results").get_by_role("link", name="Ivanov Sergei Petrovich")
    result.wait_for()
    assert page.url.endswith("/office/persons/")
    assert page.locator("#search-results").get_by_text("1 person found").is_visible()

    # Open the record.
    result.click()
    page.wait_for_url(f"**/office/persons/{person.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Ivanov Sergei Petrovich"
    assert page.locator("#person-fin").inner_text() == person.personal_number
    assert page.get_by_role("cell", name="Иванов", exact=True).is_visible()
    assert page.get_by_text("Stays and border crossings").is_visible()
    photo = page.get_by_role("img", name="Current photo of the person")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    if os.environ.get("UMIS_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=False)

    # Change the address.
    page.get_by_role("link", name="Change address").click()
    page.wait_for_url(f"**/office/persons/{person.pk}/address/")
    sumgait = City.objects.select_related("region").get(code="sumgait")
    page.get_by_label("Region").select_option(sumgait.region.code)
    page.get_by_label("City").select_option(sumgait.code)
    page.get_by_label("Street address").fill("Sülh küçəsi 7")
    page.get_by_role("button", name="Save the new address").click()

    # Back on the record: the new address, and the change in the history.
    page.wait_for_url(f"**/office/persons/{person.pk}/")
    assert page.get_by_role("status").filter(has_text="new address was recorded").is_visible()
    assert "Sülh küçəsi 7" in page.locator("#current-address").inner_text()
    history = page.locator("#history")
    street_change = (
        history.locator("li").filter(has_text="street").filter(has_text="Sülh küçəsi 7").first
    )
    assert street_change.is_visible()
    assert street_change.locator("ins").inner_text().endswith("Sülh küçəsi 7")
    closed = (
        history.locator("tr")
        .filter(has_text="Updated: Address")
        .first.locator("li")
        .filter(has_text="is_current")
    )
    assert closed.locator("del").inner_text().endswith("yes")
    assert closed.locator("ins").inner_text().endswith("no")
    assert history.locator("tr").filter(has_text=officer.username).count() > 0

    # No personal data in any URL the browser requested or showed.
    assert visited
    for url in visited:
        lowered = url.lower()
        for secret in secrets_in_urls:
            assert secret.lower() not in lowered, f"{secret!r} leaked into {url}"
        assert "sülh" not in lowered and "s%c3%bclh" not in lowered
