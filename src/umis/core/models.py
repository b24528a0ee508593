"""Core kernel models: staff users and offices, shared reference data, the audit log, API
tokens. Behaviour lives in services (core/audit.py, core/tokens.py); this is the schema."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from umis.core.constants import AuditAction, OfficeKind, Role


class TranslatedNameMixin(models.Model):
    """Reference data is named in the three UI languages; `name` picks the active one."""

    name_az = models.CharField(_("name (az)"), max_length=200)
    name_en = models.CharField(_("name (en)"), max_length=200)
    name_ru = models.CharField(_("name (ru)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (translation.get_language() or "az")[:2]
        return str(getattr(self, f"name_{lang}", "") or self.name_az or self.name_en)


class Country(TranslatedNameMixin):
    """ISO 3166-1 countries plus the ICAO 9303 codes that are not countries: stateless
    persons, refugees and unspecified nationality (XXA, XXB, XXC, XXX), the United Nations
    (UNO, UNA, UNK), the EU (EUE) and the other issuers ICAO lists (XOM, XPO, XCC, RKS)."""

    alpha3 = models.CharField(max_length=3, primary_key=True)
    alpha2 = models.CharField(max_length=2, blank=True)
    numeric = models.CharField(max_length=3, blank=True)
    is_icao_special = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["alpha3"]
        verbose_name_plural = "countries"


class Region(TranslatedNameMixin):
    code = models.CharField(max_length=20, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name_az"]


class City(TranslatedNameMixin):
    code = models.CharField(max_length=30, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cities")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name_az"]
        verbose_name_plural = "cities"


class Office(TranslatedNameMixin):
    code = models.CharField(max_length=30, unique=True)
    kind = models.CharField(max_length=20, choices=OfficeKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]


class CrossingPoint(TranslatedNameMixin):
    class Kind(models.TextChoices):
        AIR = "air", _("Airport")
        LAND = "land", _("Road")
        RAIL = "rail", _("Railway")
        SEA = "sea", _("Sea port")

    code = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)
    neighbour_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]


class User(AbstractUser):
    """A person who signs in. Staff have a role and (except administrators) an office;
    public accounts (foreigners, hosts, employers) have no role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True, db_index=True)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    preferred_language = models.CharField(max_length=5, blank=True)

    @property
    def is_umis_staff(self) -> bool:
        return bool(self.role)


class ApiToken(models.Model):
    """A personal API token: acts as its user, limited to its scopes. Only a hash of the
    secret is stored; the prefix identifies it in lists and logs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEntry(models.Model):
    """Append-only, hash-chained audit record. Database triggers refuse UPDATE and DELETE
    (migration 0002); `umis audit verify` recomputes the chain."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    # Every index here is paid on every audited write, the border check's included: only
    # the ones the audit search and a person's history read (ADR 0005).
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor_label = models.CharField(max_length=200)  # username, or token prefix, or "system"
    actor_kind = models.CharField(max_length=20)  # staff | public | token | agency | system
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    person_id = models.UUIDField(null=True, blank=True)  # the data subject, for history
    changes = models.JSONField(default=dict, blank=True)  # {field: [before, after]}
    purpose = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)  # the chain, not an index, proves it

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["person_id", "id"], name="audit_person_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_label", "at"], name="audit_actor_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The last entry of one hash chain (row k heads chain k; UMIS_AUDIT_CHAINS of them,
    ADR 0005). Appending locks one head, which orders that chain, and the heads let
    `verify` notice a deleted tail."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.last_id}"
