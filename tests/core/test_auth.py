"""Staff sign-in end to end through allauth: password, second factor, lock-out, sign-out
that ends the session on the server, and the audit trail of it all."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from tests.conftest import PASSWORD, totp_now

from umis.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _password(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"login": username, "password": password})


def test_sign_in_needs_the_second_factor(officer: Any) -> None:
    client = Client()
    response = _password(client, officer.username, PASSWORD)
    assert response.status_code == 302 and "/accounts/2fa/authenticate" in response["Location"]
    assert client.get("/office/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    done = client.post("/accounts/2fa/authenticate/", {"code": totp_now()})
    assert done.status_code == 302
    assert client.get("/office/").status_code == 200
    assert AuditEntry.objects.filter(action="sign_in", actor=officer).exists()


def test_five_failed_passwords_lock_the_account(officer: Any) -> None:
    for _ in range(5):
        assert _password(Client(), officer.username, "wrong-password").status_code == 200
    locked = _password(Client(), officer.username, PASSWORD)
    assert locked.status_code in {200, 429}
    assert "/accounts/2fa/" not in locked.get("Location", "")
    assert (
        AuditEntry.objects.filter(action="sign_in_failed", actor_label=officer.username).count()
        >= 5
    )


def test_sign_out_ends_the_session_on_the_server(officer: Any) -> None:
    client = Client()
    _password(client, officer.username, PASSWORD)
    client.post("/accounts/2fa/authenticate/", {"code": totp_now()})
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # The old cookie is worthless now, even if someone kept a copy.
    thief = Client()
    thief.cookies["umis_session"] = key
    assert thief.get("/office/").status_code == 302
    assert AuditEntry.objects.filter(action="sign_out", actor=officer).exists()


def test_session_cookie_settings(settings: Any) -> None:
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
