"""The portal's host area: an officer grants a hotel access; the hotel's contact sets a
password from the e-mail, signs in, registers guests one by one and from a CSV file,
deregisters them, and creates an API token for its property-management system."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from umis.core.models import AuditEntry, User
from umis.registry.members import host_access_grant, host_access_revoke
from umis.registry.models import OrganisationMember
from umis.registry.services import OrganisationData, organisation_create
from umis.stays import registrations
from umis.stays.models import Registration

pytestmark = pytest.mark.django_db

PASSWORD = "Hotel-reception-2026!"


@pytest.fixture
def hotel(officer: Any) -> Any:
    return organisation_create(
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


@pytest.fixture
def host(hotel: Any, officer: Any) -> User:
    user = host_access_grant(
        actor=officer, organisation_id=hotel.pk, email="reception@caspian.example"
    ).user
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def host_client(host: User) -> Client:
    client = Client()
    client.force_login(host)
    return client


def _guest(**over: Any) -> dict[str, str]:
    data = {
        "document_type": "passport",
        "document_number": "C01X00T47",
        "document_issuing_state": "DEU",
        "family_name": "MUSTERMANN",
        "given_names": "ERIKA",
        "birth_date": "1984-08-12",
        "sex": "F",
        "nationality": "DEU",
        "arrival_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "region": "baku",
        "city": "baku",
        "street": "Neftçilər pr. 1",
    }
    data.update(over)
    return data


def test_officer_grants_access_and_the_host_sets_a_password_and_signs_in(
    hotel: Any, officer: Any, session_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = session_client(officer)
    url = reverse("backoffice:host_access_grant", args=[hotel.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(url, {"email": "Reception@Caspian.example"})
    assert response.status_code == 302
    user = User.objects.get(email="reception@caspian.example")
    assert user.role == "" and not user.has_usable_password()
    assert OrganisationMember.objects.get(user=user).is_active
    assert AuditEntry.objects.filter(object_type="registry.organisationmember").exists()
    page = office.get(reverse("backoffice:organisation_detail", args=[hotel.pk]))
    assert "reception@caspian.example" in page.content.decode()
    # Granting the same address again: the field says why.
    again = office.post(url, {"email": "reception@caspian.example"})
    assert again.status_code == 422 and "already has access" in again.content.decode()

    (message,) = mail.outbox
    assert message.to == ["reception@caspian.example"] and "Caspian Hotel" in message.subject
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body)
    assert link is not None
    browser = Client()
    form = browser.get(link.group(0), follow=True)
    assert form.status_code == 200
    done = browser.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(0),
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    signed_in = browser.post(
        reverse("account_login"),
        {"login": "reception@caspian.example", "password": PASSWORD},
        follow=True,
    )
    # No second factor for host accounts; they land in their host area.
    assert signed_in.redirect_chain[-1][0] == reverse("portal:host_guests", args=[hotel.pk])
    assert "Caspian Hotel" in signed_in.content.decode()


def test_staff_addresses_cannot_become_host_accounts(hotel: Any, officer: Any) -> None:
    from umis.core.errors import ValidationFailed

    officer.email = "officer@sms.example"
    officer.save()
    with pytest.raises(ValidationFailed) as exc:
        host_access_grant(actor=officer, organisation_id=hotel.pk, email="officer@sms.example")
    assert exc.value.field_errors[0].field == "email"


def test_register_one_guest_defaults_to_the_hosts_address(host_client: Client, hotel: Any) -> None:
    url = reverse("portal:host_register", args=[hotel.pk])
    page = host_client.get(url).content.decode()
    assert 'value="Neftçilər pr. 1"' in page
    response = host_client.post(url, _guest(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:host_guests", args=[hotel.pk])
    registration = Registration.objects.get()
    assert registration.host_id == hotel.pk and registration.status == "active"
    body = response.content.decode()
    assert "MUSTERMANN" in body and "is registered until" in body
    # Sent again (a double click): nothing new.
    host_client.post(url, _guest())
    assert Registration.objects.count() == 1


def test_register_form_names_the_fields_in_error(host_client: Client, hotel: Any) -> None:
    response = host_client.post(
        reverse("portal:host_register", args=[hotel.pk]),
        _guest(document_number="№ 1", arrival_date="2999-01-01"),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'href="#id_document_number"' in body and 'href="#id_arrival_date"' in body
    assert not Registration.objects.exists()


def _upload(client: Client, hotel: Any, text: str, name: str = "guests.csv") -> Any:
    return client.post(
        reverse("portal:host_upload", args=[hotel.pk]),
        {"file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")},
    )


def test_csv_upload_reports_each_line_and_stores_valid_ones(
    host_client: Client, hotel: Any
) -> None:
    template = host_client.get(reverse("portal:host_csv_template"))
    assert template["Content-Type"].startswith("text/csv")
    header, example = template.content.decode().splitlines()
    assert header.startswith("reference,document_type,document_number")
    arrival = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    text = "\n".join(
        [
            header.replace(",", ";"),  # Excel in az/ru locales writes semicolons
            f"R1;passport;C01X00T47;DEU;MUSTERMANN;ERIKA;1984-08-12;F;DEU;{arrival};;;",
            f"R2;passport;AB1;QQQ;DOE;JOHN;1990-02-30;M;GBR;{arrival};;;",
            "",
            f"R3;passport;K7654321;TUR;YILMAZ;AYSE;1979-05-05;F;TUR;{arrival};baku;baku;Nizami 5",
        ]
    )
    report = _upload(host_client, hotel, text)
    assert report.status_code == 200
    rows = report.context["rows"]
    assert [(r["line"], r["result"].status) for r in rows] == [
        (2, "created"),
        (3, "rejected"),
        (5, "created"),
    ]
    assert {e.field for e in rows[1]["result"].errors} == {"document_issuing_state", "birth_date"}
    assert Registration.objects.count() == 2
    # The same file again: nobody twice.
    again = _upload(host_client, hotel, text)
    assert [r["result"].status for r in again.context["rows"]] == [
        "duplicate",
        "rejected",
        "duplicate",
    ]
    assert Registration.objects.count() == 2
    assert example.count(",") == header.count(",")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("family_name,nationality\nDOE,GBR", "Missing columns"),
        ("reference,colour\n1,red", "Unknown columns"),
        ("", "empty"),
    ],
)
def test_unreadable_files_change_nothing(
    host_client: Client, hotel: Any, content: str, message: str
) -> None:
    response = _upload(host_client, hotel, content)
    assert response.status_code == 422 and message in response.content.decode()
    assert not Registration.objects.exists()


def test_non_utf8_file_is_refused(host_client: Client, hotel: Any) -> None:
    response = host_client.post(
        reverse("portal:host_upload", args=[hotel.pk]),
        {"file": SimpleUploadedFile("g.csv", "family_name\nƏliyev".encode("cp1254", "replace"))},
    )
    assert response.status_code == 422


def test_guest_list_and_deregistration_on_departure(host_client: Client, hotel: Any) -> None:
    host_client.post(reverse("portal:host_register", args=[hotel.pk]), _guest())
    registration = Registration.objects.get()
    page = host_client.get(reverse("portal:host_guests", args=[hotel.pk]))
    assert list(page.context["current"]) == [registration]
    response = host_client.post(
        reverse("portal:host_deregister", args=[hotel.pk, registration.pk]), follow=True
    )
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.status == "ended" and registration.ended_on == timezone.localdate()
    assert list(response.context["current"]) == []


def test_host_token_registers_through_the_api(host_client: Client, hotel: Any) -> None:
    response = host_client.post(
        reverse("portal:host_tokens"), {"name": "hotel PMS", "expires_in_days": 90}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert response.context["created"].scopes == ["registrations:write"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    item = {k: v for k, v in _guest().items() if k not in {"region", "city", "street"}}
    result = api.post(
        "/api/v1/stays/registrations", {"items": [item]}, content_type="application/json"
    )
    assert result.status_code == 200 and result.json()["created"] == 1
    registration_id = result.json()["results"][0]["registration_id"]
    ended = api.post(
        f"/api/v1/stays/registrations/{registration_id}/end", {}, content_type="application/json"
    )
    assert ended.status_code == 200 and ended.json()["person_id"] is None


def test_hosts_see_their_guests_as_they_sent_them_never_the_registry(
    host_client: Client, hotel: Any, officer: Any
) -> None:
    """A host typing a passport number that the registry knows under another name sees
    the name they typed: the registry's name of the linked person is not theirs to see."""
    from umis.registry.services import (
        DocumentData,
        NationalityData,
        PersonData,
        document_add,
        person_create,
    )

    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Registrova",
            given_names="Secretta",
            sex="F",
            birth_date="1970-01-01",
            nationalities=[NationalityData("DEU")],
        ),
    )
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number="C01X00T47", issuing_state="DEU"),
    )
    host_client.post(reverse("portal:host_register", args=[hotel.pk]), _guest())
    registration = Registration.objects.get()
    assert registration.person_id == person.pk and registration.family_name == "MUSTERMANN"
    page = host_client.get(reverse("portal:host_guests", args=[hotel.pk]))
    body = page.content.decode()
    assert "MUSTERMANN ERIKA" in body
    assert "C01X00T47" in body
    assert "Registrova" not in body and "Secretta" not in body and "1970" not in body
    # An officer registering someone at the hotel by person id sends no guest data: the
    # host sees that, not the registry's name.
    registrations.registrations_create_batch(
        actor=officer,
        host_id=hotel.pk,
        items=[
            {
                "person_id": str(person.pk),
                "arrival_date": timezone.localdate(),
                "street": "Neftçilər pr. 1",
                "region": "baku",
                "city": "baku",
            }
        ],
    )
    body = host_client.get(reverse("portal:host_guests", args=[hotel.pk])).content.decode()
    assert "Registered by the migration service" in body and "Registrova" not in body


def test_the_api_answers_hosts_with_what_they_sent_and_officers_with_the_link(
    hotel: Any, host: User, officer: Any, token_client: Any
) -> None:
    api = token_client(host, ["registrations:write"])
    item = dict(_guest(), reference="PMS-77", family_name="  Mustermann ")
    first = api.post(
        "/api/v1/stays/registrations", {"items": [item]}, content_type="application/json"
    ).json()["results"][0]
    assert (first["status"], first["reference"], first["link_method"]) == (
        "created",
        "PMS-77",
        None,
    )
    changed = api.post(
        "/api/v1/stays/registrations",
        {"items": [dict(item, street="Nizami 5")]},
        content_type="application/json",
    ).json()
    assert changed["rejected"] == 1
    assert [(e["field"], e["code"]) for e in changed["results"][0]["errors"]] == [
        ("items.0.street", "reference_reused")
    ]
    ended = api.post(
        f"/api/v1/stays/registrations/{first['registration_id']}/end",
        {},
        content_type="application/json",
    ).json()
    assert ended["guest"]["family_name"] == "Mustermann"
    assert ended["guest"]["document_number"] == "C01X00T47"
    assert ended["reference"] == "PMS-77" and ended["warnings"] == []
    assert ended["person_id"] is None and ended["link_method"] is None
    assert ended["link_score"] is None
    as_officer = token_client(officer).post(
        f"/api/v1/stays/registrations/{first['registration_id']}/end",
        {},
        content_type="application/json",
    )
    assert as_officer.status_code == 200, as_officer.content
    assert as_officer.json()["link_method"] == "new_provisional"
    assert as_officer.json()["link_score"] == 1.0


def test_revoked_host_loses_access(host_client: Client, host: User, officer: Any) -> None:
    member = OrganisationMember.objects.get(user=host)
    host_access_revoke(actor=officer, member_id=member.pk)
    assert host_client.get(reverse("portal:host_home")).status_code == 403
    assert AuditEntry.objects.filter(
        object_type="registry.organisationmember", changes__is_active=[True, False]
    ).exists()


@pytest.mark.parametrize("language", ["az", "en", "ru"])
def test_host_pages_follow_the_chosen_language(
    host_client: Client, hotel: Any, language: str
) -> None:
    from django.conf import settings

    host_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = host_client.get(reverse("portal:host_register", args=[hotel.pk]))
    assert page.status_code == 200
    assert f'lang="{language}"' in page.content.decode()


def test_demo_hotel_account_is_idempotent_and_lands_in_the_host_area(reference: None) -> None:
    from umis.core.demo_users import DEMO_HOST, DEMO_PASSWORD, demo_host_ensure

    demo_host_ensure()
    entries = AuditEntry.objects.count()
    demo_host_ensure()
    assert AuditEntry.objects.count() == entries  # a second run changes nothing
    user = User.objects.get(username=DEMO_HOST.username)
    assert user.role == "" and user.check_password(DEMO_PASSWORD)
    member = OrganisationMember.objects.get(user=user)
    assert member.is_active and member.organisation.tax_number == DEMO_HOST.organisation_voen
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": DEMO_HOST.username, "password": DEMO_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "portal:host_guests", args=[member.organisation_id]
    )
