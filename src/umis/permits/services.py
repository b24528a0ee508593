"""Every write of the permit services: applications with their eligibility rules (refused
at submission, with the rule and its legal reference), and what an issued case grants:
the permit, its stay period, the card or decision with a signed QR payload. The values
come from the policy pack; the case engine (:mod:`umis.cases`) runs the procedure."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from umis.border.selectors import person_crossings, stays_from_crossings
from umis.cases.models import Case
from umis.cases.services import CaseRequest, Upload, case_open, next_counter
from umis.cases.types import Check
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import ApplicationError, Conflict, FieldError, NotFound, ValidationFailed
from umis.core.models import Office, User
from umis.core.permissions import Perm, require
from umis.core.policy import PolicyKeyError, PolicyPack, get_policy
from umis.permits import rules
from umis.permits.models import IssuedDocument, Permit, QuotaCounter
from umis.registry.constants import UNSPECIFIED_NATIONALITY
from umis.registry.models import IdentityDocument, Organisation, OrganisationMember, Person
from umis.stays import rules as stay_rules
from umis.stays.selectors import stay_status

RESIDENCE = (Permit.Kind.TRP, Permit.Kind.PRP)
# The stay engine's exempt-status code for each residence kind (pack: stays.exempt_statuses).
STAY_KIND = {
    Permit.Kind.TRP: "residence_temporary",
    Permit.Kind.PRP: "residence_permanent",
    Permit.Kind.STAY_EXTENSION: "stay_extension",
}


@dataclass
class ApplicantIdentity:
    family_name: str
    given_names: str
    birth_date: dt.date
    sex: str
    nationality: str
    passport_number: str
    passport_issuing_state: str
    passport_expiry: dt.date


@dataclass
class ApplicationIn:
    service: str
    fee_tier: str = ""
    variant: str = ""
    person_id: uuid.UUID | None = None
    identity: ApplicantIdentity | None = None
    ground: str = ""
    employer_id: uuid.UUID | None = None
    position: str = ""
    permit_id: uuid.UUID | None = None
    reason: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    language: str = "az"
    uploads: list[Upload] = field(default_factory=list)
    idempotency_key: str = ""
    office_id: int | None = None


class Ineligible(ApplicationError):
    """Refused at submission: the rule that fails, with its legal reference."""

    def __init__(self, field_name: str, rule: str, legal_ref: str, message: str) -> None:
        text = f"{message} ({legal_ref})" if legal_ref else message
        super().__init__(
            code="not_eligible",
            detail=text,
            status=422,
            field_errors=[FieldError(field_name, "not_eligible", text)],
            extra={"rule": rule, "legal_ref": legal_ref},
        )


def _ref(pack: PolicyPack, key: str, on: dt.date) -> str:
    return pack.rule(key, on=on).legal_ref


def _fail(pack: PolicyPack, on: dt.date, field_name: str, key: str, message: str) -> Ineligible:
    return Ineligible(field_name, key, _ref(pack, key, on), message)


# --- who applies, for whom ----------------------------------------------------------------


def _norm(value: str) -> str:
    return "".join((value or "").split()).upper()


def _person_from_identity(actor: User, ident: ApplicantIdentity, today: dt.date) -> Person:
    """The applicant's record: the person who holds this passport, else a provisional
    record with it (the identity matcher links or merges it later)."""
    from umis.identity.matching import SourceIdentity, get_matcher
    from umis.identity.received import queue_review
    from umis.registry.services import (
        DocumentData,
        NationalityData,
        PersonData,
        document_add,
        person_create_provisional,
    )

    number, state = _norm(ident.passport_number), _norm(ident.passport_issuing_state)
    errors: list[FieldError] = []
    if not number:
        errors.append(
            FieldError("identity.passport_number", "required", _("Enter the passport number."))
        )
    if ident.passport_expiry < today:
        errors.append(
            FieldError("identity.passport_expiry", "expired", _("The passport has expired."))
        )
    if ident.birth_date >= today:
        errors.append(FieldError("identity.birth_date", "invalid", _("Enter a past date.")))
    if errors:
        raise ValidationFailed(errors)
    doc = (
        IdentityDocument.objects.select_related("person")
        .filter(number=number, issuing_state_id=state)
        .first()
    )
    if doc is not None:
        person = doc.person
        if person.birth_year != ident.birth_date.year or person.birth_month not in (
            None,
            ident.birth_date.month,
        ):
            raise ValidationFailed(
                [
                    FieldError(
                        "identity.birth_date",
                        "mismatch",
                        _("The birth date does not match our records for this passport."),
                    )
                ]
            )
        return person
    document = DocumentData(
        document_type="passport",
        number=number,
        issuing_state=state,
        expiry_date=ident.passport_expiry,
    )
    # A passport UMIS has not seen: a renewed one of a person it knows (linked when the
    # matcher is certain), else a provisional person, queued for review if it is close.
    match = get_matcher().match(
        SourceIdentity(
            family_name=ident.family_name,
            given_names=ident.given_names,
            birth_date=ident.birth_date.isoformat(),
            sex=ident.sex,
            nationality=_norm(ident.nationality),
            document_number=number,
            document_issuing_state=state,
        )
    )
    if match.person_id is not None:
        person = Person.objects.get(pk=match.person_id)
        document_add(actor=actor, person_id=person.pk, data=document, permission=Perm.CASE_APPLY)
        return person
    person = person_create_provisional(
        actor=actor,
        data=PersonData(
            family_name=ident.family_name,
            given_names=ident.given_names,
            sex=ident.sex,
            birth_date=ident.birth_date.isoformat(),
            nationalities=[NationalityData(country=_norm(ident.nationality))],
        ),
        document=document,
        permission=Perm.CASE_APPLY,
    )
    queue_review(person.pk, match, "application")
    return person


def _passport(person: Person, today: dt.date) -> IdentityDocument | None:
    return (
        IdentityDocument.objects.filter(person=person, document_type__code="passport")
        .exclude(status="invalid")
        .order_by("-expiry_date")
        .first()
    )


def _birth_date(person: Person) -> dt.date:
    return dt.date(person.birth_year, person.birth_month or 1, person.birth_day or 1)


def _nationalities(person: Person) -> list[str]:
    return list(
        person.nationalities.filter(valid_to__isnull=True).values_list("country_id", flat=True)
    )


def _card_nationality(person: Person) -> str:
    """The nationality printed on a card: the first current one recorded (a stateless
    person's is XXA), else ICAO's "unspecified"."""
    return next(iter(_nationalities(person)), UNSPECIFIED_NATIONALITY)


def _active_permits(person: Person, kind: str, today: dt.date) -> list[Permit]:
    return list(
        Permit.objects.filter(person=person, kind=kind, status=Permit.Status.ACTIVE)
        .filter(valid_from__lte=today)
        .exclude(valid_to__lt=today)
        .order_by("-valid_to")
    )


def _open_case(person: Person, service: str) -> Case | None:
    from umis.cases.services import CLOSED_STATUSES

    return (
        Case.objects.filter(person=person, service=service)
        .exclude(status__in=CLOSED_STATUSES)
        .first()
    )


# --- eligibility per service ----------------------------------------------------------------


@dataclass
class _Ctx:
    pack: PolicyPack
    today: dt.date
    person: Person
    data: ApplicationIn
    passport_expiry: dt.date | None
    adult: bool
    case_data: dict[str, Any]
    employer: Organisation | None = None


def _tier_family(ctx: _Ctx) -> None:
    """Adult/minor fee tiers follow the applicant's age; a student tier needs the
    full-time-student ground."""
    tier = ctx.data.fee_tier
    if not tier:
        return
    minor_age = ctx.pack.value("general.minor_age_years", on=ctx.today)
    if tier.endswith("_minor") and ctx.adult:
        raise _fail(
            ctx.pack,
            ctx.today,
            "fee_tier",
            "general.minor_age_years",
            _("The minor's fee applies under %(age)s years of age.") % {"age": minor_age},
        )
    if tier.endswith("_adult") and not ctx.adult:
        raise _fail(
            ctx.pack,
            ctx.today,
            "fee_tier",
            "general.minor_age_years",
            _("Choose the minor's fee for an applicant under %(age)s.") % {"age": minor_age},
        )
    grounds = {str(g["code"]): g for g in ctx.pack.value("trp.grounds", on=ctx.today)}
    # The student fee is for the grounds the pack marks with student_fee.
    if tier.endswith("_student") and not grounds.get(ctx.data.ground, {}).get("student_fee"):
        raise _fail(
            ctx.pack,
            ctx.today,
            "fee_tier",
            "trp.grounds",
            _("The student fee is for full-time students."),
        )


def _term(ctx: _Ctx, variants: list[str]) -> rules.Term:
    variant = ctx.data.variant
    if variant not in variants:
        raise ValidationFailed(
            [
                FieldError(
                    "variant",
                    "invalid_choice",
                    _("Choose one of: %(terms)s.") % {"terms": ", ".join(variants)},
                )
            ]
        )
    term = rules.parse_term(variant)
    assert term is not None
    return term


def _fee_variants(ctx: _Ctx) -> list[str]:
    service = ctx.pack.service(ctx.data.service)
    try:
        tier = service.tier(ctx.data.fee_tier or None)
    except PolicyKeyError:
        raise ValidationFailed(
            [
                FieldError(
                    "fee_tier",
                    "invalid_choice",
                    _("Choose one of: %(tiers)s.")
                    % {"tiers": ", ".join(t.code for t in service.fee_tiers)},
                )
            ]
        ) from None
    return list(ctx.pack.rule(tier.amount_key, on=ctx.today).variants)


def _passport_beyond(ctx: _Ctx, end: dt.date) -> None:
    months = int(ctx.pack.value("trp.passport_validity_beyond_permit_months", on=ctx.today))
    needed = rules.add_months(end, months)
    if ctx.passport_expiry is None or ctx.passport_expiry < needed:
        raise _fail(
            ctx.pack,
            ctx.today,
            "identity.passport_expiry",
            "trp.passport_validity_beyond_permit_months",
            _(
                "The passport must be valid until at least %(date)s "
                "(%(months)s months after the permit would end)."
            )
            % {"date": needed.isoformat(), "months": months},
        )


def _check_stay_extension(ctx: _Ctx) -> None:
    pack, today = ctx.pack, ctx.today
    steps = [f"{int(d)}d" for d in pack.value("stay_extension.steps_days", on=today)]
    term = _term(ctx, [v for v in _fee_variants(ctx) if v in steps])
    status = stay_status(
        person_id=ctx.person.pk, nationalities=_nationalities(ctx.person), on=today
    )
    if not status.in_country or status.permitted_until is None:
        raise _fail(
            pack,
            today,
            "person",
            "stay_extension.apply_before_end_days",
            _("An extension is for a foreigner who is in the country on a lawful stay."),
        )
    before = int(pack.value("stay_extension.apply_before_end_days", on=today))
    if today > status.permitted_until - dt.timedelta(days=before):
        raise _fail(
            pack,
            today,
            "person",
            "stay_extension.apply_before_end_days",
            _("Apply at least %(days)s days before the stay ends (it ends on %(date)s).")
            % {"days": before, "date": status.permitted_until.isoformat()},
        )
    ctx.case_data.update(
        stay_ends=status.permitted_until.isoformat(),
        new_stay_ends=(status.permitted_until + dt.timedelta(days=term.days or 0)).isoformat(),
    )


def _extension_start(ctx: _Ctx, previous: Permit, key: str) -> dt.date:
    """An extension is asked for at least ``key`` days before the permit ends, and runs
    from the day after it."""
    before = int(ctx.pack.value(key, on=ctx.today))
    assert previous.valid_to is not None  # extended permits have an end
    if ctx.today > previous.valid_to - dt.timedelta(days=before):
        raise _fail(
            ctx.pack,
            ctx.today,
            "permit_id",
            key,
            _("Apply at least %(days)s days before the permit ends (%(date)s).")
            % {"days": before, "date": previous.valid_to.isoformat()},
        )
    ctx.case_data["previous_permit"] = str(previous.pk)
    return previous.valid_to + rules.ONE_DAY


def _check_trp(ctx: _Ctx, *, extension: bool) -> None:
    pack, today = ctx.pack, ctx.today
    grounds = {str(g["code"]): g for g in pack.value("trp.grounds", on=today)}
    current = _active_permits(ctx.person, Permit.Kind.TRP, today)
    if extension:
        if not current:
            raise _fail(
                pack,
                today,
                "permit_id",
                "trp.apply_before_expiry_days",
                _("There is no valid temporary residence permit to extend."),
            )
        previous = current[0]
        ctx.data.ground = ctx.data.ground or previous.ground
        start = _extension_start(ctx, previous, "trp.apply_before_expiry_days")
        max_key = "trp.extension_max_months"
    else:
        if current:
            raise _fail(
                pack,
                today,
                "service",
                "trp.apply_before_expiry_days",
                _("A temporary residence permit is already valid; apply for its extension."),
            )
        start = today
        max_key = ""
    if ctx.data.ground not in grounds:
        raise ValidationFailed(
            [FieldError("ground", "invalid_choice", _("Choose the ground of the permit."))]
        )
    # A ground may have its own maximum first term (investors: the pack's entry names it).
    max_key = max_key or str(
        grounds[ctx.data.ground].get("max_months_key") or "trp.initial_max_months"
    )
    _tier_family(ctx)
    term = _term(ctx, _fee_variants(ctx))
    months = term.months or 0
    limit = int(pack.value(max_key, on=today))
    if months > limit:
        raise _fail(
            pack,
            today,
            "variant",
            max_key,
            _("The term may be at most %(months)s months.") % {"months": limit},
        )
    end = rules.term_end(start, term)
    _passport_beyond(ctx, end)
    ctx.case_data.update(
        ground=ctx.data.ground,
        ground_legal_ref=str(grounds[ctx.data.ground].get("legal_ref", "")),
        valid_from=start.isoformat(),
        valid_to=end.isoformat(),
    )


def _residence_periods(person: Person) -> list[tuple[dt.date, dt.date | None]]:
    """Periods of temporary residence: permits issued here and periods recorded in the
    stay engine (permits from before UMIS); revoked ones do not count."""
    from umis.stays.models import PermitPeriod

    rows = PermitPeriod.objects.filter(
        person=person, kind=STAY_KIND[Permit.Kind.TRP], revoked_at__isnull=True
    ).values_list("valid_from", "valid_to")
    return [(a, b) for a, b in rows]


def _check_prp(ctx: _Ctx) -> None:
    pack, today = ctx.pack, ctx.today
    current = _active_permits(ctx.person, Permit.Kind.TRP, today)
    grounds = {str(g["code"]): g for g in pack.value("trp.grounds", on=today)}
    if not current:
        raise _fail(
            pack,
            today,
            "person",
            "prp.required_trp_years",
            _("A permanent residence permit needs a valid temporary residence permit."),
        )
    trp = current[0]
    if not grounds.get(trp.ground, {}).get("prp_eligible", False):
        raise _fail(
            pack,
            today,
            "person",
            "prp.required_trp_years",
            _("The ground of the temporary residence permit does not lead to permanent residence."),
        )
    years = int(pack.value("prp.required_trp_years", on=today))
    since = rules.continuous_since(_residence_periods(ctx.person), today)
    needed_since = rules.add_years(today, -years)
    if since is None or since > needed_since:
        raise _fail(
            pack,
            today,
            "person",
            "prp.required_trp_years",
            _("%(years)s years of continuous temporary residence are needed (since %(since)s).")
            % {"years": years, "since": since.isoformat() if since else "-"},
        )
    # Continuity: more than the allowed days abroad within any window breaks it (the stay
    # engine's presence days, from the border crossings).
    window = int(pack.value("prp.continuity.window_days", on=today))
    max_away = int(pack.value("prp.continuity.max_absence_days", on=today))
    tz = pack.timezone
    stays = stay_rules.stays_from_moments(
        stays_from_crossings(person_crossings(person_id=ctx.person.pk)), tz
    )
    presence = stay_rules.presence_days(stays, until=today)
    broken = rules.first_break(
        presence, start=needed_since, end=today, window_days=window, max_absence_days=max_away
    )
    if broken is not None:
        day, absent = broken
        raise _fail(
            pack,
            today,
            "person",
            "prp.continuity.max_absence_days",
            _(
                "Continuity is broken: %(absent)s days abroad in the %(window)s days "
                "up to %(day)s (at most %(max)s)."
            )
            % {"absent": absent, "window": window, "day": day.isoformat(), "max": max_away},
        )
    before = int(pack.value("prp.apply_before_trp_expiry_months", on=today))
    assert trp.valid_to is not None
    if today > rules.add_months(trp.valid_to, -before):
        raise _fail(
            pack,
            today,
            "person",
            "prp.apply_before_trp_expiry_months",
            _("Apply at least %(months)s months before the temporary permit ends (%(date)s).")
            % {"months": before, "date": trp.valid_to.isoformat()},
        )
    _tier_family(ctx)
    validity = int(pack.value("prp.validity_years", on=today))
    ctx.case_data.update(
        ground=trp.ground,
        residence_since=since.isoformat(),
        valid_from=today.isoformat(),
        validity_years=validity,
    )


def _employer(ctx: _Ctx, actor: User) -> Organisation:
    if ctx.data.employer_id is None:
        raise ValidationFailed([FieldError("employer_id", "required", _("Choose the employer."))])
    employer = Organisation.objects.filter(pk=ctx.data.employer_id, is_employer=True).first()
    if employer is None:
        raise ValidationFailed([FieldError("employer_id", "not_found", _("No such employer."))])
    if (
        not actor.role
        and not OrganisationMember.objects.filter(
            user=actor, organisation=employer, is_active=True
        ).exists()
    ):
        raise ValidationFailed(
            [FieldError("employer_id", "not_member", _("You do not act for this employer."))]
        )
    return employer


def _exemption(ctx: _Ctx) -> str:
    """An exemption that makes a work permit unnecessary, by the registry's facts."""
    if _active_permits(ctx.person, Permit.Kind.PRP, ctx.today):
        return "prp_holder"
    return ""


def _check_work_permit(ctx: _Ctx, actor: User, *, extension: bool) -> None:
    pack, today = ctx.pack, ctx.today
    ctx.employer = _employer(ctx, actor)
    min_age = int(pack.value("work_permit.min_age_years", on=today))
    if rules.age_on(_birth_date(ctx.person), today) < min_age:
        raise _fail(
            pack,
            today,
            "person",
            "work_permit.min_age_years",
            _("A work permit is issued from the age of %(age)s.") % {"age": min_age},
        )
    exempt = _exemption(ctx)
    if exempt:
        raise _fail(
            pack,
            today,
            "person",
            "work_permit.exemptions",
            _("No work permit is needed: the person is exempt (%(code)s).") % {"code": exempt},
        )
    current = _active_permits(ctx.person, Permit.Kind.WORK_PERMIT, today)
    if extension:
        same = [p for p in current if p.employer_id == ctx.employer.pk]
        if not same:
            raise _fail(
                pack,
                today,
                "permit_id",
                "work_permit.extension_apply_before_days",
                _("There is no valid work permit with this employer to extend."),
            )
        previous = same[0]
        start = _extension_start(ctx, previous, "work_permit.extension_apply_before_days")
        ctx.data.position = ctx.data.position or previous.position
    else:
        if pack.value("work_permit.one_employer_only", on=today) and current:
            raise _fail(
                pack,
                today,
                "employer_id",
                "work_permit.one_employer_only",
                _("The person already holds a valid work permit with another employer."),
            )
        start = today
    if not ctx.data.position.strip():
        raise ValidationFailed([FieldError("position", "required", _("Enter the position."))])
    liberated = ctx.data.fee_tier.startswith("liberated_territories")
    term = _term(ctx, _fee_variants(ctx))
    max_key = (
        "work_permit.liberated_territories.max_term_months"
        if liberated
        else "work_permit.max_term_months"
    )
    limit = int(pack.value(max_key, on=today))
    if (term.months or 0) > limit:
        raise _fail(
            pack,
            today,
            "variant",
            max_key,
            _("The term may be at most %(months)s months.") % {"months": limit},
        )
    counts = not extension and not (
        liberated and pack.value("work_permit.quota.excludes_liberated_territories", on=today)
    )
    if counts:
        quota = int(pack.value("work_permit.quota.annual", on=today))
        used = (
            QuotaCounter.objects.filter(year=today.year).values_list("used", flat=True).first() or 0
        )
        if used >= quota:
            raise _fail(
                pack,
                today,
                "service",
                "work_permit.quota.annual",
                _("This year's quota of %(quota)s work permits is used up.") % {"quota": quota},
            )
    ctx.case_data.update(
        employer=str(ctx.employer.pk),
        employer_name=ctx.employer.name,
        employer_tax_number=ctx.employer.tax_number,
        position=ctx.data.position.strip()[:200],
        valid_from=start.isoformat(),
        valid_to=rules.term_end(start, term).isoformat(),
        counts_against_quota=counts,
    )


def _check_card_replacement(ctx: _Ctx) -> None:
    pack, today = ctx.pack, ctx.today
    permits = [p for k in RESIDENCE for p in _active_permits(ctx.person, k, today)]
    if ctx.data.permit_id is not None:
        permits = [p for p in permits if p.pk == ctx.data.permit_id]
    if not permits:
        raise _fail(
            pack,
            today,
            "permit_id",
            "card_replacement.processing_working_days",
            _("There is no valid residence permit whose card could be replaced."),
        )
    permit = permits[0]
    if ctx.data.reason not in ("lost", "damaged"):
        raise ValidationFailed(
            [FieldError("reason", "invalid_choice", _("Say whether the card was lost or damaged."))]
        )
    ctx.data.fee_tier = "trp_card" if permit.kind == Permit.Kind.TRP else "prp_card"
    ctx.case_data.update(permit=str(permit.pk), reason=ctx.data.reason)


# --- submission -----------------------------------------------------------------------------

APPLY_SERVICES = (
    "stay_extension",
    "trp",
    "trp_extension",
    "prp",
    "work_permit",
    "work_permit_extension",
    "card_replacement",
)


def application_submit(*, actor: User, data: ApplicationIn) -> Case:
    """Check eligibility and open the case (see ``cases.services.case_open``). Refusals
    at this stage name the field, the rule and its legal reference; nothing is stored."""
    if data.service not in APPLY_SERVICES:
        raise ValidationFailed([FieldError("service", "invalid_choice", _("Unknown service."))])
    if actor.role:
        require(actor, Perm.CASE_WORK)
    else:
        require(actor, Perm.CASE_APPLY)
    pack = get_policy()
    today = timezone.localdate()
    with transaction.atomic():
        if actor.role:
            person = Person.objects.filter(pk=data.person_id).first() if data.person_id else None
            if person is None:
                raise ValidationFailed(
                    [FieldError("person_id", "required", _("Choose the person."))]
                )
            passport = _passport(person, today)
            passport_expiry = passport.expiry_date if passport else None
            passport_number = passport.number if passport else ""
        else:
            if data.identity is None:
                raise ValidationFailed(
                    [FieldError("identity", "required", _("Give your passport data."))]
                )
            person = _person_from_identity(actor, data.identity, today)
            passport_expiry = data.identity.passport_expiry
            passport_number = _norm(data.identity.passport_number)
        minor_age = int(pack.value("general.minor_age_years", on=today))
        ctx = _Ctx(
            pack=pack,
            today=today,
            person=person,
            data=data,
            passport_expiry=passport_expiry,
            adult=rules.age_on(_birth_date(person), today) >= minor_age,
            case_data={"passport_number": passport_number},
        )
        # One open application per person and service: the person's row serialises two
        # simultaneous submissions (a double click at the counter, two tabs).
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if (existing := _open_case(person, data.service)) is not None and not (
            data.idempotency_key and existing.idempotency_key == data.idempotency_key
        ):
            raise Conflict(
                "case_open",
                _("An application for this service is already open: %(number)s.")
                % {"number": existing.number},
                number=existing.number,
            )
        if data.service == "stay_extension":
            _check_stay_extension(ctx)
        elif data.service in ("trp", "trp_extension"):
            _check_trp(ctx, extension=data.service == "trp_extension")
        elif data.service == "prp":
            _check_prp(ctx)
        elif data.service in ("work_permit", "work_permit_extension"):
            _check_work_permit(ctx, actor, extension=data.service == "work_permit_extension")
        else:
            _check_card_replacement(ctx)
        office = None
        if data.office_id is not None:
            office = Office.objects.filter(pk=data.office_id, is_active=True).first()
            if office is None:
                raise ValidationFailed([FieldError("office_id", "not_found", _("No such office."))])
        elif actor.role and actor.office is not None:
            office = actor.office
        return case_open(
            actor=actor,
            request=CaseRequest(
                service=data.service,
                person=person,
                fee_tier=data.fee_tier,
                variant=data.variant,
                data=ctx.case_data,
                office=office,
                employer=ctx.employer,
                contact_email=data.contact_email.strip(),
                contact_phone=data.contact_phone.strip(),
                language=data.language if data.language in ("az", "en", "ru") else "az",
                uploads=data.uploads,
                idempotency_key=data.idempotency_key,
            ),
        )


# --- checks before approval -------------------------------------------------------------------


def common_checks(case: Case) -> list[Check]:
    """No entry ban in force and a passport that is not flagged invalid."""
    from umis.border.models import EntryBan

    today = timezone.localdate()
    banned = (
        EntryBan.objects.filter(
            person_id=case.person_id, lifted_at__isnull=True, valid_from__lte=today
        )
        .exclude(valid_to__lt=today)
        .exists()
    )
    passport = _passport(case.person, today)
    return [
        Check("entry_ban", not banned, _("An entry ban is in force.") if banned else ""),
        Check(
            "passport",
            passport is None or passport.expiry_date is None or passport.expiry_date >= today,
            "",
        ),
    ]


def work_permit_checks(case: Case) -> list[Check]:
    """The common checks and the employer's standing in the tax registry (an outside
    system: when it does not answer, the check is pending and can be run again)."""
    from umis.exchange.http import AdapterRejected, AdapterUnavailable
    from umis.exchange.taxregistry import tax_registry

    checks = common_checks(case)
    employer = case.employer
    if employer is None:
        return [*checks, Check("tax_registry", False, _("No employer."))]
    try:
        payer = tax_registry().taxpayer(employer.tax_number)
    except (AdapterUnavailable, AdapterRejected) as exc:
        return [
            *checks,
            Check("tax_registry", None, _("The tax registry did not answer: %(e)s") % {"e": exc}),
        ]
    if payer is None:
        ok, detail = False, _("The tax registry does not know this VÖEN.")
    elif payer.status != "active":
        ok, detail = (
            False,
            _("The employer's status in the tax registry is %(s)s.") % {"s": payer.status},
        )
    elif payer.has_tax_debt:
        ok, detail = False, _("The employer has a tax debt.")
    else:
        ok, detail = True, payer.name
    return [*checks, Check("tax_registry", ok, detail)]


# --- issuing -------------------------------------------------------------------------------------


def _next_document_number(letter: str) -> str:
    """Card numbers: a letter for the kind and 8 digits, gap-free (one counter row)."""
    return f"{letter}{next_counter(f'DOC{letter}', 0):08d}"


def _stay_period(actor: User, permit: Permit) -> None:
    from umis.stays.rights import stay_permit_record

    kind = STAY_KIND.get(Permit.Kind(permit.kind))
    if kind is None:
        return
    period, _state = stay_permit_record(
        actor=actor,
        person_id=permit.person_id,
        kind=kind,
        number=permit.number,
        valid_from=permit.valid_from,
        valid_to=permit.valid_to,
        source=permit.case.number,
    )
    permit.stay_period_id = period.pk
    permit.save(update_fields=["stay_period_id"])


def verify_url(token: str) -> str:
    """What the QR code holds: the public verification page of this token, so that any
    phone's camera opens it; offline verifiers take the token from the URL's end."""
    return f"{settings.UMIS_PUBLIC_URL.rstrip('/')}/verify/{token}/"


def _latin_names(person: Person) -> tuple[str, str]:
    return person.family_name, person.given_names


def _document(
    actor: User, case: Case, permit: Permit, kind: str, *, replaces: IssuedDocument | None = None
) -> IssuedDocument:
    from umis.permits.keys import signing_key_active
    from umis.permits.signing import sign_token
    from umis.registry.mrz import build_td1, transliterate

    pack = get_policy()
    today = timezone.localdate()
    letter = {"trp": "T", "prp": "P", "work_permit": "W", "stay_extension": "E"}[permit.kind]
    number = _next_document_number(letter)
    person = permit.person
    surname, given = _latin_names(person)
    mrz = ""
    table = pack.value("documents.mrz.transliteration", on=today)
    if kind == IssuedDocument.Kind.RESIDENCE_CARD:
        nat = _card_nationality(person)
        expiry = permit.valid_to or rules.add_years(
            today, int(pack.value("prp.validity_years", on=today))
        )
        mrz = "\n".join(
            build_td1(
                document_code="IR",
                issuing_state=pack.country,
                surname=transliterate(surname, table),
                given_names=transliterate(given, table),
                document_number=number,
                nationality=nat,
                birth_date=(person.birth_year, person.birth_month, person.birth_day),
                sex=person.sex if person.sex in ("M", "F") else "X",
                expiry_date=expiry,
                personal_number=person.personal_number,
            )
        )
    kid, key = signing_key_active()
    payload: dict[str, str | int] = {
        "t": {"trp": "trp", "prp": "prp", "work_permit": "wp", "stay_extension": "ext"}[
            permit.kind
        ],
        "n": number,
        "i": today.isoformat(),
        "h": rules.mask_name(surname, given),
    }
    if permit.valid_to is not None:
        payload["x"] = permit.valid_to.isoformat()
    doc = IssuedDocument.objects.create(
        kind=kind,
        number=number,
        permit=permit,
        case=case,
        mrz=mrz,
        issued_on=today,
        valid_until=permit.valid_to,
        kid=kid,
        token=sign_token(payload, kid=kid, private_key=key),
        replaces=replaces,
        issued_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="permits.issued_document",
        object_id=doc.number,
        person_id=person.pk,
        changes={
            "kind": [None, kind],
            "permit": [None, permit.number],
            "valid_until": [None, str(permit.valid_to)],
        },
        purpose="case",
    )
    return doc


def _grant(actor: User, case: Case) -> None:
    """The ``issue`` hook: what the decided case grants, in the issuing transaction.
    Retried issues find the permit (one per case)."""
    if Permit.objects.filter(case=case).exists() or case.service == "card_replacement":
        if case.service == "card_replacement":
            _replace_card(actor, case)
        return
    pack = get_policy()
    today = timezone.localdate()
    data = case.data
    previous = (
        Permit.objects.select_for_update().filter(pk=data["previous_permit"]).first()
        if data.get("previous_permit")
        else None
    )
    if case.service == "stay_extension":
        kind = Permit.Kind.STAY_EXTENSION
        start = dt.date.fromisoformat(data["stay_ends"]) + rules.ONE_DAY
        end: dt.date | None = dt.date.fromisoformat(data["new_stay_ends"])
        doc_kind = IssuedDocument.Kind.DECISION
    elif case.service in ("trp", "trp_extension"):
        kind = Permit.Kind.TRP
        term = rules.parse_term(case.variant)
        assert term is not None
        start = max(today, dt.date.fromisoformat(data["valid_from"]))
        end = rules.term_end(start, term)
        doc_kind = IssuedDocument.Kind.RESIDENCE_CARD
    elif case.service == "prp":
        kind = Permit.Kind.PRP
        start = today
        end = (
            rules.add_years(today, int(pack.value("prp.validity_years", on=today))) - rules.ONE_DAY
        )
        doc_kind = IssuedDocument.Kind.RESIDENCE_CARD
    else:
        kind = Permit.Kind.WORK_PERMIT
        term = rules.parse_term(case.variant)
        assert term is not None
        start = max(today, dt.date.fromisoformat(data["valid_from"]))
        end = rules.term_end(start, term)
        doc_kind = IssuedDocument.Kind.WORK_PERMIT
        if data.get("counts_against_quota"):
            _take_quota(pack, today)
    permit = Permit.objects.create(
        kind=kind,
        number=case.number,
        person_id=case.person_id,
        case=case,
        ground=str(data.get("ground", "")),
        employer=case.employer,
        position=str(data.get("position", "")),
        counts_against_quota=bool(data.get("counts_against_quota", False)),
        valid_from=start,
        valid_to=end,
        previous=previous,
    )
    if previous is not None:
        previous.status = Permit.Status.SUPERSEDED
        previous.save(update_fields=["status"])
    if kind == Permit.Kind.PRP:  # permanent residence replaces the temporary permit
        for trp in _active_permits(permit.person, Permit.Kind.TRP, today):
            trp.status = Permit.Status.SUPERSEDED
            trp.save(update_fields=["status"])
    _stay_period(actor, permit)
    _document(actor, case, permit, doc_kind)


def _take_quota(pack: PolicyPack, today: dt.date) -> None:
    quota = int(pack.value("work_permit.quota.annual", on=today))
    with suppress(IntegrityError), transaction.atomic():  # a racing first issue made it
        QuotaCounter.objects.get_or_create(year=today.year)
    counter = QuotaCounter.objects.select_for_update().get(year=today.year)
    if counter.used >= quota:
        raise Conflict(
            "quota_exhausted",
            _("This year's quota of %(quota)s work permits is used up.") % {"quota": quota},
            rule="work_permit.quota.annual",
            legal_ref=_ref(pack, "work_permit.quota.annual", today),
        )
    counter.used += 1
    counter.save(update_fields=["used"])


def _replace_card(actor: User, case: Case) -> None:
    if IssuedDocument.objects.filter(case=case).exists():
        return
    permit = Permit.objects.select_for_update().get(pk=case.data["permit"])
    if permit.status != Permit.Status.ACTIVE:
        raise Conflict("permit_not_valid", _("The permit is no longer valid."))
    old = (
        IssuedDocument.objects.select_for_update()
        .filter(permit=permit, status=IssuedDocument.Status.VALID)
        .order_by("-issued_on")
        .first()
    )
    if old is not None:
        old.status = IssuedDocument.Status.REVOKED
        old.revoked_at = timezone.now()
        old.revoke_reason = f"replaced ({case.data.get('reason', '')}) by {case.number}"
        old.save(update_fields=["status", "revoked_at", "revoke_reason"])
    _document(actor, case, permit, IssuedDocument.Kind.RESIDENCE_CARD, replaces=old)


def permit_revoke(*, actor: User, permit_id: uuid.UUID | str, reason: str) -> Permit:
    """Revoke a permit (e.g. a work permit whose employment ended): its documents are
    revoked and its stay period stops lifting the stay limit."""
    from umis.stays.rights import stay_permit_revoke

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", "required", _("Give the reason."))])
    with transaction.atomic():
        permit = Permit.objects.select_for_update().filter(pk=permit_id).first()
        if permit is None:
            raise NotFound("permit", _("Permit not found"))
        require(actor, Perm.PERMIT_REVOKE, permit.case)
        if permit.status == Permit.Status.REVOKED:
            return permit
        permit.status = Permit.Status.REVOKED
        permit.revoked_at = timezone.now()
        permit.revoke_reason = reason[:300]
        permit.save()
        IssuedDocument.objects.filter(permit=permit, status=IssuedDocument.Status.VALID).update(
            status=IssuedDocument.Status.REVOKED,
            revoked_at=timezone.now(),
            revoke_reason=reason[:300],
        )
        if permit.stay_period_id is not None:
            stay_permit_revoke(actor=actor, permit_id=permit.stay_period_id, reason=reason)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="permits.permit",
            object_id=permit.number,
            person_id=permit.person_id,
            changes={"status": ["active", "revoked"], "reason": [None, reason]},
            purpose="case",
        )
    return permit


def _card_photo(person: Person) -> bytes | None:
    """The person's current photo as JPEG for printing (PNG uploads are converted), or
    None: a card prints without a photo rather than not at all."""
    import io

    from PIL import Image, UnidentifiedImageError

    photo = person.photos.filter(is_current=True).order_by("-uploaded_at").first()
    if photo is None:
        return None
    try:
        with photo.image.open("rb") as handle:
            content = handle.read()
        if photo.content_type == "image/jpeg":
            return content
        with Image.open(io.BytesIO(content)) as img:
            out = io.BytesIO()
            img.convert("RGB").save(out, "JPEG", quality=90)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def issued_document_pdf(*, actor: User, document_id: uuid.UUID | str, language: str) -> bytes:
    """The printable PDF of an issued document, for the case's applicant or its office."""
    from umis.cases.selectors import case_get
    from umis.permits.pdf import PrintedPermit, render_permit_pdf

    doc = (
        IssuedDocument.objects.select_related(
            "permit", "case", "permit__person", "permit__employer"
        )
        .filter(pk=document_id)
        .first()
    )
    if doc is None:
        raise NotFound("document", _("Document not found"))
    case_get(actor=actor, case_id=doc.case_id)  # raises NotFound for anyone else
    if language not in ("az", "en"):
        raise ValidationFailed([FieldError("lang", "invalid_choice", _("Choose az or en."))])
    permit, person = doc.permit, doc.permit.person
    nat = _card_nationality(person)
    from umis.core.models import Country

    country = Country.objects.filter(pk=nat).first()
    pack = get_policy()
    birth = (
        f"{person.birth_year:04d}"
        + (f"-{person.birth_month:02d}" if person.birth_month else "")
        + (f"-{person.birth_day:02d}" if person.birth_day else "")
    )
    grounds = {str(g["code"]): g for g in pack.value("trp.grounds", on=doc.issued_on)}
    ground = (
        grounds.get(permit.ground, {}).get("text", {}).get(language, "") if permit.ground else ""
    )
    # The configured name in the document's language when the catalogue has it (the
    # default, "State Migration Service", is translated).
    with translation.override(language):
        authority = _(str(settings.UMIS_AUTHORITY_NAME))
    return render_permit_pdf(
        PrintedPermit(
            kind="residence_card"
            if doc.kind == IssuedDocument.Kind.RESIDENCE_CARD
            else "work_permit",
            permit_kind=permit.kind,
            number=doc.number,
            holder_surname=person.family_name,
            holder_given_names=person.given_names,
            nationality_code=nat,
            nationality_name=country.name if country else nat,
            birth_date=birth,
            sex=person.sex,
            valid_from=permit.valid_from,
            valid_until=permit.valid_to,
            issued_on=doc.issued_on,
            authority=authority,
            case_number=doc.case.number,
            mrz_lines=tuple(doc.mrz.split("\n")) if doc.mrz else (),
            employer_name=permit.employer.name if permit.employer else "",
            employer_tax_id=permit.employer.tax_number if permit.employer else "",
            position=permit.position,
            ground=ground,
            qr_data=verify_url(doc.token),
            photo_jpeg=_card_photo(person),
        ),
        language=language,
    )


def permit_checks(case: Case) -> list[Check]:
    return common_checks(case)


def register_case_types() -> None:
    from umis.cases.types import CaseType, register

    for service in APPLY_SERVICES:
        checks = work_permit_checks if service.startswith("work_permit") else permit_checks
        register(CaseType(service=service, checks=checks, on_issue=_grant))
