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
