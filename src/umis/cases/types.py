"""Case types: a service of the policy pack's catalogue bound to its workflow and to the
hooks of the app that grants what the case decides. The service's values (deadline,
fees, documents, refusal grounds) stay in the pack; this is the code side of a case
type. Apps register their types when they load (``AppConfig.ready``), without reading
the database, so that :mod:`umis.cases` never imports the apps that depend on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from umis.cases.workflow import ONE_STOP_SHOP, Workflow

if TYPE_CHECKING:
    from umis.cases.models import Case


@dataclass(frozen=True)
class Check:
    """The result of one check a case must pass before approval: ``ok`` is None while it
    could not be run (an outside system was unavailable)."""

    code: str
    ok: bool | None
    detail: str = ""
    legal_ref: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail, "legal_ref": self.legal_ref}


@dataclass(frozen=True)
class CaseType:
    service: str
    workflow: Workflow = ONE_STOP_SHOP
    # Runs the checks of the case (watch list, tax registry...): at submission and again
    # when an officer asks. Returns every check, passed or not.
    checks: Callable[[Case], list[Check]] | None = None
    # Grants what the case decided (a permit, a card), inside the ``issue`` transaction.
    on_issue: Callable[[Any, Case], None] | None = None


_TYPES: dict[str, CaseType] = {}


def register(case_type: CaseType) -> None:
    _TYPES[case_type.service] = case_type


def case_type(service: str) -> CaseType:
    try:
        return _TYPES[service]
    except KeyError:
        raise LookupError(f"no case type is registered for service {service!r}") from None


def registered() -> tuple[str, ...]:
    return tuple(sorted(_TYPES))
