from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control, patch_vary_headers

from umis.core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

Handler = Callable[[HttpRequest], HttpResponse]


def client_ip(request: HttpRequest) -> str | None:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Give every request an id (echoed in X-Request-ID) and expose who/where for the
    audit log."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_context(
            context.RequestContext(
                ip=client_ip(request),
                request_id=request_id,
                purpose=request.headers.get("X-UMIS-Purpose", "")[:200],
                channel=channel,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset_context(token)
        response["X-Request-ID"] = request_id
        return response


_MFA_EXEMPT = ("/accounts/", "/static/", "/i18n/", "/api/", "/media/", "/healthz")


class StaffMFAMiddleware:
    """Staff must have a second factor: a signed-in staff user without one is sent to
    set up TOTP before anything else (the API refuses such users in its auth classes)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "role", "")
            and not request.path.startswith(_MFA_EXEMPT)
        ):
            from umis.core.auth import staff_has_mfa

            if not staff_has_mfa(user):
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Responses to signed-in users or API clients carry personal data: never cache them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
            patch_vary_headers(response, ["Cookie", "Authorization"])
        return response
