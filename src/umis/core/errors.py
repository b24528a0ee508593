"""Application errors: raised by services with a stable `code`, mapped once to RFC 9457
problem+json (core/api.py) and to form errors in the UI."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class ApplicationError(Exception):
    code: str
    detail: str
    status: int = 400
    field_errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class ValidationFailed(ApplicationError):
    def __init__(self, field_errors: list[FieldError], detail: str = "") -> None:
        super().__init__(
            code="validation_failed",
            detail=detail or "; ".join(f"{e.field}: {e.message}" for e in field_errors),
            status=422,
            field_errors=list(field_errors),
        )


def invalid(field_name: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed([FieldError(field_name, code, message)])


class NotFound(ApplicationError):
    """`what` names the missing object (English, also the fallback message); pass a
    translated `detail` ("Person not found") so the message reads well in every language."""

    def __init__(self, what: str, detail: str = "") -> None:
        super().__init__(
            code="not_found",
            detail=detail or _("%(what)s not found") % {"what": what},
            status=404,
        )


class Forbidden(ApplicationError):
    def __init__(self, detail: str = "") -> None:
        super().__init__(
            code="forbidden", detail=detail or _("You are not allowed to do this."), status=403
        )


class Conflict(ApplicationError):
    def __init__(self, code: str, detail: str, **extra: object) -> None:
        super().__init__(code=code, detail=detail, status=409, extra=dict(extra))


class PayloadTooLarge(ApplicationError):
    def __init__(self, field_name: str, detail: str) -> None:
        super().__init__(
            code="payload_too_large",
            detail=detail,
            status=413,
            field_errors=[FieldError(field_name, "too_large", detail)],
        )
