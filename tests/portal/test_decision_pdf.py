"""The decision letter in the portal: a decided case's page links the letter in
Azerbaijani and English, the download is a PDF named after the case; an undecided case has
no link and answers 409 with the reason; nobody but the applicant gets it."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from umis.cases.models import Case
from umis.cases.selectors import refusal_grounds
from umis.cases.services import case_transition
from umis.core.models import User
from umis.permits.services import ApplicantIdentity, ApplicationIn, application_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(applicant: User, officer: Any) -> Case:
    """A submitted TRP case of the portal's applicant, assigned to ``officer``."""
    case = application_submit(
        actor=applicant,
        data=ApplicationIn(
            service="trp",
            fee_tier="standard_adult",
            variant="1y",
            ground="real_estate",
            identity=ApplicantIdentity(
                family_name="NOVAKOVA",
                given_names="PETRA",
                birth_date=dt.date(1990, 5, 4),
                sex="F",
                nationality="CZE",
                passport_number="40123456",
                passport_issuing_state="CZE",
                passport_expiry=timezone.localdate() + dt.timedelta(days=5 * 365),
            ),
            idempotency_key="portal-decision",
        ),
    )
    assert case.assignee == officer
    return case


def fire(case: Case, actor: Any, action: str, **kw: Any) -> None:
    case.refresh_from_db()
    case_transition(
        actor=actor,
        case_id=case.pk,
        action=action,
        expected_version=case.version,
        idempotency_key=uuid.uuid4().hex,
        **kw,
    )


@pytest.fixture
def refused(case: Case, officer: Any, make_staff: Callable[..., Any]) -> Case:
    ground = next(iter(refusal_grounds("trp", on=timezone.localdate())))
    fire(case, officer, "start_review")
    fire(case, officer, "propose_refusal", grounds=[ground])
    fire(case, make_staff("supervisor", office=officer.office), "confirm_refusal")
    case.refresh_from_db()
    assert case.status == "refused"
    return case


def url(case: Case, language: str) -> str:
    return reverse("portal:my_case_decision_pdf", args=[case.pk, language])


def test_a_refused_case_links_and_serves_the_letter_in_each_language(
    client_for: Client, refused: Case
) -> None:
    page = client_for.get(reverse("portal:my_case", args=[refused.pk])).content.decode()
    assert 'id="decision-letter"' in page
    ground = refusal_grounds("trp", on=timezone.localdate())[refused.grounds[0]]
    for language in ("az", "en"):
        assert f'href="{url(refused, language)}"' in page
        response = client_for.get(url(refused, language))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="{refused.number}-decision-{language}.pdf"'
        )
        reader = pypdf.PdfReader(io.BytesIO(response.content))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert refused.number in text and " ".join(ground["text"][language].split()) in text


def test_an_undecided_case_has_no_link_and_the_address_answers_409(
    client_for: Client, case: Case
) -> None:
    page = client_for.get(reverse("portal:my_case", args=[case.pk])).content.decode()
    assert 'id="decision-letter"' not in page
    assert url(case, "en") not in page
    response = client_for.get(url(case, "en"))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert escape(case.number) in html and "no decision yet" in html  # on the case page


def test_an_unknown_language_is_404(client_for: Client, refused: Case) -> None:
    assert client_for.get(url(refused, "ru")).status_code == 404
    assert client_for.get(url(refused, "fr")).status_code == 404


def test_only_the_applicant_gets_the_letter(
    refused: Case, officer: Any, session_client: Callable[[Any], Client]
) -> None:
    other = User.objects.create_user(username="other", password="Other-portal-2026!")
    assert session_client(other).get(url(refused, "en")).status_code == 404
    assert session_client(officer).get(url(refused, "en")).status_code == 403  # staff: office
    anonymous = Client().get(url(refused, "en"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
