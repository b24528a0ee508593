"""Back office: the watch list. Entry bans (list, record, lift, CSV import) and invalid
documents (search, add, take off the list, CSV import).

Everyone who checks people (officers, supervisors, border officers) sees the lists
(`WATCHLIST_VIEW`); supervisors and border officers change them (`WATCHLIST_MANAGE`).
Views are thin: the services in umis.border.watchlist validate, store and audit.
Ban filters are a status, a kind, a country code, a date and a person's UUID (no
personal data), so they travel in the query string; a document-number search is POSTed.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from umis.backoffice.forms import (
    DateInput,
    UswdsFormMixin,
    _blank,
    apply_errors,
    country_choices,
)
from umis.backoffice.views import _actor, _is_htmx, _purpose, office_view
from umis.border import watchlist
from umis.border import watchlist_import as files
from umis.border.constants import InvalidReason
from umis.border.models import EntryBan
from umis.core.errors import ApplicationError, Forbidden, NotFound, ValidationFailed
from umis.core.permissions import Perm, has_perm
from umis.registry import selectors
from umis.registry.rules import document_number_normalize

STATUS_LABELS = {
    "in_force": gettext_lazy("In force"),
    "future": gettext_lazy("Not yet in force"),
    "expired": gettext_lazy("Expired"),
    "lifted": gettext_lazy("Lifted"),
}
ROW_STATUS_LABELS = {
    "created": gettext_lazy("Added"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Already recorded"),
    "rejected": gettext_lazy("Rejected"),
}
# The per-line report of an upload lists every line up to this many, then only the
# rejected ones (the counts cover all).
REPORT_ALL_UP_TO = 500


# --- forms -------------------------------------------------------------------------------


class EntryBanFilterForm(UswdsFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *STATUS_LABELS.items()],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Banned"),
        required=False,
        choices=[
            ("", gettext_lazy("Persons and documents")),
            ("person", gettext_lazy("Persons of the registry")),
            ("document", gettext_lazy("Documents only")),
        ],
    )
    nationality = forms.ChoiceField(
        label=gettext_lazy("Nationality or issuing state"),
        required=False,
        help_text=gettext_lazy(
            "The banned document's issuing state, or a nationality of the person."
        ),
    )
    on = forms.DateField(
        label=gettext_lazy("Status on"),
        required=False,
        help_text=gettext_lazy("Leave empty for today."),
        widget=DateInput(),
    )
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    FILTERS = ("status", "kind", "nationality", "on", "person")
    DEFAULTS = {"status": "in_force"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("nationality").choices = _blank(str(_("Any"))) + country_choices()


def _ground_choices() -> list[tuple[str, str]]:
    return [(g.code, f"{g.legal_ref} — {g.text}") for g in watchlist.entry_ban_legal_grounds()]


class EntryBanForm(UswdsFormMixin, forms.Form):
    """The field names are the service's (EntryBanData), so its errors land on them."""

    target = forms.ChoiceField(
        label=gettext_lazy("Who or what is banned"),
        choices=[
            ("person", gettext_lazy("A person of the registry")),
            ("document", gettext_lazy("A travel document only (holder not in the registry)")),
        ],
        initial="person",
        widget=forms.RadioSelect,
    )
    personal_number = forms.CharField(
        label=gettext_lazy("Personal number (FIN)"),
        required=False,
        max_length=7,
        help_text=gettext_lazy(
            "For a person: the FIN, or leave it empty and give a document the person holds."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    document_issuing_state = forms.ChoiceField(label=gettext_lazy("Issuing state"), required=False)
    document_number = forms.CharField(
        label=gettext_lazy("Document number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    legal_ground = forms.ChoiceField(label=gettext_lazy("Legal ground"))
    legal_basis = forms.CharField(
        label=gettext_lazy("Decision details"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Optional: the decision's number and date; kept with the legal reference."
        ),
    )
    authority = forms.CharField(
        label=gettext_lazy("Authority that decided the ban"),
        max_length=200,
        help_text=gettext_lazy("E.g. State Migration Service, State Security Service, a court."),
    )
    valid_from = forms.DateField(label=gettext_lazy("Banned from"), widget=DateInput())
    valid_to = forms.DateField(
        label=gettext_lazy("Banned until (last day)"),
        required=False,
        help_text=gettext_lazy(
            "Leave empty for a ban without end; where the law fixes the length "
            "(e.g. five years) it is filled in from the ground."
        ),
        widget=DateInput(),
    )
    person_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("document_issuing_state").choices = _blank() + country_choices()
        grounds = _ground_choices()
        if grounds:
            self._choices("legal_ground").choices = _blank() + grounds
        else:
            # A pack without a list of grounds: the legal basis is written out.
            del self.fields["legal_ground"]
            basis = self.fields["legal_basis"]
            basis.required, basis.label = True, _("Legal basis")
            basis.help_text = _("The act and article, e.g. Migration Code, Art. 16.1.5.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") == "document":
            for name in ("document_issuing_state", "document_number"):
                if not data.get(name):
                    self.add_error(name, _("Give the document that is banned."))
        elif not (
            data.get("person_id") or data.get("personal_number") or data.get("document_number")
        ):
            self.add_error(
                "personal_number",
                _("Give the person's FIN, or a document the person holds."),
            )
        return data


class LiftForm(UswdsFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the ban lifted?"),
        max_length=300,
        help_text=gettext_lazy(
            "E.g. court decision of 2026-05-01 No. 2-123/2026. Recorded with the ban."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UploadForm(UswdsFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV with column names in the first line (UTF-8), or JSON Lines (.jsonl)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,text/csv"}),
    )
    source = forms.CharField(
        label=gettext_lazy("Reported by"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Who reported these documents, e.g. Interpol SLTD or the issuing state."
        ),
    )

    def __init__(self, *args: Any, with_source: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_source:
            self.fields["source"].required = True
        else:
            del self.fields["source"]


class InvalidDocumentSearchForm(UswdsFormMixin, forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Document number"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("The beginning is enough."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    issuing_state = forms.ChoiceField(label=gettext_lazy("Issuing state"), required=False)
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        required=False,
        choices=[("", gettext_lazy("Any")), *InvalidReason.choices],
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("issuing_state").choices = _blank(str(_("Any"))) + country_choices()


class InvalidDocumentForm(UswdsFormMixin, forms.Form):
    issuing_state = forms.ChoiceField(label=gettext_lazy("Issuing state"))
    number = forms.CharField(
        label=gettext_lazy("Document number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=InvalidReason.choices, widget=forms.RadioSelect
    )
    reported_on = forms.DateField(
        label=gettext_lazy("Reported on"),
        required=False,
        help_text=gettext_lazy("Leave empty for today."),
        widget=DateInput(),
    )
    source = forms.CharField(
        label=gettext_lazy("Reported by"),
        max_length=100,
        help_text=gettext_lazy(
            "E.g. the holder (police report 123/2026), the issuing state, Interpol SLTD."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("issuing_state").choices = _blank() + country_choices()

    def clean_number(self) -> str:
        # Shape only, so every problem shows at once; the service decides the rest.
        number = document_number_normalize(self.cleaned_data.get("number"))
        if not number.isalnum():
            raise forms.ValidationError(_("A document number has letters and digits only."))
        return number


class RemoveForm(UswdsFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the document taken off the list?"),
        max_length=300,
        help_text=gettext_lazy(
            "E.g. found by the holder and checked at the counter on 2026-05-02."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- entry bans ----------------------------------------------------------------------------


def _filter_form(request: HttpRequest) -> EntryBanFilterForm:
    """Always bound: a missing status means "in force", an empty one means any."""
    params = request.GET.copy()
    for name, value in EntryBanFilterForm.DEFAULTS.items():
        if name not in params:
            params[name] = value
    return EntryBanFilterForm(params)


def _query(form: EntryBanFilterForm) -> str:
    """The validated filters as a query string (nothing else from the request)."""
    query = QueryDict(mutable=True)
    for name in EntryBanFilterForm.FILTERS:
        value = form.cleaned_data.get(name)
        query[name] = "" if value is None else str(value)
    return query.urlencode()


def _grounds_by_ref() -> dict[str, watchlist.LegalGround]:
    return {g.legal_ref.casefold(): g for g in watchlist.entry_ban_legal_grounds()}


def _ground_of(ban: EntryBan, grounds: dict[str, watchlist.LegalGround]) -> str:
    """The ground's text, for a legal basis that starts with a ground's reference."""
    head = ban.legal_basis.split(";", 1)[0].strip().casefold()
    ground = grounds.get(head)
    return ground.text if ground else ""


def _decorate(bans: list[EntryBan], on: Any) -> None:
    grounds = _grounds_by_ref()
    for ban in bans:
        state = watchlist.ban_status(ban, on)
        ban.status_code = state  # type: ignore[attr-defined]
        ban.status_label = STATUS_LABELS[state]  # type: ignore[attr-defined]
        ban.ground_text = _ground_of(ban, grounds)  # type: ignore[attr-defined]


@office_view(Perm.WATCHLIST_VIEW)
@require_GET
def entry_ban_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = _filter_form(request)
    results = None
    query = ""
    person = None
    if form.is_valid():
        d = form.cleaned_data
        on = d.get("on") or timezone.localdate()
        try:
            results = watchlist.entry_ban_list(
                actor=actor,
                person_id=d.get("person"),
                in_force_only=False,
                status=d.get("status") or "",
                kind=d.get("kind") or "",
                nationality=d.get("nationality") or "",
                on=on,
                page=d.get("page") or 1,
                page_size=50,
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            _decorate(results.items, on)
            query = _query(form)
            person = next((b.person for b in results.items if b.person_id), None)
    return render(
        request,
        "backoffice/watchlist/ban_list.html",
        {
            "form": form,
            "results": results,
            "query": query,
            "person_filter": form.cleaned_data.get("person") if form.is_valid() else None,
            "person": person,
            "can_manage": has_perm(actor, Perm.WATCHLIST_MANAGE),
        },
        status=422 if form.errors else 200,
    )


def _ban_data(form: EntryBanForm) -> watchlist.EntryBanData:
    d = form.cleaned_data
    document = d["target"] == "document" or bool(d.get("document_number"))
    return watchlist.EntryBanData(
        person_id=d.get("person_id") if d["target"] == "person" else None,
        personal_number=(d.get("personal_number") or "") if d["target"] == "person" else "",
        document_issuing_state=(d.get("document_issuing_state") or "") if document else "",
        document_number=(d.get("document_number") or "") if document else "",
        legal_ground=d.get("legal_ground") or "",
        legal_basis=d.get("legal_basis") or "",
        authority=d["authority"],
        valid_from=d["valid_from"],
        valid_to=d.get("valid_to"),
    )


@office_view(Perm.WATCHLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def entry_ban_create(request: HttpRequest) -> HttpResponse:
    """A ban on a person (found by the FIN, or as the holder of a document; from the
    person's page the person is already chosen) or on a document alone."""
    actor = _actor(request)
    person = None
    raw = request.POST.get("person_id") or request.GET.get("person") or ""
    if raw:
        try:
            person = selectors.person_get(
                actor=actor, person_id=uuid.UUID(raw), purpose=_purpose(request)
            )
        except ValueError:
            person = None
    initial = {"valid_from": timezone.localdate(), "target": "person"}
    if person is not None:
        initial["person_id"] = person.pk
    form = EntryBanForm(request.POST if request.method == "POST" else None, initial=initial)
    if person is None and "person_id" in form.fields:
        form.fields["person_id"].disabled = True  # only a person found above may be posted
    if form.is_bound and form.is_valid():
        try:
            ban, created = watchlist.entry_ban_record(
                actor=actor,
                data=_ban_data(form),
                ban_holder=form.cleaned_data["target"] == "person",
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("The entry ban was recorded."))
            else:
                messages.info(request, _("This ban was already recorded; nothing was added."))
            return redirect("backoffice:entry_ban_detail", ban_id=ban.pk)
    return render(
        request,
        "backoffice/watchlist/ban_form.html",
        {"form": form, "person": person},
        status=422 if form.is_bound and form.errors else 200,
    )


def _ban_page(
    request: HttpRequest, ban_id: uuid.UUID, form: LiftForm, *, status: int = 200
) -> HttpResponse:
    actor = _actor(request)
    ban = watchlist.entry_ban_get(actor=actor, ban_id=ban_id)
    today = timezone.localdate()
    _decorate([ban], today)
    return render(
        request,
        "backoffice/watchlist/ban_detail.html",
        {
            "ban": ban,
            "form": form,
            "can_manage": has_perm(actor, Perm.WATCHLIST_MANAGE),
            "can_view_person": has_perm(actor, Perm.PERSON_VIEW),
        },
        status=status,
    )


@office_view(Perm.WATCHLIST_VIEW)
@require_GET
def entry_ban_detail(request: HttpRequest, ban_id: uuid.UUID) -> HttpResponse:
    return _ban_page(request, ban_id, LiftForm())


@office_view(Perm.WATCHLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def entry_ban_lift(request: HttpRequest, ban_id: uuid.UUID) -> HttpResponse:
    """GET shows the ban with the form; POST lifts it (kept as history)."""
    form = LiftForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            watchlist.entry_ban_lift(
                actor=_actor(request), ban_id=ban_id, reason=form.cleaned_data["reason"]
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The entry ban was lifted."))
            return redirect("backoffice:entry_ban_detail", ban_id=ban_id)
    return _ban_page(request, ban_id, form, status=422 if form.is_bound and form.errors else 200)


# --- uploads -------------------------------------------------------------------------------


def _upload(
    request: HttpRequest,
    *,
    kind: str,
    spec: files.Spec,
    template_context: dict[str, Any],
) -> HttpResponse:
    actor = _actor(request)
    with_source = kind == "invalid_documents"
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        with_source=with_source,
    )
    summary = None
    shown: list[dict[str, Any]] = []
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        if with_source:
            load = files.invalid_document_loader(actor, form.cleaned_data["source"])
        else:
            load = files.ban_loader(actor)
        try:
            summary, results = files.load_upload(
                upload.read(), name=upload.name or "upload.csv", spec=spec, load=load
            )
        except files.WatchlistFileError as exc:
            form.add_error("file", str(exc))
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            everything = len(results) <= REPORT_ALL_UP_TO
            shown = [
                {
                    "line": r.line,
                    "status": r.status,
                    "label": ROW_STATUS_LABELS.get(r.status, r.status),
                    "errors": r.errors,
                }
                for r in results
                if everything or r.status == "rejected"
            ]
    return render(
        request,
        "backoffice/watchlist/upload.html",
        {
            **template_context,
            "form": form,
            "summary": summary,
            "rows": shown,
            "partial_report": summary is not None and summary.lines > REPORT_ALL_UP_TO,
            "report_limit": REPORT_ALL_UP_TO,
            "max_rows": watchlist.MAX_BATCH,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.WATCHLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def entry_ban_import(request: HttpRequest) -> HttpResponse:
    return _upload(
        request,
        kind="bans",
        spec=files.BANS,
        template_context={
            "title": _("Import entry bans"),
            "columns": files.BAN_COLUMNS,
            "back_url_name": "backoffice:entry_ban_list",
            "back_label": _("Entry bans"),
            "grounds": watchlist.entry_ban_legal_grounds(),
        },
    )


@office_view(Perm.WATCHLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def invalid_document_import(request: HttpRequest) -> HttpResponse:
    return _upload(
        request,
        kind="invalid_documents",
        spec=files.INVALID_DOCUMENTS,
        template_context={
            "title": _("Import invalid documents"),
            "columns": files.INVALID_DOCUMENT_COLUMNS,
            "back_url_name": "backoffice:invalid_document_list",
            "back_label": _("Invalid documents"),
            "reasons": InvalidReason.choices,
        },
    )


# --- invalid documents -----------------------------------------------------------------------


@office_view(Perm.WATCHLIST_VIEW)
@require_http_methods(["GET", "POST"])
def invalid_document_list(request: HttpRequest) -> HttpResponse:
    """Document numbers are searched by POST (never in a URL); the first visit lists the
    newest reports. With htmx the form and results region is swapped (200 even with
    errors: htmx does not swap 4xx)."""
    actor = _actor(request)
    form = InvalidDocumentSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if not form.is_bound or form.is_valid():
        d = form.cleaned_data if form.is_bound else {}
        try:
            results = watchlist.invalid_document_list(
                actor=actor,
                number=d.get("number") or "",
                issuing_state=d.get("issuing_state") or "",
                reason=d.get("reason") or "",
                page=d.get("page") or 1,
                page_size=50,
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
    context = {
        "form": form,
        "results": results,
        "searched": form.is_bound,
        "can_manage": has_perm(actor, Perm.WATCHLIST_MANAGE),
    }
    if _is_htmx(request):
        return render(request, "backoffice/watchlist/_invalid_document_search.html", context)
    return render(
        request,
        "backoffice/watchlist/invalid_document_list.html",
        context,
        status=422 if form.errors else 200,
    )


@office_view(Perm.WATCHLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def invalid_document_add(request: HttpRequest) -> HttpResponse:
    form = InvalidDocumentForm(
        request.POST if request.method == "POST" else None,
        initial={"reported_on": timezone.localdate()},
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            [result] = watchlist.invalid_documents_load(
                actor=_actor(request),
                rows=[
                    {
                        "issuing_state": d["issuing_state"],
                        "number": d["number"],
                        "reason": d["reason"],
                        "reported_on": d.get("reported_on"),
                    }
                ],
                source=d["source"],
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            if result.status == "rejected":
                apply_errors(form, ValidationFailed(list(result.errors)))
            else:
                messages.success(
                    request,
                    {
                        "created": _("The document was added to the list."),
                        "updated": _("The document was already listed; its reason was changed."),
                        "unchanged": _("The document was already listed for this reason."),
                    }[result.status],
                )
                return redirect("backoffice:invalid_document_list")
    return render(
        request,
        "backoffice/watchlist/invalid_document_form.html",
        {"form": form},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.WATCHLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def invalid_document_remove(request: HttpRequest, invalid_document_id: int) -> HttpResponse:
    actor = _actor(request)
    document = watchlist.invalid_document_get(actor=actor, document_id=invalid_document_id)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            watchlist.invalid_document_remove(
                actor=actor,
                issuing_state=document.issuing_state,
                number=document.number,
                reason=form.cleaned_data["reason"],
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The document was taken off the list."))
            return redirect("backoffice:invalid_document_list")
    return render(
        request,
        "backoffice/watchlist/invalid_document_remove.html",
        {"form": form, "document": document},
        status=422 if form.is_bound and form.errors else 200,
    )
