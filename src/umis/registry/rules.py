"""Pure registry rules: personal numbers (FIN), VÖEN, phone numbers and partial dates.

No Django and no I/O so that models, forms, the API and demo data share one definition
and the rules can be tested exhaustively.

Convention: ``*_normalize`` turns user input into the canonical stored form and
``*_is_valid`` checks the canonical form strictly, so validate what you store::

    fin = fin_normalize(raw)
    if not fin_is_valid(fin): ...
"""

from __future__ import annotations

import calendar
import random
import re
import secrets
from dataclasses import dataclass
from datetime import date
from functools import total_ordering
from typing import Final, Literal

import phonenumbers

__all__ = [
    "FIN_ALPHABET",
    "FIN_LENGTH",
    "PARTIAL_DATE_MAX_YEAR",
    "PARTIAL_DATE_MIN_YEAR",
    "VOEN_LEGAL_ENTITY",
    "VOEN_NATURAL_PERSON",
    "PartialDate",
    "fin_generate",
    "fin_is_valid",
    "fin_normalize",
    "phone_normalize",
    "voen_check_digit",
    "voen_generate",
    "voen_is_valid",
    "voen_normalize",
]

# --------------------------------------------------------------------------- FIN

# No 0/O and 1/I so a FIN read aloud or copied by hand cannot be confused.
FIN_ALPHABET: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FIN_LENGTH: Final = 7
_FIN_CHARS: Final = frozenset(FIN_ALPHABET)


def fin_normalize(value: str) -> str:
    """Canonical form of a personal number (FIN): surrounding whitespace removed, uppercased."""
    return value.strip().upper()


def fin_is_valid(value: str) -> bool:
    """True if ``value`` is a canonical FIN: 7 characters from ``FIN_ALPHABET``."""
    return len(value) == FIN_LENGTH and all(char in _FIN_CHARS for char in value)


def fin_generate(rng: random.Random | None = None) -> str:
    """A random FIN. Without ``rng`` the ``secrets`` module is used (real issuance);
    pass a seeded ``random.Random`` for reproducible demo data."""
    if rng is None:
        return "".join(secrets.choice(FIN_ALPHABET) for _ in range(FIN_LENGTH))
    return "".join(rng.choice(FIN_ALPHABET) for _ in range(FIN_LENGTH))


# --------------------------------------------------------------------------- VÖEN

VOEN_LEGAL_ENTITY: Final = 1
VOEN_NATURAL_PERSON: Final = 2
VoenKind = Literal[1, 2]

# Weights of the VÖEN check digit (9th digit) over the first 8 digits, sum modulo 11.
# No official publication was found. Source: python-stdnum 2.2 (2026), stdnum/az/voen.py,
# whose test suite holds ~150 VÖENs collected from public registers; all of them satisfy
# this rule (re-verified when this module was written). A remainder of 10 cannot be
# written as one digit, so such serial numbers are never issued.
_VOEN_WEIGHTS: Final = (4, 1, 8, 6, 2, 7, 5, 3)
_VOEN_RE: Final = re.compile(r"[0-9]{10}")
_VOEN_SEPARATORS: Final = re.compile(r"[\s\-]")


def voen_normalize(value: str) -> str:
    """Canonical VÖEN: whitespace and hyphens removed ("140 155 5071" -> "1401555071")."""
    return _VOEN_SEPARATORS.sub("", value)


def voen_check_digit(first_eight: str) -> int | None:
    """Check digit for the first 8 digits of a VÖEN, or ``None`` if no digit is possible."""
    if len(first_eight) != 8 or not first_eight.isascii() or not first_eight.isdigit():
        raise ValueError(f"expected the first 8 digits of a VÖEN, got {first_eight!r}")
    remainder = sum(w * int(d) for w, d in zip(_VOEN_WEIGHTS, first_eight, strict=True)) % 11
    return None if remainder == 10 else remainder


def voen_is_valid(value: str) -> bool:
    """True if ``value`` is a canonical VÖEN (taxpayer identification number).

    Structure: 2 digits territorial unit, 6 digits serial number, 1 check digit, and a last
    digit giving the taxpayer type: 1 = legal entity, 2 = natural person / individual
    entrepreneur. The all-zero number is rejected (its type digit is 0 anyway).
    """
    if not _VOEN_RE.fullmatch(value) or value[9] not in "12" or set(value) == {"0"}:
        return False
    return voen_check_digit(value[:8]) == int(value[8])


def voen_generate(rng: random.Random | None = None, kind: VoenKind = VOEN_LEGAL_ENTITY) -> str:
    """A random valid VÖEN of the given taxpayer ``kind`` (1 legal entity, 2 natural person)
    for demo and test data. Without ``rng`` the ``secrets`` module is used."""
    if kind not in (VOEN_LEGAL_ENTITY, VOEN_NATURAL_PERSON):
        raise ValueError(f"VÖEN kind must be 1 (legal entity) or 2 (natural person), got {kind!r}")
    randbelow = secrets.randbelow if rng is None else (lambda n: rng.randrange(n))
    while True:
        # Territorial codes start at 01; avoid 00 so numbers look plausible.
        first_eight = f"{randbelow(99) + 1:02d}{randbelow(1_000_000):06d}"
        check = voen_check_digit(first_eight)
        if check is not None:  # 1 in 11 serials has no check digit; draw again
            return f"{first_eight}{check}{kind}"


# --------------------------------------------------------------------------- phone


def phone_normalize(raw: str, *, default_region: str = "AZ") -> str:
    """Parse a phone number and return it in E.164 (``+994501234567``).

    Numbers without a ``+`` prefix are read as national numbers of ``default_region``.
    Raises ``ValueError`` if the number cannot be parsed or is not a valid number
    (``phonenumbers.is_valid_number``: right length and allocated prefix for its region).
    """
    text = raw.strip()
    if not text:
        raise ValueError("phone number is empty")
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{raw!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_number(number) or default_region.upper()
        raise ValueError(f"{raw!r} is not a valid phone number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --------------------------------------------------------------------------- partial dates

PARTIAL_DATE_MIN_YEAR: Final = 1850
PARTIAL_DATE_MAX_YEAR: Final = 9999
# re.ASCII: \d would otherwise accept e.g. Arabic-Indic digits.
_PARTIAL_DATE_RE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)


@total_ordering
@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date whose month and/or day may be unknown (common for migrants' birth dates).

    A known day requires a known month. Ordering sorts unknown parts before known ones
    (``1985 < 1985-01 < 1985-01-01``); use ``definitely_before``/``definitely_after`` or
    ``earliest``/``latest`` for comparisons that must respect the uncertainty.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not PARTIAL_DATE_MIN_YEAR <= self.year <= PARTIAL_DATE_MAX_YEAR:
            raise ValueError(
                f"year {self.year} is outside {PARTIAL_DATE_MIN_YEAR}..{PARTIAL_DATE_MAX_YEAR}"
            )
        if self.month is None:
            if self.day is not None:
                raise ValueError("a day cannot be given without a month")
            return
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} does not exist")
        if (
            self.day is not None
            and not 1 <= self.day <= calendar.monthrange(self.year, self.month)[1]
        ):
            raise ValueError(f"{self.year:04d}-{self.month:02d}-{self.day:02d} does not exist")

    @classmethod
    def parse(cls, value: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``00`` marks an unknown month/day."""
        match = _PARTIAL_DATE_RE.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"{value!r} is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(part) if part else 0 for part in match.groups())
        return cls(year, month or None, day or None)

    @classmethod
    def from_date(cls, value: date) -> PartialDate:
        return cls(value.year, value.month, value.day)

    def __str__(self) -> str:
        # Shortest ISO 8601 form: 1985, 1985-03 or 1985-03-14.
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text

    @property
    def is_complete(self) -> bool:
        return self.month is not None and self.day is not None

    def to_date(self) -> date:
        """The exact date; raises ``ValueError`` if month or day is unknown."""
        if self.month is None or self.day is None:
            raise ValueError(f"{self} is a partial date")
        return date(self.year, self.month, self.day)

    def earliest(self) -> date:
        """First day the date can be."""
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        """Last day the date can be."""
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def contains(self, value: date) -> bool:
        """True if ``value`` is one of the days this partial date may stand for."""
        return self.earliest() <= value <= self.latest()

    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def definitely_before(self, other: PartialDate | date) -> bool:
        """True if every possible day of ``self`` is before every possible day of ``other``."""
        other_earliest = other.earliest() if isinstance(other, PartialDate) else other
        return self.latest() < other_earliest

    def definitely_after(self, other: PartialDate | date) -> bool:
        """True if every possible day of ``self`` is after every possible day of ``other``."""
        other_latest = other.latest() if isinstance(other, PartialDate) else other
        return self.earliest() > other_latest

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self.sort_key() < other.sort_key()


# ICAO 9303 codes printed in MRZs that differ from ISO 3166-1 alpha-3 (Germany is "D").
ICAO_TO_ISO = {"D": "DEU"}


def country_from_icao(code: str) -> str:
    """The ISO alpha-3 code for a code read from a document or an MRZ."""
    code = code.strip().upper()
    return ICAO_TO_ISO.get(code, code)


def document_number_normalize(raw: object) -> str:
    """Document numbers as stored and compared: no spaces or hyphens, upper case."""
    return "".join(str(raw or "").split()).upper().replace("-", "")
