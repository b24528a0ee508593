"""Adapter to the SMS gateway that notifies applicants.

Protocol (signed JSON, ``umis.exchange.http``)::

    POST /v1/messages {"to": "+994501234567", "text": "...", "reference": "permit:42:issued"}
      201 {"id": "msg_...", "to": ..., "reference": ..., "status": "accepted", ...}  new
      200 the same body as the first time                 the reference was sent before
      409 problem+json                 the reference was used for a different message
    GET /v1/messages?to=+994501234567      {"messages": [...]}  what the gateway holds

``reference`` is UMIS's idempotency key: a task that sends, crashes and runs again sends
the same reference, and the gateway answers the first message's id instead of sending a
second SMS. Numbers are checked with ``phonenumbers`` before any request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from umis.exchange.http import (
    AdapterRejected,
    AdapterUnavailable,
    InvalidField,
    JsonHttpClient,
    setting_required,
)

__all__ = [
    "REFERENCE_MAX_LENGTH",
    "SYSTEM",
    "TEXT_MAX_LENGTH",
    "HttpSmsGateway",
    "SmsGateway",
    "SmsMessage",
    "sms_gateway",
    "sms_message_checked",
    "sms_recipient",
]

SYSTEM = "sms_gateway"
# Protocol limits: ten concatenated segments' worth of text, and a key short enough for
# any gateway's idempotency index.
TEXT_MAX_LENGTH = 1600
REFERENCE_MAX_LENGTH = 128
_REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*", re.ASCII)
# Numbers that can never receive an SMS; FIXED_LINE_OR_MOBILE (e.g. US) and UNKNOWN pass.
_NOT_SMS_CAPABLE = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL,
    phonenumbers.PhoneNumberType.PAGER,
}


@dataclass(frozen=True)
class SmsMessage:
    """A message as the gateway holds it."""

    id: str
    to: str
    text: str
    reference: str
    status: str
    received_at: datetime


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str:
        """Send ``text`` to ``to`` (E.164) once per ``reference``; return the gateway's
        message id (the first message's id when the reference was sent before)."""
        ...


def sms_recipient(to: str) -> str:
    """``to`` in E.164, or ``InvalidField`` (a ``ValueError``) naming it. Only international
    numbers are taken (no default country: a notification must not go to a guessed number)."""
    text = (to or "").strip()
    if not text.startswith("+"):
        raise InvalidField(
            "to",
            _("'%(to)s' is not an E.164 phone number (+, country code, number)") % {"to": to},
        )
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidField("to", _("'%(to)s' is not a valid phone number") % {"to": to})
    if phonenumbers.number_type(number) in _NOT_SMS_CAPABLE:
        raise InvalidField("to", _("'%(to)s' cannot receive text messages") % {"to": to})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_message_checked(*, to: Any, text: Any, reference: Any) -> tuple[str, str, str]:
    """The normalised (to, text, reference), or ``InvalidField`` naming the first bad field.
    Used by the client before sending and by the sandbox on receipt."""
    if not isinstance(to, str):
        raise InvalidField("to", _("must be a string"))
    recipient = sms_recipient(to)
    if not isinstance(text, str) or not text.strip():
        raise InvalidField("text", _("must not be empty"))
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidField(
            "text",
            _("%(n)s characters, at most %(max)s are allowed")
            % {"n": len(text), "max": TEXT_MAX_LENGTH},
        )
    if not isinstance(reference, str) or not reference:
        raise InvalidField("reference", _("must not be empty"))
    if len(reference) > REFERENCE_MAX_LENGTH or not _REFERENCE_RE.fullmatch(reference):
        raise InvalidField(
            "reference",
            _(
                "'%(ref)s' must be at most %(max)s characters of letters, digits and . _ : / - "
                "(starting with a letter or digit)"
            )
            % {"ref": reference, "max": REFERENCE_MAX_LENGTH},
        )
    return recipient, text, reference


class HttpSmsGateway:
    """The SMS gateway over HTTP (the real one, or ``umis sandboxes`` for the demo)."""

    def __init__(self, base_url: str, client_id: str, secret: str, timeout: float) -> None:
        self._client = JsonHttpClient(
            system=SYSTEM, base_url=base_url, client_id=client_id, secret=secret, timeout=timeout
        )

    def send(self, *, to: str, text: str, reference: str) -> str:
        recipient, text, reference = sms_message_checked(to=to, text=text, reference=reference)
        response = self._client.request(
            "POST", "/v1/messages", json={"to": recipient, "text": text, "reference": reference}
        )
        if response.status == 404:  # the endpoint itself is missing: a wrong base URL
            raise AdapterRejected(SYSTEM, 404, _("no /v1/messages endpoint at this URL"))
        data = response.data
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise AdapterUnavailable(SYSTEM, _("invalid response: no message 'id'"))
        if data.get("reference") not in (None, reference):
            raise AdapterUnavailable(SYSTEM, _("invalid response: another message's reference"))
        return str(data["id"])

    def messages(self, *, to: str | None = None) -> list[SmsMessage]:
        """The messages the gateway holds (for one recipient if ``to`` is given), oldest
        first: how the demo and the tests read what was sent."""
        query = {"to": sms_recipient(to)} if to is not None else None
        response = self._client.request("GET", "/v1/messages", query=query)
        if response.status == 404:
            raise AdapterRejected(SYSTEM, 404, _("no /v1/messages endpoint at this URL"))
        items = response.data.get("messages") if isinstance(response.data, dict) else None
        if not isinstance(items, list):
            raise AdapterUnavailable(SYSTEM, _("invalid response: no 'messages' list"))
        try:
            return [
                SmsMessage(
                    id=str(item["id"]),
                    to=str(item["to"]),
                    text=str(item["text"]),
                    reference=str(item["reference"]),
                    status=str(item["status"]),
                    received_at=datetime.fromisoformat(item["received_at"]),
                )
                for item in items
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise AdapterUnavailable(
                SYSTEM, _("invalid response: bad message entry (%(error)s)") % {"error": exc}
            ) from None


def sms_gateway() -> SmsGateway:
    """The configured SMS gateway (settings ``UMIS_SMS_*``)."""
    return HttpSmsGateway(
        setting_required("UMIS_SMS_URL"),
        setting_required("UMIS_SMS_CLIENT"),
        setting_required("UMIS_SMS_SECRET"),
        float(settings.UMIS_ADAPTER_TIMEOUT_SECONDS),
    )
