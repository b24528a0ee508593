"""The match weight: cross-script spellings of one person score high, the hard negatives
(twins, father and son, namesakes) do not, and what matched is said."""

from __future__ import annotations

import pytest

from umis.identity import scoring
from umis.identity.scoring import Identity, blocking_keys, compare, prepare, query_keys


def person(family: str, given: str, born: str = "", **kw: object) -> Identity:
    y, m, d = ([int(x) or None for x in born.split("-")] + [None, None, None])[:3]
    return Identity(
        family_name=family, given_names=given, birth_year=y, birth_month=m, birth_day=d, **kw
    )  # type: ignore[arg-type]


def p(a: Identity, b: Identity) -> float:
    return compare(prepare(a), prepare(b)).probability


SAME = [
    (
        person("HUSEYNOV", "RASHAD", "1985-03-14", sex="M", nationality="AZE"),
        person("Гусейнов", "Рашад", "1985-03-14", sex="M", nationality="AZE"),
    ),
    (
        person("HUSEYNOV", "RASHAD", "1985-03-14", sex="M"),
        person("GUSEINOV", "RASHAD", "1985-03-14", sex="M"),
    ),
    (
        person("Hüseynov", "Rəşad", "1985-03-14", sex="M"),
        person("HUSEYNOV", "RASHAD", "1985-03-14", sex="M"),
    ),
    (
        person("HOSSEINI", "MOHAMMAD", "1979-11-02", sex="M", nationality="IRN"),
        person("HOSEINI", "MOHAMMED", "1979-11-02", sex="M", nationality="IRN"),
    ),
    # Swapped fields and day/month swapped by a hotel clerk.
    (
        person("MAMMADOV", "ELVIN", "1990-04-07", sex="M"),
        person("ELVIN", "MAMEDOV", "1990-07-04", sex="M"),
    ),
    # Chinese order and spacing.
    (
        person("WANG", "XIAOMING", "1988-01-20", sex="M", nationality="CHN"),
        person("XIAO MING", "WANG", "1988-01-20", sex="M", nationality="CHN"),
    ),
    # Renewed passport: a different number, everything else agrees.
    (
        person("IVANOV", "SERGEY", "1975-06-30", sex="M", documents=(("RUS", "721234567"),)),
        person("IVANOV", "SERGEI", "1975-06-30", sex="M", documents=(("RUS", "759876543"),)),
    ),
    # An MRZ misread (O for 0) and a clerk's swapped digits are the same document.
    (
        person("NOVAK", "PETR", "1970-01-01", documents=(("CZE", "4O123456"),)),
        person("NOVAK", "PETR", "1970-01-01", documents=(("CZE", "40123456"),)),
    ),
    (
        person("NOVAK", "PETR", "1970-00-00", documents=(("CZE", "40123456"),)),
        person("NOVAK", "PETR", "1970-00-00", documents=(("CZE", "40123546"),)),
    ),
    # Persian script: the initial ʿayn is the first vowel (علی ALI), a final he after a
    # consonant the vowel -e (فاطمه FATEMEH / FATIMA).
    (
        person("AKBARI", "ALI", "1977-11-11", sex="M", nationality="IRN"),
        person("اکبری", "علی", "1977-11-11", sex="M", nationality="IRN"),
    ),
    (
        person("BAGHERI", "FATIMA", "1992-10-06", sex="F", nationality="IRN"),
        person("باقری", "فاطمه", "1992-10-06", sex="F", nationality="IRN"),
    ),
    # Arabic script with the fields swapped and the article joined (AL NAJJAR / النجار).
    (
        person("Al Najjar", "Ahmad", "1971-01-10", sex="M", nationality="IRQ"),
        person("أحمد", "النجار", "1971-01-10", sex="M", nationality="IRQ"),
    ),
    # A Georgian passport's nominative -i (ELCHINI RUSTAMOVI).
    (
        person("RUSTAMOVI", "ELCHINI", "1980-09-20", sex="M", nationality="GEO"),
        person("Rüstəmov", "Elçin", "1980-09-20", sex="M", nationality="GEO"),
    ),
    # A given name cut by the border system's field.
    (
        person("HOSSEINI", "MOHAMMAD HOSSEI", "1975-10-03", sex="M", nationality="IRN"),
        person("HOSSEINI", "MOHAMMAD HOSSEIN", "1975-10-03", sex="M", nationality="IRN"),
    ),
    # Russian Ё as YO and as E (ICAO), Uzbek Latin against an ICAO Russian passport.
    (
        person("RAKHIMOV", "BAXTIYOR", "1998-02-23", sex="M", nationality="UZB"),
        person("Рахимов", "Бахтиёр", "1998-02-23", sex="M", nationality="UZB"),
    ),
    # Georgian passports write F as P: PUADI ALIEVI is FUAD ALIYEV.
    (
        person("ALIEVI", "PUADI", "1975-02-12", sex="M", nationality="GEO"),
        person("ƏLIYEV", "FUAD", "1975-02-12", sex="M", nationality="GEO"),
    ),
    # One wrong letter in a short family name; an Arabic-script name starting with و/ع.
    (
        person("KHAN", "FAISAL", "1976-08-22", sex="M", nationality="PAK"),
        person("KBAN", "FAISAL", "1976-08-22", sex="M", nationality="PAK"),
    ),
    (
        person("SULEIMAN", "UMAR MOHAMMED", "1964-08-17", sex="M", nationality="EGY"),
        person("سليمان", "عمر محمد", "1964-08-17", sex="M", nationality="EGY"),
    ),
    # The same passport number outweighs a garbled name.
    (
        person("QASIMOV", "TURAL", "1992-02-02", documents=(("AZE", "C01234567"),)),
        person("GASYMOV", "TURAL", "1992-00-00", documents=(("AZE", "C01234567"),)),
    ),
]

DIFFERENT = [
    # Twins: one family, one birth date, different given names.
    (
        person("ALIYEV", "KAMRAN", "2001-05-05", sex="M", nationality="AZE"),
        person("ALIYEV", "IMRAN", "2001-05-05", sex="M", nationality="AZE"),
    ),
    # Father and son with one name.
    (
        person("PETROV", "IVAN", "1950-01-10", sex="M", patronymic="SERGEEVICH"),
        person("PETROV", "IVAN", "1978-09-22", sex="M", patronymic="IVANOVICH"),
    ),
    # Namesakes: a very common name, different birth dates.
    (
        person("MAMMADOV", "ALI", "1980-02-11", sex="M"),
        person("MAMMADOV", "ALI", "1966-12-30", sex="M"),
    ),
    (
        person("HASANOV", "ORKHAN", "1991-08-08", sex="M"),
        person("HUSEYNOV", "ORKHAN", "1991-08-08", sex="M"),
    ),
    # Two men with one given name and patronymic born the same day, but two family names:
    # a man's family name rarely changes.
    (
        person("ANDREEV", "ANDREI", "1973-03-19", sex="M", patronymic="ALEKSANDROVICH"),
        person("IVANOV", "ANDREI", "1973-03-19", sex="M", patronymic="ALEKSANDROVICH"),
    ),
    # Sisters-in-law born the same day, passports issued one after the other: the
    # consecutive numbers are not a misreading.
    (
        person("SMIRNOVA", "ANNA", "1980-05-06", sex="F", documents=(("RUS", "700000001"),)),
        person("KOVALENKO", "ANNA", "1980-05-06", sex="F", documents=(("RUS", "700000002"),)),
    ),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_one_person_however_written_is_linked(a: Identity, b: Identity) -> None:
    assert p(a, b) >= scoring.link_at()
    assert p(b, a) == pytest.approx(p(a, b))


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_hard_negatives_are_not_linked(a: Identity, b: Identity) -> None:
    assert p(a, b) < scoring.link_at()


def test_twins_score_below_the_same_person_with_a_typo() -> None:
    twin = p(*DIFFERENT[0])
    typo = p(
        person("ALIYEV", "KAMRAN", "2001-05-05", sex="M", nationality="AZE"),
        person("ALIYEV", "KAMRAM", "2001-05-05", sex="M", nationality="AZE"),
    )
    assert typo > twin


def test_evidence_says_what_matched() -> None:
    scored = compare(prepare(SAME[0][0]), prepare(SAME[0][1]))
    levels = {e.field: e.level for e in scored.evidence}
    assert levels["family_name"] == "variant"
    assert levels["birth_date"] == "exact"
    assert levels["nationality"] == "equal"
    summary = scoring.evidence_summary(scored.evidence)
    assert summary[0]["weight"] >= summary[-1]["weight"]


def test_missing_fields_say_nothing() -> None:
    bare = prepare(Identity())
    assert compare(bare, bare).evidence == ()
    assert blocking_keys(bare) == frozenset()


def test_spellings_of_one_person_share_a_blocking_key() -> None:
    for a, b in SAME:
        assert blocking_keys(prepare(a)) & blocking_keys(prepare(b)), (a, b)


def test_query_keys_put_documents_first() -> None:
    keys = query_keys(prepare(person("IVANOV", "SERGEY", "1975-06-30", documents=(("", "72 12"),))))
    assert keys[0] == "d:7212"
    assert all(len(k) <= 80 for k in keys)


def _given_level(a: str, b: str) -> str:
    scored = compare(prepare(person("X", a, "1980-01-01")), prepare(person("X", b, "1980-01-01")))
    return next(e.level for e in scored.evidence if e.field == "given_names")


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("MOHAMMAD HOSSEI", "MOHAMMAD HOSSEIN", "variant"),  # cut by a 15-character field
        ("CHRISTOPHER JAM", "CHRISTOPHER JAMES", "variant"),
        ("HULYA FATMA", "HULYA FATNA", "variant"),  # one slip in one of two names
        ("MOHAMMAD ALI", "MOHAMMAD REZA", "partial"),  # brothers' names
        ("MOHAMMAD ALI", "MOHAMMAD ALIREZA", "partial"),  # too short to be a cut name
        ("MERVE", "MERVE SONGUL", "partial"),
    ],
)
def test_given_names_cut_or_slipped_are_the_same_names(a: str, b: str, level: str) -> None:
    assert _given_level(a, b) == level
    assert _given_level(b, a) == level


def test_arabic_script_comparison_is_symmetric_when_fields_are_swapped() -> None:
    a = prepare(person("Al Najjar", "Ahmad", "1971-01-10"))
    b = prepare(person("أحمد", "النجار", "1971-01-10"))
    assert scoring._names(a, b)[0] == pytest.approx(scoring._names(b, a)[0])


def test_both_names_garbled_still_meet_on_date_and_nationality() -> None:
    a = prepare(person("DOGAN", "MURAT", "1984-07-09", nationality="TUR"))
    b = prepare(person("DODAN", "MRAT", "1984-09-07", nationality="TUR"))
    assert "dn:1984-07-09:TUR" in blocking_keys(a) & blocking_keys(b)


def test_a_man_with_another_family_name_pays_more_than_a_woman() -> None:
    men = compare(
        prepare(person("ANDREEV", "ANDREI", "1973-03-19", sex="M")),
        prepare(person("IVANOV", "ANDREI", "1973-03-19", sex="M")),
    )
    women = compare(
        prepare(person("ANDREEVA", "ANNA", "1973-03-19", sex="F")),
        prepare(person("IVANOVA", "ANNA", "1973-03-19", sex="F")),
    )
    assert ("family_change", "two men") in {(e.field, e.level) for e in men.evidence}
    assert men.weight < women.weight
