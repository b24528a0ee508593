"""JSON over HTTP with signed requests: the protocol every UMIS adapter speaks.

A request carries three headers::

    X-UMIS-Client:    <client id issued to UMIS by the other system>
    X-UMIS-Timestamp: <unix seconds>
    X-UMIS-Signature: hex(HMAC-SHA256(secret,
                          METHOD + "\\n" + path + "\\n" + timestamp + "\\n" + sha256hex(body)))

``path`` is the request target exactly as sent in the request line, query string
included, so neither the path nor the query can be changed in transit. The receiver
accepts timestamps within ±300 s of its own clock (``signature_verify``).

Failures are split by what the caller should do: ``AdapterUnavailable`` (connection
refused, timeout, 5xx, a reply that is not the protocol) means "try again later";
``AdapterRejected`` (a 4xx other than 404) means the request itself or UMIS's credentials
are wrong and repeating it will not help. A 404 is an answer, not an error: the adapter
decides what it means. The client never retries by itself; the callers' tasks do.

Only the standard library is used (``http.client``), so adapters add no dependency.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json as jsonlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

__all__ = [
    "HEADER_CLIENT",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "SIGNATURE_WINDOW_SECONDS",
    "AdapterError",
    "AdapterRejected",
    "AdapterUnavailable",
    "InvalidField",
    "JsonHttpClient",
    "JsonResponse",
    "SignatureError",
    "body_digest",
    "request_signature",
    "setting_required",
    "signature_headers",
    "signature_verify",
]

logger = logging.getLogger(__name__)

HEADER_CLIENT = "X-UMIS-Client"
HEADER_TIMESTAMP = "X-UMIS-Timestamp"
HEADER_SIGNATURE = "X-UMIS-Signature"
SIGNATURE_WINDOW_SECONDS = 300
# Replies of the registries are small JSON documents; a larger one is a broken peer and
# must not be read into memory.
MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "UMIS-exchange/1"


# --------------------------------------------------------------------------- errors


class AdapterError(Exception):
    """A call to an external system failed; ``system`` names it (e.g. "tax_registry")."""

    def __init__(self, system: str, message: str) -> None:
        super().__init__(message)
        self.system = system


class AdapterUnavailable(AdapterError):
    """The system could not answer now (refused, timed out, 5xx, broken reply): retry later.

    ``retry_after`` is the delay in seconds the system asked for (``Retry-After``), if any.
    """

    def __init__(self, system: str, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(
            system,
            _("%(system)s is unavailable: %(reason)s") % {"system": system, "reason": reason},
        )
        self.reason = reason
        self.retry_after = retry_after


class AdapterRejected(AdapterError):
    """The system refused the request (4xx other than 404): retrying will not help."""

    def __init__(self, system: str, status: int, detail: str) -> None:
        super().__init__(
            system,
            _("%(system)s rejected the request (HTTP %(status)s): %(detail)s")
            % {"system": system, "status": status, "detail": detail},
        )
        self.status = status
        self.detail = detail


class InvalidField(ValueError):
    """Bad input to an adapter, caught before any request: ``field`` names it and
    ``message`` says why (``str()`` gives "field: message")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SignatureError(Exception):
    """A request's signature headers are missing, stale or wrong; the message says which."""


# --------------------------------------------------------------------------- signatures


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def request_signature(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of the canonical request (see the module docstring)."""
    message = "\n".join((method.upper(), path, timestamp, body_digest(body)))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signature_headers(
    *,
    client_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    now: float | None = None,
) -> dict[str, str]:
    """The three signature headers for a request to ``path`` (the request target)."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        HEADER_CLIENT: client_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: request_signature(secret, method, path, timestamp, body),
    }


def signature_verify(
    *,
    secret: str,
    method: str,
    path: str,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    now: float | None = None,
    window: int = SIGNATURE_WINDOW_SECONDS,
) -> None:
    """Check a request's signature; raise ``SignatureError`` saying what is wrong.

    The timestamp must be integer unix seconds within ``window`` seconds of ``now`` (either
    side: clocks drift both ways), which bounds how long a captured request can be replayed.
    """
    if not timestamp:
        raise SignatureError(f"{HEADER_TIMESTAMP} header is missing")
    if not signature:
        raise SignatureError(f"{HEADER_SIGNATURE} header is missing")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise SignatureError(f"{HEADER_TIMESTAMP} must be integer unix seconds")
    skew = int(timestamp) - (time.time() if now is None else now)
    if abs(skew) > window:
        raise SignatureError(
            f"{HEADER_TIMESTAMP} is {abs(skew):.0f} s {'ahead' if skew > 0 else 'behind'}; "
            f"at most {window} s are accepted"
        )
    expected = request_signature(secret, method, path, timestamp, body)
    # Constant time, so the signature cannot be guessed byte by byte from response times.
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise SignatureError(f"{HEADER_SIGNATURE} does not match the request")


# --------------------------------------------------------------------------- client


@dataclass(frozen=True)
class JsonResponse:
    status: int
    data: Any  # the decoded JSON body; None if the body was empty or (for 404) not JSON
    headers: Mapping[str, str] = field(default_factory=dict)


class JsonHttpClient:
    """Signed JSON requests to one system at ``base_url`` (http or https, optionally with
    a path prefix, e.g. ``https://api.tax.gov.az/umis``).

    ``timeout`` (seconds) bounds the connection and every wait for data, as in
    ``requests``; one request therefore waits at most about that long for a silent peer.
    """

    def __init__(
        self, *, system: str, base_url: str, client_id: str, secret: str, timeout: float
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                _("base_url: %(url)r is not an http(s) URL with a host") % {"url": base_url}
            )
        if parts.query or parts.fragment:
            raise ValueError(
                _("base_url: %(url)r must not have a query or fragment") % {"url": base_url}
            )
        if not client_id:
            raise ValueError(_("client_id: must not be empty"))
        if not secret:
            raise ValueError(_("secret: must not be empty"))
        if not timeout > 0:
            raise ValueError(_("timeout: must be a positive number of seconds"))
        self.system = system
        self.base_url = base_url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._client_id = client_id
        self._secret = secret
        self.timeout = float(timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        query: Mapping[str, str] | None = None,
    ) -> JsonResponse:
        """Send one signed request; return the response for 2xx and 404.

        Raises ``AdapterUnavailable`` or ``AdapterRejected`` as described in the module
        docstring.
        """
        method = method.upper()
        target = self._prefix + path
        if query:
            target += "?" + urlencode(query)
        body = b"" if json is None else jsonlib.dumps(json, ensure_ascii=False).encode()
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "Content-Length": str(len(body)),
            **signature_headers(
                client_id=self._client_id,
                secret=self._secret,
                method=method,
                path=target,
                body=body,
            ),
        }
        if json is not None:
            headers["Content-Type"] = "application/json"
        connection_class = (
            http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        )
        connection = connection_class(self._host, self._port, timeout=self.timeout)
        started = time.monotonic()
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read(MAX_RESPONSE_BYTES + 1)
            status = response.status
            response_headers = {k.lower(): v for k, v in response.getheaders()}
        except TimeoutError:
            raise self._unavailable(_("no answer within %(s)s s") % {"s": self.timeout}) from None
        except (OSError, http.client.HTTPException) as exc:
            # Refused, reset, unreachable, DNS or TLS failure, a malformed status line.
            raise self._unavailable(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
        logger.debug(
            "%s %s -> %s in %.0f ms",
            self.system,
            method,
            status,
            (time.monotonic() - started) * 1000,
        )
        if len(raw) > MAX_RESPONSE_BYTES:
            raise self._unavailable(
                _("response larger than %(n)s bytes") % {"n": MAX_RESPONSE_BYTES}
            )
        if status >= 500:
            raise self._unavailable(
                f"HTTP {status}: {_detail(raw)}",
                retry_after=_retry_after(response_headers.get("retry-after")),
            )
        if status == 404:
            return JsonResponse(status, _json_or_none(raw), response_headers)
        if 400 <= status < 500:
            raise AdapterRejected(self.system, status, _detail(raw))
        if not 200 <= status < 300:
            raise self._unavailable(_("unexpected HTTP status %(status)s") % {"status": status})
        if not raw:
            return JsonResponse(status, None, response_headers)
        try:
            data = jsonlib.loads(raw)
        except ValueError:
            raise self._unavailable(_("the response is not JSON")) from None
        return JsonResponse(status, data, response_headers)

    def _unavailable(self, reason: str, *, retry_after: float | None = None) -> AdapterUnavailable:
        logger.warning("%s unavailable: %s", self.system, reason)
        return AdapterUnavailable(self.system, reason, retry_after=retry_after)


def _json_or_none(raw: bytes) -> Any:
    try:
        return jsonlib.loads(raw) if raw else None
    except ValueError:
        return None


def _detail(raw: bytes) -> str:
    """The ``detail`` (or ``title``) of a problem+json body, else the start of the text."""
    data = _json_or_none(raw)
    if isinstance(data, dict):
        for key in ("detail", "title"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
    text = raw[:200].decode("utf-8", "replace").strip()
    return text or _("no details given")


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in delay-seconds form; the HTTP-date form is ignored (callers have
    their own back-off)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def setting_required(name: str) -> str:
    """A connection setting of an adapter; empty means not configured (the production
    default: there is no safe default for a real system's address or secret)."""
    value = getattr(settings, name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} is not set (see docs/integrations.md)")
    return str(value)
