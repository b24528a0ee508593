"""ICAO Doc 9303 machine-readable zones (MRZ): check digits, parsing and building.

Pure module (no Django, no I/O) so it can be used by forms, the API, demo data and card
issuance alike, and tested in isolation.

Supported layouts (ICAO 9303 parts 4, 5 and 6):

* TD3 - passports, 2 lines x 44 characters;
* TD2 - 2 lines x 36 characters;
* TD1 - ID cards, 3 lines x 30 characters.

Machine-readable visas (MRV-A/MRV-B share the TD3/TD2 sizes but have a different second
line) are rejected explicitly rather than failing on a misleading check digit.

Parsing only validates the MRZ itself. Whether a document is expired, or whether the
holder's data matches the registry, is business logic for the caller.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, TypeAlias

__all__ = [
    "FILLER",
    "Layout",
    "MRZCheck",
    "MRZData",
    "MRZError",
    "Sex",
    "build_td1",
    "build_td2",
    "build_td3",
    "compute_check_digit",
    "parse_mrz",
]

Layout = Literal["TD1", "TD2", "TD3"]
Sex = Literal["M", "F", "X"]
# Short, stable codes describing which kind of check failed; callers map them to UI texts.
MRZCheck = Literal["length", "charset", "check_digit", "format", "date", "value", "unsupported"]

FILLER: Final = "<"
_ALLOWED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM: Final = _LETTERS | frozenset("0123456789")
_WEIGHTS: Final = (7, 3, 1)

# (line count, line length) of each layout.
_SHAPES: Final[dict[Layout, tuple[int, int]]] = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}

# Width of the name field and of the optional data field(s) per layout.
_NAME_WIDTH: Final[dict[Layout, int]] = {"TD1": 30, "TD2": 31, "TD3": 39}
_TD1_OPTIONAL_1: Final = 15
_TD1_OPTIONAL_2: Final = 11
_TD2_OPTIONAL: Final = 7
_TD3_PERSONAL: Final = 14


class MRZError(ValueError):
    """An MRZ that cannot be parsed or data that cannot be encoded.

    ``field`` is a stable snake_case name of the offending element (``layout``, ``characters``,
    ``document_number_check_digit``, ``birth_date``, ...) and ``check`` a short code of the
    failed rule (see ``MRZCheck``), so callers can react without parsing the message. For check
    digit failures ``expected`` and ``found`` hold the computed and the printed character.
    """

    def __init__(
        self,
        field: str,
        check: MRZCheck,
        message: str,
        *,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.check: MRZCheck = check
        self.message = message
        self.expected = expected
        self.found = found


@dataclass(frozen=True, slots=True)
class MRZData:
    """The decoded content of a valid MRZ.

    ``personal_number`` is the first optional data field (TD3 personal number field, TD2
    optional data, TD1 optional data 1) without the spill of a long document number;
    ``optional_data`` is the TD1 second-line optional data and is empty for TD2/TD3.
    Both have trailing fillers removed. Unknown birth month/day (``<<``) are ``None``.
    """

    layout: Layout
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_year: int
    birth_month: int | None
    birth_day: int | None
    sex: Sex
    expiry_date: date
    optional_data: str
    personal_number: str
    lines: tuple[str, ...]

    @property
    def birth_date(self) -> date | None:
        """The full birth date, or ``None`` when month or day is unknown."""
        if self.birth_month is None or self.birth_day is None:
            return None
        return date(self.birth_year, self.birth_month, self.birth_day)

    @property
    def birth_date_is_partial(self) -> bool:
        return self.birth_month is None or self.birth_day is None


# --------------------------------------------------------------------------- check digits


def _char_value(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == FILLER:
        return 0
    raise MRZError(
        "characters",
        "charset",
        f"character {char!r} is not allowed in an MRZ (only A-Z, 0-9 and '<')",
    )


_VALUES = {
    **{str(d): d for d in range(10)},
    **{chr(ord("A") + i): i + 10 for i in range(26)},
    FILLER: 0,
}


def compute_check_digit(field: str) -> int:
    """ICAO 9303 part 3 check digit: weights 7, 3, 1 repeating, sum modulo 10."""
    # A dict lookup per character: this runs for every document of a bulk load.
    values = _VALUES
    try:
        return sum(values[c] * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10
    except KeyError:
        for char in field:
            _char_value(char)  # raises the MRZError naming the bad character
        raise


def _verify(field: str, label: str, data: str, found: str) -> None:
    expected = str(compute_check_digit(data))
    if found != expected:
        raise MRZError(
            field,
            "check_digit",
            f"{label} check digit is wrong: expected {expected}, found {found}",
            expected=expected,
            found=found,
        )


# --------------------------------------------------------------------------- layout


def _split(text: str) -> tuple[Layout, tuple[str, ...]]:
    cleaned = text.strip().upper()
    lines = [line.strip() for line in cleaned.splitlines() if line.strip()]
    if not lines:
        raise MRZError("layout", "length", "the MRZ is empty")

    if len(lines) == 1:
        # Scanners and copy/paste often deliver the whole zone as one string.
        single = lines[0]
        for layout, (count, width) in _SHAPES.items():
            if len(single) == count * width:
                return layout, tuple(single[i * width : (i + 1) * width] for i in range(count))
        raise MRZError(
            "layout",
            "length",
            "a single-string MRZ must have 90 (TD1), 72 (TD2) or 88 (TD3) characters, "
            f"got {len(single)}",
        )

    if len(lines) == 3:
        for number, line in enumerate(lines, start=1):
            if len(line) != 30:
                raise MRZError(
                    "layout",
                    "length",
                    f"a 3-line MRZ is TD1 with 30 characters per line, "
                    f"but line {number} has {len(line)}",
                )
        return "TD1", tuple(lines)

    if len(lines) == 2:
        by_width: dict[int, Layout] = {36: "TD2", 44: "TD3"}
        two_line = by_width.get(len(lines[0])) or by_width.get(len(lines[1]))
        if two_line is None:
            raise MRZError(
                "layout",
                "length",
                "a 2-line MRZ must have 36 (TD2) or 44 (TD3) characters per line, "
                f"got {len(lines[0])} and {len(lines[1])}",
            )
        width = _SHAPES[two_line][1]
        for number, line in enumerate(lines, start=1):
            if len(line) != width:
                raise MRZError(
                    "layout",
                    "length",
                    f"line {number} has {len(line)} characters, expected {width} for {two_line}",
                )
        return two_line, tuple(lines)

    raise MRZError(
        "layout",
        "length",
        f"an MRZ has 2 lines (TD2, TD3) or 3 lines (TD1), got {len(lines)}",
    )


def _check_charset(lines: tuple[str, ...]) -> None:
    for number, line in enumerate(lines, start=1):
        for position, char in enumerate(line, start=1):
            if char not in _ALLOWED:
                raise MRZError(
                    "characters",
                    "charset",
                    f"line {number}, position {position}: character {char!r} is not allowed "
                    "(only A-Z, 0-9 and '<')",
                )


# --------------------------------------------------------------------------- field decoding


@dataclass(frozen=True, slots=True)
class _Raw:
    """The fixed-position slices of one MRZ, common to all layouts."""

    document_code: str
    issuing_state: str
    name: str
    document_number: str
    document_number_check: str
    nationality: str
    birth: str
    birth_check: str
    sex: str
    expiry: str
    expiry_check: str
    optional_1: str
    optional_2: str
    personal_check: str | None  # TD3 only
    composite_data: str
    composite_check: str


def _slice(layout: Layout, lines: tuple[str, ...]) -> _Raw:
    # Positions per ICAO 9303 part 4 (TD3), part 5 (TD1) and part 6 (TD2).
    if layout == "TD1":
        l1, l2, l3 = lines
        return _Raw(
            document_code=l1[0:2],
            issuing_state=l1[2:5],
            name=l3,
            document_number=l1[5:14],
            document_number_check=l1[14],
            nationality=l2[15:18],
            birth=l2[0:6],
            birth_check=l2[6],
            sex=l2[7],
            expiry=l2[8:14],
            expiry_check=l2[14],
            optional_1=l1[15:30],
            optional_2=l2[18:29],
            personal_check=None,
            composite_data=l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29],
            composite_check=l2[29],
        )
    l1, l2 = lines
    end = 35 if layout == "TD2" else 42  # end of the optional data field on line 2
    return _Raw(
        document_code=l1[0:2],
        issuing_state=l1[2:5],
        name=l1[5:],
        document_number=l2[0:9],
        document_number_check=l2[9],
        nationality=l2[10:13],
        birth=l2[13:19],
        birth_check=l2[19],
        sex=l2[20],
        expiry=l2[21:27],
        expiry_check=l2[27],
        optional_1=l2[28:end],
        optional_2="",
        personal_check=l2[42] if layout == "TD3" else None,
        # TD3's composite also covers the personal number check digit (position 43).
        composite_data=l2[0:10] + l2[13:20] + l2[21 : end + (1 if layout == "TD3" else 0)],
        composite_check=l2[-1],
    )


def _document_code(raw: str) -> str:
    if raw[0] not in _LETTERS:
        raise MRZError("document_code", "format", f"document code {raw!r} must start with a letter")
    if raw[0] == "V":
        raise MRZError(
            "document_code",
            "unsupported",
            "machine-readable visas (document code V) are not supported",
        )
    return raw.rstrip(FILLER)


def _state_code(raw: str, field: str, label: str) -> str:
    # ICAO codes are 1-3 letters padded with fillers ("D<<" for Germany).
    code = raw.rstrip(FILLER)
    if not code or any(char not in _LETTERS for char in code):
        raise MRZError(field, "format", f"{label} {raw!r} is not a valid ICAO code")
    return code


def _name(raw: str) -> tuple[str, str]:
    # Primary and secondary identifiers are separated by "<<"; single "<" separates words.
    primary, _, secondary = raw.rstrip(FILLER).partition(FILLER * 2)
    surname = " ".join(part for part in primary.split(FILLER) if part)
    given_names = " ".join(part for part in secondary.split(FILLER) if part)
    if not surname and not given_names:
        raise MRZError("name", "value", "the name field is empty")
    return surname, given_names


def _document_number(raw: _Raw, *, allow_long: bool) -> tuple[str, str]:
    """Return the document number and what is left of the first optional field.

    A TD1/TD2 document number longer than 9 characters is written as: first 9 characters,
    "<" in the check digit position, then the remaining characters followed by the check
    digit of the whole number and a filler at the start of the optional data field.
    """
    if raw.document_number_check == FILLER and allow_long:
        end = raw.optional_1.find(FILLER)
        spill = raw.optional_1 if end < 0 else raw.optional_1[:end]
        if len(spill) < 2 or FILLER in raw.document_number:
            raise MRZError(
                "document_number_check_digit",
                "format",
                "the document number check digit is '<' but the optional data does not hold "
                "the rest of a long document number followed by its check digit",
            )
        number = raw.document_number + spill[:-1]
        _verify("document_number_check_digit", "document number", number, spill[-1])
        return number, raw.optional_1[len(spill) + 1 :]

    _verify(
        "document_number_check_digit",
        "document number",
        raw.document_number,
        raw.document_number_check,
    )
    number = raw.document_number.rstrip(FILLER)
    if not number:
        raise MRZError("document_number", "value", "the document number is empty")
    return number, raw.optional_1


def _date_part(raw: str, field: str, label: str, *, unknown_ok: bool) -> int | None:
    if unknown_ok and raw == FILLER * 2:
        return None
    if not raw.isdigit():  # ASCII only: the charset was checked before
        raise MRZError(field, "format", f"{label} {raw!r} is not numeric")
    return int(raw)


def _birth_date_parts(raw: str) -> tuple[int, int | None, int | None]:
    """Split YYMMDD; month and day may each be "<<" (unknown), the year may not."""
    if not raw[0:2].isdigit():
        raise MRZError("birth_date", "format", f"birth year {raw[0:2]!r} is not numeric")
    month = _date_part(raw[2:4], "birth_date", "birth month", unknown_ok=True)
    day = _date_part(raw[4:6], "birth_date", "birth day", unknown_ok=True)
    return int(raw[0:2]), month, day


def _birth_date(
    raw: str, parts: tuple[int, int | None, int | None], today: date
) -> tuple[int, int | None, int | None]:
    yy, month, day = parts
    if month is not None and not 1 <= month <= 12:
        raise MRZError("birth_date", "date", f"birth date {raw}: month {month} does not exist")
    if day is not None and not 1 <= day <= 31:
        raise MRZError("birth_date", "date", f"birth date {raw}: day {day} does not exist")

    # The MRZ only has two year digits: take the latest year ending in them whose earliest
    # possible date is not after today (people are born in the past).
    year = today.year - (today.year % 100 - yy) % 100
    if (year, month or 1, day or 1) > (today.year, today.month, today.day):
        year -= 100
    if month is not None and day is not None and day > calendar.monthrange(year, month)[1]:
        raise MRZError(
            "birth_date", "date", f"birth date {raw}: {year}-{month:02d}-{day:02d} does not exist"
        )
    return year, month, day


def _expiry_date(raw: str) -> date:
    # Documents expiring in the 1900s are long gone, so the century is always 20xx.
    try:
        return date(2000 + int(raw[0:2]), int(raw[2:4]), int(raw[4:6]))
    except ValueError:
        raise MRZError("expiry_date", "date", f"expiry date {raw} does not exist") from None


def _sex(raw: str) -> Sex:
    if raw == "M":
        return "M"
    if raw == "F":
        return "F"
    # ICAO writes "<" for unspecified; some states print "X", accept it as well.
    if raw in (FILLER, "X"):
        return "X"
    raise MRZError("sex", "format", f"sex {raw!r} must be M, F or <")


def parse_mrz(text: str, *, today: date | None = None) -> MRZData:
    """Parse and fully validate a TD1, TD2 or TD3 machine-readable zone.

    ``text`` is the MRZ as lines separated by newlines (LF or CRLF) or as one string of the
    full length; surrounding whitespace is ignored and letters are uppercased. ``today``
    anchors the birth-year century inference (defaults to ``date.today()``).

    Checks run in a fixed order so the first error is deterministic: layout, character set,
    document code, issuing state, name, document number (check digit), nationality, birth
    date (format, check digit, calendar), sex, expiry date (format, check digit, calendar),
    TD3 personal number check digit and finally the composite check digit.

    Raises ``MRZError`` describing the first failed check.
    """
    layout, lines = _split(text)
    _check_charset(lines)
    raw = _slice(layout, lines)

    document_code = _document_code(raw.document_code)
    issuing_state = _state_code(raw.issuing_state, "issuing_state", "issuing state")
    surname, given_names = _name(raw.name)
    document_number, optional_1 = _document_number(raw, allow_long=layout != "TD3")
    nationality = _state_code(raw.nationality, "nationality", "nationality")

    # Format before check digit: "74O812" is better reported as a letter in the date than
    # as the check digit mismatch it causes.
    birth_parts = _birth_date_parts(raw.birth)
    _verify("birth_date_check_digit", "birth date", raw.birth, raw.birth_check)
    birth_year, birth_month, birth_day = _birth_date(raw.birth, birth_parts, today or date.today())

    sex = _sex(raw.sex)

    if not raw.expiry.isdigit():
        raise MRZError("expiry_date", "format", f"expiry date {raw.expiry!r} is not numeric")
    _verify("expiry_date_check_digit", "expiry date", raw.expiry, raw.expiry_check)
    expiry_date = _expiry_date(raw.expiry)

    if raw.personal_check is not None:
        # ICAO allows "<" as the check digit when the personal number field is unused.
        unused = raw.optional_1.strip(FILLER) == ""
        if not (unused and raw.personal_check == FILLER):
            _verify(
                "personal_number_check_digit",
                "personal number",
                raw.optional_1,
                raw.personal_check,
            )

    _verify("composite_check_digit", "composite", raw.composite_data, raw.composite_check)

    return MRZData(
        layout=layout,
        document_code=document_code,
        issuing_state=issuing_state,
        surname=surname,
        given_names=given_names,
        document_number=document_number,
        nationality=nationality,
        birth_year=birth_year,
        birth_month=birth_month,
        birth_day=birth_day,
        sex=sex,
        expiry_date=expiry_date,
        optional_data=raw.optional_2.rstrip(FILLER),
        personal_number=optional_1.rstrip(FILLER),
        lines=lines,
    )


# --------------------------------------------------------------------------- builders

BirthDate: TypeAlias = date | tuple[int, int | None, int | None]


def _pad(value: str, width: int) -> str:
    return value + FILLER * (width - len(value))


def transliterate(value: str, table: Mapping[str, str]) -> str:
    """A name as the MRZ writes it (ICAO 9303 Part 3, Section 6): upper case, the
    issuing country's table for letters with a chosen spelling (Ə -> A, Ä -> AE, ß -> SS),
    every other accented Latin letter without its accent (Ş -> S, Ñ -> N). Letters of
    other scripts are left for the encoder to drop: names reach the card in Latin."""
    out: list[str] = []
    for char in value.upper():
        mapped = table.get(char)
        if mapped is None:
            base = unicodedata.normalize("NFKD", char)
            mapped = "".join(c for c in base if not unicodedata.combining(c))
        out.append(mapped)
    return "".join(out)


def _encode_name_part(value: str) -> str:
    chars: list[str] = []
    for char in value.upper():
        if "A" <= char <= "Z":
            chars.append(char)
        elif char.isspace() or char in "-'<":
            chars.append(FILLER)
        # Anything else (digits, punctuation, untransliterated letters) is dropped.
    # Collapse separators: "<<" inside a component would read as the surname/given split.
    return FILLER.join(part for part in "".join(chars).split(FILLER) if part)


def _encode_name(surname: str, given_names: str, width: int) -> str:
    primary = _encode_name_part(surname)
    secondary = _encode_name_part(given_names)
    if not primary:
        raise MRZError("surname", "value", "the surname has no characters the MRZ can hold")
    name = primary + FILLER * 2 + secondary if secondary else primary
    # ICAO 9303 describes smarter truncation; a plain cut still parses unambiguously.
    return _pad(name[:width], width)


def _encode_document_code(value: str) -> str:
    code = value.strip().upper()
    if not 1 <= len(code) <= 2 or code[0] not in _LETTERS or any(c not in _ALLOWED for c in code):
        raise MRZError("document_code", "format", f"document code {value!r} is not valid")
    encoded = _pad(code, 2)
    _document_code(encoded)  # rejects visas like the parser does
    return encoded


def _encode_state(value: str, field: str, label: str) -> str:
    code = value.strip().upper()
    if not 1 <= len(code) <= 3 or any(char not in _LETTERS for char in code):
        raise MRZError(field, "format", f"{label} {value!r} must be 1-3 letters")
    return _pad(code, 3)


def _encode_identifier(value: str, field: str, label: str, width: int) -> str:
    # Identifiers are never silently rewritten: anything outside the MRZ alphabet is an error.
    code = value.strip().upper().rstrip(FILLER)
    if any(char not in _ALLOWED for char in code):
        raise MRZError(field, "format", f"{label} {value!r} may only contain A-Z, 0-9 and '<'")
    if len(code) > width:
        raise MRZError(field, "length", f"{label} {value!r} is longer than {width} characters")
    return code


def _encode_birth_date(value: BirthDate) -> str:
    if isinstance(value, date):
        return f"{value.year % 100:02d}{value.month:02d}{value.day:02d}"
    year, month, day = value
    if not 1 <= year <= 9999:
        raise MRZError("birth_date", "date", f"birth year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise MRZError("birth_date", "date", f"birth month {month} does not exist")
    if day is not None and not 1 <= day <= 31:
        raise MRZError("birth_date", "date", f"birth day {day} does not exist")
    if month is not None and day is not None and day > calendar.monthrange(year, month)[1]:
        raise MRZError(
            "birth_date", "date", f"birth date {year}-{month:02d}-{day:02d} does not exist"
        )
    mm = FILLER * 2 if month is None else f"{month:02d}"
    dd = FILLER * 2 if day is None else f"{day:02d}"
    return f"{year % 100:02d}{mm}{dd}"


def _encode_expiry_date(value: date) -> str:
    if not 2000 <= value.year <= 2099:
        raise MRZError(
            "expiry_date", "value", f"expiry date {value} must be in 2000-2099 (MRZ century 20xx)"
        )
    return f"{value.year % 100:02d}{value.month:02d}{value.day:02d}"


def _encode_sex(value: str) -> str:
    sex = value.strip().upper()
    if sex in ("M", "F"):
        return sex
    if sex in ("X", FILLER):
        return FILLER
    raise MRZError("sex", "format", f"sex {value!r} must be M, F or X")


def _with_check(value: str) -> str:
    return value + str(compute_check_digit(value))


def _encode_document_number(value: str, optional: str, width: int) -> tuple[str, str]:
    """Return the 10-character number+check field and the optional data field.

    Numbers longer than 9 characters use the TD1/TD2 overflow scheme (see
    ``_document_number``); TD3 callers pass ``width=0`` to forbid it.
    """
    number = value.strip().upper()
    if not number or any(char not in _ALNUM for char in number):
        raise MRZError(
            "document_number", "format", f"document number {value!r} may only contain A-Z, 0-9"
        )
    if len(number) <= 9:
        return _with_check(_pad(number, 9)), _pad(optional, width)
    spill = number[9:] + str(compute_check_digit(number))
    combined = spill + FILLER + optional if optional else spill
    if width == 0 or len(combined) > width:
        raise MRZError(
            "document_number",
            "length",
            f"document number {value!r} (with the optional data) does not fit the MRZ",
        )
    return number[:9] + FILLER, _pad(combined, width)


def build_td3(
    *,
    document_code: str,
    issuing_state: str,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: BirthDate,
    sex: str,
    expiry_date: date,
    personal_number: str = "",
) -> tuple[str, str]:
    """Build a TD3 (passport) MRZ; ``parse_mrz`` of the result returns the same data.

    Names must already be transliterated; they are uppercased, spaces, hyphens and apostrophes
    become ``<``, other characters are dropped and the result is cut to fit. Codes and
    numbers are validated instead, since silently altering them would corrupt identifiers.
    ``birth_date`` may be a ``(year, month | None, day | None)`` tuple for partial dates.
    """
    personal = _encode_identifier(personal_number, "personal_number", "personal number", 14)
    number_field, _ = _encode_document_number(document_number, "", 0)
    line1 = (
        _encode_document_code(document_code)
        + _encode_state(issuing_state, "issuing_state", "issuing state")
        + _encode_name(surname, given_names, _NAME_WIDTH["TD3"])
    )
    personal_field = _pad(personal, _TD3_PERSONAL)
    # An unused personal number gets "<" as its check digit, as ICAO permits.
    personal_check = str(compute_check_digit(personal_field)) if personal else FILLER
    line2 = (
        number_field
        + _encode_state(nationality, "nationality", "nationality")
        + _with_check(_encode_birth_date(birth_date))
        + _encode_sex(sex)
        + _with_check(_encode_expiry_date(expiry_date))
        + personal_field
        + personal_check
    )
    line2 += str(compute_check_digit(_slice("TD3", (line1, line2 + "0")).composite_data))
    return line1, line2


def build_td2(
    *,
    document_code: str,
    issuing_state: str,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: BirthDate,
    sex: str,
    expiry_date: date,
    personal_number: str = "",
) -> tuple[str, str]:
    """Build a TD2 MRZ; ``personal_number`` goes to the 7-character optional data field."""
    personal = _encode_identifier(
        personal_number, "personal_number", "personal number", _TD2_OPTIONAL
    )
    number_field, optional_field = _encode_document_number(document_number, personal, _TD2_OPTIONAL)
    line1 = (
        _encode_document_code(document_code)
        + _encode_state(issuing_state, "issuing_state", "issuing state")
        + _encode_name(surname, given_names, _NAME_WIDTH["TD2"])
    )
    line2 = (
        number_field
        + _encode_state(nationality, "nationality", "nationality")
        + _with_check(_encode_birth_date(birth_date))
        + _encode_sex(sex)
        + _with_check(_encode_expiry_date(expiry_date))
        + optional_field
    )
    line2 += str(compute_check_digit(_slice("TD2", (line1, line2 + "0")).composite_data))
    return line1, line2


def build_td1(
    *,
    document_code: str,
    issuing_state: str,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: BirthDate,
    sex: str,
    expiry_date: date,
    personal_number: str = "",
    optional_data: str = "",
) -> tuple[str, str, str]:
    """Build a TD1 (ID card) MRZ; ``parse_mrz`` of the result returns the same data.

    ``personal_number`` goes to optional data 1 (line 1), after the overflow of a document
    number longer than 9 characters; ``optional_data`` to optional data 2 (line 2).
    """
    personal = _encode_identifier(
        personal_number, "personal_number", "personal number", _TD1_OPTIONAL_1
    )
    optional = _encode_identifier(optional_data, "optional_data", "optional data", _TD1_OPTIONAL_2)
    number_field, optional_field = _encode_document_number(
        document_number, personal, _TD1_OPTIONAL_1
    )
    line1 = (
        _encode_document_code(document_code)
        + _encode_state(issuing_state, "issuing_state", "issuing state")
        + number_field
        + optional_field
    )
    line2 = (
        _with_check(_encode_birth_date(birth_date))
        + _encode_sex(sex)
        + _with_check(_encode_expiry_date(expiry_date))
        + _encode_state(nationality, "nationality", "nationality")
        + _pad(optional, _TD1_OPTIONAL_2)
    )
    line3 = _encode_name(surname, given_names, _NAME_WIDTH["TD1"])
    line2 += str(compute_check_digit(_slice("TD1", (line1, line2 + "0", line3)).composite_data))
    return line1, line2, line3
