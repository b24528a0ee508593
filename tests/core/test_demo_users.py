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
from django.test import override_settings

from umis.core.constants import OfficeKind, Role
from umis.core.demo_users import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DemoUsersRefused,
    demo_users_ensure,
)
from umis.core.models import AuditEntry, Office, User

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
