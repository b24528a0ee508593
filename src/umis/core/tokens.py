"""Personal API tokens: created and revoked by their owner (or an administrator), shown
once, stored as a SHA-256 hash, limited to scopes, every issue and revocation audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.core.audit import audit_record
from umis.core.constants import AuditAction, Role, TokenScope
from umis.core.errors import FieldError, Forbidden, NotFound, ValidationFailed
from umis.core.models import ApiToken, User
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


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token for a presented secret, or None (unknown, revoked, expired)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__office")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
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
