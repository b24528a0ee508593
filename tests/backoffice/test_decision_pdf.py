"""The decision letter in the back office: a decided case's page links the letter in
Azerbaijani and English next to the issued documents; the PDF is served inline (the
officer prints it), named after the case; an undecided case answers 409 on its page;
another office's officer gets 404."""

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
from umis.core.models import Office, User
from umis.permits.services import ApplicantIdentity, ApplicationIn, application_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UMIS_SIGNING_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def team(make_staff: Callable[..., Any]) -> dict[str, Any]:
    officer = make_staff("officer")
    office = officer.office
    elsewhere = (
        Office.objects.filter(kind=office.kind, is_active=True).exclude(pk=office.pk).first()
    )
    assert elsewhere is not None
    return {
        "officer": officer,
        "chief": make_staff("supervisor", office=office),
        "elsewhere": make_staff("officer", office=elsewhere),
    }


@pytest.fixture
def case(team: dict[str, Any]) -> Case:
    applicant = User.objects.create_user(username="appl", password="Appl-portal-2026!")
    case = application_submit(
        actor=applicant,
        data=ApplicationIn(
            service="trp",
            fee_tier="standard_adult",
            variant="1y",
            ground="real_estate",
            identity=ApplicantIdentity(
                family_name="KOWALSKA",
                given_names="ZOFIA",
                birth_date=dt.date(1988, 7, 21),
                sex="F",
                nationality="POL",
                passport_number="EP7654321",
                passport_issuing_state="POL",
                passport_expiry=timezone.localdate() + dt.timedelta(days=4 * 365),
            ),
            idempotency_key="office-decision",
        ),
    )
    assert case.assignee == team["officer"]
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
def refused(case: Case, team: dict[str, Any]) -> Case:
    ground = next(iter(refusal_grounds("trp", on=timezone.localdate())))
    fire(case, team["officer"], "start_review")
    fire(case, team["officer"], "propose_refusal", grounds=[ground])
    fire(case, team["chief"], "confirm_refusal")
    case.refresh_from_db()
    assert case.status == "refused"
    return case


def url(case: Case) -> str:
    return reverse("backoffice:case_decision_pdf", args=[case.pk])


def test_a_decided_case_links_and_serves_the_letter_inline(
    refused: Case, team: dict[str, Any], session_client: Callable[[Any], Client]
) -> None:
    client = session_client(team["officer"])
    page = client.get(reverse("backoffice:case_detail", args=[refused.pk])).content.decode()
    issued_section = page.split('id="issued"', 1)[1].split("</section>", 1)[0]
    ground = refusal_grounds("trp", on=timezone.localdate())[refused.grounds[0]]
    for language in ("az", "en"):
        assert f'href="{url(refused)}?lang={language}"' in issued_section
        response = client.get(url(refused), {"lang": language})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'inline; filename="{refused.number}-decision-{language}.pdf"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        reader = pypdf.PdfReader(io.BytesIO(response.content))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert refused.number in text and " ".join(ground["text"][language].split()) in text
    # Without a language: Azerbaijani, the first of the printed languages.
    default = client.get(url(refused))
    assert default.status_code == 200 and default["Content-Disposition"].endswith('-az.pdf"')
    # The supervisor of the office reads it too.
    assert session_client(team["chief"]).get(url(refused)).status_code == 200


def test_an_undecided_case_has_no_link_and_answers_409_on_its_page(
    case: Case, team: dict[str, Any], session_client: Callable[[Any], Client]
) -> None:
    client = session_client(team["officer"])
    page = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert 'id="decision-letter"' not in page and url(case) not in page
    response = client.get(url(case), {"lang": "en"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="case-facts"' in html  # the case page, with the reason
    assert escape(case.number) in html and "no decision yet" in html


def test_another_offices_officer_gets_404_and_an_unknown_language_404(
    refused: Case, team: dict[str, Any], session_client: Callable[[Any], Client]
) -> None:
    assert session_client(team["elsewhere"]).get(url(refused)).status_code == 404
    client = session_client(team["officer"])
    assert client.get(url(refused), {"lang": "ru"}).status_code == 404
    assert client.get(url(refused), {"lang": "fr"}).status_code == 404
