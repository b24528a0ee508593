"""/api/v1/cases: the case engine for back-office systems and scripts (staff session or
a personal token with ``cases:write``), and /api/v1/verify: the public check of an issued
document's QR token."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from umis.cases import selectors, services
from umis.cases.models import Case, CaseAction, PaymentOrder
from umis.core.api import STAFF_AUTH, actor_of, needs, require_scope
from umis.core.constants import TokenScope
from umis.core.errors import FieldError, PayloadTooLarge, ValidationFailed
from umis.core.permissions import Perm, require
from umis.core.schemas import MAX_OFFSET, SafeStr, errors

router = Router(tags=["cases"])


class PaymentOrderOut(Schema):
    id: uuid.UUID
    number: str = Field(description="The payment number the payer quotes (20 digits, Luhn)")
    amount: Decimal
    currency: str
    legal_ref: str
    status: str = Field(description="due | paid | cancelled")
    due_on: dt.date
    receipt_number: str
    paid_on: dt.date | None


class ActionOut(Schema):
    seq: int
    action: str
    from_status: str
    to_status: str
    actor_role: str
    grounds: list[str]
    note: str
    at: dt.datetime


class CaseOut(Schema):
    id: uuid.UUID
    number: str
    service: str
    status: str
    version: int = Field(description="Send it back as expected_version with the next action")
    person_id: uuid.UUID
    office_id: int
    assignee_id: uuid.UUID | None
    fee_tier: str
    variant: str
    submitted_on: dt.date
    working_days: int
    deadline: dt.date | None = Field(description="Empty while the clock is stopped")
    grounds: list[str]
    allowed_actions: list[str]
    documents_missing: list[str]
    checks: dict[str, Any]
    payment_orders: list[PaymentOrderOut]


class CaseDetailOut(CaseOut):
    history: list[ActionOut]


def _out(case: Case, actor: Any, *, history: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": case.pk,
        "number": case.number,
        "service": case.service,
        "status": case.status,
        "version": case.version,
        "person_id": case.person_id,
        "office_id": case.office_id,
        "assignee_id": case.assignee_id,
        "fee_tier": case.fee_tier,
        "variant": case.variant,
        "submitted_on": case.submitted_on,
        "working_days": case.working_days,
        "deadline": case.deadline,
        "grounds": list(case.grounds),
        "allowed_actions": list(services.allowed_actions(case, actor)),
        "documents_missing": services.documents_missing(case),
        "checks": case.data.get("checks", {}),
        "payment_orders": list(case.payment_orders.all()),
    }
    if history:
        body["history"] = list(CaseAction.objects.filter(case=case).order_by("seq"))
    return body


def _write(request: HttpRequest, perm: Perm) -> Any:
    """The actor of a write: the role's permission first (before any input is looked
    at), then the token's scope; the case's own rules follow in the service."""
    actor = actor_of(request)
    require(actor, perm)
    require_scope(request, TokenScope.CASES_WRITE)
    return actor


class CaseListItem(Schema):
    id: uuid.UUID
    number: str
    service: str
    status: str
    version: int
    assignee_id: uuid.UUID | None
    submitted_on: dt.date
    deadline: dt.date | None


class QueueQuery(Schema):
    queue: str = Field("mine", description=" | ".join(selectors.QUEUES))
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get(
    "/cases",
    auth=STAFF_AUTH,
    response={200: list[CaseListItem], **errors(404)},
    summary="A work queue: mine, office, due_soon, overdue, awaiting_confirmation",
    openapi_extra=needs(Perm.CASE_WORK),
)
def case_list(request: HttpRequest, q: Query[QueueQuery]) -> Any:
    qs = selectors.case_queue(actor=actor_of(request), queue=q.queue)
    return list(qs[q.offset : q.offset + q.limit])


@router.get(
    "/cases/{case_id}",
    auth=STAFF_AUTH,
    response={200: CaseDetailOut, **errors(404)},
    summary="One case with its allowed actions and history",
    openapi_extra=needs(Perm.CASE_WORK),
)
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> Any:
    actor = actor_of(request)
    return _out(selectors.case_get(actor=actor, case_id=case_id), actor, history=True)


class TransitionIn(Schema):
    action: SafeStr = Field(description="A workflow action, e.g. start_review, propose_refusal")
    expected_version: int = Field(ge=0, description="The version you read; stale: 409")
    grounds: list[SafeStr] = Field(
        default_factory=list, max_length=20, description="Refusal grounds (pack codes)"
    )
    note: SafeStr = Field("", max_length=2000)


@router.post(
    "/cases/{case_id}/actions",
    auth=STAFF_AUTH,
    response={200: CaseOut, **errors(404, 409)},
    summary="Fire a workflow action (Idempotency-Key header required)",
    description=(
        "Exactly one of two concurrent actions on a case wins; the other gets 409 "
        "`version_conflict` with the case's `status`, `version` and `allowed` actions. "
        "An illegal action is 409 `illegal_transition` listing `allowed`; an unpaid fee, "
        "missing documents or pending checks are 409 with that code; a refusal without "
        "grounds is 422. Retrying with the same `Idempotency-Key` answers the same."
    ),
    openapi_extra=needs(Perm.CASE_WORK),
)
def case_action(request: HttpRequest, case_id: uuid.UUID, body: TransitionIn) -> Any:
    actor = _write(request, Perm.CASE_WORK)
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ValidationFailed(
            [FieldError("Idempotency-Key", "required", _("Send an Idempotency-Key header."))]
        )
    case = services.case_transition(
        actor=actor,
        case_id=case_id,
        action=body.action,
        expected_version=body.expected_version,
        idempotency_key=key,
        grounds=body.grounds,
        note=body.note,
    )
    return _out(case, actor)


class ReassignIn(Schema):
    officer_id: uuid.UUID
    reason: SafeStr = Field(max_length=2000)
    expected_version: int = Field(ge=0)


@router.post(
    "/cases/{case_id}/reassign",
    auth=STAFF_AUTH,
    response={200: CaseOut, **errors(404, 409)},
    summary="Give a case to another officer of its office (supervisors, with a reason)",
    openapi_extra=needs(Perm.CASE_SUPERVISE),
)
def case_reassign(request: HttpRequest, case_id: uuid.UUID, body: ReassignIn) -> Any:
    actor = _write(request, Perm.CASE_SUPERVISE)
    case = services.case_reassign(
        actor=actor,
        case_id=case_id,
        officer_id=body.officer_id,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return _out(case, actor)


class PaymentIn(Schema):
    receipt_number: SafeStr = Field(max_length=60)
    paid_on: dt.date | None = None


@router.post(
    "/payment-orders/{order_id}/payment",
    auth=STAFF_AUTH,
    response={200: PaymentOrderOut, **errors(404, 409)},
    summary="Record that a payment order was paid, with the receipt number",
    openapi_extra=needs(Perm.PAYMENT_RECORD),
)
def payment_record(request: HttpRequest, order_id: uuid.UUID, body: PaymentIn) -> PaymentOrder:
    return services.payment_record(
        actor=_write(request, Perm.PAYMENT_RECORD),
        order_id=order_id,
        receipt_number=body.receipt_number,
        paid_on=body.paid_on,
    )


class DocumentOut(Schema):
    id: uuid.UUID
    code: str
    filename: str
    content_type: str
    size: int
    sha256: str


@router.post(
    "/cases/{case_id}/documents",
    auth=STAFF_AUTH,
    response={201: DocumentOut, **errors(404, 409, 413)},
    summary="Attach a document (PDF, JPEG or PNG) under a code of the service's list",
    openapi_extra=needs(Perm.CASE_WORK),
)
def case_document_add(
    request: HttpRequest,
    case_id: uuid.UUID,
    code: Form[str],
    file: File[UploadedFile],
) -> Any:
    actor = _write(request, Perm.CASE_WORK)
    limit = services.upload_limit()
    if file.size is not None and file.size > limit:
        raise PayloadTooLarge(f"documents.{code}", _("The file is too large."))
    doc = services.case_document_add(
        actor=actor,
        case_id=case_id,
        upload=services.Upload(str(code), file.name or "", file.read(limit + 1)),
    )
    return 201, doc


# --- public verification of issued documents -------------------------------------------------


class VerificationOut(Schema):
    status: str = Field(description="valid | expired | revoked | invalid")
    reason: str = Field(description="For invalid: malformed | unknown_key | bad_signature | ...")
    kind: str
    number: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    holder: str = Field(description="Surname and first initial only")
    issued_on: dt.date | None


class PublicKeyOut(Schema):
    kid: str
    algorithm: str = Field(description="Ed25519")
    public_key: str = Field(description="The raw 32-byte key, base64url without padding")
    status: str = Field(description="active | retired (still verifies) | revoked (does not)")
    activated_at: dt.datetime
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None


@router.get(
    "/verify/keys",
    auth=None,
    response={200: list[PublicKeyOut], **errors()},
    tags=["verify"],
    summary="The public keys that sign issued documents, for offline verification (public)",
    description=(
        "A token is `U1.<kid>.<payload>.<signature>` (base64url parts); the Ed25519 "
        "signature covers the ASCII text before the last dot. Verify it with the key of "
        "`kid`; a revoked key's signatures are not valid. Offline checks prove the card "
        "data; only the online check knows a later revocation of the card."
    ),
    openapi_extra=needs(Perm.PUBLIC),
)
def verify_keys(request: HttpRequest) -> Any:
    from umis.permits.keys import signing_key_list, signing_key_status

    return [
        {
            "kid": k.kid,
            "algorithm": k.algorithm,
            "public_key": k.public_key,
            "status": signing_key_status(k),
            "activated_at": k.activated_at,
            "retired_at": k.retired_at,
            "revoked_at": k.revoked_at,
        }
        for k in signing_key_list()
    ]


class RevokeIn(Schema):
    reason: SafeStr = Field(min_length=1, max_length=300)


class PermitOut(Schema):
    id: uuid.UUID
    kind: str
    number: str
    status: str
    valid_from: dt.date
    valid_to: dt.date | None
    revoke_reason: str


@router.post(
    "/permits/{permit_id}/revoke",
    auth=STAFF_AUTH,
    response={200: PermitOut, **errors(404)},
    tags=["permits"],
    summary="Revoke a permit (supervisors): its cards stop verifying, its stay period ends",
    openapi_extra=needs(Perm.PERMIT_REVOKE),
)
def permit_revoke(request: HttpRequest, permit_id: uuid.UUID, body: RevokeIn) -> Any:
    from umis.permits.services import permit_revoke as revoke

    return revoke(
        actor=_write(request, Perm.PERMIT_REVOKE), permit_id=permit_id, reason=body.reason
    )


@router.get(
    "/verify/{token}",
    auth=None,
    response={200: VerificationOut, **errors()},
    tags=["verify"],
    summary="Verify an issued card's QR token (public)",
    description=(
        "Checks the Ed25519 signature against the published keys (retired keys still "
        "verify, revoked ones do not) and the document's state. Answers no more personal "
        "data than the card shows: kind, number, validity and a masked name."
    ),
    openapi_extra=needs(Perm.PUBLIC),
)
def verify(request: HttpRequest, token: str) -> Any:
    from umis.permits.selectors import verify as verify_token

    return verify_token(token)
