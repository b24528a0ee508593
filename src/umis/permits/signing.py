"""Signed document tokens (the payload of a printed document's QR code) and QR rendering.

A token is ``U1.<kid>.<payload>.<signature>``:

* ``U1`` - the format version;
* ``kid`` - the signing key's id (``SigningKey.kid``): letters, digits, ``_`` and ``-``;
* ``payload`` - base64url (no padding) of the payload as compact JSON with sorted keys,
  UTF-8; the payload is a flat object whose values are strings or integers;
* ``signature`` - base64url (no padding) of the Ed25519 signature over the ASCII bytes of
  everything before the last ``.``, so the version and the kid are signed too.

Anyone holding the public key can verify a token offline; this module is pure (no
database, no files): :mod:`umis.permits.keys` supplies keys. Decoding is strict: base64
must be canonical (no padding, no stray bits), so a token has exactly one spelling and any
change to any character of it makes it fail to verify.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from xml.sax.saxutils import quoteattr

import qrcode
import qrcode.constants
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.utils.translation import gettext as _

__all__ = [
    "MAX_TOKEN_LENGTH",
    "TOKEN_VERSION",
    "ParsedToken",
    "TokenError",
    "parse_token",
    "public_key_b64",
    "public_key_from_b64",
    "qr_png",
    "qr_svg",
    "sign_token",
    "verify_token",
]

TOKEN_VERSION: Final = "U1"
MAX_TOKEN_LENGTH: Final = 1000
"""Longer tokens are refused unread; a QR code at error correction M holds about 2,300
alphanumeric-mode bytes, but phones scan codes below ~300 characters far more reliably, so
real payloads stay small (see :func:`sign_token`)."""

KID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,40}")
_B64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]*")
_SIGNATURE_BYTES: Final = 64
_PUBLIC_KEY_BYTES: Final = 32


class TokenError(Exception):
    """A token that cannot be accepted. ``code`` is stable: ``malformed`` (not a token of
    a known version), ``unknown_key`` (no usable public key for its kid: unknown or
    revoked) or ``bad_signature`` (altered, or signed by another key)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ParsedToken:
    """A token split into its parts; nothing is verified yet."""

    kid: str
    payload: dict[str, str | int]
    signed: bytes  # the ASCII bytes the signature covers
    signature: bytes


# --- encoding ---------------------------------------------------------------------------


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    """Strict base64url without padding: the one canonical spelling of some bytes."""
    if not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise TokenError("malformed", f"the {what} is not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed", f"the {what} is not base64url") from exc
    # Unused low bits of the last character must be zero: otherwise two spellings decode
    # to the same bytes and a changed character would still verify.
    if _b64encode(raw) != text:
        raise TokenError("malformed", f"the {what} is not canonical base64url")
    return raw


def _check_payload(payload: Mapping[Any, Any]) -> dict[str, str | int]:
    """Keys are strings; values strings or integers (not booleans, which JSON and Python
    would otherwise let through as integers)."""
    checked: dict[str, str | int] = {}
    for key, value in payload.items():
        if not isinstance(key, str):
            raise TypeError(f"payload key {key!r} is not a string")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"payload value of {key!r} must be a string or an integer")
        checked[key] = value
    return checked


def _payload_json(payload: Mapping[str, str | int]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


# --- tokens ---------------------------------------------------------------------------


def sign_token(
    payload: Mapping[str, str | int], *, kid: str, private_key: Ed25519PrivateKey
) -> str:
    """Sign ``payload`` with ``private_key`` (whose id is ``kid``). Raises ``TypeError``
    for a payload that is not a flat dict of strings and integers, ``ValueError`` for a
    malformed kid or a token that would exceed :data:`MAX_TOKEN_LENGTH`."""
    if not KID_RE.fullmatch(kid):
        raise ValueError(f"kid {kid!r} must be 1-40 letters, digits, '_' or '-'")
    body = _payload_json(_check_payload(payload))
    signed = f"{TOKEN_VERSION}.{kid}.{_b64encode(body)}"
    token = f"{signed}.{_b64encode(private_key.sign(signed.encode('ascii')))}"
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError(
            f"the token would be {len(token)} characters, more than {MAX_TOKEN_LENGTH}: "
            "put less in the payload"
        )
    return token


def parse_token(token: str) -> ParsedToken:
    """Split ``token`` into its parts, checking only its shape (``TokenError``
    ``malformed``); the signature is checked by :func:`verify_token`."""
    if not isinstance(token, str):
        raise TokenError("malformed", "a token is a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("malformed", f"the token is longer than {MAX_TOKEN_LENGTH} characters")
    if not token.isascii():
        raise TokenError("malformed", "the token has characters outside ASCII")
    parts = token.split(".")
    if len(parts) != 4:
        raise TokenError("malformed", "a token has four parts separated by '.'")
    version, kid, body_b64, signature_b64 = parts
    if version != TOKEN_VERSION:
        raise TokenError("malformed", f"unknown token version {version[:10]!r}")
    if not KID_RE.fullmatch(kid):
        raise TokenError("malformed", "the key id is not valid")
    body = _b64decode(body_b64, "payload")
    signature = _b64decode(signature_b64, "signature")
    if len(signature) != _SIGNATURE_BYTES:
        raise TokenError("malformed", f"the signature is not {_SIGNATURE_BYTES} bytes")
    try:
        decoded = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise TokenError("malformed", "the payload is not JSON") from exc
    if not isinstance(decoded, dict):
        raise TokenError("malformed", "the payload is not a JSON object")
    try:
        payload = _check_payload(decoded)
    except TypeError as exc:
        raise TokenError("malformed", f"the payload is not flat: {exc}") from exc
    signed = token[: -len(signature_b64) - 1].encode("ascii")
    return ParsedToken(kid=kid, payload=payload, signed=signed, signature=signature)


def verify_token(
    token: str, *, public_key_for: Callable[[str], Ed25519PublicKey | None]
) -> dict[str, str | int]:
    """The payload of ``token`` if its signature verifies with the public key that
    ``public_key_for(kid)`` returns. ``TokenError`` codes: ``malformed``, ``unknown_key``
    (``public_key_for`` returned None), ``bad_signature``."""
    parsed = parse_token(token)
    public_key = public_key_for(parsed.kid)
    if public_key is None:
        raise TokenError("unknown_key", f"no valid public key {parsed.kid!r}")
    try:
        public_key.verify(parsed.signature, parsed.signed)
    except InvalidSignature as exc:
        raise TokenError("bad_signature", "the signature does not match the token") from exc
    return parsed.payload


# --- keys -----------------------------------------------------------------------------


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    """The raw 32 bytes of ``public_key``, base64url without padding (``SigningKey``)."""
    return _b64encode(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """The inverse of :func:`public_key_b64`; ``ValueError`` for anything else."""
    try:
        raw = _b64decode(text, "public key")
    except TokenError as exc:
        raise ValueError(exc.message) from exc
    if len(raw) != _PUBLIC_KEY_BYTES:
        raise ValueError(f"an Ed25519 public key is {_PUBLIC_KEY_BYTES} bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


# --- QR codes -------------------------------------------------------------------------

QR_BORDER: Final = 4  # the quiet zone ISO/IEC 18004 requires, in modules


def _qr(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of the QR code for ``data`` (error correction M), quiet zone included;
    True is dark."""
    return [list(row) for row in _qr(data).get_matrix()]


def qr_svg(data: str) -> str:
    """The QR code for ``data`` as an inline SVG element (no external resources). It
    scales to its container (``viewBox``, no fixed size); each dark run of a row is one
    path segment, so the markup stays small."""
    matrix = qr_matrix(data)
    size = len(matrix)
    segments: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                segments.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    label = quoteattr(_("QR code"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'class="umis-qr" role="img" aria-label={label} shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(segments)}"/></svg>'
    )


def qr_png(data: str, *, box_size: int = 8) -> bytes:
    """The QR code for ``data`` as a black-and-white PNG, ``box_size`` pixels a module."""
    code = _qr(data)
    code.box_size = box_size
    image = code.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
