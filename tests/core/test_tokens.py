from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from umis.core.errors import Forbidden, ValidationFailed
from umis.core.models import ApiToken, AuditEntry
from umis.core.tokens import token_authenticate, token_create, token_revoke

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_authenticates(officer) -> None:
    token, secret = token_create(actor=officer, name="script", scopes=["persons:read"])
    assert secret.startswith("umis_") and secret not in token.key_hash
    assert token_authenticate(secret).pk == token.pk
    assert token_authenticate(secret + "x") is None
    assert AuditEntry.objects.filter(action="token_create", object_id=str(token.pk)).exists()


def test_revoked_and_expired_tokens_do_not_authenticate(officer) -> None:
    token, secret = token_create(actor=officer, name="a", scopes=["persons:read"])
    token_revoke(actor=officer, token_id=token.pk)
    assert token_authenticate(secret) is None
    assert AuditEntry.objects.filter(action="token_revoke").count() == 1
    token2, secret2 = token_create(actor=officer, name="b", scopes=["persons:read"])
    ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert token_authenticate(secret2) is None


def test_bad_token_requests_name_the_field(officer) -> None:
    with pytest.raises(ValidationFailed) as exc:
        token_create(actor=officer, name=" ", scopes=["persons:delete"])
    assert {e.field for e in exc.value.field_errors} == {"name", "scopes"}
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(officer, supervisor) -> None:
    token, _ = token_create(actor=officer, name="a", scopes=["persons:read"])
    with pytest.raises(Forbidden):
        token_revoke(actor=supervisor, token_id=token.pk)


def test_token_scope_limits_the_api(officer, person_payload) -> None:
    from django.test import Client

    _, secret = token_create(actor=officer, name="ro", scopes=["persons:read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/persons").status_code == 200
    response = client.post("/api/v1/persons", person_payload, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "persons:write" in response.json()["detail"]
