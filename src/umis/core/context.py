"""Per-request context (client address, request id, purpose, token) for the audit log.

Set by RequestContextMiddleware for web requests; tasks and commands run with the default
(system) context or set one explicitly with `request_context(...)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""
    purpose: str = ""
    token_prefix: str = ""
    channel: str = "system"  # web | api | cli | task | system


_DEFAULT = RequestContext()  # frozen, so sharing it as the default is safe
_current: ContextVar[RequestContext] = ContextVar(
    "umis_request_context",
    default=_DEFAULT,
)


def current() -> RequestContext:
    return _current.get()


def set_context(ctx: RequestContext) -> object:
    return _current.set(ctx)


def reset_context(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def update(**changes: str | None) -> None:
    _current.set(replace(_current.get(), **changes))  # type: ignore[arg-type]


@contextlib.contextmanager
def request_context(**values: str | None) -> Iterator[RequestContext]:
    token = _current.set(replace(_current.get(), **values))  # type: ignore[arg-type]
    try:
        yield _current.get()
    finally:
        _current.reset(token)
