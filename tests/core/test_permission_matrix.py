"""Every API operation and every back-office page, for every role: allowed exactly when
core.permissions.MATRIX says so. New operations must declare their permission
(`openapi_extra=needs(Perm.X)`), new pages must be listed in PAGES."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from PIL import Image

from umis.core.constants import Role
from umis.core.permissions import MATRIX, Perm

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    from umis.api import api

    schema = api.get_openapi_schema()
    return [
        (path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()
    ]


OPERATIONS = _operations()

ZERO = "00000000-0000-0000-0000-000000000000"
BODIES: dict[str, dict[str, Any]] = {
    "case_action": {"action": "start_review", "expected_version": 1},
    "case_reassign": {"officer_id": "", "reason": "Leave", "expected_version": 1},
    "payment_record": {"receipt_number": "MATRIX-1"},
    "permit_revoke": {"reason": "Matrix"},
    "person_create": {
        "family_name": "Matrix",
        "sex": "F",
        "birth_date": "1991",
        "nationalities": [{"country": "UKR"}],
    },
    "person_update": {"version": 1, "email": "matrix@example.az"},
    "document_add": {"document_type": "passport", "number": "MX0000001", "issuing_state": "UKR"},
    "document_flag": {"status": "lost", "reason": "matrix test"},
    "mrz_parse": {
        "mrz": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    },
    "address_set": {"region": "", "city": "", "street": "Nizami küç. 1"},
    "nationality_add": {"country": "XXA"},
    "name_add": {"script": "Cyrl", "family_name": "Матрикс"},
    "token_create": {"name": "matrix", "scopes": ["persons:read"]},
    "border_events": {
        "events": [
            {
                "event_id": "MX-1",
                "direction": "entry",
                "occurred_at": "2026-11-01T08:00:00+04:00",
                "crossing_point": "AIR-GYD",
                "document_number": "MX7654321",
                "document_issuing_state": "UKR",
                "family_name": "MATRIX",
                "birth_date": "1990-01-01",
                "sex": "F",
                "nationality": "UKR",
            }
        ]
    },
    "border_check": {
        "direction": "entry",
        "document_number": "TG1234567",
        "document_issuing_state": "GEO",
    },
    "registrations_batch": {
        "items": [
            {
                "person_id": "",
                "region": "baku",
                "city": "baku",
                "street": "Nizami küç. 1",
                "arrival_date": "2026-11-01",
            }
        ]
    },
    "registration_end": {},
    "entry_ban_create": {
        "document_issuing_state": "IRN",
        "document_number": "MX1",
        "legal_basis": "Migration Code",
        "authority": "SMS",
        "valid_from": "2026-01-01",
    },
    "entry_ban_lift": {"reason": "matrix"},
    "entry_ban_batch": {
        "bans": [
            {
                "document_issuing_state": "IRN",
                "document_number": "MX3",
                "legal_ground": "undesirable",
                "authority": "SMS",
                "valid_from": "2026-01-01",
            }
        ]
    },
    "invalid_document_remove": {"issuing_state": "UKR", "number": "MX404", "reason": "matrix"},
    "stay_visas_record": {
        "source": "matrix",
        "visas": [{"kind": "e_visa", "number": "MXEV1", "valid_from": "2026-10-01"}],
    },
    "stay_visa_revoke": {"reason": "matrix"},
    "stay_permit_record": {
        "person_id": "",
        "kind": "residence_temporary",
        "number": "MXTRP1",
        "valid_from": "2026-01-01",
    },
    "stay_permit_end": {"ended_on": "2026-12-31", "reason": "matrix"},
    "stay_permit_revoke": {"reason": "matrix"},
    "invalid_documents": {
        "source": "matrix",
        "documents": [{"issuing_state": "UKR", "number": "MX2", "reason": "lost"}],
    },
    "organisation_create": {
        "tax_number": "1400057421",
        "name": "Matrix Hotel",
        "category": "hotel",
        "is_host": True,
    },
    "duplicate_dismiss": {"note": "matrix"},
    "merge_create": {"survivor_id": ZERO, "absorbed_id": ZERO[:-1] + "1", "reason": "matrix"},
    "merge_reject": {"reason": "matrix"},
    "merge_unmerge": {"reason": "matrix"},
    "organisation_update": {
        "tax_number": "",
        "name": "Matrix Employer LLC",
        "category": "company",
        "is_employer": True,
    },
}


def test_every_operation_declares_a_known_permission() -> None:
    for path, method, op in OPERATIONS:
        assert "x-umis-permission" in op, f"{method.upper()} {path} declares no permission"
        Perm(op["x-umis-permission"])


@pytest.fixture
def world(officer: Any) -> dict[str, Any]:
    from umis.core.models import City
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
            family_name="Target", sex="M", birth_date="1980", nationalities=[NationalityData("GEO")]
        ),
    )
    doc = document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number="TG1234567", issuing_state="GEO"),
    )
    city = City.objects.select_related("region").first()
    BODIES["address_set"].update(region=city.region.code, city=city.code)
    from umis.registry.services import OrganisationData, organisation_create

    organisation = organisation_create(
        actor=officer,
        data=OrganisationData(
            tax_number="4299390861", name="Target Hotel", category="hotel", is_host=True
        ),
    )
    from umis.border.models import EntryBan

    ban = EntryBan.objects.create(
        document_issuing_state="GEO",
        document_number="B1",
        legal_basis="test",
        authority="test",
        valid_from=dt.date(2026, 1, 1),
    )
    from umis.stays.registrations import RegistrationData, registration_create

    registration = registration_create(
        actor=officer,
        data=RegistrationData(
            person_id=person.pk,
            region="baku",
            city="baku",
            street="Nizami 1",
            arrival_date=dt.date(2026, 11, 1),
        ),
    )
    BODIES["registrations_batch"]["items"][0]["person_id"] = str(person.pk)
    from umis.stays.models import PermitPeriod, Visa

    visa = Visa.objects.create(
        person=person,
        kind="visa",
        number="MXV1",
        entries="single",
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 3, 31),
    )
    permit = PermitPeriod.objects.create(
        person=person, kind="residence_temporary", number="MXP1", valid_from=dt.date(2026, 1, 1)
    )
    BODIES["stay_visas_record"]["visas"][0]["person_id"] = str(person.pk)
    BODIES["stay_permit_record"]["person_id"] = str(person.pk)
    from umis.cases.services import CaseRequest, case_open

    case = case_open(
        actor=officer,
        request=CaseRequest(
            service="card_replacement", person=person, fee_tier="trp_card", office=officer.office
        ),
    )
    BODIES["case_reassign"]["officer_id"] = str(officer.pk)
    return {
        "case": case,
        "order": case.payment_orders.get(),
        "person": person,
        "document": doc,
        "organisation": organisation,
        "ban": ban,
        "registration": registration,
        "visa": visa,
        "permit": permit,
    }


def _photo() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (200, 260), (10, 20, 30)).save(buf, "PNG")
    buf.seek(0)
    buf.name = "face.png"
    return buf


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("path", "method", "op"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS]
)
def test_api_operation_by_role(
    role: str,
    path: str,
    method: str,
    op: dict[str, Any],
    world: dict[str, Any],
    make_staff: Any,
    session_client: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    from umis.core.tokens import token_create

    settings.MEDIA_ROOT = tmp_path
    user = make_staff(role)
    client = session_client(user)
    if role == Role.OFFICER:  # only the assignee works a case (an object rule, not a role's)
        type(world["case"]).objects.filter(pk=world["case"].pk).update(assignee=user)
    token_id = ""
    if "{token_id}" in path:
        token_id = (
            str(token_create(actor=user, name="own", scopes=["persons:read"])[0].pk)
            if role in MATRIX[Perm.TOKEN_MANAGE]
            else "00000000-0000-0000-0000-000000000000"
        )
    url = path.format(
        person_id=world["person"].pk,
        document_id=world["document"].pk,
        token_id=token_id,
        organisation_id=world["organisation"].pk,
        ban_id=world["ban"].pk,
        registration_id=world["registration"].pk,
        visa_id=world["visa"].pk,
        permit_id=world["permit"].pk,
        case_id=world["case"].pk,
        order_id=world["order"].pk,
        token="U1.k.e30.AA",
        candidate_id=ZERO,
        merge_id=ZERO,
    )
    op_id = (
        op["operationId"].split("_", 2)[-1]
        if op["operationId"].startswith("umis_")
        else op["operationId"]
    )
    name = next(
        (k for k in ("case_document_add", *BODIES, "photo_upload") if op_id.endswith(k)), ""
    )
    if name == "photo_upload":
        response = client.post(url, {"photo": _photo()})
    elif name == "case_document_add":
        pdf = io.BytesIO(b"%PDF-1.4 matrix")
        pdf.name = "form.pdf"
        response = client.post(url, {"code": "application_form", "file": pdf})
    elif method in {"post", "patch", "put"}:
        response = client.generic(
            method.upper(), url, json.dumps(BODIES.get(name, {})), content_type="application/json"
        )
    else:
        response = client.get(url)
    allowed = Role(role) in MATRIX[Perm(op["x-umis-permission"])]
    if allowed:
        assert response.status_code not in {401, 403}, (role, url, response.content)
        assert response.status_code < 500
    else:
        assert response.status_code == 403, (role, url, response.status_code)


# --- back-office pages ---------------------------------------------------------------

PAGES: dict[str, Perm] = {
    "home": Perm.BACKOFFICE_ACCESS,
    "person_search": Perm.PERSON_SEARCH,
    "person_create": Perm.PERSON_CREATE,
    "person_detail": Perm.PERSON_VIEW,
    "person_edit": Perm.PERSON_UPDATE,
    "address_change": Perm.PERSON_UPDATE,
    "name_add": Perm.PERSON_UPDATE,
    "nationality_add": Perm.PERSON_UPDATE,
    "nationality_end": Perm.PERSON_UPDATE,
    "document_add": Perm.PERSON_UPDATE,
    "document_prefill": Perm.PERSON_UPDATE,
    "document_flag": Perm.DOCUMENT_FLAG,
    "photo_upload": Perm.PERSON_UPDATE,
    "photo": Perm.PERSON_VIEW,
    "organisation_search": Perm.ORGANISATION_VIEW,
    "organisation_create": Perm.ORGANISATION_MANAGE,
    "organisation_detail": Perm.ORGANISATION_VIEW,
    "organisation_edit": Perm.ORGANISATION_MANAGE,
    "border_check": Perm.BORDER_CHECK,
    "violation_worklist": Perm.PERSON_SEARCH,
    "violation_worklist_csv": Perm.PERSON_SEARCH,
    "audit_search": Perm.AUDIT_SEARCH,
    "tokens": Perm.TOKEN_MANAGE,
    "token_revoke": Perm.TOKEN_MANAGE,
    "registration_create": Perm.REGISTRATION_MANAGE,
    "registration_end": Perm.REGISTRATION_MANAGE,
    "host_access_grant": Perm.ORGANISATION_MANAGE,
    "host_access_revoke": Perm.ORGANISATION_MANAGE,
    "entry_ban_list": Perm.WATCHLIST_VIEW,
    "entry_ban_create": Perm.WATCHLIST_MANAGE,
    "entry_ban_import": Perm.WATCHLIST_MANAGE,
    "entry_ban_detail": Perm.WATCHLIST_VIEW,
    "entry_ban_lift": Perm.WATCHLIST_MANAGE,
    "invalid_document_list": Perm.WATCHLIST_VIEW,
    "invalid_document_add": Perm.WATCHLIST_MANAGE,
    "invalid_document_import": Perm.WATCHLIST_MANAGE,
    "invalid_document_remove": Perm.WATCHLIST_MANAGE,
    "stay_rights": Perm.STAY_RIGHTS_VIEW,
    "visa_add": Perm.STAY_RIGHTS_MANAGE,
    "visa_revoke": Perm.STAY_RIGHTS_MANAGE,
    "permit_period_add": Perm.STAY_RIGHTS_MANAGE,
    "permit_period_end": Perm.STAY_RIGHTS_MANAGE,
    "case_queue": Perm.CASE_WORK,
    "case_deadlines": Perm.CASE_SUPERVISE,
    "case_detail": Perm.CASE_WORK,
    "case_action": Perm.CASE_WORK,
    "case_checks": Perm.CASE_WORK,
    "case_payment": Perm.PAYMENT_RECORD,
    "case_document": Perm.CASE_WORK,
    "case_issued_pdf": Perm.CASE_WORK,
    "case_decision_pdf": Perm.CASE_WORK,
    "case_reassign": Perm.CASE_SUPERVISE,
    "case_permit_revoke": Perm.PERMIT_REVOKE,
    "duplicate_queue": Perm.PERSON_MERGE,
    "duplicate_compare": Perm.PERSON_MERGE,
    "merge_confirmations": Perm.CASE_SUPERVISE,
    "merge_confirm": Perm.CASE_SUPERVISE,
    "merge_reject": Perm.CASE_SUPERVISE,
    "merge_unmerge": Perm.PERSON_MERGE,
    "person_merges": Perm.PERSON_VIEW,
    "duplicate_report": Perm.PERSON_MERGE,
}


def test_every_back_office_page_is_in_the_matrix() -> None:
    from umis.backoffice.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(PAGES)


@pytest.fixture
def page_world(world: dict[str, Any], officer: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from umis.registry.services import photo_upload

    settings.MEDIA_ROOT = tmp_path
    photo = photo_upload(
        actor=officer,
        person_id=world["person"].pk,
        upload=SimpleUploadedFile("f.png", _photo().read(), "image/png"),
    )
    from umis.cases.services import Upload, case_document_add
    from umis.permits.models import IssuedDocument, Permit

    case = world["case"]
    case_document = case_document_add(
        actor=case.assignee, case_id=case.pk, upload=Upload("photos", "p.pdf", b"%PDF-1.4 x")
    )
    permit = Permit.objects.create(
        kind="work_permit",
        number=case.number,
        person=world["person"],
        case=case,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    issued = IssuedDocument.objects.create(
        kind="work_permit",
        number="W00000001",
        permit=permit,
        case=case,
        issued_on=dt.date(2026, 1, 1),
        kid="k",
        token="U1.k.e30.AA",
    )
    return {**world, "photo": photo, "case_document": case_document, "issued": issued}


def _identity_pair(world: dict[str, Any], officer: Any, params: Any) -> dict[str, Any]:
    """A duplicate candidate and a done merge of the world's person and a second one."""
    from umis.identity.models import PersonMerge
    from umis.identity.services import duplicate_candidate_propose
    from umis.registry.services import NationalityData, PersonData, person_create

    other = person_create(
        actor=officer,
        data=PersonData(
            family_name="Twin", sex="M", birth_date="1980", nationalities=[NationalityData("GEO")]
        ),
    )
    candidate = duplicate_candidate_propose(
        person_1=world["person"].pk, person_2=other.pk, score=0.9, evidence=[], origin="sweep"
    )
    merge = PersonMerge.objects.create(
        survivor=world["person"], absorbed=other, status="done", reason="x", requested_by=officer
    )
    ids = {"candidate_id": candidate.pk if candidate else None, "merge_id": merge.pk}
    return {k: v for k, v in ids.items() if k in params}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_back_office_page_by_role(
    role: str, name: str, page_world: dict[str, Any], make_staff: Any, session_client: Any
) -> None:
    from django.urls import reverse

    from umis.backoffice.urls import urlpatterns
    from umis.core.tokens import token_create

    user = make_staff(role)
    client = session_client(user)
    pattern = next(p for p in urlpatterns if p.name == name)
    kwargs: dict[str, Any] = {}
    params = pattern.pattern.converters  # type: ignore[attr-defined]
    if "person_id" in params:
        kwargs["person_id"] = page_world["person"].pk
    if "document_id" in params:
        kwargs["document_id"] = {
            "case_document": page_world["case_document"].pk,
            "case_issued_pdf": page_world["issued"].pk,
        }.get(name, page_world["document"].pk)
    if "case_id" in params:
        kwargs["case_id"] = page_world["case"].pk
    if "order_id" in params:
        kwargs["order_id"] = page_world["order"].pk
    if "photo_id" in params:
        kwargs["photo_id"] = page_world["photo"].pk
    if "organisation_id" in params:
        kwargs["organisation_id"] = page_world["organisation"].pk
    if "nationality_id" in params:
        kwargs["nationality_id"] = page_world["person"].nationalities.get().pk
    if "registration_id" in params:
        kwargs["registration_id"] = page_world["registration"].pk
    if "member_id" in params:
        from umis.registry.members import host_access_grant

        kwargs["member_id"] = host_access_grant(
            actor=make_staff("officer"),
            organisation_id=page_world["organisation"].pk,
            email="matrix.host@example.az",
        ).pk
    if "ban_id" in params:
        kwargs["ban_id"] = page_world["ban"].pk
    if "visa_id" in params:
        kwargs["visa_id"] = page_world["visa"].pk
    if "permit_id" in params:
        kwargs["permit_id"] = page_world["permit"].pk
    if "invalid_document_id" in params:
        from umis.border.models import InvalidDocument

        kwargs["invalid_document_id"] = InvalidDocument.objects.create(
            issuing_state="UKR", number="PG1", reason="lost", reported_on=dt.date(2026, 1, 1)
        ).pk
    if "candidate_id" in params or "merge_id" in params:
        kwargs.update(_identity_pair(page_world, make_staff("officer"), params))
    if "token_id" in params:
        kwargs["token_id"] = token_create(
            actor=make_staff("officer"), name="x", scopes=["persons:read"]
        )[0].pk
    if name == "case_decision_pdf":  # a letter exists once the case is decided
        from django.utils import timezone

        type(page_world["case"]).objects.filter(pk=page_world["case"].pk).update(
            status="refused", grounds=["permit_not_valid"], decided_at=timezone.now()
        )
    response = client.get(reverse(f"backoffice:{name}", kwargs=kwargs))
    if Role(role) in MATRIX[PAGES[name]]:
        assert response.status_code in {200, 302, 405}, (role, name, response.status_code)
        assert response.status_code != 302 or "/accounts/" not in response["Location"]
    else:
        assert response.status_code == 403, (role, name, response.status_code)


# --- the portal's host area: public accounts acting for a host organisation ------------

# Held through an active registry.OrganisationMember link (Perm.HOST_REGISTER), never a
# role: every staff role is refused, like a public account that acts for no host.
HOST_PAGES: dict[str, Perm] = {
    "host_home": Perm.HOST_REGISTER,
    "host_guests": Perm.HOST_REGISTER,
    "host_register": Perm.HOST_REGISTER,
    "host_upload": Perm.HOST_REGISTER,
    "host_deregister": Perm.HOST_REGISTER,
    "host_csv_template": Perm.HOST_REGISTER,
    "host_tokens": Perm.HOST_REGISTER,
    "host_token_revoke": Perm.HOST_REGISTER,
}


def test_every_host_page_is_in_the_matrix() -> None:
    from umis.portal.urls import urlpatterns

    assert {p.name for p in urlpatterns if p.name.startswith("host_")} == set(HOST_PAGES)
    assert MATRIX[Perm.HOST_REGISTER] == frozenset()


def _host_account(organisation: Any, officer: Any, email: str) -> Any:
    from umis.registry.members import host_access_grant

    return host_access_grant(actor=officer, organisation_id=organisation.pk, email=email).user


def _host_url(name: str, world: dict[str, Any], user: Any) -> tuple[str, bool]:
    """The page's URL and whether it is about one organisation."""
    from django.urls import reverse

    from umis.core.tokens import token_create
    from umis.portal.urls import urlpatterns

    pattern = next(p for p in urlpatterns if p.name == name)
    params = pattern.pattern.converters  # type: ignore[attr-defined]
    kwargs: dict[str, Any] = {}
    if "organisation_id" in params:
        kwargs["organisation_id"] = world["organisation"].pk
    if "registration_id" in params:
        kwargs["registration_id"] = world["registration"].pk
    if "token_id" in params:
        kwargs["token_id"] = token_create(actor=user, name="x", scopes=["registrations:write"])[
            0
        ].pk
    return reverse(f"portal:{name}", kwargs=kwargs), "organisation_id" in kwargs


@pytest.mark.parametrize("who", [*ROLES, "member", "other_host", "anonymous"])
@pytest.mark.parametrize("name", sorted(HOST_PAGES))
def test_host_page_by_audience(
    who: str,
    name: str,
    world: dict[str, Any],
    officer: Any,
    make_staff: Any,
    session_client: Any,
    client: Any,
) -> None:
    from umis.registry.services import OrganisationData, organisation_create

    member = _host_account(world["organisation"], officer, "member@example.az")
    other = organisation_create(
        actor=officer,
        data=OrganisationData(
            tax_number="1400057421", name="Other Hotel", category="hotel", is_host=True
        ),
    )
    other_host = _host_account(other, officer, "other@example.az")
    user = {"member": member, "other_host": other_host, "anonymous": None}.get(who)
    if who in ROLES:
        user = make_staff(who)
    url, one_organisation = _host_url(name, world, member)
    response = (session_client(user) if user is not None else client).get(url)
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who == "member" or (who == "other_host" and not one_organisation):
        # Pages about no organisation in particular are open to every host account
        # (a GET of a POST-only page: 405; revoking another's token: tokens refuse it).
        assert response.status_code in {200, 302, 405}, (who, name, response.status_code)
    else:
        assert response.status_code == 403, (who, name, response.status_code)


def test_host_token_registers_only_for_its_own_host(
    world: dict[str, Any], officer: Any, token_client: Any
) -> None:
    from umis.registry.services import OrganisationData, organisation_create

    member = _host_account(world["organisation"], officer, "api.host@example.az")
    other = organisation_create(
        actor=officer,
        data=OrganisationData(
            tax_number="1400057421", name="Other Hotel", category="hotel", is_host=True
        ),
    )
    item = {
        "document_number": "HX1234567",
        "document_issuing_state": "DEU",
        "family_name": "MATRIX",
        "birth_date": "1990-01-01",
        "sex": "F",
        "nationality": "DEU",
        "arrival_date": "2026-11-01",
        "region": "baku",
        "city": "baku",
        "street": "Nizami 2",
    }
    api = token_client(member, scopes=["registrations:write"])
    own = api.post(
        "/api/v1/stays/registrations", {"items": [item]}, content_type="application/json"
    )
    assert own.status_code == 200 and own.json()["results"][0]["status"] == "created"
    assert own.json()["host_id"] == str(world["organisation"].pk)
    foreign = api.post(
        "/api/v1/stays/registrations",
        {"host_id": str(other.pk), "items": [item]},
        content_type="application/json",
    )
    assert foreign.status_code == 403
    by_id = api.post(
        "/api/v1/stays/registrations",
        {"items": [{**item, "person_id": str(world["person"].pk)}]},
        content_type="application/json",
    )
    assert by_id.json()["results"][0]["errors"][0]["field"] == "items.0.person_id"
    # Everything else is closed to a host, whatever the token's scopes.
    for path in ("/api/v1/persons", f"/api/v1/persons/{world['person'].pk}"):
        assert api.get(path).status_code == 403
    ended = api.post(
        f"/api/v1/stays/registrations/{world['registration'].pk}/end",
        {},
        content_type="application/json",
    )
    assert ended.status_code == 403  # a self-registration, not this host's


@pytest.mark.parametrize(
    "path", ["/office/", "/office/persons/", "/apply/trp/", "/my/applications/"]
)
def test_anonymous_is_sent_to_sign_in(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_without_second_factor_must_enrol_first(make_staff: Any, session_client: Any) -> None:
    user = make_staff("officer", mfa=False)
    response = session_client(user).get("/office/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate" in response["Location"]
    api = session_client(user).get("/api/v1/persons")
    assert api.status_code == 401


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/apply/", "/track/", "/verify/", "/verify/U1.k.e30.AA/"]
)
def test_public_pages_are_open(client: Any, reference: None, path: str) -> None:
    assert client.get(path).status_code == 200


# --- the portal's applications: any signed-in public account (Perm.CASE_APPLY) ----------

APPLICANT_PAGES = ["/apply/trp/", "/my/applications/"]


@pytest.mark.parametrize("path", APPLICANT_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_staff_do_not_apply_in_the_portal(
    path: str, role: str, make_staff: Any, session_client: Any
) -> None:
    assert session_client(make_staff(role)).get(path).status_code == 403


@pytest.mark.parametrize("path", APPLICANT_PAGES)
def test_public_accounts_apply(path: str, reference: None, session_client: Any) -> None:
    from umis.core.models import User

    user = User.objects.create_user(username="someone", password="x-Secret-2026!")
    assert Perm.CASE_APPLY not in {p for p, roles in MATRIX.items() if roles}
    assert session_client(user).get(path).status_code == 200
