"""The SMS adapter against a real sandbox: one SMS per reference, numbers checked before
any request, failures split into "retry later" and "rejected"."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from umis.exchange.http import AdapterRejected, AdapterUnavailable, InvalidField
from umis.exchange.sandbox import Sandbox, start_sandbox
from umis.exchange.sms import TEXT_MAX_LENGTH, HttpSmsGateway, sms_gateway

CLIENT, SECRET = "umis-sms-test", "sms-secret-for-tests"
MOBILE = "+994501234567"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # One per test: the message store is what the tests look at.
    with start_sandbox(
        tax_clients={"tax-only": "tax-secret"}, sms_clients={CLIENT: SECRET}
    ) as running:
        yield running


def gateway(url: str, *, client: str = CLIENT, secret: str = SECRET) -> HttpSmsGateway:
    return HttpSmsGateway(url, client, secret, 2.0)


def closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_send_stores_one_message_and_returns_its_id(sandbox: Sandbox) -> None:
    message_id = gateway(sandbox.url).send(
        to="+994 50 123 45 67", text="Müraciətiniz qəbul edildi.", reference="case:1:submitted"
    )
    [stored] = sandbox.messages()
    assert stored.id == message_id and message_id.startswith("msg_")
    assert (stored.to, stored.text, stored.reference) == (
        MOBILE,  # normalised to E.164 before sending
        "Müraciətiniz qəbul edildi.",
        "case:1:submitted",
    )


def test_same_reference_twice_sends_once_and_answers_the_first_id(sandbox: Sandbox) -> None:
    sms = gateway(sandbox.url)
    first = sms.send(to=MOBILE, text="Permit issued.", reference="permit:7:issued")
    again = sms.send(to=MOBILE, text="Permit issued.", reference="permit:7:issued")
    other = sms.send(to=MOBILE, text="Permit issued.", reference="permit:8:issued")
    assert again == first
    assert other != first
    assert [m.reference for m in sandbox.messages(MOBILE)] == ["permit:7:issued", "permit:8:issued"]


def test_reference_reused_for_another_text_is_rejected(sandbox: Sandbox) -> None:
    sms = gateway(sandbox.url)
    sms.send(to=MOBILE, text="First text.", reference="case:2:decided")
    with pytest.raises(AdapterRejected) as caught:
        sms.send(to=MOBILE, text="Different text.", reference="case:2:decided")
    assert caught.value.status == 409
    assert len(sandbox.messages()) == 1


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("0501234567", "E.164"),  # national form: the country would be a guess
        ("+99450123", "not a valid phone number"),
        ("+994 12 498 12 34", "cannot receive"),  # a Baku landline
        ("", "E.164"),
        ("+994abc", "not a valid phone number"),
    ],
)
def test_invalid_phone_is_rejected_before_any_request(
    sandbox: Sandbox, to: str, reason: str
) -> None:
    for url in (sandbox.url, closed_url()):  # a closed port proves no request is made
        with pytest.raises(InvalidField) as caught:
            gateway(url).send(to=to, text="Salam", reference="case:3:submitted")
        assert caught.value.field == "to"
        assert reason in str(caught.value)
    assert sandbox.messages() == []


@pytest.mark.parametrize(
    ("text", "reference", "field"),
    [
        ("   ", "case:4", "text"),
        ("x" * (TEXT_MAX_LENGTH + 1), "case:4", "text"),
        ("Salam", "", "reference"),
        ("Salam", "has space", "reference"),
        ("Salam", "r" * 129, "reference"),
    ],
)
def test_bad_text_or_reference_names_the_field(text: str, reference: str, field: str) -> None:
    with pytest.raises(InvalidField) as caught:
        gateway(closed_url()).send(to=MOBILE, text=text, reference=reference)
    assert caught.value.field == field


def test_listing_shows_one_recipients_messages(sandbox: Sandbox) -> None:
    sms = gateway(sandbox.url)
    sms.send(to=MOBILE, text="One.", reference="a:1")
    sms.send(to="+994551234567", text="Two.", reference="a:2")
    sms.send(to=MOBILE, text="Three.", reference="a:3")
    listed = sms.messages(to=MOBILE)
    assert [(m.text, m.to) for m in listed] == [("One.", MOBILE), ("Three.", MOBILE)]
    assert [m.id for m in listed] == [m.id for m in sandbox.messages(MOBILE)]
    assert len(sms.messages()) == 3


def test_stopped_gateway_is_unavailable() -> None:
    running = start_sandbox(tax_clients={}, sms_clients={CLIENT: SECRET})
    url = running.url
    running.stop()
    with pytest.raises(AdapterUnavailable) as caught:
        gateway(url).send(to=MOBILE, text="Salam", reference="case:5")
    assert caught.value.system == "sms_gateway"


def test_wrong_secret_is_rejected_and_nothing_is_sent(sandbox: Sandbox) -> None:
    with pytest.raises(AdapterRejected) as caught:
        gateway(sandbox.url, secret="wrong").send(to=MOBILE, text="Salam", reference="case:6")
    assert caught.value.status == 401
    assert sandbox.messages() == []


def test_tax_registry_credentials_do_not_open_the_sms_gateway(sandbox: Sandbox) -> None:
    with pytest.raises(AdapterRejected) as caught:
        gateway(sandbox.url, client="tax-only", secret="tax-secret").send(
            to=MOBILE, text="Salam", reference="case:7"
        )
    assert caught.value.status == 401
    assert sandbox.messages() == []


def test_factory_uses_the_settings(sandbox: Sandbox) -> None:
    with override_settings(
        UMIS_SMS_URL=sandbox.url,
        UMIS_SMS_CLIENT=CLIENT,
        UMIS_SMS_SECRET=SECRET,
        UMIS_ADAPTER_TIMEOUT_SECONDS=2,
    ):
        message_id = sms_gateway().send(to=MOBILE, text="Salam", reference="case:8")
    assert [m.id for m in sandbox.messages()] == [message_id]


def test_factory_refuses_an_unconfigured_gateway() -> None:
    with (
        override_settings(UMIS_SMS_URL=""),
        pytest.raises(ImproperlyConfigured, match="UMIS_SMS_URL"),
    ):
        sms_gateway()
