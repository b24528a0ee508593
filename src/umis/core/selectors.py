"""Reads of core data: the audit log for administrators."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q, QuerySet

from umis.core.models import AuditEntry, City, Region, User
from umis.core.pagination import Page, paginate
from umis.core.permissions import Perm, require


def audit_search(
    *,
    actor: User,
    actor_label: str = "",
    action: str = "",
    object_id: str = "",
    person_id: uuid.UUID | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[AuditEntry]:
    require(actor, Perm.AUDIT_SEARCH)
    qs: QuerySet[AuditEntry] = AuditEntry.objects.all()
    if actor_label:
        qs = qs.filter(actor_label__istartswith=actor_label)
    if action:
        qs = qs.filter(action=action)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return paginate(qs.order_by("-at", "-id"), page, page_size)


def place_names(kind: str, keys: set[str]) -> dict[str, str]:
    """Names of regions or cities (kind "region" | "city") by id or code, one query:
    history entries hold ids, older ones codes."""
    if not keys:
        return {}
    model: type[Region] | type[City] = Region if kind == "region" else City
    ids = [int(k) for k in keys if k.isdigit()]
    names: dict[str, str] = {}
    for place in model.objects.filter(Q(pk__in=ids) | Q(code__in=keys)):
        names[str(place.pk)] = place.name
        names[place.code] = place.name
    return names
