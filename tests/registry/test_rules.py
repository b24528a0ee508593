"""Tests for umis.registry.rules (FIN, VÖEN, phone numbers, partial dates)."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from umis.registry.rules import (
    FIN_ALPHABET,
    FIN_LENGTH,
    PartialDate,
    fin_generate,
    fin_is_valid,
    fin_normalize,
    phone_normalize,
    voen_check_digit,
    voen_generate,
    voen_is_valid,
    voen_normalize,
)

# --------------------------------------------------------------------------- FIN


def test_fin_alphabet_has_no_ambiguous_characters() -> None:
    assert len(FIN_ALPHABET) == len(set(FIN_ALPHABET)) == 32
    assert not set("0O1I") & set(FIN_ALPHABET)
    assert FIN_LENGTH == 7


@pytest.mark.parametrize("value", ["5VBK5VR", "2222222", "ZZZZZZZ", "AB3CD4E"])
def test_fin_valid(value: str) -> None:
    assert fin_is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        *("", "5VBK5V", "5VBK5VRX", "5vbk5vr", " 5VBK5VR"),  # length, case, whitespace
        *("5VBK5V0", "5VBK5VO", "5VBK5V1", "5VBK5VI"),  # ambiguous characters
        *("5VBK5V-", "5VBK5VƏ", "5VBK5V٣"),  # foreign characters
    ],
)
def test_fin_invalid(value: str) -> None:
    assert not fin_is_valid(value)


@pytest.mark.parametrize(("raw", "canonical"), [(" 5vbk5vr\n", "5VBK5VR"), ("AB3CD4E", "AB3CD4E")])
def test_fin_normalize(raw: str, canonical: str) -> None:
    assert fin_normalize(raw) == canonical
    assert fin_is_valid(fin_normalize(raw))


def test_fin_generate_with_seeded_rng_is_reproducible() -> None:
    first = [fin_generate(random.Random(42)) for _ in range(3)]
    assert len(set(first)) == 1
    rng = random.Random(7)
    values = [fin_generate(rng) for _ in range(500)]
    assert all(fin_is_valid(value) for value in values)
    assert len(set(values)) == 500


def test_fin_generate_with_secrets() -> None:
    values = {fin_generate() for _ in range(200)}
    assert all(fin_is_valid(value) for value in values)
    assert len(values) == 200


# --------------------------------------------------------------------------- VÖEN

# Real VÖENs found in public registers (from python-stdnum's test data).
REAL_VOENS = [
    "1400057421",
    "1401555071",
    "9900071001",
    "0200432771",
    "1401771462",
    "6800002652",
    "1802926652",
    "5100586482",
    "2900643472",
    "9900037711",
]


@pytest.mark.parametrize("value", REAL_VOENS)
def test_voen_real_numbers_are_valid(value: str) -> None:
    assert voen_is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "140155507",  # 9 digits
        "14015550711",  # 11 digits
        "1401555081",  # wrong check digit
        "1401555061",  # wrong check digit
        "1400057424",  # taxpayer type 4
        "1400057420",  # taxpayer type 0
        "0000000000",
        "140155507A",
        "140 155 5071",  # not canonical
        "١٤٠١٥٥٥٠٧١",  # Arabic-Indic digits
    ],
)
def test_voen_invalid(value: str) -> None:
    assert not voen_is_valid(value)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("140 155 5071", "1401555071"),
        ("140-155-5071", "1401555071"),
        (" 1401555071\n", "1401555071"),
    ],
)
def test_voen_normalize(raw: str, canonical: str) -> None:
    assert voen_normalize(raw) == canonical
    assert voen_is_valid(voen_normalize(raw))


def test_voen_check_digit() -> None:
    assert voen_check_digit("14015550") == 7
    # Some serials have remainder 10 and therefore no valid check digit.
    impossible = next(f"{n:08d}" for n in range(10**8) if voen_check_digit(f"{n:08d}") is None)
    assert not any(voen_is_valid(f"{impossible}{d}1") for d in range(10))


@pytest.mark.parametrize("value", ["1401555", "140155507", "1401555A", "١٤٠١٥٥٥٠"])
def test_voen_check_digit_rejects_bad_input(value: str) -> None:
    with pytest.raises(ValueError, match="first 8 digits"):
        voen_check_digit(value)


def test_voen_generate() -> None:
    rng = random.Random(3)
    legal = [voen_generate(rng) for _ in range(300)]
    people = [voen_generate(rng, kind=2) for _ in range(300)]
    assert all(voen_is_valid(v) and v.endswith("1") for v in legal)
    assert all(voen_is_valid(v) and v.endswith("2") for v in people)
    assert all(not v.startswith("00") for v in legal + people)
    assert voen_generate(random.Random(1)) == voen_generate(random.Random(1))
    assert voen_is_valid(voen_generate())


def test_voen_generate_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        voen_generate(random.Random(1), kind=3)  # type: ignore[arg-type]


@given(
    first_eight=st.text(alphabet="0123456789", min_size=8, max_size=8),
    kind=st.sampled_from("12"),
    wrong=st.integers(min_value=1, max_value=9),
)
def test_voen_check_digit_property(first_eight: str, kind: str, wrong: int) -> None:
    check = voen_check_digit(first_eight)
    if check is None:
        assert not any(voen_is_valid(f"{first_eight}{d}{kind}") for d in range(10))
        return
    assert voen_is_valid(f"{first_eight}{check}{kind}")
    assert not voen_is_valid(f"{first_eight}{(check + wrong) % 10}{kind}")


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+994 50 123 45 67", "AZ", "+994501234567"),
        ("050 123 45 67", "AZ", "+994501234567"),
        ("(050) 123-45-67", "AZ", "+994501234567"),
        ("  0501234567 ", "AZ", "+994501234567"),
        ("00994501234567", "AZ", "+994501234567"),
        ("012 493 00 00", "AZ", "+994124930000"),
        ("+1 650 253 0000", "AZ", "+16502530000"),
        ("030 12345678", "DE", "+493012345678"),
        ("030 12345678", "de", "+493012345678"),
        ("+994 50 123 45 67", "DE", "+994501234567"),
    ],
)
def test_phone_normalize(raw: str, region: str, e164: str) -> None:
    assert phone_normalize(raw, default_region=region) == e164


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "is not a phone number"),
        ("123", "is not a valid phone number"),
        ("+994 00 000", "is not a valid phone number"),
        ("+994 50 123 45 6", "is not a valid phone number"),
        ("+994 50 123 45 678", "is not a valid phone number"),
    ],
)
def test_phone_normalize_rejects(raw: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        phone_normalize(raw)


# --------------------------------------------------------------------------- partial dates


@pytest.mark.parametrize(
    ("text", "year", "month", "day", "canonical"),
    [
        ("1985", 1985, None, None, "1985"),
        ("1985-03", 1985, 3, None, "1985-03"),
        ("1985-03-14", 1985, 3, 14, "1985-03-14"),
        ("1985-00-00", 1985, None, None, "1985"),
        ("1985-03-00", 1985, 3, None, "1985-03"),
        ("1985-00", 1985, None, None, "1985"),
        (" 2000-02-29 ", 2000, 2, 29, "2000-02-29"),
        ("1850", 1850, None, None, "1850"),
        ("9999-12-31", 9999, 12, 31, "9999-12-31"),
    ],
)
def test_partial_date_parse(
    text: str, year: int, month: int | None, day: int | None, canonical: str
) -> None:
    value = PartialDate.parse(text)
    assert (value.year, value.month, value.day) == (year, month, day)
    assert str(value) == canonical


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "YYYY"),
        ("85", "YYYY"),
        ("1985-3-14", "YYYY"),
        ("1985/03/14", "YYYY"),
        ("19850314", "YYYY"),
        ("1985-03-14T00:00", "YYYY"),
        ("10000", "YYYY"),
        ("١٩٨٥", "YYYY"),
        ("1849", "1850"),
        ("0000", "1850"),
        ("1985-13", "month 13"),
        ("1985-02-29", "1985-02-29 does not exist"),
        ("1900-02-29", "does not exist"),
        ("1985-04-31", "does not exist"),
        ("1985-00-14", "day cannot be given without a month"),
    ],
)
def test_partial_date_parse_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        PartialDate.parse(text)


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(1849, None, None), (10000, None, None), (1985, 0, None), (1985, None, 1), (1985, 2, 0)],
)
def test_partial_date_constructor_validates(year: int, month: int | None, day: int | None) -> None:
    with pytest.raises(ValueError):
        PartialDate(year, month, day)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("1985", date(1985, 1, 1), date(1985, 12, 31)),
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),
        ("1900-02", date(1900, 2, 1), date(1900, 2, 28)),
        ("1985-04", date(1985, 4, 1), date(1985, 4, 30)),
        ("1985-03-14", date(1985, 3, 14), date(1985, 3, 14)),
    ],
)
def test_partial_date_bounds(text: str, earliest: date, latest: date) -> None:
    value = PartialDate.parse(text)
    assert value.earliest() == earliest
    assert value.latest() == latest
    assert value.contains(earliest)
    assert value.contains(latest)
    assert not value.contains(earliest - timedelta(days=1))
    assert not value.contains(latest + timedelta(days=1))


def test_partial_date_complete_and_to_date() -> None:
    assert PartialDate(1985, 3, 14).is_complete
    assert PartialDate(1985, 3, 14).to_date() == date(1985, 3, 14)
    assert PartialDate.from_date(date(1985, 3, 14)) == PartialDate(1985, 3, 14)
    for partial in (PartialDate(1985), PartialDate(1985, 3)):
        assert not partial.is_complete
        with pytest.raises(ValueError, match="partial"):
            partial.to_date()


def test_partial_date_ordering() -> None:
    values = [
        PartialDate(1986),
        PartialDate(1985, 1, 1),
        PartialDate(1985, 2),
        PartialDate(1985),
        PartialDate(1985, 1),
    ]
    assert sorted(values) == [
        PartialDate(1985),
        PartialDate(1985, 1),
        PartialDate(1985, 1, 1),
        PartialDate(1985, 2),
        PartialDate(1986),
    ]
    assert PartialDate(1985) < PartialDate(1985, 1) <= PartialDate(1985, 1)
    assert PartialDate(1986) > PartialDate(1985, 12, 31) >= PartialDate(1985, 12)
    assert PartialDate(1985, 3) == PartialDate.parse("1985-03-00")
    assert len({PartialDate(1985, 3), PartialDate.parse("1985-03")}) == 1
    with pytest.raises(TypeError):
        _ = PartialDate(1985) < date(1985, 1, 1)


def test_partial_date_definitely_before_after() -> None:
    year = PartialDate(1985)
    march = PartialDate(1985, 3)
    assert not year.definitely_before(march)  # overlapping ranges
    assert not year.definitely_after(march)
    assert PartialDate(1984).definitely_before(march)
    assert PartialDate(1985, 4).definitely_after(march)
    assert march.definitely_before(date(1985, 4, 1))
    assert not march.definitely_before(date(1985, 3, 31))
    assert march.definitely_after(date(1985, 2, 28))
    assert not march.definitely_after(date(1985, 3, 1))


def test_partial_date_is_frozen() -> None:
    value = PartialDate(1985)
    with pytest.raises(FrozenInstanceError):
        value.year = 1986  # type: ignore[misc]


partial_dates = st.builds(
    lambda d, keep: PartialDate(d.year, d.month if keep > 0 else None, d.day if keep > 1 else None),
    st.dates(min_value=date(1850, 1, 1), max_value=date(9999, 12, 31)),
    st.integers(min_value=0, max_value=2),
)


@given(partial_dates)
def test_partial_date_round_trip(value: PartialDate) -> None:
    assert PartialDate.parse(str(value)) == value
    assert value.earliest() <= value.latest()
    assert value.contains(value.earliest()) and value.contains(value.latest())
    assert PartialDate.from_date(value.earliest()) >= value


@given(partial_dates, partial_dates)
def test_partial_date_before_after_consistent(a: PartialDate, b: PartialDate) -> None:
    assert a.definitely_before(b) == b.definitely_after(a)
    if a.definitely_before(b):
        assert a < b
    assert not (a.definitely_before(b) and a.definitely_after(b))
