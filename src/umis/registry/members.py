"""Host accounts: public (non-staff) users acting for a host organisation on the portal
and the API (registry.OrganisationMember).

An officer grants access with an e-mail address: the account is created if needed (no
staff role, no usable password) and receives an e-mail with a link to set its password
(allauth's password-reset key, so it works with any e-mail backend). Revoking keeps the
link as history (is_active False). A staff account can never be a host account: the two
audiences are kept apart. Every grant and revocation is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from umis.core.models import User
from umis.core.permissions import Perm, require
from umis.registry.models import Organisation, OrganisationMember


def _email(raw: str) -> str:
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            [FieldError("email", "invalid_email", _("Enter a valid e-mail address."))]
        ) from exc
    return email


def _host_user(actor: User, email: str) -> tuple[User, bool]:
    user = (
        User.objects.select_for_update()
        .filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("date_joined")
        .first()
    )
    if user is not None:
        if user.role:
            raise ValidationFailed(
                [
                    FieldError(
                        "email",
                        "staff_account",
                        _("This e-mail belongs to a staff account; use another address."),
                    )
                ]
            )
        return user, False
    try:
        with transaction.atomic():
            user = User(username=email, email=email, role="")
            user.set_unusable_password()
            user.save()
    except IntegrityError as exc:  # the same address granted concurrently
        raise Conflict("duplicate_account", _("The account is being created; try again.")) from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="core.user",
        object_id=user.pk,
        changes={"username": [None, email], "kind": [None, "host account"]},
    )
    return user, True


@transaction.atomic
def host_access_grant(
    *, actor: User, organisation_id: uuid.UUID | str, email: str
) -> OrganisationMember:
    """Let the account with this e-mail act for the host (created if needed); it is sent
    an e-mail to set its password (or, if it has one, to say it has access)."""
    require(actor, Perm.ORGANISATION_MANAGE)
    organisation = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("Organisation", _("Organisation not found"))
    if not organisation.is_host:
        raise ValidationFailed(
            [
                FieldError(
                    "organisation",
                    "not_a_host",
                    _("Only organisations registered as hosts get portal access."),
                )
            ]
        )
    user, _created = _host_user(actor, _email(email))
    member = OrganisationMember.objects.filter(user=user, organisation=organisation).first()
    if member is not None and member.is_active:
        raise Conflict("already_member", _("This account already has access to this host."))
    if member is None:
        member = OrganisationMember.objects.create(
            user=user, organisation=organisation, added_by=actor
        )
        action = AuditAction.CREATE
    else:
        member.is_active, member.added_by, member.added_at = True, actor, timezone.now()
        member.revoked_by, member.revoked_at = None, None
        member.save()
        action = AuditAction.UPDATE
    audit_record(
        actor=actor,
        action=action,
        object_type="registry.organisationmember",
        object_id=member.pk,
        changes={
            "user": [None, str(user.pk)],
            "organisation": [None, str(organisation.pk)],
            "is_active": [None if action == AuditAction.CREATE else False, True],
        },
    )
    context = _invitation(user, organisation)
    language = user.preferred_language or translation.get_language() or "az"
    transaction.on_commit(lambda: _send_invitation(user.email, language, context))
    return member


@transaction.atomic
def host_access_revoke(*, actor: User, member_id: int) -> OrganisationMember:
    require(actor, Perm.ORGANISATION_MANAGE)
    member = OrganisationMember.objects.select_for_update().filter(pk=member_id).first()
    if member is None:
        raise NotFound("Organisation member", _("No such access."))
    if member.is_active:
        member.is_active, member.revoked_by, member.revoked_at = False, actor, timezone.now()
        member.save(update_fields=["is_active", "revoked_by", "revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="registry.organisationmember",
            object_id=member.pk,
            changes={"is_active": [True, False]},
        )
    return member


def host_members(*, actor: User, organisation_id: uuid.UUID | str) -> list[OrganisationMember]:
    """Who has (had) portal access for the organisation, active first."""
    require(actor, Perm.ORGANISATION_VIEW)
    return list(
        OrganisationMember.objects.filter(organisation_id=organisation_id)
        .select_related("user", "added_by")
        .order_by("-is_active", "user__email", "id")
    )


def host_organisations(*, actor: User) -> list[Organisation]:
    """The host organisations the signed-in account acts for (the portal's host area)."""
    if not actor.is_authenticated or actor.role:
        return []
    return list(
        Organisation.objects.filter(
            members__user=actor, members__is_active=True, is_host=True
        ).select_related("region", "city")
    )


def _invitation(user: User, organisation: Organisation) -> dict[str, Any]:
    """The access e-mail's links, made while the officer's request is current (its host
    name is the one the host can reach): a set-password link (allauth's password-reset
    key) when the account has no password yet, and the sign-in page."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from allauth.core import context as allauth_context
    from django.urls import reverse

    request = allauth_context.request

    def absolute(path: str) -> str:
        # Without a request (a shell, a script) the link is relative: still a valid path.
        return request.build_absolute_uri(path) if request is not None else path

    reset = ""
    if not user.has_usable_password():
        key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
        reset = absolute(
            reverse(
                "account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"}
            ).replace("UID-KEY", key)
        )
    return {
        "user": user,
        "organisation": organisation,
        "password_reset_url": reset,
        "login_url": absolute(reverse("account_login")),
    }


def _send_invitation(email: str, language: str, context: dict[str, Any]) -> None:
    # Plain Django e-mail (not allauth's adapter, which needs the request for the site
    # name): this runs after the commit, perhaps outside any request.
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    with translation.override(language):
        subject = " ".join(
            render_to_string("portal/email/host_access_subject.txt", context).split()
        )
        body = render_to_string("portal/email/host_access_message.txt", context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email]).send()
