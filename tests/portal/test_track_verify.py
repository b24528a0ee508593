"""The portal's public pages: tracking an application by number, passport number and
birth date (one neutral "not found", rate-limited), and checking a permit card's QR
token (valid, expired, revoked, invalid; never cached). The issued card of a real
application, decided through the case engine, is also downloaded by its applicant."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.portal.test_apply import submit

from umis.cases.models import Case, PaymentOrder
from umis.cases.services import case_transition, payment_record
from umis.core.models import User
from umis.permits.models import IssuedDocument, Permit
from umis.permits.services import permit_revoke
from umis.portal.apply import TRACK_MAX_TRIES

pytestmark = pytest.mark.django_db

NOT_FOUND = "No application matches these details."


@pytest.fixture
def case(client_for: Client, officer: Any) -> Case:
    assert submit(client_for).status_code == 302
    return Case.objects.get()


def _fire(actor: Any, case: Case, action: str) -> None:
    case.refresh_from_db()
    case_transition(
        actor=actor,
        case_id=case.pk,
        action=action,
        expected_version=case.version,
        idempotency_key=f"{action}-{case.version}",
    )


@pytest.fixture
def card(case: Case, officer: Any, make_staff: Callable[..., Any]) -> IssuedDocument:
    """The residence card of an approved, paid and issued TRP case (four eyes)."""
    supervisor = make_staff("supervisor")
    _fire(officer, case, "start_review")
    order = PaymentOrder.objects.get(case=case)
    payment_record(actor=officer, order_id=order.pk, receipt_number="BANK-000123")
    _fire(officer, case, "propose_approval")
    _fire(supervisor, case, "confirm_approval")
    _fire(officer, case, "issue")
    return IssuedDocument.objects.get(case=case)


# --- tracking -------------------------------------------------------------------------------


def _track(client: Client, **over: str) -> Any:
    data = {"number": "", "passport_number": "40123456", "birth_date": "1990-05-04"}
    data.update(over)
    return client.post(reverse("portal:track"), data)


def test_tracking_finds_the_case_with_all_three_right(case: Case) -> None:
    client = Client()
    assert client.get(reverse("portal:track")).status_code == 200
    # Typed loosely: lower case and spaces are fine.
    response = _track(client, number=f" {case.number.lower()} ", passport_number="40 123 456")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="track-result"' in html
    assert case.number in html and "Submitted" in html
    assert case.submitted_on.isoformat() in html
    assert case.deadline is not None and case.deadline.isoformat() in html
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "wrong",
    [
        {"number": "TRP-2020-999999"},
        {"passport_number": "40123457"},
        {"birth_date": "1990-05-05"},
    ],
    ids=["number", "passport", "birth_date"],
)
def test_any_mismatch_is_the_same_neutral_not_found(case: Case, wrong: dict[str, str]) -> None:
    response = _track(Client(), **{"number": case.number, **wrong})
    assert response.status_code == 404
    html = response.content.decode()
    assert NOT_FOUND in html
    # Nothing of the case shows (the form keeps what was typed).
    assert 'id="track-result"' not in html
    assert "Submitted" not in html
    assert case.deadline is not None and case.deadline.isoformat() not in html


def test_tracking_is_rate_limited_per_address(case: Case) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(TRACK_MAX_TRIES):
        assert _track(client, number="TRP-2020-000001").status_code == 404
    # Beyond the limit even the right answer is refused, with a time to wait.
    limited = _track(client, number=case.number)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert 'id="track-result"' not in limited.content.decode()
    # Another address is not affected.
    assert _track(Client(REMOTE_ADDR="203.0.113.8"), number=case.number).status_code == 200


def test_an_incomplete_tracking_form_is_422(reference: None) -> None:
    response = Client().post(reverse("portal:track"), {"number": "TRP-2026-000001"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"passport_number", "birth_date"}


# --- verification ---------------------------------------------------------------------------


def _verify(token: str) -> Any:
    return Client().get(reverse("portal:verify_token", args=[token]))


def test_a_good_token_is_valid_with_only_the_cards_data(card: IssuedDocument) -> None:
    response = _verify(card.token)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="valid"' in html
    assert card.number in html
    assert "NOVAKOVA P." in html  # masked: surname and initial
    assert "PETRA" not in html and "40123456" not in html and "1990" not in html
    assert card.valid_until is not None and card.valid_until.isoformat() in html
    assert "no-store" in response["Cache-Control"]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_tampered_token_is_invalid(card: IssuedDocument) -> None:
    version, kid, payload, signature = card.token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["x"] = "2099-12-31"  # a longer validity, not signed
    longer = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    tampered = (
        f"{version}.{kid}.{payload}.{flipped}",
        f"{version}.{kid}.{longer}.{signature}",
        f"{version}.unknownkey.{payload}.{signature}",
        "junk",
    )
    for token in tampered:
        html = _verify(token).content.decode()
        assert 'data-status="invalid"' in html, token
        assert card.number not in html


def test_the_pasted_qr_url_is_checked(card: IssuedDocument, settings: Any) -> None:
    url = f"{settings.UMIS_PUBLIC_URL}/verify/{card.token}/"
    response = Client().get(reverse("portal:verify"), {"token": url})
    assert response.status_code == 200
    assert 'data-status="valid"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    empty = Client().get(reverse("portal:verify"))
    assert 'id="verify-result"' not in empty.content.decode()


def test_a_revoked_permit_and_an_expired_card_say_so(
    card: IssuedDocument, make_staff: Callable[..., Any]
) -> None:
    IssuedDocument.objects.filter(pk=card.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    assert 'data-status="expired"' in _verify(card.token).content.decode()
    permit_revoke(actor=make_staff("supervisor"), permit_id=card.permit_id, reason="fraud")
    assert Permit.objects.get(pk=card.permit_id).status == Permit.Status.REVOKED
    assert 'data-status="revoked"' in _verify(card.token).content.decode()


# --- the issued card in the applicant's case ------------------------------------------------


def test_the_applicant_downloads_the_issued_card_in_az_and_en(
    client_for: Client, card: IssuedDocument, case: Case
) -> None:
    page = client_for.get(reverse("portal:my_case", args=[case.pk])).content.decode()
    assert "Issued" in page and card.number in page
    for language in ("az", "en"):
        url = reverse("portal:my_case_document_pdf", args=[case.pk, card.pk, language])
        assert url in page
        response = client_for.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert f"{card.number}-{language}.pdf" in response["Content-Disposition"]
    ru = reverse("portal:my_case_document_pdf", args=[case.pk, card.pk, "ru"])
    assert client_for.get(ru).status_code == 404
    other = User.objects.create_user(username="other", password="Other-portal-2026!")
    stranger = Client()
    stranger.force_login(other)
    en = reverse("portal:my_case_document_pdf", args=[case.pk, card.pk, "en"])
    assert stranger.get(en).status_code == 404
