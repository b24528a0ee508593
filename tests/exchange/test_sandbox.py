"""The signature recipe, the sandbox's side of both protocols, its seed, and how it is run
(`umis sandboxes`, `umis serve`)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from umis.exchange.http import (
    HEADER_CLIENT,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SignatureError,
    request_signature,
    signature_headers,
    signature_verify,
)
from umis.exchange.sandbox import Sandbox, seed_load, start_sandbox

ROOT = Path(__file__).resolve().parents[2]
TAX, SMS = ("tax-client", "tax-secret"), ("sms-client", "sms-secret")
NOW = 1_760_000_000
BODY = b'{"to": "+994501234567", "text": "Salam", "reference": "r:1"}'

# --------------------------------------------------------------------------- signatures


def test_signature_is_the_documented_hmac() -> None:
    """Pin the recipe of docs/integrations.md: another system implements it from there."""
    expected = hmac.new(
        b"s3cret",
        b"POST\n/v1/messages\n1760000000\n" + hashlib.sha256(BODY).hexdigest().encode(),
        hashlib.sha256,
    ).hexdigest()
    assert request_signature("s3cret", "post", "/v1/messages", "1760000000", BODY) == expected
    headers = signature_headers(
        client_id="c", secret="s3cret", method="POST", path="/v1/messages", body=BODY, now=NOW
    )
    assert headers == {
        HEADER_CLIENT: "c",
        HEADER_TIMESTAMP: "1760000000",
        HEADER_SIGNATURE: expected,
    }


def verify(**changes: Any) -> None:
    signed = signature_headers(
        client_id="c", secret="k", method="POST", path="/v1/messages?x=1", body=BODY, now=NOW
    )
    args: dict[str, Any] = {
        "secret": "k",
        "method": "POST",
        "path": "/v1/messages?x=1",
        "timestamp": signed[HEADER_TIMESTAMP],
        "body": BODY,
        "signature": signed[HEADER_SIGNATURE],
        "now": NOW,
    }
    signature_verify(**{**args, **changes})


def test_untouched_request_verifies() -> None:
    verify()
    verify(now=NOW + 300)  # the edges of the window
    verify(now=NOW - 300)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"body": BODY.replace(b"Salam", b"Salaam")}, "does not match"),
        ({"path": "/v1/messages?x=2"}, "does not match"),  # the query is signed too
        ({"method": "PUT"}, "does not match"),
        ({"secret": "other"}, "does not match"),
        ({"signature": "0" * 64}, "does not match"),
        ({"timestamp": str(NOW + 1)}, "does not match"),  # re-dating a captured request
        ({"now": NOW + 301}, "behind"),  # stale
        ({"now": NOW - 301}, "ahead"),  # from the future
        ({"timestamp": "1760000000.5"}, "integer"),
        ({"timestamp": None}, "missing"),
        ({"signature": ""}, "missing"),
    ],
)
def test_tampered_or_stale_request_is_refused(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify(**changes)


# --------------------------------------------------------------------------- protocol


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(tax_clients=dict([TAX]), sms_clients=dict([SMS])) as running:
        yield running


def call(
    sandbox: Sandbox,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    client: tuple[str, str] | None = SMS,
    headers: dict[str, str] | None = None,
    now: float | None = None,
) -> tuple[int, dict[str, str], Any]:
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if client is not None:
        sent.update(
            signature_headers(
                client_id=client[0], secret=client[1], method=method, path=path, body=body, now=now
            )
        )
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(raw)


def test_health_needs_no_signature(sandbox: Sandbox) -> None:
    assert call(sandbox, "GET", "/health", client=None)[::2] == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("client", "now", "detail"),
    [
        (None, None, "X-UMIS-Client header is missing"),
        (("stranger", "x"), None, "Unknown client"),
        (("tax-client", "wrong"), None, "does not match"),
        (TAX, time.time() - 600, "behind"),
    ],
)
def test_bad_signatures_get_401_problem_json(
    sandbox: Sandbox, client: tuple[str, str] | None, now: float | None, detail: str
) -> None:
    status, headers, body = call(sandbox, "GET", "/v1/taxpayers/1401555071", client=client, now=now)
    assert status == 401
    assert headers["content-type"] == "application/problem+json"
    assert body["status"] == 401 and detail in body["detail"]


def test_each_system_accepts_only_its_own_clients(sandbox: Sandbox) -> None:
    assert call(sandbox, "GET", "/v1/taxpayers/1401555071", client=TAX)[0] == 200
    assert call(sandbox, "GET", "/v1/taxpayers/1401555071", client=SMS)[0] == 401
    assert call(sandbox, "GET", "/v1/messages", client=TAX)[0] == 401


def test_taxpayer_answer_is_the_protocol_document(sandbox: Sandbox) -> None:
    status, headers, body = call(sandbox, "GET", "/v1/taxpayers/1401555071", client=TAX)
    assert status == 200 and headers["content-type"] == "application/json"
    assert body == {
        "voen": "1401555071",
        "name": "Bakı Tikinti Servis MMC",
        "status": "active",
        "registered_on": "2009-03-17",
        "has_tax_debt": False,
    }


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/taxpayers/1700000001", 404),  # valid, unknown
        ("GET", "/v1/taxpayers/12345", 400),  # not a VÖEN
        ("POST", "/v1/taxpayers/1401555071", 405),
        ("DELETE", "/v1/messages", 405),
        ("GET", "/v1/nothing", 404),
    ],
)
def test_other_requests_get_problem_json(
    sandbox: Sandbox, method: str, path: str, status: int
) -> None:
    got, headers, body = call(sandbox, method, path, client=TAX)
    assert (got, body["status"]) == (status, status)
    assert headers["content-type"] == "application/problem+json"
    if status == 405:
        assert "allow" in headers


def test_unavailable_voen_answers_503_with_retry_after(sandbox: Sandbox) -> None:
    voen = next(iter(seed_load().unavailable))
    status, headers, _ = call(sandbox, "GET", f"/v1/taxpayers/{voen}", client=TAX)
    assert status == 503 and headers["retry-after"] == "30"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, None),
        (b"[]", 400, None),
        (b'{"to": "0501234567", "text": "x", "reference": "r:1"}', 422, "to"),
        (b'{"to": "+994501234567", "text": "", "reference": "r:1"}', 422, "text"),
        (b'{"to": "+994501234567", "text": "x"}', 422, "reference"),
    ],
)
def test_bad_message_bodies_are_refused_and_not_stored(
    sandbox: Sandbox, body: bytes, status: int, field: str | None
) -> None:
    before = len(sandbox.messages())
    got, _, problem = call(sandbox, "POST", "/v1/messages", body)
    assert got == status
    if field is not None:
        assert problem["errors"][0]["field"] == field
    assert len(sandbox.messages()) == before


def test_message_needs_json_content_type(sandbox: Sandbox) -> None:
    status, _, _ = call(
        sandbox, "POST", "/v1/messages", BODY, headers={"Content-Type": "text/plain"}
    )
    assert status == 415


def test_new_message_is_201_and_a_repeat_200_with_the_same_body(sandbox: Sandbox) -> None:
    body = b'{"to": "+994551112233", "text": "Salam", "reference": "proto:1"}'
    first = call(sandbox, "POST", "/v1/messages", body)
    again = call(sandbox, "POST", "/v1/messages", body)
    assert (first[0], again[0]) == (201, 200)
    assert first[2] == again[2]
    assert first[2]["status"] == "accepted"
    status, _, listing = call(sandbox, "GET", "/v1/messages?to=%2B994551112233")
    assert status == 200 and listing["messages"] == [first[2]]


def test_access_log_leaves_out_the_query(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="umis.exchange.sandbox"):
        call(sandbox, "GET", "/v1/messages?to=%2B994551112299")
    assert "/v1/messages" in caplog.text
    assert "994551112299" not in caplog.text


# --------------------------------------------------------------------------- seed


def test_seed_holds_the_demo_organisations_as_active_taxpayers() -> None:
    """The permit demo checks employers the demo data created: the demo hotel and the
    organisations `make run` generates (seed 0, 2000 persons: 20 organisations)."""
    from umis.core.demo_users import DEMO_HOST
    from umis.registry.demo import DemoGenerator, DemoReference

    reference = DemoReference(
        countries=frozenset({"AZE", "RUS", "TUR"}),
        document_types=frozenset({"P"}),
        cities=((1, 1),),
        city_cum_weights=(1.0,),
        offices_by_region={},
        fallback_offices=(),
    )
    generator = DemoGenerator(0, reference)
    organisations = [generator.organisation() for _ in range(20)]
    seed = seed_load()
    for voen, name in [(DEMO_HOST.organisation_voen, DEMO_HOST.organisation_name)] + [
        (o.tax_number, o.name) for o in organisations
    ]:
        assert voen in seed.taxpayers, name
        assert seed.taxpayers[voen]["name"] == name
        assert seed.taxpayers[voen]["status"] == "active"
        assert seed.taxpayers[voen]["has_tax_debt"] is False


def test_seed_has_every_case_the_adapters_must_handle() -> None:
    seed = seed_load()
    entries = list(seed.taxpayers.values())
    assert sum(t["status"] == "active" and not t["has_tax_debt"] for t in entries) >= 3
    assert any(t["status"] == "suspended" for t in entries)
    assert any(t["status"] == "liquidated" for t in entries)
    assert any(t["has_tax_debt"] for t in entries)
    assert seed.unavailable and seed.slow and seed.slow_seconds > 3


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"voen": "1401555081"}, r"taxpayers\[0\]\.voen"),
        ({"status": "bankrupt"}, r"taxpayers\[0\]\.status"),
        ({"registered_on": "17.03.2009"}, r"taxpayers\[0\]\.registered_on"),
        ({"has_tax_debt": "no"}, r"taxpayers\[0\]\.has_tax_debt"),
        ({"name": ""}, r"taxpayers\[0\]\.name"),
    ],
)
def test_bad_seed_entry_is_named(tmp_path: Path, entry: dict[str, Any], message: str) -> None:
    good = {
        "voen": "1401555071",
        "name": "Bakı Tikinti Servis MMC",
        "status": "active",
        "registered_on": "2009-03-17",
        "has_tax_debt": False,
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"taxpayers": [{**good, **entry}]}))
    with pytest.raises(ValueError, match=message):
        seed_load(path)


def test_duplicate_seed_entry_is_named(tmp_path: Path) -> None:
    entry = {
        "voen": "1401555071",
        "name": "X MMC",
        "status": "active",
        "registered_on": "2009-03-17",
        "has_tax_debt": False,
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"taxpayers": [entry, entry]}))
    with pytest.raises(ValueError, match=r"taxpayers\[1\]\.voen: 1401555071 is listed twice"):
        seed_load(path)


# --------------------------------------------------------------------------- running it


def test_sandboxes_command_serves_until_sigterm(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UMIS_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "umis.settings",
        "UMIS_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "umis.cli", "sandboxes", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert f"listening on http://127.0.0.1:{port}" in line, line + process.stderr.read()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/health")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
        assert process.returncode == 0
        assert "Sandbox stopped." in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize(
    ("tax", "sms", "expected"),
    [
        ("http://127.0.0.1:8765", "http://localhost:8765", [("127.0.0.1", 8765)]),
        (
            "http://127.0.0.1:8765",
            "http://127.0.0.1:8766",
            [("127.0.0.1", 8765), ("127.0.0.1", 8766)],
        ),
        ("http://[::1]:9000", "http://[::1]:9000", [("::1", 9000)]),
        ("https://api.tax.gov.az", "http://127.0.0.1:8765", []),  # a real system configured
        ("http://127.0.0.1:8765", "https://sms.example.az", []),
        ("https://127.0.0.1:8765", "http://127.0.0.1:8765", []),  # the sandbox has no TLS
        ("", "", []),  # production without configuration
        ("http://127.0.0.1:notaport", "http://127.0.0.1:8765", []),
    ],
)
def test_serve_starts_a_sandbox_only_for_the_local_demo(
    tax: str, sms: str, expected: list[tuple[str, int]]
) -> None:
    from umis.core.management.commands.serve import sandbox_addresses

    assert sandbox_addresses(tax, sms) == expected
