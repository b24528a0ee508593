"""The tax-registry adapter against a real sandbox on a real socket: every answer the
registry gives and every way the call can fail."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from umis.exchange.http import AdapterRejected, AdapterUnavailable, InvalidField
from umis.exchange.sandbox import Sandbox, seed_load, start_sandbox
from umis.exchange.taxregistry import HttpTaxRegistry, Taxpayer, TaxpayerStatus, tax_registry

CLIENT, SECRET = "umis-test", "tax-secret-for-tests"
SEED = seed_load()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(tax_clients={CLIENT: SECRET}, sms_clients={}) as running:
        yield running


def registry(url: str, *, secret: str = SECRET, timeout: float = 2.0) -> HttpTaxRegistry:
    return HttpTaxRegistry(url, CLIENT, secret, timeout)


def seeded(status: str, *, debt: bool = False) -> dict[str, Any]:
    return next(
        dict(t)
        for t in SEED.taxpayers.values()
        if t["status"] == status and t["has_tax_debt"] is debt
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_active_taxpayer_is_returned_as_the_registry_holds_it(sandbox: Sandbox) -> None:
    entry = seeded("active")
    taxpayer = registry(sandbox.url).taxpayer(entry["voen"])
    assert taxpayer == Taxpayer(
        voen=entry["voen"],
        name=entry["name"],
        status=TaxpayerStatus.ACTIVE,
        registered_on=date.fromisoformat(entry["registered_on"]),
        has_tax_debt=False,
    )
    assert taxpayer.is_active


@pytest.mark.parametrize("status", [TaxpayerStatus.SUSPENDED, TaxpayerStatus.LIQUIDATED])
def test_suspended_and_liquidated_taxpayers_keep_their_status(
    sandbox: Sandbox, status: str
) -> None:
    entry = seeded(status)
    taxpayer = registry(sandbox.url).taxpayer(entry["voen"])
    assert taxpayer is not None
    assert taxpayer.status == status
    assert not taxpayer.is_active


def test_tax_debt_is_reported(sandbox: Sandbox) -> None:
    entry = seeded("active", debt=True)
    taxpayer = registry(sandbox.url).taxpayer(entry["voen"])
    assert taxpayer is not None and taxpayer.has_tax_debt and taxpayer.is_active


def test_unknown_voen_is_none(sandbox: Sandbox) -> None:
    # A valid VÖEN (check digit right) that the registry does not hold: 404.
    unknown = "1700000001"
    assert unknown not in SEED.taxpayers
    assert registry(sandbox.url).taxpayer(unknown) is None


def test_voen_is_normalised_before_the_request(sandbox: Sandbox) -> None:
    entry = seeded("active")
    voen = entry["voen"]
    spaced = f"{voen[:3]} {voen[3:6]}-{voen[6:]}"
    taxpayer = registry(sandbox.url).taxpayer(spaced)
    assert taxpayer is not None and taxpayer.voen == voen


@pytest.mark.parametrize(
    "bad", ["", "123", "1401555081", "1401555073", "14015550711", "abcdefghij"]
)
def test_malformed_voen_is_refused_before_any_request(bad: str) -> None:
    # Nothing listens on this port: a request would raise AdapterUnavailable instead.
    closed = registry(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(InvalidField) as caught:
        closed.taxpayer(bad)
    assert caught.value.field == "voen"
    assert "VÖEN" in str(caught.value)


def test_wrong_secret_is_rejected_with_401(sandbox: Sandbox) -> None:
    with pytest.raises(AdapterRejected) as caught:
        registry(sandbox.url, secret="not-the-secret").taxpayer(seeded("active")["voen"])
    assert caught.value.status == 401
    assert caught.value.system == "tax_registry"
    assert "Signature" in caught.value.detail


def test_unknown_client_is_rejected_with_401(sandbox: Sandbox) -> None:
    stranger = HttpTaxRegistry(sandbox.url, "someone-else", SECRET, 2.0)
    with pytest.raises(AdapterRejected) as caught:
        stranger.taxpayer(seeded("active")["voen"])
    assert caught.value.status == 401


def test_stopped_sandbox_is_unavailable() -> None:
    stopped = start_sandbox(tax_clients={CLIENT: SECRET}, sms_clients={})
    url = stopped.url
    assert registry(url).taxpayer(seeded("active")["voen"]) is not None
    stopped.stop()
    with pytest.raises(AdapterUnavailable) as caught:
        registry(url).taxpayer(seeded("active")["voen"])
    assert caught.value.system == "tax_registry"
    assert caught.value.retry_after is None


def test_silent_registry_times_out_as_unavailable(sandbox: Sandbox) -> None:
    slow = next(iter(SEED.slow))
    assert SEED.slow_seconds > 1
    started = time.monotonic()
    with pytest.raises(AdapterUnavailable) as caught:
        registry(sandbox.url, timeout=0.3).taxpayer(slow)
    assert time.monotonic() - started < SEED.slow_seconds / 2
    assert "0.3" in caught.value.reason


def test_503_is_unavailable_with_the_requested_delay(sandbox: Sandbox) -> None:
    with pytest.raises(AdapterUnavailable) as caught:
        registry(sandbox.url).taxpayer(next(iter(SEED.unavailable)))
    assert "503" in caught.value.reason
    assert caught.value.retry_after == 30


class _Fixed(BaseHTTPRequestHandler):
    """A registry that answers every request with one canned reply."""

    reply: tuple[int, bytes] = (200, b"{}")

    def do_GET(self) -> None:
        status, body = self.reply
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def canned() -> Iterator[tuple[str, type[_Fixed]]]:
    handler = type("Canned", (_Fixed,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ((200, b"not json"), "not JSON"),
        ((200, b"[]"), "JSON object"),
        (
            (
                200,
                b'{"voen": "1401555071", "name": "X MMC", "status": "bankrupt", '
                b'"registered_on": "2010-01-01", "has_tax_debt": false}',
            ),
            "'status'",
        ),
        (
            (
                200,
                b'{"voen": "1700842121", "name": "X MMC", "status": "active", '
                b'"registered_on": "2010-01-01", "has_tax_debt": false}',
            ),
            "'voen'",
        ),
        (
            (
                200,
                b'{"voen": "1401555071", "name": "X MMC", "status": "active", '
                b'"registered_on": "01.01.2010", "has_tax_debt": false}',
            ),
            "'registered_on'",
        ),
        (
            (
                200,
                b'{"voen": "1401555071", "name": "X MMC", "status": "active", '
                b'"registered_on": "2010-01-01", "has_tax_debt": "no"}',
            ),
            "'has_tax_debt'",
        ),
        ((500, b'{"title": "Internal Server Error"}'), "HTTP 500"),
        ((302, b""), "302"),
    ],
)
def test_a_reply_outside_the_protocol_is_unavailable(
    canned: tuple[str, type[_Fixed]], reply: tuple[int, bytes], reason: str
) -> None:
    url, handler = canned
    handler.reply = reply
    with pytest.raises(AdapterUnavailable) as caught:
        registry(url).taxpayer("1401555071")
    assert reason in caught.value.reason


def test_other_4xx_carry_the_problem_detail(canned: tuple[str, type[_Fixed]]) -> None:
    url, handler = canned
    handler.reply = (403, json.dumps({"title": "Forbidden", "detail": "Scope missing"}).encode())
    with pytest.raises(AdapterRejected) as caught:
        registry(url).taxpayer("1401555071")
    assert (caught.value.status, caught.value.detail) == (403, "Scope missing")


def test_factory_uses_the_settings(sandbox: Sandbox) -> None:
    entry = seeded("active")
    with override_settings(
        UMIS_TAX_REGISTRY_URL=sandbox.url,
        UMIS_TAX_REGISTRY_CLIENT=CLIENT,
        UMIS_TAX_REGISTRY_SECRET=SECRET,
        UMIS_ADAPTER_TIMEOUT_SECONDS=2,
    ):
        taxpayer = tax_registry().taxpayer(entry["voen"])
    assert taxpayer is not None and taxpayer.name == entry["name"]


def test_factory_refuses_an_unconfigured_registry() -> None:
    with (
        override_settings(UMIS_TAX_REGISTRY_SECRET=""),
        pytest.raises(ImproperlyConfigured, match="UMIS_TAX_REGISTRY_SECRET"),
    ):
        tax_registry()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base_url": "ftp://registry.example"}, "base_url"),
        ({"base_url": "http://"}, "base_url"),
        ({"secret": ""}, "secret"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_bad_configuration_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {
        "base_url": "http://127.0.0.1:1",
        "client_id": CLIENT,
        "secret": SECRET,
        "timeout": 1.0,
    }
    with pytest.raises(ValueError, match=f"^{field}:"):
        HttpTaxRegistry(**{**args, **kwargs})
