"""Every write of the case engine (ADR 0011): opening a case with its number, fee and
deadline, assigning it, firing workflow actions, reassigning, recording payments and
adding documents. One transaction each; the case row is locked; everything is audited;
notifications go through the outbox (:mod:`umis.cases.notifications`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.cases import rules
from umis.cases.models import (
    Case,
    CaseAction,
    CaseCounter,
    CaseDocument,
    ClockStop,
    PaymentOrder,
)
from umis.cases.notifications import notify_applicant
from umis.cases.selectors import refusal_grounds
from umis.cases.types import Check, case_type
from umis.cases.workflow import APPLICANT, Facts, Refusal
from umis.core.audit import audit_record
from umis.core.calendar import working_calendar
from umis.core.constants import AuditAction, OfficeKind, Role
from umis.core.errors import (
    ApplicationError,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
    invalid,
)
from umis.core.models import Office, User
from umis.core.permissions import Perm, has_perm, require
from umis.core.policy import PolicyKeyError, PolicyPack, get_policy
from umis.registry.models import Organisation, Person

# Statuses in which a case is still open (counted as an officer's workload).
OPEN_STATUSES = ("submitted", "in_review", "awaiting_documents", "proposed_approval",
                 "proposed_refusal", "approved")  # fmt: skip
CLOSED_STATUSES = ("refused", "issued", "withdrawn")

# Uploads: what a scanned document may be, recognised by its first bytes, not its name.
_MAGIC = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


@dataclass(frozen=True)
class Upload:
    """A file received from a form or the API, before it is stored."""

    code: str
    filename: str
    content: bytes


@dataclass
class CaseRequest:
    """What opening a case needs; the permit services build it after their eligibility
    rules have passed."""

    service: str
    person: Person
    fee_tier: str = ""
    variant: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    office: Office | None = None
    employer: Organisation | None = None
    contact_email: str = ""
    contact_phone: str = ""
    language: str = "az"
    uploads: Sequence[Upload] = ()
    idempotency_key: str = ""


# --- helpers --------------------------------------------------------------------------


def _roles_for(actor: User, case: Case) -> set[str]:
    """The workflow roles the actor holds on this case: the applicant's on their own
    case; a staff role only where the actor may work on the case (anti-corruption: an
    officer works the cases assigned to them, a supervisor those of their office)."""
    if case.applicant_id is not None and actor.pk == case.applicant_id and not actor.role:
        return {APPLICANT}
    if not actor.role:
        raise NotFound("case", _("Case not found"))
    if has_perm(actor, Perm.CASE_WORK) and not has_perm(actor, Perm.CASE_WORK, case):
        # Another office's case does not exist for this officer (as in the selectors).
        raise NotFound("case", _("Case not found"))
    if actor.role == Role.SUPERVISOR and has_perm(actor, Perm.CASE_SUPERVISE, case):
        return {Role.SUPERVISOR.value}
    if actor.role == Role.OFFICER and has_perm(actor, Perm.CASE_WORK, case):
        if case.assignee_id != actor.pk:
            raise Forbidden(_("This case is assigned to another officer."))
        return {Role.OFFICER.value}
    raise Forbidden(_("Your role does not allow working on this case."))


def _lock(case_id: uuid.UUID | str) -> Case:
    try:
        return Case.objects.select_for_update().get(pk=case_id)
    except (Case.DoesNotExist, ValueError, DjangoValidationError):
        raise NotFound("case", _("Case not found")) from None


def _append(
    case: Case,
    *,
    actor: User | None,
    role: str,
    action: str,
    from_status: str,
    idempotency_key: str,
    grounds: Sequence[str] = (),
    note: str = "",
    details: dict[str, Any] | None = None,
) -> CaseAction:
    case.version += 1
    return CaseAction.objects.create(
        case=case,
        seq=case.version,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor=actor,
        actor_role=role,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        grounds=list(grounds),
        note=note,
        details=details or {},
        at=timezone.now(),
    )


def _audit(actor: User | None, case: Case, action: str, changes: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if action != "submit" else AuditAction.CREATE,
        object_type="case",
        object_id=case.number,
        person_id=case.person_id,
        # The action fired, then each changed field as [before, after] (the log's form).
        changes={"action": [None, action], **changes},
        purpose="case",
    )


def _calendar(case: Case, pack: PolicyPack) -> Any:
    return working_calendar(on=case.submitted_on, pack=pack)


def _recompute_deadline(case: Case, pack: PolicyPack) -> None:
    stops = [
        rules.ClockStop(s.stopped_on, s.resumed_on)
        for s in ClockStop.objects.filter(case=case).order_by("stopped_on", "id")
    ]
    case.deadline = rules.deadline(
        submitted_on=case.submitted_on,
        working_days=case.working_days,
        stops=stops,
        calendar=_calendar(case, pack),
    )


def documents_missing(case: Case, pack: PolicyPack | None = None) -> list[str]:
    """The codes of the service's required (not optional) documents the case lacks."""
    pack = pack or get_policy()
    have = set(case.documents.values_list("code", flat=True))
    return [
        d.code
        for d in pack.service(case.service).required_documents
        if not d.optional and d.code not in have and d.code not in case.data.get("waived", [])
    ]


def checks_passed(case: Case) -> bool:
    checks = case.data.get("checks") or {}
    return all(item.get("ok") is True for item in checks.values())


def _facts(case: Case, actor: User, grounds: Sequence[str], pack: PolicyPack) -> Facts:
    return Facts(
        fee_paid=not case.payment_orders.filter(status=PaymentOrder.Status.DUE).exists(),
        documents_complete=not documents_missing(case, pack),
        checks_passed=checks_passed(case),
        grounds=tuple(grounds),
        allowed_grounds=frozenset(
            refusal_grounds(case.service, on=timezone.localdate(), pack=pack)
        ),
        proposed_by=case.proposed_by_id,
        actor=actor.pk,
    )


def allowed_actions(case: Case, actor: User) -> tuple[str, ...]:
    """What this actor may fire on the case now (requirements not checked)."""
    try:
        roles = _roles_for(actor, case)
    except ApplicationError:
        return ()
    return case_type(case.service).workflow.allowed(case.status, roles)


# --- numbers --------------------------------------------------------------------------


def next_counter(prefix: str, year: int) -> int:
    """The next number of a gap-free sequence (case numbers per prefix and year, card
    numbers): the counter row is locked by the caller's transaction, so two callers never
    share a number and a rolled-back one gives its number back."""
    # In a savepoint: when a racing caller created the row first, we lock theirs.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        CaseCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = CaseCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _next_number(prefix: str, year: int) -> str:
    """``PREFIX-YEAR-NNNNNN``."""
    return f"{prefix}-{year}-{next_counter(prefix, year):06d}"


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def new_payment_number(year: int) -> str:
    """20 digits: the year, 15 random digits and a Luhn check digit (a mistyped payment
    number is caught before it reaches a bank)."""
    body = f"{year:04d}{secrets.randbelow(10**15):015d}"
    return body + _luhn_digit(body)


def payment_number_valid(number: str) -> bool:
    return len(number) == 20 and number.isdigit() and _luhn_digit(number[:-1]) == number[-1]


# --- assignment -----------------------------------------------------------------------


def _lock_office(office: Office) -> None:
    """Serialise assignments within one office for this transaction. On SQLite the
    IMMEDIATE transaction already holds the database's single write lock."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"case-assign:{office.pk}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def pick_officer(office: Office, *, exclude: Iterable[Any] = ()) -> User | None:
    """The active officer of the office with the fewest open cases; ties go to the one
    whose last assignment is the oldest (never assigned first), then by id so that the
    choice is deterministic. Nobody chooses their own cases."""
    candidates = (
        User.objects.filter(role=Role.OFFICER, office=office, is_active=True)
        .exclude(pk__in=list(exclude))
        .annotate(
            open_cases=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN_STATUSES)),
            last_assigned=Max("assigned_cases__assigned_at"),
        )
        # Never assigned first, on both databases (PostgreSQL sorts NULL last by default).
        .order_by("open_cases", F("last_assigned").asc(nulls_first=True), "id")
    )
    return candidates.first()


def office_for(person: Person) -> Office:
    """Where an online application goes: a one-stop-shop centre in the region of the
    applicant's current address that has an officer to take it (the first by code),
    else the default centre."""
    address = person.addresses.filter(is_current=True).order_by("-valid_from").first()
    if address is not None:
        office = (
            Office.objects.filter(
                kind=OfficeKind.ONE_STOP_SHOP,
                is_active=True,
                region_id=address.region_id,
                staff__role=Role.OFFICER,
                staff__is_active=True,
            )
            .order_by("code")
            .first()
        )
        if office is not None:
            return office
    return default_office()


def default_office() -> Office:
    office = (
        Office.objects.filter(kind=OfficeKind.ONE_STOP_SHOP, is_active=True)
        .order_by("code")
        .first()
    )
    if office is None:
        raise Conflict("no_office", _("No one-stop-shop office is configured."))
    return office


# --- opening a case -------------------------------------------------------------------


def upload_limit() -> int:
    return int(getattr(settings, "UMIS_CASE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def _validate_uploads(
    uploads: Sequence[Upload], service_docs: set[str]
) -> list[tuple[Upload, str]]:
    limit = upload_limit()
    out: list[tuple[Upload, str]] = []
    errors: list[FieldError] = []
    for up in uploads:
        name = f"documents.{up.code}"
        if up.code not in service_docs:
            errors.append(
                FieldError(
                    name, "unknown_document", _("This service does not ask for this document.")
                )
            )
            continue
        if len(up.content) > limit:
            raise PayloadTooLarge(
                name,
                _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            )
        if not up.content:
            errors.append(FieldError(name, "empty", _("The file is empty.")))
            continue
        kind = next((t for magic, t in _MAGIC.items() if up.content.startswith(magic)), None)
        if kind is None:
            errors.append(FieldError(name, "file_type", _("Upload a PDF, JPEG or PNG file.")))
            continue
        out.append((up, kind))
    if errors:
        raise ValidationFailed(errors)
    return out


def _store_document(case: Case, up: Upload, kind: str, actor: User | None) -> CaseDocument:
    doc = CaseDocument(
        case=case,
        code=up.code,
        filename=up.filename[:200] or up.code,
        content_type=kind,
        size=len(up.content),
        sha256=hashlib.sha256(up.content).hexdigest(),
        uploaded_by=actor,
    )
    doc.file.save("upload", ContentFile(up.content), save=False)
    doc.save()
    return doc


def _payment_order(case: Case, pack: PolicyPack, on: dt.date) -> PaymentOrder | None:
    service = pack.service(case.service)
    if not service.fee_tiers:
        return None
    tier = service.tier(case.fee_tier or None)
    amount, rule = pack.fee_for(case.service, tier.code, on=on, variant=case.variant or None)
    if amount <= Decimal("0"):
        return None
    days = int(pack.value("general.fee_payment_deadline_days", on=on))
    for _attempt in range(5):  # a collision of 15 random digits is rare; retry anyway
        try:
            with transaction.atomic():
                return PaymentOrder.objects.create(
                    number=new_payment_number(on.year),
                    case=case,
                    amount=amount,
                    currency=pack.currency,
                    fee_key=rule.key,
                    legal_ref=rule.legal_ref,
                    due_on=on + dt.timedelta(days=days),
                )
        except IntegrityError:
            continue
    raise Conflict("payment_number", _("Could not allocate a payment number; try again."))


def case_open(*, actor: User, request: CaseRequest) -> Case:
    """Open (submit) a case: number, fee order, deadline, assignment, first action,
    checks, audit and the applicant's receipt. Eligibility is the caller's (the permit
    services check it before, with the rule and its legal reference). A retried
    submission with the same idempotency key returns the case it opened."""
    pack = get_policy()
    try:
        service = pack.service(request.service)
    except PolicyKeyError:
        raise invalid("service", _("Unknown service.")) from None
    ctype = case_type(request.service)
    applicant = actor if not actor.role else None
    if applicant is not None and request.idempotency_key:
        existing = Case.objects.filter(
            applicant=applicant, idempotency_key=request.idempotency_key
        ).first()
        if existing is not None:
            return existing
    try:
        tier = service.tier(request.fee_tier or None)
    except PolicyKeyError:
        raise invalid(
            "fee_tier",
            _("Choose one of: %(tiers)s.")
            % {"tiers": ", ".join(t.code for t in service.fee_tiers)},
        ) from None
    uploads = _validate_uploads(request.uploads, {d.code for d in service.required_documents})
    now = timezone.now()
    today = timezone.localdate(now)
    processing = pack.processing_time(request.service, tier.code, on=today)
    if processing.unit != "working_days":
        raise Conflict(
            "processing_unit",
            f"service {request.service}: processing time in {processing.unit} is not supported",
        )
    office = request.office or office_for(request.person)
    try:
        with transaction.atomic():
            number = _next_number(service.case_prefix, today.year)
            _lock_office(office)
            officer = pick_officer(office)
            case = Case(
                number=number,
                service=request.service,
                status=ctype.workflow.initial,
                version=0,
                person=request.person,
                applicant=applicant,
                employer=request.employer,
                office=office,
                assignee=officer,
                assigned_at=now if officer else None,
                fee_tier=tier.code,
                variant=request.variant or (tier.default_variant or ""),
                data=dict(request.data),
                contact_email=request.contact_email,
                contact_phone=request.contact_phone,
                language=request.language or "az",
                submitted_at=now,
                submitted_on=today,
                working_days=processing.amount,
                idempotency_key=request.idempotency_key if applicant else "",
            )
            case.deadline = rules.deadline(
                submitted_on=today,
                working_days=processing.amount,
                calendar=working_calendar(on=today, pack=pack),
            )
            case.save()
            order = _payment_order(case, pack, today)
            for up, kind in uploads:
                _store_document(case, up, kind, actor)
            if ctype.checks is not None:
                _store_checks(case, ctype.checks(case))
            _append(
                case,
                actor=actor,
                role=APPLICANT if applicant else str(actor.role),
                action="submit",
                from_status="",
                idempotency_key=request.idempotency_key or f"submit-{case.pk}",
                details={"assignee": str(officer.pk) if officer else None},
            )
            case.save()
            _audit(
                actor,
                case,
                "submit",
                {
                    "service": [None, case.service],
                    "status": [None, case.status],
                    "assignee": [None, str(officer.pk) if officer else None],
                    "deadline": [None, case.deadline.isoformat() if case.deadline else None],
                },
            )
            notify_applicant(case, "submitted", payment_order=order)
    except IntegrityError:
        if applicant is not None and request.idempotency_key:
            existing = Case.objects.filter(
                applicant=applicant, idempotency_key=request.idempotency_key
            ).first()
            if existing is not None:
                return existing
        raise
    return case


def _store_checks(case: Case, checks: list[Check]) -> None:
    now = timezone.now().isoformat()
    case.data["checks"] = {c.code: {**c.as_dict(), "at": now} for c in checks}


def case_checks_run(*, actor: User, case_id: uuid.UUID | str, expected_version: int) -> Case:
    """Run the case type's checks again (e.g. after the tax registry was unavailable)."""
    with transaction.atomic():
        case = _lock(case_id)
        roles = _roles_for(actor, case)
        if APPLICANT in roles:
            raise Forbidden()
        _expect(case, actor, expected_version)
        ctype = case_type(case.service)
        if ctype.checks is None:
            return case
        before = case.data.get("checks")
        _store_checks(case, ctype.checks(case))
        _append(
            case,
            actor=actor,
            role=str(actor.role),
            action="checks_run",
            from_status=case.status,
            idempotency_key="",
            details={"checks": case.data["checks"]},
        )
        case.save()
        _audit(actor, case, "checks_run", {"checks": [before, case.data["checks"]]})
    return case


def _expect(case: Case, actor: User, expected_version: int) -> None:
    if case.version != expected_version:
        raise Conflict(
            "version_conflict",
            _("The case changed since you opened it; reload it and decide again."),
            case_status=case.status,
            version=case.version,
            allowed=list(allowed_actions(case, actor)),
        )


# --- workflow actions ----------------------------------------------------------------

_REFUSAL_STATUS = {
    "illegal_transition": 409,
    "role": 403,
    "fee_unpaid": 409,
    "documents_missing": 409,
    "checks_pending": 409,
    "same_actor": 403,
}


def _refused(exc: Refusal, case: Case, pack: PolicyPack) -> ApplicationError:
    messages = {
        "illegal_transition": _("'%(action)s' cannot be done while the case is %(status)s."),
        "role": _("Your role cannot do '%(action)s' on this case."),
        "fee_unpaid": _("The fee is not paid yet."),
        "documents_missing": _("Required documents are missing: %(missing)s."),
        "checks_pending": _("The checks have not all passed."),
        "same_actor": _(
            "A decision must be confirmed by another person than the one who proposed it."
        ),
        "grounds_missing": _("A refusal needs at least one legal ground from the list."),
        "grounds_unknown": _("Unknown ground(s): %(unknown)s."),
    }
    detail = messages[exc.code] % {
        "action": exc.action,
        "status": case.status,
        "missing": ", ".join(documents_missing(case, pack)),
        "unknown": ", ".join(exc.detail),
    }
    if exc.code in ("grounds_missing", "grounds_unknown"):
        return ValidationFailed([FieldError("grounds", exc.code, detail)])
    extra = {"case_status": case.status, "version": case.version, "allowed": list(exc.allowed)}
    if exc.code == "documents_missing":
        extra["missing"] = documents_missing(case, pack)
    return ApplicationError(
        code=exc.code, detail=detail, status=_REFUSAL_STATUS[exc.code], extra=extra
    )


# Which actions concern the applicant, and the notice they get.
_NOTIFY = {
    "request_documents": "documents_requested",
    "confirm_approval": "approved",
    "confirm_refusal": "refused",
    "issue": "issued",
    "withdraw": "withdrawn",
}


def case_transition(
    *,
    actor: User,
    case_id: uuid.UUID | str,
    action: str,
    expected_version: int,
    idempotency_key: str,
    grounds: Sequence[str] = (),
    note: str = "",
) -> Case:
    """Fire one workflow action (the only way a case changes state). A stale
    ``expected_version`` is 409 with the current state and the allowed actions; a retry
    with the same ``idempotency_key`` returns the case as that action left it."""
    if not idempotency_key or len(idempotency_key) > 100:
        raise invalid("idempotency_key", _("Send a key of 1 to 100 characters."))
    pack = get_policy()
    with transaction.atomic():
        case = _lock(case_id)
        roles = _roles_for(actor, case)
        done = CaseAction.objects.filter(case=case, idempotency_key=idempotency_key).first()
        if done is not None:
            if done.action != action or done.actor_id != actor.pk:
                raise Conflict(
                    "idempotency_key_reused",
                    _("This key was used for another request."),
                )
            return case
        _expect(case, actor, expected_version)
        ctype = case_type(case.service)
        if action not in ctype.workflow.actions():
            raise Conflict(
                "illegal_transition",
                _("Unknown action '%(action)s'.") % {"action": action},
                case_status=case.status,
                version=case.version,
                allowed=list(ctype.workflow.allowed(case.status, roles)),
            )
        grounds = [g.strip() for g in grounds if g and g.strip()]
        try:
            t = ctype.workflow.fire(
                case.status, action, roles=roles, facts=_facts(case, actor, grounds, pack)
            )
        except Refusal as exc:
            raise _refused(exc, case, pack) from None
        today = timezone.localdate()
        before_status, before_deadline = case.status, case.deadline
        from_status = case.status
        case.status = t.target
        if t.clock == "stop":
            ClockStop.objects.create(case=case, stopped_on=today)
            case.deadline = None
        elif t.clock == "resume":
            ClockStop.objects.filter(case=case, resumed_on__isnull=True).update(resumed_on=today)
            _recompute_deadline(case, pack)
        if action in ("propose_approval", "propose_refusal"):
            case.proposed_by = actor
            case.grounds = grounds if action == "propose_refusal" else []
        elif action == "return":
            case.proposed_by = None
            case.grounds = []
        if action in ("confirm_approval", "confirm_refusal"):
            case.decided_at = timezone.now()
        if t.target in CLOSED_STATUSES:
            case.closed_at = timezone.now()
        if t.target in ("refused", "withdrawn"):  # nothing is owed for a closed request
            PaymentOrder.objects.filter(case=case, status=PaymentOrder.Status.DUE).update(
                status=PaymentOrder.Status.CANCELLED
            )
        if action == "issue" and ctype.on_issue is not None:
            ctype.on_issue(actor, case)
        role = next(iter(sorted(roles)))
        _append(
            case,
            actor=actor,
            role=role,
            action=action,
            from_status=from_status,
            idempotency_key=idempotency_key,
            grounds=case.grounds if action == "propose_refusal" else (),
            note=note[:2000],
        )
        case.save()
        _audit(
            actor,
            case,
            action,
            {
                "status": [before_status, case.status],
                "deadline": [
                    before_deadline.isoformat() if before_deadline else None,
                    case.deadline.isoformat() if case.deadline else None,
                ],
                "grounds": [None, list(case.grounds)],
            },
        )
        event = _NOTIFY.get(action)
        if event is not None:
            notify_applicant(case, event, note=note)
    return case


def case_reassign(
    *,
    actor: User,
    case_id: uuid.UUID | str,
    officer_id: uuid.UUID | str,
    reason: str,
    expected_version: int,
) -> Case:
    """A supervisor gives a case to another officer of the office, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("Give the reason for the reassignment."), "required")
    with transaction.atomic():
        case = _lock(case_id)
        require(actor, Perm.CASE_SUPERVISE, case)
        _expect(case, actor, expected_version)
        if case.status in CLOSED_STATUSES:
            raise Conflict(
                "case_closed",
                _("A closed case cannot be reassigned."),
                case_status=case.status,
                version=case.version,
                allowed=[],
            )
        officer = User.objects.filter(
            pk=officer_id, role=Role.OFFICER, office_id=case.office_id, is_active=True
        ).first()
        if officer is None:
            raise invalid("officer", _("Choose an active officer of the case's office."))
        if officer.pk == case.assignee_id:
            raise invalid("officer", _("The case is already assigned to this officer."))
        previous = case.assignee_id
        case.assignee = officer
        case.assigned_at = timezone.now()
        _append(
            case,
            actor=actor,
            role=str(actor.role),
            action="reassign",
            from_status=case.status,
            idempotency_key="",
            note=reason[:2000],
            details={"from": str(previous) if previous else None, "to": str(officer.pk)},
        )
        case.save()
        _audit(
            actor,
            case,
            "reassign",
            {
                "assignee": [str(previous) if previous else None, str(officer.pk)],
                "reason": [None, reason],
            },
        )
    return case


def payment_record(
    *,
    actor: User,
    order_id: uuid.UUID | str,
    receipt_number: str,
    paid_on: dt.date | None = None,
) -> PaymentOrder:
    """An officer records that a payment order was paid, with the bank's receipt number.
    Recording the same receipt again for the same order is a no-op; a receipt already
    used for another order is refused."""
    receipt = "".join((receipt_number or "").split())
    if not receipt or len(receipt) > 60:
        raise invalid(
            "receipt_number", _("Enter the receipt number (up to 60 characters)."), "required"
        )
    today = timezone.localdate()
    paid_on = paid_on or today
    if paid_on > today:
        raise invalid("paid_on", _("The payment date cannot be in the future."))
    with transaction.atomic():
        try:
            order = PaymentOrder.objects.select_for_update().get(pk=order_id)
        except (PaymentOrder.DoesNotExist, ValueError, DjangoValidationError):
            raise NotFound("payment order", _("Payment order not found")) from None
        case = Case.objects.select_for_update().get(pk=order.case_id)
        require(actor, Perm.PAYMENT_RECORD, case)
        if order.status == PaymentOrder.Status.PAID:
            if order.receipt_number == receipt:
                return order
            raise Conflict(
                "already_paid", _("This order is already paid."), receipt=order.receipt_number
            )
        if order.status != PaymentOrder.Status.DUE:
            raise Conflict("order_cancelled", _("This order was cancelled."))
        if paid_on < order.created_at.date() - dt.timedelta(days=1):
            raise invalid("paid_on", _("The payment date is before the order was issued."))
        if PaymentOrder.objects.filter(receipt_number=receipt).exclude(pk=order.pk).exists():
            raise invalid(
                "receipt_number",
                _("This receipt was already recorded for another payment."),
                "duplicate",
            )
        order.status = PaymentOrder.Status.PAID
        order.receipt_number = receipt
        order.paid_on = paid_on
        order.recorded_by = actor
        order.recorded_at = timezone.now()
        order.save()
        _append(
            case,
            actor=actor,
            role=str(actor.role),
            action="payment_recorded",
            from_status=case.status,
            idempotency_key="",
            details={"order": order.number, "receipt": receipt, "amount": str(order.amount)},
        )
        case.save()
        _audit(
            actor,
            case,
            "payment_recorded",
            {"order": [None, order.number], "receipt": [None, receipt]},
        )
    return order


def case_document_add(*, actor: User, case_id: uuid.UUID | str, upload: Upload) -> CaseDocument:
    """Attach a document to an open case: the applicant (e.g. the documents an officer
    asked for) or the officer working on it."""
    pack = get_policy()
    with transaction.atomic():
        case = _lock(case_id)
        roles = _roles_for(actor, case)
        if case.status in CLOSED_STATUSES:
            raise Conflict("case_closed", _("The case is closed."), case_status=case.status)
        if APPLICANT in roles and case.status not in (
            "submitted",
            "in_review",
            "awaiting_documents",
        ):
            raise Conflict(
                "case_decided",
                _("The case is being decided; no more documents."),
                case_status=case.status,
            )
        codes = {d.code for d in pack.service(case.service).required_documents}
        [(up, kind)] = _validate_uploads([upload], codes)
        doc = _store_document(case, up, kind, actor)
        _append(
            case,
            actor=actor,
            role=next(iter(sorted(roles))),
            action="document_added",
            from_status=case.status,
            idempotency_key="",
            details={"code": up.code, "sha256": doc.sha256},
        )
        case.save()
        _audit(
            actor,
            case,
            "document_added",
            {"document": [None, up.code], "sha256": [None, doc.sha256]},
        )
    return doc
