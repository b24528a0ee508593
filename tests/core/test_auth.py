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


def test_signed_in_pages_are_not_cacheable_and_carry_a_request_id(
    officer: Any, session_client: Any
) -> None:
    response = session_client(officer).get("/office/", HTTP_X_REQUEST_ID="trace-42")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Request-ID"] == "trace-42"
    public = Client().get("/")
    assert "no-store" not in public.get("Cache-Control", "")
    assert len(public["X-Request-ID"]) == 32


def test_audit_entries_carry_the_request_id_and_client_address(
    officer: Any, token_client: Any
) -> None:
    api = token_client(officer)
    api.get("/api/v1/persons?name=Quliyev", HTTP_X_REQUEST_ID="req-7", REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.filter(action="search").latest("id")
    assert (entry.request_id, entry.ip) == ("req-7", "10.1.2.3")
    assert entry.actor_kind == "token" and "token" in entry.actor_label
    # Which filters were used, never the values searched for.
    assert entry.changes["filters"] == [None, ["name"]]
    assert "Quliyev" not in str(entry.changes)
