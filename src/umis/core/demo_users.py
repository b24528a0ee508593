"""The demo accounts: staff, one per role, each with a fixed TOTP second factor; and
public portal accounts (no second factor): the hotel's reception (`hotel`), an applicant
(`foreigner`) and an employer's account (`employer`).

FOR DEMONSTRATIONS ONLY. The password ("umis-demo-2026") and the TOTP secrets below are
public: they are in this file, printed by `umis demo_users` and `umis setup_demo`. Anyone
can sign in with them. The ``*_ensure`` functions refuse to run when UMIS_ENV=production
unless explicitly forced; never create these accounts on a system holding real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from umis.core.audit import audit_record
from umis.core.constants import AuditAction, OfficeKind, Role
from umis.core.models import Office, User

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_EMPLOYER",
    "DEMO_FOREIGNER",
    "DEMO_HOST",
    "DEMO_PASSWORD",
    "DEMO_PUBLIC_ACCOUNTS",
    "DemoAccount",
    "DemoHostAccount",
    "DemoPublicAccount",
    "DemoUsersRefused",
    "demo_account",
    "demo_host_ensure",
    "demo_public_accounts_ensure",
    "demo_user_has_demo_totp",
    "demo_users_ensure",
]

# Demo only: see the module docstring.
DEMO_PASSWORD = "umis-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str
    totp_secret: str  # base32, 32 characters (160 bits), fixed per account
    office_kind: str


# Fixed base32 TOTP secrets (demo only), so authenticator apps set up once keep working
# after the database is rebuilt.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "officer",
        Role.OFFICER.value,
        DEMO_PASSWORD,
        "5W3SM2INRQDRLEAZ6CYUMUL7DRCUJGEC",
        OfficeKind.ONE_STOP_SHOP.value,
    ),
    DemoAccount(
        "supervisor",
        Role.SUPERVISOR.value,
        DEMO_PASSWORD,
        "NSG6DBVFN5W4O2PTJ7EUQL2LRFIXHELE",
        OfficeKind.ONE_STOP_SHOP.value,
    ),
    DemoAccount(
        "border",
        Role.BORDER_OFFICER.value,
        DEMO_PASSWORD,
        "C4T4NQFJMYY7GFOG4RUSYSL4MEZAMZT4",
        OfficeKind.BORDER.value,
    ),
    DemoAccount(
        "analyst",
        Role.ANALYST.value,
        DEMO_PASSWORD,
        "QHTNKIKBA7VFR77KKOVJAZUXM5H34NDB",
        OfficeKind.HEADQUARTERS.value,
    ),
    DemoAccount(
        "admin",
        Role.ADMINISTRATOR.value,
        DEMO_PASSWORD,
        "2PGBNF2ZUROPAYLABZ3TEMGAASZJ43UD",
        OfficeKind.HEADQUARTERS.value,
    ),
)
_BY_USERNAME = {account.username: account for account in DEMO_ACCOUNTS}


class DemoUsersRefused(RuntimeError):
    """Demo accounts were requested where they must not exist (production)."""


def demo_account(username: str) -> DemoAccount | None:
    """The demo account with this username, or None for any other account."""
    return _BY_USERNAME.get(username)


def _office(kind: str) -> Office:
    # The first active office of the kind by code: for one-stop-shops that is a Baku
    # centre in the shipped reference data.
    office = Office.objects.filter(kind=kind, is_active=True).order_by("code").first()
    if office is None:
        raise RuntimeError(
            f"no active office of kind {kind!r}: load the reference data first "
            "(`umis load_reference`)"
        )
    return office


def _stored_secret(user: User) -> tuple[Any, str | None]:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None, None
    try:
        return authenticator, decrypt(authenticator.data["secret"])
    except Exception:  # unreadable (e.g. another SECRET_KEY): replace it
        return authenticator, None


def demo_user_has_demo_totp(account: DemoAccount) -> bool:
    """True if the account exists and its TOTP authenticator holds the demo secret."""
    user = User.objects.filter(username=account.username).first()
    if user is None:
        return False
    _, secret = _stored_secret(user)
    return secret == account.totp_secret


def demo_users_ensure(*, allow_production: bool = False) -> list[DemoAccount]:
    """Create or repair the demo staff accounts (idempotent): role, office, flags, the
    demo password and a TOTP authenticator with the account's fixed secret. A run that
    changes nothing writes nothing; each created or repaired account gets one audit
    entry (never with the password or the secret)."""
    from allauth.mfa.totp.internal.auth import TOTP

    if getattr(settings, "PRODUCTION", False) and not allow_production:
        raise DemoUsersRefused(
            "demo accounts have a published password and TOTP secret; refusing to create "
            "them with UMIS_ENV=production"
        )
    with transaction.atomic():
        offices = {kind: _office(kind) for kind in {a.office_kind for a in DEMO_ACCOUNTS}}
        for account in DEMO_ACCOUNTS:
            office = offices[account.office_kind]
            admin = account.role == Role.ADMINISTRATOR
            wanted = {
                "role": account.role,
                "office_id": office.pk,
                "is_staff": admin,
                "is_superuser": admin,
                "is_active": True,
            }
            user = User.objects.select_for_update().filter(username=account.username).first()
            created = user is None
            changes: dict[str, list[Any]] = {}
            if user is None:
                user = User(
                    username=account.username,
                    first_name="Demo",
                    last_name=account.username.capitalize(),
                )
                changes["username"] = [None, account.username]
            for attr, value in wanted.items():
                before = None if created else getattr(user, attr)
                if created or before != value:
                    setattr(user, attr, value)
                    if attr == "office_id":
                        old_code = (
                            Office.objects.filter(pk=before).values_list("code", flat=True).first()
                            if before
                            else None
                        )
                        changes["office"] = [old_code, office.code]
                    else:
                        changes[attr] = [before, value]
            if created or not user.check_password(account.password):
                user.set_password(account.password)
                if not created:
                    changes["password"] = ["(other)", "(demo password)"]
            if changes:
                user.save()
            authenticator, secret = _stored_secret(user)
            if secret != account.totp_secret:
                if authenticator is not None:
                    authenticator.delete()
                TOTP.activate(user, account.totp_secret)
                changes["totp"] = [None if authenticator is None else "(other)", "(demo secret)"]
            if changes:
                audit_record(
                    actor=None,
                    action=AuditAction.CREATE if created else AuditAction.UPDATE,
                    object_type="core.user",
                    object_id=user.pk,
                    changes=changes,
                    purpose="demo accounts",
                )
    return list(DEMO_ACCOUNTS)


@dataclass(frozen=True)
class DemoHostAccount:
    """A public host account (no role, no second factor) acting for a demo hotel."""

    username: str
    email: str
    password: str
    organisation_name: str
    organisation_voen: str  # a valid VÖEN (check digit) of no real taxpayer, as far as known


# Demo only: see the module docstring.
DEMO_HOST = DemoHostAccount(
    "hotel", "hotel@demo.example", DEMO_PASSWORD, "Demo Hotel Baku", "9900000141"
)


def _refuse_in_production(message: str, allow_production: bool) -> None:
    if getattr(settings, "PRODUCTION", False) and not allow_production:
        raise DemoUsersRefused(message)


def _public_user_ensure(username: str, email: str, password: str) -> User:
    """Create or repair a public (no role, no second factor) demo account: active, with
    the demo password and e-mail. One audit entry when anything changed, never with the
    password. Refuses to touch a staff account of the same name. Call inside a
    transaction."""
    user = User.objects.select_for_update().filter(username=username).first()
    changes: dict[str, list[Any]] = {}
    if user is None:
        user = User(username=username, email=email, first_name="Demo")
        changes["username"] = [None, username]
    if user.role:
        raise DemoUsersRefused(f"{username!r} is a staff account")
    if user.email != email:
        changes["email"] = [user.email or None, email]
        user.email = email
    if not user.is_active:
        user.is_active = True
        changes["is_active"] = [False, True]
    if not user.check_password(password):
        user.set_password(password)
        changes["password"] = [None, "(demo password)"]
    if changes:
        user.save()
        audit_record(
            actor=None,
            action=AuditAction.CREATE if "username" in changes else AuditAction.UPDATE,
            object_type="core.user",
            object_id=user.pk,
            changes=changes,
            purpose="demo accounts",
        )
    return user


def _membership_ensure(user: User, organisation: Any, *, new_organisation: bool) -> None:
    """An active OrganisationMember link of the user to the organisation (audited when
    created or reactivated)."""
    from django.utils import timezone

    from umis.registry.models import OrganisationMember

    member, created = OrganisationMember.objects.get_or_create(user=user, organisation=organisation)
    if created or not member.is_active:
        member.is_active, member.revoked_at, member.revoked_by = True, None, None
        member.added_at = member.added_at or timezone.now()
        member.save()
        audit_record(
            actor=None,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            object_type="registry.organisationmember",
            object_id=member.pk,
            changes={
                "organisation": [None, str(organisation.pk)],
                "is_active": [None, True],
                "new_organisation": [None, new_organisation],
            },
            purpose="demo accounts",
        )


def _demo_organisation(
    *, voen: str, name: str, category: str, role: str, email: str, street: str
) -> tuple[Any, bool]:
    """The organisation with this VÖEN (created in Baku if absent), with the flag
    ``role`` ("is_host" or "is_employer") set. An existing organisation keeps its name
    and address: the demo only needs it to act as a host or employer."""
    from umis.core.models import City
    from umis.registry.models import Organisation

    city = City.objects.select_related("region").filter(code="baku").first()
    organisation, created = Organisation.objects.get_or_create(
        tax_number=voen,
        defaults={
            "name": name,
            "category": category,
            role: True,
            "region": city.region if city else None,
            "city": city,
            "street": street,
            "email": email,
        },
    )
    if not getattr(organisation, role):
        setattr(organisation, role, True)
        organisation.save(update_fields=[role, "updated_at"])
    return organisation, created


def demo_host_ensure(*, allow_production: bool = False) -> DemoHostAccount:
    """Create or repair the demo hotel (a host organisation with an address) and its
    portal account, an active member of it (idempotent; audited like the staff accounts)."""
    _refuse_in_production(
        "the demo host account has a published password; refusing to create it with "
        "UMIS_ENV=production",
        allow_production,
    )
    account = DEMO_HOST
    with transaction.atomic():
        organisation, created_org = _demo_organisation(
            voen=account.organisation_voen,
            name=account.organisation_name,
            category="hotel",
            role="is_host",
            email=account.email,
            street="Neftçilər pr. 100",
        )
        user = _public_user_ensure(account.username, account.email, account.password)
        _membership_ensure(user, organisation, new_organisation=created_org)
    return account


@dataclass(frozen=True)
class DemoPublicAccount:
    """A public portal account (no role, no second factor): an applicant, or an
    employer's account when ``organisation_voen`` is set (it acts for that employer)."""

    username: str
    email: str
    password: str
    label: str  # what `setup_demo` prints in the role column (at most 15 characters)
    organisation_name: str = ""
    organisation_voen: str = ""


# Demo only: see the module docstring. The employer is a company of the tax-registry
# sandbox seed (umis/exchange/sandbox_taxpayers.json: active, no tax debt), so its work
# permit checks pass against the sandbox. It is the first company after the 21 demo
# organisations there: those VÖENs belong to the hotel and to what `demo_data`
# generates, which would have to pick another VÖEN if one were taken already.
DEMO_FOREIGNER = DemoPublicAccount(
    "foreigner", "foreigner@demo.example", DEMO_PASSWORD, "applicant"
)
DEMO_EMPLOYER = DemoPublicAccount(
    "employer",
    "employer@demo.example",
    DEMO_PASSWORD,
    "employer",
    "Bakı Tikinti Servis MMC",
    "1401555071",
)
DEMO_PUBLIC_ACCOUNTS: tuple[DemoPublicAccount, ...] = (DEMO_FOREIGNER, DEMO_EMPLOYER)


def demo_public_accounts_ensure(*, allow_production: bool = False) -> list[DemoPublicAccount]:
    """Create or repair the demo portal accounts (idempotent; audited like the others):
    ``foreigner``, who applies for permits, and ``employer``, an active member of a demo
    employer organisation (created, or reused and marked as an employer), who applies
    for work permits. A run that changes nothing writes nothing."""
    _refuse_in_production(
        "the demo portal accounts have a published password; refusing to create them with "
        "UMIS_ENV=production",
        allow_production,
    )
    with transaction.atomic():
        for account in DEMO_PUBLIC_ACCOUNTS:
            user = _public_user_ensure(account.username, account.email, account.password)
            if account.organisation_voen:
                organisation, created_org = _demo_organisation(
                    voen=account.organisation_voen,
                    name=account.organisation_name,
                    category="company",
                    role="is_employer",
                    email=account.email,
                    street="Azadlıq pr. 50",
                )
                _membership_ensure(user, organisation, new_organisation=created_org)
    return list(DEMO_PUBLIC_ACCOUNTS)
