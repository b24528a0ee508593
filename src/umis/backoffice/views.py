"""The staff back office. Views are thin: check the role, parse input with a form, call a
service or selector, render. Personal data (names, document and personal numbers) never
travels in a URL: searches are POSTed, records are addressed by their UUID."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from umis.backoffice.forms import (
    AddressForm,
    AuditSearchForm,
    BorderCheckForm,
    DocumentFlagForm,
    DocumentForm,
    HostAccessForm,
    NameForm,
    NationalityEndForm,
    NationalityForm,
    OrganisationForm,
    OrganisationSearchForm,
    PersonCreateForm,
    PersonEditForm,
    PersonSearchForm,
    PhotoForm,
    RegistrationForm,
    TokenCreateForm,
    ViolationWorklistForm,
    apply_errors,
)
from umis.border import checks
from umis.border.constants import Direction, EventFlag
from umis.core.constants import AccessPurpose, AuditAction, Role
from umis.core.errors import (
    ApplicationError,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from umis.core.models import AuditEntry, Country, User
from umis.core.permissions import Perm, has_perm, require
from umis.core.selectors import audit_search, place_names
from umis.core.tokens import token_create, token_list, token_revoke
from umis.identity import search as identity_search
from umis.registry import selectors, services
from umis.registry.constants import DocumentStatus, NameSource, Sex
from umis.registry.models import Organisation, Person
from umis.stays import registrations as stay_registrations
from umis.stays.models import Violation
from umis.stays.selectors import (
    Crossing,
    StayStatus,
    person_stay,
    person_violations,
    violation_export_rows,
    violation_worklist,
)

View = Callable[..., HttpResponseBase]


def office_view(perm: Perm | None = None) -> Callable[[View], View]:
    """Signed-in staff only (anonymous -> sign-in page, others -> 403), plus `perm`.
    Application errors raised inside become 403/404 pages."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                require(request.user, Perm.BACKOFFICE_ACCESS)  # type: ignore[arg-type]
                if perm is not None:
                    require(request.user, perm)  # type: ignore[arg-type]
                return view(request, *args, **kwargs)
            except Forbidden as exc:
                raise PermissionDenied(exc.detail) from exc
            except NotFound as exc:
                raise Http404(exc.detail) from exc

        return wrapped

    return decorator


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


PURPOSE_SESSION_KEY = "umis_access_purpose"


def _remember_purpose(request: HttpRequest, purpose: str, reference: str) -> None:
    request.session[PURPOSE_SESSION_KEY] = {"purpose": purpose, "reference": reference.strip()}


def _purpose(request: HttpRequest) -> str:
    """The purpose the officer stated at the last search, as recorded in the audit log
    ("case TRP-2026-000123"); records opened otherwise (after creating one, from a link)
    are recorded as record maintenance."""
    stated = request.session.get(PURPOSE_SESSION_KEY) or {}
    purpose = stated.get("purpose") or AccessPurpose.DATA_QUALITY.value
    reference = stated.get("reference") or ""
    return f"{purpose} {reference}".strip()


def _purpose_label(request: HttpRequest) -> str:
    stated = request.session.get(PURPOSE_SESSION_KEY) or {}
    try:
        label = str(AccessPurpose(str(stated.get("purpose"))).label)
    except ValueError:
        label = str(AccessPurpose.DATA_QUALITY.label)
    reference = stated.get("reference") or ""
    return f"{label} ({reference})" if reference else label


# --- home ------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponseBase:
    # The sign-in page sends everyone here; public accounts (no role) belong in the
    # portal: hosts in their host area, everyone else with their applications.
    user = request.user
    if user.is_authenticated and not getattr(user, "role", ""):
        if has_perm(user, Perm.HOST_REGISTER):  # type: ignore[arg-type]
            return redirect("portal:host_home")
        if has_perm(user, Perm.CASE_APPLY):  # type: ignore[arg-type]
            return redirect("portal:my_applications")
    return _office_home(request)


@office_view()
def _office_home(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    return render(
        request,
        "backoffice/home.html",
        {
            "role_label": Role(user.role).label if user.role in Role.values else user.role,
            "office": user.office,
        },
    )


# --- persons ---------------------------------------------------------------------------


def _label_nationalities(persons: list[Person]) -> None:
    """(code, country name) for the result rows; the selector prefetched the countries."""
    for person in persons:
        person.nationality_labels = [  # type: ignore[attr-defined]
            (n.country_id, n.country.name) for n in person.nationalities.all()
        ]


@office_view(Perm.PERSON_SEARCH)
@require_http_methods(["GET", "POST"])
def person_search(request: HttpRequest) -> HttpResponse:
    """The form is POSTed (never GET) so search terms stay out of URLs, logs and history.
    With htmx only the results region is swapped; without JS the whole page comes back."""
    stated = request.session.get(PURPOSE_SESSION_KEY) or {}
    form = PersonSearchForm(
        request.POST if request.method == "POST" else None,
        initial={
            "purpose": stated.get("purpose", AccessPurpose.COUNTER.value),
            "purpose_reference": stated.get("reference", ""),
        },
    )
    results = None
    ranked: list[dict[str, Any]] | None = None
    hidden_filters: list[tuple[str, str]] = []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        _remember_purpose(request, data["purpose"], data.get("purpose_reference") or "")
        filters = selectors.PersonFilters(
            **{name: (data.get(name) or "").strip() for name in PersonSearchForm.FILTERS}
        )
        try:
            if not filters.personal_number and not data.get("page"):
                # Ranked across scripts and spellings. The FIN stays an exact lookup, and
                # a name no key matches (only its beginning typed) falls back to the
                # paged prefix list.
                hits = identity_search.person_search(
                    actor=_actor(request),
                    name=filters.name,
                    birth_date=filters.birth_date,
                    nationality=filters.nationality,
                    document=filters.document_number,
                    limit=RANKED_RESULTS,
                )
                if hits or not filters.name:
                    ranked = _ranked_rows(hits)
            if ranked is None:
                results = selectors.person_search(
                    actor=_actor(request),
                    filters=filters,
                    page=data.get("page") or 1,
                    page_size=25,
                )
        except ValidationFailed as exc:
            apply_errors(form, exc, {"document": "document_number"})
        else:
            if results is not None:
                hidden_filters = [
                    (name, getattr(filters, name)) for name in PersonSearchForm.FILTERS
                ] + [
                    ("purpose", data["purpose"]),
                    ("purpose_reference", data.get("purpose_reference") or ""),
                ]
                _label_nationalities(results.items)
    context = {
        "form": form,
        "results": results,
        "ranked": ranked,
        "ranked_capped": ranked is not None and len(ranked) >= RANKED_RESULTS,
        "hidden_filters": hidden_filters,
    }
    if _is_htmx(request):
        if request.headers.get("HX-Target") == "search-results" and not form.errors:
            # A page button: only the results change.
            return render(request, "backoffice/_search_results.html", context)
        # A search: form (errors, if any) and results together.
        response = render(request, "backoffice/_person_search.html", context)
        response["HX-Retarget"] = "#person-search"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "backoffice/person_search.html", context)


# Ranked results shown at most: past these, another criterion narrows better than paging.
RANKED_RESULTS = 25

_MATCH_FIELDS = {
    "family_name": gettext_lazy("family name"),
    "given_names": gettext_lazy("given names"),
    "patronymic": gettext_lazy("patronymic"),
    "names": gettext_lazy("names"),
    "birth_date": gettext_lazy("birth date"),
    "sex": gettext_lazy("sex"),
    "nationality": gettext_lazy("nationality"),
    "document": gettext_lazy("document"),
}
_MATCH_LEVELS = {
    "exact": gettext_lazy("exact"),
    "equal": gettext_lazy("same"),
    "variant": gettext_lazy("other spelling"),
    "partial": gettext_lazy("partly"),
    "fuzzy": gettext_lazy("similar"),
    "initial": gettext_lazy("initials"),
    "swapped": gettext_lazy("swapped"),
    "near": gettext_lazy("close"),
    "year": gettext_lazy("same year only"),
    "different": gettext_lazy("different"),
}


def _ranked_rows(hits: list[identity_search.SearchHit]) -> list[dict[str, Any]]:
    """What the ranked table shows per hit: country names (one query for all rows), the
    score as a percentage and "what matched" in the officer's language."""
    codes = {c for h in hits for c in h.nationalities}
    names = {c.pk: c.name for c in Country.objects.filter(pk__in=codes)} if codes else {}
    return [
        {
            "hit": h,
            "percent": round(h.score * 100),
            "sex": Sex(h.sex).label if h.sex in Sex.values else h.sex,
            "nationalities": [(c, names.get(c, c)) for c in h.nationalities],
            "matched": [
                {
                    "field": _MATCH_FIELDS.get(m["field"], m["field"]),
                    "level": _MATCH_LEVELS.get(m["level"], m["level"]),
                    "agrees": m["level"] != "different",
                }
                for m in h.matched
            ],
        }
        for h in hits
    ]


_OBJECT_LABELS = {
    "registry.person": gettext_lazy("Person"),
    "registry.personname": gettext_lazy("Name"),
    "registry.nationality": gettext_lazy("Nationality"),
    "registry.identitydocument": gettext_lazy("Document"),
    "registry.address": gettext_lazy("Address"),
    "registry.photo": gettext_lazy("Photo"),
    "registry.organisation": gettext_lazy("Organisation"),
    "core.apitoken": gettext_lazy("API token"),
    "border.entryban": gettext_lazy("Entry ban"),
    "border.check": gettext_lazy("Border check"),
    "border.event": gettext_lazy("Border crossing"),
    "stays.registration": gettext_lazy("Registration at place of stay"),
    "stays.violation": gettext_lazy("Violation"),
    "stays.visa": gettext_lazy("Visa"),
    "stays.permit_period": gettext_lazy("Permit period"),
    "stays.rights": gettext_lazy("Stay rights"),
}


def _show(value: Any) -> str:
    """An audited value as text: booleans as yes/no, lists joined, nothing as "—"."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value) or "—"
    return str(value)


def _pairs(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    out = []
    for field, pair in sorted((entry.changes or {}).items()):
        if isinstance(pair, list) and len(pair) == 2:
            before, after = pair
        else:
            before, after = None, pair
        out.append((field, before, after))
    return out


# Address and organisation entries record region and city by id (older entries may hold
# the code).
_ADDRESS_PLACES = ("region", "city")
_PLACED_OBJECTS = frozenset({"registry.address", "registry.organisation"})


def _place_names(entries: list[AuditEntry]) -> dict[str, dict[str, str]]:
    """{"region"|"city": {id or code as text: name}} for the address and organisation
    entries, one query
    per model whatever the number of rows."""
    wanted: dict[str, set[str]] = {field: set() for field in _ADDRESS_PLACES}
    for entry in entries:
        if entry.object_type not in _PLACED_OBJECTS:
            continue
        for field, before, after in _pairs(entry):
            if field in wanted:
                wanted[field].update(str(v) for v in (before, after) if v not in (None, ""))
    return {field: place_names(field, wanted[field]) for field in _ADDRESS_PLACES}


def _history_rows(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    places = _place_names(entries)
    rows = []
    for entry in entries:
        changes = []
        for field, before, after in _pairs(entry):
            if entry.object_type in _PLACED_OBJECTS and field in places:
                labels = places[field]
                before = labels.get(str(before), before) if before is not None else None
                after = labels.get(str(after), after) if after is not None else None
            changes.append({"field": field, "before": _show(before), "after": _show(after)})
        rows.append(
            {
                "entry": entry,
                "object_label": _OBJECT_LABELS.get(entry.object_type, entry.object_type),
                "action_label": AuditAction(entry.action).label
                if entry.action in AuditAction.values
                else entry.action,
                "changes": changes,
            }
        )
    return rows


_STAY_BASES = {
    "visa_free_rolling": gettext_lazy("Visa-free stay (rolling window)"),
    "visa": gettext_lazy("Visa"),
    "permit": gettext_lazy("Residence permit or other exemption"),
    "unknown": gettext_lazy("Unknown: the visa period is not recorded"),
}


def _label(choices: type[Direction] | type[EventFlag], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _stay_context(stay: StayStatus, crossings: list[Crossing]) -> dict[str, Any]:
    return {
        "stay": stay,
        "stay_basis": _STAY_BASES.get(stay.basis, stay.basis),
        "crossings": [
            {
                "occurred_at": c.occurred_at,
                "direction": c.direction,
                "direction_label": _label(Direction, c.direction),
                "crossing_point": c.crossing_point,
                "flags": [_label(EventFlag, flag) for flag in c.flags],
            }
            for c in crossings
        ],
    }


@office_view(Perm.PERSON_VIEW)
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    history = selectors.person_history(actor=actor, person_id=person_id)
    # A fixed number of queries whatever the number of crossings (newest 200 shown).
    stay, crossings = person_stay(actor=actor, person_id=person.pk)
    violations = person_violations(actor=actor, person_id=person.pk)
    stay_regs = stay_registrations.person_registrations(actor=actor, person_id=person.pk)
    addresses = list(person.addresses.all())
    today = timezone.localdate()
    return render(
        request,
        "backoffice/person_detail.html",
        {
            "person": person,
            "names": list(person.names.all()),
            "nationalities": list(person.nationalities.all()),
            "documents": list(person.documents.all()),
            "current_address": next((a for a in addresses if a.is_current), None),
            "past_addresses": [a for a in addresses if not a.is_current],
            "violations": violations,
            "photo": selectors.person_current_photo(person),
            "history": _history_rows(history),
            "today": today,
            "can_update": has_perm(actor, Perm.PERSON_UPDATE, person),
            "can_flag": has_perm(actor, Perm.DOCUMENT_FLAG),
            "status_valid": DocumentStatus.VALID,
            "purpose_label": _purpose_label(request),
            "registrations": stay_regs,
            "can_register": has_perm(actor, Perm.REGISTRATION_MANAGE),
            "timeline": _timeline(crossings, stay_regs, violations),
            **_stay_context(stay, crossings),
        },
    )


def _timeline(
    crossings: list[Crossing], regs: list[Any], violations: list[Violation]
) -> list[dict[str, Any]]:
    """Crossings, registrations at the place of stay (and their end) and violations in one
    list, newest first (the person's movements at a glance)."""
    tz = timezone.get_current_timezone()
    entries: list[dict[str, Any]] = []
    for c in crossings:
        at = timezone.localtime(c.occurred_at, tz)
        entries.append(
            {
                "day": at.date(),
                "time": at.strftime("%H:%M"),
                "kind": "crossing",
                "label": _label(Direction, c.direction),
                "detail": c.crossing_point,
            }
        )
    for r in regs:
        place = f"{r.street}, {r.city.name}"
        host = r.host.name if r.host else _("self-registration")
        entries.append(
            {
                "day": r.arrival_date,
                "time": "",
                "kind": "registration",
                "label": _("Registered at the place of stay"),
                "detail": f"{place} ({host}), {_('valid until')} {r.valid_until:%Y-%m-%d}",
            }
        )
        if r.ended_on:
            entries.append(
                {
                    "day": r.ended_on,
                    "time": "",
                    "kind": "deregistration",
                    "label": _("Registration ended"),
                    "detail": place,
                }
            )
    for v in violations:
        at = timezone.localtime(v.detected_at, tz)
        entries.append(
            {
                "day": at.date(),
                "time": at.strftime("%H:%M"),
                "kind": "violation",
                "label": v.get_type_display(),
                "detail": v.get_status_display(),
            }
        )
    entries.sort(key=lambda e: (e["day"], e["time"]), reverse=True)
    return entries


@office_view(Perm.REGISTRATION_MANAGE)
@require_http_methods(["GET", "POST"])
def registration_create(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Registration at the place of stay at the counter (by a host, or by the person)."""
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    address = selectors.person_current_address(person)
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        initial={
            "arrival_date": timezone.localdate(),
            "region": address.region.code if address else "",
            "city": address.city.code if address else "",
            "street": address.street if address else "",
        },
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        host_id = None
        voen = (d.get("host") or "").strip()
        if voen:
            found = selectors.organisation_search(actor=actor, query=voen, role="host").items
            if len(found) == 1:
                host_id = found[0].pk
            else:
                form.add_error("host", _("No registered host with this VÖEN."))
        if not form.errors:
            try:
                registration = stay_registrations.registration_create(
                    actor=actor,
                    data=stay_registrations.RegistrationData(
                        person_id=person.pk,
                        region=d["region"],
                        city=d["city"],
                        street=d["street"],
                        arrival_date=d["arrival_date"],
                        host_id=host_id,
                    ),
                )
            except (Forbidden, NotFound):
                raise
            except ApplicationError as exc:
                apply_errors(form, exc, RegistrationForm.ERROR_MAP)
            else:
                messages.success(
                    request,
                    _("Registered at the place of stay until %(date)s.")
                    % {"date": f"{registration.valid_until:%Y-%m-%d}"},
                )
                return redirect(
                    reverse("backoffice:person_detail", args=[person.pk]) + "#registrations"
                )
    return render(
        request,
        "backoffice/registration_form.html",
        {"form": form, "person": person},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.REGISTRATION_MANAGE)
@require_POST
def registration_end(
    request: HttpRequest, person_id: uuid.UUID, registration_id: uuid.UUID
) -> HttpResponse:
    """Deregistration on departure (today)."""
    actor = _actor(request)
    regs = stay_registrations.person_registrations(actor=actor, person_id=person_id)
    if not any(r.pk == registration_id for r in regs):
        raise Http404("registration")
    try:
        stay_registrations.registration_end(actor=actor, registration_id=registration_id)
    except (Forbidden, NotFound):
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The registration at the place of stay was ended."))
    return redirect(reverse("backoffice:person_detail", args=[person_id]) + "#registrations")


@office_view(Perm.PERSON_CREATE)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonCreateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        nationalities = [services.NationalityData(country=d["nationality"])]
        if d.get("second_nationality"):
            nationalities.append(services.NationalityData(country=d["second_nationality"]))
        names = []
        if d.get("native_script"):
            names.append(
                services.NameData(
                    script=d["native_script"],
                    family_name=d["native_family_name"],
                    given_names=d.get("native_given_names", ""),
                    patronymic=d.get("native_patronymic", ""),
                    source=NameSource.REGISTRY,
                )
            )
        address = None
        if d.get("region"):
            address = services.AddressData(region=d["region"], city=d["city"], street=d["street"])
        data = services.PersonData(
            family_name=d["family_name"],
            given_names=d.get("given_names", ""),
            patronymic=d.get("patronymic", ""),
            sex=d["sex"],
            birth_date=d["birth_date"],
            place_of_birth=d.get("place_of_birth", ""),
            birth_country=d.get("birth_country", ""),
            nationalities=nationalities,
            names=names,
            phone=d.get("phone", ""),
            email=d.get("email", ""),
            address=address,
        )
        try:
            person = services.person_create(actor=_actor(request), data=data)
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc, PersonCreateForm.ERROR_MAP)
        else:
            messages.success(
                request,
                _("The person was registered with personal number %(fin)s.")
                % {"fin": person.personal_number},
            )
            return redirect("backoffice:person_detail", person_id=person.pk)
    return render(
        request,
        "backoffice/person_form.html",
        {"form": form, "creating": True},
        status=422 if form.is_bound and form.errors else 200,
    )


def _person_initial(person: Person) -> dict[str, Any]:
    return {
        "family_name": person.family_name,
        "given_names": person.given_names,
        "patronymic": person.patronymic,
        "sex": person.sex,
        "birth_date": person.birth_date_display,
        "place_of_birth": person.place_of_birth,
        "birth_country": person.birth_country_id or "",
        "phone": person.phone,
        "email": person.email,
        "version": person.version,
    }


@office_view(Perm.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    form = PersonEditForm(
        request.POST if request.method == "POST" else None, initial=_person_initial(person)
    )
    conflict = False
    if form.is_bound and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("backoffice:person_detail", person_id=person.pk)
        try:
            services.person_update(
                actor=actor,
                person_id=person.pk,
                version=form.cleaned_data["version"],
                changes=changes,
            )
        except Conflict as exc:
            if exc.code != "version_conflict":
                raise
            conflict = True
            form.add_error(
                None,
                _(
                    "Someone else changed this record while you were editing it, so your changes "
                    "were not saved. Reload the record to see the current data, then make your "
                    "change again."
                ),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("backoffice:person_detail", person_id=person.pk)
    status = 409 if conflict else (422 if form.is_bound and form.errors else 200)
    return render(
        request,
        "backoffice/person_form.html",
        {"form": form, "person": person, "conflict": conflict},
        status=status,
    )


@office_view(Perm.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def address_change(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    form = AddressForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            services.address_set(
                actor=actor,
                person_id=person.pk,
                data=services.AddressData(
                    region=d["region"],
                    city=d["city"],
                    street=d["street"],
                    valid_from=d.get("valid_from"),
                ),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The new address was recorded; the previous one is kept in the history.")
            )
            return redirect("backoffice:person_detail", person_id=person.pk)
    current = next((a for a in person.addresses.all() if a.is_current), None)
    return render(
        request,
        "backoffice/address_form.html",
        {"form": form, "person": person, "current_address": current},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def name_add(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    form = NameForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            services.person_name_add(
                actor=actor,
                person_id=person.pk,
                data=services.NameData(
                    script=d["script"],
                    family_name=d["family_name"],
                    given_names=d.get("given_names", ""),
                    patronymic=d.get("patronymic", ""),
                    source=d["source"],
                ),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The name was added."))
            return redirect("backoffice:person_detail", person_id=person.pk)
    return render(
        request,
        "backoffice/name_form.html",
        {"form": form, "person": person, "names": list(person.names.all())},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def nationality_add(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    form = NationalityForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            services.nationality_add(
                actor=actor,
                person_id=person.pk,
                data=services.NationalityData(
                    country=d["country"],
                    valid_from=d.get("valid_from"),
                    valid_to=d.get("valid_to"),
                ),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The nationality was added."))
            return redirect("backoffice:person_detail", person_id=person.pk)
    return render(
        request,
        "backoffice/nationality_form.html",
        {"form": form, "person": person, "nationalities": list(person.nationalities.all())},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def nationality_end(
    request: HttpRequest, person_id: uuid.UUID, nationality_id: int
) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    # Only a current nationality of this person can be ended here.
    nationality = next(
        (n for n in person.nationalities.all() if n.pk == nationality_id and n.valid_to is None),
        None,
    )
    if nationality is None:
        raise Http404("Nationality")
    form = NationalityEndForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.nationality_end(
                actor=actor,
                nationality_id=nationality.pk,
                valid_to=form.cleaned_data["valid_to"],
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The nationality was ended."))
            return redirect("backoffice:person_detail", person_id=person.pk)
    return render(
        request,
        "backoffice/nationality_end.html",
        {"form": form, "person": person, "nationality": nationality},
        status=422 if form.is_bound and form.errors else 200,
    )


def _prefilled_document_form(request: HttpRequest) -> tuple[DocumentForm, dict[str, Any] | None]:
    """Read the pasted MRZ and return an (unbound) form filled from it, plus the holder's
    data read from the MRZ, or the form with the MRZ error."""
    submitted = {name: request.POST.get(name, "") for name in DocumentForm.base_fields}
    text = submitted.get("mrz", "").strip()
    if not text:
        form = DocumentForm(initial=submitted)
        apply_errors(
            form, ValidationFailed([FieldError("mrz", "required", _("Paste the MRZ lines first."))])
        )
        return form, None
    try:
        fields = services.mrz_prefill(text)
    except ValidationFailed as exc:
        form = DocumentForm(initial=submitted)
        apply_errors(form, exc)
        return form, None
    initial = dict(submitted)
    for name in DocumentForm.MRZ_FIELDS:
        if fields.get(name):
            initial[name] = fields[name]
    initial["mrz"] = fields.get("mrz", text)
    holder = {
        key: fields.get(key, "")
        for key in (
            "family_name",
            "given_names",
            "birth_date",
            "sex",
            "nationality",
            "personal_number",
        )
    }
    return DocumentForm(initial=initial), holder


def _holder_mismatches(person: Person, holder: dict[str, Any] | None) -> list[str]:
    if not holder:
        return []
    from umis.registry.names import fold

    problems = []
    if fold(holder.get("family_name", "")) != fold(person.family_name):
        problems.append(_("family name"))
    if (
        holder.get("birth_date")
        and not holder["birth_date"].startswith(person.birth_date_display)
        and not person.birth_date_display.startswith(holder["birth_date"])
    ):
        problems.append(_("birth date"))
    if holder.get("sex") and holder["sex"] not in ("", "X", "<") and holder["sex"] != person.sex:
        problems.append(_("sex"))
    return problems


@office_view(Perm.PERSON_UPDATE)
@require_POST
def document_prefill(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """htmx: the document fields, filled from the pasted MRZ."""
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    form, holder = _prefilled_document_form(request)
    return render(
        request,
        "backoffice/_document_fields.html",
        {
            "form": form,
            "person": person,
            "holder": holder,
            "prefilled": holder is not None,
            "mismatches": _holder_mismatches(person, holder),
        },
    )


@office_view(Perm.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def document_add(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    holder = None
    if request.method == "POST" and request.POST.get("action") == "prefill":
        # Without JavaScript the "Read the MRZ" button submits the whole form here.
        form, holder = _prefilled_document_form(request)
    else:
        form = DocumentForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            d = form.cleaned_data
            try:
                services.document_add(
                    actor=actor,
                    person_id=person.pk,
                    data=services.DocumentData(
                        document_type=d["document_type"],
                        number=d["number"],
                        issuing_state=d["issuing_state"],
                        issue_date=d.get("issue_date"),
                        expiry_date=d.get("expiry_date"),
                        mrz=d.get("mrz", ""),
                    ),
                )
            except (Forbidden, NotFound):
                raise
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The document was added."))
                return redirect("backoffice:person_detail", person_id=person.pk)
    return render(
        request,
        "backoffice/document_form.html",
        {
            "form": form,
            "person": person,
            "holder": holder,
            "prefilled": holder is not None,
            "mismatches": _holder_mismatches(person, holder),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.DOCUMENT_FLAG)
@require_http_methods(["GET", "POST"])
def document_flag(
    request: HttpRequest, person_id: uuid.UUID, document_id: uuid.UUID
) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    document = next((d for d in person.documents.all() if d.pk == document_id), None)
    if document is None:
        raise Http404("Document")
    form = DocumentFlagForm(
        request.POST if request.method == "POST" else None, initial={"status": document.status}
    )
    if form.is_bound and form.is_valid():
        try:
            services.document_flag(
                actor=actor,
                document_id=document.pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The document status was changed."))
            return redirect("backoffice:person_detail", person_id=person.pk)
    return render(
        request,
        "backoffice/document_flag.html",
        {"form": form, "person": person, "document": document},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def photo_upload(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    require(actor, Perm.PERSON_UPDATE, person)
    form = PhotoForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if form.is_bound and form.is_valid():
        try:
            services.photo_upload(
                actor=actor, person_id=person.pk, upload=form.cleaned_data["photo"]
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The photo was uploaded."))
            return redirect("backoffice:person_detail", person_id=person.pk)
    return render(
        request,
        "backoffice/photo_form.html",
        {"form": form, "person": person, "photo": selectors.person_current_photo(person)},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.PERSON_VIEW)
def photo(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    """The photo file, streamed from storage after the permission check (audited)."""
    item = selectors.photo_get(actor=_actor(request), photo_id=photo_id, purpose=_purpose(request))
    try:
        handle = item.image.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("Photo file") from exc
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- border ----------------------------------------------------------------------------


_REASON_LABELS = {
    "entry_ban": gettext_lazy("Entry ban"),
    "invalid_document": gettext_lazy("Invalid document"),
    "overstay": gettext_lazy("Overstay"),
}


@office_view(Perm.BORDER_CHECK)
@require_http_methods(["GET", "POST"])
def border_check(request: HttpRequest) -> HttpResponse:
    """May this traveller cross? The document and name are POSTed (never in a URL); the
    service decides and audits the check. With htmx only the result region is swapped
    (and the fields, out of band, so earlier errors go); htmx does not swap 4xx responses,
    so its answer is 200 with the errors in it. Without JS the whole page comes back,
    422 when the input is invalid."""
    actor = _actor(request)
    form = BorderCheckForm(request.POST if request.method == "POST" else None)
    result = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            result = checks.border_check(
                actor=actor,
                data=checks.CheckData(
                    direction=d["direction"],
                    document_number=d["document_number"],
                    document_issuing_state=d["document_issuing_state"],
                    family_name=d.get("family_name") or "",
                    given_names=d.get("given_names") or "",
                    birth_date=d.get("birth_date") or "",
                ),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
    context = {
        "form": form,
        "result": result,
        "reasons": [
            {"code": r.code, "label": _REASON_LABELS.get(r.code, r.code), "detail": r.detail}
            for r in (result.reasons if result else [])
        ],
        "direction_label": _label(Direction, form.cleaned_data["direction"]) if result else "",
        "can_view_person": has_perm(actor, Perm.PERSON_VIEW),
    }
    if _is_htmx(request):
        return render(request, "backoffice/_border_check_swap.html", context)
    return render(
        request,
        "backoffice/border_check.html",
        context,
        status=422 if form.is_bound and form.errors else 200,
    )


# --- organisations (hosts and employers) ---------------------------------------------------


@office_view(Perm.ORGANISATION_VIEW)
@require_GET
def organisation_search(request: HttpRequest) -> HttpResponse:
    """VÖEN, part of a name and a role are no personal data of foreigners, so this form
    uses GET (unlike the person search); without criteria every organisation is listed."""
    actor = _actor(request)
    form = OrganisationSearchForm(request.GET or None)
    results = None
    if not form.is_bound or form.is_valid():
        d = form.cleaned_data if form.is_bound else {}
        results = selectors.organisation_search(
            actor=actor,
            query=(d.get("q") or "").strip(),
            role=d.get("role") or "",
            page=d.get("page") or 1,
            page_size=25,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/organisation_search.html",
        {
            "form": form,
            "results": results,
            "query": query.urlencode(),
            "searched": bool((request.GET.get("q") or "").strip() or request.GET.get("role")),
            "can_manage": has_perm(actor, Perm.ORGANISATION_MANAGE),
        },
    )


@office_view(Perm.ORGANISATION_VIEW)
def organisation_detail(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    return _organisation_page(request, organisation_id, HostAccessForm())


def _organisation_page(
    request: HttpRequest, organisation_id: uuid.UUID, access_form: HostAccessForm
) -> HttpResponse:
    from umis.registry.members import host_members

    actor = _actor(request)
    organisation = selectors.organisation_get(actor=actor, organisation_id=organisation_id)
    return render(
        request,
        "backoffice/organisation_detail.html",
        {
            "organisation": organisation,
            "can_manage": has_perm(actor, Perm.ORGANISATION_MANAGE),
            "members": host_members(actor=actor, organisation_id=organisation.pk)
            if organisation.is_host
            else [],
            "guests": stay_registrations.host_guests(
                actor=actor, organisation_id=organisation.pk, limit=100
            )
            if organisation.is_host and has_perm(actor, Perm.PERSON_VIEW)
            else [],
            "access_form": access_form,
        },
        status=422 if access_form.is_bound and access_form.errors else 200,
    )


@office_view(Perm.ORGANISATION_MANAGE)
@require_http_methods(["GET", "POST"])
def host_access_grant(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponseBase:
    """Give a host's contact person a portal account (e-mail with a set-password link)."""
    from umis.registry.members import host_access_grant as grant

    if request.method != "POST":
        return redirect("backoffice:organisation_detail", organisation_id=organisation_id)
    form = HostAccessForm(request.POST)
    if form.is_valid():
        try:
            grant(
                actor=_actor(request),
                organisation_id=organisation_id,
                email=form.cleaned_data["email"],
            )
        except (Forbidden, NotFound):
            raise
        except Conflict as exc:
            form.add_error("email", exc.detail)
        except ApplicationError as exc:
            apply_errors(form, exc, {"organisation": "email"})
        else:
            messages.success(
                request,
                _("Portal access granted: %(email)s was sent an e-mail to choose a password.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect(
                reverse("backoffice:organisation_detail", args=[organisation_id]) + "#access"
            )
    return _organisation_page(request, organisation_id, form)


@office_view(Perm.ORGANISATION_MANAGE)
@require_POST
def host_access_revoke(
    request: HttpRequest, organisation_id: uuid.UUID, member_id: int
) -> HttpResponse:
    from umis.registry.members import host_access_revoke as revoke
    from umis.registry.members import host_members

    members = host_members(actor=_actor(request), organisation_id=organisation_id)
    if not any(m.pk == member_id for m in members):
        raise Http404("member")
    member = revoke(actor=_actor(request), member_id=member_id)
    messages.success(
        request, _("Portal access of %(email)s was revoked.") % {"email": member.user.email}
    )
    return redirect(reverse("backoffice:organisation_detail", args=[organisation_id]) + "#access")


def _organisation_data(form: OrganisationForm) -> services.OrganisationData:
    d = form.cleaned_data
    roles = set(d.get("roles") or ())
    return services.OrganisationData(
        tax_number=d.get("tax_number") or "",
        name=d["name"],
        category=d["category"],
        is_host="host" in roles,
        is_employer="employer" in roles,
        region=d.get("region") or "",
        city=d.get("city") or "",
        street=d.get("street") or "",
        phone=d.get("phone") or "",
        email=d.get("email") or "",
    )


def _organisation_initial(organisation: Organisation) -> dict[str, Any]:
    return {
        "tax_number": organisation.tax_number,
        "name": organisation.name,
        "category": organisation.category,
        "roles": [
            role
            for role, flag in (
                ("host", organisation.is_host),
                ("employer", organisation.is_employer),
            )
            if flag
        ],
        "region": organisation.region.code if organisation.region else "",
        "city": organisation.city.code if organisation.city else "",
        "street": organisation.street,
        "phone": organisation.phone,
        "email": organisation.email,
    }


@office_view(Perm.ORGANISATION_MANAGE)
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            organisation = services.organisation_create(
                actor=_actor(request), data=_organisation_data(form)
            )
        except (Forbidden, NotFound):
            raise
        except Conflict as exc:  # the VÖEN is already registered
            form.add_error("tax_number", exc.detail)
        except ApplicationError as exc:
            apply_errors(form, exc, OrganisationForm.ERROR_MAP)
        else:
            messages.success(
                request,
                _("The organisation was registered with VÖEN %(voen)s.")
                % {"voen": organisation.tax_number},
            )
            return redirect("backoffice:organisation_detail", organisation_id=organisation.pk)
    return render(
        request,
        "backoffice/organisation_form.html",
        {"form": form, "creating": True},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.ORGANISATION_MANAGE)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    organisation = selectors.organisation_get(actor=actor, organisation_id=organisation_id)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        initial=_organisation_initial(organisation),
        editing=True,
    )
    if form.is_bound and form.is_valid():
        try:
            services.organisation_update(
                actor=actor, organisation_id=organisation.pk, data=_organisation_data(form)
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc, OrganisationForm.ERROR_MAP)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("backoffice:organisation_detail", organisation_id=organisation.pk)
    return render(
        request,
        "backoffice/organisation_form.html",
        {"form": form, "organisation": organisation},
        status=422 if form.is_bound and form.errors else 200,
    )


# --- worklists ----------------------------------------------------------------------------


def _worklist_form(request: HttpRequest) -> ViolationWorklistForm:
    """Always bound: a missing filter takes its default (open overstays), an empty one
    means any, so "?page=2" and the first visit show the default worklist."""
    params = request.GET.copy()
    for name, value in ViolationWorklistForm.DEFAULTS.items():
        if name not in params:
            params[name] = value
    return ViolationWorklistForm(params)


def _worklist_filters(form: ViolationWorklistForm) -> dict[str, Any]:
    d = form.cleaned_data
    return {
        "type": d.get("type") or "",
        "status": d.get("status") or "",
        "nationality": d.get("nationality") or "",
        "min_days": d.get("min_days"),
    }


def _worklist_query(filters: dict[str, Any]) -> str:
    """The filters as a query string, built from the validated values only (nothing
    else from the request travels on into links)."""
    query = QueryDict(mutable=True)
    for name in ViolationWorklistForm.FILTERS:
        value = filters.get(name)
        query[name] = "" if value is None else str(value)
    return query.urlencode()


def _nationality_labels(violations: Iterable[Violation]) -> None:
    """(code, country name) of each person's current nationalities (prefetched)."""
    for violation in violations:
        violation.nationality_labels = [  # type: ignore[attr-defined]
            (n.country_id, n.country.name) for n in violation.person.nationalities.all()
        ]


@office_view(Perm.PERSON_SEARCH)
@require_GET
def violation_worklist_view(request: HttpRequest) -> HttpResponse:
    """Current violations for the officers to act on. The filters are a type, a status, a
    country code and a number of days (no personal data), so GET is fine here."""
    form = _worklist_form(request)
    results = None
    query = ""
    if form.is_valid():
        filters = _worklist_filters(form)
        try:
            results = violation_worklist(
                actor=_actor(request),
                **filters,
                page=form.cleaned_data.get("page") or 1,
                page_size=50,
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            _nationality_labels(results.items)
            query = _worklist_query(filters)
    return render(
        request,
        "backoffice/violation_worklist.html",
        {"form": form, "results": results, "query": query},
        status=422 if form.errors else 200,
    )


_CSV_COLUMNS = (
    "personal_number",
    "family_name",
    "given_names",
    "birth_date",
    "nationalities",
    "type",
    "stay_start",
    "overstay_days",
    "permitted_until",
    "detected_at",
    "status",
)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer rows."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    """Text cells that a spreadsheet would read as a formula get a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    return value


def _csv_lines(rows: Iterator[Violation]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # byte order mark: Excel then reads the file as UTF-8
    yield writer.writerow(_CSV_COLUMNS)
    for v in rows:
        person = v.person
        facts = v.facts or {}
        yield writer.writerow(
            [
                _cell(person.personal_number),
                _cell(person.family_name),
                _cell(person.given_names),
                person.birth_date_display,
                " ".join(n.country_id for n in person.nationalities.all()),
                v.type,
                v.stay_start.isoformat(),
                facts.get("overstay_days", ""),
                _cell(facts.get("permitted_until") or ""),
                timezone.localtime(v.detected_at).isoformat(timespec="seconds"),
                v.status,
            ]
        )


@office_view(Perm.PERSON_SEARCH)
@require_GET
def violation_worklist_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered worklist as a CSV file (UTF-8 with BOM), streamed; each download is
    one audit entry (the selector writes it)."""
    form = _worklist_form(request)
    if not form.is_valid():
        return HttpResponse(
            _("The filters are not valid."), status=400, content_type="text/plain; charset=utf-8"
        )
    try:
        _count, rows = violation_export_rows(actor=_actor(request), **_worklist_filters(form))
    except (Forbidden, NotFound):
        raise
    except ApplicationError as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = f"violations-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- administration ----------------------------------------------------------------------


@office_view(Perm.AUDIT_SEARCH)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Filters are user names, ids and dates (no personal data), so GET is fine here."""
    form = AuditSearchForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        d = form.cleaned_data if form.is_bound else {}
        page = audit_search(
            actor=_actor(request),
            actor_label=(d.get("actor") or "").strip(),
            action=d.get("action") or "",
            object_id=(d.get("object_id") or "").strip(),
            person_id=d.get("person_id"),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            page=d.get("page") or 1,
            page_size=50,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/audit_log.html",
        {
            "form": form,
            "results": page,
            "query": query.urlencode(),
            "rows": _history_rows(page.items) if page else [],
        },
    )


@office_view(Perm.TOKEN_MANAGE)
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = TokenCreateForm(request.POST if request.method == "POST" else None)
    created = secret = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            created, secret = token_create(
                actor=actor,
                name=d["name"],
                scopes=d["scopes"],
                expires_in_days=d["expires_in_days"],
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            form = TokenCreateForm()
    now = timezone.now()
    return render(
        request,
        "backoffice/tokens.html",
        {
            "form": form,
            "tokens": token_list(actor=actor),
            "created": created,
            "secret": secret,
            "now": now,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.TOKEN_MANAGE)
@require_POST
def token_revoke_view(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    token = token_revoke(actor=_actor(request), token_id=token_id)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(reverse("backoffice:tokens"))
