"""Every read of the registry, scoped by the actor's role. Reads of a person's record are
audited (who, when, which record, purpose)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import FieldError, NotFound, ValidationFailed
from umis.core.models import AuditEntry, User
from umis.core.pagination import Page, paginate
from umis.core.permissions import Perm, require
from umis.registry import rules
from umis.registry.models import (
    Address,
    IdentityDocument,
    Nationality,
    Organisation,
    Person,
    Photo,
)
from umis.registry.names import fold


@dataclass
class PersonFilters:
    name: str = ""  # prefix of "FAMILY GIVEN", any case or diacritics
    birth_date: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD
    nationality: str = ""  # ISO alpha-3
    document_number: str = ""
    personal_number: str = ""

    def is_empty(self) -> bool:
        return not any(
            (
                self.name.strip(),
                self.birth_date.strip(),
                self.nationality.strip(),
                self.document_number.strip(),
                self.personal_number.strip(),
            )
        )


def _list_prefetch(qs: QuerySet[Person]) -> QuerySet[Person]:
    return qs.select_related("birth_country").prefetch_related(
        Prefetch(
            "nationalities",
            queryset=Nationality.objects.filter(valid_to__isnull=True)
            .select_related("country")
            .order_by("id"),
        ),
    )


def person_search(
    *, actor: User, filters: PersonFilters, page: int = 1, page_size: int = 25
) -> Page[Person]:
    require(actor, Perm.PERSON_SEARCH)
    qs = Person.objects.exclude(status="merged")
    errors: list[FieldError] = []
    if filters.name.strip():
        key = fold(filters.name)
        if key:
            qs = qs.filter(name_key__startswith=key)
    if filters.birth_date.strip():
        try:
            bd = rules.PartialDate.parse(filters.birth_date.strip())
        except ValueError as exc:
            errors.append(FieldError("birth_date", "invalid_date", str(exc)))
        else:
            qs = qs.filter(birth_year=bd.year)
            if bd.month:
                qs = qs.filter(Q(birth_month=bd.month) | Q(birth_month__isnull=True))
            if bd.day:
                qs = qs.filter(Q(birth_day=bd.day) | Q(birth_day__isnull=True))
    if filters.nationality.strip():
        code = filters.nationality.strip().upper()
        if len(code) != 3 or not code.isalpha():
            errors.append(
                FieldError(
                    "nationality",
                    "invalid",
                    _("Use an ISO 3166-1 alpha-3 code such as RUS or XXA."),
                )
            )
        else:
            qs = qs.filter(nationalities__country_id=code, nationalities__valid_to__isnull=True)
    if filters.document_number.strip():
        number = rules.document_number_normalize(filters.document_number)
        qs = qs.filter(pk__in=IdentityDocument.objects.filter(number=number).values("person_id"))
    if filters.personal_number.strip():
        qs = qs.filter(personal_number=rules.fin_normalize(filters.personal_number))
    if errors:
        raise ValidationFailed(errors)
    result = paginate(_list_prefetch(qs.distinct().order_by("name_key", "id")), page, page_size)
    if not filters.is_empty():
        # The search itself is a read of personal data: record who looked for what kind of
        # key (not the values) and how many records were shown.
        audit_record(
            actor=actor,
            action=AuditAction.SEARCH,
            object_type="registry.person",
            changes={
                "filters": [None, sorted(k for k, v in vars(filters).items() if str(v).strip())],
                "shown": [None, [str(p.pk) for p in result.items]],
            },
        )
    return result


def person_get(*, actor: User, person_id: uuid.UUID | str, purpose: str = "") -> Person:
    """The full record (names, nationalities, documents, addresses, photos); audited."""
    require(actor, Perm.PERSON_VIEW)
    person = (
        Person.objects.select_related("birth_country", "office")
        .prefetch_related(
            "names",
            Prefetch("nationalities", queryset=Nationality.objects.select_related("country")),
            Prefetch(
                "documents",
                queryset=IdentityDocument.objects.select_related("document_type", "issuing_state"),
            ),
            Prefetch("addresses", queryset=Address.objects.select_related("region", "city")),
            Prefetch("photos", queryset=Photo.objects.filter(is_current=True)),
        )
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound("Person", _("Person not found"))
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="registry.person",
        object_id=person.pk,
        person_id=person.pk,
        purpose=purpose,
    )
    return person


def person_documents(*, actor: User, person_id: uuid.UUID | str) -> list[IdentityDocument]:
    require(actor, Perm.PERSON_VIEW)
    if not Person.objects.filter(pk=person_id).exists():
        raise NotFound("Person", _("Person not found"))
    docs = list(
        IdentityDocument.objects.filter(person_id=person_id).select_related(
            "document_type", "issuing_state"
        )
    )
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="registry.identitydocument",
        object_id="",
        person_id=person_id,
    )
    return docs


def person_history(*, actor: User, person_id: uuid.UUID | str) -> list[AuditEntry]:
    """Changes to the record (not the views of it), newest first."""
    require(actor, Perm.PERSON_VIEW)
    if not Person.objects.filter(pk=person_id).exists():
        raise NotFound("Person", _("Person not found"))
    return list(
        AuditEntry.objects.filter(
            person_id=person_id,
            action__in=[AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE],
        ).order_by("-at", "-id")[:500]
    )


def person_current_address(person: Person) -> Address | None:
    return next((a for a in person.addresses.all() if a.is_current), None)


def person_current_photo(person: Person) -> Photo | None:
    return next((p for p in person.photos.all() if p.is_current), None)


def photo_get(*, actor: User, photo_id: int, purpose: str = "") -> Photo:
    require(actor, Perm.PERSON_VIEW)
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound("Photo", _("Photo not found"))
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="registry.photo",
        object_id=photo.pk,
        person_id=photo.person_id,
        purpose=purpose,
    )
    return photo


def organisation_search(
    *, actor: User, query: str = "", role: str = "", page: int = 1, page_size: int = 25
) -> Page[Organisation]:
    """Hosts and employers by VÖEN (exact) or name (contains); role "host" | "employer"."""
    require(actor, Perm.ORGANISATION_VIEW)
    qs = Organisation.objects.select_related("region", "city")
    query = query.strip()
    if query:
        digits = rules.voen_normalize(query)
        qs = qs.filter(tax_number=digits) if digits.isdigit() else qs.filter(name__icontains=query)
    if role == "host":
        qs = qs.filter(is_host=True)
    elif role == "employer":
        qs = qs.filter(is_employer=True)
    return paginate(qs.order_by("name", "id"), page, page_size)


def organisation_get(*, actor: User, organisation_id: uuid.UUID | str) -> Organisation:
    require(actor, Perm.ORGANISATION_VIEW)
    org = Organisation.objects.select_related("region", "city").filter(pk=organisation_id).first()
    if org is None:
        raise NotFound("Organisation", _("Organisation not found"))
    return org


# --- identity matching (system use) ----------------------------------------------------
# Called by the identity matcher on behalf of an ingestion the caller was already
# authorised for; they return ids only and read no more than the matching keys.


def person_ids_by_document(*, issuing_state: str, number: str) -> list[uuid.UUID]:
    return list(
        IdentityDocument.objects.filter(issuing_state_id=issuing_state, number=number)
        .values_list("person_id", flat=True)
        .distinct()
    )


def person_ids_by_name_and_birth(
    *, name_key: str, year: int, month: int | None, day: int | None
) -> list[uuid.UUID]:
    return list(
        Person.objects.exclude(status="merged")
        .filter(name_key=name_key, birth_year=year, birth_month=month, birth_day=day)
        .values_list("id", flat=True)[:2]
    )
