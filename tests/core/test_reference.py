"""Reference data: the loader (idempotent, keeps administrators' edits unless --update),
the command, and audited edits in the Django admin."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from umis.core.constants import AuditAction, OfficeKind, Role
from umis.core.models import AuditEntry, City, Country, CrossingPoint, Office, Region, User
from umis.core.reference import DATA_DIR, reference_is_loaded, reference_load
from umis.registry.models import DocumentType

pytestmark = pytest.mark.django_db

TABLES = ("countries", "regions", "cities", "crossing_points", "offices", "document_types")


@pytest.fixture
def loaded() -> dict[str, int]:
    return reference_load()


def _reference_entries():
    return AuditEntry.objects.filter(action=AuditAction.REFERENCE_CHANGE)


def test_load_creates_rows(loaded):
    assert reference_is_loaded()
    assert Country.objects.filter(is_icao_special=False).count() >= 249
    for code in (
        "XXA",
        "XXB",
        "XXC",
        "XXX",
        "UNO",
        "UNA",
        "UNK",
        "EUE",
        "XOM",
        "XPO",
        "XCC",
        "RKS",
    ):
        assert Country.objects.get(alpha3=code).is_icao_special, code
    assert not Country.objects.filter(alpha3="D").exists()
    aze = Country.objects.get(alpha3="AZE")
    assert (aze.alpha2, aze.numeric, aze.name_az, aze.name_en) == (
        "AZ",
        "031",
        "Azərbaycan",
        "Azerbaijan",
    )
    assert Country.objects.get(alpha3="DEU").name_ru == "Германия"
    assert Country.objects.get(alpha3="IRN").name_en == "Iran"  # common_name preferred
    assert Region.objects.count() == 14
    assert City.objects.count() >= 60
    assert Office.objects.filter(kind=OfficeKind.HEADQUARTERS).count() == 1
    for kind in (OfficeKind.REGIONAL, OfficeKind.ONE_STOP_SHOP, OfficeKind.BORDER):
        assert Office.objects.filter(kind=kind).exists(), kind
    assert CrossingPoint.objects.get(code="AIR-GYD").kind == CrossingPoint.Kind.AIR
    assert CrossingPoint.objects.get(code="ROAD-RED-BRIDGE").neighbour_country_id == "GEO"
    passport = DocumentType.objects.get(code="passport")
    assert (passport.icao_codes, passport.mrz_layouts) == ("P", "TD3")
    assert DocumentType.objects.count() == 5
    assert loaded["countries_created"] == Country.objects.count()
    assert loaded["cities_created"] == City.objects.count()


def test_every_name_is_filled_in_three_languages(loaded):
    for model in (Country, Region, City, Office, CrossingPoint, DocumentType):
        for field in ("name_az", "name_en", "name_ru"):
            assert not model.objects.filter(**{field: ""}).exists(), (model, field)


def test_azerbaijani_names_use_azerbaijani_letters(loaded):
    assert Region.objects.get(code="ganja-dashkasan").name_az == "Gəncə-Daşkəsən"
    assert City.objects.get(code="shaki").name_az == "Şəki"
    assert City.objects.get(code="guba").name_az == "Quba"
    assert City.objects.get(code="imishli").name_az == "İmişli"


def test_every_city_office_and_crossing_has_a_known_region(loaded):
    cities = json.loads((DATA_DIR / "cities.json").read_text(encoding="utf-8"))
    regions = {r["code"] for r in json.loads((DATA_DIR / "regions.json").read_text("utf-8"))}
    assert {c["region"] for c in cities} == regions  # and every region has a city
    assert not City.objects.filter(region__isnull=True).exists()
    assert not Office.objects.filter(region__isnull=True).exists()
    assert set(Office.objects.values_list("region__code", flat=True)) <= regions
    assert set(CrossingPoint.objects.values_list("region__code", flat=True)) <= regions


def test_loading_twice_changes_nothing(loaded):
    before = {
        m: m.objects.count() for m in (Country, Region, City, Office, CrossingPoint, DocumentType)
    }
    entries = _reference_entries().count()
    again = reference_load()
    assert set(again.values()) == {0}
    assert {m: m.objects.count() for m in before} == before
    assert _reference_entries().count() == entries  # nothing changed, nothing audited


def test_load_writes_one_audit_entry():
    reference_load()
    entries = list(_reference_entries())
    assert len(entries) == 1
    entry = entries[0]
    assert entry.object_type == "reference"
    assert entry.actor_id is None
    assert entry.actor_kind == "system"
    assert entry.changes["regions_created"] == 14
    assert set(entry.changes) == {f"{t}_{s}" for t in TABLES for s in ("created", "updated")}


def test_update_false_keeps_an_edited_name_and_update_true_restores_it(loaded):
    Region.objects.filter(code="karabakh").update(name_en="Karabagh", is_active=False)
    counts = reference_load()
    assert set(counts.values()) == {0}
    assert Region.objects.get(code="karabakh").name_en == "Karabagh"

    counts = reference_load(update=True)
    region = Region.objects.get(code="karabakh")
    assert region.name_en == "Karabakh"
    assert region.is_active is False  # the administrators' switch is never overwritten
    assert counts["regions_updated"] == 1
    assert sum(counts.values()) == 1
    latest = _reference_entries().order_by("-id").first()
    assert latest.object_id == "update"
    assert latest.changes["regions_updated"] == 1


def test_update_restores_a_country_name(loaded):
    Country.objects.filter(alpha3="AZE").update(name_az="Azerbaycan")
    reference_load(update=True)
    assert Country.objects.get(alpha3="AZE").name_az == "Azərbaycan"


def test_load_recreates_a_missing_row(loaded):
    CrossingPoint.objects.filter(code="SEA-ALAT").delete()
    counts = reference_load()
    assert counts["crossing_points_created"] == 1
    assert CrossingPoint.objects.get(code="SEA-ALAT").region.code == "baku"


@pytest.mark.parametrize("name", ["load_reference", "load-reference"])
def test_command(name):
    out = io.StringIO()
    call_command(name, stdout=out)
    assert "regions: 14 created" in out.getvalue()
    out = io.StringIO()
    call_command(name, "--update", stdout=out)
    assert "already up to date" in out.getvalue()


# --- The admin ------------------------------------------------------------------------------


def _admin_client(user: User) -> Client:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def administrator(loaded) -> User:
    return User.objects.create_user(
        username="admin1",
        password="x" * 16,
        role=Role.ADMINISTRATOR,
        is_staff=True,
        office=Office.objects.get(code="HQ"),
    )


def test_admin_change_of_a_region_is_audited(administrator):
    client = _admin_client(administrator)
    region = Region.objects.get(code="mil-mugan")
    url = reverse("admin:core_region_change", args=[region.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name_az": region.name_az,
            "name_en": "Mil-Mughan",
            "name_ru": region.name_ru,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    region.refresh_from_db()
    assert region.name_en == "Mil-Mughan"
    entry = AuditEntry.objects.filter(object_type="core.region").get()
    assert entry.action == AuditAction.REFERENCE_CHANGE
    assert entry.object_id == str(region.pk)
    assert entry.actor_id == administrator.pk
    assert entry.changes == {"name_en": ["Mil-Mugan", "Mil-Mughan"]}


def test_admin_cannot_change_the_code_or_delete(administrator):
    client = _admin_client(administrator)
    region = Region.objects.get(code="baku")
    url = reverse("admin:core_region_change", args=[region.pk])
    client.post(
        url,
        {"code": "xyz", "name_az": "Bakı", "name_en": "Baku", "name_ru": "Баку", "is_active": "on"},
    )
    region.refresh_from_db()
    assert region.code == "baku"
    delete = client.get(reverse("admin:core_region_delete", args=[region.pk]))
    assert delete.status_code == 403


def test_admin_add_city_is_audited(administrator):
    client = _admin_client(administrator)
    region = Region.objects.get(code="absheron-khizi")
    response = client.post(
        reverse("admin:core_city_add"),
        {
            "code": "mashtaga",
            "region": region.pk,
            "name_az": "Maştağa",
            "name_en": "Mashtaga",
            "name_ru": "Маштага",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    city = City.objects.get(code="mashtaga")
    entry = AuditEntry.objects.get(object_type="core.city", object_id=str(city.pk))
    assert entry.changes["name_az"] == [None, "Maştağa"]
    assert entry.changes["region"] == [None, region.pk]


def test_audit_log_is_read_only_and_searchable(administrator):
    client = _admin_client(administrator)
    changelist = reverse("admin:core_auditentry_changelist")
    response = client.get(changelist, {"q": "system"})
    assert response.status_code == 200
    entry = _reference_entries().get()
    assert client.get(reverse("admin:core_auditentry_change", args=[entry.pk])).status_code == 200
    response = client.post(
        reverse("admin:core_auditentry_change", args=[entry.pk]), {"object_id": "tampered"}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:core_auditentry_delete", args=[entry.pk])).status_code == 403


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, ""])
def test_only_administrators_use_the_admin(loaded, role):
    user = User.objects.create_user(
        username="someone", password="x" * 16, role=role, is_staff=True, is_superuser=True
    )
    client = _admin_client(user)
    response = client.get(reverse("admin:core_region_changelist"))
    assert response.status_code in (302, 403)
    assert response.status_code != 200


def test_admin_login_goes_through_allauth():
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "model",
    [
        "core.country",
        "core.region",
        "core.city",
        "core.office",
        "core.crossingpoint",
        "core.user",
        "core.apitoken",
        "core.auditentry",
        "registry.documenttype",
        "registry.organisation",
    ],
)
def test_admin_pages_render(administrator, model):
    client = _admin_client(administrator)
    app, name = model.split(".")
    changelist = client.get(reverse(f"admin:{app}_{name}_changelist"), {"q": "a"})
    assert changelist.status_code == 200
    add = client.get(reverse(f"admin:{app}_{name}_add"))
    assert add.status_code == (403 if name in ("apitoken", "auditentry", "organisation") else 200)


def test_admin_user_changes_are_audited_without_the_password(administrator):
    client = _admin_client(administrator)
    office = Office.objects.get(code="REG-GANJA")
    response = client.post(
        reverse("admin:core_user_add"),
        {
            "username": "officer7",
            "usable_password": "true",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
            "role": Role.OFFICER,
            "office": office.pk,
            "is_staff": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    officer = User.objects.get(username="officer7")
    assert officer.check_password("a-long-pass-phrase-1")
    created = AuditEntry.objects.get(object_type="core.user", action=AuditAction.CREATE)
    assert created.changes["role"] == [None, "officer"]
    assert created.changes["office"] == [None, office.pk]
    assert "password" not in created.changes

    url = reverse("admin:core_user_change", args=[officer.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "username": "officer7",
            "first_name": "",
            "last_name": "",
            "email": "",
            "preferred_language": "",
            "role": Role.SUPERVISOR,
            "office": office.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    updated = AuditEntry.objects.get(object_type="core.user", action=AuditAction.UPDATE)
    assert updated.changes == {"role": ["officer", "supervisor"]}
