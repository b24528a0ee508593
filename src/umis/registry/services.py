"""Every write to the registry. Each service is one transaction: lock, check permission,
validate (all field errors at once), save, audit in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from umis.core.audit import audit_record, diff, snapshot
from umis.core.constants import AuditAction
from umis.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from umis.core.models import City, Country, Region, User
from umis.core.permissions import Perm, require
from umis.registry import rules
from umis.registry.constants import (
    DocumentStatus,
    NameSource,
    OrganisationCategory,
    PersonStatus,
    Script,
    Sex,
)
from umis.registry.models import (
    Address,
    DocumentType,
    IdentityDocument,
    Nationality,
    Organisation,
    Person,
    PersonName,
    Photo,
)
from umis.registry.mrz import MRZData, MRZError, parse_mrz
from umis.registry.names import name_key

PERSON_FIELDS = (
    "personal_number",
    "family_name",
    "given_names",
    "patronymic",
    "sex",
    "birth_year",
    "birth_month",
    "birth_day",
    "place_of_birth",
    "birth_country",
    "phone",
    "email",
    "office",
    "status",
)
# The person's own fields that person_update() changes, in form order.
UPDATABLE = (
    "family_name",
    "given_names",
    "patronymic",
    "sex",
    "birth_date",
    "place_of_birth",
    "birth_country",
    "phone",
    "email",
)
DOCUMENT_FIELDS = (
    "document_type",
    "number",
    "issuing_state",
    "issue_date",
    "expiry_date",
    "mrz",
    "status",
    "status_reason",
)
ADDRESS_FIELDS = ("region", "city", "street", "valid_from", "valid_to", "is_current")


@dataclass
class NameData:
    script: str
    family_name: str
    given_names: str = ""
    patronymic: str = ""
    source: str = NameSource.REGISTRY


@dataclass
class NationalityData:
    country: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass
class AddressData:
    region: str
    city: str
    street: str
    valid_from: dt.date | None = None


@dataclass
class PersonData:
    family_name: str
    sex: str
    birth_date: str
    given_names: str = ""
    patronymic: str = ""
    place_of_birth: str = ""
    birth_country: str = ""
    nationalities: list[NationalityData] = field(default_factory=list)
    names: list[NameData] = field(default_factory=list)
    phone: str = ""
    email: str = ""
    address: AddressData | None = None


@dataclass
class DocumentData:
    document_type: str = ""
    number: str = ""
    issuing_state: str = ""
    issue_date: dt.date | None = None
    expiry_date: dt.date | None = None
    mrz: str = ""


# --- validation helpers ----------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field_name: str, message: str, code: str = "invalid") -> None:
        self.items.append(FieldError(field_name, code, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def _clean_text(value: str | None, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def _country(code: str, errors: _Errors, field_name: str, *, required: bool) -> Country | None:
    code = (code or "").strip().upper()
    if not code:
        if required:
            errors.add(
                field_name, _("A country code (ISO 3166-1 alpha-3) is required."), "required"
            )
        return None
    country = Country.objects.filter(pk=code, is_active=True).first()
    if country is None:
        errors.add(
            field_name,
            _(
                "'%(code)s' is not a known ISO 3166-1 alpha-3 country code "
                "(XXA for stateless persons)."
            )
            % {"code": code},
            "unknown_country",
        )
    return country


def _partial_birth_date(raw: str, errors: _Errors) -> rules.PartialDate | None:
    try:
        value = rules.PartialDate.parse((raw or "").strip())
    except ValueError as exc:
        errors.add(
            "birth_date",
            _("%(reason)s Use YYYY, YYYY-MM or YYYY-MM-DD.") % {"reason": exc},
            "invalid_date",
        )
        return None
    if value.earliest() > timezone.localdate():
        errors.add("birth_date", _("The birth date is in the future."), "future_date")
        return None
    return value


def _phone(raw: str, errors: _Errors) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return rules.phone_normalize(raw)
    except ValueError as exc:
        errors.add("phone", str(exc), "invalid_phone")
        return ""


def _email(raw: str, errors: _Errors) -> str:
    raw = (raw or "").strip()
    if raw:
        try:
            validate_email(raw)
        except DjangoValidationError:
            errors.add("email", _("Enter a valid e-mail address."), "invalid_email")
    return raw.lower()


def _sex(raw: str, errors: _Errors) -> str:
    value = (raw or "").strip().upper()
    if value not in Sex.values:
        errors.add("sex", _("Sex must be M, F or X (unspecified)."), "invalid_choice")
    return value


def _validate_names(names: list[NameData], errors: _Errors) -> None:
    for i, n in enumerate(names):
        if n.script not in Script.values:
            errors.add(
                f"names.{i}.script",
                _("Unknown script '%(script)s'; use an ISO 15924 code: %(codes)s.")
                % {"script": n.script, "codes": ", ".join(Script.values)},
                "invalid_choice",
            )
        if not _clean_text(n.family_name, 150):
            errors.add(f"names.{i}.family_name", _("The family name is required."), "required")
        if n.source not in NameSource.values:
            errors.add(
                f"names.{i}.source",
                _("Unknown source '%(source)s'.") % {"source": n.source},
                "invalid_choice",
            )


def _validate_nationalities(items: list[NationalityData], errors: _Errors) -> list[Country]:
    countries: list[Country] = []
    seen: set[str] = set()
    for i, n in enumerate(items):
        c = _country(n.country, errors, f"nationalities.{i}.country", required=True)
        if c is not None:
            if c.pk in seen and n.valid_to is None:
                errors.add(
                    f"nationalities.{i}.country",
                    _("%(country)s is listed twice.") % {"country": c.pk},
                    "duplicate",
                )
            seen.add(c.pk)
            countries.append(c)
        if n.valid_from and n.valid_to and n.valid_to < n.valid_from:
            errors.add(f"nationalities.{i}.valid_to", _("Ends before it starts."), "invalid_range")
    return countries


def _resolve_place(
    region_code: str, city_code: str, errors: _Errors, prefix: str
) -> tuple[Region | None, City | None]:
    region = Region.objects.filter(code=region_code, is_active=True).first()
    if region is None:
        errors.add(
            f"{prefix}region",
            _("Unknown region '%(region)s'.") % {"region": region_code},
            "unknown_region",
        )
    city = City.objects.filter(code=city_code, is_active=True).first()
    if city is None:
        errors.add(
            f"{prefix}city", _("Unknown city '%(city)s'.") % {"city": city_code}, "unknown_city"
        )
    elif region is not None and city.region_id != region.pk:
        errors.add(
            f"{prefix}city",
            _("%(city)s is not in %(region)s.") % {"city": city.name, "region": region.name},
            "city_not_in_region",
        )
    return region, city


def _resolve_address(
    data: AddressData, errors: _Errors, prefix: str
) -> tuple[Region | None, City | None]:
    region, city = _resolve_place(data.region, data.city, errors, prefix)
    if not _clean_text(data.street, 300):
        errors.add(f"{prefix}street", _("The street address is required."), "required")
    if data.valid_from and data.valid_from > timezone.localdate():
        errors.add(f"{prefix}valid_from", _("Cannot start in the future."), "future_date")
    return region, city


def _new_personal_number() -> str:
    for _attempt in range(20):
        candidate = rules.fin_generate()
        if not Person.objects.filter(personal_number=candidate).exists():
            return candidate
    raise Conflict("personal_number_exhausted", _("Could not allocate a personal number."))


def _lock_person(person_id: uuid.UUID | str) -> Person:
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFound("Person", _("Person not found"))
    return person


def _audit_person(
    actor: User,
    action: AuditAction,
    person: Person,
    changes: Mapping[str, Any],
    object_type: str = "registry.person",
    object_id: object = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id if object_id is not None else person.pk,
        person_id=person.pk,
        changes=changes,
    )


def _refresh_keys(person: Person) -> None:
    """Recompute the person's name keys (identity search and matching find persons by
    them) in the caller's transaction. Imported here: identity builds on the registry."""
    from umis.identity.keys import namekeys_refresh

    namekeys_refresh([person.pk])


def _bump(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(
        version=person.version + 1, updated_at=timezone.now()
    )
    person.version += 1


# --- persons ---------------------------------------------------------------------------


@transaction.atomic
def person_create(*, actor: User, data: PersonData) -> Person:
    require(actor, Perm.PERSON_CREATE)
    person = _person_create(actor, data, status=PersonStatus.ACTIVE, office=actor.office)
    _refresh_keys(person)
    return person


@transaction.atomic
def person_create_provisional(
    *, actor: User, data: PersonData, document: DocumentData, permission: Perm
) -> Person:
    """A person known only from a source record (border event, registration) that matched
    nobody: status provisional, no responsible office, with the travel document of the
    record so that the next record with it links here. `permission` is the one that
    authorised the ingestion."""
    require(actor, permission)
    person = _person_create(actor, data, status=PersonStatus.PROVISIONAL, office=None)
    if document.number:
        _document_create(actor, person, document)
    _refresh_keys(person)
    return person


def _person_create(actor: User, data: PersonData, *, status: str, office: Any) -> Person:
    errors = _Errors()
    family = _clean_text(data.family_name, 150)
    if not family:
        errors.add("family_name", _("The family name (Latin form) is required."), "required")
    sex = _sex(data.sex, errors)
    birth = _partial_birth_date(data.birth_date, errors)
    birth_country = _country(data.birth_country, errors, "birth_country", required=False)
    if not data.nationalities:
        errors.add(
            "nationalities",
            _("At least one nationality is required (XXA for a stateless person)."),
            "required",
        )
    countries = _validate_nationalities(data.nationalities, errors)
    _validate_names(data.names, errors)
    phone = _phone(data.phone, errors)
    email = _email(data.email, errors)
    region = city = None
    if data.address is not None:
        region, city = _resolve_address(data.address, errors, "address.")
    errors.raise_if_any()
    assert birth is not None

    given = _clean_text(data.given_names, 150)
    person = Person.objects.create(
        personal_number=_new_personal_number(),
        family_name=family,
        given_names=given,
        patronymic=_clean_text(data.patronymic, 150),
        name_key=name_key(family, given),
        sex=sex,
        birth_year=birth.year,
        birth_month=birth.month,
        birth_day=birth.day,
        place_of_birth=_clean_text(data.place_of_birth, 200),
        birth_country=birth_country,
        phone=phone,
        email=email,
        office=office,
        status=status,
    )
    _audit_person(
        actor,
        AuditAction.CREATE,
        person,
        {k: [None, v] for k, v in snapshot(person, PERSON_FIELDS).items() if v},
    )
    for n, c in zip(data.nationalities, countries, strict=False):
        nat = Nationality.objects.create(
            person=person, country=c, valid_from=n.valid_from, valid_to=n.valid_to
        )
        _audit_person(
            actor,
            AuditAction.CREATE,
            person,
            {
                "country": [None, c.pk],
                "valid_from": [None, n.valid_from],
                "valid_to": [None, n.valid_to],
            },
            "registry.nationality",
            nat.pk,
        )
    for name in data.names:
        _name_create(actor, person, name)
    if data.address is not None and region is not None and city is not None:
        _address_create(actor, person, region, city, data.address)
    return person


def _name_create(actor: User, person: Person, n: NameData) -> PersonName:
    name, created = PersonName.objects.get_or_create(
        person=person,
        script=n.script,
        family_name=_clean_text(n.family_name, 150),
        given_names=_clean_text(n.given_names, 150),
        patronymic=_clean_text(n.patronymic, 150),
        defaults={"source": n.source},
    )
    if created:
        _audit_person(
            actor,
            AuditAction.CREATE,
            person,
            {
                k: [None, v]
                for k, v in snapshot(
                    name, ("script", "family_name", "given_names", "patronymic", "source")
                ).items()
                if v
            },
            "registry.personname",
            name.pk,
        )
    return name


def _address_create(
    actor: User, person: Person, region: Region, city: City, data: AddressData
) -> Address:
    address = Address.objects.create(
        person=person,
        region=region,
        city=city,
        street=_clean_text(data.street, 300),
        valid_from=data.valid_from or timezone.localdate(),
        is_current=True,
    )
    _audit_person(
        actor,
        AuditAction.CREATE,
        person,
        {k: [None, v] for k, v in snapshot(address, ADDRESS_FIELDS).items()},
        "registry.address",
        address.pk,
    )
    return address


@transaction.atomic
def person_update(
    *, actor: User, person_id: uuid.UUID | str, version: int, changes: Mapping[str, Any]
) -> Person:
    """Change the person's own fields. `version` is the one the editor saw: if someone
    saved in between, nothing is changed and the current version is reported (409)."""
    person = _lock_person(person_id)
    require(actor, Perm.PERSON_UPDATE, person)
    if person.version != version:
        raise Conflict(
            "version_conflict",
            _(
                "The record was changed by someone else since you opened it; "
                "reload it and apply your change again."
            ),
            current_version=person.version,
        )
    errors = _Errors()
    unknown = sorted(set(changes) - set(UPDATABLE))
    for name in unknown:
        errors.add(name, _("This field cannot be changed here."), "not_updatable")
    before = snapshot(person, PERSON_FIELDS)
    if "family_name" in changes:
        person.family_name = _clean_text(changes["family_name"], 150)
        if not person.family_name:
            errors.add("family_name", _("The family name (Latin form) is required."), "required")
    if "given_names" in changes:
        person.given_names = _clean_text(changes["given_names"], 150)
    if "patronymic" in changes:
        person.patronymic = _clean_text(changes["patronymic"], 150)
    if "sex" in changes:
        person.sex = _sex(changes["sex"], errors)
    if "birth_date" in changes:
        birth = _partial_birth_date(changes["birth_date"], errors)
        if birth is not None:
            person.birth_year, person.birth_month, person.birth_day = (
                birth.year,
                birth.month,
                birth.day,
            )
    if "place_of_birth" in changes:
        person.place_of_birth = _clean_text(changes["place_of_birth"], 200)
    if "birth_country" in changes:
        person.birth_country = _country(
            changes["birth_country"] or "", errors, "birth_country", required=False
        )
    if "phone" in changes:
        person.phone = _phone(changes["phone"], errors)
    if "email" in changes:
        person.email = _email(changes["email"], errors)
    errors.raise_if_any()
    person.name_key = name_key(person.family_name, person.given_names)
    changed = diff(before, snapshot(person, PERSON_FIELDS))
    if changed:
        person.version += 1
        person.save()
        _audit_person(actor, AuditAction.UPDATE, person, changed)
        _refresh_keys(person)
    return person


@transaction.atomic
def person_name_add(*, actor: User, person_id: uuid.UUID | str, data: NameData) -> PersonName:
    person = _lock_person(person_id)
    require(actor, Perm.PERSON_UPDATE, person)
    errors = _Errors()
    _validate_names([data], errors)
    errors.items = [
        FieldError(e.field.removeprefix("names.0."), e.code, e.message) for e in errors.items
    ]
    errors.raise_if_any()
    name = _name_create(actor, person, data)
    _bump(person)
    _refresh_keys(person)
    return name


@transaction.atomic
def nationality_add(
    *, actor: User, person_id: uuid.UUID | str, data: NationalityData
) -> Nationality:
    person = _lock_person(person_id)
    require(actor, Perm.PERSON_UPDATE, person)
    errors = _Errors()
    country = _country(data.country, errors, "country", required=True)
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        errors.add("valid_to", _("Ends before it starts."), "invalid_range")
    if (
        country
        and data.valid_to is None
        and person.nationalities.filter(country=country, valid_to__isnull=True).exists()
    ):
        errors.add(
            "country",
            _("The person already has %(country)s nationality.") % {"country": country.pk},
            "duplicate",
        )
    errors.raise_if_any()
    assert country is not None
    nat = Nationality.objects.create(
        person=person, country=country, valid_from=data.valid_from, valid_to=data.valid_to
    )
    _audit_person(
        actor,
        AuditAction.CREATE,
        person,
        {
            "country": [None, nat.country_id],
            "valid_from": [None, data.valid_from],
            "valid_to": [None, data.valid_to],
        },
        "registry.nationality",
        nat.pk,
    )
    _bump(person)
    return nat


@transaction.atomic
def nationality_end(*, actor: User, nationality_id: int, valid_to: dt.date) -> Nationality:
    nat = Nationality.objects.select_related("person").filter(pk=nationality_id).first()
    if nat is None:
        raise NotFound("Nationality", _("Nationality not found"))
    person = _lock_person(nat.person_id)
    require(actor, Perm.PERSON_UPDATE, person)
    if nat.valid_from and valid_to < nat.valid_from:
        raise ValidationFailed(
            [FieldError("valid_to", "invalid_range", _("Ends before it starts."))]
        )
    before = nat.valid_to
    nat.valid_to = valid_to
    nat.save(update_fields=["valid_to"])
    _audit_person(
        actor,
        AuditAction.UPDATE,
        person,
        {"valid_to": [before, valid_to]},
        "registry.nationality",
        nat.pk,
    )
    _bump(person)
    return nat


@transaction.atomic
def address_set(*, actor: User, person_id: uuid.UUID | str, data: AddressData) -> Address:
    """Record a new current address; the previous one is kept as history."""
    person = _lock_person(person_id)
    require(actor, Perm.PERSON_UPDATE, person)
    errors = _Errors()
    region, city = _resolve_address(data, errors, "")
    errors.raise_if_any()
    assert region is not None and city is not None
    start = data.valid_from or timezone.localdate()
    for old in Address.objects.select_for_update().filter(person=person, is_current=True):
        before = snapshot(old, ADDRESS_FIELDS)
        old.is_current = False
        old.valid_to = max(start, old.valid_from)
        old.save(update_fields=["is_current", "valid_to"])
        _audit_person(
            actor,
            AuditAction.UPDATE,
            person,
            diff(before, snapshot(old, ADDRESS_FIELDS)),
            "registry.address",
            old.pk,
        )
    address = _address_create(
        actor, person, region, city, AddressData(data.region, data.city, data.street, start)
    )
    _bump(person)
    return address


# --- documents -------------------------------------------------------------------------


_MRZ_PARTS = {
    "document_number": gettext_lazy("document number"),
    "birth_date": gettext_lazy("birth date"),
    "expiry_date": gettext_lazy("expiry date"),
    "personal_number": gettext_lazy("personal number"),
    "composite": gettext_lazy("whole zone (composite)"),
}


def _mrz_message(exc: MRZError) -> str:
    """The officer's language for the common MRZ failures; the parser's own (English)
    wording for the rare structural ones."""
    part = str(_MRZ_PARTS.get(exc.field.removesuffix("_check_digit"), exc.field))
    if exc.check == "check_digit":
        return _(
            "The check digit of the %(part)s is wrong: expected %(expected)s, found %(found)s."
        ) % {"part": part, "expected": exc.expected, "found": exc.found}
    if exc.check == "length":
        return (
            _("An MRZ has 2 lines of 44 characters (passport), 2 of 36 or 3 of 30 (ID card).")
            + f" ({exc})"
        )
    if exc.check == "charset":
        return _("An MRZ contains only the letters A-Z, digits and the filler '<'.")
    if exc.check == "date":
        return _("The %(part)s in the MRZ is not a real date.") % {"part": part}
    return _("The MRZ is not valid: %(reason)s") % {"reason": str(exc)}


def mrz_prefill(text: str) -> dict[str, Any]:
    """Fields of a document (and holder) read from an MRZ; raises ValidationFailed naming
    the failing check."""
    try:
        data = parse_mrz(text, today=timezone.localdate())
    except MRZError as exc:
        field = f"mrz.{exc.field}" if exc.field != "mrz" else "mrz"
        raise ValidationFailed([FieldError(field, exc.check, _mrz_message(exc))]) from exc
    return _mrz_fields(data)


def _document_type_for(data: MRZData) -> str:
    code = data.document_code[:1]
    for dtype in DocumentType.objects.filter(is_active=True):
        if code in {c.strip() for c in dtype.icao_codes.split(",")} and (
            data.layout in dtype.mrz_layouts
        ):
            return dtype.code
    return ""


def _mrz_fields(data: MRZData) -> dict[str, Any]:
    birth = f"{data.birth_year:04d}"
    if data.birth_month:
        birth += f"-{data.birth_month:02d}"
        if data.birth_day:
            birth += f"-{data.birth_day:02d}"
    return {
        "document_type": _document_type_for(data),
        "number": data.document_number,
        "issuing_state": rules.country_from_icao(data.issuing_state),
        "expiry_date": data.expiry_date,
        "family_name": data.surname,
        "given_names": data.given_names,
        "nationality": rules.country_from_icao(data.nationality),
        "birth_date": birth,
        "sex": data.sex,
        "personal_number": data.personal_number,
        "mrz": "\n".join(data.lines),
    }


@transaction.atomic
def document_add(
    *,
    actor: User,
    person_id: uuid.UUID | str,
    data: DocumentData,
    permission: Perm = Perm.PERSON_UPDATE,
) -> IdentityDocument:
    """`permission`: an applicant's own passport is added under the applicant's
    permission, as `person_create_provisional` does."""
    person = _lock_person(person_id)
    require(actor, permission, person)
    doc = _document_create(actor, person, data)
    _refresh_keys(person)
    return doc


def _document_create(actor: User, person: Person, data: DocumentData) -> IdentityDocument:
    mrz_text = ""
    if data.mrz.strip():
        fields = mrz_prefill(data.mrz)  # raises 422 naming the failing check
        mrz_text = fields["mrz"]
        mismatches = []
        for name in ("document_type", "number", "issuing_state", "expiry_date"):
            given = getattr(data, name)
            if name == "number":
                given = rules.document_number_normalize(given)
            if given and fields[name] and given != fields[name]:
                mismatches.append(
                    FieldError(
                        name,
                        "mrz_mismatch",
                        _("Does not match the MRZ (%(value)s).") % {"value": fields[name]},
                    )
                )
            elif not given:
                setattr(data, name, fields[name])
        if mismatches:
            raise ValidationFailed(mismatches)
    errors = _Errors()
    dtype = DocumentType.objects.filter(pk=data.document_type, is_active=True).first()
    if dtype is None:
        errors.add(
            "document_type",
            _("Unknown document type '%(type)s'.") % {"type": data.document_type},
            "invalid_choice",
        )
    number = rules.document_number_normalize(data.number)
    if not number:
        errors.add("number", _("The document number is required."), "required")
    elif not number.isalnum() or len(number) > 30:
        errors.add("number", _("Use letters and digits only (at most 30)."), "invalid")
    issuer = _country(data.issuing_state, errors, "issuing_state", required=True)
    if data.issue_date and data.issue_date > timezone.localdate():
        errors.add("issue_date", _("Cannot be in the future."), "future_date")
    if data.issue_date and data.expiry_date and data.expiry_date < data.issue_date:
        errors.add("expiry_date", _("Expires before it was issued."), "invalid_range")
    errors.raise_if_any()
    assert dtype is not None and issuer is not None
    if IdentityDocument.objects.filter(issuing_state=issuer, number=number).exists():
        raise Conflict(
            "duplicate_document",
            _("A document %(number)s issued by %(issuer)s is already registered.")
            % {"number": number, "issuer": issuer.pk},
        )
    try:
        with transaction.atomic():
            doc = IdentityDocument.objects.create(
                person=person,
                document_type=dtype,
                number=number,
                issuing_state=issuer,
                issue_date=data.issue_date,
                expiry_date=data.expiry_date,
                mrz=mrz_text,
            )
    except IntegrityError as exc:  # a concurrent insert of the same document
        raise Conflict("duplicate_document", _("This document is already registered.")) from exc
    _audit_person(
        actor,
        AuditAction.CREATE,
        person,
        {k: [None, v] for k, v in snapshot(doc, DOCUMENT_FIELDS).items() if v},
        "registry.identitydocument",
        doc.pk,
    )
    _bump(person)
    return doc


@transaction.atomic
def document_flag(
    *, actor: User, document_id: uuid.UUID | str, status: str, reason: str
) -> IdentityDocument:
    doc = IdentityDocument.objects.select_for_update().filter(pk=document_id).first()
    if doc is None:
        raise NotFound("Document", _("Document not found"))
    require(actor, Perm.DOCUMENT_FLAG)
    errors = _Errors()
    if status not in DocumentStatus.values:
        errors.add(
            "status",
            _("Use one of %(choices)s.") % {"choices": ", ".join(DocumentStatus.values)},
            "invalid_choice",
        )
    reason = _clean_text(reason, 300)
    if status != DocumentStatus.VALID and not reason:
        errors.add("reason", _("Say why the document is flagged."), "required")
    errors.raise_if_any()
    before = snapshot(doc, DOCUMENT_FIELDS)
    doc.status, doc.status_reason, doc.status_changed_at = status, reason, timezone.now()
    doc.save(update_fields=["status", "status_reason", "status_changed_at"])
    person = _lock_person(doc.person_id)
    _audit_person(
        actor,
        AuditAction.UPDATE,
        person,
        diff(before, snapshot(doc, DOCUMENT_FIELDS)),
        "registry.identitydocument",
        doc.pk,
    )
    _bump(person)
    _refresh_keys(person)  # only valid documents are keys
    return doc


# --- photos ----------------------------------------------------------------------------


def _inspect_image(content: bytes) -> tuple[str, int, int]:
    """Content type and size of a JPEG or PNG, judged by decoding it, not by its name."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as probe:
            fmt = probe.format
            probe.verify()
        with Image.open(io.BytesIO(content)) as img:
            img.load()  # verify() misses truncated data; decoding catches it
            width, height = img.size
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationFailed(
            [
                FieldError(
                    "photo", "invalid_image", _("The file is not a readable JPEG or PNG image.")
                )
            ]
        ) from exc
    if fmt not in {"JPEG", "PNG"}:
        raise ValidationFailed(
            [
                FieldError(
                    "photo",
                    "unsupported_type",
                    _("Only JPEG or PNG photos are accepted (got %(format)s).") % {"format": fmt},
                )
            ]
        )
    return ("image/jpeg" if fmt == "JPEG" else "image/png"), width, height


@transaction.atomic
def photo_upload(*, actor: User, person_id: uuid.UUID | str, upload: UploadedFile) -> Photo:
    person = _lock_person(person_id)
    require(actor, Perm.PERSON_UPDATE, person)
    limit = settings.UMIS_PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(
            "photo",
            _("The photo is larger than %(size)s MB.") % {"size": limit // (1024 * 1024)},
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(
            "photo",
            _("The photo is larger than %(size)s MB.") % {"size": limit // (1024 * 1024)},
        )
    content_type, width, height = _inspect_image(content)
    if min(width, height) < 100 or max(width, height) > 10000:
        raise ValidationFailed(
            [
                FieldError(
                    "photo",
                    "bad_dimensions",
                    _("A photo must be 100 to 10,000 pixels per side."),
                )
            ]
        )
    Photo.objects.filter(person=person, is_current=True).update(is_current=False)
    photo = Photo(
        person=person,
        content_type=content_type,
        width=width,
        height=height,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    ext = "png" if content_type == "image/png" else "jpg"
    photo.image.save(f"photo.{ext}", ContentFile(content), save=False)
    name = str(photo.image.name)
    try:
        photo.save()
        _audit_person(
            actor,
            AuditAction.CREATE,
            person,
            {
                "sha256": [None, photo.sha256],
                "size": [None, photo.size],
                "content_type": [None, content_type],
            },
            "registry.photo",
            photo.pk,
        )
        _bump(person)
    except Exception:
        # A failed save must not leave an orphan file holding a face.
        photo.image.storage.delete(name)
        raise
    return photo


# --- organisations (hosts and employers) -----------------------------------------------

ORGANISATION_FIELDS = (
    "tax_number",
    "name",
    "category",
    "is_host",
    "is_employer",
    "region",
    "city",
    "street",
    "phone",
    "email",
)


@dataclass
class OrganisationData:
    tax_number: str
    name: str
    category: str
    is_host: bool = False
    is_employer: bool = False
    region: str = ""
    city: str = ""
    street: str = ""
    phone: str = ""
    email: str = ""


def _organisation_fields(data: OrganisationData, errors: _Errors) -> dict[str, Any]:
    name = _clean_text(data.name, 300)
    if not name:
        errors.add("name", _("The name is required."), "required")
    if data.category not in OrganisationCategory.values:
        errors.add(
            "category",
            _("Use one of %(choices)s.") % {"choices": ", ".join(OrganisationCategory.values)},
            "invalid_choice",
        )
    if not (data.is_host or data.is_employer):
        errors.add(
            "is_host",
            _("An organisation is registered as a host, an employer or both."),
            "required",
        )
    region = city = None
    if data.region or data.city:  # the address of an organisation is optional
        region, city = _resolve_place(data.region, data.city, errors, "")
    return {
        "name": name,
        "category": data.category,
        "is_host": data.is_host,
        "is_employer": data.is_employer,
        "region": region,
        "city": city,
        "street": _clean_text(data.street, 300),
        "phone": _phone(data.phone, errors),
        "email": _email(data.email, errors),
    }


def _voen(raw: str, errors: _Errors) -> str:
    value = rules.voen_normalize((raw or "").strip())
    if not rules.voen_is_valid(value):
        errors.add(
            "tax_number",
            _(
                "'%(value)s' is not a valid VÖEN: 10 digits, the 9th a check digit and the "
                "last 1 (legal entity) or 2 (natural person)."
            )
            % {"value": raw},
            "invalid_voen",
        )
    return value


@transaction.atomic
def organisation_create(*, actor: User, data: OrganisationData) -> Organisation:
    require(actor, Perm.ORGANISATION_MANAGE)
    errors = _Errors()
    tax_number = _voen(data.tax_number, errors)
    fields = _organisation_fields(data, errors)
    errors.raise_if_any()
    if Organisation.objects.filter(tax_number=tax_number).exists():
        raise Conflict(
            "duplicate_organisation",
            _("An organisation with VÖEN %(voen)s is already registered.") % {"voen": tax_number},
        )
    try:
        with transaction.atomic():
            org = Organisation.objects.create(tax_number=tax_number, **fields)
    except IntegrityError as exc:  # a concurrent registration of the same VÖEN
        raise Conflict(
            "duplicate_organisation", _("This organisation is already registered.")
        ) from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="registry.organisation",
        object_id=org.pk,
        changes={k: [None, v] for k, v in snapshot(org, ORGANISATION_FIELDS).items() if v},
    )
    return org


@transaction.atomic
def organisation_update(
    *, actor: User, organisation_id: uuid.UUID | str, data: OrganisationData
) -> Organisation:
    """Replace the organisation's details; the VÖEN identifies it and cannot change."""
    require(actor, Perm.ORGANISATION_MANAGE)
    org = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if org is None:
        raise NotFound("Organisation", _("Organisation not found"))
    errors = _Errors()
    if data.tax_number and rules.voen_normalize(data.tax_number) != org.tax_number:
        errors.add(
            "tax_number", _("The VÖEN of a registered organisation cannot change."), "not_updatable"
        )
    fields = _organisation_fields(data, errors)
    errors.raise_if_any()
    before = snapshot(org, ORGANISATION_FIELDS)
    for name, value in fields.items():
        setattr(org, name, value)
    changed = diff(before, snapshot(org, ORGANISATION_FIELDS))
    if changed:
        org.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="registry.organisation",
            object_id=org.pk,
            changes=changed,
        )
    return org
