"""The identity benchmark's data generator: deterministic, valid per the dedupe CSV spec,
realistic in the ways it claims, and holding the hard negatives it lists."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import pycountry
import pytest
from bench import identity_data
from bench.identity_data import COLUMNS, DOCUMENT_TYPES, SOURCES, Dataset, generate

RECORDS = 6_000
SEED = 7
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ISO3 = frozenset(c.alpha_3 for c in pycountry.countries) | {"XXA"}


@pytest.fixture(scope="module")
def data() -> Dataset:
    return generate(RECORDS, SEED)


def test_deterministic_for_a_seed(data: Dataset) -> None:
    again = generate(RECORDS, SEED)
    assert again.rows == data.rows
    assert again.truth == data.truth
    assert again.hard_negatives == data.hard_negatives
    other = generate(RECORDS, SEED + 1)
    assert other.rows != data.rows


def test_exact_size_and_truth_covers_every_record(data: Dataset) -> None:
    assert len(data.rows) == RECORDS
    ids = [row[0] for row in data.rows]
    assert len(set(ids)) == RECORDS
    assert set(data.truth) == set(ids)
    assert data.persons == len(set(data.truth.values()))
    # 1-6 records per person: clusters, not singletons only, and not one big blob.
    sizes = Counter(data.truth.values())
    assert 1.8 < RECORDS / data.persons < 3.5
    assert max(sizes.values()) <= 12


def test_every_row_is_valid_per_the_csv_spec(data: Dataset) -> None:
    for row in data.rows:
        assert len(row) == len(COLUMNS), row
        _record_id, source, family, given, _patronymic, sex, birth, nationality, dtype, number = row
        assert source in SOURCES, row
        assert family or given, row
        assert sex in ("M", "F", "X", ""), row
        if birth:
            match = DATE.match(birth)
            assert match, row
            year, month, day = (int(g) for g in match.groups())
            assert 1940 <= year <= 2026 and 0 <= month <= 12 and 0 <= day <= 31, row
            assert not (month == 0 and day != 0), row  # an unknown month hides the day
        assert nationality == "" or nationality in ISO3, row
        assert (dtype == "") == (number == ""), row
        assert dtype == "" or dtype in DOCUMENT_TYPES, row
        for value in row:
            assert value == value.strip() and "\n" not in value, row


def test_written_csv_reads_back(data: Dataset, tmp_path: Path) -> None:
    out, truth = tmp_path / "records.csv", tmp_path / "truth.csv"
    data.write(out, truth)
    with open(out, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert tuple(next(reader)) == COLUMNS
        assert [tuple(r) for r in reader] == data.rows
    with open(truth, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    assert {r[0]: int(r[1]) for r in rows} == data.truth


def _records_by_entity(data: Dataset) -> dict[int, list[tuple[str, ...]]]:
    out: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for row in data.rows:
        out[data.truth[row[0]]].append(row)
    return out


def test_sources_write_names_the_way_real_systems_do(data: Dataset) -> None:
    rows = data.rows
    cyrillic = [r for r in rows if re.search("[А-Яа-яЁё]", r[2])]
    azerbaijani = [r for r in rows if re.search("[ƏəıŞşÇçĞğ]", r[2] + r[3])]
    # Cyrillic comes from clerks, the police and own-script applications, never the MRZ.
    assert len(cyrillic) > RECORDS * 0.03
    assert {r[1] for r in cyrillic} <= {"STAY_REGISTRATION", "POLICE", "APPLICATION"}
    assert azerbaijani and any(r[1] == "TAX" for r in azerbaijani)
    border = [r for r in rows if r[1] == "BORDER"]
    assert border and all(re.fullmatch(r"[A-Z ]*", r[2] + r[3]) and not r[4] for r in border)
    assert all(len(r[2]) <= 20 and len(r[3]) <= 15 for r in border)  # the system's fields
    # Old-style (pre-2013) and ICAO spellings of the same Cyrillic letters both occur.
    assert any(re.search("IU|IA", r[2] + r[3]) for r in border)
    assert any(re.search("(?i)yu|ya|iy$", r[3]) for r in rows)
    # Noise: partial dates, missing nationality, missing documents, patronymic in given.
    assert any(r[6].endswith("-00") for r in rows)
    assert any(r[7] == "" for r in rows)
    assert any(r[9] == "" for r in rows)
    assert any(re.search(r"(?i)(ович|овна|oğlu|qızı|оглы)$", r[3]) for r in rows)


def test_one_person_appears_in_several_scripts_and_spellings(data: Dataset) -> None:
    by_entity = _records_by_entity(data)
    mixed = [
        rows
        for rows in by_entity.values()
        if any(re.search("[А-Яа-я]", r[2]) for r in rows)
        and any(re.fullmatch("[A-Z ]+", r[2]) for r in rows)
    ]
    assert len(mixed) > 20
    # Renewed passports: one person, two passport numbers.
    renewed = [
        rows
        for rows in by_entity.values()
        if len({r[9] for r in rows if r[8] in ("passport", "travel_document")}) > 1
    ]
    assert renewed


def test_hard_negatives_are_what_they_claim(data: Dataset) -> None:
    hard, people = data.hard_negatives, data.people
    for kind in ("twins", "father_son", "spouses", "common_name"):
        assert hard[kind], f"no {kind} generated"
    present = set(data.truth.values())
    for kind, pairs in hard.items():
        for a, b in pairs:
            assert a != b and a in present and b in present, kind
    for a, b in hard["twins"]:
        pa, pb = people[a], people[b]
        assert pa.birth == pb.birth and pa.nationality == pb.nationality
        assert pa.native[1] != pb.native[1]  # different given names
        assert pa.native[0][:4] == pb.native[0][:4]  # one family (Ivanov / Ivanova)
        assert pa.native[2][:3] == pb.native[2][:3]  # one father
        assert pa.document_number != pb.document_number
    for father, son in hard["father_son"]:
        pf, ps = people[father], people[son]
        assert pf.native[:2] == ps.native[:2]  # same family and given name
        assert ps.birth[0] - pf.birth[0] >= 22
        # The son's patronymic is the father's given name (Сергеевич of Сергей, Əli oğlu).
        assert ps.native[2][:3] == pf.native[1][:3], (pf, ps)
    for husband, wife in hard["spouses"]:
        ph, pw = people[husband], people[wife]
        assert (ph.sex, pw.sex) == ("M", "F")
        assert ph.native[0][:3] == pw.native[0][:3] and ph.native[1] != pw.native[1]
    for a, b in hard["common_name"]:
        assert people[a].native[:2] == people[b].native[:2]
        assert people[a].document_number != people[b].document_number


def test_common_names_are_really_common(data: Dataset) -> None:
    names = Counter(p.passport for p in data.people.values())
    top = {name for name, _ in names.most_common(10)}
    assert ("IVANOV", "SERGEI") in top or ("WANG", "WEI") in top
    assert names.most_common(1)[0][1] >= 8


def test_rejects_a_bad_size() -> None:
    with pytest.raises(ValueError, match="records"):
        generate(0)


def test_transliteration_tables() -> None:
    assert identity_data.translit("Юлия", "ru_icao") == "iuliia"
    assert identity_data.translit("Юлия", "ru_old") == "yuliya"
    assert identity_data.translit("Олександр", "uk") == "oleksandr"
    assert identity_data.translit("Юлія", "uk") == "yuliia"
    assert identity_data.translit("Сергей Иванов", "cyr_az") == "serqey ivanov"
    assert identity_data.translit("Xəlilov", "az_en") == "khalilov"
    assert identity_data.translit("ბერიძე", "ge") == "beridze"
    assert identity_data.fold("Hüseynov Əli") == "HUSEYNOV ALI"
    assert identity_data.mrz("O'Brien-Smith") == "OBRIEN SMITH"
    assert identity_data.cyr_to_georgian("Мамедов") == "მამედოვი"
