"""Registration at the counter in the back office: the form, deregistration, the person
page's registrations and timeline, the host's guests on the organisation page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from umis.border.services import border_events_ingest
from umis.core.models import AuditEntry
from umis.registry.services import OrganisationData, organisation_create
from umis.stays.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def person_id(make_staff: Any) -> str:
    report = border_events_ingest(
        actor=make_staff("border_officer"),
        events=[
            {
                "event_id": "in-1",
                "direction": "entry",
                "occurred_at": (timezone.now() - dt.timedelta(days=4)).isoformat(),
                "crossing_point": "AIR-GYD",
                "document_number": "U1234567",
                "document_issuing_state": "UKR",
                "family_name": "KOVAL",
                "given_names": "OLHA",
                "birth_date": "1991-04-04",
                "sex": "F",
                "nationality": "UKR",
            }
        ],
    )
    return str(report.results[0].person_id)


@pytest.fixture
def hotel(officer: Any) -> Any:
    return organisation_create(
        actor=officer,
        data=OrganisationData(
            tax_number="1400057421", name="Caspian Hotel", category="hotel", is_host=True
        ),
    )


def test_officer_registers_at_the_counter_and_deregisters(
    officer: Any, session_client: Any, person_id: str, hotel: Any
) -> None:
    client = session_client(officer)
    url = reverse("backoffice:registration_create", args=[person_id])
    assert client.get(url).status_code == 200
    arrival = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(
        url,
        {
            "host": "1400 057421",
            "arrival_date": arrival.isoformat(),
            "region": "baku",
            "city": "baku",
            "street": "Nizami 10",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#registrations")
    registration = Registration.objects.get()
    assert registration.host_id == hotel.pk and registration.registered_by == officer

    page = client.get(reverse("backoffice:person_detail", args=[person_id]))
    body = page.content.decode()
    assert 'id="registrations-table"' in body and "Caspian Hotel" in body
    kinds = [e["kind"] for e in page.context["timeline"]]
    assert kinds == ["registration", "crossing"]  # newest first

    ended = client.post(reverse("backoffice:registration_end", args=[person_id, registration.pk]))
    assert ended.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "ended"
    page = client.get(reverse("backoffice:person_detail", args=[person_id]))
    assert page.context["timeline"][0]["kind"] == "deregistration"


def test_counter_form_names_the_field_in_error(
    officer: Any, session_client: Any, person_id: str
) -> None:
    response = session_client(officer).post(
        reverse("backoffice:registration_create", args=[person_id]),
        {
            "host": "1234567890",
            "arrival_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "region": "baku",
            "city": "baku",
            "street": "Nizami 10",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors.keys() == {"host"}
    assert not Registration.objects.exists()
    future = session_client(officer).post(
        reverse("backoffice:registration_create", args=[person_id]),
        {
            "arrival_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "region": "baku",
            "city": "baku",
            "street": "Nizami 10",
        },
    )
    assert future.status_code == 422
    assert future.context["form"].errors.keys() == {"arrival_date"}


def test_organisation_page_lists_guests_and_audits_the_read(
    officer: Any, session_client: Any, person_id: str, hotel: Any
) -> None:
    from umis.stays.registrations import RegistrationData, registration_create

    registration_create(
        actor=officer,
        data=RegistrationData(
            person_id=person_id,  # type: ignore[arg-type]
            region="baku",
            city="baku",
            street="Nizami 10",
            arrival_date=timezone.localdate(),
            host_id=hotel.pk,
        ),
    )
    page = session_client(officer).get(reverse("backoffice:organisation_detail", args=[hotel.pk]))
    assert "KOVAL" in page.content.decode()
    entry = AuditEntry.objects.filter(object_type="stays.registration", action="search").get()
    assert entry.changes["shown"] == [None, [person_id]]


def test_person_page_shows_the_guest_as_the_host_sent_them_and_the_link(
    officer: Any, session_client: Any, person_id: str, hotel: Any
) -> None:
    from umis.stays.registrations import registrations_create_batch

    registrations_create_batch(
        actor=officer,
        host_id=hotel.pk,
        items=[
            {
                "reference": "PMS-4411",
                "document_number": "U1234567",
                "document_issuing_state": "UKR",
                "family_name": "Kovalenko",  # the hotel's spelling; the registry has KOVAL
                "given_names": "Olga",
                "birth_date": "1991-04-04",
                "sex": "F",
                "nationality": "UKR",
                "arrival_date": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
                "region": "baku",
                "city": "baku",
                "street": "Nizami 10",
            }
        ],
    )
    page = session_client(officer).get(reverse("backoffice:person_detail", args=[person_id]))
    body = page.content.decode()
    table = body[body.index('id="registrations-table"') :]
    table = table[: table.index("</table>")]
    assert "Kovalenko Olga · 1991-04-04" in table
    assert "passport U1234567 UKR" in table
    assert "Same identity document" in table and "PMS-4411" in table
    assert "Registered after the deadline" in table  # the warning given then
