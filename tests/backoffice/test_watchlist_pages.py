"""Back-office watch-list pages: entry bans (list, record, lift, import) and invalid
documents (search, add, take off the list, import)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from umis.border.models import EntryBan, InvalidDocument
from umis.border.watchlist import EntryBanData, entry_ban_lift, entry_ban_record
from umis.core.models import AuditEntry
from umis.registry import services
from umis.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(officer: Any) -> Person:
    person = services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name="Rezaei",
            given_names="Ali",
            sex="M",
            birth_date="1985-02-03",
            nationalities=[services.NationalityData(country="IRN")],
        ),
    )
    services.document_add(
        actor=officer,
        person_id=person.pk,
        data=services.DocumentData(
            document_type="passport", number="K1234567", issuing_state="IRN"
        ),
    )
    return person


@pytest.fixture
def chief(supervisor: Any, session_client: Any) -> Client:
    return session_client(supervisor)


def _ban_form(**fields: Any) -> dict[str, Any]:
    return {
        "target": "person",
        "legal_ground": "undesirable",
        "legal_basis": "",
        "authority": "State Migration Service",
        "valid_from": "2026-01-01",
        "valid_to": "",
        **fields,
    }


def _rows(html: str) -> list[str]:
    return re.findall(r'data-ban="([0-9a-f-]+)"', html)


def test_record_a_ban_on_a_person_by_fin(chief: Client, person: Person) -> None:
    url = reverse("backoffice:entry_ban_create")
    form = chief.get(url).content.decode()
    assert "Migration Code, Art. 16.1.5" in form  # the grounds come from the policy pack
    response = chief.post(
        url, _ban_form(personal_number=person.personal_number, legal_basis="No. 7/2026")
    )
    ban = EntryBan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:entry_ban_detail", args=[ban.pk])
    assert ban.person_id == person.pk
    assert ban.legal_basis == "Migration Code, Art. 16.1.5; No. 7/2026"
    detail = chief.get(response["Location"]).content.decode()
    assert person.full_name in detail and "No. 7/2026" in detail
    assert "undesirable" in detail  # the ground's text, under the reference
    # The same decision again: nothing new, and the officer is told so.
    again = chief.post(
        url, _ban_form(personal_number=person.personal_number, legal_basis="No. 7/2026")
    )
    assert again.status_code == 302 and EntryBan.objects.count() == 1
    assert "already recorded" in chief.get(again["Location"]).content.decode()
    assert (
        AuditEntry.objects.filter(
            object_type="border.entryban", action="create", person_id=person.pk
        ).count()
        == 1
    )


def test_record_a_ban_on_the_holder_of_a_document(chief: Client, person: Person) -> None:
    url = reverse("backoffice:entry_ban_create")
    response = chief.post(
        url,
        _ban_form(
            document_issuing_state="IRN",
            document_number="k1234567",
            legal_ground="false_information",
        ),
    )
    assert response.status_code == 302
    ban = EntryBan.objects.get()
    assert (ban.person_id, ban.document_number) == (person.pk, "K1234567")
    assert ban.valid_to == dt.date(2030, 12, 31)  # Art. 16.2: five years
    nobody = chief.post(url, _ban_form(document_issuing_state="IRN", document_number="Q1"))
    assert nobody.status_code == 422
    assert "No person of the registry holds this document." in nobody.content.decode()
    assert EntryBan.objects.count() == 1


def test_a_ban_form_with_errors_names_the_fields(chief: Client) -> None:
    response = chief.post(
        reverse("backoffice:entry_ban_create"),
        _ban_form(
            target="document",
            legal_ground="",
            authority="",
            valid_from="2026-05-01",
            valid_to="2026-04-01",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("document_issuing_state", "document_number", "legal_ground", "authority"):
        assert f'href="#id_{field}"' in html, field
    assert not EntryBan.objects.exists()
    # A wrong FIN is reported on the FIN field; nothing is stored.
    response = chief.post(
        reverse("backoffice:entry_ban_create"), _ban_form(personal_number="ZZZ9999")
    )
    assert response.status_code == 422
    assert 'href="#id_personal_number"' in response.content.decode()
    assert not EntryBan.objects.exists()


def test_document_only_ban_and_ban_from_the_person_page(
    chief: Client, person: Person, supervisor: Any
) -> None:
    url = reverse("backoffice:entry_ban_create")
    response = chief.post(
        url,
        _ban_form(target="document", document_issuing_state="GEO", document_number="13AA99999"),
    )
    assert response.status_code == 302
    assert EntryBan.objects.get().person_id is None
    # From the person's page: the person is chosen already.
    page = chief.get(reverse("backoffice:person_detail", args=[person.pk])).content.decode()
    create_link = f"{url}?person={person.pk}"
    assert create_link in page
    assert f"{reverse('backoffice:entry_ban_list')}?person={person.pk}" in page
    form = chief.get(create_link).content.decode()
    assert person.personal_number in form
    response = chief.post(create_link, _ban_form(person_id=str(person.pk)))
    assert response.status_code == 302
    assert EntryBan.objects.filter(person=person).count() == 1


def test_officers_see_the_watch_list_but_cannot_change_it(
    officer: Any, session_client: Any, person: Person, supervisor: Any
) -> None:
    entry_ban_record(
        actor=supervisor,
        data=EntryBanData(
            person_id=person.pk,
            legal_ground="undesirable",
            authority="SMS",
            valid_from="2026-01-01",
        ),
    )
    client = session_client(officer)
    listing = client.get(reverse("backoffice:entry_ban_list"))
    html = listing.content.decode()
    assert listing.status_code == 200 and person.full_name in html
    assert reverse("backoffice:entry_ban_create") not in html
    assert (
        reverse("backoffice:entry_ban_list")
        in client.get(reverse("backoffice:home")).content.decode()
    )
    record = client.get(reverse("backoffice:person_detail", args=[person.pk])).content.decode()
    assert f"?person={person.pk}" in record
    assert reverse("backoffice:entry_ban_create") not in record
    assert client.post(reverse("backoffice:entry_ban_create"), _ban_form()).status_code == 403
    # The list showed a person: an audited read.
    assert AuditEntry.objects.filter(
        actor=officer, object_type="border.entryban", action="search"
    ).exists()


def test_ban_list_filters_and_pages(chief: Client, supervisor: Any, person: Person) -> None:
    def ban(**kw: Any) -> EntryBan:
        base = {"legal_ground": "undesirable", "authority": "SMS", "valid_from": "2026-01-01"}
        return entry_ban_record(actor=supervisor, data=EntryBanData(**{**base, **kw}))[0]

    on_person = ban(person_id=person.pk)
    lifted = ban(document_issuing_state="TUR", document_number="T1")
    entry_ban_lift(actor=supervisor, ban_id=lifted.pk, reason="error")
    expired = ban(document_issuing_state="GEO", document_number="G1", valid_to="2026-02-01")
    for i in range(52):
        ban(document_issuing_state="GEO", document_number=f"P{i:04d}")
    url = reverse("backoffice:entry_ban_list")
    first = chief.get(url, {"on": "2026-06-01"}).content.decode()
    assert "53 bans." in first and len(_rows(first)) == 50  # in force by default
    second = chief.get(url, {"on": "2026-06-01", "status": "in_force", "page": 2}).content.decode()
    assert len(_rows(second)) == 3
    assert _rows(chief.get(url, {"status": "lifted"}).content.decode()) == [str(lifted.pk)]
    assert _rows(chief.get(url, {"status": "expired", "on": "2026-06-01"}).content.decode()) == [
        str(expired.pk)
    ]
    assert _rows(chief.get(url, {"kind": "person"}).content.decode()) == [str(on_person.pk)]
    assert _rows(chief.get(url, {"nationality": "IRN"}).content.decode()) == [str(on_person.pk)]
    by_person = chief.get(url, {"person": str(person.pk), "status": ""}).content.decode()
    assert _rows(by_person) == [str(on_person.pk)] and person.personal_number in by_person
    bad = chief.get(url, {"status": "banned", "on": "yesterday"})
    assert bad.status_code == 422
    assert 'href="#id_status"' in bad.content.decode()


def test_lift_a_ban_with_a_reason(chief: Client, supervisor: Any, person: Person) -> None:
    ban, _ = entry_ban_record(
        actor=supervisor,
        data=EntryBanData(
            person_id=person.pk,
            legal_ground="undesirable",
            authority="SMS",
            valid_from="2026-01-01",
        ),
    )
    url = reverse("backoffice:entry_ban_lift", args=[ban.pk])
    missing = chief.post(url, {"reason": "  "})
    assert missing.status_code == 422 and 'href="#id_reason"' in missing.content.decode()
    ban.refresh_from_db()
    assert ban.lifted_at is None
    done = chief.post(url, {"reason": "Court decision of 2026-05-01"})
    assert done.status_code == 302
    ban.refresh_from_db()
    assert ban.lifted_reason == "Court decision of 2026-05-01"
    detail = chief.get(done["Location"]).content.decode()
    assert "Court decision of 2026-05-01" in detail
    assert 'action="' + url not in detail  # no lift form on a lifted ban
    assert AuditEntry.objects.filter(
        object_id=str(ban.pk), action="update", person_id=person.pk
    ).exists()


BANS_CSV = (
    "personal_number,document_issuing_state,document_number,legal_ground,legal_basis,"
    "authority,valid_from,valid_to\n"
    "{fin},,,undesirable,,SMS,2026-01-01,\n"
    ",GEO,13AB00001,,Court of Baku 2-1/2026,Baku Court,2026-02-01,2027-01-31\n"
    ",QQQ,X1,treason,,SMS,01.02.2026,\n"
)


def test_upload_bans_reports_each_line_and_adds_nothing_twice(
    chief: Client, person: Person
) -> None:
    url = reverse("backoffice:entry_ban_import")
    assert "legal_ground" in chief.get(url).content.decode()
    data = BANS_CSV.format(fin=person.personal_number).encode()

    def upload() -> str:
        response = chief.post(url, {"file": SimpleUploadedFile("bans.csv", data, "text/csv")})
        assert response.status_code == 200
        return response.content.decode()

    html = upload()
    assert "3 lines: 2 added, 0 updated, 0 already recorded, 1 rejected." in html
    assert re.search(r'data-line="4" data-status="rejected"', html)
    assert re.search(r'data-line="2" data-status="created"', html)
    report = html[html.index('data-line="4"') :]
    for field in ("document_issuing_state", "legal_ground", "valid_from"):
        assert f"<code>{field}</code>" in report, field
    assert EntryBan.objects.count() == 2
    assert "0 added, 0 updated, 2 already recorded, 1 rejected." in upload()
    assert EntryBan.objects.count() == 2


def test_upload_refuses_a_file_without_the_columns(chief: Client) -> None:
    response = chief.post(
        reverse("backoffice:entry_ban_import"),
        {"file": SimpleUploadedFile("bans.csv", b"number,reason\nX,lost\n", "text/csv")},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#id_file"' in html and "missing columns" in html
    assert not EntryBan.objects.exists()


# --- invalid documents ------------------------------------------------------------------


def test_add_search_and_remove_an_invalid_document(chief: Client, supervisor: Any) -> None:
    add = reverse("backoffice:invalid_document_add")
    bad = chief.post(add, {"issuing_state": "", "number": "??", "reason": "eaten", "source": ""})
    assert bad.status_code == 422
    html = bad.content.decode()
    for field in ("issuing_state", "number", "reason", "source"):
        assert f'href="#id_{field}' in html, field
    form = {"issuing_state": "UKR", "number": "fe 123 456", "reason": "stolen", "source": "Police"}
    assert chief.post(add, form).status_code == 302
    assert chief.post(add, form).status_code == 302  # already listed: nothing new
    doc = InvalidDocument.objects.get()
    assert doc.number == "FE123456" and doc.source == "Police"
    listing = reverse("backoffice:invalid_document_list")
    assert "FE123456" in chief.get(listing).content.decode()
    # The number is searched by POST; with htmx only the search region comes back.
    found = chief.post(listing, {"number": "fe12"}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200
    assert "FE123456" in found.content.decode() and "<html" not in found.content.decode()
    none = chief.post(listing, {"number": "ZZ"}).content.decode()
    assert "FE123456" not in none and "No listed document matches." in none
    remove = reverse("backoffice:invalid_document_remove", args=[doc.pk])
    assert remove in chief.get(listing).content.decode()
    assert chief.post(remove, {"reason": ""}).status_code == 422
    assert InvalidDocument.objects.exists()
    assert chief.post(remove, {"reason": "found by the holder"}).status_code == 302
    assert not InvalidDocument.objects.exists()
    entry = AuditEntry.objects.get(object_type="border.invaliddocument", action="delete")
    assert entry.changes["removal_reason"] == [None, "found by the holder"]


def test_upload_invalid_documents(chief: Client) -> None:
    url = reverse("backoffice:invalid_document_import")
    data = (
        b"issuing_state,number,reason,reported_on\n"
        b"UKR,FE000001,lost,2026-01-02\n"
        b"UKR,FE000002,stolen,\n"
        b"ZZZ,FE000003,lost,\n"
        b"UKR,FE000004\n"
    )
    missing_source = chief.post(url, {"file": SimpleUploadedFile("sltd.csv", data)})
    assert missing_source.status_code == 422
    assert 'href="#id_source"' in missing_source.content.decode()
    response = chief.post(
        url, {"file": SimpleUploadedFile("sltd.csv", data), "source": "Interpol SLTD"}
    )
    html = response.content.decode()
    assert "4 lines: 2 added, 0 updated, 0 already recorded, 2 rejected." in html
    assert re.search(r'data-line="4" data-status="rejected"', html)
    assert "malformed CSV row" in html[html.index('data-line="5"') :]
    assert InvalidDocument.objects.filter(source="Interpol SLTD").count() == 2


def test_officers_cannot_change_invalid_documents(officer: Any, session_client: Any) -> None:
    client = session_client(officer)
    html = client.get(reverse("backoffice:invalid_document_list")).content.decode()
    assert reverse("backoffice:invalid_document_add") not in html
    response = client.post(
        reverse("backoffice:invalid_document_add"),
        {"issuing_state": "UKR", "number": "X1", "reason": "lost", "source": "x"},
    )
    assert response.status_code == 403
    assert not InvalidDocument.objects.exists()


def test_watch_list_pages_in_russian(chief: Client) -> None:
    chief.post(reverse("set_language"), {"language": "ru"})
    html = chief.get(reverse("backoffice:entry_ban_create")).content.decode()
    assert "нежелательным" in html  # the ground's text from the policy pack
    assert chief.get(reverse("backoffice:invalid_document_list")).status_code == 200
