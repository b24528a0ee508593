"""The batch deduplication engine: reading and checking the CSV, clustering, the veto."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from umis.identity import dedupe
from umis.identity.dedupe import InputFileError, Record, read_records
from umis.identity.scoring import prepare

HEADER = ",".join(dedupe.COLUMNS)
TODAY = dt.date(2026, 11, 23)


def _csv(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _rec(rid: str, family: str, given: str, birth: str = "", **kw: object) -> Record:
    y, m, d = (int(x) or None for x in (birth.split("-") if birth else ("0", "0", "0")))
    doc = kw.pop("doc", None)
    return Record(
        record_id=rid,
        family_name=family,
        given_names=given,
        birth_year=y,
        birth_month=m,
        birth_day=d,
        documents=((str(kw.pop("doc_type", "PASSPORT")), "", str(doc)),) if doc else (),
        **kw,  # type: ignore[arg-type]
    )


# --- reading ------------------------------------------------------------------------------


def test_missing_columns_are_all_named(tmp_path: Path) -> None:
    path = _csv(tmp_path, "record_id,family_name,given_names,sex\n1,A,B,M\n")
    with pytest.raises(InputFileError) as exc:
        read_records(path)
    message = str(exc.value)
    for column in ("source", "patronymic", "birth_date", "nationality", "document_type"):
        assert column in message
    assert "document_number" in message
    assert "family_name," not in message.split("required")[0]  # present columns not listed


def test_header_tolerates_bom_case_spaces_order_and_extra_columns(tmp_path: Path) -> None:
    cols = list(reversed(dedupe.COLUMNS))
    header = ",".join(f"  {c.upper()} " for c in cols) + ",remarks"
    values = {
        "record_id": "r1",
        "source": "border",
        "family_name": "Hüseynov",
        "given_names": "Elçin",
        "patronymic": "",
        "sex": "m",
        "birth_date": "1984-08-19",
        "nationality": "aze",
        "document_type": "passport",
        "document_number": "c 01-234",
    }
    row = ",".join(values[c] for c in cols) + ",ignored"
    path = _csv(tmp_path, "\ufeff" + header + "\n" + row + "\n")
    records, problems = read_records(path, today=TODAY)
    assert problems == []
    [r] = records
    assert (r.record_id, r.source, r.family_name, r.sex, r.nationality) == (
        "r1",
        "BORDER",
        "Hüseynov",
        "M",
        "AZE",
    )
    assert (r.birth_year, r.birth_month, r.birth_day) == (1984, 8, 19)
    assert r.documents == (("PASSPORT", "", "C01234"),)


def test_non_utf8_names_the_byte_offset_and_line(tmp_path: Path) -> None:
    text = (
        HEADER
        + "\n1,BORDER,Mamedov,Ali,,M,1980-01-01,AZE,passport,X1\n2,TAX,Müller,Hans,,M,,DEU,,\n"
    )
    path = _csv(tmp_path, text, encoding="latin-1")
    with pytest.raises(InputFileError) as exc:
        read_records(path)
    offset = text.encode("latin-1").index("ü".encode("latin-1"))
    assert f"byte offset {offset}" in str(exc.value)
    assert "line 3" in str(exc.value)
    assert "UTF-8" in str(exc.value)


def test_bad_values_are_reported_and_blanked_row_kept(tmp_path: Path) -> None:
    text = (
        HEADER + "\n"
        "a,BORDER,Aliyev,Rashad,,M,1980-02-30,AZE,passport,P1\n"
        "b,CUSTOMS,Aliyev,Rashad,,Q,1980-02-03,ZZZ,passport,P-1\n"
        "c,TAX,Aliyev,Rashad,,M,2099-01-01,D,passport,P/1\n"
    )
    records, problems = read_records(_csv(tmp_path, text), today=TODAY)
    assert [r.record_id for r in records] == ["a", "b", "c"]
    found = {(p.line, p.record_id, p.field) for p in problems}
    assert found == {
        (2, "a", "birth_date"),
        (3, "b", "source"),
        (3, "b", "sex"),
        (3, "b", "nationality"),
        (4, "c", "birth_date"),
        (4, "c", "document_number"),
    }
    a, b, c = records
    assert a.birth_year is None and a.nationality == "AZE"
    assert b.source == "" and b.sex == "" and b.nationality == "" and b.birth_day == 3
    assert b.documents == (("PASSPORT", "", "P1"),)
    assert c.birth_year is None and c.documents == () and c.nationality == "DEU"  # ICAO D
    assert all(p.reason for p in problems)
    assert "line 3, record b: sex:" in str(next(p for p in problems if p.field == "sex"))


def test_zero_month_and_day_mean_unknown(tmp_path: Path) -> None:
    text = (
        HEADER + "\n1,TAX,A,B,,F,1975-00-00,XXA,,\n2,TAX,A,B,,F,1975-06-00,,,\n3,TAX,A,B,,F,,,,\n"
    )
    records, problems = read_records(_csv(tmp_path, text), today=TODAY)
    assert problems == []
    assert [(r.birth_year, r.birth_month, r.birth_day) for r in records] == [
        (1975, None, None),
        (1975, 6, None),
        (None, None, None),
    ]
    assert records[0].nationality == "XXA"


def test_day_without_month_is_a_problem(tmp_path: Path) -> None:
    text = HEADER + "\n1,TAX,A,B,,F,1975-00-12,,,\n"
    records, problems = read_records(_csv(tmp_path, text), today=TODAY)
    assert [(p.field, p.record_id) for p in problems] == [("birth_date", "1")]
    assert records[0].birth_year is None


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("1,TAX,A,B,,F,,,,\n1,TAX,C,D,,F,,,,\n", "duplicate record_id: 1 (lines 2 and 3)"),
        ("1,TAX,A,B,,F,,,,\n ,TAX,C,D,,F,,,,\n", "empty record_id on line 3"),
    ],
)
def test_duplicate_or_empty_record_ids_are_refused(
    tmp_path: Path, rows: str, expected: str
) -> None:
    with pytest.raises(InputFileError, match="record_id") as exc:
        read_records(_csv(tmp_path, HEADER + "\n" + rows))
    assert expected in str(exc.value)


def test_short_row_is_reported_and_read_as_blank(tmp_path: Path) -> None:
    records, problems = read_records(_csv(tmp_path, HEADER + "\n7,TAX,Aliyev\n"), today=TODAY)
    assert [r.family_name for r in records] == ["Aliyev"]
    assert [(p.record_id, p.field) for p in problems] == [("7", "row")]


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="empty"):
        read_records(_csv(tmp_path, ""))
    assert read_records(_csv(tmp_path, HEADER + "\n", name="h.csv")) == ([], [])


# --- clustering ---------------------------------------------------------------------------


def _clusters(records: list[Record], **kw: object) -> list[set[str]]:
    result = dedupe.dedupe(records, **kw)  # type: ignore[arg-type]
    assert sorted(result.clusters) == sorted(r.record_id for r in records)
    groups: dict[str, set[str]] = {}
    for rid, cid in result.clusters.items():
        groups.setdefault(cid, set()).add(rid)
        assert cid in result.clusters  # cluster ids are record ids of the cluster
    for cid, members in groups.items():
        assert cid == min(members)
    return sorted(groups.values(), key=min)


LABELLED: list[Record] = [
    # One man as five systems wrote him: passport, Russian passport, Azerbaijani tax
    # registry, a hotel clerk (Cyrillic, patronymic), the border (old passport).
    _rec("h1", "HUSEYNOV", "ELCHIN", "1984-08-19", sex="M", nationality="AZE", doc="C1234567"),
    _rec("h2", "GUSEINOV", "ELCHIN", "1984-08-19", sex="M", nationality="AZE", doc="C1234567"),
    _rec("h3", "Hüseynov", "Elçin", "1984-08-19", sex="M", nationality="AZE"),
    _rec("h4", "Гусейнов", "Эльчин", "1984-08-19", sex="M", patronymic="Ровшанович"),
    _rec("h5", "HUSEYNOV", "ELCHIN", "1984-08-19", sex="M", nationality="AZE", doc="C0000111"),
    # Twins: same family, birth date, nationality, different given names and passports.
    _rec("t1", "MAMMADOV", "ALI", "1990-03-05", sex="M", nationality="AZE", doc="C5550001"),
    _rec("t2", "MAMMADOV", "VALI", "1990-03-05", sex="M", nationality="AZE", doc="C5550002"),
    _rec("t3", "Мамедов", "Али", "1990-03-05", sex="M", nationality="AZE"),
    # Father and son with one name; a record with no birth date resembles both.
    _rec("f1", "ALIYEV", "RASHAD", "1955-01-10", sex="M", nationality="AZE", doc="C7770001"),
    _rec("f2", "ALIYEV", "RASHAD", "1983-06-21", sex="M", nationality="AZE", doc="C7770002"),
    _rec("f3", "Əliyev", "Rəşad", "", sex="M", nationality="AZE"),
    _rec("f4", "ALIEV", "RASHAD", "1955-01-10", sex="M", nationality="AZE"),
    # Same common name, same year, different birth dates: two people.
    _rec("c1", "IVANOV", "SERGEY", "1980-02-11", sex="M", nationality="RUS", doc="7001"),
    _rec("c2", "IVANOV", "SERGEI", "1980-09-27", sex="M", nationality="RUS", doc="7002"),
    # No names: linked only by the document.
    _rec("n1", "", "", "", doc="C1234567"),
    _rec("n2", "", "", ""),
    _rec("n3", "", "", "1984-08-19"),
]

EXPECTED = [
    {"c1"},
    {"c2"},
    {"f1", "f4"},
    {"f2"},
    {"f3"},
    {"h1", "h2", "h3", "h4", "h5", "n1"},
    {"n2"},
    {"n3"},
    {"t1", "t3"},
    {"t2"},
]


def test_labelled_set_clusters_spellings_and_keeps_twins_and_generations_apart() -> None:
    got = _clusters(list(LABELLED))
    # f3 (no birth date) may join the father or stay alone, never the son with the father.
    f3 = next(g for g in got if "f3" in g)
    assert not {"f1", "f2"} <= f3
    assert not ({"f2"} & f3 and {"f1"} & f3)
    expected = [g for g in EXPECTED if g != {"f3"}]
    got_without_f3 = [g - {"f3"} for g in got if g - {"f3"}]
    assert sorted(got_without_f3, key=min) == sorted(expected, key=min)


def test_same_input_same_output_whatever_the_order() -> None:
    first = dedupe.dedupe(list(LABELLED)).clusters
    shuffled = list(LABELLED)
    random.Random(7).shuffle(shuffled)
    assert dedupe.dedupe(shuffled).clusters == first


def test_worker_processes_give_the_single_process_result(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [
        Record(
            record_id=f"{k}-{r.record_id}",
            **{f: getattr(r, f) for f in Record.__dataclass_fields__ if f not in ("record_id",)},
        )
        for k in range(6)
        for r in LABELLED
    ]
    monkeypatch.setattr(dedupe, "_CHUNK", 5)  # > 4 chunks: the forked pool runs
    single = dedupe.dedupe(records, workers=1)
    forked = dedupe.dedupe(records, workers=2)
    assert forked.clusters == single.clusters
    assert [(p.a, p.b, p.probability) for p in forked.pairs] == [
        (p.a, p.b, p.probability) for p in single.pairs
    ]


def test_common_name_with_distinct_birth_dates_stays_apart() -> None:
    # 300 distinct people with one very common name and distinct birth dates.
    rng = random.Random(5)
    births: list[dedupe.Birth] = []
    while len(births) < 300:
        b = (rng.randint(1950, 1999), rng.randint(1, 12), rng.randint(1, 28))
        if all(dedupe._apart(b, other) for other in births):
            births.append(b)
    people = [
        _rec(f"p{k:03d}", "MAMMADOV", "ALI", "{:04d}-{:02d}-{:02d}".format(*b))
        for k, b in enumerate(births)
    ]
    result = dedupe.dedupe(people, block_cap=50, window=3)
    assert result.stats["clusters"] == 300


def test_big_blocks_are_windowed_not_all_pairs() -> None:
    # 300 records of one common name and birth year: every pair is worth comparing.
    people = [_rec(f"p{k:03d}", "MAMMADOV", "ALI", "1980-00-00") for k in range(300)]
    windowed = dedupe.dedupe(people, block_cap=50, window=3)
    # Each record meets its 2 x 3 neighbours in each of the two orders, not 299 others.
    assert 300 * 2 <= windowed.stats["compared"] <= 300 * 12
    everything = dedupe.dedupe(people, block_cap=300)
    assert everything.stats["compared"] == 300 * 299 // 2


def test_empty_names_get_their_own_cluster() -> None:
    records = [_rec("x", "", ""), _rec("y", "", ""), _rec("z", "", "", "1980-01-01")]
    assert _clusters(records) == [{"x"}, {"y"}, {"z"}]


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ((1980, 2, 11), (1980, 2, 11), False),
        ((1980, 2, 11), (1980, 11, 2), False),  # day and month swapped
        ((1980, 2, 11), (1980, 2, 17), False),  # one digit
        ((1980, 2, 13), (1980, 2, 31), False),  # two digits swapped
        ((1989, 2, 11), (1990, 2, 11), False),  # year off by one
        ((1980, 2, 11), (1980, 2, 25), True),
        ((1980, 2, 11), (1980, 9, 27), True),
        ((1980, 2, 11), (1980, 0, 0), False),  # partial: nothing to disagree with
        ((1955, 0, 0), (1983, 0, 0), True),  # two generations
        ((1975, 0, 0), (1983, 0, 0), False),
    ],
)
def test_birth_dates_apart(a: dedupe.Birth, b: dedupe.Birth, apart: bool) -> None:
    assert dedupe._apart(a, b) is apart
    assert dedupe._apart(b, a) is apart


def test_renewed_passport_still_links() -> None:
    old = _rec("o", "QASIMOV", "ORXAN", "1979-04-04", sex="M", nationality="AZE", doc="C1111111")
    new = _rec("n", "GASYMOV", "ORKHAN", "1979-04-04", sex="M", nationality="AZE", doc="C9999999")
    assert _clusters([old, new]) == [{"n", "o"}]


def test_two_passports_with_different_birth_dates_are_two_people() -> None:
    a = _rec("a", "KAYA", "AHMET", "1969-09-02", sex="M", nationality="TUR", doc="TF6288305")
    b = _rec("b", "KAYA", "AHMET", "1969-01-02", sex="M", nationality="TUR", doc="TP3788702")
    # One misread character in the number and one in the date: still one person.
    c = _rec("c", "KAYA", "AHMET", "1969-09-07", sex="M", nationality="TUR", doc="TF6288306")
    assert _clusters([a, b, c]) == [{"a", "c"}, {"b"}]


def test_conflict_rules() -> None:
    def check(x: Record, y: Record, given: int) -> bool:
        return dedupe.conflict(x, y, prepare(x.identity()), prepare(y.identity()), given=given)

    base = _rec("a", "A", "B", "1985-03-14", sex="M", doc="C1234567")
    twin = _rec("b", "A", "C", "1985-03-14", sex="M", doc="C7654321")
    assert check(base, twin, dedupe.GIVEN_DIFFERENT)
    assert not check(base, twin, dedupe.GIVEN_SAME)  # renewed passport
    # ALI / VALI: twins when their passports are numbered one after the other; with two
    # unrelated numbers, a typo'd given name on a renewed passport.
    assert not check(base, twin, dedupe.GIVEN_FUZZY)
    consecutive = _rec("h", "A", "C", "1985-03-14", sex="M", doc="C1234568")
    assert check(base, consecutive, dedupe.GIVEN_FUZZY)
    # One document has one holder: no veto, however the given names differ.
    same_doc = _rec("i", "A", "C", "1985-03-14", sex="M", doc="C1234567")
    assert not check(base, same_doc, dedupe.GIVEN_DIFFERENT)
    assert check(base, twin, dedupe.GIVEN_PARTIAL)  # MOHAMMAD ALI / MOHAMMAD REZA
    # A middle name left out on one record (MURAT / MURAT MEHMET) and a renewed passport.
    murat = _rec("k", "CELIK", "MURAT", "1966-12-27", sex="M", doc="TX4611028")
    murat_mehmet = _rec("l", "CELIK", "MURAT MEHMET", "1966-12-27", sex="M", doc="TJ5718565")
    assert not check(murat, murat_mehmet, dedupe.GIVEN_PARTIAL)
    baris = _rec("m", "OZDEMIR", "BARIS MUSTAFA", "1966-12-27", sex="M", doc="TD9407730")
    assert check(
        _rec("n", "OZDEMIR", "MUSTAFA", "1966-12-27", sex="M", doc="TD6637424"),
        baris,
        dedupe.GIVEN_PARTIAL,
    )
    # A character dropped from the number: the same document.
    dropped = _rec("o", "A", "C", "1985-03-14", sex="M", doc="C123456")
    assert not check(base, dropped, dedupe.GIVEN_FUZZY)
    misread = _rec("g", "A", "B C", "1985-03-14", sex="M", doc="C1234561")  # one edit
    assert not check(base, misread, dedupe.GIVEN_PARTIAL)
    no_docs = _rec("c", "A", "C", "1985-03-14", sex="M")
    assert check(base, no_docs, dedupe.GIVEN_DIFFERENT)  # same full date
    assert not check(base, no_docs, dedupe.GIVEN_FUZZY)  # a typo in the given name
    undated = _rec("d", "A", "C", "", sex="M")
    assert not check(base, undated, dedupe.GIVEN_DIFFERENT)  # nothing else to go on
    sister = _rec("e", "A", "C", "", sex="F")
    assert check(base, sister, dedupe.GIVEN_DIFFERENT)
    son = _rec("f", "A", "B", "2010-01-01", sex="M")
    assert check(base, son, dedupe.GIVEN_SAME)
    # A number with two letters swapped by a clerk is the same document, not twins'
    # consecutive passports: a fuzzy given name (ARTEM / ARTYOM) does not veto.
    swapped = _rec("j", "A", "C", "1985-03-14", sex="M", doc="C1234576")
    assert not check(base, swapped, dedupe.GIVEN_FUZZY)
    assert not check(base, swapped, dedupe.GIVEN_DIFFERENT)


# --- writing ------------------------------------------------------------------------------


def test_write_is_atomic_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"

    def rows() -> object:
        yield ("a", "a")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        dedupe.write_atomic(out, rows(), ("record_id", "cluster_id"))  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    dedupe.write_atomic(out, [("a", "a")], ("record_id", "cluster_id"))
    assert out.read_text() == "record_id,cluster_id\na,a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
