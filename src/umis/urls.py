from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from umis.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("umis.portal.urls")),
    path("office/", include("umis.backoffice.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
# Uploaded files (photos) are personal data: they are never served from a public media
# URL, only through views that check permission and write the audit log.


def _healthz(request):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns.append(path("healthz", _healthz))
