"""Adapter to the state tax registry: who a taxpayer is, by VÖEN.

The work-permit service checks an employer here (registered, active, no tax debt). The
protocol is ``GET /v1/taxpayers/{voen}`` over signed JSON (``umis.exchange.http``):

    200 {"voen": "1401555071", "name": "...", "status": "active",
         "registered_on": "2011-05-04", "has_tax_debt": false}
    404 no such taxpayer

Callers get a ``Taxpayer``, ``None`` for an unknown VÖEN, or ``AdapterUnavailable`` /
``AdapterRejected`` (see ``umis.exchange.http``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from umis.exchange.http import (
    AdapterUnavailable,
    InvalidField,
    JsonHttpClient,
    setting_required,
)
from umis.registry.rules import voen_is_valid, voen_normalize

__all__ = [
    "SYSTEM",
    "HttpTaxRegistry",
    "TaxRegistry",
    "Taxpayer",
    "TaxpayerStatus",
    "tax_registry",
    "voen_checked",
]

SYSTEM = "tax_registry"


class TaxpayerStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    SUSPENDED = "suspended", gettext_lazy("Activity suspended")
    LIQUIDATED = "liquidated", gettext_lazy("Liquidated")


@dataclass(frozen=True)
class Taxpayer:
    voen: str
    name: str
    status: str  # a TaxpayerStatus value: "active" | "suspended" | "liquidated"
    registered_on: date
    has_tax_debt: bool

    @property
    def is_active(self) -> bool:
        return self.status == TaxpayerStatus.ACTIVE


class TaxRegistry(Protocol):
    def taxpayer(self, voen: str) -> Taxpayer | None:
        """The taxpayer with this VÖEN, or ``None`` if the registry does not know it."""
        ...


def voen_checked(voen: str) -> str:
    """The canonical VÖEN, or ``InvalidField`` (a ``ValueError``) naming the field: a
    malformed number is our input error, never something to ask the registry about."""
    value = voen_normalize((voen or "").strip())
    if not voen_is_valid(value):
        raise InvalidField(
            "voen",
            _(
                "'%(value)s' is not a valid VÖEN: 10 digits, the 9th a check digit and "
                "the last 1 (legal entity) or 2 (natural person)."
            )
            % {"value": voen},
        )
    return value


class HttpTaxRegistry:
    """The tax registry over HTTP (the real one, or ``umis sandboxes`` for the demo)."""

    def __init__(self, base_url: str, client_id: str, secret: str, timeout: float) -> None:
        self._client = JsonHttpClient(
            system=SYSTEM, base_url=base_url, client_id=client_id, secret=secret, timeout=timeout
        )

    def taxpayer(self, voen: str) -> Taxpayer | None:
        value = voen_checked(voen)
        response = self._client.request("GET", f"/v1/taxpayers/{value}")
        if response.status == 404:
            return None
        return _taxpayer(response.data, value)


def _taxpayer(data: Any, voen: str) -> Taxpayer:
    """Parse the registry's answer strictly: a reply we cannot trust is treated as the
    registry being broken (retry later), never guessed at."""

    def bad(reason: str) -> AdapterUnavailable:
        return AdapterUnavailable(SYSTEM, _("invalid response: %(reason)s") % {"reason": reason})

    if not isinstance(data, dict):
        raise bad(_("expected a JSON object"))
    if data.get("voen") != voen:
        raise bad(
            _("'voen' is %(got)r, asked for %(voen)s") % {"got": data.get("voen"), "voen": voen}
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad(_("'name' must be a non-empty string"))
    status = data.get("status")
    if status not in TaxpayerStatus.values:
        raise bad(
            _("'status' %(got)r is not one of %(allowed)s")
            % {"got": status, "allowed": ", ".join(TaxpayerStatus.values)}
        )
    raw_date = data.get("registered_on")
    try:
        registered_on = date.fromisoformat(raw_date) if isinstance(raw_date, str) else None
    except ValueError:
        registered_on = None
    if registered_on is None:
        raise bad(_("'registered_on' must be a date (YYYY-MM-DD)"))
    debt = data.get("has_tax_debt")
    if not isinstance(debt, bool):
        raise bad(_("'has_tax_debt' must be true or false"))
    return Taxpayer(
        voen=voen,
        name=name.strip(),
        status=str(status),
        registered_on=registered_on,
        has_tax_debt=debt,
    )


def tax_registry() -> TaxRegistry:
    """The configured tax registry (settings ``UMIS_TAX_REGISTRY_*``)."""
    return HttpTaxRegistry(
        setting_required("UMIS_TAX_REGISTRY_URL"),
        setting_required("UMIS_TAX_REGISTRY_CLIENT"),
        setting_required("UMIS_TAX_REGISTRY_SECRET"),
        float(settings.UMIS_ADAPTER_TIMEOUT_SECONDS),
    )
