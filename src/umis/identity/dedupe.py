"""Batch deduplication: which records of a file (or of the registry) are one person.

`umis identity dedupe INPUT.csv --out OUTPUT.csv` and the registry sweep both run
`dedupe()` (ADR 0013, docs/identity-dedupe.md):

1. read and check the rows (`read_records`): a missing column, a non-UTF-8 file or a
   duplicate record id is an `InputFileError` (nothing is written); a bad value on a row is
   a `RowProblem` and the row goes on with that field blank;
2. prepare every record once (`scoring.prepare`) and index it under its
   `scoring.blocking_keys`;
3. candidate pairs: records sharing a key. A key held by more than `block_cap` records
   (a very common name) is not compared all-against-all: its records are sorted twice (by
   birth date, then by given name) and each is compared with its `window` neighbours in
   each order. Family-token keys (`t:`), meant for name-only search, are used only
   when small. Pairs are generated per record (only partners with a higher index), so
   no global pair set is built and the work splits cleanly across processes;
4. score each candidate once with `scoring.compare` (forked worker processes on big
   inputs), skipping pairs whose birth dates no single slip explains; keep pairs at or
   above `scoring.review_from()`;
5. clusters: union-find over links (>= `scoring.dedupe_link_at()`, or a record without a name
   holding the other's document), strongest first, with a veto (`conflict`) so that
   twins, a father and son, or two holders of one common name never end up in one
   cluster, even through a third record that resembles both.

Pure Python plus the scorer: no ORM here (the registry sweep is in tasks.py).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import multiprocessing
import os
import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz.distance import OSA

from umis.identity import scoring
from umis.identity.normalise import romanise
from umis.registry.rules import PartialDate, country_from_icao

COLUMNS: tuple[str, ...] = (
    "record_id",
    "source",
    "family_name",
    "given_names",
    "patronymic",
    "sex",
    "birth_date",
    "nationality",
    "document_type",
    "document_number",
)
SOURCES = frozenset({"BORDER", "STAY_REGISTRATION", "TAX", "APPLICATION", "POLICE"})
SEXES = frozenset({"M", "F", "X"})

# Blocking bounds (see the module docstring); measured on the benchmark, docs/identity-dedupe.md.
BLOCK_CAP = 60
WINDOW = 8
# Two records whose birth years are this far apart are two generations, never one person.
GENERATION_YEARS = 12
# Chunk of record indexes handed to a worker at a time (progress granularity).
_CHUNK = 5000

ProgressFn = Callable[[str, int, int], None]


class InputFileError(Exception):
    """The file cannot be deduplicated at all (nothing is written). `str()` says why."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int  # line number in the file (the header is line 1)
    record_id: str
    field: str
    reason: str

    def __str__(self) -> str:
        rid = self.record_id or "?"
        return f"line {self.line}, record {rid}: {self.field}: {self.reason}"


@dataclass(slots=True)
class Record:
    """One input record, checked: invalid values are already blank."""

    record_id: str
    line: int = 0
    source: str = ""
    family_name: str = ""
    given_names: str = ""
    patronymic: str = ""
    sex: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    nationality: str = ""
    # (document type, issuing state or "", number); the CSV has no issuing state.
    documents: tuple[tuple[str, str, str], ...] = ()
    other_names: tuple[tuple[str, str, str], ...] = ()
    # The identity as already built by the caller (the registry sweep), else from the fields.
    preset: scoring.Identity | None = None

    def identity(self) -> scoring.Identity:
        if self.preset is not None:
            return self.preset
        return scoring.Identity(
            family_name=self.family_name,
            given_names=self.given_names,
            patronymic=self.patronymic,
            sex=self.sex,
            birth_year=self.birth_year,
            birth_month=self.birth_month,
            birth_day=self.birth_day,
            nationality=self.nationality,
            documents=tuple((state, number) for _t, state, number in self.documents),
            other_names=self.other_names,
        )


@dataclass(frozen=True, slots=True)
class Pair:
    a: int  # index into the records, a < b
    b: int
    probability: float


@dataclass(slots=True)
class DedupeResult:
    clusters: dict[str, str]  # record_id -> cluster_id (the smallest record_id in it)
    pairs: list[Pair]  # scored pairs >= review_from, sorted by (a, b)
    stats: dict[str, float] = field(default_factory=dict)


# --- reading -----------------------------------------------------------------------------


def _header_name(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


@lru_cache(maxsize=65_536)
def _parse_birth_date(raw: str, today: date) -> tuple[int | None, int | None, int | None] | str:
    """(year, month, day) with None for unknown parts, or the reason it is not a date."""
    try:
        d = PartialDate.parse(raw)
    except ValueError as exc:
        return str(exc)
    if d.earliest() > today:
        return f"{raw!r} is in the future"
    return (d.year, d.month, d.day)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """The codes the registry accepts: ISO 3166-1 and ICAO 9303's other codes (XXA
    stateless, XXB/XXC refugees, XXX unspecified, UNO...), from the reference data."""
    import pycountry

    from umis.core.icao_codes import ICAO_SPECIAL

    return frozenset(c.alpha_3 for c in pycountry.countries) | {r[0] for r in ICAO_SPECIAL}


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02X} at byte offset {exc.start} "
            f"(line {line}). Save the file as UTF-8 and try again."
        ) from exc


def read_records(
    path: Path | str, *, today: date | None = None
) -> tuple[list[Record], list[RowProblem]]:
    """The checked records of a CSV file and the problems found on its rows.

    Raises `InputFileError` for a file that cannot be used: unreadable, not UTF-8, no
    header, required columns missing (all named), empty or duplicate record ids (named
    with their lines). Header names are matched ignoring case, surrounding spaces and a
    UTF-8 BOM; extra columns are ignored; column order is free."""
    path = Path(path)
    today = today or date.today()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    text = _decode(data, path)
    del data
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(f"{path}: the file is empty (no header row)") from None
    except csv.Error as exc:
        raise InputFileError(f"{path}: line 1: {exc}") from exc
    names = [_header_name(h) for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputFileError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(required: {', '.join(COLUMNS)})"
        )
    repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if repeated:
        raise InputFileError(f"{path}: column given twice: {', '.join(repeated)}")
    pos = {c: names.index(c) for c in COLUMNS}
    width = max(pos.values()) + 1
    (i_id, i_src, i_fam, i_giv, i_pat, i_sex, i_birth, i_nat, i_dtype, i_dnum) = (
        pos[c] for c in COLUMNS
    )
    countries = _countries()
    nat_cache: dict[str, str] = {}  # raw value -> ISO code, "" if unknown
    records: list[Record] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    duplicates: list[str] = []
    empty_ids: list[int] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) < width:
                problems.append(
                    RowProblem(
                        line,
                        row[i_id].strip() if len(row) > i_id else "",
                        "row",
                        f"{len(row)} fields, the header has {len(header)}: "
                        "missing fields read as blank",
                    )
                )
                row = row + [""] * (width - len(row))
            rid = row[i_id].strip()
            if not rid:
                empty_ids.append(line)
                continue
            if rid in first_line:
                duplicates.append(f"{rid} (lines {first_line[rid]} and {line})")
                continue
            first_line[rid] = line
            rec = Record(
                record_id=rid,
                line=line,
                family_name=" ".join(row[i_fam].split()),
                given_names=" ".join(row[i_giv].split()),
                patronymic=" ".join(row[i_pat].split()),
            )
            src = row[i_src].strip().upper()
            if src and src not in SOURCES:
                problems.append(
                    RowProblem(
                        line, rid, "source", f"'{src}' is not one of {', '.join(sorted(SOURCES))}"
                    )
                )
            else:
                rec.source = src
            sex = row[i_sex].strip().upper()
            if sex and sex not in SEXES:
                problems.append(RowProblem(line, rid, "sex", f"'{sex}' is not M, F or X"))
            else:
                rec.sex = sex
            raw_birth = row[i_birth].strip()
            if raw_birth:
                parsed = _parse_birth_date(raw_birth, today)
                if isinstance(parsed, str):
                    problems.append(RowProblem(line, rid, "birth_date", parsed))
                else:
                    rec.birth_year, rec.birth_month, rec.birth_day = parsed
            nat = row[i_nat]
            if nat:
                code = nat_cache.get(nat)
                if code is None:
                    code = country_from_icao(nat.strip())
                    code = nat_cache[nat] = code if code in countries else ""
                if code:
                    rec.nationality = code
                elif nat.strip():
                    problems.append(
                        RowProblem(
                            line,
                            rid,
                            "nationality",
                            f"'{nat.strip()}' is not an ISO 3166-1 alpha-3 country code "
                            "(XXA: stateless)",
                        )
                    )
            number = row[i_dnum]
            if number:
                # As registry.rules.document_number_normalize, inlined: a million rows.
                number = "".join(number.split()).upper().replace("-", "")
            if number:
                if number.isalnum() and number.isascii() and len(number) <= 30:
                    dtype = " ".join(row[i_dtype].split()).upper()
                    rec.documents = ((dtype, "", number),)
                else:
                    problems.append(
                        RowProblem(
                            line,
                            rid,
                            "document_number",
                            "must be letters A-Z and digits, at most 30",
                        )
                    )
            records.append(rec)
    except csv.Error as exc:
        raise InputFileError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from exc
    if empty_ids or duplicates:
        parts = []
        if empty_ids:
            shown = ", ".join(str(n) for n in empty_ids[:10])
            parts.append(f"empty record_id on line{'s' if len(empty_ids) > 1 else ''} {shown}")
        if duplicates:
            shown = "; ".join(duplicates[:10])
            more = f" and {len(duplicates) - 10} more" if len(duplicates) > 10 else ""
            parts.append(f"duplicate record_id: {shown}{more}")
        raise InputFileError(f"{path}: {'; '.join(parts)}. Every record needs its own id.")
    return records, problems


# --- the engine --------------------------------------------------------------------------


@dataclass(slots=True)
class _State:
    """What the scoring workers read (inherited through fork, never pickled)."""

    prepared: list[scoring.Prepared]
    keys: list[tuple[str, ...]]
    small: dict[str, list[int]]  # key -> member indexes (ascending)
    # key -> (members in each order, {member: position} in each order)
    big: dict[str, tuple[tuple[list[int], dict[int, int]], ...]]
    births: list[Birth]
    docs: list[frozenset[tuple[str, str]]]  # (document type, number)
    nameless: list[bool]
    review: float
    window: int


_STATE: _State | None = None
# Share of records holding each name token key (term-frequency adjustment in the scorer),
# from this many records up.
TF_MIN_RECORDS = 5000
_FREQ: dict[str, float] | None = None


def _frequencies(prepared: Sequence[scoring.Prepared]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for prep in prepared:
        if not prep.spellings:
            continue
        sp = prep.spellings[0]
        for k in set(sp.family_keys + sp.given_keys):
            counts[k] = counts.get(k, 0) + 1
    n = max(1, len(prepared))
    return {k: c / n for k, c in counts.items()}


def _candidates(i: int, st: _State) -> list[int]:
    found: set[int] = set()
    w = st.window
    for k in st.keys[i]:
        members = st.small.get(k)
        if members is not None:
            found.update(members)
            continue
        orders = st.big.get(k)
        if orders is None:
            continue
        for seq, where in orders:
            p = where[i]
            found.update(seq[max(0, p - w) : p + w + 1])
    return sorted(j for j in found if j > i)


_Scores = tuple["array[int]", "array[int]", "array[float]", "array[int]", int]


# What the veto needs of a scored pair, packed in a byte: how different the given names
# are, and whether the pair is linked by its document alone.
GIVEN_SAME, GIVEN_FUZZY, GIVEN_DIFFERENT, GIVEN_PARTIAL = 0, 1, 2, 3
_DOCUMENT_LINK = 4


def _given(scored: scoring.Scored) -> int:
    for e in scored.evidence:
        if e.field == "given_names":
            if e.level == "different":
                return GIVEN_DIFFERENT
            if e.level == "fuzzy":
                return GIVEN_FUZZY
            if e.level == "partial":
                return GIVEN_PARTIAL
    return GIVEN_SAME


def _prepare_range(
    indexes: range, recs: Sequence[Record]
) -> tuple[list[scoring.Prepared], list[tuple[str, ...]]]:
    """The records' prepared identities and sorted blocking keys."""
    prepared = [scoring.prepare(recs[i].identity()) for i in indexes]
    return prepared, [tuple(sorted(scoring.blocking_keys(p))) for p in prepared]


def _score_range(indexes: Sequence[int]) -> _Scores:
    """Score the candidates of records `indexes` (each against partners of higher index):
    the pairs at or above the review threshold (or linked by their document) with their
    probability and flags (`_given`, `_DOCUMENT_LINK`)."""
    st = _STATE
    assert st is not None
    compare = scoring.compare
    prepared = st.prepared
    review = st.review
    births = st.births
    docs = st.docs
    nameless = st.nameless
    out_a: array[int] = array("q")
    out_b: array[int] = array("q")
    out_p: array[float] = array("d")
    out_g: array[int] = array("b")
    compared = 0
    for i in indexes:
        pi = prepared[i]
        bi = births[i]
        for j in _candidates(i, st):
            # Never linked (the veto), so not worth a comparison: most pairs of a common
            # name differ in the birth date.
            if _apart(bi, births[j]):
                continue
            compared += 1
            scored = compare(pi, prepared[j], _FREQ)
            flags = _given(scored)
            # A record without a name is who its document says: nothing speaks against.
            if (nameless[i] or nameless[j]) and docs[i] & docs[j]:
                flags |= _DOCUMENT_LINK
            if scored.probability >= review or flags & _DOCUMENT_LINK:
                out_a.append(i)
                out_b.append(j)
                out_p.append(scored.probability)
                out_g.append(flags)
    return out_a, out_b, out_p, out_g, compared


def _sort_strings(rec: Record) -> tuple[str, str]:
    d = f"{rec.birth_year or 0:04d}{rec.birth_month or 0:02d}{rec.birth_day or 0:02d}"
    fam = _roman(rec.family_name)
    giv = _roman(rec.given_names)
    return f"{d}|{giv}|{fam}", f"{giv}|{fam}|{d}"


@lru_cache(maxsize=200_000)
def _roman(text: str) -> str:
    return romanise(text)


def _chunks(n: int, size: int) -> list[range]:
    return [range(s, min(n, s + size)) for s in range(0, n, size)]


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def dedupe(
    records: Sequence[Record],
    *,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    link_at: float | None = None,
    review_from: float | None = None,
    block_cap: int = BLOCK_CAP,
    window: int = WINDOW,
) -> DedupeResult:
    """Cluster `records` (record ids must be unique): {record_id: cluster_id} for every
    record, plus the scored pairs at or above `review_from`. Deterministic: the same
    records give the same clusters whatever their order and the number of workers."""
    # The run allocates millions of small objects and no reference cycles: the cyclic
    # collector would only rescan them (a quarter of the run's time, and in forked
    # workers it would copy every page it touches). Reference counting frees them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _dedupe(
            records,
            workers=workers,
            progress=progress,
            link_at=link_at,
            review_from=review_from,
            block_cap=block_cap,
            window=window,
        )
    finally:
        if collecting:
            gc.enable()


def _dedupe(
    records: Sequence[Record],
    *,
    workers: int | None,
    progress: ProgressFn | None,
    link_at: float | None,
    review_from: float | None,
    block_cap: int,
    window: int,
) -> DedupeResult:
    global _STATE
    started = time.perf_counter()
    # CPU seconds too: wall time on a shared machine says little about the engine.
    cpu_started = os.times()
    link = scoring.dedupe_link_at() if link_at is None else link_at
    review = scoring.review_from() if review_from is None else review_from
    review = min(review, link)
    n = len(records)
    report = progress or (lambda stage, done, total: None)

    # Canonical order (by record id) so that results do not depend on the input order.
    order = sorted(range(n), key=lambda i: records[i].record_id)
    recs = [records[i] for i in order]

    workers = default_workers() if workers is None else max(1, workers)
    # Fork only a single-threaded process: a thread holding a lock at the fork (the
    # worker's scheduler, a live server) leaves the child waiting on it forever.
    parallel = (
        workers > 1
        and n > 4 * _CHUNK
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )
    prepared: list[scoring.Prepared] = []
    keys: list[tuple[str, ...]] = []
    for chunk in _chunks(n, _CHUNK):
        chunk_prepared, chunk_keys = _prepare_range(chunk, recs)
        prepared.extend(chunk_prepared)
        keys.extend(chunk_keys)
        report("prepare", chunk.stop, n)
    global _FREQ
    # A name's share of a small input says little about how common it is.
    _FREQ = _frequencies(prepared) if n >= TF_MIN_RECORDS else None
    t_prepare = time.perf_counter()

    blocks: dict[str, list[int]] = {}
    for i, ks in enumerate(keys):
        for key in ks:
            members = blocks.get(key)
            if members is None:
                blocks[key] = [i]
            else:
                members.append(i)
    small: dict[str, list[int]] = {}
    big: dict[str, tuple[tuple[list[int], dict[int, int]], ...]] = {}
    sort_cache: dict[int, tuple[str, str]] = {}
    dropped = 0
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        if len(members) <= block_cap:
            small[key] = members
            continue
        if key.startswith("t:"):
            dropped += 1
            continue
        for i in members:
            if i not in sort_cache:
                sort_cache[i] = _sort_strings(recs[i])
        orders = []
        for which in (0, 1):
            seq = sorted(members, key=lambda i: (sort_cache[i][which], i))
            orders.append((seq, {m: p for p, m in enumerate(seq)}))
        big[key] = tuple(orders)
    blocks.clear()
    sort_cache.clear()
    # Keys that give no partner are dropped from the per-record lists (less work below).
    keys = [tuple(k for k in ks if k in small or k in big) for ks in keys]
    t_block = time.perf_counter()

    _STATE = _State(
        prepared,
        keys,
        small,
        big,
        [_birth(r) for r in recs],
        [frozenset((t, num) for t, _s, num in r.documents) for r in recs],
        [not (r.family_name.strip() or r.given_names.strip()) for r in recs],
        review,
        window,
    )
    a_all: array[int] = array("q")
    b_all: array[int] = array("q")
    p_all: array[float] = array("d")
    g_all: array[int] = array("b")
    compared = 0
    chunks = _chunks(n, _CHUNK)
    try:
        if parallel:
            # imap keeps the chunks in order: the result does not depend on timing.
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                for done, (a, b, p, g, c) in enumerate(pool.imap(_score_range, chunks), 1):
                    a_all.extend(a)
                    b_all.extend(b)
                    p_all.extend(p)
                    g_all.extend(g)
                    compared += c
                    report("score", min(n, done * _CHUNK), n)
        else:
            for done, chunk in enumerate(chunks, 1):
                a, b, p, g, c = _score_range(chunk)
                a_all.extend(a)
                b_all.extend(b)
                p_all.extend(p)
                g_all.extend(g)
                compared += c
                report("score", min(n, done * _CHUNK), n)
    finally:
        _STATE = None
    t_score = time.perf_counter()

    links = sorted(
        (k for k in range(len(p_all)) if p_all[k] >= link or g_all[k] & _DOCUMENT_LINK),
        key=lambda k: (-p_all[k], a_all[k], b_all[k]),
    )
    # Given names of the scored pairs, so that the veto rarely needs to compare again.
    given = {(a_all[k], b_all[k]): g_all[k] & 3 for k in range(len(p_all))}

    def vetoes(x: int, y: int) -> bool:
        known = given.get((x, y) if x < y else (y, x))
        return conflict(recs[x], recs[y], prepared[x], prepared[y], given=known)

    uf = _Clusters(n)
    vetoed = 0
    for k in links:
        if not uf.union(a_all[k], b_all[k], vetoes):
            vetoed += 1
    clusters = uf.labels([r.record_id for r in recs])
    pairs = [Pair(order[a_all[k]], order[b_all[k]], p_all[k]) for k in range(len(p_all))]
    pairs = [p if p.a < p.b else Pair(p.b, p.a, p.probability) for p in pairs]
    pairs.sort(key=lambda p: (p.a, p.b))
    done_at = time.perf_counter()
    cpu = os.times()
    report("cluster", n, n)
    return DedupeResult(
        clusters=clusters,
        pairs=pairs,
        stats={
            "records": n,
            "keys_dropped": dropped,
            "compared": compared,
            "pairs_review": len(pairs),
            "links": len(links),
            "links_vetoed": vetoed,
            "clusters": len(set(clusters.values())),
            "seconds_prepare": t_prepare - started,
            "seconds_block": t_block - t_prepare,
            "seconds_score": t_score - t_block,
            "seconds_cluster": done_at - t_score,
            "seconds": done_at - started,
            "cpu_seconds_main": cpu.user + cpu.system - cpu_started.user - cpu_started.system,
            "cpu_seconds_workers": cpu.children_user
            + cpu.children_system
            - cpu_started.children_user
            - cpu_started.children_system,
        },
    )


def _typo(x: int, y: int, width: int) -> bool:
    """`x` and `y` written with one wrong digit or two neighbours swapped."""
    sx, sy = f"{x:0{width}d}", f"{y:0{width}d}"
    diff = [k for k in range(width) if sx[k] != sy[k]]
    if len(diff) <= 1:
        return True
    k = diff[0]
    return diff == [k, k + 1] and sx[k] == sy[k + 1] and sx[k + 1] == sy[k]


Birth = tuple[int, int, int]  # year, month, day; 0 when unknown


def _birth(rec: Record) -> Birth:
    return (rec.birth_year or 0, rec.birth_month or 0, rec.birth_day or 0)


def _apart(a: Birth, b: Birth) -> bool:
    """Two birth dates no one slip explains: years a generation apart, or both full
    dates different beyond one slip (not equal, not day and month swapped, not one part
    off by one digit or two swapped digits, not a year off by one)."""
    ya, ma, da = a
    yb, mb, db = b
    if ya and yb and abs(ya - yb) >= GENERATION_YEARS:
        return True
    if not (da and db and ma and mb and ya and yb):
        return False
    if (ya, ma, da) == (yb, mb, db) or (ya == yb and ma == db and da == mb):
        return False
    if ma == mb and da == db:
        return not (abs(ya - yb) <= 1 or _typo(ya, yb, 4))
    if ya == yb and ma == mb:
        return not _typo(da, db, 2)
    if ya == yb and da == db:
        return not _typo(ma, mb, 2)
    return True


def _dates_differ(a: Birth, b: Birth) -> bool:
    """Some part of the birth date known on both sides differs (a day and month swapped
    by a clerk is the same date)."""
    if a[0] == b[0] and a[1] and a[2] and (a[1], a[2]) == (b[2], b[1]):
        return False
    return any(x and y and x != y for x, y in zip(a, b, strict=True))


def _documents(a: Record, b: Record) -> tuple[bool, bool]:
    """(other, distinct): both hold a document of one type and none of their numbers of
    that type are equal (`other`), or none are even one edit apart (`distinct`: not a
    misread number, not twins' consecutive passports)."""
    other = distinct = False
    for dtype, _state, x in a.documents:
        numbers = [y for t, _s, y in b.documents if t == dtype]
        if not numbers or x in numbers:
            continue
        other = True
        if all(OSA.distance(x, y) > 1 for y in numbers):
            distinct = True
    return other, distinct


def conflict(
    a: Record,
    b: Record,
    pa: scoring.Prepared,
    pb: scoring.Prepared,
    *,
    given: int | None = None,
) -> bool:
    """True if `a` and `b` cannot be one person, whatever links them (the cluster veto):

    - two generations: both birth years known and at least `GENERATION_YEARS` apart;
    - two birth dates: both full birth dates known and different beyond one slip (day
      and month swapped, one part off by a digit or two swapped digits, a year off by
      one): people with a common name born the same year are not one person, nor joined
      through a record with a partial date;
    - two documents: different numbers (not one misread character apart) of the same
      document type and a birth date that differs in any part both know: a renewed
      passport keeps its holder's birth date;
    - twins or siblings: their given names are different names (the scorer's
      `given_names: different`) and they also share a full birth date, or hold different
      numbers of the same document type, or are of opposite sex; or their given names
      are only alike (`fuzzy`: ALI / VALI) and they hold close numbers of the same
      document type (twins' passports are often numbered one after the other), or they
      share only part of their given names (`partial`: MOHAMMAD ALI / MOHAMMAD REZA,
      BARIS MUSTAFA / MUSTAFA) and hold clearly different numbers of the same document
      type. A middle name left out (MURAT / MURAT MEHMET) is not such a part.

    A renewed passport (new number, same names and birth date) is no conflict: the given
    names agree. Nor is one document whose number a source misread (`scoring.misread`).
    The cheap checks run first; the scorer only when they call for it and the caller
    does not know the scorer's `given` level (GIVEN_*) already."""
    ba, bb = _birth(a), _birth(b)
    if _apart(ba, bb):
        return True
    other_docs = distinct_docs = False
    if a.documents and b.documents:
        # One document (type and number) has one holder: a garbled or transliterated
        # given name on it is no sibling.
        held = {(t, num) for t, _s, num in a.documents}
        if any((t, num) in held for t, _s, num in b.documents):
            return False
        # A number misread or mistyped (RL4140633 / LR4140633) is that one document too.
        if any(
            ta == tb and scoring.misread(x, y)
            for ta, _s, x in a.documents
            for tb, _t, y in b.documents
        ):
            return False
        other_docs, distinct_docs = _documents(a, b)
        if distinct_docs and _dates_differ(ba, bb):
            return True
    same_full_date = ba[2] != 0 and ba == bb
    opposite_sex = {a.sex, b.sex} == {"M", "F"}
    if not (same_full_date or opposite_sex or other_docs):
        return False
    if given is None:
        given = _given(scoring.compare(pa, pb))
    return (
        given == GIVEN_DIFFERENT
        or (given == GIVEN_FUZZY and other_docs and not distinct_docs)
        or (given == GIVEN_PARTIAL and distinct_docs and not _middle_name_left_out(pa, pb))
    )


def _middle_name_left_out(pa: scoring.Prepared, pb: scoring.Prepared) -> bool:
    """One record has the other's given names and more, the first one the same (MURAT /
    MURAT MEHMET): a name left out by a clerk. Parents do not give twins one first
    name; brothers' MOHAMMAD ALI / MOHAMMAD REZA are not this."""
    if not pa.spellings or not pb.spellings:
        return False
    ka, kb = pa.spellings[0].given_keys, pb.spellings[0].given_keys
    if not ka or not kb or ka[0] != kb[0] or len(ka) == len(kb):
        return False
    short, long_ = (ka, kb) if len(ka) < len(kb) else (kb, ka)
    return set(short) <= set(long_)


class _Clusters:
    """Union-find with member lists, so that a union can be vetoed by any cross pair."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, x: int, y: int, conflicts: Callable[[int, int], bool]) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return True
        mx = self.members.get(rx, [rx])
        my = self.members.get(ry, [ry])
        if any(conflicts(u, v) for u in mx for v in my):
            return False
        if len(mx) < len(my):
            rx, ry, mx, my = ry, rx, my, mx
        self.parent[ry] = rx
        mx.extend(my)
        self.members[rx] = mx
        self.members.pop(ry, None)
        return True

    def labels(self, ids: Sequence[str]) -> dict[str, str]:
        """{id: cluster id}, the cluster id being the smallest id of the cluster (ids
        are sorted, so that is its first member by index)."""
        smallest: dict[int, int] = {}
        for i in range(len(ids)):
            smallest.setdefault(self.find(i), i)
        return {ids[i]: ids[smallest[self.find(i)]] for i in range(len(ids))}


# --- writing -----------------------------------------------------------------------------


def write_atomic(path: Path | str, rows: Iterable[Sequence[Any]], header: Sequence[str]) -> None:
    """Write a CSV next to `path` and rename it into place: readers never see a partial
    file, and a failure leaves no file behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_clusters(path: Path | str, records: Sequence[Record], clusters: dict[str, str]) -> None:
    """OUTPUT.csv: record_id, cluster_id, in input order, one row per record."""
    write_atomic(
        path, ((r.record_id, clusters[r.record_id]) for r in records), ("record_id", "cluster_id")
    )


def write_pairs(path: Path | str, records: Sequence[Record], pairs: Sequence[Pair]) -> None:
    write_atomic(
        path,
        ((records[p.a].record_id, records[p.b].record_id, f"{p.probability:.4f}") for p in pairs),
        ("record_id_a", "record_id_b", "probability"),
    )


def write_problems(path: Path | str, problems: Sequence[RowProblem]) -> None:
    write_atomic(
        path,
        ((p.line, p.record_id, p.field, p.reason) for p in problems),
        ("line", "record_id", "field", "reason"),
    )
