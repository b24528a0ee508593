"""Registration at the place of stay: who must register, and by when — the public
calculator (the mobile app's "when must I register?") reading the policy pack."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from umis.core.policy import get_policy


@dataclass(frozen=True)
class RegistrationRequirement:
    needed: bool | None  # None: depends on how long the person stays
    needed_after_days: int
    deadline: dt.date
    deadline_days: int
    fee: str
    needed_after_ref: str
    deadline_ref: str


def registration_requirement(
    *, nationality: str, arrival: dt.date, planned_days: int | None = None
) -> RegistrationRequirement:
    pack = get_policy()
    threshold_rule = pack.rule("stays.registration.required_after_days", on=arrival)
    deadline_rule = pack.rule("stays.registration.deadline_days", on=arrival)
    threshold = int(
        pack.value("stays.registration.required_after_days", on=arrival, variant=nationality)
    )
    deadline_days = int(
        pack.value("stays.registration.deadline_days", on=arrival, variant=nationality)
    )
    fee, _fee_rule = pack.fee_for("registration", on=arrival)
    needed = None if planned_days is None else planned_days > threshold
    return RegistrationRequirement(
        needed=needed,
        needed_after_days=threshold,
        deadline=arrival + dt.timedelta(days=deadline_days),
        deadline_days=deadline_days,
        fee=f"{fee} {pack.currency}",
        needed_after_ref=threshold_rule.legal_ref,
        deadline_ref=deadline_rule.legal_ref,
    )
