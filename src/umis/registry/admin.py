"""Registry reference data in the Django admin (administrators only; see core/admin.py)."""

from __future__ import annotations

from django.contrib import admin

from umis.core.admin import ReadOnlyAdmin, ReferenceAdmin
from umis.registry.models import DocumentType, Organisation


@admin.register(DocumentType)
class DocumentTypeAdmin(ReferenceAdmin):
    list_display = (
        "code",
        "name_az",
        "name_en",
        "name_ru",
        "icao_codes",
        "mrz_layouts",
        "is_active",
    )
    search_fields = ("code", "name_az", "name_en", "name_ru")
    fields = ("code", "name_az", "name_en", "name_ru", "icao_codes", "mrz_layouts", "is_active")


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    """Hosts and employers are maintained through the registry services (with their own
    audit trail); the admin only lists them."""

    list_display = ("tax_number", "name", "category", "is_host", "is_employer", "region", "city")
    list_filter = ("category", "is_host", "is_employer", "region")
    list_select_related = ("region", "city")
    search_fields = ("name", "=tax_number")
    ordering = ("name",)
