"""The Django admin: reference data, staff accounts, API tokens (read-only), the audit log
(read-only).

Only administrators use it: a signed-in user needs ``is_staff`` *and* the administrator
role (``Perm.REFERENCE_MANAGE``), whatever their Django permissions or superuser flag say;
sign-in goes through allauth so the second factor is always asked for. Every change to
reference data and staff accounts is written to the audit log; nothing is ever deleted here
(rows are deactivated with ``is_active``), and the audit log cannot be edited.
"""

from __future__ import annotations

from typing import Any, ClassVar

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from umis.core.constants import AuditAction
from umis.core.models import (
    ApiToken,
    AuditEntry,
    City,
    Country,
    CrossingPoint,
    Office,
    Region,
    User,
)
from umis.core.permissions import Perm, has_perm
from umis.core.reference import reference_save

# --- The site: administrators only, signed in through allauth (with the second factor) ----


def _actor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


def _administrators_only(request: HttpRequest) -> bool:
    user = _actor(request)
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and has_perm(user, Perm.REFERENCE_MANAGE)
    )


admin.site.has_permission = _administrators_only  # type: ignore[method-assign]
# The admin's own login form would accept a password alone; send people to allauth's.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("UMIS administration")
admin.site.site_title = _("UMIS administration")


class AdministratorAdmin(admin.ModelAdmin):
    """Permissions come from the UMIS role, not from Django's per-model permissions."""

    perm: Perm = Perm.REFERENCE_MANAGE

    def _allowed(self, request: HttpRequest) -> bool:
        return _administrators_only(request) and has_perm(_actor(request), self.perm)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Reference rows are referenced by records; deactivate them with is_active instead.
        return False


class ReadOnlyAdmin(AdministratorAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Reference data ----------------------------------------------------------------------


class ReferenceAdmin(AdministratorAdmin):
    """Edits go through reference_save, which writes the audit entry with the field diff."""

    key_field = "code"
    search_fields: ClassVar[tuple[str, ...]] = ("code", "name_az", "name_en", "name_ru")
    list_filter: ClassVar[tuple[Any, ...]] = ("is_active",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        # The key is what the shipped files, records and the API refer to: fixed once made.
        return (*readonly, self.key_field) if obj is not None else readonly

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        reference_save(
            actor=_actor(request),
            instance=obj,
            form_changed_fields=form.changed_data,
        )


@admin.register(Country)
class CountryAdmin(ReferenceAdmin):
    key_field = "alpha3"
    list_display = (
        "alpha3",
        "alpha2",
        "numeric",
        "name_az",
        "name_en",
        "name_ru",
        "is_icao_special",
        "is_active",
    )
    list_filter = ("is_icao_special", "is_active")
    search_fields = ("alpha3", "alpha2", "numeric", "name_az", "name_en", "name_ru")
    fields = (
        "alpha3",
        "alpha2",
        "numeric",
        "name_az",
        "name_en",
        "name_ru",
        "is_icao_special",
        "is_active",
    )


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    list_display = ("code", "name_az", "name_en", "name_ru", "is_active")
    fields = ("code", "name_az", "name_en", "name_ru", "is_active")


@admin.register(City)
class CityAdmin(ReferenceAdmin):
    list_display = ("code", "name_az", "name_en", "name_ru", "region", "is_active")
    list_filter = ("region", "is_active")
    list_select_related = ("region",)
    fields = ("code", "region", "name_az", "name_en", "name_ru", "is_active")


@admin.register(Office)
class OfficeAdmin(ReferenceAdmin):
    list_display = ("code", "name_az", "name_en", "kind", "region", "is_active")
    list_filter = ("kind", "region", "is_active")
    list_select_related = ("region",)
    search_fields = ("code", "name_az", "name_en", "name_ru", "address")
    fields = ("code", "kind", "region", "address", "name_az", "name_en", "name_ru", "is_active")


@admin.register(CrossingPoint)
class CrossingPointAdmin(ReferenceAdmin):
    list_display = (
        "code",
        "name_az",
        "name_en",
        "kind",
        "region",
        "neighbour_country",
        "is_active",
    )
    list_filter = ("kind", "region", "is_active")
    list_select_related = ("region", "neighbour_country")
    autocomplete_fields = ("neighbour_country",)
    fields = (
        "code",
        "kind",
        "region",
        "neighbour_country",
        "name_az",
        "name_en",
        "name_ru",
        "is_active",
    )


# --- Staff accounts -----------------------------------------------------------------------

# Audited user fields: never the password hash.
_USER_AUDIT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "role",
    "office",
    "preferred_language",
)


@admin.register(User)
class UserAdmin(AdministratorAdmin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "email", "preferred_language")},
        ),
        (_("UMIS role"), {"fields": ("role", "office")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("UMIS role"), {"fields": ("role", "office", "is_staff")}),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "office",
        "is_staff",
        "is_active",
    )
    list_filter = ("role", "office", "is_staff", "is_active")
    list_select_related = ("office",)
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ()

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        reference_save(
            actor=_actor(request),
            instance=obj,
            form_changed_fields=form.changed_data,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            fields=_USER_AUDIT_FIELDS,
        )


# --- API tokens and the audit log: read-only ----------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "prefix",
        "name",
        "user",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username")
    # Never show the key hash, not even to administrators.
    fields = (
        "prefix",
        "name",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    perm = Perm.AUDIT_SEARCH
    list_display = (
        "id",
        "at",
        "actor_label",
        "actor_kind",
        "action",
        "object_type",
        "object_id",
        "person_id",
        "ip",
    )
    list_filter = ("action", "at", "actor_kind")
    date_hierarchy = "at"
    search_fields = ("actor_label", "object_id", "person_id")
    ordering = ("-id",)
    show_full_result_count = False
    # The actor FK has no constraint (accounts may be anonymised): the label is the record.
    fields = (
        "id",
        "at",
        "actor_label",
        "actor_kind",
        "action",
        "object_type",
        "object_id",
        "person_id",
        "changes",
        "purpose",
        "ip",
        "request_id",
        "prev_hash",
        "hash",
    )
