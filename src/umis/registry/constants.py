from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNSPECIFIED = "X", _("Unspecified")


class Script(models.TextChoices):
    """ISO 15924 codes of the scripts names arrive in."""

    LATIN = "Latn", _("Latin")
    CYRILLIC = "Cyrl", _("Cyrillic")
    ARABIC = "Arab", _("Arabic (incl. Persian)")
    GEORGIAN = "Geor", _("Georgian")
    ARMENIAN = "Armn", _("Armenian")
    HAN = "Hani", _("Chinese")
    HEBREW = "Hebr", _("Hebrew")
    GREEK = "Grek", _("Greek")
    DEVANAGARI = "Deva", _("Devanagari")
    BENGALI = "Beng", _("Bengali")


class NameSource(models.TextChoices):
    REGISTRY = "registry", _("Registry (officer)")
    PASSPORT = "passport", _("Passport / MRZ")
    BORDER = "border", _("Border entry-exit system")
    STAY_REGISTRATION = "stay_registration", _("Place-of-stay registration")
    TAX = "tax", _("Tax registry")
    APPLICATION = "application", _("Application (self)")
    POLICE = "police", _("Police")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PROVISIONAL = "provisional", _("Provisional (created from a source record)")
    MERGED = "merged", _("Merged into another record")


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    LOST = "lost", _("Reported lost")
    STOLEN = "stolen", _("Reported stolen")
    INVALID = "invalid", _("Invalidated")


class OrganisationCategory(models.TextChoices):
    HOTEL = "hotel", _("Hotel / hostel")
    LANDLORD = "landlord", _("Landlord")
    COMPANY = "company", _("Company")
    ENTREPRENEUR = "entrepreneur", _("Individual entrepreneur")
    PUBLIC_BODY = "public_body", _("Public body")
    OTHER = "other", _("Other")


# Document type codes (the DocumentType reference table is keyed by these).
PASSPORT = "passport"
NATIONAL_ID = "national_id"
TRAVEL_DOCUMENT = "travel_document"
REFUGEE_TRAVEL_DOCUMENT = "refugee_travel_document"
RESIDENCE_CARD = "residence_card"

# ICAO 9303 codes that are not countries but valid as issuing state / nationality.
STATELESS = "XXA"
# ICAO 9303: nationality not known (printed on a document when the record has none).
UNSPECIFIED_NATIONALITY = "XXX"
