"""Public portal: the e-services catalogue, read from the policy pack (who may apply, the
documents, fees with their tiers, processing times and legal basis), in the active language.
Nothing here is a literal rule: change the pack and the pages change."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from umis.core.policy import PolicyPack, PolicyPackError, Service, get_policy
from umis.permits.services import APPLY_SERVICES

logger = logging.getLogger(__name__)

AUDIENCES = {
    "foreigner": _("Foreigners and stateless persons"),
    "host": _("Hosts (hotels, landlords)"),
    "employer": _("Employers"),
    "any": _("Everyone"),
}

# Words fee-tier codes are made of ("urgent_minor"): shown translated, in the code's order.
TIER_WORDS = {
    "standard": _("standard"),
    "urgent": _("urgent"),
    "express": _("express"),
    "adult": _("adult"),
    "minor": _("minor"),
    "student": _("student"),
    "liberated": _("liberated"),
    "territories": _("territories"),
    "trp": _("temporary residence"),
    "prp": _("permanent residence"),
    "card": _("card"),
}


def _unit_text(amount: int, unit: str) -> str:
    if unit == "working_days":
        return ngettext("%(n)d working day", "%(n)d working days", amount) % {"n": amount}
    if unit == "days":
        return ngettext("%(n)d day", "%(n)d days", amount) % {"n": amount}
    if unit == "months":
        return ngettext("%(n)d month", "%(n)d months", amount) % {"n": amount}
    if unit == "years":
        return ngettext("%(n)d year", "%(n)d years", amount) % {"n": amount}
    return f"{amount} {unit}"


def _processing_text(amount: int, unit: str) -> str:
    if amount == 0:
        return str(_("immediately"))
    return _unit_text(amount, unit)


def _tier_label(code: str) -> str:
    words = [str(TIER_WORDS.get(part, part)) for part in code.split("_")]
    text = " ".join(words)
    first = text[:1]
    # Azerbaijani (like Turkish) capitalises dotted i as İ; str.upper() would give I.
    if first == "i" and (get_language() or "")[:2] == "az":
        return "İ" + text[1:]
    return first.upper() + text[1:]


@dataclass
class TierView:
    code: str
    label: str
    amount: Decimal
    processing: str
    legal_ref: str


@dataclass
class ServiceView:
    service: Service
    name: str
    who: str
    description: str
    audience: str
    documents: list[tuple[str, bool]]
    tiers: list[TierView]
    processing: str
    legal_basis: str
    online: bool

    @property
    def code(self) -> str:
        return self.service.code

    @property
    def min_fee(self) -> Decimal:
        return min((t.amount for t in self.tiers), default=Decimal(0))

    @property
    def max_fee(self) -> Decimal:
        return max((t.amount for t in self.tiers), default=Decimal(0))

    @property
    def single_tier(self) -> bool:
        return len(self.tiers) == 1


def _service_view(pack: PolicyPack, service: Service, lang: str) -> ServiceView:
    tiers = []
    for tier in service.fee_tiers:
        amount, rule = pack.fee_for(service.code, tier.code)
        time = pack.processing_time(service.code, tier.code)
        tiers.append(
            TierView(
                tier.code,
                _tier_label(tier.code),
                amount,
                _processing_text(time.amount, time.unit),
                rule.legal_ref,
            )
        )
    default_time = pack.processing_time(service.code)
    return ServiceView(
        service=service,
        name=service.name(lang),
        who=service.who(lang),
        description=service.description(lang),
        audience=str(AUDIENCES.get(service.audience, service.audience)),
        documents=[(d.name(lang), d.optional) for d in service.required_documents],
        tiers=tiers,
        processing=_processing_text(default_time.amount, default_time.unit),
        legal_basis=service.legal_basis,
        online=service.online,
    )


def _catalogue(lang: str) -> tuple[PolicyPack | None, list[ServiceView]]:
    try:
        pack = get_policy()
        return pack, [_service_view(pack, s, lang) for s in pack.services]
    except PolicyPackError:
        logger.exception("the policy pack could not be loaded")
        return None, []


def home(request: HttpRequest) -> HttpResponse:
    lang = (get_language() or "az")[:2]
    pack, services = _catalogue(lang)
    context: dict[str, Any] = {
        "pack": pack,
        "services": services,
        "apply_services": APPLY_SERVICES,
    }
    return render(request, "portal/home.html", context, status=200 if pack else 503)


def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    lang = (get_language() or "az")[:2]
    pack, services = _catalogue(lang)
    if pack is None:
        return render(request, "portal/home.html", {"pack": None, "services": []}, status=503)
    view = next((s for s in services if s.code == code), None)
    if view is None:
        raise Http404("service")
    return render(
        request,
        "portal/service_detail.html",
        {"pack": pack, "s": view, "apply_services": APPLY_SERVICES},
    )


def registration_deadline(request: HttpRequest) -> HttpResponse:
    """The public "must I register, and by when?" calculator (no personal data: the
    citizenship and a date only, so a GET form is fine)."""
    from umis.core.policy import PolicyKeyError
    from umis.portal.forms import DeadlineForm
    from umis.stays.registration import registration_requirement

    form = DeadlineForm(request.GET or None)
    answer = None
    if form.is_bound and form.is_valid():
        try:
            answer = registration_requirement(
                nationality=form.cleaned_data["nationality"],
                arrival=form.cleaned_data["arrival"],
                planned_days=form.cleaned_data.get("planned_days"),
            )
        except PolicyKeyError:
            form.add_error("arrival", _("No registration rule is in force on that date."))
    return render(
        request,
        "portal/registration_deadline.html",
        {"form": form, "answer": answer},
        status=422 if form.is_bound and form.errors else 200,
    )
