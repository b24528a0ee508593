"""Tests for umis.registry.mrz (ICAO 9303 machine-readable zones)."""

from __future__ import annotations

import string
from dataclasses import FrozenInstanceError
from datetime import date
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from umis.registry.mrz import (
    MRZData,
    MRZError,
    build_td1,
    build_td2,
    build_td3,
    compute_check_digit,
    parse_mrz,
)

# ICAO 9303 specimens (part 4 TD3, part 5 TD1 incl. the long document number example,
# part 6 TD2).
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD1_LONG = (
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
)
TD2 = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
)

TODAY = date(2024, 6, 15)


def join(lines: tuple[str, ...]) -> str:
    return "\n".join(lines)


def replace(lines: tuple[str, ...], line: int, pos: int, char: str) -> str:
    changed = list(lines)
    changed[line] = changed[line][:pos] + char + changed[line][pos + 1 :]
    return join(tuple(changed))


def cd(value: str) -> str:
    return str(compute_check_digit(value))


def td3_line2(
    number: str = "L898902C3",
    nationality: str = "UTO",
    birth: str = "740812",
    sex: str = "F",
    expiry: str = "120415",
    personal: str = "ZE184226B<<<<<",
    personal_check: str | None = None,
) -> str:
    """A TD3 second line with all check digits computed independently of the builder."""
    pcheck = cd(personal) if personal_check is None else personal_check
    line = number + cd(number) + nationality + birth + cd(birth) + sex + expiry + cd(expiry)
    line += personal + pcheck
    return line + cd(line[0:10] + line[13:20] + line[21:43])


def td1_lines(
    line1_tail: str = "D231458907<<<<<<<<<<<<<<<",
    birth: str = "740812",
    expiry: str = "120415",
    optional_2: str = "<<<<<<<<<<<",
) -> tuple[str, str, str]:
    line1 = "I<UTO" + line1_tail
    line2 = birth + cd(birth) + "F" + expiry + cd(expiry) + "UTO" + optional_2
    line2 += cd(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return line1, line2, TD1[2]


# --------------------------------------------------------------------------- check digits


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C3", 6),
        ("740812", 2),
        ("120415", 9),
        ("ZE184226B<<<<<", 1),
        ("D23145890", 7),
        ("D23145890734", 9),
        ("<<<<<<<<<<<<<<", 0),
        ("", 0),
        ("AZ", (10 * 7 + 35 * 3) % 10),
    ],
)
def test_compute_check_digit(field: str, digit: int) -> None:
    assert compute_check_digit(field) == digit


@pytest.mark.parametrize("field", ["abc", "A B", "Ä12", "12-3"])
def test_compute_check_digit_rejects_foreign_characters(field: str) -> None:
    with pytest.raises(MRZError) as info:
        compute_check_digit(field)
    assert info.value.field == "characters"
    assert info.value.check == "charset"


# --------------------------------------------------------------------------- specimens


def test_td3_specimen() -> None:
    data = parse_mrz(join(TD3), today=TODAY)
    assert data == MRZData(
        layout="TD3",
        document_code="P",
        issuing_state="UTO",
        surname="ERIKSSON",
        given_names="ANNA MARIA",
        document_number="L898902C3",
        nationality="UTO",
        birth_year=1974,
        birth_month=8,
        birth_day=12,
        sex="F",
        expiry_date=date(2012, 4, 15),
        optional_data="",
        personal_number="ZE184226B",
        lines=TD3,
    )
    assert data.birth_date == date(1974, 8, 12)
    assert not data.birth_date_is_partial


def test_td1_specimen() -> None:
    data = parse_mrz(join(TD1), today=TODAY)
    assert data.layout == "TD1"
    assert data.document_code == "I"
    assert data.issuing_state == "UTO"
    assert (data.surname, data.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert data.document_number == "D23145890"
    assert data.nationality == "UTO"
    assert data.birth_date == date(1974, 8, 12)
    assert data.sex == "F"
    assert data.expiry_date == date(2012, 4, 15)
    assert data.personal_number == ""
    assert data.optional_data == ""
    assert data.lines == TD1


def test_td1_long_document_number_specimen() -> None:
    data = parse_mrz(join(TD1_LONG), today=TODAY)
    assert data.document_number == "D23145890734"
    assert data.personal_number == ""
    assert (data.surname, data.given_names) == ("STEVENSON", "PETER JOHN")
    assert data.birth_date == date(1934, 7, 12)
    assert data.sex == "M"
    # The MRZ expiry century is always 20xx.
    assert data.expiry_date == date(2095, 7, 12)


def test_td2_specimen() -> None:
    data = parse_mrz(join(TD2), today=TODAY)
    assert data.layout == "TD2"
    assert data.document_code == "I"
    assert data.document_number == "D23145890"
    assert (data.surname, data.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert data.birth_date == date(1974, 8, 12)
    assert data.expiry_date == date(2012, 4, 15)
    assert data.personal_number == ""


def test_result_is_frozen() -> None:
    data = parse_mrz(join(TD3), today=TODAY)
    with pytest.raises(FrozenInstanceError):
        data.surname = "X"  # type: ignore[misc]


# --------------------------------------------------------------------------- input forms


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(TD3),
        "\r\n".join(TD3),
        "".join(TD3),
        "  \n" + "\n".join(TD3) + "\n\n  ",
        "\n\n".join(TD3),
        "\n".join(line + "  " for line in TD3),
        "\n".join(TD3).lower(),
    ],
    ids=["lf", "crlf", "single-string", "surrounding-space", "blank-line", "trailing", "lower"],
)
def test_accepted_input_forms(text: str) -> None:
    assert parse_mrz(text, today=TODAY).lines == TD3


@pytest.mark.parametrize("lines", [TD1, TD2], ids=["TD1", "TD2"])
def test_single_string_td1_td2(lines: tuple[str, ...]) -> None:
    assert parse_mrz("".join(lines), today=TODAY).lines == lines


def test_today_defaults_to_current_date() -> None:
    assert parse_mrz(join(TD3)).birth_year == 1974


# --------------------------------------------------------------------------- check digit errors


@pytest.mark.parametrize(
    ("lines", "line", "pos", "field"),
    [
        (TD3, 1, 9, "document_number_check_digit"),
        (TD3, 1, 19, "birth_date_check_digit"),
        (TD3, 1, 27, "expiry_date_check_digit"),
        (TD3, 1, 42, "personal_number_check_digit"),
        (TD3, 1, 43, "composite_check_digit"),
        (TD1, 0, 14, "document_number_check_digit"),
        (TD1, 1, 6, "birth_date_check_digit"),
        (TD1, 1, 14, "expiry_date_check_digit"),
        (TD1, 1, 29, "composite_check_digit"),
        (TD1_LONG, 0, 18, "document_number_check_digit"),
        (TD1_LONG, 1, 6, "birth_date_check_digit"),
        (TD1_LONG, 1, 14, "expiry_date_check_digit"),
        (TD1_LONG, 1, 29, "composite_check_digit"),
        (TD2, 1, 9, "document_number_check_digit"),
        (TD2, 1, 19, "birth_date_check_digit"),
        (TD2, 1, 27, "expiry_date_check_digit"),
        (TD2, 1, 35, "composite_check_digit"),
    ],
)
@pytest.mark.parametrize("offset", [1, 5, 9])
def test_corrupted_check_digit(
    lines: tuple[str, ...], line: int, pos: int, field: str, offset: int
) -> None:
    original = lines[line][pos]
    wrong = str((int(original) + offset) % 10)
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(lines, line, pos, wrong), today=TODAY)
    error = info.value
    assert error.field == field
    assert error.check == "check_digit"
    assert (error.expected, error.found) == (original, wrong)
    assert f"expected {original}" in str(error)
    assert f"found {wrong}" in str(error)


@pytest.mark.parametrize(
    ("lines", "line", "pos", "field"),
    [
        (TD3, 1, 9, "document_number_check_digit"),
        (TD3, 1, 19, "birth_date_check_digit"),
        (TD3, 1, 27, "expiry_date_check_digit"),
        (TD3, 1, 42, "personal_number_check_digit"),
        (TD3, 1, 43, "composite_check_digit"),
        (TD2, 1, 35, "composite_check_digit"),
        (TD1, 1, 29, "composite_check_digit"),
    ],
)
def test_filler_in_check_digit_position(
    lines: tuple[str, ...], line: int, pos: int, field: str
) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(lines, line, pos, "<"), today=TODAY)
    assert info.value.field == field
    assert info.value.found == "<"


@pytest.mark.parametrize(
    ("lines", "line", "pos", "char", "field"),
    [
        # A changed data character is caught by the check digit covering it.
        (TD3, 1, 0, "M", "document_number_check_digit"),
        (TD3, 1, 15, "9", "birth_date_check_digit"),
        (TD3, 1, 23, "1", "expiry_date_check_digit"),
        (TD3, 1, 30, "2", "personal_number_check_digit"),
        # "<" -> "B" (0 -> 11): "A" (10) would be invisible to any check digit at weight 1 or 7.
        (TD1, 0, 20, "B", "composite_check_digit"),  # optional data 1
        (TD1, 1, 20, "B", "composite_check_digit"),  # optional data 2
        (TD2, 1, 30, "B", "composite_check_digit"),  # optional data
        (TD1_LONG, 0, 16, "5", "document_number_check_digit"),  # long number overflow
    ],
)
def test_corrupted_data_is_caught(
    lines: tuple[str, ...], line: int, pos: int, char: str, field: str
) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(lines, line, pos, char), today=TODAY)
    assert info.value.field == field
    assert info.value.check == "check_digit"


def test_empty_personal_number_may_have_filler_or_zero_check_digit() -> None:
    empty = "<" * 14
    for check in ("<", "0"):
        line2 = td3_line2(personal=empty, personal_check=check)
        data = parse_mrz(join((TD3[0], line2)), today=TODAY)
        assert data.personal_number == ""


def test_filled_personal_number_requires_digit_check() -> None:
    line2 = td3_line2(personal_check="<")
    with pytest.raises(MRZError) as info:
        parse_mrz(join((TD3[0], line2)), today=TODAY)
    assert info.value.field == "personal_number_check_digit"
    assert (info.value.expected, info.value.found) == ("1", "<")


# --------------------------------------------------------------------------- layout errors


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   \n  ", "empty"),
        (TD3[0], "single-string"),
        ("".join(TD3)[:-1], "got 87"),
        (join((TD3[0], TD3[1][:-1])), "line 2 has 43 characters, expected 44 for TD3"),
        (join((TD3[0][:-1], TD3[1])), "line 1 has 43 characters, expected 44 for TD3"),
        (join((TD2[0], TD2[1] + "<")), "line 2 has 37 characters, expected 36 for TD2"),
        (join((TD3[0], TD2[1])), "line 2 has 36 characters, expected 44 for TD3"),
        (join(("A" * 40, "B" * 40)), "got 40 and 40"),
        (join((TD1[0], TD1[1][:-1], TD1[2])), "line 2 has 29"),
        (join((*TD1, TD1[2])), "got 4"),
    ],
)
def test_layout_errors(text: str, fragment: str) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(text, today=TODAY)
    assert info.value.field == "layout"
    assert info.value.check == "length"
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("line", "pos", "char"),
    [(0, 10, "*"), (1, 5, " "), (0, 44 - 1, "Ä"), (1, 0, "-")],
)
def test_bad_characters(line: int, pos: int, char: str) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(TD3, line, pos, char), today=TODAY)
    assert info.value.field == "characters"
    assert info.value.check == "charset"
    assert f"line {line + 1}, position {pos + 1}" in str(info.value)


def test_visa_is_rejected() -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(TD3, 0, 0, "V"), today=TODAY)
    assert (info.value.field, info.value.check) == ("document_code", "unsupported")


def test_document_code_must_start_with_letter() -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(TD3, 0, 0, "<"), today=TODAY)
    assert (info.value.field, info.value.check) == ("document_code", "format")


@pytest.mark.parametrize(
    ("line1", "field"),
    [
        ("P<<<<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "issuing_state"),
        ("P<U1OERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "issuing_state"),
        ("P<UTO" + "<" * 39, "name"),
    ],
)
def test_line1_field_errors(line1: str, field: str) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(join((line1, TD3[1])), today=TODAY)
    assert info.value.field == field


def test_nationality_must_be_letters() -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(join((TD3[0], td3_line2(nationality="<<<"))), today=TODAY)
    assert (info.value.field, info.value.check) == ("nationality", "format")


def test_icao_short_state_codes_are_kept() -> None:
    line1 = "P<D<<MUSTERMANN<<ERIKA" + "<" * 22
    data = parse_mrz(join((line1, td3_line2(nationality="XXA"))), today=TODAY)
    assert data.issuing_state == "D"
    assert data.nationality == "XXA"


def test_empty_document_number() -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(join((TD3[0], td3_line2(number="<" * 9))), today=TODAY)
    assert (info.value.field, info.value.check) == ("document_number", "value")


def test_short_document_number_is_stripped() -> None:
    data = parse_mrz(join((TD3[0], td3_line2(number="AB12<<<<<"))), today=TODAY)
    assert data.document_number == "AB12"


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "surname", "given_names"),
    [
        ("ERIKSSON<<ANNA<MARIA", "ERIKSSON", "ANNA MARIA"),
        ("VAN<DER<BERG<<JAN", "VAN DER BERG", "JAN"),
        ("MONONYM", "MONONYM", ""),
        ("SURNAME<", "SURNAME", ""),
        ("<<GIVENONLY", "", "GIVENONLY"),
    ],
)
def test_name_splitting(name: str, surname: str, given_names: str) -> None:
    line1 = "P<UTO" + name + "<" * (39 - len(name))
    data = parse_mrz(join((line1, TD3[1])), today=TODAY)
    assert (data.surname, data.given_names) == (surname, given_names)


# --------------------------------------------------------------------------- sex


@pytest.mark.parametrize(("char", "sex"), [("M", "M"), ("F", "F"), ("<", "X"), ("X", "X")])
def test_sex(char: str, sex: str) -> None:
    # The sex position is covered by no check digit.
    assert parse_mrz(replace(TD3, 1, 20, char), today=TODAY).sex == sex


def test_bad_sex() -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(TD3, 1, 20, "Q"), today=TODAY)
    assert (info.value.field, info.value.check) == ("sex", "format")


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("birth", "year", "month", "day"),
    [
        ("85<<<<", 1985, None, None),
        ("8503<<", 1985, 3, None),
        ("85<<14", 1985, None, 14),
        ("850314", 1985, 3, 14),
    ],
)
def test_partial_birth_dates(birth: str, year: int, month: int | None, day: int | None) -> None:
    data = parse_mrz(join((TD3[0], td3_line2(birth=birth))), today=TODAY)
    assert (data.birth_year, data.birth_month, data.birth_day) == (year, month, day)
    assert data.birth_date_is_partial == (month is None or day is None)
    if data.birth_date_is_partial:
        assert data.birth_date is None


@pytest.mark.parametrize(
    ("birth", "today", "year"),
    [
        ("240615", date(2024, 6, 15), 2024),  # born today
        ("240616", date(2024, 6, 15), 1924),  # would be tomorrow
        ("24<<<<", date(2024, 6, 15), 2024),
        ("2407<<", date(2024, 6, 15), 1924),
        ("000101", date(2024, 6, 15), 2000),
        ("990101", date(2024, 6, 15), 1999),
        ("250101", date(2024, 12, 31), 1925),
        ("000229", date(2024, 6, 15), 2000),  # leap year in the inferred century
    ],
)
def test_birth_century_never_in_future(birth: str, today: date, year: int) -> None:
    data = parse_mrz(join((TD3[0], td3_line2(birth=birth))), today=today)
    assert data.birth_year == year


@pytest.mark.parametrize(
    ("birth", "check", "fragment"),
    [
        ("741312", "date", "month 13"),
        ("740231", "date", "1974-02-31"),
        ("740800", "date", "day 0"),
        ("740832", "date", "day 32"),
        ("000229", "date", "1900-02-29"),  # 1900 is not a leap year
        ("<<0812", "format", "birth year"),
        ("74O812", "format", "birth month"),
        ("74081<", "format", "birth day"),
    ],
)
def test_bad_birth_dates(birth: str, check: str, fragment: str) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(join((TD3[0], td3_line2(birth=birth))), today=date(1999, 1, 1))
    assert (info.value.field, info.value.check) == ("birth_date", check)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("expiry", "check"),
    [("121315", "date"), ("120231", "date"), ("120400", "date"), ("12<<15", "format")],
)
def test_bad_expiry_dates(expiry: str, check: str) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(join((TD3[0], td3_line2(expiry=expiry))), today=TODAY)
    assert (info.value.field, info.value.check) == ("expiry_date", check)


def test_expiry_century_is_2000s() -> None:
    data = parse_mrz(join((TD3[0], td3_line2(expiry="991231"))), today=TODAY)
    assert data.expiry_date == date(2099, 12, 31)


def test_td1_partial_birth_date() -> None:
    data = parse_mrz(join(td1_lines(birth="74<<<<")), today=TODAY)
    assert (data.birth_year, data.birth_month, data.birth_day) == (1974, None, None)


# --------------------------------------------------------------------------- long TD1 numbers


def test_td1_long_document_number_with_personal_number() -> None:
    number = "D23145890734"
    tail = number[:9] + "<" + number[9:] + cd(number) + "<" + "AB12C" + "<" * 5
    data = parse_mrz(join(td1_lines(line1_tail=tail)), today=TODAY)
    assert data.document_number == number
    assert data.personal_number == "AB12C"


def test_td1_long_document_number_filling_optional_field() -> None:
    number = "X" * 9 + "1234567890123"
    tail = number[:9] + "<" + number[9:] + cd(number) + "<"
    data = parse_mrz(join(td1_lines(line1_tail=tail)), today=TODAY)
    assert data.document_number == number
    assert data.personal_number == ""


@pytest.mark.parametrize(
    "tail",
    [
        "D23145890<" + "<" * 15,  # no overflow at all
        "D23145890<" + "7<" + "<" * 13,  # only a check digit, no characters
        "D2314589<<" + "0" + cd("D2314589<0") + "<" * 13,  # short number with "<" check
    ],
)
def test_td1_bad_long_document_number(tail: str) -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(join(td1_lines(line1_tail=tail)), today=TODAY)
    assert (info.value.field, info.value.check) == ("document_number_check_digit", "format")


def test_td3_has_no_long_document_numbers() -> None:
    with pytest.raises(MRZError) as info:
        parse_mrz(replace(TD3, 1, 9, "<"), today=TODAY)
    assert (info.value.field, info.value.check) == ("document_number_check_digit", "check_digit")


# --------------------------------------------------------------------------- builders

ERIKSSON: dict[str, Any] = {
    "issuing_state": "UTO",
    "surname": "Eriksson",
    "given_names": "Anna Maria",
    "document_number": "D23145890",
    "nationality": "UTO",
    "birth_date": date(1974, 8, 12),
    "sex": "F",
    "expiry_date": date(2012, 4, 15),
}


def test_build_td3_reproduces_specimen() -> None:
    fields = ERIKSSON | {"document_number": "L898902C3"}
    assert build_td3(document_code="P", personal_number="ZE184226B", **fields) == TD3


def test_build_td1_reproduces_specimens() -> None:
    assert build_td1(document_code="I", **ERIKSSON) == TD1
    stevenson: dict[str, Any] = {
        "issuing_state": "UTO",
        "surname": "Stevenson",
        "given_names": "Peter John",
        "document_number": "D23145890734",
        "nationality": "UTO",
        "birth_date": date(1934, 7, 12),
        "sex": "M",
        "expiry_date": date(2095, 7, 12),
    }
    assert build_td1(document_code="I", **stevenson) == TD1_LONG


def test_build_td2_reproduces_specimen() -> None:
    assert build_td2(document_code="I", **ERIKSSON) == TD2


def test_build_td3_partial_birth_date_and_unspecified_sex() -> None:
    fields = ERIKSSON | {"birth_date": (1985, None, 14), "sex": "X"}
    line1, line2 = build_td3(document_code="P", **fields)
    assert line2[13:19] == "85<<14"
    assert line2[20] == "<"
    assert line2[42] == "<"  # unused personal number
    data = parse_mrz(join((line1, line2)), today=TODAY)
    assert (data.birth_year, data.birth_month, data.birth_day) == (1985, None, 14)
    assert data.sex == "X"


@pytest.mark.parametrize(
    ("surname", "given_names", "expected"),
    [
        ("o'neil-smith", "mary ann", "O<NEIL<SMITH<<MARY<ANN"),
        ("Müller", "Jürgen", "MLLER<<JRGEN"),  # caller must transliterate first
        ("  de  la   Cruz ", "", "DE<LA<CRUZ"),
        ("Smith, Jr.", "John2", "SMITH<JR<<JOHN"),
        ("ANNA<MARIA", "", "ANNA<MARIA"),
    ],
)
def test_build_name_normalisation(surname: str, given_names: str, expected: str) -> None:
    fields = ERIKSSON | {"surname": surname, "given_names": given_names}
    line1, _ = build_td3(document_code="P", **fields)
    assert line1[5:] == expected + "<" * (39 - len(expected))


def test_build_truncates_long_names() -> None:
    fields = ERIKSSON | {"surname": "A" * 25, "given_names": "B" * 25}
    line1, line2, line3 = build_td1(document_code="I", **fields)
    assert line3 == "A" * 25 + "<<" + "B" * 3
    data = parse_mrz(join((line1, line2, line3)), today=TODAY)
    assert (data.surname, data.given_names) == ("A" * 25, "BBB")

    # A cut inside the "<<" separator still parses as a surname only.
    fields = ERIKSSON | {"surname": "A" * 29, "given_names": "B"}
    line3 = build_td1(document_code="I", **fields)[2]
    assert line3 == "A" * 29 + "<"


def test_build_td1_long_number_with_personal_and_optional_data() -> None:
    fields = ERIKSSON | {"document_number": "LZ1234567890"}
    lines = build_td1(document_code="ID", personal_number="5VBK5VR", optional_data="X1<2", **fields)
    assert lines[0] == "IDUTOLZ1234567<890" + cd("LZ1234567890") + "<5VBK5VR<<<"
    data = parse_mrz(join(lines), today=TODAY)
    assert data.document_code == "ID"
    assert data.document_number == "LZ1234567890"
    assert data.personal_number == "5VBK5VR"
    assert data.optional_data == "X1<2"


@pytest.mark.parametrize(
    ("builder", "overrides", "field", "check"),
    [
        (build_td3, {"surname": "123 !"}, "surname", "value"),
        (build_td3, {"document_number": "AB-12"}, "document_number", "format"),
        (build_td3, {"document_number": ""}, "document_number", "format"),
        (build_td3, {"document_number": "A" * 10}, "document_number", "length"),
        (build_td1, {"document_number": "A" * 25}, "document_number", "length"),
        (
            build_td1,
            {"document_number": "A" * 15, "personal_number": "B" * 9},
            "document_number",
            "length",
        ),
        (build_td2, {"document_number": "A" * 16}, "document_number", "length"),
        (build_td3, {"personal_number": "A" * 15}, "personal_number", "length"),
        (build_td3, {"personal_number": "AB 12"}, "personal_number", "format"),
        (build_td1, {"optional_data": "A" * 12}, "optional_data", "length"),
        (build_td3, {"expiry_date": date(1999, 12, 31)}, "expiry_date", "value"),
        (build_td3, {"expiry_date": date(2100, 1, 1)}, "expiry_date", "value"),
        (build_td3, {"sex": "Q"}, "sex", "format"),
        (build_td3, {"issuing_state": "UTOO"}, "issuing_state", "format"),
        (build_td3, {"issuing_state": ""}, "issuing_state", "format"),
        (build_td3, {"nationality": "U1O"}, "nationality", "format"),
        (build_td3, {"birth_date": (1985, 2, 30)}, "birth_date", "date"),
        (build_td3, {"birth_date": (1985, 13, None)}, "birth_date", "date"),
        (build_td3, {"birth_date": (1985, None, 32)}, "birth_date", "date"),
        (build_td3, {"birth_date": (0, None, None)}, "birth_date", "date"),
        (build_td3, {"document_code": "V"}, "document_code", "unsupported"),
        (build_td3, {"document_code": "1"}, "document_code", "format"),
        (build_td3, {"document_code": "PPP"}, "document_code", "format"),
    ],
)
def test_builder_rejects_bad_input(
    builder: object, overrides: dict[str, Any], field: str, check: str
) -> None:
    fields: dict[str, Any] = {"document_code": "P", **ERIKSSON, **overrides}
    assert callable(builder)
    with pytest.raises(MRZError) as info:
        builder(**fields)
    assert (info.value.field, info.value.check) == (field, check)


# --------------------------------------------------------------------------- properties

UPPER = string.ascii_uppercase
ALNUM = UPPER + string.digits

words = st.text(alphabet=UPPER, min_size=1, max_size=8)
names = st.lists(words, min_size=1, max_size=3).map(" ".join)
states = st.text(alphabet=UPPER, min_size=1, max_size=3)
sexes = st.sampled_from(["M", "F", "X"])
expiries = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
# With TODAY = 2024-06-15 these years are unambiguous for the century inference.
full_births = st.dates(min_value=date(1925, 1, 1), max_value=date(2023, 12, 31))
years = st.integers(min_value=1925, max_value=2023)
partial_births = st.one_of(
    st.tuples(years, st.none(), st.none()),
    st.tuples(years, st.integers(1, 12), st.none()),
    st.tuples(years, st.none(), st.integers(1, 31)),
)
births = st.one_of(full_births, partial_births)


def optional_text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALNUM + "<", max_size=max_size)


def expected_birth(value: date | tuple[int, int | None, int | None]) -> tuple[object, ...]:
    if isinstance(value, date):
        return (value.year, value.month, value.day)
    return value


def assert_round_trip(data: MRZData, fields: dict[str, Any]) -> None:
    assert data.issuing_state == fields["issuing_state"]
    assert data.nationality == fields["nationality"]
    assert data.surname == fields["surname"]
    assert data.given_names == fields["given_names"]
    assert data.document_number == fields["document_number"]
    assert data.sex == fields["sex"]
    assert data.expiry_date == fields["expiry_date"]
    assert (data.birth_year, data.birth_month, data.birth_day) == expected_birth(
        fields["birth_date"]
    )


@given(
    code=st.sampled_from(["P", "PP", "PD", "PO", "PS"]),
    state=states,
    nationality=states,
    surname=names,
    given_names=names | st.just(""),
    number=st.text(alphabet=ALNUM, min_size=1, max_size=9),
    birth=births,
    sex=sexes,
    expiry=expiries,
    personal=optional_text(14),
)
def test_td3_round_trip(
    code: str,
    state: str,
    nationality: str,
    surname: str,
    given_names: str,
    number: str,
    birth: date | tuple[int, int | None, int | None],
    sex: str,
    expiry: date,
    personal: str,
) -> None:
    assume(len(surname) + 2 + len(given_names) <= 39)
    fields: dict[str, Any] = {
        "issuing_state": state,
        "surname": surname,
        "given_names": given_names,
        "document_number": number,
        "nationality": nationality,
        "birth_date": birth,
        "sex": sex,
        "expiry_date": expiry,
    }
    lines = build_td3(document_code=code, personal_number=personal, **fields)
    assert [len(line) for line in lines] == [44, 44]
    data = parse_mrz("\n".join(lines), today=TODAY)
    assert data.layout == "TD3"
    assert data.document_code == code
    assert data.personal_number == personal.rstrip("<")
    assert data.optional_data == ""
    assert data.lines == lines
    assert_round_trip(data, fields)


@given(
    code=st.sampled_from(["I", "ID", "IR", "A", "AC", "C"]),
    state=states,
    nationality=states,
    surname=names,
    given_names=names | st.just(""),
    number=st.text(alphabet=ALNUM, min_size=1, max_size=20),
    birth=births,
    sex=sexes,
    expiry=expiries,
    personal=optional_text(15),
    optional=optional_text(11),
)
def test_td1_round_trip(
    code: str,
    state: str,
    nationality: str,
    surname: str,
    given_names: str,
    number: str,
    birth: date | tuple[int, int | None, int | None],
    sex: str,
    expiry: date,
    personal: str,
    optional: str,
) -> None:
    assume(len(surname) + 2 + len(given_names) <= 30)
    personal = personal.rstrip("<")
    if len(number) > 9:
        # Overflow + check digit, then "<" and the personal number must fit 15 characters.
        assume(len(number) - 9 + 1 + (1 + len(personal) if personal else 0) <= 15)
    fields: dict[str, Any] = {
        "issuing_state": state,
        "surname": surname,
        "given_names": given_names,
        "document_number": number,
        "nationality": nationality,
        "birth_date": birth,
        "sex": sex,
        "expiry_date": expiry,
    }
    lines = build_td1(
        document_code=code,
        personal_number=personal,
        optional_data=optional,
        **fields,
    )
    assert [len(line) for line in lines] == [30, 30, 30]
    data = parse_mrz("".join(lines), today=TODAY)
    assert data.layout == "TD1"
    assert data.document_code == code
    assert data.personal_number == personal
    assert data.optional_data == optional.rstrip("<")
    assert_round_trip(data, fields)


@given(
    state=states,
    surname=names,
    given_names=names | st.just(""),
    number=st.text(alphabet=ALNUM, min_size=1, max_size=14),
    birth=births,
    sex=sexes,
    expiry=expiries,
)
def test_td2_round_trip(
    state: str,
    surname: str,
    given_names: str,
    number: str,
    birth: date | tuple[int, int | None, int | None],
    sex: str,
    expiry: date,
) -> None:
    assume(len(surname) + 2 + len(given_names) <= 31)
    fields: dict[str, Any] = {
        "issuing_state": state,
        "surname": surname,
        "given_names": given_names,
        "document_number": number,
        "nationality": state,
        "birth_date": birth,
        "sex": sex,
        "expiry_date": expiry,
    }
    lines = build_td2(document_code="I", **fields)
    data = parse_mrz("\r\n".join(lines), today=TODAY)
    assert data.layout == "TD2"
    assert_round_trip(data, fields)


@given(
    number=st.text(alphabet=ALNUM, min_size=1, max_size=9),
    birth=full_births,
    expiry=expiries,
    personal=st.text(alphabet=ALNUM, max_size=14),
    position=st.integers(min_value=0, max_value=43),
    shift=st.integers(min_value=1, max_value=9),
)
def test_any_changed_digit_is_detected(
    number: str, birth: date, expiry: date, personal: str, position: int, shift: int
) -> None:
    # Weights 7, 3 and 1 are coprime with 10, so every single-digit substitution in a field
    # covered by a check digit (or in a check digit itself) must be caught.
    line1, line2 = build_td3(
        document_code="P",
        issuing_state="AZE",
        surname="TEST",
        given_names="",
        document_number=number,
        nationality="AZE",
        birth_date=birth,
        sex="M",
        expiry_date=expiry,
        personal_number=personal,
    )
    assume(line2[position].isdigit())
    wrong = str((int(line2[position]) + shift) % 10)
    with pytest.raises(MRZError) as info:
        parse_mrz(replace((line1, line2), 1, position, wrong), today=TODAY)
    assert info.value.check == "check_digit"


def test_transliteration_follows_the_issuer_s_table_then_drops_accents() -> None:
    from umis.registry.mrz import transliterate

    table = {"Ə": "A", "Ü": "U", "Ö": "O", "Ä": "AE", "ß": "SS"}
    assert transliterate("Məmmədova", table) == "MAMMADOVA"
    assert transliterate("Günay Şəhla İlkin", table) == "GUNAY SAHLA ILKIN"
    assert transliterate("Çağrı Öztürk", table) == "CAGRI OZTURK"
    assert transliterate("Müller-Straße", table) == "MULLER-STRASSE"
    assert transliterate("Jäger", table) == "JAEGER"
    assert transliterate("Muñoz", {}) == "MUNOZ"
    # With the result, the MRZ keeps every letter of the name.
    line3 = build_td1(
        document_code="IR",
        issuing_state="AZE",
        surname=transliterate("Məmmədova", table),
        given_names=transliterate("Günay", table),
        document_number="T00000001",
        nationality="AZE",
        birth_date=(1990, 5, 17),
        sex="F",
        expiry_date=date(2030, 1, 1),
    )[2]
    assert line3.startswith("MAMMADOVA<<GUNAY<")
