"""The portal's host area: hotels and landlords register their foreign guests at the place
of stay, one by one or from a CSV file, deregister them on departure, and create API
tokens for their property-management system.

Only public accounts that are active members of a host organisation get in (see
`umis.core.permissions.require_host`); every page names the organisation in its URL and
checks membership of that one. Views are thin: the rules are in
`umis.stays.registrations`.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from umis.core.constants import TokenScope
from umis.core.errors import ApplicationError, FieldError, Forbidden, NotFound
from umis.core.models import User
from umis.core.permissions import Perm, require, require_host
from umis.core.tokens import token_create, token_list, token_revoke
from umis.portal.forms import HostGuestForm, HostTokenForm, HostUploadForm
from umis.registry.members import host_organisations
from umis.registry.models import Organisation
from umis.stays import registrations

View = Callable[..., HttpResponseBase]

# An upload is one batch; a file is small text (500 rows of a dozen short fields).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
REQUIRED_COLUMNS = (
    "document_number",
    "document_issuing_state",
    "family_name",
    "birth_date",
    "nationality",
    "arrival_date",
)


def host_view(view: View) -> View:
    """Signed-in host accounts only (anonymous -> sign-in; others -> 403). With an
    `organisation_id` in the URL: members of that organisation only."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            require(request.user, Perm.HOST_REGISTER)  # type: ignore[arg-type]
            if "organisation_id" in kwargs:
                require_host(request.user, kwargs["organisation_id"])  # type: ignore[arg-type]
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from exc
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    return wrapped


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _organisation(organisation_id: uuid.UUID) -> Organisation:
    organisation = (
        Organisation.objects.select_related("region", "city").filter(pk=organisation_id).first()
    )
    if organisation is None:
        raise Http404("organisation")
    return organisation


@host_view
@require_GET
def host_home(request: HttpRequest) -> HttpResponse:
    organisations = host_organisations(actor=_actor(request))
    if len(organisations) == 1:
        return redirect("portal:host_guests", organisation_id=organisations[0].pk)
    return render(request, "portal/host_home.html", {"organisations": organisations})


@host_view
@require_GET
def host_guests(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    return render(
        request,
        "portal/host_guests.html",
        {
            "organisation": _organisation(organisation_id),
            "current": registrations.host_guests(actor=actor, organisation_id=organisation_id),
            "recent": registrations.host_guests(
                actor=actor, organisation_id=organisation_id, active=False, limit=20
            ),
            "today": timezone.localdate(),
            "several": len(host_organisations(actor=actor)) > 1,
        },
    )


def _place_errors(form: Any, errors: tuple[FieldError, ...]) -> None:
    for e in errors:
        form.add_error(e.field if e.field in form.fields else None, e.message)


@host_view
@require_http_methods(["GET", "POST"])
def host_register(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    organisation = _organisation(organisation_id)
    form = HostGuestForm(
        request.POST if request.method == "POST" else None,
        initial={
            "region": organisation.region.code if organisation.region else "",
            "city": organisation.city.code if organisation.city else "",
            "street": organisation.street,
            "arrival_date": timezone.localdate(),
        },
    )
    if form.is_bound and form.is_valid():
        item = {k: v for k, v in form.cleaned_data.items()}
        item["birth_date"] = item["birth_date"].isoformat()
        report = registrations.registrations_create_batch(
            actor=_actor(request), host_id=organisation.pk, items=[item]
        )
        result = report.results[0]
        if result.status == "rejected":
            _place_errors(form, result.errors)
        else:
            name = " ".join(p for p in (item["family_name"], item["given_names"]) if p)
            if result.status == "created":
                messages.success(
                    request,
                    _("%(name)s is registered until %(date)s.")
                    % {"name": name, "date": result.valid_until},
                )
            else:
                messages.info(
                    request,
                    _("%(name)s was already registered for this stay; nothing changed.")
                    % {"name": name},
                )
            for warning in result.warnings:
                messages.warning(request, warning.message)
            return redirect("portal:host_guests", organisation_id=organisation.pk)
    return render(
        request,
        "portal/host_register.html",
        {"form": form, "organisation": organisation},
        status=422 if form.is_bound and form.errors else 200,
    )


@host_view
@require_POST
def host_deregister(
    request: HttpRequest, organisation_id: uuid.UUID, registration_id: uuid.UUID
) -> HttpResponse:
    from umis.stays.models import Registration

    registration = Registration.objects.filter(pk=registration_id, host_id=organisation_id).first()
    if registration is None:
        raise Http404("registration")
    try:
        registrations.registration_end(actor=_actor(request), registration_id=registration.pk)
    except (Forbidden, NotFound):
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The guest was deregistered (departed today)."))
    return redirect("portal:host_guests", organisation_id=organisation_id)


# --- CSV upload ------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict[str, str]]]  # (line number, item)
    errors: list[str]


def parse_guest_csv(content: bytes) -> ParsedFile:
    """The rows of an uploaded guest file with their line numbers (the header is line 1),
    or the reasons the file as a whole cannot be read. Fields are checked by the service."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ParsedFile([], [_("The file is not UTF-8 text: save it as “CSV UTF-8”.")])
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return ParsedFile([], [_("The file is empty.")])
    except csv.Error as exc:
        return ParsedFile([], [_("The file is not valid CSV: %(error)s") % {"error": exc}])
    errors = []
    unknown = [h for h in header if h and h not in registrations.ITEM_FIELDS]
    if unknown:
        errors.append(
            _("Unknown columns: %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(registrations.ITEM_FIELDS)}
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        errors.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if errors:
        return ParsedFile([], errors)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) == registrations.MAX_BATCH:
                return ParsedFile(
                    [],
                    [
                        _("At most %(n)d guests per file: split it into several files.")
                        % {"n": registrations.MAX_BATCH}
                    ],
                )
            rows.append((reader.line_num, dict(zip(header, values, strict=False))))
    except csv.Error as exc:
        return ParsedFile(
            [],
            [
                _("Line %(line)d is not valid CSV: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ],
        )
    if not rows:
        return ParsedFile([], [_("The file has a header but no guests.")])
    return ParsedFile(rows, [])


@host_view
@require_http_methods(["GET", "POST"])
def host_upload(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    organisation = _organisation(organisation_id)
    form = HostUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("The file is larger than 2 MB: split it."))
        else:
            parsed = parse_guest_csv(upload.read())
            for error in parsed.errors:
                form.add_error("file", error)
            if not parsed.errors:
                report = registrations.registrations_create_batch(
                    actor=_actor(request),
                    host_id=organisation.pk,
                    items=[item for _line, item in parsed.rows],
                )
                rows = [
                    {
                        "line": line,
                        "name": " ".join(
                            p for p in (item.get("family_name"), item.get("given_names")) if p
                        ),
                        "document": (item.get("document_number") or "").strip(),
                        "result": result,
                    }
                    for (line, item), result in zip(parsed.rows, report.results, strict=True)
                ]
                return render(
                    request,
                    "portal/host_upload_report.html",
                    {
                        "organisation": organisation,
                        "rows": rows,
                        "created": report.count("created"),
                        "duplicates": report.count("duplicate"),
                        "rejected": report.count("rejected"),
                        "file_name": upload.name,
                    },
                )
    return render(
        request,
        "portal/host_upload.html",
        {
            "form": form,
            "organisation": organisation,
            "columns": registrations.ITEM_FIELDS,
            "required": REQUIRED_COLUMNS,
            "max_rows": registrations.MAX_BATCH,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


TEMPLATE_EXAMPLE = {
    "reference": "R-1001",
    "document_type": "passport",
    "document_number": "C01X00T47",
    "document_issuing_state": "DEU",
    "family_name": "MUSTERMANN",
    "given_names": "ERIKA",
    "birth_date": "1984-08-12",
    "sex": "F",
    "nationality": "DEU",
    "arrival_date": "",
    "region": "",
    "city": "",
    "street": "",
}


@host_view
@require_GET
def host_csv_template(request: HttpRequest) -> HttpResponse:
    """The CSV template: the header row and one example guest (empty address: the
    host's own)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(registrations.ITEM_FIELDS)
    example = dict(TEMPLATE_EXAMPLE, arrival_date=timezone.localdate().isoformat())
    writer.writerow([example[c] for c in registrations.ITEM_FIELDS])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="umis-guests-template.csv"'
    return response


# --- API tokens for the property-management system -------------------------------------------


@host_view
@require_http_methods(["GET", "POST"])
def host_tokens(request: HttpRequest) -> HttpResponse:
    """Tokens of a host account can only register guests (scope registrations:write)."""
    actor = _actor(request)
    form = HostTokenForm(request.POST if request.method == "POST" else None)
    created = secret = None
    if form.is_bound and form.is_valid():
        try:
            created, secret = token_create(
                actor=actor,
                name=form.cleaned_data["name"],
                scopes=[TokenScope.REGISTRATIONS_WRITE.value],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            _place_errors(form, tuple(exc.field_errors))
        else:
            form = HostTokenForm()
    return render(
        request,
        "portal/host_tokens.html",
        {
            "form": form,
            "tokens": token_list(actor=actor),
            "created": created,
            "secret": secret,
            "now": timezone.now(),
            "organisations": host_organisations(actor=actor),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@host_view
@require_POST
def host_token_revoke(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    token = token_revoke(actor=_actor(request), token_id=token_id)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("portal:host_tokens")
