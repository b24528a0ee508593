"""Back office: one-stop-shop case work. The work queue, the case page (the applicant's
360° view, documents, checklist, payments, the decision form, history, issued documents),
reassignment and the supervisor's deadline page. Thin: parse with a form, call a case
service or selector, render; every decision about what is allowed is the services'."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from umis.backoffice.forms import apply_errors
from umis.backoffice.forms_cases import (
    PaymentForm,
    PermitRevokeForm,
    ReassignForm,
    TransitionForm,
    VersionForm,
    officer_label,
)
from umis.backoffice.views import _actor, office_view
from umis.cases import rules
from umis.cases.models import Case, CaseAction, CaseDocument, PaymentOrder
from umis.cases.selectors import (
    QUEUES,
    case_counts,
    case_document_get,
    case_get,
    case_queue,
    deadline_overview,
    refusal_grounds,
)
from umis.cases.services import (
    CLOSED_STATUSES,
    allowed_actions,
    case_checks_run,
    case_reassign,
    case_transition,
    payment_record,
)
from umis.core.calendar import WorkingCalendar, working_calendar
from umis.core.constants import AccessPurpose, Role
from umis.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from umis.core.models import User
from umis.core.pagination import paginate
from umis.core.permissions import Perm, has_perm, require
from umis.core.policy import PolicyKeyError, get_policy
from umis.permits.decisions import DECIDED_STATUSES, decision_pdf
from umis.permits.models import Permit
from umis.permits.selectors import application_options, case_issued_documents, person_permits
from umis.permits.services import issued_document_pdf, permit_revoke
from umis.registry import selectors as registry_selectors

PAGE_SIZE = 25
# The languages issued documents are printed in (permits.services.issued_document_pdf).
PDF_LANGUAGES = ("az", "en")

STATUS_LABELS = {
    "submitted": gettext_lazy("Submitted"),
    "in_review": gettext_lazy("In review"),
    "awaiting_documents": gettext_lazy("Awaiting documents"),
    "proposed_approval": gettext_lazy("Approval proposed"),
    "proposed_refusal": gettext_lazy("Refusal proposed"),
    "approved": gettext_lazy("Approved"),
    "refused": gettext_lazy("Refused"),
    "issued": pgettext_lazy("case status", "Issued"),
    "withdrawn": gettext_lazy("Withdrawn"),
}

ACTION_LABELS = {
    # Workflow actions (the decision form's buttons).
    "start_review": gettext_lazy("Start the review"),
    "request_documents": gettext_lazy("Request documents"),
    "documents_received": gettext_lazy("Documents received"),
    "propose_approval": gettext_lazy("Propose approval"),
    "propose_refusal": gettext_lazy("Propose refusal"),
    "confirm_approval": gettext_lazy("Confirm approval"),
    "confirm_refusal": gettext_lazy("Confirm refusal"),
    "return": gettext_lazy("Return for review"),
    "issue": gettext_lazy("Issue"),
    "withdraw": gettext_lazy("Withdraw"),
    # Other entries of the history.
    "submit": gettext_lazy("Application submitted"),
    "checks_run": gettext_lazy("Checks run again"),
    "reassign": gettext_lazy("Reassigned"),
    "payment_recorded": gettext_lazy("Payment recorded"),
    "document_added": gettext_lazy("Document added"),
}

QUEUE_LABELS = {
    "mine": gettext_lazy("My cases"),
    "office": gettext_lazy("Office"),
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "awaiting_confirmation": gettext_lazy("Awaiting confirmation"),
}

PAYMENT_LABELS = {
    PaymentOrder.Status.DUE.value: gettext_lazy("Due"),
    PaymentOrder.Status.PAID.value: gettext_lazy("Paid"),
    PaymentOrder.Status.CANCELLED.value: pgettext_lazy("payment order", "Cancelled"),
}

PERMIT_LABELS = {
    "active": pgettext_lazy("permit", "Active"),
    "revoked": gettext_lazy("Revoked"),
    "superseded": gettext_lazy("Superseded by an extension"),
}

ISSUED_LABELS = {
    "residence_card": gettext_lazy("Residence permit card"),
    "work_permit": gettext_lazy("Work permit"),
    "decision": gettext_lazy("Decision letter"),
}

# What the application asked for (case.data), in the order the page shows it.
DATA_LABELS = {
    "ground": gettext_lazy("Ground"),
    "employer_name": gettext_lazy("Employer"),
    "employer_tax_number": gettext_lazy("Employer's VÖEN"),
    "position": gettext_lazy("Position"),
    "counts_against_quota": gettext_lazy("Counts against the quota"),
    "exemption": gettext_lazy("Exempt from the quota"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_to": gettext_lazy("Valid to"),
    "validity_years": gettext_lazy("Validity (years)"),
    "residence_since": gettext_lazy("Resident since"),
    "stay_ends": gettext_lazy("Current stay ends"),
    "new_stay_ends": gettext_lazy("Stay extended until"),
    "previous_permit": gettext_lazy("Permit being extended"),
    "permit": gettext_lazy("Permit"),
    "reason": gettext_lazy("Reason"),
    "passport_number": gettext_lazy("Passport number"),
}
# Shown elsewhere on the page (checklist, the ground's text), or ids behind the above.
_DATA_HIDDEN = frozenset({"checks", "waived", "ground_legal_ref", "employer"})
# Values that are a permit's id: shown as its number.
_PERMIT_KEYS = frozenset({"previous_permit", "permit"})

# The decision buttons' look: the irreversible and the negative stand out.
_PRIMARY = frozenset({"confirm_approval", "issue", "propose_approval"})
_NEGATIVE = frozenset({"confirm_refusal", "propose_refusal"})


def _lang() -> str:
    return (translation.get_language() or "az").split("-")[0]


def _service_name(code: str, lang: str) -> str:
    try:
        return get_policy().service(code).name(lang)
    except PolicyKeyError:
        return code


def _status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action.replace("_", " ")))


def _days_left(case: Case, today: dt.date, calendar: WorkingCalendar) -> dict[str, int] | None:
    """Working days left to the deadline (negative: overdue), for _deadline.html; None
    while the clock is stopped."""
    if case.deadline is None:
        return None
    return _left(rules.working_days_left(due=case.deadline, today=today, calendar=calendar))


def _left(days: int | None) -> dict[str, int] | None:
    return None if days is None else {"days": days, "overdue_by": max(0, -days)}


def _user_label(user: User | None) -> str:
    return officer_label(user) if user is not None else "—"


# --- the work queue ----------------------------------------------------------------------


@office_view(Perm.CASE_WORK)
@require_GET
def case_queue_view(request: HttpRequest) -> HttpResponse:
    """A queue and its page: no personal data in the query string, only the queue's name
    and a page number. Supervisors land on the proposals waiting for them."""
    actor = _actor(request)
    default = "awaiting_confirmation" if has_perm(actor, Perm.CASE_SUPERVISE) else "mine"
    queue = request.GET.get("queue") or default
    if queue not in QUEUES:
        raise Http404("queue")
    try:
        page_number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_number = 1
    today = timezone.localdate()
    calendar = working_calendar(on=today)
    lang = _lang()
    counts = case_counts(actor=actor, today=today)
    results = paginate(case_queue(actor=actor, queue=queue, today=today), page_number, PAGE_SIZE)
    rows = [
        {
            "case": case,
            "service": _service_name(case.service, lang),
            "status": _status_label(case.status),
            "left": _days_left(case, today, calendar),
            "assignee": _user_label(case.assignee),
        }
        for case in results.items
    ]
    return render(
        request,
        "backoffice/cases/queue.html",
        {
            "queue": queue,
            "queue_label": QUEUE_LABELS[queue],
            "tabs": [
                {"code": code, "label": QUEUE_LABELS[code], "count": counts.get(code, 0)}
                for code in QUEUES
            ],
            "results": results,
            "rows": rows,
        },
    )


# --- the case page -----------------------------------------------------------------------


def _ground_choices(case: Case, lang: str, on: dt.date) -> list[tuple[str, str]]:
    return [
        (code, f"{_text(item.get('text'), lang)} — {item.get('legal_ref', '')}".strip(" —"))
        for code, item in refusal_grounds(case.service, on=on).items()
    ]


def _text(value: Any, lang: str) -> str:
    """A pack text: a {lang: text} table or a plain string."""
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("az") or next(iter(value.values()), ""))
    return str(value or "")


def _show(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _applied_for(case: Case, lang: str, permits: list[Any]) -> list[tuple[str, str]]:
    """What the application asked for: tier, term, then the validated data (ground with
    its text from the pack, employer, position, dates...)."""
    rows: list[tuple[str, str]] = []
    if case.fee_tier:
        rows.append((_("Fee tier"), case.fee_tier))
    if case.variant:
        rows.append((_("Requested term"), case.variant))
    data = {k: v for k, v in (case.data or {}).items() if k not in _DATA_HIDDEN}
    employer = case.employer
    if employer is not None:
        rows.append((_("Employer"), f"{employer.name} (VÖEN {employer.tax_number})"))
        data.pop("employer_name", None)
        data.pop("employer_tax_number", None)
    grounds: dict[str, str] = {}
    if data.get("ground"):
        grounds = _application_grounds(case.service, lang)
    numbers = {str(p.pk): p.number for p in permits}
    ordered = [k for k in DATA_LABELS if k in data]
    ordered += sorted(k for k in data if k not in DATA_LABELS)
    for key in ordered:
        value = data[key]
        if key == "ground" and str(value) in grounds:
            shown = f"{grounds[str(value)]} [{value}]"
        elif key in _PERMIT_KEYS:
            shown = numbers.get(str(value), _show(value))
        else:
            shown = _show(value)
        label = DATA_LABELS.get(key) or key.replace("_", " ").capitalize()
        rows.append((str(label), shown))
    return rows


def _application_grounds(service: str, lang: str) -> dict[str, str]:
    """The texts of the grounds one applies on (residence permits), from the permit
    app's options; a service without grounds has none."""
    try:
        options = application_options(service, language=lang)
    except (ApplicationError, PolicyKeyError, LookupError):
        return {}
    return {str(code): str(text) for code, text in (options.grounds or [])}


def _checklist(case: Case, documents: list[CaseDocument], lang: str) -> dict[str, Any]:
    have = {d.code for d in documents}
    waived = set((case.data or {}).get("waived") or [])
    try:
        required = get_policy().service(case.service).required_documents
    except PolicyKeyError:
        required = ()
    names = {d.code: d.name(lang) for d in required}
    docs = [
        {
            "code": d.code,
            "name": d.name(lang),
            "optional": d.optional,
            "state": "present" if d.code in have else ("waived" if d.code in waived else "missing"),
        }
        for d in required
    ]
    checks = []
    for code, item in sorted(((case.data or {}).get("checks") or {}).items()):
        ok = item.get("ok")
        at = item.get("at")
        try:
            when = dt.datetime.fromisoformat(at) if at else None
        except (TypeError, ValueError):
            when = None
        checks.append(
            {
                "code": code,
                "state": "passed" if ok is True else ("failed" if ok is False else "pending"),
                "detail": item.get("detail") or "",
                "legal_ref": item.get("legal_ref") or "",
                "at": when,
            }
        )
    return {"documents": docs, "checks": checks, "document_names": names}


def _history(
    case: Case, actions: list[CaseAction], lang: str, document_names: dict[str, str]
) -> list[dict[str, Any]]:
    officer_ids = {
        str(a.details.get("to"))
        for a in actions
        if a.action == "reassign" and isinstance(a.details, dict) and a.details.get("to")
    }
    officers = {str(u.pk): u for u in User.objects.filter(pk__in=officer_ids)}
    ground_texts: dict[dt.date, dict[str, str]] = {}
    rows = []
    for a in actions:
        details = a.details if isinstance(a.details, dict) else {}
        grounds: list[str] = []
        if a.grounds:
            on = timezone.localdate(a.at)
            if on not in ground_texts:
                ground_texts[on] = {
                    code: f"{_text(item.get('text'), lang)} ({item.get('legal_ref', '')})"
                    for code, item in refusal_grounds(case.service, on=on).items()
                }
            grounds = [ground_texts[on].get(g, g) for g in a.grounds]
        detail = ""
        if a.action == "reassign":
            detail = _("to %(officer)s") % {
                "officer": _user_label(officers.get(str(details.get("to"))))
            }
        elif a.action == "payment_recorded":
            detail = _("order %(order)s, receipt %(receipt)s") % {
                "order": details.get("order", ""),
                "receipt": details.get("receipt", ""),
            }
        elif a.action == "document_added":
            code = str(details.get("code", ""))
            detail = document_names.get(code, code)
        if a.actor is not None:
            who = officer_label(a.actor) if a.actor.role else _("Applicant")
        else:
            who = _("System")
        rows.append(
            {
                "at": a.at,
                "who": who,
                "role": _role_label(a.actor_role),
                "action": _action_label(a.action),
                "from": _status_label(a.from_status) if a.from_status else "",
                "to": _status_label(a.to_status),
                "changed": a.from_status != a.to_status,
                "grounds": grounds,
                "note": a.note,
                "detail": detail,
            }
        )
    return rows


def _role_label(role: str) -> str:
    if role in Role.values:
        return str(Role(role).label)
    return {"applicant": _("Applicant"), "system": _("System")}.get(role, role)


def _other_cases(actor: User, case: Case, lang: str) -> list[dict[str, Any]]:
    """The person's other cases this officer may open (same office scope as case_get)."""
    others = (
        Case.objects.filter(person_id=case.person_id)
        .exclude(pk=case.pk)
        .select_related("office")
        .order_by("-submitted_at")
    )
    return [
        {
            "case": other,
            "service": _service_name(other.service, lang),
            "status": _status_label(other.status),
        }
        for other in others
        if has_perm(actor, Perm.CASE_WORK, other)
    ]


def _permits(permits: list[Any], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "permit": p,
            "kind": _service_name(p.kind, lang),
            "status": PERMIT_LABELS.get(p.status, p.status),
        }
        for p in permits
    ]


_CONFLICT = gettext_lazy(
    "The case changed while you were looking at it, so nothing was done. Here is its "
    "current state and what you can do now."
)


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    form: TransitionForm | None = None,
    payment: tuple[uuid.UUID, PaymentForm] | None = None,
    errors: Iterable[str] = (),
    conflict: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The case page. Each render reads the applicant's record, audited as a view for
    case work (the same mechanism as the person page)."""
    actor = _actor(request)
    lang = _lang()
    today = timezone.localdate()
    person = registry_selectors.person_get(
        actor=actor,
        person_id=case.person_id,
        purpose=f"{AccessPurpose.CASE.value} {case.number}",
    )
    documents = list(case.documents.all())
    checklist = _checklist(case, documents, lang)
    actions = allowed_actions(case, actor)
    grounds = _ground_choices(case, lang, today) if "propose_refusal" in actions else []
    if form is None:
        form = TransitionForm.fresh(version=case.version, grounds=grounds)
    else:
        form._choices("grounds").choices = grounds
    can_record = has_perm(actor, Perm.PAYMENT_RECORD, case)
    orders = []
    for order in case.payment_orders.all():
        order_form = None
        if can_record and order.status == PaymentOrder.Status.DUE:
            if payment is not None and payment[0] == order.pk:
                order_form = payment[1]
            else:
                order_form = PaymentForm(prefix=PaymentForm.prefix_for(order.number))
        orders.append(
            {"order": order, "status": PAYMENT_LABELS.get(order.status), "form": order_form}
        )
    days_left = _days_left(case, today, working_calendar(on=today))
    history = list(case.actions.select_related("actor").order_by("seq"))
    permits = person_permits(case.person_id)
    case_permit = next((p for p in permits if p.case_id == case.pk), None)
    return render(
        request,
        "backoffice/cases/detail.html",
        {
            "case": case,
            "person": person,
            "nationalities": list(person.nationalities.all()),
            "person_documents": list(person.documents.all()),
            "service_name": _service_name(case.service, lang),
            "status_label": _status_label(case.status),
            "is_closed": case.status in CLOSED_STATUSES,
            "left": days_left,
            "assignee": _user_label(case.assignee),
            "proposed_by": _user_label(case.proposed_by) if case.proposed_by_id else "",
            "applied_for": _applied_for(case, lang, permits),
            "documents": [
                {"document": d, "name": checklist["document_names"].get(d.code, d.code)}
                for d in documents
            ],
            "checklist": checklist,
            "purpose_label": AccessPurpose.CASE.label,
            "orders": orders,
            "actions": [
                {
                    "code": a,
                    "label": _action_label(a),
                    "style": "primary"
                    if a in _PRIMARY
                    else ("negative" if a in _NEGATIVE else "outline"),
                }
                for a in actions
                if a != "propose_refusal"
            ],
            "can_propose_refusal": "propose_refusal" in actions,
            "can_run_checks": bool(actions) and case.status not in CLOSED_STATUSES,
            "can_reassign": has_perm(actor, Perm.CASE_SUPERVISE, case)
            and case.status not in CLOSED_STATUSES,
            "form": form,
            "errors": list(errors),
            "conflict": conflict,
            "conflict_message": _CONFLICT,
            "history": _history(case, history, lang, checklist["document_names"]),
            "issued": [
                {"document": d, "kind": ISSUED_LABELS.get(d.kind, d.kind)}
                for d in case_issued_documents(case)
            ],
            "pdf_languages": PDF_LANGUAGES,
            "has_decision": case.status in DECIDED_STATUSES,
            "other_cases": _other_cases(actor, case, lang),
            "permits": _permits(permits, lang),
            "case_permit": case_permit,
            "can_revoke": case_permit is not None
            and case_permit.status == "active"
            and has_perm(actor, Perm.PERMIT_REVOKE, case),
        },
        status=status,
    )


@office_view(Perm.CASE_WORK)
@require_GET
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _case_page(request, case_get(actor=_actor(request), case_id=case_id))


@office_view(Perm.CASE_WORK)
@require_POST
def case_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponseBase:
    """Fire the pressed button's workflow action. A stale page (409) comes back with the
    case as it is now and its new allowed actions; the officer's note is kept."""
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    lang = _lang()
    grounds = _ground_choices(case, lang, timezone.localdate())
    form = TransitionForm(request.POST, grounds=grounds)
    if not form.is_valid():
        return _case_page(request, case, form=form, status=422)
    d = form.cleaned_data
    try:
        changed = case_transition(
            actor=actor,
            case_id=case.pk,
            action=d["action"],
            expected_version=d["expected_version"],
            idempotency_key=d["idempotency_key"],
            grounds=d["grounds"] if d["action"] == "propose_refusal" else (),
            note=d.get("note") or "",
        )
    except (Forbidden, NotFound):
        raise
    except ApplicationError as exc:
        if exc.code == "version_conflict":
            current = case_get(actor=actor, case_id=case.pk)
            fresh = TransitionForm.fresh(
                version=current.version, grounds=[], note=d.get("note") or ""
            )
            return _case_page(request, current, form=fresh, conflict=True, status=409)
        apply_errors(form, exc)
        return _case_page(request, case, form=form, status=exc.status or 422)
    messages.success(
        request,
        _("“%(action)s” was done; the case is now: %(status)s.")
        % {"action": _action_label(d["action"]), "status": _status_label(changed.status)},
    )
    return redirect(reverse("backoffice:case_detail", args=[case.pk]) + "#decision")


@office_view(Perm.CASE_WORK)
@require_POST
def case_checks(request: HttpRequest, case_id: uuid.UUID) -> HttpResponseBase:
    """Run the case's checks again (e.g. an outside register was unavailable)."""
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, errors=[_("Reload the page and try again.")], status=422)
    try:
        case_checks_run(
            actor=actor, case_id=case.pk, expected_version=form.cleaned_data["expected_version"]
        )
    except (Forbidden, NotFound):
        raise
    except ApplicationError as exc:
        if exc.code == "version_conflict":
            current = case_get(actor=actor, case_id=case.pk)
            return _case_page(request, current, conflict=True, status=409)
        return _case_page(request, case, errors=[exc.detail], status=exc.status or 422)
    messages.success(request, _("The checks were run again."))
    return redirect(reverse("backoffice:case_detail", args=[case.pk]) + "#checklist")


@office_view(Perm.PAYMENT_RECORD)
@require_POST
def case_payment(request: HttpRequest, case_id: uuid.UUID, order_id: uuid.UUID) -> HttpResponseBase:
    """Record the receipt of one of the case's payment orders."""
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    order = next((o for o in case.payment_orders.all() if o.pk == order_id), None)
    if order is None:
        raise Http404("payment order")
    form = PaymentForm(request.POST, prefix=PaymentForm.prefix_for(order.number))
    status = 422
    if form.is_valid():
        try:
            payment_record(
                actor=actor,
                order_id=order.pk,
                receipt_number=form.cleaned_data["receipt_number"],
                paid_on=form.cleaned_data.get("paid_on"),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
            status = exc.status or 422
        else:
            messages.success(
                request,
                _("Payment %(number)s was recorded as paid.") % {"number": order.number},
            )
            return redirect(reverse("backoffice:case_detail", args=[case.pk]) + "#payments")
    return _case_page(request, case, payment=(order.pk, form), status=status)


# --- files -------------------------------------------------------------------------------


def _inline(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@office_view(Perm.CASE_WORK)
@require_GET
def case_document(
    request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID
) -> HttpResponseBase:
    """A document of the case, streamed after the selector checked and audited the read.
    Served with the type found at upload (from the file's bytes), never guessed."""
    document = case_document_get(actor=_actor(request), case_id=case_id, document_id=document_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("document file") from exc
    # Not an attachment: FileResponse answers "inline; filename=..." (RFC 6266 encoded).
    response = FileResponse(handle, content_type=document.content_type, filename=document.filename)
    response.setdefault("Content-Disposition", "inline")
    return _inline(response)


@office_view(Perm.CASE_WORK)
@require_GET
def case_issued_pdf(
    request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID
) -> HttpResponseBase:
    """An issued document of the case as a PDF, in Azerbaijani or English."""
    language = request.GET.get("lang") or PDF_LANGUAGES[0]
    if language not in PDF_LANGUAGES:
        raise Http404("language")
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    issued = next((d for d in case_issued_documents(case) if d.pk == document_id), None)
    if issued is None:
        raise Http404("issued document")
    pdf = issued_document_pdf(actor=actor, document_id=issued.pk, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(False, f"{issued.number}-{language}.pdf") or "inline"
    )
    return _inline(response)


@office_view(Perm.CASE_WORK)
@require_GET
def case_decision_pdf(request: HttpRequest, case_id: uuid.UUID) -> HttpResponseBase:
    """The decision letter of a decided case as a PDF (``?lang=az|en``), as the
    applicant receives it."""
    language = request.GET.get("lang") or PDF_LANGUAGES[0]
    if language not in PDF_LANGUAGES:
        raise Http404("language")
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    try:
        pdf = decision_pdf(actor=actor, case_id=case.pk, language=language)
    except Conflict as exc:  # not decided (yet): the case page says so
        return _case_page(request, case, errors=[exc.detail], status=exc.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(False, f"{case.number}-decision-{language}.pdf") or "inline"
    )
    return _inline(response)


# --- supervision -------------------------------------------------------------------------


@office_view(Perm.CASE_SUPERVISE)
@require_http_methods(["GET", "POST"])
def case_reassign_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponseBase:
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    require(actor, Perm.CASE_SUPERVISE, case)
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        office_id=case.office_id,
        exclude=case.assignee_id,
        initial={"expected_version": case.version},
    )
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                changed = case_reassign(
                    actor=actor,
                    case_id=case.pk,
                    officer_id=d["officer"],
                    reason=d["reason"],
                    expected_version=d["expected_version"],
                )
            except (Forbidden, NotFound):
                raise
            except ApplicationError as exc:
                status = exc.status or 422
                if exc.code == "version_conflict":
                    # Keep the choice and the reason; the next submit is against the
                    # case as it is now.
                    case = case_get(actor=actor, case_id=case.pk)
                    data = request.POST.copy()
                    data["expected_version"] = str(case.version)
                    form = ReassignForm(data, office_id=case.office_id, exclude=case.assignee_id)
                    form.is_valid()
                    form.add_error(None, str(_CONFLICT))
                else:
                    apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Case %(number)s was reassigned to %(officer)s.")
                    % {"number": changed.number, "officer": _user_label(changed.assignee)},
                )
                return redirect("backoffice:case_detail", case_id=case.pk)
    return render(
        request,
        "backoffice/cases/reassign.html",
        {
            "case": case,
            "form": form,
            "assignee": _user_label(case.assignee),
            "status_label": _status_label(case.status),
            "service_name": _service_name(case.service, _lang()),
            "is_closed": case.status in CLOSED_STATUSES,
        },
        status=status,
    )


@office_view(Perm.CASE_SUPERVISE)
@require_GET
def case_deadlines(request: HttpRequest) -> HttpResponse:
    """Workload and deadlines per officer: every open case by age against its term."""
    actor = _actor(request)
    lang = _lang()
    groups = [
        {
            "officer": _user_label(load.officer) if load.officer else None,
            "load": load,
            "rows": [
                {
                    "case": row.case,
                    "age_days": row.age_days,
                    "left": _left(row.working_days_left),
                    "service": _service_name(row.case.service, lang),
                    "status": _status_label(row.case.status),
                }
                for row in load.rows
            ],
        }
        for load in deadline_overview(actor=actor)
    ]
    return render(request, "backoffice/cases/deadlines.html", {"groups": groups})


@office_view(Perm.PERMIT_REVOKE)
@require_http_methods(["GET", "POST"])
def case_permit_revoke(request: HttpRequest, case_id: uuid.UUID) -> HttpResponseBase:
    """A supervisor revokes the permit a case granted (e.g. a work permit whose
    employment ended): its cards stop verifying, its stay period ends."""
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    require(actor, Perm.PERMIT_REVOKE, case)
    permit = Permit.objects.filter(case=case).first()
    if permit is None:
        raise Http404("permit")
    form = PermitRevokeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                permit_revoke(actor=actor, permit_id=permit.pk, reason=form.cleaned_data["reason"])
            except (Forbidden, NotFound):
                raise
            except ApplicationError as exc:
                status = exc.status or 422
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Permit %(number)s was revoked.") % {"number": permit.number}
                )
                return redirect("backoffice:case_detail", case_id=case.pk)
    return render(
        request,
        "backoffice/cases/permit_revoke.html",
        {"case": case, "permit": permit, "form": form},
        status=status,
    )
