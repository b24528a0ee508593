"""Personal API tokens: created and revoked by their owner (or an administrator), shown
once, stored as a SHA-256 hash, limited to scopes, every issue and revocation audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.core.audit import audit_record
from umis.core.constants import AuditAction, Role, TokenScope
from umis.core.db import hot_cursor
from umis.core.errors import FieldError, Forbidden, NotFound, ValidationFailed
from umis.core.models import ApiToken, Office, User
from umis.core.permissions import Perm, require

TOKEN_PREFIX = "umis_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *, actor: User, name: str, scopes: list[str], expires_in_days: int | None = 90
) -> tuple[ApiToken, str]:
    require(actor, Perm.TOKEN_MANAGE)
    errors = []
    name = name.strip()
    if not name:
        errors.append(FieldError("name", "required", _("Give the token a name.")))
    valid = {s.value for s in TokenScope}
    bad = [s for s in scopes if s not in valid]
    if bad or not scopes:
        errors.append(
            FieldError(
                "scopes",
                "invalid",
                _("Choose one or more of %(scopes)s; unknown: %(unknown)s")
                % {"scopes": sorted(valid), "unknown": bad},
            )
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        errors.append(
            FieldError("expires_in_days", "out_of_range", _("A token lives 1 to 366 days."))
        )
    if errors:
        raise ValidationFailed(errors)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=prefix,
            key_hash=_hash(secret),
            scopes=sorted(set(scopes)),
            expires_at=(timezone.now() + dt.timedelta(days=expires_in_days))
            if expires_in_days
            else None,
        )
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_CREATE,
            object_type="core.apitoken",
            object_id=token.pk,
            changes={"name": [None, name], "scopes": [None, token.scopes]},
        )
    return token, secret


def token_revoke(*, actor: User, token_id: uuid.UUID) -> ApiToken:
    require(actor, Perm.TOKEN_MANAGE)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise NotFound("API token", _("API token not found"))
        if token.user_id != actor.pk and actor.role != Role.ADMINISTRATOR:
            raise Forbidden(_("You can revoke only your own tokens."))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action=AuditAction.TOKEN_REVOKE,
                object_type="core.apitoken",
                object_id=token.pk,
            )
    return token


_MODELS: tuple[tuple[str, type[Model]], ...] = (("t", ApiToken), ("u", User), ("o", Office))
_COLUMNS = ", ".join(f"{a}.{f.column}" for a, m in _MODELS for f in m._meta.concrete_fields)
# Table and column names from the models, never from input.
_AUTHENTICATE = (
    f"SELECT {_COLUMNS} FROM core_apitoken t JOIN core_user u ON u.id = t.user_id "  # noqa: S608
    "LEFT JOIN core_office o ON o.id = u.office_id "
    "WHERE t.key_hash = %s AND t.revoked_at IS NULL"
)
_converters: dict[str, list[tuple[Any, list[Any]]]] = {}


def _row_converters() -> list[tuple[Any, list[Any]]]:
    """What the ORM applies to each column of the row (column, converters), per vendor."""
    if connection.vendor not in _converters:
        columns = [f.get_col(a) for a, m in _MODELS for f in m._meta.concrete_fields]
        _converters[connection.vendor] = [
            (col, connection.ops.get_db_converters(col) + col.field.get_db_converters(connection))
            for col in columns
        ]
    return _converters[connection.vendor]


def _token_lookup(key_hash: str) -> ApiToken | None:
    """The live token with its user and office, as select_related would load them: one
    hand-written query, because it runs on every API request and the ORM's compilation of
    a two-join query costs more than the query itself."""
    with hot_cursor() as cursor:
        cursor.execute(_AUTHENTICATE, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, (column, converters) in enumerate(_row_converters()):
        for convert in converters:
            values[i] = convert(values[i], column, connection)
    instances = []
    start = 0
    for _alias, model in _MODELS:
        fields = model._meta.concrete_fields
        chunk = values[start : start + len(fields)]
        start += len(fields)
        instances.append(
            model.from_db(connection.alias, [f.attname for f in fields], chunk)
            if chunk[0] is not None
            else None
        )
    token, user, office = instances
    assert isinstance(token, ApiToken) and isinstance(user, User)
    User._meta.get_field("office").set_cached_value(user, office)  # type: ignore[union-attr]
    ApiToken._meta.get_field("user").set_cached_value(token, user)  # type: ignore[union-attr]
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token for a presented secret, or None (unknown, revoked, expired)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = _token_lookup(_hash(raw))
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # Touch at most once a minute: a busy script must not turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_list(*, actor: User) -> list[ApiToken]:
    require(actor, Perm.TOKEN_MANAGE)
    return list(ApiToken.objects.filter(user=actor).order_by("-created_at"))
