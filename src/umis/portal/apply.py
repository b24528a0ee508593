"""The portal's online applications (issue #4): apply for a permit, follow one's cases,
send requested documents, withdraw, download the issued documents; and two public pages
without sign-in: tracking a case by number, passport and birth date, and checking a
permit card's QR code.

Views are thin: eligibility, numbers, fees and deadlines are in
:mod:`umis.permits.services` and :mod:`umis.cases.services`, whose ``ApplicationError``\\ s
come back here as form errors on the field they name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from umis.cases.models import Case, CaseAction, PaymentOrder
from umis.cases.selectors import (
    applicant_cases,
    case_get,
    case_track,
    inbox,
    refusal_grounds,
)
from umis.cases.services import (
    Upload,
    allowed_actions,
    case_document_add,
    case_transition,
    documents_missing,
)
from umis.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from umis.core.middleware import client_ip
from umis.core.models import User
from umis.core.permissions import Perm, has_perm
from umis.core.policy import PolicyKeyError, PolicyPack, get_policy
from umis.permits.decisions import DECIDED_STATUSES, decision_pdf
from umis.permits.models import Permit
from umis.permits.selectors import (
    APPLY_SERVICES,
    application_options,
    case_issued_documents,
    person_permits,
    verify,
)
from umis.permits.services import (
    ApplicantIdentity,
    ApplicationIn,
    application_submit,
    issued_document_pdf,
)
from umis.portal.forms_apply import (
    DOCUMENT_PREFIX,
    ApplicationForm,
    CaseActionForm,
    DocumentUploadForm,
    TrackForm,
    VerifyForm,
    new_key,
)
from umis.registry.models import Organisation

View = Callable[..., HttpResponseBase]

# What the applicant is told of a case's state: a proposal is internal (four eyes), so
# both proposals read as "decision being prepared".
STATUS_LABELS = {
    "submitted": gettext_lazy("Submitted"),
    "in_review": gettext_lazy("In review"),
    "awaiting_documents": gettext_lazy("Waiting for your documents"),
    "proposed_approval": gettext_lazy("Decision being prepared"),
    "proposed_refusal": gettext_lazy("Decision being prepared"),
    "approved": gettext_lazy("Approved"),
    "refused": gettext_lazy("Refused"),
    "issued": pgettext_lazy("case status", "Issued"),
    "withdrawn": gettext_lazy("Withdrawn"),
}
# The steps of the history that concern the applicant; proposals, returns,
# reassignments and internal checks stay in the back office.
HISTORY_LABELS = {
    "submit": gettext_lazy("Application submitted"),
    "request_documents": gettext_lazy("More documents requested"),
    "documents_received": gettext_lazy("Documents received"),
    "confirm_approval": gettext_lazy("Application approved"),
    "confirm_refusal": gettext_lazy("Application refused"),
    "issue": gettext_lazy("Document issued"),
    "withdraw": gettext_lazy("Application withdrawn"),
}
PAYMENT_LABELS: dict[str, Any] = {
    PaymentOrder.Status.DUE: gettext_lazy("To be paid"),
    PaymentOrder.Status.PAID: gettext_lazy("Paid"),
    PaymentOrder.Status.CANCELLED: pgettext_lazy("payment order", "Cancelled"),
}
DOCUMENT_KIND_LABELS = {
    "residence_card": gettext_lazy("Residence permit card"),
    "work_permit": gettext_lazy("Work permit"),
    "decision": gettext_lazy("Decision"),
}
# Where the applicant may still send documents (cases.services.case_document_add refuses
# the others with a message, which is shown if the page was stale).
UPLOAD_STATUSES = ("submitted", "in_review", "awaiting_documents")
PDF_LANGUAGES = ("az", "en")

# Public tracking is a guessing surface (case number + passport + birth date): at most
# this many tries per client address per window.
TRACK_MAX_TRIES = int(getattr(settings, "UMIS_TRACK_MAX_TRIES", 10))
TRACK_WINDOW_SECONDS = int(getattr(settings, "UMIS_TRACK_WINDOW_SECONDS", 600))


# Room for one file part's multipart headers (name, filename, content type, boundary).
PART_OVERHEAD = 8 * 1024


def _lang() -> str:
    lang = (get_language() or "az")[:2]
    return lang if lang in ("az", "en", "ru") else "az"


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def applicant_view(view: View) -> View:
    """Signed-in public accounts only: anonymous -> sign-in, staff -> 403. The
    services' NotFound/Forbidden become 404/403 pages."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_perm(request.user, Perm.CASE_APPLY):  # type: ignore[arg-type]
            raise PermissionDenied(_("Online applications are for personal accounts."))
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from exc
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    return wrapped


def _upload_limit() -> int:
    return int(getattr(settings, "UMIS_CASE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def _too_large(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/apply/too_large.html",
        {"limit_mb": _upload_limit() // (1024 * 1024), "back": request.get_full_path()},
        status=413,
    )


def upload_guard(max_files: Callable[..., int]) -> Callable[[View], View]:
    """Multipart pages: a body over the size the page can legitimately carry, or over
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE for the form fields, gets the friendly 413 page
    instead of a 400. The body must be read here, before the CSRF check would read it
    (and turn RequestDataTooBig into a 400), so the CSRF check moves inside (Django's
    documented pattern for views that handle uploads themselves)."""

    def decorator(view: View) -> View:
        protected = csrf_protect(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST" and request.user.is_authenticated:
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:  # unreadable: let the parser's own checks decide
                    length = 0
                cap = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + max_files(**kwargs) * (
                    _upload_limit() + PART_OVERHEAD
                )
                if length > cap:
                    return _too_large(request)
                try:
                    request.POST  # noqa: B018 - parse now to catch the size error
                    request.FILES  # noqa: B018
                except RequestDataTooBig:
                    return _too_large(request)
            return protected(request, *args, **kwargs)

        return csrf_exempt(wrapped)

    return decorator


def _application_max_files(service: str = "", **_kwargs: Any) -> int:
    try:
        return len(get_policy().service(service).required_documents)
    except PolicyKeyError:
        return 0


def _one_file(**_kwargs: Any) -> int:
    return 1


def _read(upload: UploadedFile) -> bytes:
    """At most one byte over the limit: enough for the service to refuse an oversize
    file (413) without holding all of it in memory."""
    return upload.read(_upload_limit() + 1)


def _status(exc: ApplicationError) -> int:
    return exc.status if 400 <= exc.status < 500 else 422


# --- applying -----------------------------------------------------------------------------


@require_GET
def apply_index(request: HttpRequest) -> HttpResponse:
    """The services one can apply for online, from the pack's catalogue."""
    lang = _lang()
    pack = get_policy()
    services = []
    for code in APPLY_SERVICES:
        try:
            service = pack.service(code)
        except PolicyKeyError:
            continue
        services.append({"code": code, "name": service.name(lang), "who": service.who(lang)})
    return render(request, "portal/apply/index.html", {"services": services})


def _employers(user: User) -> list[tuple[str, str]]:
    rows = Organisation.objects.filter(
        members__user=user, members__is_active=True, is_employer=True
    ).order_by("name")
    return [(str(o.pk), f"{o.name} (VÖEN {o.tax_number})") for o in rows]


def _residence_permits(user: User) -> list[tuple[str, str]]:
    """Valid residence permits of the persons this account applied for."""
    persons = applicant_cases(actor=user).values_list("person_id", flat=True).distinct()
    out = []
    for person_id in set(persons):
        for p in person_permits(person_id):
            if p.kind in (Permit.Kind.TRP, Permit.Kind.PRP) and p.status == Permit.Status.ACTIVE:
                until = p.valid_to.isoformat() if p.valid_to else "—"
                out.append((str(p.pk), f"{p.get_kind_display()} {p.number} ({until})"))
    return out


def _application_in(form: ApplicationForm, service: str, language: str) -> ApplicationIn:
    cd = form.cleaned_data
    uploads = []
    for code in form.document_codes():
        f = cd.get(DOCUMENT_PREFIX + code)
        if f:
            uploads.append(Upload(code=code, filename=f.name or code, content=_read(f)))
    return ApplicationIn(
        service=service,
        fee_tier=cd.get("fee_tier") or "",
        variant=cd.get("variant") or "",
        identity=ApplicantIdentity(
            family_name=cd["family_name"],
            given_names=cd.get("given_names") or "",
            birth_date=cd["birth_date"],
            sex=cd["sex"],
            nationality=cd["nationality"],
            passport_number=cd["passport_number"],
            passport_issuing_state=cd["passport_issuing_state"],
            passport_expiry=cd["passport_expiry"],
        ),
        ground=cd.get("ground") or "",
        employer_id=uuid.UUID(cd["employer"]) if cd.get("employer") else None,
        position=cd.get("position") or "",
        permit_id=uuid.UUID(cd["permit"]) if cd.get("permit") else None,
        reason=cd.get("reason") or "",
        contact_email=cd.get("contact_email") or "",
        contact_phone=cd.get("contact_phone") or "",
        language=language,
        uploads=uploads,
        idempotency_key=cd["idempotency_key"],
    )


def _place_errors(form: Any, exc: ApplicationError, field_for: Callable[[str], str | None]) -> None:
    placed = False
    for fe in exc.field_errors:
        name = field_for(fe.field)
        form.add_error(name, fe.message)
        placed = True
    if not placed:
        form.add_error(None, exc.detail)


@upload_guard(_application_max_files)
@applicant_view
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, service: str) -> HttpResponse:
    if service not in APPLY_SERVICES:
        raise Http404("service")
    lang = _lang()
    actor = _actor(request)
    try:
        options = application_options(service, language=lang)
    except PolicyKeyError as exc:
        raise Http404("service") from exc
    employers = _employers(actor) if options.service.audience == "employer" else []
    post = request.method == "POST"
    form = ApplicationForm(
        request.POST if post else None,
        request.FILES if post else None,
        options=options,
        employers=employers,
        permits=_residence_permits(actor) if options.reasons else [],
        initial={"contact_email": actor.email},
    )
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                case = application_submit(actor=actor, data=_application_in(form, service, lang))
            except (Forbidden, NotFound):
                raise
            except ApplicationError as exc:
                _place_errors(form, exc, form.field_for)
                status = _status(exc)
            else:
                messages.success(
                    request,
                    _("Your application %(number)s was submitted.") % {"number": case.number},
                )
                return redirect("portal:my_case", case_id=case.pk)
    return render(
        request,
        "portal/apply/form.html",
        {
            "form": form,
            "service": options.service,
            "service_name": options.service.name(lang),
            "who": options.service.who(lang),
            "needs_employer": options.service.audience == "employer",
            "has_employers": bool(employers),
            "limit_mb": _upload_limit() // (1024 * 1024),
        },
        status=status,
    )


# --- the applicant's cases ------------------------------------------------------------------


def _service_name(pack: PolicyPack, code: str, lang: str) -> str:
    try:
        return pack.service(code).name(lang)
    except PolicyKeyError:
        return code


@dataclass
class CaseRow:
    case: Case
    service: str
    status: str


@applicant_view
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    pack, lang = get_policy(), _lang()
    rows = [
        CaseRow(c, _service_name(pack, c.service, lang), str(STATUS_LABELS.get(c.status, c.status)))
        for c in applicant_cases(actor=actor)
    ]
    return render(
        request,
        "portal/apply/list.html",
        {"rows": rows, "notifications": inbox(actor=actor)},
    )


@dataclass
class HistoryStep:
    action: CaseAction
    label: str
    note: str
    grounds: list[dict[str, str]]


def _history(case: Case, lang: str) -> list[HistoryStep]:
    steps = []
    for a in case.actions.filter(action__in=tuple(HISTORY_LABELS)).order_by("seq"):
        grounds: list[dict[str, str]] = []
        if a.action == "confirm_refusal":
            known = refusal_grounds(case.service, on=timezone.localdate(a.at))
            for code in case.grounds:
                g = known.get(code)
                text = (g["text"].get(lang) or g["text"].get("en") or code) if g else code
                grounds.append({"text": text, "legal_ref": g["legal_ref"] if g else ""})
        steps.append(
            HistoryStep(
                action=a,
                label=str(HISTORY_LABELS[a.action]),
                # An officer's request says what to send; other notes are internal.
                note=a.note if a.action == "request_documents" else "",
                grounds=grounds,
            )
        )
    return steps


def _document_names(case: Case, lang: str) -> list[tuple[str, str]]:
    try:
        service = get_policy().service(case.service)
    except PolicyKeyError:
        return []
    return [(d.code, d.name(lang)) for d in service.required_documents]


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    upload_form: DocumentUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor, lang = _actor(request), _lang()
    names = _document_names(case, lang)
    name_of = dict(names)
    allowed = allowed_actions(case, actor)
    can_upload = case.status in UPLOAD_STATUSES
    if upload_form is None and can_upload:
        upload_form = DocumentUploadForm(documents=names)
    return render(
        request,
        "portal/apply/case.html",
        {
            "case": case,
            "service_name": _service_name(get_policy(), case.service, lang),
            "status_label": STATUS_LABELS.get(case.status, case.status),
            "orders": [
                (o, PAYMENT_LABELS.get(o.status, o.status))
                for o in case.payment_orders.order_by("created_at")
            ],
            "documents": [(d, name_of.get(d.code, d.code)) for d in case.documents.all()],
            "missing": [name_of.get(c, c) for c in documents_missing(case)] if can_upload else [],
            "history": _history(case, lang),
            "issued": [
                (d, DOCUMENT_KIND_LABELS.get(d.kind, d.kind)) for d in case_issued_documents(case)
            ],
            "pdf_languages": PDF_LANGUAGES,
            "has_decision": case.status in DECIDED_STATUSES,
            "can_upload": can_upload,
            "upload_form": upload_form,
            "can_send": "documents_received" in allowed,
            "can_withdraw": "withdraw" in allowed,
            "action_form": CaseActionForm(
                initial={"version": case.version, "idempotency_key": new_key()}
            ),
        },
        status=status,
    )


@applicant_view
@require_GET
def my_case(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _case_page(request, case_get(actor=_actor(request), case_id=case_id))


@upload_guard(_one_file)
@applicant_view
@require_POST
def my_case_upload(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """A document for an open case (typically one the officer asked for)."""
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    form = DocumentUploadForm(request.POST, request.FILES, documents=_document_names(case, _lang()))
    if not form.is_valid():
        return _case_page(request, case, upload_form=form, status=422)
    f = form.cleaned_data["file"]
    try:
        case_document_add(
            actor=actor,
            case_id=case.pk,
            upload=Upload(
                code=form.cleaned_data["code"], filename=f.name or "document", content=_read(f)
            ),
        )
    except (Forbidden, NotFound):
        raise
    except ApplicationError as exc:
        if not exc.field_errors:  # e.g. the case was decided meanwhile: no form to fix
            messages.error(request, exc.detail)
            return redirect("portal:my_case", case_id=case.pk)
        _place_errors(form, exc, lambda name: "file" if name.startswith("documents.") else None)
        case.refresh_from_db()
        return _case_page(request, case, upload_form=form, status=_status(exc))
    messages.success(request, _("The document was added to your application."))
    return redirect("portal:my_case", case_id=case.pk)


def _fire(request: HttpRequest, case: Case, action: str, done: str) -> HttpResponse:
    form = CaseActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date; please try again."))
        return redirect("portal:my_case", case_id=case.pk)
    try:
        case_transition(
            actor=_actor(request),
            case_id=case.pk,
            action=action,
            expected_version=form.cleaned_data["version"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except (Forbidden, NotFound):
        raise
    except ApplicationError as exc:
        if exc.code == "version_conflict":
            messages.error(request, _("Your application changed meanwhile; check it again."))
        else:
            messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return redirect("portal:my_case", case_id=case.pk)


@applicant_view
@require_POST
def my_case_documents_sent(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The applicant says the requested documents are sent: the clock runs again."""
    case = case_get(actor=_actor(request), case_id=case_id)
    return _fire(
        request,
        case,
        "documents_received",
        _("Thank you: the officer was told that your documents are in."),
    )


@applicant_view
@require_http_methods(["GET", "POST"])
def my_case_withdraw(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Withdraw an application, after a confirmation step."""
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    if request.method == "POST":
        return _fire(request, case, "withdraw", _("Your application was withdrawn."))
    if "withdraw" not in allowed_actions(case, actor):
        messages.error(request, _("This application can no longer be withdrawn."))
        return redirect("portal:my_case", case_id=case.pk)
    return render(
        request,
        "portal/apply/withdraw.html",
        {
            "case": case,
            "service_name": _service_name(get_policy(), case.service, _lang()),
            "form": CaseActionForm(initial={"version": case.version, "idempotency_key": new_key()}),
        },
    )


@applicant_view
@require_GET
def my_case_document_pdf(
    request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID, language: str
) -> HttpResponse:
    """An issued document of the case as PDF, in Azerbaijani or English."""
    if language not in PDF_LANGUAGES:
        raise Http404("language")
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    doc = next((d for d in case_issued_documents(case) if d.pk == document_id), None)
    if doc is None:
        raise Http404("document")
    pdf = issued_document_pdf(actor=actor, document_id=doc.pk, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{doc.number}-{language}.pdf"'
    return response


@applicant_view
@require_GET
def my_case_decision_pdf(request: HttpRequest, case_id: uuid.UUID, language: str) -> HttpResponse:
    """The decision letter of a decided case as PDF, in Azerbaijani or English: what a
    refused applicant has to download, and an approved one before the card is issued."""
    if language not in PDF_LANGUAGES:
        raise Http404("language")
    actor = _actor(request)
    case = case_get(actor=actor, case_id=case_id)
    try:
        pdf = decision_pdf(actor=actor, case_id=case.pk, language=language)
    except Conflict as exc:  # no decision yet (a stale page or a typed address)
        messages.error(request, exc.detail)
        return _case_page(request, case, status=exc.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{case.number}-decision-{language}.pdf") or "attachment"
    )
    return response


# --- public tracking ------------------------------------------------------------------------


def _track_try_allowed(request: HttpRequest) -> bool:
    """Count this try for the client's address in a fixed window; False beyond the
    limit. In the shared cache, so every web process counts together."""
    key = f"umis:track:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=TRACK_WINDOW_SECONDS)
    try:
        tries = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=TRACK_WINDOW_SECONDS)
        tries = 1
    return tries <= TRACK_MAX_TRIES


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Passport data travel in a POST body, never in the address (logs, history)."""
    form = TrackForm(request.POST if request.method == "POST" else None)
    found: Case | None = None
    status = 200
    limited = not_found = False
    if form.is_bound:
        if not _track_try_allowed(request):
            limited, status = True, 429
        elif form.is_valid():
            found = case_track(
                number=form.cleaned_data["number"],
                passport_number=form.cleaned_data["passport_number"],
                birth_date=form.cleaned_data["birth_date"],
            )
            if found is None:
                not_found, status = True, 404
        else:
            status = 422
    context: dict[str, Any] = {
        "form": form,
        "found": found,
        "not_found": not_found,
        "limited": limited,
        "window_minutes": TRACK_WINDOW_SECONDS // 60,
    }
    if found is not None:
        context["service_name"] = _service_name(get_policy(), found.service, _lang())
        context["status_label"] = STATUS_LABELS.get(found.status, found.status)
    response = render(request, "portal/track.html", context, status=status)
    patch_cache_control(response, no_store=True, private=True)
    if limited:
        response["Retry-After"] = str(TRACK_WINDOW_SECONDS)
    return response


# --- public verification of a card's QR code ------------------------------------------------


@require_GET
def verify_card(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """``/verify/<token>/`` is what the QR code opens; ``/verify/`` takes a pasted token
    or the scanned URL. Only what the card itself shows is returned."""
    form = VerifyForm(request.GET if token is None and "token" in request.GET else None)
    result = None
    if token is not None:
        result = verify(token)
    elif form.is_bound and form.is_valid():
        result = verify(form.cleaned_data["token"])
    response = render(
        request,
        "portal/verify.html",
        {
            "form": form if token is None else VerifyForm(),
            "result": result,
            "kind_label": DOCUMENT_KIND_LABELS.get(result.kind, result.kind) if result else "",
        },
        status=422 if form.is_bound and form.errors else 200,
    )
    # A verdict is true only now: a revoked card must not be shown valid from a cache.
    patch_cache_control(response, no_store=True, no_cache=True, max_age=0)
    return response
