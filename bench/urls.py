"""UMIS's URLs plus `GET /bench/minimal?n=<document number>`: the baseline a benchmark
compares an endpoint with, served by the same server through the same middleware. It
does one indexed lookup and answers a tiny JSON. Only bench/settings.py routes here."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_GET

from umis.registry.models import IdentityDocument
from umis.urls import urlpatterns as umis_urlpatterns


@require_GET
def minimal(request: HttpRequest) -> JsonResponse:
    holder = (
        IdentityDocument.objects.filter(number=request.GET.get("n", ""))
        .values_list("person_id", flat=True)
        .first()
    )
    return JsonResponse({"person_id": str(holder) if holder else None})


urlpatterns: list[URLPattern | URLResolver] = [
    *umis_urlpatterns,
    path("bench/minimal", minimal, name="bench_minimal"),
]
