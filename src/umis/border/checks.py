"""The border check: may this traveller cross? Allow, or refer to a second-line officer
with the reasons. Every check is audited. Reasons that need data from later issues
(unregistered stay, unpaid fines) join the same list when those land."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from umis.border import watchlist
from umis.border.constants import Direction
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import FieldError, ValidationFailed
from umis.core.models import Country, User
from umis.core.permissions import Perm, require
from umis.identity.matching import SourceIdentity, get_matcher
from umis.registry import rules as registry_rules
from umis.registry.constants import DocumentStatus
from umis.registry.models import IdentityDocument, Person
from umis.stays.registrations import unregistered_days
from umis.stays.selectors import stay_status


@dataclass(frozen=True)
class CheckData:
    direction: str
    document_number: str
    document_issuing_state: str
    family_name: str = ""
    given_names: str = ""
    birth_date: str = ""
    nationality: str = ""


@dataclass(frozen=True)
class Reason:
    code: str  # entry_ban | invalid_document | overstay | unregistered_stay
    detail: str


@dataclass(frozen=True)
class PersonSummary:
    id: uuid.UUID
    personal_number: str
    family_name: str
    given_names: str
    birth_date: str
    nationalities: list[str]
    in_country: bool
    permitted_until: dt.date | None
    days_used: int


@dataclass(frozen=True)
class CheckResult:
    decision: str  # allow | refer
    reasons: list[Reason] = field(default_factory=list)
    person: PersonSummary | None = None


def _clean(data: CheckData) -> CheckData:
    errors: list[FieldError] = []
    direction = data.direction.strip().lower()
    if direction not in Direction.values:
        errors.append(
            FieldError("direction", "invalid_choice", _("The direction is 'entry' or 'exit'."))
        )
    number = registry_rules.document_number_normalize(data.document_number)
    if not number or not number.isalnum():
        errors.append(
            FieldError(
                "document_number",
                "invalid",
                _("The document number is required: letters and digits."),
            )
        )
    state = registry_rules.country_from_icao(data.document_issuing_state)
    if not Country.objects.filter(pk=state).exists():
        errors.append(
            FieldError(
                "document_issuing_state",
                "unknown_country",
                _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.") % {"code": state},
            )
        )
    if data.birth_date:
        try:
            registry_rules.PartialDate.parse(data.birth_date.strip())
        except ValueError:
            errors.append(
                FieldError(
                    "birth_date",
                    "invalid_date",
                    _("The birth date must be a real date: YYYY-MM-DD, YYYY-MM or YYYY."),
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return CheckData(
        direction,
        number,
        state,
        data.family_name.strip(),
        data.given_names.strip(),
        data.birth_date.strip(),
        data.nationality.strip().upper(),
    )


def border_check(*, actor: User, data: CheckData) -> CheckResult:
    require(actor, Perm.BORDER_CHECK)
    data = _clean(data)
    today = timezone.localdate()
    match = get_matcher().match(
        SourceIdentity(
            family_name=data.family_name,
            given_names=data.given_names,
            birth_date=data.birth_date,
            sex="",
            nationality=data.nationality,
            document_number=data.document_number,
            document_issuing_state=data.document_issuing_state,
        )
    )
    person = (
        Person.objects.prefetch_related("nationalities").filter(pk=match.person_id).first()
        if match.person_id
        else None
    )
    reasons: list[Reason] = []
    if data.direction == Direction.ENTRY:
        for ban in watchlist.entry_bans_in_force(
            person_id=person.pk if person else None,
            issuing_state=data.document_issuing_state,
            number=data.document_number,
            on=today,
        ):
            until = ban.valid_to.isoformat() if ban.valid_to else _("indefinitely")
            reasons.append(
                Reason(
                    "entry_ban",
                    _("Entry ban until %(until)s: %(basis)s (%(authority)s).")
                    % {"until": until, "basis": ban.legal_basis, "authority": ban.authority},
                )
            )
    listed = watchlist.invalid_document_find(
        issuing_state=data.document_issuing_state, number=data.document_number
    )
    if listed is not None:
        reasons.append(
            Reason(
                "invalid_document",
                _("The document is listed as %(reason)s (source: %(source)s).")
                % {"reason": listed.get_reason_display(), "source": listed.source},
            )
        )
    else:
        flagged = (
            IdentityDocument.objects.filter(
                issuing_state_id=data.document_issuing_state, number=data.document_number
            )
            .exclude(status=DocumentStatus.VALID)
            .first()
        )
        if flagged is not None:
            reasons.append(
                Reason(
                    "invalid_document",
                    _("The document is flagged in the registry: %(status)s.")
                    % {"status": flagged.get_status_display()},
                )
            )
    summary = None
    if person is not None:
        nationalities = [n.country_id for n in person.nationalities.all() if n.valid_to is None]
        status = stay_status(person_id=person.pk, nationalities=nationalities, on=today)
        if data.direction == Direction.EXIT and status.overstay_days > 0:
            reasons.append(
                Reason(
                    "overstay",
                    _("Overstay of %(days)s days (permitted until %(until)s; %(ref)s).")
                    % {
                        "days": status.overstay_days,
                        "until": status.permitted_until.isoformat()
                        if status.permitted_until
                        else "-",
                        "ref": status.legal_ref,
                    },
                )
            )
        if data.direction == Direction.EXIT and status.since is not None:
            late = unregistered_days(
                person_id=person.pk, nationalities=nationalities, since=status.since, on=today
            )
            if late > 0:
                reasons.append(
                    Reason(
                        "unregistered_stay",
                        _(
                            "The stay was not registered: %(days)s days past the registration "
                            "deadline."
                        )
                        % {"days": late},
                    )
                )
        summary = PersonSummary(
            id=person.pk,
            personal_number=person.personal_number,
            family_name=person.family_name,
            given_names=person.given_names,
            birth_date=person.birth_date_display,
            nationalities=nationalities,
            in_country=status.in_country,
            permitted_until=status.permitted_until,
            days_used=status.days_used,
        )
    result = CheckResult("refer" if reasons else "allow", reasons, summary)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="border.check",
        object_id=person.pk if person else "",
        person_id=person.pk if person else None,
        purpose="border check",
        changes={
            "direction": [None, data.direction],
            "decision": [None, result.decision],
            "reasons": [None, [r.code for r in reasons]],
            "document": [None, f"{data.document_issuing_state}:{data.document_number}"],
        },
    )
    return result
