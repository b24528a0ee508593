"""/api/v1: the caller (me), personal API tokens, the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from umis.core import selectors, tokens
from umis.core.api import STAFF_AUTH, StaffSession, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.permissions import Perm, require
from umis.core.schemas import SafeStr, errors

router = Router(tags=["core"], auth=STAFF_AUTH)


class MeOut(Schema):
    username: str
    role: str
    office: str | None
    scopes: list[str] | None = Field(description="null for a browser session (role decides)")


@router.get(
    "/me",
    response={200: MeOut, **errors()},
    summary="Who am I",
    openapi_extra=needs(Perm.BACKOFFICE_ACCESS),
)
def me(request: HttpRequest) -> Any:
    user = actor_of(request)
    require(user, Perm.BACKOFFICE_ACCESS)
    scopes = getattr(request, "api_scopes", None)
    return MeOut(
        username=user.username,
        role=user.role,
        office=user.office.code if user.office else None,
        scopes=sorted(scopes) if scopes is not None else None,
    )


class TokenIn(Schema):
    name: SafeStr = Field(min_length=1, max_length=100)
    scopes: list[TokenScope] = Field(min_length=1)
    expires_in_days: int = Field(90, ge=1, le=366)


class TokenOut(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Shown once; store it now")


def _token(t: Any, secret: str | None = None) -> dict[str, Any]:
    out = {
        k: getattr(t, k)
        for k in (
            "id",
            "name",
            "prefix",
            "scopes",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        )
    }
    if secret:
        out["secret"] = secret
    return out


@router.get(
    "/tokens",
    response={200: list[TokenOut], **errors()},
    auth=[StaffSession()],
    summary="My personal API tokens",
    openapi_extra=needs(Perm.TOKEN_MANAGE),
)
def token_list(request: HttpRequest) -> Any:
    return [_token(t) for t in tokens.token_list(actor=actor_of(request))]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **errors(422)},
    auth=[StaffSession()],
    summary="Create a personal API token (browser session only)",
    openapi_extra=needs(Perm.TOKEN_MANAGE),
)
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    token, secret = tokens.token_create(
        actor=actor_of(request),
        name=payload.name,
        scopes=[s.value for s in payload.scopes],
        expires_in_days=payload.expires_in_days,
    )
    return Status(201, _token(token, secret))


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **errors(404)},
    summary="Revoke a token (a token may revoke itself)",
    openapi_extra=needs(Perm.TOKEN_MANAGE),
)
def token_revoke(request: HttpRequest, token_id: uuid.UUID) -> Any:
    return _token(tokens.token_revoke(actor=actor_of(request), token_id=token_id))


class AuditQuery(Schema):
    actor: SafeStr = Field("", max_length=150)
    action: SafeStr = Field("", max_length=30)
    object_id: SafeStr = Field("", max_length=64)
    person_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=100)


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    actor_kind: str
    action: str
    object_type: str
    object_id: str
    person_id: uuid.UUID | None
    changes: dict[str, Any]
    purpose: str
    ip: str | None
    request_id: str
    hash: str


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    count: int
    page: int
    page_size: int


@router.get(
    "/audit",
    response={200: AuditPageOut, **errors(422)},
    summary="Search the audit log (administrators)",
    openapi_extra=needs(Perm.AUDIT_SEARCH),
)
def audit_list(request: HttpRequest, q: Query[AuditQuery]) -> Any:
    require_scope(request, TokenScope.AUDIT_READ.value)
    page = selectors.audit_search(
        actor=actor_of(request),
        actor_label=q.actor,
        action=q.action,
        object_id=q.object_id,
        person_id=q.person_id,
        date_from=q.date_from,
        date_to=q.date_to,
        page=q.page,
        page_size=q.page_size,
    )
    items = [
        AuditEntryOut(
            id=e.id,
            at=e.at,
            actor=e.actor_label,
            actor_kind=e.actor_kind,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            person_id=e.person_id,
            changes=e.changes,
            purpose=e.purpose,
            ip=e.ip,
            request_id=e.request_id,
            hash=e.hash,
        )
        for e in page.items
    ]
    return AuditPageOut(items=items, count=page.count, page=page.page, page_size=page.page_size)
