"""/api/v1/organisations: hosts (hotels, landlords) and employers, identified by VÖEN."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.permissions import Perm
from umis.core.schemas import SafeStr, errors
from umis.registry import selectors, services
from umis.registry.models import Organisation
from umis.registry.schemas import OrganisationIn, OrganisationOut, OrganisationPageOut

router = Router(tags=["organisations"], auth=STAFF_AUTH)
READ, WRITE = TokenScope.PERSONS_READ.value, TokenScope.PERSONS_WRITE.value


def _out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=o.pk,
        tax_number=o.tax_number,
        name=o.name,
        category=o.category,
        is_host=o.is_host,
        is_employer=o.is_employer,
        region=o.region.code if o.region else None,
        city=o.city.code if o.city else None,
        street=o.street,
        phone=o.phone,
        email=o.email,
    )


def _data(payload: OrganisationIn) -> services.OrganisationData:
    return services.OrganisationData(**payload.model_dump())


class OrganisationQuery(Schema):
    q: SafeStr = Field("", max_length=300, description="VÖEN (exact) or part of the name")
    role: Literal["", "host", "employer"] = ""
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(25, ge=1, le=100)


@router.get(
    "/organisations",
    response={200: OrganisationPageOut, **errors()},
    summary="Find hosts and employers",
    openapi_extra=needs(Perm.ORGANISATION_VIEW),
)
def organisation_list(request: HttpRequest, filters: Query[OrganisationQuery]) -> Any:
    require_scope(request, READ)
    page = selectors.organisation_search(
        actor=actor_of(request),
        query=filters.q,
        role=filters.role,
        page=filters.page,
        page_size=filters.page_size,
    )
    return OrganisationPageOut(
        items=[_out(o) for o in page.items],
        count=page.count,
        page=page.page,
        page_size=page.page_size,
    )


@router.post(
    "/organisations",
    response={201: OrganisationOut, **errors(409)},
    summary="Register a host or employer (VÖEN validated)",
    openapi_extra=needs(Perm.ORGANISATION_MANAGE),
)
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Any:
    require_scope(request, WRITE)
    org = services.organisation_create(actor=actor_of(request), data=_data(payload))
    return Status(201, _out(org))


@router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **errors(404)},
    summary="A host or employer",
    openapi_extra=needs(Perm.ORGANISATION_VIEW),
)
def organisation_read(request: HttpRequest, organisation_id: uuid.UUID) -> Any:
    require_scope(request, READ)
    return _out(
        selectors.organisation_get(actor=actor_of(request), organisation_id=organisation_id)
    )


@router.put(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **errors(404)},
    summary="Replace a host's or employer's details (the VÖEN cannot change)",
    openapi_extra=needs(Perm.ORGANISATION_MANAGE),
)
def organisation_update(
    request: HttpRequest, organisation_id: uuid.UUID, payload: OrganisationIn
) -> Any:
    require_scope(request, WRITE)
    org = services.organisation_update(
        actor=actor_of(request), organisation_id=organisation_id, data=_data(payload)
    )
    return _out(org)
