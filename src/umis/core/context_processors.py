from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from umis.core.permissions import Perm, has_perm


def umis(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    can = {p.name.lower(): has_perm(user, p) for p in Perm}  # type: ignore[arg-type]
    return {"site_name": settings.UMIS_SITE_NAME, "can": can}
