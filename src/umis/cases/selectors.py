"""Every read of the case engine, scoped by who asks: officers see their office's cases,
applicants their own, the public tracking service one case by number, passport number
and birth date."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.cases import rules
from umis.cases.models import Case, Notification
from umis.core.calendar import working_calendar
from umis.core.constants import OfficeKind, Role
from umis.core.errors import NotFound
from umis.core.models import User
from umis.core.permissions import Perm, has_perm, require
from umis.core.policy import PolicyPack, get_policy

OPEN = ("submitted", "in_review", "awaiting_documents", "proposed_approval",
        "proposed_refusal", "approved")  # fmt: skip
# How far ahead "due soon" looks: an office practice, not a legal term.
DUE_SOON_WORKING_DAYS = 3
QUEUES = ("mine", "office", "due_soon", "overdue", "awaiting_confirmation")


def refusal_grounds(
    service: str, *, on: dt.date, pack: PolicyPack | None = None
) -> dict[str, dict[str, Any]]:
    """The pack's refusal grounds for a service, by code (text per language, legal_ref)."""
    pack = pack or get_policy()
    key = pack.service(service).refusal_grounds_key
    if not key:
        return {}
    return {str(item["code"]): dict(item) for item in pack.value(key, on=on)}


def _staff_scope(actor: User) -> QuerySet[Case]:
    require(actor, Perm.CASE_WORK)
    qs = Case.objects.all()
    office = actor.office
    if office is None or office.kind != OfficeKind.HEADQUARTERS:
        # Staff without an office see nothing rather than everything.
        qs = qs.filter(office=office) if office is not None else qs.none()
    return qs


def case_get(*, actor: User, case_id: uuid.UUID | str) -> Case:
    """A case for staff of its office (or headquarters) or for its applicant."""
    qs = Case.objects.select_related("person", "office", "assignee", "employer", "proposed_by")
    try:
        if actor.role:
            case = (
                _staff_scope(actor)
                .select_related("person", "office", "assignee", "employer", "proposed_by")
                .get(pk=case_id)
            )
        else:
            case = qs.get(pk=case_id, applicant_id=actor.pk)
    except (Case.DoesNotExist, ValueError, DjangoValidationError):
        raise NotFound("case", _("Case not found")) from None
    return case


def case_get_by_number(*, actor: User, number: str) -> Case:
    try:
        case_id = Case.objects.values_list("pk", flat=True).get(number=number.strip().upper())
    except Case.DoesNotExist:
        raise NotFound("case", _("Case not found")) from None
    return case_get(actor=actor, case_id=case_id)


def case_queue(*, actor: User, queue: str, today: dt.date | None = None) -> QuerySet[Case]:
    """The officer's work queue: ``mine`` (assigned to me, open), ``office`` (open cases
    of my office), ``due_soon`` (open, due within ``DUE_SOON_WORKING_DAYS`` working days
    by the pack's calendar), ``overdue``, ``awaiting_confirmation`` (proposals a supervisor
    confirms: not my own)."""
    if queue not in QUEUES:
        raise NotFound("queue", _("Unknown queue"))
    today = today or timezone.localdate()
    qs = (
        _staff_scope(actor)
        .filter(status__in=OPEN)
        .select_related("person", "assignee", "office")
        .order_by("deadline", "submitted_at")
    )
    if queue == "mine":
        return qs.filter(assignee=actor)
    if queue == "office":
        return qs
    if queue == "overdue":
        return qs.filter(deadline__lt=today)
    if queue == "due_soon":
        horizon = working_calendar(on=today).add(today, DUE_SOON_WORKING_DAYS)
        return qs.filter(deadline__gte=today, deadline__lte=horizon)
    # awaiting_confirmation
    return qs.filter(status__in=("proposed_approval", "proposed_refusal")).exclude(
        proposed_by=actor
    )


@dataclass(frozen=True)
class DeadlineRow:
    case: Case
    age_days: int
    working_days_left: int | None  # None while the clock is stopped


@dataclass(frozen=True)
class OfficerLoad:
    officer: User | None
    open_cases: int
    overdue: int
    due_soon: int
    rows: list[DeadlineRow]


def deadline_overview(*, actor: User, today: dt.date | None = None) -> list[OfficerLoad]:
    """The supervisor's page: every open case of the office by age against its
    deadline, grouped per officer (unassigned first), the most urgent first."""
    require(actor, Perm.CASE_SUPERVISE)
    today = today or timezone.localdate()
    calendar = working_calendar(on=today)
    cases = list(
        _staff_scope(actor)
        .filter(status__in=OPEN)
        .select_related("person", "assignee")
        .order_by("deadline", "submitted_at")
    )
    groups: dict[Any, list[DeadlineRow]] = {}
    officers: dict[Any, User | None] = {}
    for case in cases:
        left = (
            rules.working_days_left(due=case.deadline, today=today, calendar=calendar)
            if case.deadline
            else None
        )
        row = DeadlineRow(case, (today - case.submitted_on).days, left)
        groups.setdefault(case.assignee_id, []).append(row)
        officers[case.assignee_id] = case.assignee
    # Officers with nothing open are shown too: the page is also about workload.
    for officer in User.objects.filter(role=Role.OFFICER, office=actor.office, is_active=True):
        groups.setdefault(officer.pk, [])
        officers.setdefault(officer.pk, officer)
    out = [
        OfficerLoad(
            officer=officers[key],
            open_cases=len(rows),
            overdue=sum(
                1 for r in rows if r.working_days_left is not None and r.working_days_left < 0
            ),
            due_soon=sum(
                1
                for r in rows
                if r.working_days_left is not None
                and 0 <= r.working_days_left <= DUE_SOON_WORKING_DAYS
            ),
            rows=rows,
        )
        for key, rows in groups.items()
    ]
    out.sort(key=lambda g: (g.officer is not None, -g.overdue, -g.open_cases, str(g.officer)))
    return out


def case_track(*, number: str, passport_number: str, birth_date: dt.date) -> Case | None:
    """The public tracking service: a case by its number, with the applicant's passport
    number and birth date as the proof of knowing it. Anything that does not match is
    the same "not found" (no hint which part was wrong)."""
    number = "".join(number.split()).upper()
    passport = "".join(passport_number.split()).upper()
    if not number or not passport:
        return None
    case = Case.objects.select_related("person").filter(number=number).first()
    if case is None:
        return None
    person = case.person
    # A partial birth date on record (year only) matches any day of it: the applicant
    # types the date as on the passport.
    if (
        person.birth_year != birth_date.year
        or person.birth_month not in (None, birth_date.month)
        or person.birth_day not in (None, birth_date.day)
    ):
        return None
    docs = {n.upper() for n in person.documents.values_list("number", flat=True)}
    applied_with = str(case.data.get("passport_number", "")).upper()
    if passport not in docs and passport != applied_with:
        return None
    return case


def applicant_cases(*, actor: User) -> QuerySet[Case]:
    return Case.objects.filter(applicant_id=actor.pk).order_by("-submitted_at")


def inbox(*, actor: User, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(
            recipient_id=actor.pk, channel=Notification.Channel.PORTAL
        ).select_related("case")[:limit]
    )


def case_counts(*, actor: User, today: dt.date | None = None) -> dict[str, int]:
    """How many cases each queue holds (the queue tabs)."""
    if not has_perm(actor, Perm.CASE_WORK):
        return {}
    today = today or timezone.localdate()
    horizon = working_calendar(on=today).add(today, DUE_SOON_WORKING_DAYS)
    agg = (
        _staff_scope(actor)
        .filter(status__in=OPEN)
        .aggregate(
            mine=Count("pk", filter=Q(assignee=actor)),
            office=Count("pk"),
            due_soon=Count("pk", filter=Q(deadline__gte=today, deadline__lte=horizon)),
            overdue=Count("pk", filter=Q(deadline__lt=today)),
            awaiting_confirmation=Count(
                "pk",
                filter=Q(status__in=("proposed_approval", "proposed_refusal"))
                & ~Q(proposed_by=actor),
            ),
        )
    )
    return {k: int(v or 0) for k, v in agg.items()}


def case_document_get(*, actor: User, case_id: uuid.UUID | str, document_id: uuid.UUID) -> Any:
    """A document attached to a case, for its office's staff or its applicant; each read
    is audited (a scanned passport is personal data)."""
    from umis.cases.models import CaseDocument
    from umis.core.audit import audit_record
    from umis.core.constants import AuditAction

    case = case_get(actor=actor, case_id=case_id)
    document = CaseDocument.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise NotFound("document", _("Document not found"))
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="cases.document",
        object_id=document.pk,
        person_id=case.person_id,
        purpose=f"case {case.number}",
    )
    return document
