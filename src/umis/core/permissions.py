"""Who may do what: the one place where roles and offices meet actions.

`MATRIX` maps every action to the roles allowed to perform it; object rules (office scope)
are in `has_perm`. Views, API operations and selectors all call `require`/`has_perm`, and
tests/core/test_permission_matrix.py checks every page and endpoint against this table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext as _

from umis.core.constants import OfficeKind, Role
from umis.core.errors import Forbidden

if TYPE_CHECKING:
    from umis.core.models import User


class Perm(models.TextChoices):
    PUBLIC = "public"  # open to anyone, signed in or not (e.g. the deadline calculator)
    BACKOFFICE_ACCESS = "backoffice.access"
    PERSON_SEARCH = "person.search"
    PERSON_VIEW = "person.view"
    PERSON_CREATE = "person.create"
    PERSON_UPDATE = "person.update"
    DOCUMENT_FLAG = "document.flag"
    BORDER_EVENT_INGEST = "border.event_ingest"
    BORDER_CHECK = "border.check"
    REGISTRATION_MANAGE = "registration.manage"
    STAY_RIGHTS_VIEW = "stay_rights.view"
    STAY_RIGHTS_MANAGE = "stay_rights.manage"
    WATCHLIST_VIEW = "watchlist.view"
    WATCHLIST_MANAGE = "watchlist.manage"
    ORGANISATION_VIEW = "organisation.view"
    ORGANISATION_MANAGE = "organisation.manage"
    AUDIT_SEARCH = "audit.search"
    REFERENCE_MANAGE = "reference.manage"
    TOKEN_MANAGE = "token.manage"
    ANALYTICS_VIEW = "analytics.view"
    # The one-stop-shop case engine (issue #4): officers work the cases assigned to them,
    # supervisors confirm decisions and reassign; both record fee payments at the counter.
    CASE_WORK = "case.work"
    CASE_SUPERVISE = "case.supervise"
    PAYMENT_RECORD = "payment.record"
    PERMIT_REVOKE = "permit.revoke"
    # Identity resolution (issue #5): officers review duplicates and merge records; a
    # merge touching a decision is confirmed by a CASE_SUPERVISE holder (four eyes).
    PERSON_MERGE = "person.merge"
    # Any signed-in public account applies for itself (or, as an employer's member, for
    # the organisation's employees): held through the account, never through a role.
    CASE_APPLY = "case.apply"
    # Host accounts (public, no role) registering guests for their organisation: held
    # through an active registry.OrganisationMember link, never through a role.
    HOST_REGISTER = "host.register"


_ALL_STAFF = frozenset(Role)
_CASEWORK = frozenset({Role.OFFICER, Role.SUPERVISOR})

MATRIX: dict[Perm, frozenset[Role]] = {
    Perm.PUBLIC: _ALL_STAFF,
    Perm.BACKOFFICE_ACCESS: _ALL_STAFF,
    # Border officers look people up at the border; analysts see statistics, not records;
    # administrators run the system and the audit log but do not read personal records.
    Perm.PERSON_SEARCH: _CASEWORK | {Role.BORDER_OFFICER},
    Perm.PERSON_VIEW: _CASEWORK | {Role.BORDER_OFFICER},
    Perm.PERSON_CREATE: _CASEWORK,
    Perm.PERSON_UPDATE: _CASEWORK,
    Perm.DOCUMENT_FLAG: _CASEWORK | {Role.BORDER_OFFICER},
    # Hosts and employers: registered and corrected at the counter; border officers look
    # them up (who invited or employs a traveller).
    # Entry/exit events come from the border entry-exit system (its client acts as a
    # border officer until agency clients land) and create provisional persons.
    Perm.BORDER_EVENT_INGEST: frozenset({Role.BORDER_OFFICER}),
    Perm.BORDER_CHECK: frozenset({Role.BORDER_OFFICER, Role.SUPERVISOR}),
    # Entry bans are decided by supervisors; lost/stolen document lists are loaded by the
    # border service's systems; everyone who checks people at the counter or border sees them.
    # Place-of-stay registration at the counter (hosts register online once host accounts
    # exist).
    Perm.REGISTRATION_MANAGE: _CASEWORK,
    # Visas, e-visas and permit periods: seen by whoever checks stays; recorded at the
    # counter and by the visa-issuing systems (their client acts as an officer).
    Perm.STAY_RIGHTS_VIEW: _CASEWORK | {Role.BORDER_OFFICER},
    Perm.STAY_RIGHTS_MANAGE: _CASEWORK,
    Perm.WATCHLIST_VIEW: _CASEWORK | {Role.BORDER_OFFICER},
    Perm.WATCHLIST_MANAGE: frozenset({Role.SUPERVISOR, Role.BORDER_OFFICER}),
    Perm.ORGANISATION_VIEW: _CASEWORK | {Role.BORDER_OFFICER},
    Perm.ORGANISATION_MANAGE: _CASEWORK,
    Perm.AUDIT_SEARCH: frozenset({Role.ADMINISTRATOR}),
    Perm.REFERENCE_MANAGE: frozenset({Role.ADMINISTRATOR}),
    Perm.TOKEN_MANAGE: _ALL_STAFF,
    Perm.ANALYTICS_VIEW: frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR}),
    Perm.CASE_WORK: _CASEWORK,
    Perm.CASE_SUPERVISE: frozenset({Role.SUPERVISOR}),
    Perm.PAYMENT_RECORD: _CASEWORK,
    Perm.PERMIT_REVOKE: frozenset({Role.SUPERVISOR}),
    Perm.PERSON_MERGE: _CASEWORK,
    Perm.CASE_APPLY: frozenset(),
    # No staff role acts as a host: officers register guests with REGISTRATION_MANAGE.
    Perm.HOST_REGISTER: frozenset(),
}

# What a public account may do while it is an active member of at least one host
# organisation (for which organisation: `require_host`). Hosts' property-management
# systems call the API with the host's own personal tokens, hence TOKEN_MANAGE.
HOST_MEMBER_PERMS = frozenset({Perm.HOST_REGISTER, Perm.TOKEN_MANAGE})

# Office-scoped actions: the object's responsible office must be the actor's, unless the
# actor works at headquarters (national competence) or the object has no office yet.
OFFICE_SCOPED = frozenset(
    {Perm.PERSON_UPDATE, Perm.CASE_WORK, Perm.CASE_SUPERVISE, Perm.PAYMENT_RECORD}
)


def role_of(actor: User | None) -> Role | None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    try:
        return Role(actor.role)
    except ValueError:
        return None


def host_organisation_ids(actor: User | None) -> list[Any]:
    """The host organisations a public account acts for (active links only); none for
    staff, anonymous and inactive users."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not actor.is_active
        or actor.role
    ):
        return []
    from django.apps import apps  # core must not import the registry at module level

    member = apps.get_model("registry", "OrganisationMember")
    return list(
        member.objects.filter(
            user_id=actor.pk, is_active=True, organisation__is_host=True
        ).values_list("organisation_id", flat=True)
    )


def is_host_member(actor: User | None, organisation_id: Any) -> bool:
    return any(str(o) == str(organisation_id) for o in host_organisation_ids(actor))


def require_host(actor: User | None, organisation_id: Any) -> None:
    """The actor is an active member of this host organisation (Perm.HOST_REGISTER)."""
    if not is_host_member(actor, organisation_id):
        raise Forbidden(_("You do not act for this host; ask the migration service for access."))


def has_perm(actor: User | None, perm: Perm, obj: Any = None) -> bool:
    role = role_of(actor)
    if role is None and perm in HOST_MEMBER_PERMS:
        return bool(host_organisation_ids(actor))
    if perm == Perm.CASE_APPLY:
        return (
            actor is not None
            and getattr(actor, "is_authenticated", False)
            and actor.is_active
            and not actor.role
        )
    if role is None or role not in MATRIX[perm]:
        return False
    if perm in OFFICE_SCOPED and obj is not None:
        assert actor is not None
        office_id = getattr(obj, "office_id", None)
        if office_id is None:
            return True
        actor_office = actor.office
        if actor_office is not None and actor_office.kind == OfficeKind.HEADQUARTERS:
            return True
        return office_id == actor.office_id
    return True


def require(actor: User | None, perm: Perm, obj: Any = None) -> None:
    if not has_perm(actor, perm, obj):
        raise Forbidden(
            _("Your role does not allow '%(permission)s' here.") % {"permission": perm.value}
        )
