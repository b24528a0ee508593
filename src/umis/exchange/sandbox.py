"""A local stand-in for the tax registry and the SMS gateway, for the demo and the tests.

It speaks the real protocols (``umis.exchange.taxregistry``, ``umis.exchange.sms``) over
a real socket on one port, signature check included, so the adapters are exercised
exactly as against the real systems::

    GET  /health                    unsigned; {"status": "ok"}
    GET  /v1/taxpayers/{voen}       tax registry, from the seed (sandbox_taxpayers.json)
    POST /v1/messages               SMS gateway: stores the message, deduplicated by reference
    GET  /v1/messages[?to=+994...]  the messages this client sent, oldest first

Failure modes for the adapters' retry paths come from the seed: a VÖEN listed in
``unavailable`` answers 503, one in ``slow`` answers only after ``slow_seconds``.
Messages live in memory and are lost when the sandbox stops; nothing is ever delivered.

``start_sandbox()`` runs it in a daemon thread (tests); ``serve_forever()`` in the
foreground (``umis sandboxes``, started by ``umis serve`` for the demo).
"""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, unquote

from django.utils import translation

from umis.exchange.http import (
    HEADER_CLIENT,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    InvalidField,
    SignatureError,
    setting_required,
    signature_verify,
)
from umis.exchange.sms import SmsMessage, sms_message_checked, sms_recipient
from umis.exchange.taxregistry import TaxpayerStatus
from umis.registry.rules import voen_is_valid

__all__ = [
    "DEFAULT_SEED_PATH",
    "Sandbox",
    "SandboxSeed",
    "seed_load",
    "serve_forever",
    "start_sandbox",
]

logger = logging.getLogger(__name__)

DEFAULT_SEED_PATH = Path(__file__).with_name("sandbox_taxpayers.json")
MAX_BODY_BYTES = 64 * 1024
# What a 503 asks the caller to wait; the adapters' callers have their own back-off.
RETRY_AFTER_SECONDS = 30
_TAXPAYER_PATH = re.compile(r"/v1/taxpayers/([^/]+)")


# --------------------------------------------------------------------------- seed


@dataclass(frozen=True)
class SandboxSeed:
    taxpayers: Mapping[str, Mapping[str, Any]]  # VÖEN -> the registry's JSON answer
    unavailable: frozenset[str]
    slow: frozenset[str]
    slow_seconds: float


def seed_load(path: Path | str | None = None) -> SandboxSeed:
    """Read and check a seed file (default: the bundled one). A bad entry raises
    ``ValueError`` naming the file, the entry and the field."""
    source = Path(path) if path is not None else DEFAULT_SEED_PATH
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{source}: cannot read the sandbox seed: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("taxpayers"), list):
        raise ValueError(f"{source}: expected an object with a 'taxpayers' list")
    taxpayers: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(data["taxpayers"]):
        where = f"{source}: taxpayers[{index}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object")
        voen = entry.get("voen")
        if not isinstance(voen, str) or not voen_is_valid(voen):
            raise ValueError(f"{where}.voen: {voen!r} is not a valid VÖEN")
        if voen in taxpayers:
            raise ValueError(f"{where}.voen: {voen} is listed twice")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.name: must be a non-empty string")
        if entry.get("status") not in TaxpayerStatus.values:
            raise ValueError(
                f"{where}.status: {entry.get('status')!r} is not one of "
                f"{', '.join(TaxpayerStatus.values)}"
            )
        try:
            registered_on = date.fromisoformat(entry.get("registered_on", ""))
        except (TypeError, ValueError):
            raise ValueError(f"{where}.registered_on: must be a date (YYYY-MM-DD)") from None
        if not isinstance(entry.get("has_tax_debt"), bool):
            raise ValueError(f"{where}.has_tax_debt: must be true or false")
        taxpayers[voen] = {
            "voen": voen,
            "name": name,
            "status": entry["status"],
            "registered_on": registered_on.isoformat(),
            "has_tax_debt": entry["has_tax_debt"],
        }
    lists: dict[str, frozenset[str]] = {}
    for key in ("unavailable", "slow"):
        values = data.get(key, [])
        if not isinstance(values, list) or not all(
            isinstance(v, str) and voen_is_valid(v) for v in values
        ):
            raise ValueError(f"{source}: {key}: must be a list of valid VÖENs")
        lists[key] = frozenset(values)
    slow_seconds = data.get("slow_seconds", 10)
    if isinstance(slow_seconds, bool) or not isinstance(slow_seconds, int | float):
        raise ValueError(f"{source}: slow_seconds: must be a number")
    if slow_seconds < 0:
        raise ValueError(f"{source}: slow_seconds: must not be negative")
    return SandboxSeed(
        taxpayers=taxpayers,
        unavailable=lists["unavailable"],
        slow=lists["slow"],
        slow_seconds=float(slow_seconds),
    )


# --------------------------------------------------------------------------- server


class _State:
    def __init__(
        self,
        seed: SandboxSeed,
        tax_clients: Mapping[str, str],
        sms_clients: Mapping[str, str],
    ) -> None:
        self.seed = seed
        self.tax_clients = dict(tax_clients)
        self.sms_clients = dict(sms_clients)
        self.lock = threading.Lock()
        self.messages: list[tuple[str, SmsMessage]] = []  # (client id, message)
        self.by_reference: dict[tuple[str, str], SmsMessage] = {}
        # Set on stop, so a deliberately slow answer does not outlive the sandbox.
        self.stopping = threading.Event()


class _Problem(Exception):
    def __init__(
        self,
        status: HTTPStatus,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) leaves a closed socket behind: not an error.
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        logger.exception("sandbox: error while handling a request")


class _Server6(_Server):
    address_family = socket.AF_INET6


def _message_json(message: SmsMessage) -> dict[str, str]:
    return {
        "id": message.id,
        "to": message.to,
        "text": message.text,
        "reference": message.reference,
        "status": message.status,
        "received_at": message.received_at.isoformat(),
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "UMIS-sandbox/1"
    sys_version = ""

    @property
    def state(self) -> _State:
        return cast(_Server, self.server).state

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing ------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        # The sandbox plays a foreign system: its messages are English whatever
        # LANGUAGE_CODE says.
        with translation.override("en"):
            try:
                self._route(method)
            except _Problem as problem:
                self._send_problem(problem)

    def _route(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        if path == "/health":
            self._allow(method, ("GET",))
            self._send_json(HTTPStatus.OK, {"status": "ok"})
            return
        match = _TAXPAYER_PATH.fullmatch(path)
        if match:
            self._allow(method, ("GET",))
            body = self._read_body()
            self._authenticate(method, body, self.state.tax_clients)
            self._taxpayer(unquote(match.group(1)))
        elif path == "/v1/messages":
            self._allow(method, ("GET", "POST"))
            body = self._read_body()
            client = self._authenticate(method, body, self.state.sms_clients)
            if method == "POST":
                self._message_send(client, body)
            else:
                self._message_list(client, query)
        else:
            raise _Problem(HTTPStatus.NOT_FOUND, f"No resource at {path}.")

    def _allow(self, method: str, allowed: tuple[str, ...]) -> None:
        if method not in allowed:
            raise _Problem(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{method} is not allowed here.",
                headers={"Allow": ", ".join(allowed)},
            )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise _Problem(HTTPStatus.LENGTH_REQUIRED, "Send the body with a Content-Length.")
        raw = self.headers.get("Content-Length") or "0"
        if not raw.isdigit():
            raise _Problem(HTTPStatus.BAD_REQUEST, "Content-Length must be a number.")
        length = int(raw)
        if length > MAX_BODY_BYTES:
            raise _Problem(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The body exceeds {MAX_BODY_BYTES} bytes."
            )
        return self.rfile.read(length) if length else b""

    def _authenticate(self, method: str, body: bytes, clients: Mapping[str, str]) -> str:
        client = self.headers.get(HEADER_CLIENT)
        if not client:
            raise _Problem(HTTPStatus.UNAUTHORIZED, f"{HEADER_CLIENT} header is missing.")
        secret = clients.get(client)
        if secret is None:
            raise _Problem(HTTPStatus.UNAUTHORIZED, f"Unknown client {client!r}.")
        try:
            signature_verify(
                secret=secret,
                method=method,
                path=self.path,
                timestamp=self.headers.get(HEADER_TIMESTAMP),
                body=body,
                signature=self.headers.get(HEADER_SIGNATURE),
            )
        except SignatureError as exc:
            raise _Problem(HTTPStatus.UNAUTHORIZED, f"{exc}.") from None
        return client

    def _send_json(
        self,
        status: HTTPStatus,
        payload: Any,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_problem(self, problem: _Problem) -> None:
        payload = {
            "type": "about:blank",
            "title": problem.status.phrase,
            "status": int(problem.status),
            "detail": problem.detail,
            **problem.extra,
        }
        self._send_json(
            problem.status,
            payload,
            content_type="application/problem+json",
            headers=problem.headers,
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The query string may hold a phone number: log the path only.
        logger.info("%s %s %s", self.command, self.path.partition("?")[0], code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.warning("sandbox: " + format, *args)

    # -- tax registry --------------------------------------------------------------------

    def _taxpayer(self, voen: str) -> None:
        seed = self.state.seed
        if not voen_is_valid(voen):
            raise _Problem(HTTPStatus.BAD_REQUEST, f"{voen!r} is not a valid VÖEN.")
        if voen in seed.unavailable:
            raise _Problem(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "The taxpayer register is temporarily unavailable.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if voen in seed.slow and self.state.stopping.wait(seed.slow_seconds):
            return  # the sandbox is stopping: drop the answer
        taxpayer = seed.taxpayers.get(voen)
        if taxpayer is None:
            raise _Problem(HTTPStatus.NOT_FOUND, f"No taxpayer with VÖEN {voen}.")
        self._send_json(HTTPStatus.OK, dict(taxpayer))

    # -- SMS gateway ---------------------------------------------------------------------

    def _message_send(self, client: str, body: bytes) -> None:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type != "application/json":
            raise _Problem(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send application/json.")
        try:
            data = json.loads(body)
        except ValueError:
            raise _Problem(HTTPStatus.BAD_REQUEST, "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise _Problem(HTTPStatus.BAD_REQUEST, "The body must be a JSON object.")
        try:
            to, text, reference = sms_message_checked(
                to=data.get("to"), text=data.get("text"), reference=data.get("reference")
            )
        except InvalidField as exc:
            raise _Problem(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                str(exc),
                extra={"errors": [{"field": exc.field, "message": exc.message}]},
            ) from None
        state = self.state
        with state.lock:
            existing = state.by_reference.get((client, reference))
            if existing is None:
                message = SmsMessage(
                    id=f"msg_{uuid.uuid4().hex}",
                    to=to,
                    text=text,
                    reference=reference,
                    status="accepted",
                    received_at=datetime.now(UTC),
                )
                state.by_reference[(client, reference)] = message
                state.messages.append((client, message))
        if existing is None:
            self._send_json(HTTPStatus.CREATED, _message_json(message))
        elif (existing.to, existing.text) == (to, text):
            self._send_json(HTTPStatus.OK, _message_json(existing))
        else:
            raise _Problem(
                HTTPStatus.CONFLICT,
                f"Reference {reference!r} was already used for another message ({existing.id}).",
            )

    def _message_list(self, client: str, query: str) -> None:
        params = parse_qs(query, keep_blank_values=True)
        to: str | None = None
        if "to" in params:
            try:
                to = sms_recipient(params["to"][0])
            except InvalidField as exc:
                raise _Problem(HTTPStatus.BAD_REQUEST, str(exc)) from None
        with self.state.lock:
            messages = [
                m
                for owner, m in self.state.messages
                if owner == client and (to is None or m.to == to)
            ]
        self._send_json(HTTPStatus.OK, {"messages": [_message_json(m) for m in messages]})


# --------------------------------------------------------------------------- API


class Sandbox:
    """A running sandbox; ``stop()`` (or leaving the ``with`` block) shuts it down."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.url = _url(server)

    def messages(self, to: str | None = None) -> list[SmsMessage]:
        """The messages received from every client (for ``to`` only, if given), oldest
        first."""
        wanted = sms_recipient(to) if to is not None else None
        with self._server.state.lock:
            return [m for _, m in self._server.state.messages if wanted in (None, m.to)]

    def stop(self) -> None:
        self._server.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _url(server: _Server) -> str:
    host, port = str(server.server_address[0]), server.server_address[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _clients_from_settings(prefix: str) -> dict[str, str]:
    return {setting_required(f"{prefix}_CLIENT"): setting_required(f"{prefix}_SECRET")}


def _server(
    host: str,
    port: int,
    *,
    seed_path: Path | str | None,
    tax_clients: Mapping[str, str] | None,
    sms_clients: Mapping[str, str] | None,
) -> _Server:
    state = _State(
        seed_load(seed_path),
        tax_clients if tax_clients is not None else _clients_from_settings("UMIS_TAX_REGISTRY"),
        sms_clients if sms_clients is not None else _clients_from_settings("UMIS_SMS"),
    )
    server_class = _Server6 if ":" in host else _Server
    server = server_class((host, port), _Handler)
    server.state = state
    return server


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed_path: Path | str | None = None,
    tax_clients: Mapping[str, str] | None = None,
    sms_clients: Mapping[str, str] | None = None,
) -> Sandbox:
    """Start a sandbox in a daemon thread (port 0: any free port; see ``.url``).

    The clients (client id -> secret) default to the ``UMIS_TAX_REGISTRY_*`` and
    ``UMIS_SMS_*`` settings, so the configured adapters are accepted as they are.
    """
    server = _server(
        host, port, seed_path=seed_path, tax_clients=tax_clients, sms_clients=sms_clients
    )
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name=f"umis-sandbox-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return Sandbox(server, thread)


def serve_forever(
    host: str,
    port: int,
    *,
    seed_path: Path | str | None = None,
    tax_clients: Mapping[str, str] | None = None,
    sms_clients: Mapping[str, str] | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Run a sandbox in the calling thread until Ctrl+C (a SIGTERM simply ends the
    process: all state is in memory); ``ready(url)`` is called once the port is open."""
    server = _server(
        host, port, seed_path=seed_path, tax_clients=tax_clients, sms_clients=sms_clients
    )
    if ready is not None:
        ready(_url(server))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.state.stopping.set()
        server.server_close()
