"""API wiring shared by every router: authentication for each audience, scopes, and the
single mapping of errors to RFC 9457 problem+json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth
from ninja.security.http import HttpAuthBase

from umis.core import context
from umis.core.auth import staff_has_mfa
from umis.core.errors import ApplicationError, Forbidden
from umis.core.tokens import token_authenticate

if TYPE_CHECKING:
    from umis.core.models import User

PROBLEM = "application/problem+json"


class StaffSession(SessionAuth):
    """The back office's own session (CSRF-checked). Staff only, second factor enrolled."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF protects what the browser's session cookie authorises. Without that cookie
        # (a script with a personal token) there is nothing to protect, and checking would
        # refuse every token POST before the token is even looked at.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = request.user
        if user.is_authenticated and getattr(user, "role", None) and staff_has_mfa(user):
            request.api_scopes = None  # type: ignore[attr-defined]  # session: role decides
            return user
        return None


class PersonalToken(HttpAuthBase):
    """`Authorization: Bearer umis_…` personal API tokens, limited to their scopes."""

    openapi_scheme = "bearer"
    header = "Authorization"

    def __call__(self, request: HttpRequest) -> Any:
        # Not ninja's HttpBearer: that one logs the raw header (the secret) in DEBUG.
        value = request.headers.get(self.header, "")
        scheme, _sep, raw = value.partition(" ")
        if scheme.lower() != "bearer" or not raw:
            return None
        token = token_authenticate(raw.strip())
        if token is None:
            return None
        request.api_scopes = frozenset(token.scopes)  # type: ignore[attr-defined]
        request.api_token = token  # type: ignore[attr-defined]
        context.update(token_prefix=token.prefix)
        return token.user


STAFF_AUTH = [StaffSession(), PersonalToken()]


def needs(perm: Any) -> dict[str, Any]:
    """Operation metadata naming the permission it requires (shown in the OpenAPI
    description; the role-matrix test reads it)."""
    return {"x-umis-permission": str(perm.value if hasattr(perm, "value") else perm)}


def actor_of(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by the auth classes above)."""
    return cast("User", request.auth)  # type: ignore[attr-defined]


def require_scope(request: HttpRequest, scope: str) -> None:
    scopes = getattr(request, "api_scopes", None)
    if scopes is not None and scope not in scopes:
        raise Forbidden(_("This token lacks the scope '%(scope)s'.") % {"scope": scope})


def problem(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    detail: str,
    code: str,
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> HttpResponse:
    import json

    body: dict[str, Any] = {
        "type": f"https://umis.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=PROBLEM
    )


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Payload too large",
    422: "Unprocessable content",
    429: "Too many requests",
}


def _loc_to_field(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    # ninja puts the parameter source first ("body", "query", "path") then the payload
    # name; clients want the field path inside their payload.
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "filters"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


class UmisAPI(NinjaAPI):
    """Declares error responses as application/problem+json, which is what they are."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(code)[0] in "45" and "application/json" in content:
                        response["content"] = {PROBLEM: content["application/json"]}
        return schema


def build_api() -> NinjaAPI:
    api = UmisAPI(
        title="UMIS API",
        version="1.0.0",
        description=(
            "Unified Migration Information System. Errors are RFC 9457 problem+json with a "
            "list of field errors. Staff use their browser session; scripts use a personal "
            "token (`Authorization: Bearer umis_…`) with scopes. Personal data is never put "
            "in URLs by the UI; send the purpose of a read in `X-UMIS-Purpose`."
        ),
        urls_namespace="api",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )

    @api.exception_handler(ApplicationError)
    def _app_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return problem(
            request,
            status=exc.status,
            title=_TITLES.get(exc.status, "Error"),
            detail=exc.detail,
            code=exc.code,
            errors=[e.as_dict() for e in exc.field_errors],
            **exc.extra,
        )

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {
                "field": _loc_to_field(e.get("loc", ())),
                "code": str(e.get("type", "invalid")),
                "message": str(e.get("msg", "invalid value")),
            }
            for e in exc.errors
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or _("invalid input")
        return problem(
            request,
            status=422,
            title=_TITLES[422],
            detail=detail,
            code="validation_failed",
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            request,
            status=401,
            title=_TITLES[401],
            code="not_authenticated",
            detail=_(
                "Sign in with a staff session (second factor enrolled) or "
                "send a valid personal API token."
            ),
            errors=[],
        )
        response["WWW-Authenticate"] = 'Bearer realm="umis"'
        return response

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(
            request,
            status=404,
            title=_TITLES[404],
            code="not_found",
            detail=str(exc) or _("Not found"),
            errors=[],
        )

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # Ninja's answer to a body that is not JSON: bad input like any other, so the
            # documented 422 naming the field.
            return problem(
                request,
                status=422,
                title=_TITLES[422],
                code="validation_failed",
                detail=_("The request body is not valid JSON."),
                errors=[
                    {
                        "field": "body",
                        "code": "invalid_json",
                        "message": _("The request body is not valid JSON."),
                    }
                ],
            )
        return problem(
            request,
            status=exc.status_code,
            title=_TITLES.get(exc.status_code, "Error"),
            code="http_error",
            detail=str(exc),
            errors=[],
        )

    if not settings.DEBUG:

        @api.exception_handler(Exception)
        def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
            import logging

            logging.getLogger("umis.api").exception("unhandled API error")
            return problem(
                request,
                status=500,
                title="Internal error",
                code="internal_error",
                detail=_("An unexpected error occurred; it has been logged with the request id."),
                errors=[],
                request_id=context.current().request_id,
            )

    from umis.border.api import router as border_router
    from umis.cases.api import router as cases_router
    from umis.core.api_routes import router as core_router
    from umis.identity.api import router as identity_router
    from umis.registry.api import router as registry_router
    from umis.registry.api_organisations import router as organisations_router
    from umis.stays.api import router as stays_router

    api.add_router("/", registry_router)
    api.add_router("/", organisations_router)
    api.add_router("/", border_router)
    api.add_router("/", stays_router)
    api.add_router("/", cases_router)
    api.add_router("/", identity_router)
    api.add_router("/", core_router)
    return api
