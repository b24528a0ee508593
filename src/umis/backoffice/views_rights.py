"""Back office: a person's stay rights (visas, e-visas, permit periods) and the forms to
record them. Thin: parse with a form, call stays.rights, render. The person page loads
the rights section from `stay_rights` with htmx (a plain link without JavaScript)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from umis.backoffice.forms import DateInput, UswdsFormMixin, apply_errors
from umis.backoffice.views import _actor, _is_htmx, _purpose, office_view
from umis.core.errors import ApplicationError, Forbidden, NotFound
from umis.core.permissions import Perm, has_perm
from umis.core.policy import PolicyKeyError
from umis.registry import selectors
from umis.stays import rights
from umis.stays.models import PermitPeriod, StayDaysBasis, Visa, VisaEntries, VisaKind

_BASES = {
    "visa_free_rolling": gettext_lazy("Visa-free stay (rolling window)"),
    "visa": gettext_lazy("Visa"),
    "permit": gettext_lazy("Residence permit or other exemption"),
    "unknown": gettext_lazy("Unknown: no visa or permit recorded"),
}


class VisaForm(UswdsFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=VisaKind.choices)
    number = forms.CharField(label=gettext_lazy("Visa number"), max_length=40)
    entries = forms.ChoiceField(
        label=pgettext_lazy("visa", "Entries"),
        choices=[("", "—"), *VisaEntries.choices],
        required=False,
        help_text=gettext_lazy("An e-visa is single entry."),
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DateInput())
    valid_to = forms.DateField(
        label=gettext_lazy("Valid to"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Leave empty for an e-visa: its validity comes from the rules."),
    )
    stay_days = forms.IntegerField(
        label=gettext_lazy("Duration of stay (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=gettext_lazy("As written on the visa; empty: until the visa expires."),
    )
    stay_days_basis = forms.ChoiceField(
        label=gettext_lazy("The duration counts"),
        choices=StayDaysBasis.choices,
        initial=StayDaysBasis.PER_ENTRY,
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=100, required=False)
    issued_by = forms.CharField(
        label=gettext_lazy("Issued by"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("e.g. ASAN Visa, or the consulate."),
    )


class PermitPeriodForm(UswdsFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Permit or status"))
    number = forms.CharField(label=gettext_lazy("Permit or decision number"), max_length=40)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DateInput())
    valid_to = forms.DateField(
        label=gettext_lazy("Valid to"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Leave empty when open-ended (permanent residence)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *rights.exempt_status_choices()]


class VisaRevokeForm(UswdsFormMixin, forms.Form):
    effective_on = forms.DateField(
        label=gettext_lazy("Cancelled from"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("The first day the visa no longer covers; empty: today."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class PermitEndForm(UswdsFormMixin, forms.Form):
    ended_on = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


@office_view(Perm.STAY_RIGHTS_VIEW)
@require_GET
def stay_rights(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The stay-rights section: a fragment for the person page (htmx), else a page.
    The fragment reads (and audits) the stay rights only: the page that loads it has
    already read the record, and a second full read would be a second "viewed the
    record" entry for one visit."""
    actor = _actor(request)
    fragment = _is_htmx(request)
    held = rights.person_stay_rights(actor=actor, person_id=person_id, purpose=_purpose(request))
    person: Any = (
        SimpleNamespace(pk=person_id)
        if fragment
        else selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    )
    try:
        statuses = dict(rights.exempt_status_choices())
    except PolicyKeyError:
        statuses = {}
    context = {
        "person": person,
        "visas": held.visas,
        "permits": [{"period": p, "label": statuses.get(p.kind, p.kind)} for p in held.permits],
        "status": held.status,
        "basis_label": _BASES.get(held.status.basis, held.status.basis),
        "applies": held.applies,
        "can_manage": has_perm(actor, Perm.STAY_RIGHTS_MANAGE),
    }
    template = (
        "backoffice/rights/_section.html" if fragment else "backoffice/rights/person_rights.html"
    )
    return render(request, template, context)


def _form_page(
    request: HttpRequest,
    template: str,
    form: forms.Form,
    person: Any,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        template,
        {"form": form, "person": person, **(extra or {})},
        status=422 if form.is_bound and form.errors else 200,
    )


@office_view(Perm.STAY_RIGHTS_MANAGE)
@require_http_methods(["GET", "POST"])
def visa_add(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    form = VisaForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            _visa, status = rights.visa_record(
                actor=actor,
                data=rights.VisaData(
                    person_id=person.pk,
                    kind=d["kind"],
                    number=d["number"],
                    valid_from=d["valid_from"],
                    valid_to=d.get("valid_to"),
                    entries=d.get("entries") or "",
                    stay_days=d.get("stay_days"),
                    stay_days_basis=d["stay_days_basis"],
                    purpose=d.get("purpose", ""),
                    issued_by=d.get("issued_by", ""),
                ),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The visa was recorded.")
                if status == "created"
                else _("The visa was already recorded; its details are up to date."),
            )
            return redirect("backoffice:stay_rights", person_id=person.pk)
    return _form_page(request, "backoffice/rights/visa_form.html", form, person)


@office_view(Perm.STAY_RIGHTS_MANAGE)
@require_http_methods(["GET", "POST"])
def permit_period_add(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    form = PermitPeriodForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            rights.stay_permit_record(
                actor=actor,
                person_id=person.pk,
                kind=d["kind"],
                number=d["number"],
                valid_from=d["valid_from"],
                valid_to=d.get("valid_to"),
                source="counter",
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The permit period was recorded."))
            return redirect("backoffice:stay_rights", person_id=person.pk)
    return _form_page(request, "backoffice/rights/permit_form.html", form, person)


@office_view(Perm.STAY_RIGHTS_MANAGE)
@require_http_methods(["GET", "POST"])
def visa_revoke(request: HttpRequest, person_id: uuid.UUID, visa_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    visa = Visa.objects.filter(pk=visa_id, person_id=person.pk).first()
    if visa is None:
        raise NotFound("Visa", _("Visa not found"))
    form = VisaRevokeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            rights.visa_revoke(
                actor=actor,
                visa_id=visa.pk,
                reason=form.cleaned_data["reason"],
                effective_on=form.cleaned_data.get("effective_on"),
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The visa was cancelled."))
            return redirect("backoffice:stay_rights", person_id=person.pk)
    return _form_page(request, "backoffice/rights/visa_revoke.html", form, person, {"visa": visa})


@office_view(Perm.STAY_RIGHTS_MANAGE)
@require_http_methods(["GET", "POST"])
def permit_period_end(
    request: HttpRequest, person_id: uuid.UUID, permit_id: uuid.UUID
) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    period = PermitPeriod.objects.filter(pk=permit_id, person_id=person.pk).first()
    if period is None:
        raise NotFound("Permit period", _("Permit period not found"))
    form = PermitEndForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            rights.stay_permit_end(
                actor=actor,
                permit_id=period.pk,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
            )
        except (Forbidden, NotFound):
            raise
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The permit period was ended."))
            return redirect("backoffice:stay_rights", person_id=person.pk)
    return _form_page(
        request, "backoffice/rights/permit_end.html", form, person, {"period": period}
    )
