"""The decision letter of a decided one-stop-shop case, as a PDF for the applicant and
the office: the outcome with the refusal grounds and their legal references, or what the
approval granted. An issued card proves a grant; this letter is what a refused applicant
has, and what an approved one has until the document is issued.

A read, like :func:`umis.permits.services.issued_document_pdf`: not audited separately
(the applicant reads their own case; staff reach it from the case page, whose render
audits the read of the person's record)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from umis.cases.models import Case, CaseAction, PaymentOrder
from umis.cases.selectors import case_get, refusal_grounds
from umis.core.errors import Conflict, FieldError, ValidationFailed
from umis.core.models import User
from umis.core.policy import PolicyKeyError, get_policy
from umis.permits.models import IssuedDocument, Permit
from umis.permits.pdf import (
    LANGUAGES,
    DecisionGrant,
    DecisionGround,
    PrintedDecision,
    render_decision_pdf,
)

__all__ = ["DECIDED_STATUSES", "decision_pdf"]

# The statuses a case has a decision in: approved (not issued yet), refused, issued.
DECIDED_STATUSES = ("approved", "refused", "issued")
_CONFIRMATIONS = ("confirm_approval", "confirm_refusal")


def _decided_on(case: Case) -> dt.date:
    """The local day of the decision: the confirmation's time, kept on the case; the
    confirming action of the history for a case recorded without it."""
    at = case.decided_at
    if at is None:
        at = (
            CaseAction.objects.filter(case=case, action__in=_CONFIRMATIONS)
            .order_by("-seq")
            .values_list("at", flat=True)
            .first()
        )
    if at is None:
        raise Conflict(
            "not_decided",
            _("Case %(number)s has no recorded decision.") % {"number": case.number},
            case_status=case.status,
        )
    return timezone.localdate(at)


def _grounds(case: Case, language: str, on: dt.date) -> tuple[DecisionGround, ...]:
    """The case's refusal grounds with their texts as the pack had them on the day of
    the decision; a code the pack no longer knows is printed as it was recorded."""
    known = refusal_grounds(case.service, on=on)
    out = []
    for code in case.grounds or []:
        item = known.get(str(code))
        if item is None:
            out.append(DecisionGround(text=str(code), legal_ref=""))
            continue
        texts = item.get("text") or {}
        text = texts.get(language) or texts.get("en") or str(code)
        out.append(DecisionGround(text=str(text), legal_ref=str(item.get("legal_ref") or "")))
    return tuple(out)


def _granted(case: Case) -> tuple[DecisionGrant, ...]:
    """The permit the case granted and the documents issued on it. A card replacement
    grants no permit of its own: only its new card is listed."""
    grants: list[DecisionGrant] = []
    permit = Permit.objects.filter(case=case).first()
    if permit is not None:
        grants.append(
            DecisionGrant(
                kind=permit.kind,
                number=permit.number,
                valid_from=permit.valid_from,
                valid_until=permit.valid_to,
            )
        )
    for doc in IssuedDocument.objects.filter(case=case).order_by("issued_on", "number"):
        grants.append(
            DecisionGrant(
                kind=doc.kind,
                number=doc.number,
                valid_from=doc.issued_on,
                valid_until=doc.valid_until,
                document=True,
            )
        )
    return tuple(grants)


def decision_pdf(*, actor: User, case_id: uuid.UUID | str, language: str) -> bytes:
    """The decision letter of a case as a PDF in ``language`` ("az" or "en"), for the
    case's applicant or staff of its office (anyone else: NotFound). 409 ``not_decided``
    while the case has no decision; 422 on ``language`` for another language."""
    case = case_get(actor=actor, case_id=case_id)
    if language not in LANGUAGES:
        raise ValidationFailed([FieldError("language", "invalid_choice", _("Choose az or en."))])
    if case.status not in DECIDED_STATUSES:
        raise Conflict(
            "not_decided",
            _(
                "Case %(number)s has no decision yet: the decision letter can be printed "
                "once the application is approved or refused."
            )
            % {"number": case.number},
            case_status=case.status,
        )
    decided_on = _decided_on(case)
    refused = case.status == "refused"
    pack = get_policy()
    try:
        service = pack.service(case.service)
        service_name, legal_basis = service.name(language), service.legal_basis
    except PolicyKeyError:  # a service since taken out of the pack: its code still names it
        service_name, legal_basis = case.service, ""
    person, office = case.person, case.office
    with translation.override(language):
        # The configured name in the letter's language when the catalogue has it (as on
        # the issued documents); reference names follow the active language.
        authority = _(str(settings.UMIS_AUTHORITY_NAME))
        office_name = office.name
        region = office.region
        place = office.address or (region.name if region is not None else "")
    granted = () if refused else _granted(case)
    return render_decision_pdf(
        PrintedDecision(
            authority=authority,
            office=office_name,
            place=place,
            decided_on=decided_on,
            case_number=case.number,
            service_name=service_name,
            family_name=person.family_name,
            given_names=" ".join(p for p in (person.given_names, person.patronymic) if p),
            birth_date=person.birth_date_display,
            passport_number=str((case.data or {}).get("passport_number") or ""),
            outcome="refused" if refused else "approved",
            grounds=_grounds(case, language, decided_on) if refused else (),
            granted=granted,
            fee_due=not granted
            and case.payment_orders.filter(status=PaymentOrder.Status.DUE).exists(),
            legal_basis=legal_basis,
        ),
        language=language,
    )
