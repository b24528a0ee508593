"""Sign-in, sign-out and failed sign-in go to the audit log (receivers, not domain flow)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from umis.core.audit import audit_record
from umis.core.constants import AuditAction


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.SIGN_IN, object_type="core.user", object_id=user.pk)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user, action=AuditAction.SIGN_OUT, object_type="core.user", object_id=user.pk
        )


@receiver(user_login_failed)
def _sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    attempted = str(credentials.get("username") or credentials.get("email") or "?")[:150]
    audit_record(
        actor=None,
        actor_label=attempted,
        action=AuditAction.SIGN_IN_FAILED,
        object_type="core.user",
    )
