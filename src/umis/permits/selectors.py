"""Reads of the permit services: what a form offers (from the pack), what a case issued,
and the public verification of a document's QR token."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from umis.cases.models import Case
from umis.core.policy import PolicyKeyError, Service, get_policy
from umis.permits.models import IssuedDocument, Permit
from umis.permits.services import APPLY_SERVICES

__all__ = [
    "APPLY_SERVICES",
    "ApplicationOptions",
    "Verification",
    "application_options",
    "case_issued_documents",
    "person_permits",
    "verify",
]


@dataclass(frozen=True)
class TierOption:
    code: str
    label: str
    working_days: int
    amounts: dict[str, Decimal]  # by term (variant); {"": amount} for a flat fee
    currency: str
    legal_ref: str


@dataclass(frozen=True)
class ApplicationOptions:
    service: Service
    tiers: list[TierOption]
    variants: list[str]
    grounds: list[tuple[str, str]]
    documents: list[tuple[str, str, bool]]
    reasons: list[str]


def application_options(service: str, *, language: str) -> ApplicationOptions:
    """What the application form for ``service`` offers, as the pack has it today."""
    pack = get_policy()
    today = timezone.localdate()
    svc = pack.service(service)
    tiers: list[TierOption] = []
    variants: list[str] = []
    for tier in svc.fee_tiers:
        rule = pack.rule(tier.amount_key, on=today)
        if rule.variants:
            amounts = {v: Decimal(str(rule.value[v])) for v in rule.variants}
        else:
            amounts = {"": Decimal(str(rule.value))}
        for v in rule.variants:
            if v not in variants:
                variants.append(v)
        try:
            days = pack.processing_time(service, tier.code, on=today).amount
        except PolicyKeyError:
            days = 0
        tiers.append(TierOption(tier.code, tier.code, days, amounts, pack.currency, rule.legal_ref))
    grounds: list[tuple[str, str]] = []
    if service in ("trp", "trp_extension"):
        for g in pack.value("trp.grounds", on=today):
            text = g["text"].get(language) or g["text"].get("en") or g["code"]
            grounds.append((str(g["code"]), f"{text} ({g.get('legal_ref', '')})"))
    if service == "stay_extension":
        steps = [f"{int(d)}d" for d in pack.value("stay_extension.steps_days", on=today)]
        variants = [v for v in variants if v in steps]
    return ApplicationOptions(
        service=svc,
        tiers=tiers,
        variants=variants,
        grounds=grounds,
        documents=[(d.code, d.name(language), d.optional) for d in svc.required_documents],
        reasons=["lost", "damaged"] if service == "card_replacement" else [],
    )


def case_issued_documents(case: Case) -> list[IssuedDocument]:
    return list(IssuedDocument.objects.filter(case=case).order_by("issued_on", "number"))


def person_permits(person_id: uuid.UUID) -> list[Permit]:
    return list(Permit.objects.filter(person_id=person_id).order_by("-valid_from"))


@dataclass(frozen=True)
class Verification:
    status: str  # valid | expired | revoked | invalid
    reason: str = ""
    kind: str = ""
    number: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    holder: str = ""
    issued_on: dt.date | None = None


def verify(token: str) -> Verification:
    """Check a QR token: the signature against the registered public keys (retired keys
    still verify; revoked ones do not), then the document's state here. Reports no more
    than the card itself shows: kind, number, validity and the masked holder name."""
    from umis.permits.keys import public_key_for
    from umis.permits.signing import TokenError, verify_token

    token = (token or "").strip()
    if "/verify/" in token:  # the whole scanned URL
        token = token.rstrip("/").rsplit("/verify/", 1)[1]
    try:
        payload = verify_token(token, public_key_for=public_key_for)
    except TokenError as exc:
        return Verification("invalid", exc.code)
    doc = (
        IssuedDocument.objects.select_related("permit")
        .filter(number=str(payload.get("n", "")))
        .first()
    )
    if doc is None or doc.token != token:
        return Verification("invalid", "unknown_document")
    if doc.status == IssuedDocument.Status.REVOKED or doc.permit.status == Permit.Status.REVOKED:
        status = "revoked"
    elif doc.valid_until is not None and doc.valid_until < timezone.localdate():
        status = "expired"
    else:
        status = "valid"
    return Verification(
        status,
        "",
        kind=doc.kind,
        number=doc.number,
        valid_from=doc.permit.valid_from,
        valid_until=doc.valid_until,
        holder=str(payload.get("h", "")),
        issued_on=doc.issued_on,
    )
