"""Signed document tokens and QR rendering (umis.permits.signing): pure, no database."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
import qrcode
import qrcode.constants
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from umis.permits.signing import (
    MAX_TOKEN_LENGTH,
    TokenError,
    parse_token,
    public_key_b64,
    public_key_from_b64,
    qr_matrix,
    qr_png,
    qr_svg,
    sign_token,
    verify_token,
)

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
KID = "k20260110120000ab12"
PAYLOAD: dict[str, str | int] = {
    "d": "AZ1234567",
    "k": "residence_card",
    "u": "2027-01-09",
    "v": 1,
}


def keys_of(*pairs: tuple[str, Ed25519PrivateKey]):  # type: ignore[no-untyped-def]
    table = {kid: key.public_key() for kid, key in pairs}
    return table.get


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def resign(token: str, *, body: bytes | None = None, signature: bytes | None = None) -> str:
    """The token with its payload and/or signature replaced (canonically encoded)."""
    version, kid, body_b64, sig_b64 = token.split(".")
    return ".".join(
        [
            version,
            kid,
            b64(body) if body is not None else body_b64,
            b64(signature) if signature is not None else sig_b64,
        ]
    )


def sign_raw(body: bytes, kid: str = KID, key: Ed25519PrivateKey = KEY) -> str:
    """A correctly signed token around an arbitrary payload (to test the parser)."""
    signed = f"U1.{kid}.{b64(body)}"
    return f"{signed}.{b64(key.sign(signed.encode()))}"


TOKEN = sign_token(PAYLOAD, kid=KID, private_key=KEY)


# --- round trip and format -------------------------------------------------------------


def test_round_trip() -> None:
    assert verify_token(TOKEN, public_key_for=keys_of((KID, KEY))) == PAYLOAD


def test_format_is_version_kid_sorted_compact_json_and_signature() -> None:
    version, kid, body, signature = TOKEN.split(".")
    assert (version, kid) == ("U1", KID)
    assert unb64(body) == b'{"d":"AZ1234567","k":"residence_card","u":"2027-01-09","v":1}'
    assert len(unb64(signature)) == 64
    # The signature covers everything before the last dot, version and kid included.
    KEY.public_key().verify(unb64(signature), f"{version}.{kid}.{body}".encode())
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", TOKEN)  # URL-safe: no escaping in /verify/<t>


def test_a_realistic_token_is_short_enough_for_a_small_qr_code() -> None:
    assert len(TOKEN) < 200
    # Version 12 or lower (65 modules + quiet zone): at 26 mm on the card, a module is
    # 0.4 mm or more, which phone cameras read.
    assert len(qr_matrix(f"https://umis.example.az/verify/{TOKEN}")) <= 65 + 8


def test_parse_token_returns_the_parts() -> None:
    parsed = parse_token(TOKEN)
    assert parsed.kid == KID
    assert parsed.payload == PAYLOAD
    assert parsed.signed == TOKEN.rsplit(".", 1)[0].encode()
    assert parsed.signature == unb64(TOKEN.rsplit(".", 1)[1])


def test_non_ascii_payload_round_trips() -> None:
    payload: dict[str, str | int] = {"n": "Məmmədova Gülşən İlahə", "x": -5}
    token = sign_token(payload, kid=KID, private_key=KEY)
    assert token.isascii()
    assert verify_token(token, public_key_for=keys_of((KID, KEY))) == payload


# --- failures ----------------------------------------------------------------------------


def code_of(token: str, public_key_for=None) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(TokenError) as info:
        verify_token(token, public_key_for=public_key_for or keys_of((KID, KEY)))
    return info.value.code


def test_tampered_payload_is_a_bad_signature() -> None:
    body = unb64(TOKEN.split(".")[2]).replace(b"2027-01-09", b"2037-01-09")
    assert code_of(resign(TOKEN, body=body)) == "bad_signature"


def test_a_token_signed_by_another_key_is_a_bad_signature() -> None:
    forged = sign_token(PAYLOAD, kid=KID, private_key=OTHER)
    assert code_of(forged) == "bad_signature"


def test_moving_a_signature_to_another_kid_is_a_bad_signature() -> None:
    # Both kids are known; the signature was made over the original kid.
    moved = TOKEN.replace(KID, "k2", 1)
    assert code_of(moved, keys_of((KID, KEY), ("k2", KEY))) == "bad_signature"


def test_unknown_kid() -> None:
    assert code_of(TOKEN, keys_of(("other", KEY))) == "unknown_key"


def test_error_carries_code_and_message() -> None:
    with pytest.raises(TokenError) as info:
        parse_token("U2.a.b.c")
    assert info.value.code == "malformed"
    assert "version" in info.value.message


@pytest.mark.parametrize(
    "token",
    [
        "",
        "U1",
        "U1.kid.payload",
        TOKEN + ".extra",
        "U2" + TOKEN[2:],  # unknown version
        "u1" + TOKEN[2:],
        TOKEN.replace(KID, "bad kid", 1),  # kid with a space
        TOKEN.replace(KID, "", 1),  # empty kid
        TOKEN + "=",  # padding is not allowed
        TOKEN[:-1] + "+",  # standard, not URL-safe, base64
        TOKEN[:-2],  # signature cut short (also not canonical length)
        TOKEN[:-4],  # signature cut to 61 bytes
        TOKEN.replace("U1.", "U1.ə", 1),  # non-ASCII
        "x" * (MAX_TOKEN_LENGTH + 1),
        TOKEN + "A" * (MAX_TOKEN_LENGTH - len(TOKEN) + 1),
    ],
)
def test_malformed_tokens(token: str) -> None:
    assert code_of(token) == "malformed"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1,2]",
        b'"a string"',
        b'{"a":{"nested":1}}',
        b'{"a":[1]}',
        b'{"a":true}',
        b'{"a":1.5}',
        b'{"a":null}',
        b'{"a":1,"a":2}',  # duplicate keys: two readers could see different values
        b"\xff\xfe",  # not UTF-8
    ],
)
def test_correctly_signed_but_malformed_payloads(body: bytes) -> None:
    assert code_of(sign_raw(body)) == "malformed"


def test_non_canonical_base64_is_malformed() -> None:
    # 64 bytes take 86 characters; the last one carries 2 bits and 4 unused ones. A
    # spelling with those bits set decodes to the same signature: it must not verify.
    signature = TOKEN.rsplit(".", 1)[1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    value = alphabet.index(signature[-1])
    twin = alphabet[value | 0b0001] if value & 0b0001 == 0 else alphabet[value & ~0b0001]
    variant = TOKEN[:-1] + twin
    assert unb64(variant.rsplit(".", 1)[1]) == unb64(signature)  # same bytes
    assert code_of(variant) == "malformed"


def test_sign_token_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="kid"):
        sign_token(PAYLOAD, kid="has.dot", private_key=KEY)
    with pytest.raises(TypeError, match="'flag'"):
        sign_token({"flag": True}, kid=KID, private_key=KEY)
    with pytest.raises(TypeError, match="'x'"):
        sign_token({"x": 1.5}, kid=KID, private_key=KEY)  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="key"):
        sign_token({1: "a"}, kid=KID, private_key=KEY)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="characters"):
        sign_token({"x": "a" * MAX_TOKEN_LENGTH}, kid=KID, private_key=KEY)


# --- properties --------------------------------------------------------------------------

payloads = st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.text(max_size=16), st.integers(min_value=-(2**63), max_value=2**63)),
    max_size=6,
)


@given(payload=payloads)
@settings(max_examples=200, deadline=None)
def test_any_payload_round_trips(payload: dict[str, str | int]) -> None:
    token = sign_token(payload, kid=KID, private_key=KEY)
    assert len(token) <= MAX_TOKEN_LENGTH
    assert verify_token(token, public_key_for=keys_of((KID, KEY))) == payload


TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ əİ\x00"


@given(data=st.data())
@settings(max_examples=500, deadline=None)
def test_any_single_character_change_fails(data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(TOKEN) - 1), label="index")
    char = data.draw(st.sampled_from(TOKEN_CHARS).filter(lambda c: c != TOKEN[index]))
    changed = TOKEN[:index] + char + TOKEN[index + 1 :]
    with pytest.raises(TokenError):
        verify_token(changed, public_key_for=keys_of((KID, KEY)))


# --- public keys -----------------------------------------------------------------------


def test_public_key_b64_round_trip() -> None:
    text = public_key_b64(KEY.public_key())
    assert len(text) == 43 and "=" not in text
    restored = public_key_from_b64(text)
    assert isinstance(restored, Ed25519PublicKey)
    restored.verify(KEY.sign(b"x"), b"x")


@pytest.mark.parametrize("text", ["", "abc", b64(b"\0" * 31), b64(b"\0" * 33), "!" * 43])
def test_public_key_from_b64_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        public_key_from_b64(text)


# --- QR codes --------------------------------------------------------------------------

URL = f"https://umis.example.az/verify/{TOKEN}"


def test_qr_matrix_uses_error_correction_m() -> None:
    def build(level: int) -> list[list[bool]]:
        code = qrcode.QRCode(error_correction=level, border=4)
        code.add_data(URL)
        code.make(fit=True)
        return [list(row) for row in code.get_matrix()]

    assert qr_matrix(URL) == build(qrcode.constants.ERROR_CORRECT_M)
    assert qr_matrix(URL) != build(qrcode.constants.ERROR_CORRECT_L)


def test_qr_svg_draws_exactly_the_dark_modules() -> None:
    matrix = qr_matrix(URL)
    svg = qr_svg(URL)
    size = len(matrix)
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert f'viewBox="0 0 {size} {size}"' in svg
    assert 'role="img"' in svg and "aria-label=" in svg
    assert "href" not in svg and "<image" not in svg and "<style" not in svg  # self-contained
    drawn = [[False] * size for _ in range(size)]
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(run)):
            drawn[int(y)][int(x) + dx] = True
    assert drawn == matrix


def test_qr_png_pixels_match_the_modules() -> None:
    matrix = qr_matrix(URL)
    image = Image.open(io.BytesIO(qr_png(URL, box_size=3)))
    assert image.format == "PNG"
    assert image.size == (len(matrix) * 3, len(matrix) * 3)
    gray = image.convert("L")
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            value = gray.getpixel((x * 3 + 1, y * 3 + 1))
            assert isinstance(value, int)
            assert (value < 128) == dark


def test_token_json_is_what_verify_returns() -> None:
    # What the QR carries decodes with nothing but base64 and JSON (offline verifiers).
    body = TOKEN.split(".")[2]
    assert json.loads(unb64(body)) == PAYLOAD
