"""Demo staff accounts: idempotent creation, fixed TOTP secrets, the totp command."""

from __future__ import annotations

import io
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from umis.core.constants import OfficeKind, Role
from umis.core.demo_users import (
    DEMO_ACCOUNTS,
    DEMO_EMPLOYER,
    DEMO_FOREIGNER,
    DEMO_PASSWORD,
    DEMO_PUBLIC_ACCOUNTS,
    DemoUsersRefused,
    demo_public_accounts_ensure,
    demo_users_ensure,
)
from umis.core.models import AuditEntry, Office, User
from umis.core.permissions import Perm, has_perm

pytestmark = pytest.mark.django_db

USERNAMES = {"officer", "supervisor", "border", "analyst", "admin"}


def test_accounts_are_created_with_role_office_and_totp(reference: None) -> None:
    accounts = demo_users_ensure()
    assert {a.username for a in accounts} == USERNAMES
    baku_centre = Office.objects.filter(kind=OfficeKind.ONE_STOP_SHOP).order_by("code")[0]
    for account in accounts:
        assert account.password == DEMO_PASSWORD == "umis-demo-2026"
        assert len(account.totp_secret) == 32
        user = User.objects.get(username=account.username)
        assert user.role == account.role
        assert user.check_password(DEMO_PASSWORD)
        assert user.office is not None and user.office.kind == account.office_kind
        authenticators = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        assert authenticators.count() == 1
        assert decrypt(authenticators.get().data["secret"]) == account.totp_secret
        code = pyotp.TOTP(account.totp_secret).now()
        assert pyotp.TOTP(account.totp_secret).verify(code)
        assert validate_totp_code(account.totp_secret, code)  # what allauth checks at sign-in
        assert authenticators.get().wrap().validate_code(code)
    officer = User.objects.get(username="officer")
    assert officer.office == baku_centre
    assert User.objects.get(username="supervisor").office == baku_centre
    assert User.objects.get(username="border").role == Role.BORDER_OFFICER
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMINISTRATOR
    assert admin.is_staff and admin.is_superuser
    assert admin.office is not None and admin.office.kind == OfficeKind.HEADQUARTERS
    assert not officer.is_staff and not officer.is_superuser


def test_secrets_are_fixed_and_distinct() -> None:
    secrets = [a.totp_secret for a in DEMO_ACCOUNTS]
    assert len(set(secrets)) == len(secrets)
    for secret in secrets:
        assert len(secret) == 32
        pyotp.TOTP(secret).now()  # valid base32


def test_idempotent(reference: None) -> None:
    demo_users_ensure()
    users = {u.username: u.pk for u in User.objects.filter(username__in=USERNAMES)}
    authenticators = set(Authenticator.objects.values_list("pk", flat=True))
    audit_count = AuditEntry.objects.filter(object_type="core.user").count()
    assert audit_count == len(USERNAMES)

    demo_users_ensure()
    assert {u.username: u.pk for u in User.objects.filter(username__in=USERNAMES)} == users
    assert set(Authenticator.objects.values_list("pk", flat=True)) == authenticators
    assert AuditEntry.objects.filter(object_type="core.user").count() == audit_count


def test_repairs_a_changed_account(reference: None) -> None:
    demo_users_ensure()
    user = User.objects.get(username="officer")
    user.set_password("something-else-entirely")
    user.role = Role.ANALYST
    user.save()
    Authenticator.objects.filter(user=user).delete()

    demo_users_ensure()
    user.refresh_from_db()
    assert user.role == Role.OFFICER
    assert user.check_password(DEMO_PASSWORD)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).count() == 1
    entry = AuditEntry.objects.filter(object_type="core.user").order_by("-id").first()
    assert entry is not None and entry.action == "update"
    assert set(entry.changes) == {"role", "password", "totp"}
    assert DEMO_PASSWORD not in str(entry.changes)


@override_settings(PRODUCTION=True)
def test_refused_in_production(reference: None) -> None:
    with pytest.raises(DemoUsersRefused):
        demo_users_ensure()
    assert not User.objects.filter(username__in=USERNAMES).exists()
    with pytest.raises(CommandError):
        call_command("demo_users", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("totp", "officer", stdout=io.StringIO())


def test_demo_users_command_prints_codes(reference: None) -> None:
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for account in DEMO_ACCOUNTS:
        assert account.username in text
        assert account.totp_secret in text


def test_totp_command_for_demo_accounts_only(reference: None, make_staff: Any) -> None:
    with pytest.raises(CommandError, match="demo_users"):
        call_command("totp", "officer", stdout=io.StringIO())  # not created yet
    demo_users_ensure()
    out = io.StringIO()
    call_command("totp", "officer", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    secret = next(a.totp_secret for a in DEMO_ACCOUNTS if a.username == "officer")
    assert pyotp.TOTP(secret).verify(code, valid_window=1)

    make_staff("officer", username="realofficer")
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("totp", "realofficer", stdout=io.StringIO())


# --- public portal accounts: foreigner (applicant) and employer ---------------------------

PUBLIC = {"foreigner", "employer"}


def _public_state() -> dict[str, Any]:
    from umis.registry.models import OrganisationMember

    return {
        "users": sorted(
            User.objects.filter(username__in=PUBLIC).values_list(
                "pk", "username", "email", "is_active", "role", "password"
            )
        ),
        "members": sorted(
            OrganisationMember.objects.filter(user__username__in=PUBLIC).values_list(
                "pk", "organisation_id", "is_active"
            )
        ),
        "audit": AuditEntry.objects.count(),
    }


def test_public_accounts_are_created_once(reference: None) -> None:
    from umis.exchange.sandbox import seed_load
    from umis.registry.models import Organisation, OrganisationMember

    accounts = demo_public_accounts_ensure()
    assert {a.username for a in accounts} == PUBLIC
    assert (DEMO_FOREIGNER.email, DEMO_EMPLOYER.email) == (
        "foreigner@demo.example",
        "employer@demo.example",
    )
    for account in accounts:
        user = User.objects.get(username=account.username)
        assert user.role == "" and user.is_active and user.office is None
        assert user.email == account.email
        assert user.check_password(DEMO_PASSWORD)
        assert not Authenticator.objects.filter(user=user).exists()  # public: no 2FA
        assert has_perm(user, Perm.CASE_APPLY)
        assert not has_perm(user, Perm.CASE_WORK)
        assert not has_perm(user, Perm.HOST_REGISTER)  # an employer is not a host

    foreigner = User.objects.get(username="foreigner")
    assert not OrganisationMember.objects.filter(user=foreigner).exists()
    member = OrganisationMember.objects.select_related("organisation").get(
        user__username="employer"
    )
    organisation = member.organisation
    assert member.is_active
    assert organisation.is_employer and not organisation.is_host
    assert organisation.tax_number == DEMO_EMPLOYER.organisation_voen
    assert organisation.name == DEMO_EMPLOYER.organisation_name
    # The tax-registry sandbox knows it as an active company without tax debt, so its
    # work permit checks pass in the demo.
    taxpayer = seed_load().taxpayers[organisation.tax_number]
    assert taxpayer["name"] == organisation.name
    assert taxpayer["status"] == "active" and taxpayer["has_tax_debt"] is False
    assert Organisation.objects.filter(tax_number=DEMO_EMPLOYER.organisation_voen).count() == 1
    entries = AuditEntry.objects.filter(
        object_type="core.user",
        object_id__in=[
            str(u) for u in User.objects.filter(username__in=PUBLIC).values_list("pk", flat=True)
        ],
    )
    assert entries.count() == 2
    assert DEMO_PASSWORD not in str([e.changes for e in entries])

    before = _public_state()
    demo_public_accounts_ensure()
    assert _public_state() == before  # a second run changes and writes nothing


def test_public_accounts_sign_in_without_a_second_factor(reference: None) -> None:
    demo_public_accounts_ensure()
    forms = {}
    for account in DEMO_PUBLIC_ACCOUNTS:
        client = Client()
        response = client.post(
            reverse("account_login") + "?next=" + reverse("portal:apply_index"),
            {"login": account.username, "password": DEMO_PASSWORD},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:apply_index")  # not the 2FA step
        assert client.session.get("_auth_user_id") == str(
            User.objects.get(username=account.username).pk
        )
        page = client.get(reverse("portal:apply", args=["work_permit"]))
        assert page.status_code == 200
        forms[account.username] = page.content.decode()
    # Only the employer's account can choose the demo employer on a work permit form.
    employer_choice = f"VÖEN {DEMO_EMPLOYER.organisation_voen}"
    assert employer_choice in forms["employer"]
    assert employer_choice not in forms["foreigner"]


def test_public_accounts_are_repaired(reference: None) -> None:
    from umis.registry.models import OrganisationMember

    demo_public_accounts_ensure()
    employer = User.objects.get(username="employer")
    employer.set_password("changed-by-someone-2026")
    employer.is_active = False
    employer.email = "someone@else.example"
    employer.save()
    member = OrganisationMember.objects.get(user=employer)
    member.is_active = False
    member.save()
    organisation = member.organisation
    organisation.is_host, organisation.is_employer = True, False
    organisation.save()
    User.objects.filter(username="foreigner").update(password="!")  # unusable

    demo_public_accounts_ensure()
    employer.refresh_from_db()
    member.refresh_from_db()
    organisation.refresh_from_db()
    assert employer.is_active and employer.check_password(DEMO_PASSWORD)
    assert employer.email == DEMO_EMPLOYER.email
    assert member.is_active and organisation.is_employer
    assert OrganisationMember.objects.filter(user=employer).count() == 1
    assert User.objects.get(username="foreigner").check_password(DEMO_PASSWORD)
    entry = (
        AuditEntry.objects.filter(object_type="core.user", object_id=str(employer.pk))
        .order_by("-id")
        .first()
    )
    assert entry is not None and entry.action == "update"
    assert set(entry.changes) == {"password", "is_active", "email"}
    assert DEMO_PASSWORD not in str(entry.changes)
    assert AuditEntry.objects.filter(
        object_type="registry.organisationmember", object_id=str(member.pk), action="update"
    ).exists()


def test_employer_reuses_an_existing_organisation(reference: None) -> None:
    from umis.registry.models import Organisation, OrganisationMember

    existing = Organisation.objects.create(
        tax_number=DEMO_EMPLOYER.organisation_voen,
        name="Registered Earlier MMC",
        category="company",
        is_host=True,
    )
    demo_public_accounts_ensure()
    existing.refresh_from_db()
    assert existing.is_employer and existing.is_host  # marked, nothing else changed
    assert existing.name == "Registered Earlier MMC"
    assert Organisation.objects.filter(tax_number=DEMO_EMPLOYER.organisation_voen).count() == 1
    assert OrganisationMember.objects.get(user__username="employer").organisation == existing


def test_public_accounts_refuse_a_staff_account_of_the_same_name(
    reference: None, make_staff: Any
) -> None:
    from umis.registry.models import Organisation

    make_staff("officer", username="employer")
    with pytest.raises(DemoUsersRefused, match="staff account"):
        demo_public_accounts_ensure()
    staff = User.objects.get(username="employer")
    assert staff.role == Role.OFFICER and not staff.check_password(DEMO_PASSWORD)
    # One transaction: the foreigner made before the refusal is rolled back too.
    assert not User.objects.filter(username="foreigner").exists()
    assert not Organisation.objects.filter(tax_number=DEMO_EMPLOYER.organisation_voen).exists()


@override_settings(PRODUCTION=True)
def test_public_accounts_refused_in_production(reference: None) -> None:
    from umis.registry.models import Organisation

    with pytest.raises(DemoUsersRefused, match="production"):
        demo_public_accounts_ensure()
    assert not User.objects.filter(username__in=PUBLIC).exists()
    assert not Organisation.objects.filter(tax_number=DEMO_EMPLOYER.organisation_voen).exists()
    demo_public_accounts_ensure(allow_production=True)  # only when explicitly forced
    assert User.objects.filter(username__in=PUBLIC).count() == 2
