"""The border check: may this traveller cross? Allow, or refer to a second-line officer
with the reasons. Every check is audited.

Reasons, in this order: entry bans in force on the person or the document (on entry),
the document listed as lost/stolen/revoked/forged or flagged in the registry, an overstay
(on exit) and a stay not registered in time (on exit). With a known person the answer
carries a summary: names, nationalities, in the country or not, permitted-until, days used.

The check is on the border's critical path (hundreds per second), so it reads in a fixed,
small number of queries whatever the person's history: one query for the country code,
the invalid-document list, the registry document (status and holder), the bans, the
holder with current nationalities and crossings (an unknown document goes to the identity
matcher, and a person it finds takes one more query); the stay rights; the registrations
only when a registration deadline has passed; then one audit append."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.border.constants import Direction, InvalidReason
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.db import hot_cursor
from umis.core.errors import FieldError, ValidationFailed
from umis.core.models import Country, User
from umis.core.permissions import Perm, require
from umis.identity.matching import SourceIdentity, get_matcher
from umis.identity.received import document_number_error
from umis.registry import rules as registry_rules
from umis.registry.constants import DocumentStatus
from umis.registry.models import Person
from umis.stays.registrations import unregistered_days
from umis.stays.selectors import stay_rights_of, stay_status_compute


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


def _unknown_country(code: str) -> FieldError:
    return FieldError(
        "document_issuing_state",
        "unknown_country",
        _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.") % {"code": code},
    )


def _clean(data: CheckData) -> CheckData:
    """Normalised input, checked without a query. Whether the issuing state is a known
    country is answered by the lookup query (or here when another field is wrong, so that
    one 422 names every bad field)."""
    errors: list[FieldError] = []
    direction = data.direction.strip().lower()
    if direction not in Direction.values:
        errors.append(
            FieldError("direction", "invalid_choice", _("The direction is 'entry' or 'exit'."))
        )
    number = registry_rules.document_number_normalize(data.document_number)
    if not number or not number.isalnum():
        errors.append(document_number_error())
    state = registry_rules.country_from_icao(data.document_issuing_state)
    bad_birth_date = False
    if data.birth_date:
        try:
            registry_rules.PartialDate.parse(data.birth_date.strip())
        except ValueError:
            bad_birth_date = True
    if errors or bad_birth_date:
        if not Country.objects.filter(pk=state).exists():
            errors.append(_unknown_country(state))
        if bad_birth_date:
            errors.append(
                FieldError(
                    "birth_date",
                    "invalid_date",
                    _("The birth date must be a real date: YYYY-MM-DD, YYYY-MM or YYYY."),
                )
            )
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


@dataclass
class _Facts:
    """What the lookup query found."""

    country_known: bool = False
    listed: tuple[str, str] | None = None  # (reason, source) on the invalid-document list
    holder: uuid.UUID | None = None  # the person of the registry holding the document
    flagged: str | None = None  # the registry document's status when it is not valid
    ban_rows: dict[str, tuple[str, str, str, str | None]] = field(default_factory=dict)
    person: tuple[str, str, str, str] | None = None  # number, family, given names, birth
    nationalities: list[str] = field(default_factory=list)
    crossings: list[tuple[str, dt.datetime]] = field(default_factory=list)  # oldest first

    @property
    def bans(self) -> list[tuple[str, str, str | None]]:
        """(legal basis, authority, until) in EntryBan's order: newest first, then id."""
        rows = sorted(sorted(self.ban_rows.items()), key=lambda item: item[1][0], reverse=True)
        return [(basis, by, until) for _id, (_from, basis, by, until) in rows]


# One row per fact, (kind, a, b, c, d, e) all text, so that one UNION ALL answers the
# whole lookup on PostgreSQL and SQLite alike; every branch is an indexed lookup. Table and
# column names are literals, values are parameters.
_DOCUMENT_BRANCHES = [
    "SELECT 'country', alpha3, NULL, NULL, NULL, NULL FROM core_country WHERE alpha3 = %s",
    "SELECT 'listed', reason, source, NULL, NULL, NULL FROM border_invaliddocument "
    "WHERE issuing_state = %s AND number = %s",
    "SELECT 'document', status, CAST(person_id AS VARCHAR(36)), NULL, NULL, NULL "
    "FROM registry_identitydocument WHERE issuing_state_id = %s AND number = %s",
]
_BANS = (
    "SELECT 'ban', legal_basis, authority, CAST(valid_to AS VARCHAR(10)), "
    "CAST(valid_from AS VARCHAR(10)), CAST(id AS VARCHAR(36)) FROM border_entryban "
    "WHERE lifted_at IS NULL AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s) "
)
_BANS_ON_DOCUMENT = _BANS + "AND document_issuing_state = %s AND document_number = %s"
# The person: given by id, or the holder of the document (documents are unique per
# issuing state and number, so there is at most one).
_HOLDER = (
    "(SELECT person_id FROM registry_identitydocument WHERE issuing_state_id = %s AND number = %s)"
)
_BANS_ON_PERSON = _BANS + "AND person_id = {person}"
_PERSON_BRANCHES = [
    "SELECT 'person', personal_number, family_name, given_names, "
    "CAST(birth_year AS VARCHAR(4)), "
    "CAST(COALESCE(birth_month, 0) * 100 + COALESCE(birth_day, 0) AS VARCHAR(4)) "
    "FROM registry_person WHERE id = {person}",
    "SELECT 'nationality', country_id, CAST(id AS VARCHAR(20)), NULL, NULL, NULL "
    "FROM registry_nationality WHERE person_id = {person} AND valid_to IS NULL",
    # The crossings as border.selectors.person_crossings reads them: (direction, moment)
    # by moment then id. The moment travels as ISO text in UTC: PostgreSQL formats it
    # explicitly (whatever the server's DateStyle), SQLite stores it so.
    "SELECT 'crossing', direction, {moment}, CAST(id AS VARCHAR(20)), NULL, NULL "
    "FROM border_borderevent WHERE person_id = {person}",
]
_MOMENT = {
    "postgresql": "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
    "sqlite": "occurred_at",
}


def _facts(
    data: CheckData, on: dt.date, *, person_id: uuid.UUID | None = None, document: bool = True
) -> _Facts:
    """One query. With `document`: the country code, the invalid-document list, the
    registry document (status, holder) and the bans on the document in force on `on` (on
    entry). Then the person — `person_id`, or else the document's holder — with current
    nationalities, crossings and the bans on the person (on entry)."""
    day = connection.ops.adapt_datefield_value(on)
    doc = [data.document_issuing_state, data.document_number]
    entry = data.direction == Direction.ENTRY
    branches: list[str] = []
    params: list[Any] = []
    if document:
        branches += _DOCUMENT_BRANCHES
        params += [data.document_issuing_state, *doc, *doc]
        if entry:
            branches.append(_BANS_ON_DOCUMENT)
            params += [day, day, *doc]
    if person_id is not None:
        person, person_params = "%s", [Person._meta.pk.get_db_prep_value(person_id, connection)]  # type: ignore[union-attr]
    else:
        person, person_params = _HOLDER, doc
    moment = _MOMENT[connection.vendor]
    if entry:
        branches.append(_BANS_ON_PERSON.format(person=person))
        params += [day, day, *person_params]
    for branch in _PERSON_BRANCHES:
        branches.append(branch.format(person=person, moment=moment))
        params += person_params
    with hot_cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        rows = cursor.fetchall()
    facts = _Facts()
    nationalities: list[tuple[int, str]] = []
    crossings: list[tuple[dt.datetime, int, str]] = []
    for kind, a, b, c, d, e in rows:
        if kind == "country":
            facts.country_known = True
        elif kind == "listed":
            facts.listed = (a, b)
        elif kind == "document":
            facts.holder = uuid.UUID(b)
            facts.flagged = a if a != DocumentStatus.VALID else None
        elif kind == "ban":
            facts.ban_rows[e] = (d, a, b, c)  # a ban on the person and the document: once
        elif kind == "person":
            month_day = int(e)
            birth = Person(
                birth_year=int(d), birth_month=month_day // 100 or None, birth_day=month_day % 100
            ).birth_date_display
            facts.person = (a, b, c, birth)
        elif kind == "nationality":
            nationalities.append((int(b), a))
        elif kind == "crossing":
            crossings.append((dt.datetime.fromisoformat(b).replace(tzinfo=dt.UTC), int(c), a))
    facts.nationalities = [code for _id, code in sorted(nationalities)]
    facts.crossings = [(direction, moment) for moment, _id, direction in sorted(crossings)]
    return facts


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def border_check(*, actor: User, data: CheckData) -> CheckResult:
    require(actor, Perm.BORDER_CHECK)
    data = _clean(data)
    today = timezone.localdate()
    # The holder of the presented document is the traveller (documents are unique per
    # issuing state and number): one query answers everything. Only an unknown document
    # goes to the identity matcher (names and birth date), and then the person's facts
    # take a second query.
    facts = _facts(data, today)
    if not facts.country_known:
        raise ValidationFailed([_unknown_country(data.document_issuing_state)])
    person_id = facts.holder
    if person_id is None:
        person_id = (
            get_matcher()
            .match(
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
            .person_id
        )
        if person_id is not None:
            found = _facts(data, today, person_id=person_id, document=False)
            facts.person, facts.nationalities = found.person, found.nationalities
            facts.crossings = found.crossings
            facts.ban_rows.update(found.ban_rows)
    reasons: list[Reason] = []
    for basis, authority, until in facts.bans:
        reasons.append(
            Reason(
                "entry_ban",
                _("Entry ban until %(until)s: %(basis)s (%(authority)s).")
                % {"until": until or _("indefinitely"), "basis": basis, "authority": authority},
            )
        )
    if facts.listed is not None:
        reason, source = facts.listed
        reasons.append(
            Reason(
                "invalid_document",
                _("The document is listed as %(reason)s (source: %(source)s).")
                % {"reason": _label(InvalidReason, reason), "source": source},
            )
        )
    elif facts.flagged is not None:
        reasons.append(
            Reason(
                "invalid_document",
                _("The document is flagged in the registry: %(status)s.")
                % {"status": _label(DocumentStatus, facts.flagged)},
            )
        )
    summary = None
    person_id = person_id if facts.person is not None else None
    if person_id is not None and facts.person is not None:
        nationalities = facts.nationalities
        status = stay_status_compute(
            crossings=facts.crossings,
            nationalities=nationalities,
            rights=stay_rights_of([person_id], today).get(person_id, []),
            on=today,
        )
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
            # Queries the registrations only once the deadline has passed.
            late = unregistered_days(
                person_id=person_id, nationalities=nationalities, since=status.since, on=today
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
        personal_number, family_name, given_names, birth_date = facts.person
        summary = PersonSummary(
            id=person_id,
            personal_number=personal_number,
            family_name=family_name,
            given_names=given_names,
            birth_date=birth_date,
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
        object_id=person_id or "",
        person_id=person_id,
        purpose="border check",
        changes={
            "direction": [None, data.direction],
            "decision": [None, result.decision],
            "reasons": [None, [r.code for r in reasons]],
            "document": [None, f"{data.document_issuing_state}:{data.document_number}"],
        },
    )
    return result
