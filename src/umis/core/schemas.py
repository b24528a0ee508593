"""Schemas shared by every router: problem+json and safe text."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field


def _no_control_chars(value: str) -> str:
    # NUL and other control characters are never part of a name or address, and
    # PostgreSQL refuses NUL in text: reject them here with a clear 422.
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value) or "\x7f" in value:
        raise ValueError("must not contain control characters")
    return value


SafeStr = Annotated[str, AfterValidator(_no_control_chars)]


def text(max_length: int, **kw: object) -> object:
    return Field(max_length=max_length, **kw)  # type: ignore[call-overload]


# The deepest row a paged list serves: beyond it the database cannot even represent
# the offset (a 500 instead of a 422); anyone that deep needs a filter, not a page.
MAX_OFFSET = 1_000_000


class FieldErrorOut(Schema):
    field: str
    code: str
    message: str


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    errors: list[FieldErrorOut] = []


def errors(*codes: int) -> dict[int, type[ProblemOut]]:
    """Declared problem responses of an operation: 401, 403 and 422 (any parameter can be
    malformed) always apply."""
    return {c: ProblemOut for c in sorted({401, 403, 422, *codes})}
