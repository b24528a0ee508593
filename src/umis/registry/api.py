"""/api/v1/persons: parse, call a service or selector, shape the answer."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.permissions import Perm, require
from umis.core.schemas import SafeStr, errors
from umis.registry import selectors, services
from umis.registry.models import Address, IdentityDocument, Nationality, Person
from umis.registry.schemas import (
    AddressIn,
    AddressOut,
    DocumentFlagIn,
    DocumentIn,
    DocumentOut,
    HistoryEntryOut,
    MatchedOut,
    MrzIn,
    MrzOut,
    NameIn,
    NameOut,
    NationalityIn,
    NationalityOut,
    PersonIn,
    PersonOut,
    PersonPageOut,
    PersonPatch,
    PersonSearchHitOut,
    PersonSearchOut,
    PersonSummaryOut,
    PhotoOut,
)

router = Router(tags=["persons"], auth=STAFF_AUTH)
READ, WRITE = TokenScope.PERSONS_READ.value, TokenScope.PERSONS_WRITE.value


def _purpose(request: HttpRequest) -> str:
    return request.headers.get("X-UMIS-Purpose", "")[:200] or "api"


def _summary(p: Person) -> PersonSummaryOut:
    return PersonSummaryOut(
        id=p.pk,
        personal_number=p.personal_number,
        family_name=p.family_name,
        given_names=p.given_names,
        patronymic=p.patronymic,
        sex=p.sex,
        birth_date=p.birth_date_display,
        nationalities=[n.country_id for n in p.nationalities.all()],
        status=p.status,
    )


def _nat(n: Nationality) -> NationalityOut:
    return NationalityOut(
        id=n.pk, country=n.country_id, valid_from=n.valid_from, valid_to=n.valid_to
    )


def _addr(a: Address) -> AddressOut:
    return AddressOut(
        id=a.pk,
        region=a.region.code,
        city=a.city.code,
        street=a.street,
        valid_from=a.valid_from,
        valid_to=a.valid_to,
        is_current=a.is_current,
    )


def _doc(d: IdentityDocument) -> DocumentOut:
    return DocumentOut(
        id=d.pk,
        document_type=d.document_type_id,
        number=d.number,
        issuing_state=d.issuing_state_id,
        issue_date=d.issue_date,
        expiry_date=d.expiry_date,
        mrz=d.mrz,
        status=d.status,
        status_reason=d.status_reason,
    )


def _full(p: Person) -> PersonOut:
    return PersonOut(
        id=p.pk,
        personal_number=p.personal_number,
        family_name=p.family_name,
        given_names=p.given_names,
        patronymic=p.patronymic,
        sex=p.sex,
        birth_date=p.birth_date_display,
        place_of_birth=p.place_of_birth,
        birth_country=p.birth_country_id,
        nationalities=[_nat(n) for n in p.nationalities.all()],
        names=[
            NameOut(
                script=n.script,
                family_name=n.family_name,
                given_names=n.given_names,
                patronymic=n.patronymic,
                source=n.source,
            )
            for n in p.names.all()
        ],
        phone=p.phone,
        email=p.email,
        office=p.office.code if p.office else None,
        status=p.status,
        version=p.version,
        addresses=[_addr(a) for a in p.addresses.all()],
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def _reload(request: HttpRequest, person_id: uuid.UUID) -> PersonOut:
    return _full(
        selectors.person_get(
            actor=actor_of(request),
            person_id=person_id,
            purpose="api:after-write",
        )
    )


class PersonQuery(Schema):
    name: SafeStr = Field(
        "", max_length=150, description="Prefix of 'FAMILY GIVEN' (any case, diacritics ignored)"
    )
    birth_date: SafeStr = Field("", max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD")
    nationality: SafeStr = Field("", max_length=3)
    document_number: SafeStr = Field("", max_length=30)
    personal_number: SafeStr = Field("", max_length=7)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(25, ge=1, le=100)


@router.get(
    "/persons",
    response={200: PersonPageOut, **errors(422)},
    summary="List and filter persons",
    openapi_extra=needs(Perm.PERSON_SEARCH),
)
def person_list(request: HttpRequest, filters: Query[PersonQuery]) -> Any:
    require_scope(request, READ)
    page = selectors.person_search(
        actor=actor_of(request),
        filters=selectors.PersonFilters(
            name=filters.name,
            birth_date=filters.birth_date,
            nationality=filters.nationality,
            document_number=filters.document_number,
            personal_number=filters.personal_number,
        ),
        page=filters.page,
        page_size=filters.page_size,
    )
    return PersonPageOut(
        items=[_summary(p) for p in page.items],
        count=page.count,
        page=page.page,
        page_size=page.page_size,
    )


class PersonSearchQuery(Schema):
    name: SafeStr = Field(
        "",
        max_length=150,
        description="Family and given names in any order and any script "
        "(Гусейнов Рашад, RASHAD HUSEYNOV, Hüseynov, Rəşad)",
    )
    birth_date: SafeStr = Field(
        "", max_length=10, description="YYYY, YYYY-MM, YYYY-MM-DD or DD.MM.YYYY"
    )
    nationality: SafeStr = Field("", max_length=3, description="ISO 3166-1 alpha-3")
    document: SafeStr = Field("", max_length=30, description="Document number (exact)")
    limit: int = Field(10, ge=1, le=50)


@router.get(
    "/persons/search",
    response={200: PersonSearchOut, **errors(422)},
    summary="Find a person by name in any script and spelling, birth date, nationality or "
    "document, ranked by match probability with what matched (audited)",
    openapi_extra=needs(Perm.PERSON_SEARCH),
)
def person_search_ranked(request: HttpRequest, q: Query[PersonSearchQuery]) -> Any:
    require_scope(request, READ)
    # Imported here: identity builds on the registry, not the other way round.
    from umis.identity.search import person_search

    hits = person_search(
        actor=actor_of(request),
        name=q.name,
        birth_date=q.birth_date,
        nationality=q.nationality,
        document=q.document,
        limit=q.limit,
    )
    return PersonSearchOut(
        items=[
            PersonSearchHitOut(
                person=PersonSummaryOut(
                    id=h.person_id,
                    personal_number=h.personal_number,
                    family_name=h.family_name,
                    given_names=h.given_names,
                    patronymic=h.patronymic,
                    sex=h.sex,
                    birth_date=h.birth_date,
                    nationalities=h.nationalities,
                    status=h.status,
                ),
                score=h.score,
                matched=[MatchedOut(**m) for m in h.matched],
            )
            for h in hits
        ]
    )


@router.post(
    "/persons",
    response={201: PersonOut, **errors(409, 422)},
    summary="Register a person",
    openapi_extra=needs(Perm.PERSON_CREATE),
)
def person_create(request: HttpRequest, payload: PersonIn) -> Any:
    require_scope(request, WRITE)
    person = services.person_create(
        actor=actor_of(request),
        data=services.PersonData(
            family_name=payload.family_name,
            given_names=payload.given_names,
            patronymic=payload.patronymic,
            sex=payload.sex,
            birth_date=payload.birth_date,
            place_of_birth=payload.place_of_birth,
            birth_country=payload.birth_country,
            nationalities=[
                services.NationalityData(n.country, n.valid_from, n.valid_to)
                for n in payload.nationalities
            ],
            names=[
                services.NameData(n.script, n.family_name, n.given_names, n.patronymic, n.source)
                for n in payload.names
            ],
            phone=payload.phone,
            email=payload.email,
            address=services.AddressData(
                payload.address.region,
                payload.address.city,
                payload.address.street,
                payload.address.valid_from,
            )
            if payload.address
            else None,
        ),
    )
    return Status(201, _reload(request, person.pk))


@router.get(
    "/persons/{person_id}",
    response={200: PersonOut, **errors(404)},
    summary="Read a person's record (audited)",
    openapi_extra=needs(Perm.PERSON_VIEW),
)
def person_read(request: HttpRequest, person_id: uuid.UUID) -> Any:
    require_scope(request, READ)
    return _full(
        selectors.person_get(
            actor=actor_of(request),
            person_id=person_id,
            purpose=_purpose(request),
        )
    )


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, **errors(404, 409, 422)},
    summary="Change a person's fields (optimistic locking by version)",
    openapi_extra=needs(Perm.PERSON_UPDATE),
)
def person_update(request: HttpRequest, person_id: uuid.UUID, payload: PersonPatch) -> Any:
    require_scope(request, WRITE)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    changes = {k: v for k, v in changes.items() if v is not None}
    services.person_update(
        actor=actor_of(request),
        person_id=person_id,
        version=version,
        changes=changes,
    )
    return _reload(request, person_id)


@router.get(
    "/persons/{person_id}/documents",
    response={200: list[DocumentOut], **errors(404)},
    summary="A person's identity documents",
    openapi_extra=needs(Perm.PERSON_VIEW),
)
def document_list(request: HttpRequest, person_id: uuid.UUID) -> Any:
    require_scope(request, READ)
    return [
        _doc(d)
        for d in selectors.person_documents(
            actor=actor_of(request),
            person_id=person_id,
        )
    ]


@router.post(
    "/persons/{person_id}/documents",
    response={201: DocumentOut, **errors(404, 409, 422)},
    summary="Add an identity document (MRZ validated, prefills empty fields)",
    openapi_extra=needs(Perm.PERSON_UPDATE),
)
def document_add(request: HttpRequest, person_id: uuid.UUID, payload: DocumentIn) -> Any:
    require_scope(request, WRITE)
    doc = services.document_add(
        actor=actor_of(request),
        person_id=person_id,
        data=services.DocumentData(**payload.model_dump()),
    )
    return Status(201, _doc(doc))


@router.post(
    "/documents/{document_id}/flag",
    response={200: DocumentOut, **errors(404, 422)},
    summary="Flag a document lost, stolen or invalid (or valid again)",
    openapi_extra=needs(Perm.DOCUMENT_FLAG),
)
def document_flag(request: HttpRequest, document_id: uuid.UUID, payload: DocumentFlagIn) -> Any:
    require_scope(request, WRITE)
    return _doc(
        services.document_flag(
            actor=actor_of(request),
            document_id=document_id,
            status=payload.status,
            reason=payload.reason,
        )
    )


@router.post(
    "/mrz/parse",
    response={200: MrzOut, **errors(422)},
    summary="Validate an MRZ (all check digits) and read its fields",
    openapi_extra=needs(Perm.BACKOFFICE_ACCESS),
)
def mrz_parse(request: HttpRequest, payload: MrzIn) -> Any:
    require_scope(request, READ)
    require(actor_of(request), Perm.BACKOFFICE_ACCESS)
    return services.mrz_prefill(payload.mrz)


@router.post(
    "/persons/{person_id}/addresses",
    response={201: AddressOut, **errors(404, 422)},
    summary="Set the current address (the previous one is kept as history)",
    openapi_extra=needs(Perm.PERSON_UPDATE),
)
def address_set(request: HttpRequest, person_id: uuid.UUID, payload: AddressIn) -> Any:
    require_scope(request, WRITE)
    address = services.address_set(
        actor=actor_of(request),
        person_id=person_id,
        data=services.AddressData(payload.region, payload.city, payload.street, payload.valid_from),
    )
    return Status(201, _addr(address))


@router.post(
    "/persons/{person_id}/nationalities",
    response={201: NationalityOut, **errors(404, 422)},
    summary="Add a nationality",
    openapi_extra=needs(Perm.PERSON_UPDATE),
)
def nationality_add(request: HttpRequest, person_id: uuid.UUID, payload: NationalityIn) -> Any:
    require_scope(request, WRITE)
    nat = services.nationality_add(
        actor=actor_of(request),
        person_id=person_id,
        data=services.NationalityData(payload.country, payload.valid_from, payload.valid_to),
    )
    return Status(201, _nat(nat))


@router.post(
    "/persons/{person_id}/names",
    response={201: NameOut, **errors(404, 422)},
    summary="Add the name as written in another script or by another source",
    openapi_extra=needs(Perm.PERSON_UPDATE),
)
def name_add(request: HttpRequest, person_id: uuid.UUID, payload: NameIn) -> Any:
    require_scope(request, WRITE)
    n = services.person_name_add(
        actor=actor_of(request),
        person_id=person_id,
        data=services.NameData(
            payload.script,
            payload.family_name,
            payload.given_names,
            payload.patronymic,
            payload.source,
        ),
    )
    return Status(
        201,
        NameOut(
            script=n.script,
            family_name=n.family_name,
            given_names=n.given_names,
            patronymic=n.patronymic,
            source=n.source,
        ),
    )


@router.post(
    "/persons/{person_id}/photo",
    response={201: PhotoOut, **errors(404, 413, 422)},
    summary="Upload a photo (JPEG or PNG, content-checked, size-limited)",
    openapi_extra=needs(Perm.PERSON_UPDATE),
)
def photo_upload(request: HttpRequest, person_id: uuid.UUID, photo: File[UploadedFile]) -> Any:
    require_scope(request, WRITE)
    p = services.photo_upload(actor=actor_of(request), person_id=person_id, upload=photo)
    return Status(
        201,
        PhotoOut(
            id=p.pk,
            content_type=p.content_type,
            width=p.width,
            height=p.height,
            size=p.size,
            sha256=p.sha256,
        ),
    )


@router.get(
    "/persons/{person_id}/history",
    response={200: list[HistoryEntryOut], **errors(404)},
    summary="Changes to the record, newest first",
    openapi_extra=needs(Perm.PERSON_VIEW),
)
def person_history(request: HttpRequest, person_id: uuid.UUID) -> Any:
    require_scope(request, READ)
    return [
        HistoryEntryOut(
            id=e.id,
            at=e.at,
            actor=e.actor_label,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            changes=e.changes,
        )
        for e in selectors.person_history(actor=actor_of(request), person_id=person_id)
    ]
