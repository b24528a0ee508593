from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Migration officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    BORDER_OFFICER = "border_officer", _("Border officer")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")


class OfficeKind(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    REGIONAL = "regional", _("Regional office")
    ONE_STOP_SHOP = "one_stop_shop", _("One-stop-shop centre")
    BORDER = "border", _("Border post")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "sign_out", _("Signed out")
    TOKEN_CREATE = "token_create", _("API token created")
    TOKEN_REVOKE = "token_revoke", _("API token revoked")
    REFERENCE_CHANGE = "reference_change", _("Reference data changed")


class TokenScope(models.TextChoices):
    PERSONS_READ = "persons:read", _("Read person records")
    PERSONS_WRITE = "persons:write", _("Create and change person records")
    AUDIT_READ = "audit:read", _("Search the audit log")
    BORDER_WRITE = "border:write", _("Send entry/exit events")
    BORDER_CHECK = "border:check", _("Check travellers at the border")
    WATCHLIST_WRITE = "watchlist:write", _("Change entry bans and invalid documents")
    STAY_RIGHTS_WRITE = "stay_rights:write", _("Record visas, e-visas and permit periods")
    REGISTRATIONS_WRITE = "registrations:write", _("Register guests at the place of stay")
    CASES_WRITE = "cases:write", _("Work on cases: decisions, payments, documents")


class AccessPurpose(models.TextChoices):
    """Why a member of staff looks at personal data: asked before a search, recorded with
    every read of a record (purpose limitation)."""

    COUNTER = "counter", _("Serving the person at the counter")
    CASE = "case", _("Case work (application or decision)")
    VERIFICATION = "verification", _("Request from another authority")
    BORDER = "border", _("Border check")
    ENFORCEMENT = "enforcement", _("Control and enforcement")
    DATA_QUALITY = "data_quality", _("Correcting or maintaining the record")
