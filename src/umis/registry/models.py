"""Registry schema: persons (foreigners and stateless persons), their names in every
script, nationalities, identity documents, addresses, photos; and organisations (hosts,
employers). Writes go through registry/services.py."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from umis.core.models import City, Country, Office, Region, TranslatedNameMixin
from umis.registry.constants import (
    DocumentStatus,
    NameSource,
    OrganisationCategory,
    PersonStatus,
    Script,
    Sex,
)


class DocumentType(TranslatedNameMixin):
    code = models.CharField(max_length=40, primary_key=True)
    # ICAO 9303 first letter(s) of the MRZ document code this type is issued with.
    icao_codes = models.CharField(max_length=20, blank=True, help_text="e.g. P or I,A,C")
    mrz_layouts = models.CharField(max_length=20, blank=True, help_text="e.g. TD3 or TD1")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    personal_number = models.CharField(_("personal number (FIN)"), max_length=7, unique=True)
    # The Latin form used across the system; other scripts are PersonName rows.
    family_name = models.CharField(_("family name"), max_length=150)
    given_names = models.CharField(_("given names"), max_length=150, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    # Upper-case, diacritics folded "FAMILY GIVEN": the key for prefix search.
    name_key = models.CharField(max_length=310, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    birth_month = models.PositiveSmallIntegerField(_("birth month"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("birth day"), null=True, blank=True)
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    birth_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        help_text=_("Office responsible for the record"),
    )
    status = models.CharField(
        max_length=20, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_key", "id"]
        indexes = [
            models.Index(
                fields=["birth_year", "birth_month", "birth_day"], name="person_birth_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_month__isnull=False),
                name="person_birth_day_needs_month",
            ),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_month__gte=1, birth_month__lte=12),
                name="person_birth_month_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.personal_number}"

    @property
    def birth_date_display(self) -> str:
        parts = [f"{self.birth_year:04d}"]
        if self.birth_month:
            parts.append(f"{self.birth_month:02d}")
            if self.birth_day:
                parts.append(f"{self.birth_day:02d}")
        return "-".join(parts)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.given_names, self.patronymic) if p)


class PersonName(models.Model):
    """The person's name as written in one script by one source (passport, hotel, ...)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    script = models.CharField(max_length=4, choices=Script.choices)
    family_name = models.CharField(max_length=150)
    given_names = models.CharField(max_length=150, blank=True)
    patronymic = models.CharField(max_length=150, blank=True)
    source = models.CharField(
        max_length=30, choices=NameSource.choices, default=NameSource.REGISTRY
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["script", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "script", "family_name", "given_names", "patronymic"],
                name="personname_unique_spelling",
            )
        ]

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_names} [{self.script}]"


class Nationality(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nationalities")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "nationalities"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "country"],
                condition=Q(valid_to__isnull=True),
                name="nationality_one_current_per_country",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="nationality_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["country", "person"], name="nationality_country_idx")]

    def __str__(self) -> str:
        return self.country_id


class IdentityDocument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=30)  # upper-case, no spaces
    issuing_state = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    issue_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    mrz = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.VALID
    )
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-expiry_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_state", "number"], name="document_unique_per_issuer"
            ),
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True)
                | Q(issue_date__isnull=True)
                | Q(expiry_date__gte=models.F("issue_date")),
                name="document_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["number"], name="document_number_idx")]

    def __str__(self) -> str:
        return f"{self.document_type_id} {self.issuing_state_id}"


class Address(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    street = models.CharField(max_length=300)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_current", "-valid_from", "-id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(is_current=True), name="address_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}"


def photo_path(instance: Photo, filename: str) -> str:
    # Random file names: the person's identity must not leak through storage paths.
    ext = "png" if filename.lower().endswith(".png") else "jpg"
    return f"photos/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}"


class Photo(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_path)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    is_current = models.BooleanField(default=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"photo {self.pk}"


class Organisation(models.Model):
    """A host (hotel, landlord) or employer, identified by its VÖEN (tax number)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tax_number = models.CharField(_("VÖEN"), max_length=10, unique=True)
    name = models.CharField(max_length=300)
    category = models.CharField(max_length=20, choices=OrganisationCategory.choices)
    is_host = models.BooleanField(default=False)
    is_employer = models.BooleanField(default=False)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    street = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_host=True) | Q(is_employer=True),
                name="organisation_is_host_or_employer",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationMember(models.Model):
    """A public (non-staff) account acting for a host organisation on the portal and the
    API: a hotel's reception, a landlord. Granted and revoked by an officer; a revoked
    link is kept (is_active False) as the record of who could act when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    is_active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-is_active", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="organisationmember_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "is_active"], name="orgmember_user_active_idx"),
        ]

    def __str__(self) -> str:
        return f"member {self.pk}"
