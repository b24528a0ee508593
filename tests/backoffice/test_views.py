"""Back-office pages: who may see them, search by POST, the record's history."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from umis.core.constants import AuditAction, Role
from umis.core.models import AuditEntry, City
from umis.registry import services
from umis.registry.models import Address, IdentityDocument, Person
from umis.registry.mrz import build_td3

pytestmark = pytest.mark.django_db

ALL_ROLES = [r.value for r in Role]
CASEWORK = {"officer", "supervisor"}
LOOKUP = CASEWORK | {"border_officer"}


@pytest.fixture
def person(officer: Any) -> Person:
    city = City.objects.filter(is_active=True).select_related("region").order_by("code").first()
    return services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name="Petrova",
            given_names="Anna",
            sex="F",
            birth_date="1990-05-04",
            birth_country="RUS",
            nationalities=[services.NationalityData(country="RUS")],
            names=[
                services.NameData(
                    script="Cyrl", family_name="Петрова", given_names="Анна", source="passport"
                )
            ],
            address=services.AddressData(
                region=city.region.code, city=city.code, street="Nizami küçəsi 10"
            ),
        ),
    )


@pytest.fixture
def document(officer: Any, person: Person) -> IdentityDocument:
    return services.document_add(
        actor=officer,
        person_id=person.pk,
        data=services.DocumentData(
            document_type="passport",
            number="75 1234567",
            issuing_state="RUS",
            expiry_date=dt.date.today() + dt.timedelta(days=900),
        ),
    )


def _urls(person: Person, document: IdentityDocument) -> dict[str, tuple[str, set[str]]]:
    pid = person.pk
    return {
        "home": (reverse("backoffice:home"), set(ALL_ROLES)),
        "search": (reverse("backoffice:person_search"), LOOKUP),
        "detail": (reverse("backoffice:person_detail", args=[pid]), LOOKUP),
        "create": (reverse("backoffice:person_create"), CASEWORK),
        "edit": (reverse("backoffice:person_edit", args=[pid]), CASEWORK),
        "address": (reverse("backoffice:address_change", args=[pid]), CASEWORK),
        "document": (reverse("backoffice:document_add", args=[pid]), CASEWORK),
        "flag": (reverse("backoffice:document_flag", args=[pid, document.pk]), LOOKUP),
        "photo": (reverse("backoffice:photo_upload", args=[pid]), CASEWORK),
        "audit": (reverse("backoffice:audit_search"), {"administrator"}),
        "tokens": (reverse("backoffice:tokens"), set(ALL_ROLES)),
    }


PAGES = [
    "home",
    "search",
    "detail",
    "create",
    "edit",
    "address",
    "document",
    "flag",
    "photo",
    "audit",
    "tokens",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_page_access_by_role(
    page: str,
    role: str,
    make_staff: Callable[..., Any],
    session_client: Callable[[Any], Client],
    person: Person,
    document: IdentityDocument,
) -> None:
    url, allowed = _urls(person, document)[page]
    response = session_client(make_staff(role)).get(url)
    if role in allowed:
        assert response.status_code == 200, response.content[:500]
        assert b'<html lang="' in response.content
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_sign_in(
    page: str, person: Person, document: IdentityDocument
) -> None:
    url, _ = _urls(person, document)[page]
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_public_account_is_refused(
    session_client: Callable[[Any], Client], reference: None
) -> None:
    from umis.core.models import User

    public = User.objects.create_user(username="citizen", password="x" * 16)
    client = session_client(public)
    # The sign-in lands on the back office's home: a public account goes to its
    # applications in the portal; every other back-office page refuses it.
    home = client.get(reverse("backoffice:home"))
    assert home.status_code == 302 and home["Location"] == reverse("portal:my_applications")
    assert client.get(reverse("backoffice:person_search")).status_code == 403
    assert client.get(reverse("backoffice:case_queue")).status_code == 403


def test_officer_on_another_regional_office_cannot_edit(
    make_staff: Callable[..., Any], session_client: Callable[[Any], Client], person: Person
) -> None:
    from umis.core.models import Office

    other = Office.objects.exclude(pk=person.office_id).exclude(kind="headquarters").first()
    outsider = make_staff("officer", office=other)
    client = session_client(outsider)
    assert client.get(reverse("backoffice:person_detail", args=[person.pk])).status_code == 200
    assert client.get(reverse("backoffice:person_edit", args=[person.pk])).status_code == 403


# --- search ----------------------------------------------------------------------------


def test_search_by_post_finds_the_person(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    url = reverse("backoffice:person_search")
    page = client.get(url)
    assert page.status_code == 200
    assert b'method="post"' in page.content
    response = client.post(url, {"purpose": "counter", "name": "petr"})
    assert response.status_code == 200
    assert person.personal_number.encode() in response.content
    assert reverse("backoffice:person_detail", args=[person.pk]).encode() in response.content
    assert AuditEntry.objects.filter(action=AuditAction.SEARCH, actor=officer).exists()


def test_search_with_htmx_returns_only_the_results(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    response = client.post(
        reverse("backoffice:person_search"),
        {"purpose": "counter", "personal_number": person.personal_number.lower()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Petrova" in response.content
    assert b'id="person-search"' in response.content  # form and results swapped together
    assert b"data-error-summary" not in response.content


def test_search_by_document_number(
    officer: Any, session_client: Callable[[Any], Client], document: IdentityDocument
) -> None:
    response = session_client(officer).post(
        reverse("backoffice:person_search"), {"purpose": "counter", "document_number": "751234567"}
    )
    assert b"Petrova" in response.content


def test_empty_search_is_an_error_linked_to_nothing_searched(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    response = client.post(reverse("backoffice:person_search"), {"purpose": "counter"})
    assert response.status_code == 200
    assert b"data-error-summary" in response.content
    assert b"Petrova" not in response.content
    htmx = client.post(
        reverse("backoffice:person_search"),
        {"purpose": "counter", "birth_date": "19x"},
        HTTP_HX_REQUEST="true",
    )
    assert htmx["HX-Retarget"] == "#person-search"
    assert b'aria-invalid="true"' in htmx.content
    assert b'href="#id_birth_date"' in htmx.content


def test_search_results_are_paginated_by_post(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    for i in range(27):
        services.person_create(
            actor=officer,
            data=services.PersonData(
                family_name="Aliyev",
                given_names=f"Test{i:02d}",
                sex="M",
                birth_date="1980",
                nationalities=[services.NationalityData(country="TUR")],
            ),
        )
    client = session_client(officer)
    # Only the beginning of the name: no key matches, so the paged prefix list answers
    # (a full name gets the 25 best ranked matches instead).
    first = client.post(
        reverse("backoffice:person_search"), {"purpose": "counter", "name": "aliye"}
    )
    assert b"Test00" in first.content and b"Test26" not in first.content
    assert b'name="page" value="2"' in first.content
    second = client.post(
        reverse("backoffice:person_search"),
        {"purpose": "counter", "name": "aliye", "page": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert b"Test26" in second.content and b"Test00" not in second.content


# --- person record ---------------------------------------------------------------------


def test_person_page_shows_the_whole_record(
    officer: Any,
    session_client: Callable[[Any], Client],
    person: Person,
    document: IdentityDocument,
) -> None:
    response = session_client(officer).get(reverse("backoffice:person_detail", args=[person.pk]))
    html = response.content.decode()
    for text in (
        "Petrova",
        "Петрова",
        person.personal_number,
        "751234567",
        "Nizami küçəsi 10",
        "1990-05-04",
    ):
        assert text in html
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, person_id=person.pk).exists()


def test_address_change_writes_history(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    old = Address.objects.get(person=person, is_current=True)
    city = (
        City.objects.exclude(pk=old.city_id)
        .filter(is_active=True)
        .select_related("region")
        .order_by("code")
        .first()
    )
    url = reverse("backoffice:address_change", args=[person.pk])
    response = client.post(
        url, {"region": city.region.code, "city": city.code, "street": "Füzuli küçəsi 5"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:person_detail", args=[person.pk])
    current = Address.objects.get(person=person, is_current=True)
    assert current.street == "Füzuli küçəsi 5"
    entries = AuditEntry.objects.filter(
        person_id=person.pk, object_type="registry.address", action=AuditAction.CREATE
    ).order_by("-id")
    assert entries[0].changes["street"] == [None, "Füzuli küçəsi 5"]
    page = client.get(response["Location"]).content.decode()
    assert "Füzuli küçəsi 5" in page
    history = page.split('id="history"', 1)[1]
    assert "Füzuli küçəsi 5" in history and "→" in history


def test_address_with_city_outside_the_region_shows_the_field_error(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    baku = City.objects.get(code="baku")
    other = City.objects.exclude(region=baku.region).first()
    response = session_client(officer).post(
        reverse("backoffice:address_change", args=[person.pk]),
        {"region": baku.region.code, "city": other.code, "street": "X 1"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_city_error"' in html and 'href="#id_city"' in html


def test_create_person(officer: Any, session_client: Callable[[Any], Client]) -> None:
    client = session_client(officer)
    response = client.post(
        reverse("backoffice:person_create"),
        {
            "family_name": "Karimova",
            "given_names": "Leyla",
            "sex": "F",
            "birth_date": "1975-02",
            "nationality": "GEO",
            "native_script": "Geor",
            "native_family_name": "ქარიმოვა",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(family_name="Karimova")
    assert person.birth_month == 2 and person.birth_day is None
    assert person.names.get().family_name == "ქარიმოვა"


def test_create_person_maps_service_errors_to_fields(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    response = session_client(officer).post(
        reverse("backoffice:person_create"),
        {
            "family_name": "Karimova",
            "sex": "F",
            "birth_date": "2999",
            "nationality": "GEO",
            "phone": "12",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_birth_date_error"' in html and 'id="id_phone_error"' in html
    assert not Person.objects.filter(family_name="Karimova").exists()


def test_edit_with_a_stale_version_is_refused(
    officer: Any, supervisor: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    url = reverse("backoffice:person_edit", args=[person.pk])
    form = session_client(officer).get(url)
    assert f'name="version" value="{person.version}"'.encode() in form.content
    services.person_update(
        actor=supervisor,
        person_id=person.pk,
        version=person.version,
        changes={"place_of_birth": "Moscow"},
    )
    response = session_client(officer).post(
        url,
        {
            "family_name": "Petrova",
            "given_names": "Anna",
            "sex": "F",
            "birth_date": "1990-05-04",
            "birth_country": "RUS",
            "phone": "+994501234567",
            "version": person.version,
        },
    )
    assert response.status_code == 409
    assert b"changed by someone else" in response.content
    person.refresh_from_db()
    assert person.phone == ""


def test_edit_saves_only_what_changed(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    url = reverse("backoffice:person_edit", args=[person.pk])
    response = session_client(officer).post(
        url,
        {
            "family_name": "Petrova",
            "given_names": "Anna",
            "sex": "F",
            "birth_date": "1990-05-04",
            "birth_country": "RUS",
            "phone": "+994 50 123 45 67",
            "version": person.version,
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(
        person_id=person.pk, action=AuditAction.UPDATE, object_type="registry.person"
    ).latest("id")
    assert entry.changes == {"phone": ["", "+994501234567"]}


def _mrz(number: str = "C01X00T47") -> str:
    return "\n".join(
        build_td3(
            document_code="P",
            issuing_state="DEU",
            surname="Petrova",
            given_names="Anna",
            document_number=number,
            nationality="RUS",
            birth_date=(1990, 5, 4),
            sex="F",
            expiry_date=dt.date.today() + dt.timedelta(days=2000),
        )
    )


def test_mrz_prefill_with_htmx_and_without(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    prefill = client.post(
        reverse("backoffice:document_prefill", args=[person.pk]),
        {"mrz": _mrz()},
        HTTP_HX_REQUEST="true",
    )
    assert prefill.status_code == 200
    html = prefill.content.decode()
    assert 'id="document-fields"' in html and "<html" not in html
    assert 'value="C01X00T47"' in html
    assert '<option value="DEU" selected>' in html
    no_js = client.post(
        reverse("backoffice:document_add", args=[person.pk]), {"mrz": _mrz(), "action": "prefill"}
    )
    assert 'value="C01X00T47"' in no_js.content.decode()
    bad = client.post(
        reverse("backoffice:document_prefill", args=[person.pk]),
        {"mrz": _mrz()[:-1] + "0"},
        HTTP_HX_REQUEST="true",
    )
    assert 'id="id_mrz_error"' in bad.content.decode()


def test_add_document_and_flag_it(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    response = client.post(
        reverse("backoffice:document_add", args=[person.pk]),
        {
            "mrz": _mrz(),
            "document_type": "passport",
            "number": "C01X00T47",
            "issuing_state": "DEU",
            "action": "save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    doc = IdentityDocument.objects.get(number="C01X00T47")
    url = reverse("backoffice:document_flag", args=[person.pk, doc.pk])
    missing_reason = client.post(url, {"status": "stolen", "reason": ""})
    assert missing_reason.status_code == 422
    assert (
        client.post(url, {"status": "stolen", "reason": "Police report 12/2026"}).status_code == 302
    )
    doc.refresh_from_db()
    assert doc.status == "stolen"
    page = client.get(reverse("backoffice:person_detail", args=[person.pk])).content.decode()
    assert "Police report 12/2026" in page


def _png(size: int = 160) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_upload_and_authenticated_photo_view(
    officer: Any,
    make_staff: Callable[..., Any],
    session_client: Callable[[Any], Client],
    person: Person,
    tmp_path: Any,
    settings: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = session_client(officer)
    upload = SimpleUploadedFile("face.png", _png(), content_type="image/png")
    response = client.post(reverse("backoffice:photo_upload", args=[person.pk]), {"photo": upload})
    assert response.status_code == 302
    photo = person.photos.get(is_current=True)
    url = reverse("backoffice:photo", args=[photo.pk])
    assert url.encode() in client.get(reverse("backoffice:person_detail", args=[person.pk])).content
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == _png()
    assert "no-store" in served["Cache-Control"]
    assert session_client(make_staff("analyst")).get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_bad_photo_is_refused_with_a_field_error(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("face.png", b"not an image", content_type="image/png")
    response = session_client(officer).post(
        reverse("backoffice:photo_upload", args=[person.pk]), {"photo": upload}
    )
    assert response.status_code == 422
    assert b'id="id_photo_error"' in response.content


# --- administration --------------------------------------------------------------------


def test_audit_log_filters(
    administrator: Any, officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(administrator)
    response = client.get(
        reverse("backoffice:audit_search"), {"actor": officer.username, "person_id": str(person.pk)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert officer.username in html and str(person.pk) in html
    bad = client.get(reverse("backoffice:audit_search"), {"person_id": "nope"})
    assert b"data-error-summary" in bad.content


def test_tokens_create_shows_secret_once_and_revoke(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    client = session_client(officer)
    created = client.post(
        reverse("backoffice:tokens"),
        {
            "name": "nightly report",
            "scopes": ["persons:read"],
            "expires_in_days": "30",
        },
    )
    assert created.status_code == 200
    html = created.content.decode()
    assert 'id="token-secret"' in html and "umis_" in html
    listing = client.get(reverse("backoffice:tokens")).content.decode()
    assert "nightly report" in listing and 'id="token-secret"' not in listing
    from umis.core.models import ApiToken

    token = ApiToken.objects.get(user=officer)
    response = client.post(reverse("backoffice:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_without_scopes_is_an_error(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    response = session_client(officer).post(
        reverse("backoffice:tokens"), {"name": "x", "expires_in_days": "30"}
    )
    assert response.status_code == 422
    assert b'id="id_scopes_error"' in response.content


# --- layout, language, sign-in pages -----------------------------------------------------


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_language_switch_sets_lang_attribute(lang: str, reference: None) -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": lang, "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert f'<html lang="{lang}"'.encode() in page.content


def test_sign_in_pages_use_the_layout(reference: None) -> None:
    page = Client().get(reverse("account_login"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="usa-skipnav"' in html and 'name="login"' in html
    assert 'name="password"' in html and 'class="usa-input"' in html
    assert "usa-banner" not in html and "us_flag" not in html


# --- public portal (the layout it shares with the back office) ----------------------------


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_portal_catalogue_comes_from_the_policy_pack(lang: str, reference: None) -> None:
    from umis.core.policy import get_policy

    pack = get_policy()
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    html = client.get("/").content.decode()
    for service in pack.services:
        assert service.name(lang) in html
        assert reverse("portal:service_detail", args=[service.code]) in html


def test_portal_service_page_shows_fees_documents_and_law(reference: None) -> None:
    from umis.core.policy import get_policy

    pack = get_policy()
    service = max(pack.services, key=lambda s: len(s.fee_tiers))
    html = (
        Client(HTTP_ACCEPT_LANGUAGE="en")
        .get(reverse("portal:service_detail", args=[service.code]))
        .content.decode()
    )
    assert service.who("en") in html
    for document in service.required_documents:
        assert document.name("en") in html
    for tier in service.fee_tiers:
        amount, rule = pack.fee_for(service.code, tier.code)
        assert f"{amount} {pack.currency}" in html or amount == 0
        assert rule.legal_ref in html
    assert service.legal_basis in html
    assert Client().get(reverse("portal:service_detail", args=["nope"])).status_code == 404


def test_search_query_count_does_not_grow_with_the_results(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = session_client(officer)

    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            services.person_create(
                actor=officer,
                data=services.PersonData(
                    family_name="Quliyev",
                    given_names=f"N{i:02d}",
                    sex="M",
                    birth_date="1970",
                    nationalities=[
                        services.NationalityData(country="TUR"),
                        services.NationalityData(country="GEO"),
                    ],
                ),
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                reverse("backoffice:person_search"), {"purpose": "counter", "name": "quliyev"}
            )
        assert response.status_code == 200
        return len(ctx.captured_queries)

    make(2, 0)
    few = count()
    make(15, 2)
    assert count() == few


# --- names and nationalities -------------------------------------------------------------


def _history(client: Client, person: Person) -> str:
    page = client.get(reverse("backoffice:person_detail", args=[person.pk])).content.decode()
    return page.split('id="history"', 1)[1]


def test_person_page_links_to_name_and_nationality_pages_only_for_updaters(
    officer: Any,
    make_staff: Callable[..., Any],
    session_client: Callable[[Any], Client],
    person: Person,
) -> None:
    url = reverse("backoffice:person_detail", args=[person.pk])
    nat = person.nationalities.get()
    links = (
        reverse("backoffice:name_add", args=[person.pk]),
        reverse("backoffice:nationality_add", args=[person.pk]),
        reverse("backoffice:nationality_end", args=[person.pk, nat.pk]),
    )
    html = session_client(officer).get(url).content.decode()
    assert all(link in html for link in links)
    border = session_client(make_staff("border_officer")).get(url).content.decode()
    assert not any(link in border for link in links)


@pytest.mark.parametrize("name", ["name_add", "nationality_add", "nationality_end"])
def test_name_and_nationality_pages_render_for_an_officer_not_for_the_border(
    name: str,
    officer: Any,
    make_staff: Callable[..., Any],
    session_client: Callable[[Any], Client],
    person: Person,
) -> None:
    args: list[Any] = [person.pk]
    if name == "nationality_end":
        args.append(person.nationalities.get().pk)
    url = reverse(f"backoffice:{name}", args=args)
    response = session_client(officer).get(url)
    assert response.status_code == 200
    assert b'method="post"' in response.content and person.personal_number.encode() in (
        response.content
    )
    border = session_client(make_staff("border_officer"))
    assert border.get(url).status_code == 403
    assert border.post(url, {"valid_to": "2024-01-01", "country": "TUR"}).status_code == 403
    assert person.nationalities.count() == 1 and person.nationalities.get().valid_to is None


def test_add_name_shows_it_on_the_record_and_in_the_history(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    response = client.post(
        reverse("backoffice:name_add", args=[person.pk]),
        {
            "script": "Arab",
            "family_name": "پتروا",
            "given_names": "آنا",
            "patronymic": "",
            "source": "border",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:person_detail", args=[person.pk])
    name = person.names.get(script="Arab")
    assert (name.family_name, name.source) == ("پتروا", "border")
    entry = AuditEntry.objects.get(
        person_id=person.pk, object_type="registry.personname", object_id=str(name.pk)
    )
    assert entry.action == AuditAction.CREATE
    assert entry.changes["family_name"] == [None, "پتروا"]
    history = _history(client, person)
    assert "پتروا" in history and "→" in history


def test_add_name_with_unknown_script_is_refused(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    before = person.names.count()
    response = session_client(officer).post(
        reverse("backoffice:name_add", args=[person.pk]),
        {"script": "Klingon", "family_name": "X", "source": "registry"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_script_error"' in html and 'href="#id_script"' in html
    assert person.names.count() == before


def test_add_and_end_a_nationality(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    response = client.post(
        reverse("backoffice:nationality_add", args=[person.pk]),
        {"country": "TUR", "valid_from": "2015-06-01", "valid_to": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:person_detail", args=[person.pk])
    turkish = person.nationalities.get(country_id="TUR")
    assert turkish.valid_from == dt.date(2015, 6, 1) and turkish.valid_to is None
    assert "TUR" in _history(client, person)

    response = client.post(
        reverse("backoffice:nationality_end", args=[person.pk, turkish.pk]),
        {"valid_to": "2023-12-31"},
    )
    assert response.status_code == 302
    turkish.refresh_from_db()
    assert turkish.valid_to == dt.date(2023, 12, 31)
    entry = AuditEntry.objects.filter(
        object_type="registry.nationality", object_id=str(turkish.pk), action=AuditAction.UPDATE
    ).get()
    assert entry.changes == {"valid_to": [None, "2023-12-31"]}
    assert "2023-12-31" in _history(client, person)
    # An ended nationality cannot be ended again from here.
    url = reverse("backoffice:nationality_end", args=[person.pk, turkish.pk])
    assert client.get(url).status_code == 404


def test_duplicate_current_nationality_is_refused(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    count = AuditEntry.objects.filter(object_type="registry.nationality").count()
    response = session_client(officer).post(
        reverse("backoffice:nationality_add", args=[person.pk]), {"country": "RUS"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_country_error"' in html and "already has RUS" in html
    assert person.nationalities.count() == 1
    assert AuditEntry.objects.filter(object_type="registry.nationality").count() == count


def test_nationality_ending_before_it_starts_is_refused(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    client = session_client(officer)
    response = client.post(
        reverse("backoffice:nationality_add", args=[person.pk]),
        {"country": "TUR", "valid_from": "2015-06-01", "valid_to": "2010-01-01"},
    )
    assert response.status_code == 422
    assert 'id="id_valid_to_error"' in response.content.decode()
    assert not person.nationalities.filter(country_id="TUR").exists()

    nat = services.nationality_add(
        actor=officer,
        person_id=person.pk,
        data=services.NationalityData(country="TUR", valid_from=dt.date(2015, 6, 1)),
    )
    version = Person.objects.get(pk=person.pk).version
    response = client.post(
        reverse("backoffice:nationality_end", args=[person.pk, nat.pk]),
        {"valid_to": "2014-01-01"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_valid_to_error"' in html and 'href="#id_valid_to"' in html
    nat.refresh_from_db()
    assert nat.valid_to is None
    assert Person.objects.get(pk=person.pk).version == version


def test_nationality_of_another_person_is_not_found(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    other = services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name="Other",
            sex="M",
            birth_date="1970",
            nationalities=[services.NationalityData(country="GEO")],
        ),
    )
    url = reverse("backoffice:nationality_end", args=[person.pk, other.nationalities.get().pk])
    response = session_client(officer).post(url, {"valid_to": "2024-01-01"})
    assert response.status_code == 404
    assert other.nationalities.get().valid_to is None


def test_history_names_regions_and_cities_of_addresses(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    old = Address.objects.select_related("region", "city").get(person=person, is_current=True)
    new_city = (
        City.objects.exclude(region=old.region)
        .filter(is_active=True)
        .select_related("region")
        .order_by("code")
        .first()
    )
    client = session_client(officer)
    client.post(
        reverse("backoffice:address_change", args=[person.pk]),
        {"region": new_city.region.code, "city": new_city.code, "street": "Füzuli küçəsi 5"},
    )
    history = _history(client, person)
    for name in (old.region.name, old.city.name, new_city.region.name, new_city.name):
        assert name in history
    assert f"</span>{new_city.pk}</ins>" not in history
    assert f"</span>{new_city.region_id}</ins>" not in history

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("backoffice:person_detail", args=[person.pk]))
        return len(ctx.captured_queries)

    few = count()
    for i in range(3):
        services.address_set(
            actor=officer,
            person_id=person.pk,
            data=services.AddressData(
                region=old.region.code, city=old.city.code, street=f"Street {i}"
            ),
        )
    assert count() == few


def test_search_purpose_is_required_and_recorded_with_each_record_opened(
    officer: Any, session_client: Callable[[Any], Client], person: Person
) -> None:
    from umis.core.models import AuditEntry

    client = session_client(officer)
    url = reverse("backoffice:person_search")
    missing = client.post(url, {"name": "petr"})
    assert b"purpose" in missing.content.lower()
    assert not AuditEntry.objects.filter(action="search").exists()
    client.post(url, {"purpose": "case", "purpose_reference": "TRP-2026-000123", "name": "petr"})
    page = client.get(reverse("backoffice:person_detail", args=[person.pk]))
    assert "TRP-2026-000123" in page.content.decode()
    view = AuditEntry.objects.filter(action="view", person_id=person.pk).latest("id")
    assert view.purpose == "case TRP-2026-000123"


# --- organisations ---------------------------------------------------------------------


@pytest.fixture
def organisation(officer: Any) -> Any:
    city = City.objects.get(code="baku")
    return services.organisation_create(
        actor=officer,
        data=services.OrganisationData(
            tax_number="1400057421",
            name="Caspian Pearl Hotel",
            category="hotel",
            is_host=True,
            region=city.region.code,
            city=city.code,
            street="Neftçilər prospekti 1",
        ),
    )


def _organisation_post(**overrides: Any) -> dict[str, Any]:
    city = City.objects.get(code="baku")
    data: dict[str, Any] = {
        "tax_number": "2041400251",
        "name": "Absheron Builders LLC",
        "category": "company",
        "roles": ["employer"],
        "region": city.region.code,
        "city": city.code,
        "street": "Füzuli küçəsi 5",
        "phone": "+994 12 404 00 00",
        "email": "hr@absheron.example.az",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("query", ["1400057421", "1400 057 421", "caspian pearl"])
def test_organisation_search_by_voen_and_by_name(
    officer: Any, session_client: Callable[[Any], Client], organisation: Any, query: str
) -> None:
    url = reverse("backoffice:organisation_search")
    response = session_client(officer).get(url, {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Caspian Pearl Hotel" in html and "1400057421" in html
    assert reverse("backoffice:organisation_detail", args=[organisation.pk]) in html
    assert reverse("backoffice:organisation_create") in html  # officers may register
    miss = session_client(officer).get(url, {"q": "nobody here", "role": "employer"})
    assert "Caspian Pearl Hotel" not in miss.content.decode()
    wrong_role = session_client(officer).get(url, {"q": "caspian", "role": "employer"})
    assert "Caspian Pearl Hotel" not in wrong_role.content.decode()


def test_organisation_search_is_paginated(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    from umis.registry.rules import voen_generate

    for i in range(27):
        services.organisation_create(
            actor=officer,
            data=services.OrganisationData(
                tax_number=voen_generate(),
                name=f"Guest House {i:02d}",
                category="landlord",
                is_host=True,
            ),
        )
    client = session_client(officer)
    url = reverse("backoffice:organisation_search")
    first = client.get(url, {"q": "guest house", "role": "host"}).content.decode()
    assert "Guest House 00" in first and "Guest House 26" not in first
    assert "page=2" in first and "role=host" in first
    second = client.get(url, {"q": "guest house", "role": "host", "page": 2}).content.decode()
    assert "Guest House 26" in second and "Guest House 00" not in second


def test_create_organisation(officer: Any, session_client: Callable[[Any], Client]) -> None:
    from umis.registry.models import Organisation

    client = session_client(officer)
    response = client.post(reverse("backoffice:organisation_create"), _organisation_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organisation.objects.get(tax_number="2041400251")
    assert response["Location"] == reverse("backoffice:organisation_detail", args=[org.pk])
    assert org.is_employer and not org.is_host and org.city.code == "baku"
    assert org.phone == "+994124040000"
    assert AuditEntry.objects.filter(
        object_type="registry.organisation", object_id=str(org.pk), action=AuditAction.CREATE
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Absheron Builders LLC" in page and "2041400251" in page
    assert reverse("backoffice:organisation_edit", args=[org.pk]) in page


def test_create_organisation_with_an_invalid_voen_shows_the_field_error(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    from umis.registry.models import Organisation

    response = session_client(officer).post(
        reverse("backoffice:organisation_create"), _organisation_post(tax_number="2041400261")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_tax_number_error"' in html and 'href="#id_tax_number"' in html
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.filter(object_type="registry.organisation").exists()


def test_create_organisation_without_a_role_or_with_a_taken_voen_is_refused(
    officer: Any, session_client: Callable[[Any], Client], organisation: Any
) -> None:
    from umis.registry.models import Organisation

    client = session_client(officer)
    url = reverse("backoffice:organisation_create")
    no_role = client.post(url, _organisation_post(roles=[]))
    assert no_role.status_code == 422 and 'id="id_roles_error"' in no_role.content.decode()
    taken = client.post(url, _organisation_post(tax_number=organisation.tax_number))
    assert taken.status_code == 422 and 'id="id_tax_number_error"' in taken.content.decode()
    assert Organisation.objects.count() == 1


def test_edit_organisation_changes_the_name_and_writes_an_audit_entry(
    officer: Any, session_client: Callable[[Any], Client], organisation: Any
) -> None:
    client = session_client(officer)
    url = reverse("backoffice:organisation_edit", args=[organisation.pk])
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="1400057421"' in html and "disabled" in html.split('name="tax_number"')[1][:300]
    response = client.post(
        url,
        {
            "tax_number": "2041400251",  # ignored: the VÖEN cannot change
            "name": "Caspian Pearl Boutique Hotel",
            "category": "hotel",
            "roles": ["host", "employer"],
            "region": organisation.region.code,
            "city": organisation.city.code,
            "street": organisation.street,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("backoffice:organisation_detail", args=[organisation.pk])
    organisation.refresh_from_db()
    assert organisation.name == "Caspian Pearl Boutique Hotel"
    assert organisation.tax_number == "1400057421" and organisation.is_employer
    entry = AuditEntry.objects.filter(
        object_type="registry.organisation",
        object_id=str(organisation.pk),
        action=AuditAction.UPDATE,
    ).latest("id")
    assert entry.changes["name"] == ["Caspian Pearl Hotel", "Caspian Pearl Boutique Hotel"]
    assert entry.changes["is_employer"] == [False, True]
    assert "tax_number" not in entry.changes


def test_border_officer_views_organisations_but_cannot_change_them(
    make_staff: Callable[..., Any], session_client: Callable[[Any], Client], organisation: Any
) -> None:
    client = session_client(make_staff("border_officer"))
    search = client.get(reverse("backoffice:organisation_search"), {"q": "caspian"})
    assert search.status_code == 200
    assert reverse("backoffice:organisation_create") not in search.content.decode()
    detail = client.get(reverse("backoffice:organisation_detail", args=[organisation.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Caspian Pearl Hotel" in html
    assert reverse("backoffice:organisation_edit", args=[organisation.pk]) not in html
    edit_url = reverse("backoffice:organisation_edit", args=[organisation.pk])
    create_url = reverse("backoffice:organisation_create")
    assert client.get(create_url).status_code == 403
    assert client.post(create_url, _organisation_post()).status_code == 403
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, _organisation_post(name="Renamed")).status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Caspian Pearl Hotel"


def test_analyst_cannot_open_organisation_pages(
    make_staff: Callable[..., Any], session_client: Callable[[Any], Client], organisation: Any
) -> None:
    client = session_client(make_staff("analyst"))
    for url in (
        reverse("backoffice:organisation_search"),
        reverse("backoffice:organisation_create"),
        reverse("backoffice:organisation_detail", args=[organisation.pk]),
        reverse("backoffice:organisation_edit", args=[organisation.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("backoffice:organisation_create"), _organisation_post()).status_code
        == 403
    )
    home = client.get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:organisation_search") not in home


def test_organisations_link_in_the_navigation(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    home = session_client(officer).get(reverse("backoffice:home")).content.decode()
    assert f'href="{reverse("backoffice:organisation_search")}"' in home


# --- border check and stays ----------------------------------------------------------------


@pytest.fixture
def border_officer(make_staff: Callable[..., Any]) -> Any:
    return make_staff("border_officer")


def _check_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "direction": "entry",
        "document_number": "K9876543",
        "document_issuing_state": "IRN",
        "family_name": "",
        "given_names": "",
        "birth_date": "",
    }
    data.update(overrides)
    return data


def test_border_check_refers_a_document_with_an_entry_ban(
    border_officer: Any, supervisor: Any, session_client: Callable[[Any], Client]
) -> None:
    from django.utils import timezone

    from umis.border.watchlist import EntryBanData, entry_ban_create

    entry_ban_create(
        actor=supervisor,
        data=EntryBanData(
            legal_basis="Migration Code, Art. 16",
            authority="State Migration Service",
            valid_from=timezone.localdate() - dt.timedelta(days=1),
            document_issuing_state="IRN",
            document_number="K9876543",
        ),
    )
    client = session_client(border_officer)
    url = reverse("backoffice:border_check")
    page = client.get(url)
    assert page.status_code == 200
    assert b'method="post"' in page.content
    response = client.post(url, _check_post(document_number="k 9876543"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-decision="refer"' in html and "usa-alert--error" in html
    assert 'role="status"' in html and "REFER" in html
    assert 'data-reason="entry_ban"' in html and "Migration Code, Art. 16" in html
    assert "not in the registry" in html
    entry = AuditEntry.objects.get(object_type="border.check")
    assert entry.actor == border_officer and entry.changes["decision"] == [None, "refer"]


def test_border_check_allows_a_clean_traveller_and_links_the_record(
    border_officer: Any,
    session_client: Callable[[Any], Client],
    person: Person,
    document: IdentityDocument,
) -> None:
    client = session_client(border_officer)
    url = reverse("backoffice:border_check")
    post = _check_post(
        document_number="751234567",
        document_issuing_state="RUS",
        family_name="Petrova",
        birth_date="1990-05-04",
    )
    response = client.post(url, post)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-decision="allow"' in html and "usa-alert--success" in html and "ALLOW" in html
    assert "data-reason=" not in html
    assert person.personal_number in html
    assert reverse("backoffice:person_detail", args=[person.pk]) in html
    # With htmx: the result region, and the fields out of band (no page around them).
    htmx = client.post(url, post, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert b"<html" not in htmx.content
    assert b'data-decision="allow"' in htmx.content
    assert b'id="border-check-fields" hx-swap-oob="true"' in htmx.content


def test_border_check_with_an_unknown_country_is_a_field_error(
    border_officer: Any, session_client: Callable[[Any], Client]
) -> None:
    client = session_client(border_officer)
    url = reverse("backoffice:border_check")
    response = client.post(url, _check_post(document_issuing_state="XYZ"))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_document_issuing_state_error"' in html
    assert 'href="#id_document_issuing_state"' in html
    assert "data-decision" not in html
    # The service's own checks land on their field too.
    bad = client.post(url, _check_post(document_number="AB#12"))
    assert bad.status_code == 422
    assert 'id="id_document_number_error"' in bad.content.decode()
    htmx = client.post(url, _check_post(document_issuing_state="XYZ"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200  # htmx swaps no 4xx answer: the errors come with 200
    assert b"data-error-summary" in htmx.content
    assert not AuditEntry.objects.filter(object_type="border.check").exists()


def test_officer_cannot_use_the_border_check(
    officer: Any, border_officer: Any, session_client: Callable[[Any], Client]
) -> None:
    client = session_client(officer)
    url = reverse("backoffice:border_check")
    assert client.get(url).status_code == 403
    assert client.post(url, _check_post()).status_code == 403
    assert not AuditEntry.objects.filter(object_type="border.check").exists()
    home = client.get(reverse("backoffice:home")).content.decode()
    assert f'href="{url}"' not in home
    border_home = session_client(border_officer).get(reverse("backoffice:home")).content.decode()
    assert f'href="{url}"' in border_home


def test_person_page_shows_stay_and_crossings(
    border_officer: Any, officer: Any, session_client: Callable[[Any], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from umis.border.services import border_events_ingest

    def arrive(event_id: str, days_ago: int, direction: str = "entry") -> Any:
        at = timezone.now() - dt.timedelta(days=days_ago)
        report = border_events_ingest(
            actor=border_officer,
            events=[
                {
                    "event_id": event_id,
                    "direction": direction,
                    "occurred_at": at.isoformat(),
                    "crossing_point": "AIR-GYD",
                    "document_number": "753000111",
                    "document_issuing_state": "RUS",
                    "family_name": "SMIRNOV",
                    "given_names": "OLEG",
                    "birth_date": "1979-09-09",
                    "sex": "M",
                    "nationality": "RUS",
                }
            ],
        )
        return report.results[0].person_id

    person_id = arrive("in-1", days_ago=5)
    client = session_client(officer)
    url = reverse("backoffice:person_detail", args=[person_id])
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert response.status_code == 200
    stays = response.content.decode().split('id="stays"', 1)[1].split("</section>", 1)[0]
    assert "Available in a later release" not in stays
    assert "In the country since" in stays
    assert "AIR-GYD" in stays and "Entry" in stays
    assert "Days used in the window" in stays
    # Two more crossings (one an exit while already out: flagged) cost no extra queries.
    arrive("out-1", days_ago=2, direction="exit")
    arrive("out-2", days_ago=1, direction="exit")
    with CaptureQueriesContext(connection) as three:
        again = client.get(url).content.decode()
    assert len(three.captured_queries) == len(one.captured_queries)
    stays = again.split('id="stays"', 1)[1].split("</section>", 1)[0]
    assert stays.count("AIR-GYD") == 3
    assert "Not in the country" in stays
    assert "Exit with no recorded entry" in stays and "usa-tag" in stays


# --- worklist of violations ------------------------------------------------------------------


def _violator(
    officer: Any,
    family_name: str,
    countries: tuple[str, ...],
    overstay_days: int | None,
    *,
    type: str = "overstay",
    status: str = "open",
) -> Any:
    from django.utils import timezone

    from umis.stays.models import Violation

    person = services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name=family_name,
            given_names="Test",
            sex="M",
            birth_date="1985-02-03",
            nationalities=[services.NationalityData(country=c) for c in countries],
        ),
    )
    today = timezone.localdate()
    facts: dict[str, Any] = {"legal_ref": "Migration Code, Art. 20"}
    if overstay_days is not None:
        facts.update(
            overstay_days=overstay_days,
            permitted_until=(today - dt.timedelta(days=overstay_days)).isoformat(),
            days_used=90 + overstay_days,
        )
    return Violation.objects.create(
        person=person,
        type=type,
        stay_start=today - dt.timedelta(days=100 + (overstay_days or 0)),
        facts=facts,
        status=status,
        detected_at=timezone.now(),
    )


def _rows(html: str) -> list[str]:
    """The person cells of the worklist table, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [row.split("</th>", 1)[0] for row in body.split("<tr")[1:]]


def test_violation_worklist_filters_by_nationality_and_minimum_days(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    long = _violator(officer, "Longstay", ("RUS",), 40)
    short = _violator(officer, "Shortstay", ("RUS", "GEO"), 3)
    other = _violator(officer, "Otherland", ("UKR",), 20)
    _violator(officer, "Closedcase", ("RUS",), 50, status="closed")
    _violator(officer, "Unregistered", ("RUS",), None, type="unregistered_stay")
    client = session_client(officer)
    url = reverse("backoffice:violation_worklist")

    default = client.get(url)
    assert default.status_code == 200
    rows = _rows(default.content.decode())
    # Open overstays only, longest first; each links to the person by number and name.
    assert len(rows) == 3
    assert "Longstay" in rows[0] and "Otherland" in rows[1] and "Shortstay" in rows[2]
    assert reverse("backoffice:person_detail", args=[long.person_id]) in rows[0]
    assert long.person.personal_number in rows[0]

    rus = _rows(client.get(url, {"nationality": "RUS"}).content.decode())
    assert len(rus) == 2 and "Longstay" in rus[0] and "Shortstay" in rus[1]
    geo = _rows(client.get(url, {"nationality": "GEO"}).content.decode())
    assert len(geo) == 1 and "Shortstay" in geo[0]
    at_least_20 = _rows(client.get(url, {"min_days": "20"}).content.decode())
    assert len(at_least_20) == 2
    assert all(short.person.personal_number not in r for r in at_least_20)
    both = _rows(client.get(url, {"nationality": "UKR", "min_days": "10"}).content.decode())
    assert len(both) == 1 and other.person.personal_number in both[0]
    closed = _rows(client.get(url, {"status": "closed"}).content.decode())
    assert len(closed) == 1 and "Closedcase" in closed[0]
    any_type = _rows(client.get(url, {"type": "", "status": ""}).content.decode())
    assert len(any_type) == 5 and "Unregistered" in any_type[-1]  # no days: last

    bad = client.get(url, {"min_days": "-1", "type": "nonsense"})
    assert bad.status_code == 422
    assert 'id="id_min_days_error"' in bad.content.decode()


def test_violation_worklist_is_paginated_with_its_filters(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    for i in range(52):
        _violator(officer, f"Paged{i:02d}", ("RUS",), 10 + i)
    client = session_client(officer)
    url = reverse("backoffice:violation_worklist")
    first = client.get(url, {"nationality": "RUS"}).content.decode()
    assert len(_rows(first)) == 50 and "Paged51" in _rows(first)[0]
    assert "page=2" in first and "nationality=RUS" in first
    second = client.get(url, {"nationality": "RUS", "page": "2"}).content.decode()
    assert [("Paged01" in r, "Paged00" in r) for r in _rows(second)] == [
        (True, False),
        (False, True),
    ]


def test_violation_worklist_csv_export_is_audited(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    import csv

    long = _violator(officer, "Longstay", ("RUS", "GEO"), 40)
    _violator(officer, "Shortstay", ("RUS",), 3)
    _violator(officer, "Otherland", ("UKR",), 20)
    client = session_client(officer)
    page = client.get(reverse("backoffice:violation_worklist"), {"nationality": "RUS"})
    csv_url = reverse("backoffice:violation_worklist_csv")
    assert f"{csv_url}?" in page.content.decode()

    response = client.get(csv_url, {"nationality": "RUS", "min_days": "5"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "personal_number",
        "family_name",
        "given_names",
        "birth_date",
        "nationalities",
        "type",
        "stay_start",
        "overstay_days",
        "permitted_until",
        "detected_at",
        "status",
    ]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["personal_number"] == long.person.personal_number
    assert row["family_name"] == "Longstay" and row["given_names"] == "Test"
    assert row["birth_date"] == "1985-02-03"
    assert set(row["nationalities"].split()) == {"RUS", "GEO"}
    assert (row["type"], row["status"], row["overstay_days"]) == ("overstay", "open", "40")
    assert row["stay_start"] == long.stay_start.isoformat()
    assert row["permitted_until"] == long.facts["permitted_until"]

    entry = AuditEntry.objects.get(object_type="stays.violation_export")
    assert entry.actor == officer and entry.action == AuditAction.VIEW
    assert entry.purpose == "worklist export"
    assert entry.changes["rows"] == [None, 1]
    filters = entry.changes["filters"][1]
    assert filters["nationality"] == "RUS" and filters["min_days"] == 5
    assert filters["type"] == "overstay" and filters["status"] == "open"

    everything = client.get(csv_url)
    assert len(b"".join(everything.streaming_content).decode("utf-8-sig").splitlines()) == 4
    assert AuditEntry.objects.filter(object_type="stays.violation_export").count() == 2


def test_violation_worklist_is_for_border_officers_too_not_for_analysts(
    officer: Any,
    make_staff: Callable[..., Any],
    session_client: Callable[[Any], Client],
) -> None:
    violation = _violator(officer, "Longstay", ("RUS",), 40)
    url = reverse("backoffice:violation_worklist")
    csv_url = reverse("backoffice:violation_worklist_csv")
    border = session_client(make_staff("border_officer"))
    page = border.get(url)
    assert page.status_code == 200
    assert violation.person.personal_number in page.content.decode()
    assert border.get(csv_url).status_code == 200
    border_home = border.get(reverse("backoffice:home")).content.decode()
    assert f'href="{url}"' in border_home and "Worklists" in border_home

    analyst = session_client(make_staff("analyst"))
    assert analyst.get(url).status_code == 403
    assert analyst.get(csv_url).status_code == 403
    assert f'href="{url}"' not in analyst.get(reverse("backoffice:home")).content.decode()
    assert AuditEntry.objects.filter(object_type="stays.violation_export").count() == 1


def test_violation_worklist_query_count_does_not_grow_with_the_rows(
    officer: Any, session_client: Callable[[Any], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = session_client(officer)
    url = reverse("backoffice:violation_worklist")

    def count(expected_rows: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert len(_rows(response.content.decode())) == expected_rows
        return len(ctx.captured_queries)

    for i in range(2):
        _violator(officer, f"Few{i}", ("RUS", "GEO"), 10 + i)
    few = count(2)
    for i in range(8):
        _violator(officer, f"Many{i}", ("UKR", "TUR"), 30 + i)
    assert count(10) == few
