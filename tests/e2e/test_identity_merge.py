"""In a real browser: an officer opens the duplicates queue, compares two records of one
woman, merges them; the absorbed record says it is merged; the officer undoes the merge
from its history and the record is separate again."""

from __future__ import annotations

import os
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from tests.e2e.conftest import sign_in

from umis.core.models import Office, User
from umis.identity.models import PersonMerge
from umis.identity.services import duplicate_candidate_propose
from umis.registry.models import Person
from umis.registry.services import (
    DocumentData,
    NameData,
    NationalityData,
    PersonData,
    document_add,
    person_create,
)

pytestmark = [pytest.mark.e2e]

SECRET = "KRSXG5DSNFXGOIDUNBSSA5DFON2GK4TU"
PASSWORD = "e2e-identity-merge-password-2026"


@pytest.fixture
def officer(transactional_db: Any) -> User:
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()
    office = Office.objects.filter(kind="one_stop_shop", is_active=True).order_by("code").first()
    user = User.objects.create_user(
        username="merge.e2e", password=PASSWORD, role="officer", office=office
    )
    TOTP.activate(user, SECRET)
    return user


def _person(officer: User, family: str, cyrillic: str, number: str) -> Person:
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name=family,
            given_names="Olga",
            sex="F",
            birth_date="1988-09-12",
            nationalities=[NationalityData("RUS")],
            names=[NameData(script="Cyrl", family_name=cyrillic, given_names="Ольга")],
        ),
    )
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number=number, issuing_state="RUS"),
    )
    return person


def test_officer_merges_a_duplicate_and_undoes_it(
    live_server: Any, page: Any, officer: User
) -> None:
    a = _person(officer, "Kuznetsova", "Кузнецова", "751234567")
    b = _person(officer, "Kouznetsova", "Кузнецова", "759999999")
    candidate = duplicate_candidate_propose(
        person_1=a.pk,
        person_2=b.pk,
        score=0.88,
        evidence=[{"field": "family_name", "level": "transliteration", "weight": 4.0}],
        origin="sweep",
    )
    assert candidate is not None
    keep, fold = candidate.person_a, candidate.person_b
    base = live_server.url
    sign_in(page, base, officer.username, PASSWORD, SECRET)

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Duplicates"
    ).click()
    page.wait_for_url("**/office/duplicates/")
    row = page.locator(f"tr[data-candidate='{candidate.pk}']")
    assert "88 %" in row.inner_text()
    row.get_by_role("link", name="Compare").click()
    page.wait_for_url(f"**/office/duplicates/{candidate.pk}/")
    assert keep.personal_number in page.locator("#record-a").inner_text()
    assert "Кузнецова" in page.locator("#record-b").inner_text()
    assert "transliteration" in page.locator("#evidence").inner_text()
    if os.environ.get("UMIS_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["UMIS_SCREENSHOTS"], "compare.png"), full_page=True
        )

    page.get_by_label("Why they are the same person").fill("Same photo, renewed passport")
    page.get_by_role("button", name=f"Same person — merge into A ({keep.personal_number})").click()
    page.wait_for_url(f"**/office/persons/{keep.pk}/")
    assert "was merged into" in page.locator(".umis-messages").inner_text()
    if os.environ.get("UMIS_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["UMIS_SCREENSHOTS"], "merged.png"), full_page=True
        )

    page.goto(f"{base}/office/persons/{fold.pk}/")
    assert "Merged into another record" in page.locator("#person-status").inner_text()
    page.locator("#person-status").get_by_role("link", name="Merge history").click()
    page.wait_for_url(f"**/office/persons/{fold.pk}/merges/")
    assert keep.personal_number in page.locator("#merged-into").inner_text()
    page.get_by_role("link", name="Undo this merge").click()
    page.get_by_label("Reason").fill("Two women: different mothers' names")
    page.get_by_role("button", name="Undo the merge").click()
    page.wait_for_url(f"**/office/persons/{fold.pk}/")
    assert "Active" in page.locator("#person-status").inner_text()
    assert PersonMerge.objects.get().status == "undone"
    own = {a.pk: "751234567", b.pk: "759999999"}[fold.pk]
    assert Person.objects.get(pk=fold.pk).documents.get().number == own
