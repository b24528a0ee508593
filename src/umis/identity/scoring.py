"""How alike two identities are: a Fellegi–Sunter match weight with what matched (ADR 0013).

Pure Python (no ORM): person search, online matching of source records and batch
deduplication all call `prepare` once per identity and `compare` per candidate pair, and
find candidates by the same `blocking_keys`. Each field is compared at a level (names:
exact, variant spelling, partial, fuzzy, different; birth date: exact, day/month swapped,
partial, near, same year, different; ...); each level carries the log2 Bayes factor
log2(m/u) from `data/match_weights.toml`; the sum plus the prior is the match weight and
2^w / (1 + 2^w) the probability shown to officers and used against the thresholds.
A field missing on either side says nothing (weight 0).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from django.conf import settings
from rapidfuzz.distance import OSA, JaroWinkler

from umis.identity.normalise import parse_name, romanise, token_key

# Spellings per identity compared pairwise (primary + other scripts/sources).
_MAX_SPELLINGS = 4
# Blocking keys use the first given names only: third and later are rarely recorded.
_GIVEN_FOR_KEYS = 2


@dataclass(frozen=True, slots=True)
class Identity:
    family_name: str = ""
    given_names: str = ""
    patronymic: str = ""
    sex: str = ""  # "M" | "F" | "X" | ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    nationality: str = ""  # ISO 3166-1 alpha-3 ("XXA" stateless), "" unknown
    documents: tuple[tuple[str, str], ...] = ()  # (issuing state or "", number)
    other_names: tuple[tuple[str, str, str], ...] = ()  # (family, given, patronymic)


@dataclass(frozen=True, slots=True)
class Evidence:
    field: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class Scored:
    probability: float
    weight: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class _Spelling:
    family: tuple[str, ...]
    family_keys: tuple[str, ...]
    given: tuple[str, ...]
    given_keys: tuple[str, ...]
    patronymic_key: str
    pooled: str  # all name tokens' keys, for order- and spacing-free equality
    # Written in Arabic script (Arabic, Persian, Urdu, Pashto: short vowels are not
    # written) or a Brahmic one (Devanagari, Bengali: vowels romanised many ways), so its
    # names are also compared by their consonants.
    abjad: bool = False


@dataclass(frozen=True, slots=True)
class Prepared:
    spellings: tuple[_Spelling, ...]
    sex: str
    year: int | None
    month: int | None
    day: int | None
    nationality: str
    documents: frozenset[str]


def document_number_key(number: str) -> str:
    """Document numbers compared as sources write them: case, spaces, dashes and the MRZ
    filler ignored."""
    if number.isalnum() and number.isascii():
        return number.upper()  # the common case
    return "".join(ch for ch in number.upper() if ch.isalnum())


# Arabic script (Arabic, Persian, Urdu, Pashto) and the Brahmic scripts UMIS romanises.
_ABJAD = re.compile("[\u0600-\u06ff\u0900-\u09ff]")


# Records of one person repeat the same names (and a batch repeats common ones).
@lru_cache(maxsize=200_000)
def _spelling(family: str, given: str, patronymic: str) -> _Spelling | None:
    parsed = parse_name(family, given, patronymic)
    fam = tuple(t for t in parsed.family if t)
    giv = tuple(t for t in parsed.given if t)
    if not fam and not giv:
        return None
    fam_keys = tuple(token_key(t) for t in fam)
    giv_keys = tuple(token_key(t) for t in giv)
    pat = next((t for t in parsed.patronymic if t), "")
    abjad = _ABJAD.search(family) is not None or _ABJAD.search(given) is not None
    return _Spelling(
        abjad=abjad,
        family=fam,
        family_keys=fam_keys,
        given=giv,
        given_keys=giv_keys,
        patronymic_key=token_key(pat) if pat else "",
        pooled="".join(sorted(k for k in fam_keys + giv_keys if k)),
    )


# Georgian gives a name that ends in a consonant the nominative -i and writes F as ფ
# (P), and Georgian passports romanise from Georgian: ELCHIN RUSTAMOV is ELCHINI
# RUSTAMOVI there, FUAD ALIYEV is PUADI ALIEVI.
_NOMINATIVE_I = frozenset({"GEO"})
_GEORGIAN_LETTERS = re.compile("[\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f]")
_FINAL_I = re.compile(r"(?<=[A-Z]{3}[B-DF-HJ-NP-TV-Z])I\b")


def _spellings_of(family: str, given: str, patronymic: str, nationality: str) -> list[_Spelling]:
    """The spelling as written, and for a Georgian record the one without the
    nominative -i and with F for P (ELCHINI / ELCHIN, PUADI / FUAD; GIORGI and PETRE
    stay as written too)."""
    sp = _spelling(family, given, patronymic)
    if sp is None:
        return []
    out = [sp]
    if nationality in _NOMINATIVE_I or _GEORGIAN_LETTERS.search(family + given):
        fam, giv = (_FINAL_I.sub("", romanise(n)).replace("P", "F") for n in (family, given))
        if (fam, giv) != (romanise(family), romanise(given)):
            bare = _spelling(fam, giv, patronymic)
            if bare is not None:
                out.append(bare)
    return out


def prepare(identity: Identity) -> Prepared:
    spellings: list[_Spelling] = []
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    names = ((identity.family_name, identity.given_names, identity.patronymic),)
    nationality = identity.nationality.upper() if identity.nationality else ""
    for family, given, patronymic in names + identity.other_names:
        for sp in _spellings_of(family, given, patronymic, nationality):
            if (sp.family, sp.given) in seen or len(spellings) == _MAX_SPELLINGS:
                continue
            seen.add((sp.family, sp.given))
            spellings.append(sp)
    docs = frozenset(k for _, number in identity.documents if (k := document_number_key(number)))
    month = identity.birth_month if identity.birth_year else None
    return Prepared(
        spellings=tuple(spellings),
        sex=identity.sex if identity.sex in ("M", "F") else "",
        year=identity.birth_year or None,
        month=month or None,
        day=(identity.birth_day or None) if month else None,
        nationality=identity.nationality.upper() if identity.nationality else "",
        documents=docs,
    )


# --- blocking -------------------------------------------------------------------------


def _joined(tokens: tuple[str, ...]) -> tuple[str, ...]:
    # "XIAO MING" and "XIAOMING", "AL HASHIMI" and "ALHASHIMI" meet on the joined key.
    return (token_key("".join(tokens)),) if len(tokens) > 1 else ()


def _name_keys(sp: _Spelling) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not sp.family:
        return tuple(k for k in sp.given_keys[:1] if k), ()
    fam = tuple(k for k in sp.family_keys + _joined(sp.family) if k)
    giv = tuple(k for k in sp.given_keys[:_GIVEN_FOR_KEYS] + _joined(sp.given) if k)
    return fam, giv


@lru_cache(maxsize=200_000)
def _spelling_keys(
    sp: _Spelling,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    """(family keys, given keys, the keys of the name alone, the consonant pair) of one
    spelling: records of one person and common names repeat spellings."""
    fam, giv = _name_keys(sp)
    name_only = {f"t:{f}" for f in fam}
    for f in fam:
        for g in giv:
            a, b = sorted((f, g))
            name_only.add(f"fg:{a}|{b}")
    consonants = ""
    if sp.family and sp.given:
        # Consonants only, order-free (with the full date): vowels written another way
        # (Arabic script, YANG / YNAG) still meet.
        c1, c2 = sorted((_consonants("".join(sp.family)), _consonants(sp.given[0])))
        consonants = f"{c1}|{c2}"
    return fam, giv, tuple(sorted(name_only)), consonants


def blocking_keys(p: Prepared) -> frozenset[str]:
    """Keys two records of one person very likely share, whatever the source got wrong:
    family×given (order-free, so swapped fields meet), family+year, given+full date (a
    changed or garbled family name), consonants+full date, full date+nationality (both
    names garbled), each family token alone (name-only search), and the document
    number."""
    keys: set[str] = set()
    full_date = f"{p.year:04d}-{p.month:02d}-{p.day:02d}" if p.day and p.month and p.year else ""
    for sp in p.spellings:
        fam, giv, name_only, consonants = _spelling_keys(sp)
        keys.update(name_only)
        if p.year:
            keys.update(f"fy:{f}:{p.year}" for f in fam)
        if full_date:
            keys.update(f"gd:{g}:{full_date}" for g in giv)
            if consonants:
                keys.add(f"cd:{consonants}:{full_date}")
    if full_date:
        # Both names garbled (DOGAN MURAT / DODAN MRAT) or swapped and garbled: the full
        # date (day and month in either order) and the nationality still meet.
        lo, hi = sorted((p.month or 0, p.day or 0))
        keys.add(f"dn:{p.year:04d}-{lo:02d}-{hi:02d}:{p.nationality}")
    keys.update(f"d:{d}" for d in p.documents)
    return frozenset(k[:80] for k in keys)


_KEY_ORDER = {"d": 0, "fg": 1, "gd": 2, "cd": 3, "fy": 4, "dn": 5, "t": 6}


def query_keys(p: Prepared) -> list[str]:
    """The keys to look up for a search or a match, most selective first."""
    return sorted(blocking_keys(p), key=lambda k: (_KEY_ORDER[k.split(":", 1)[0]], k))


# --- weights ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Weights:
    prior: float
    levels: dict[str, dict[str, float]]  # field -> level -> log2(m/u)
    m: dict[str, dict[str, float]]  # field -> level -> m, for term-frequency u
    swapped_names: float
    twins: float
    male_family_changed: float
    tf_minimum_u: float


@lru_cache(maxsize=1)
def weights() -> _Weights:
    text = resources.files("umis.identity").joinpath("data/match_weights.toml").read_text("utf-8")
    data = tomllib.loads(text)
    levels: dict[str, dict[str, float]] = {}
    m: dict[str, dict[str, float]] = {}
    for field, table in data.items():
        if not isinstance(table, dict) or field == "adjust":
            continue
        levels[field] = {level: math.log2(mu["m"] / mu["u"]) for level, mu in table.items()}
        m[field] = {level: float(mu["m"]) for level, mu in table.items()}
    return _Weights(
        prior=float(data["prior"]),
        levels=levels,
        m=m,
        swapped_names=float(data["adjust"]["swapped_names"]),
        twins=float(data["adjust"]["twins"]),
        male_family_changed=float(data["adjust"]["male_family_changed"]),
        tf_minimum_u=float(data["adjust"]["tf_minimum_u"]),
    )


# Term frequencies: for each name token key, the share of records (0..1) holding it.
Frequencies = Mapping[str, float]


def _name_weight(field: str, level: str, keys: tuple[str, ...], freq: Frequencies | None) -> float:
    """The level's weight; for an agreeing name with known term frequencies, u is how
    common the name is (KAYA DERYA agreeing says more than MAMMADOV ALI), as Splink's
    term-frequency adjustment does, floored at `tf_minimum_u`."""
    w = weights()
    if freq is None or level not in ("exact", "variant") or not keys:
        return w.levels[field][level]
    share = 1.0
    for k in keys:
        share *= freq.get(k, w.tf_minimum_u)
    return math.log2(w.m[field][level] / max(share, w.tf_minimum_u))


def link_at() -> float:
    """At or above: the same person, linked without review."""
    return float(getattr(settings, "UMIS_IDENTITY_LINK_AT", 0.97))


def dedupe_link_at() -> float:
    """Batch deduplication links from here: lower than online linking's `link_at`,
    because a batch knows how common each name is (term frequencies) and vetoes any
    cluster that would join twins, generations or two clearly different documents."""
    return float(getattr(settings, "UMIS_IDENTITY_DEDUPE_LINK_AT", 0.8))


def review_from() -> float:
    """From here up to `link_at`: an officer decides (the review queue)."""
    return float(getattr(settings, "UMIS_IDENTITY_REVIEW_FROM", 0.5))


# --- field comparisons -------------------------------------------------------------------


def _family_level(a: _Spelling, b: _Spelling, a_fam: bool, b_fam: bool) -> str | None:
    ta = a.family if a_fam else a.given
    tb = b.family if b_fam else b.given
    ka = a.family_keys if a_fam else a.given_keys
    kb = b.family_keys if b_fam else b.given_keys
    if not ta or not tb:
        return None
    ja, jb = "".join(ta), "".join(tb)
    if ja == jb:
        return "exact"
    if sorted(ka) == sorted(kb) or token_key(ja) == token_key(jb):
        return "variant"
    if set(ka) & set(kb):
        return "partial"
    if (a.abjad or b.abjad) and _consonants(ja) == _consonants(jb):
        return "variant"
    if _yo_variant(ja, jb):
        return "variant"
    if JaroWinkler.similarity(ja, jb) >= 0.9 or _one_slip("".join(ka), "".join(kb)):
        return "fuzzy"
    # One letter mistyped in a short name, the first one right (KHAN / KBAN).
    if ja[:1] == jb[:1] and min(len(ja), len(jb)) >= 4 and OSA.distance(ja, jb) <= 1:
        return "fuzzy"
    return "different"


_YO_AFTER_CONSONANT = re.compile(r"(?<=[B-DF-HJ-NP-TV-Z])YO|(?<=I)YO")


@lru_cache(maxsize=100_000)
def _yo_as_e(text: str) -> str:
    return token_key(_YO_AFTER_CONSONANT.sub("E", text))


def _yo_variant(x: str, y: str) -> bool:
    """Russian Ё written YO by one source and E by another (ICAO 9303 writes E):
    ARTYOM / ARTEM, BAKHTIYOR (Uzbek BAXTIYOR) / BAKHTIER, SOLOVYOV / SOLOVEV. Not a
    key fold: after a consonant Ё is also Azerbaijani Ö (GYOZAL / GÖZƏL)."""
    return ("YO" in x or "YO" in y) and _yo_as_e(x) == _yo_as_e(y)


# Vowels, and W/V: Arabic and Persian و is V, U or O (JAVAD / جواد JUAD, DAVUD / DAUD).
_VOWELS = str.maketrans("", "", "AEIOUYWV")


@lru_cache(maxsize=200_000)
def _consonants(text: str) -> str:
    """The consonant skeleton of a romanised name (HOSSEINI and حسینی both HSN), with
    the key's letter folds (KH/X/H, ZH/J ...) applied first. An initial vowel, V or W
    is only "a vowel": Arabic script starts such names with one of و ا ع (UMAR / عمر,
    IMRAN / عمران, WAQAS / وقاص)."""
    key = token_key(text)
    if not key:
        return ""
    first = "A" if key[0] in "AEIOUVW" else key[0]
    out = first + key[1:].translate(_VOWELS)
    return "".join(ch for i, ch in enumerate(out) if i == 0 or ch != out[i - 1])


# A given name cut by a fixed-width field (a border system's, the MRZ's) is at least
# this long: MOHAMMAD HOSSEI is MOHAMMAD HOSSEIN, MOHAMMAD ALI is not MOHAMMAD ALIREZA.
_TRUNCATED_AT_LEAST = 13


def _tokens_slip(
    ta: tuple[str, ...], tb: tuple[str, ...], ka: tuple[str, ...], kb: tuple[str, ...]
) -> bool:
    """Several given names that agree name by name except one slip in one of them
    (HULYA FATMA / HULYA FATNA) or a cut last name (CHRISTOPHER JAMES / CHRISTOPHER
    JAM): the same names, not one name of two (MERVE / MERVE SONGUL, partial) and not
    brothers' names (MOHAMMAD ALI / MOHAMMAD REZA, partial)."""
    if len(ta) < 2 or len(tb) < 2:
        return False
    for (xs, xk), (ys, yk) in (((ta, ka), (tb, kb)), ((tb, kb), (ta, ka))):
        # xs cut: all its names but the last equal, its last one the start of yours.
        if (
            len(xs) <= len(ys)
            and len(" ".join(xs)) >= _TRUNCATED_AT_LEAST
            and xk[:-1] == yk[: len(xk) - 1]
            and len(xs[-1]) >= 2
            and ys[len(xs) - 1].startswith(xs[-1])
            and ys[len(xs) - 1] != xs[-1]
        ):
            return True
    if len(ta) != len(tb):
        return False
    slips = 0
    for x, y, kx, ky in zip(ta, tb, ka, kb, strict=True):
        if kx == ky:
            continue
        if min(len(x), len(y)) < 4 or OSA.distance(x, y) > 1:
            return False
        slips += 1
    return slips == 1


def _one_slip(x: str, y: str) -> bool:
    """Keys one typing slip apart (a letter dropped, doubled, swapped or mistyped), for
    names long enough that one slip does not make another name."""
    return min(len(x), len(y)) >= 5 and OSA.distance(x, y) <= 1


def _given_level(a: _Spelling, b: _Spelling, a_giv: bool, b_giv: bool) -> str | None:
    ta = a.given if a_giv else a.family
    tb = b.given if b_giv else b.family
    ka = a.given_keys if a_giv else a.family_keys
    kb = b.given_keys if b_giv else b.family_keys
    if not ta or not tb:
        return None
    if "".join(ta) == "".join(tb):
        return "exact"
    if sorted(ka) == sorted(kb) or token_key("".join(ta)) == token_key("".join(tb)):
        return "variant"
    if _tokens_slip(ta, tb, ka, kb):
        return "variant"
    sa, sb = set(ka), set(kb)
    if ka[0] == kb[0] or (sa and sb and (sa <= sb or sb <= sa)):
        return "partial"
    if (a.abjad or b.abjad) and (
        [_consonants(t) for t in ta] == [_consonants(t) for t in tb]
        # Spacing differs between scripts (AL NAJJAR / النجار): the whole name too.
        or _consonants("".join(ta)) == _consonants("".join(tb))
    ):
        return "variant"
    if _yo_variant(" ".join(ta), " ".join(tb)):
        return "variant"
    # "J." or "J R" against "JOHN RONALD": initials consistent with the other's names.
    for short, full in ((ta, tb), (tb, ta)):
        if all(len(t) == 1 for t in short) and [t[0] for t in full[: len(short)]] == list(short):
            return "initial"
    if JaroWinkler.similarity(" ".join(ta), " ".join(tb)) >= 0.88 or _one_slip(ka[0], kb[0]):
        return "fuzzy"
    if JaroWinkler.similarity(ta[0], tb[0]) >= 0.92:
        return "fuzzy"
    # Keys one slip apart for short names too, when the first letter agrees (GITA / GETA).
    if ka[0][:1] == kb[0][:1] and len(ka[0]) >= 4 and OSA.distance(ka[0], kb[0]) <= 1:
        return "fuzzy"
    return "different"


def _levels(sa: _Spelling, sb: _Spelling, swapped: bool) -> tuple[str | None, str | None]:
    return _family_level(sa, sb, True, not swapped), _given_level(sa, sb, True, not swapped)


def _names(
    a: Prepared, b: Prepared, freq: Frequencies | None = None
) -> tuple[float, list[Evidence]]:
    """The best reading over spellings and orientations (a source may swap the fields),
    with the order- and spacing-free reading (Chinese names) as a floor."""
    w = weights()
    lv = w.levels
    best: tuple[float, list[Evidence]] | None = None
    for sa in a.spellings:
        for sb in b.spellings:
            straight = _levels(sa, sb, False)
            readings: list[tuple[str | None, str | None, bool]] = [(*straight, False)]
            if straight != ("exact", "exact"):  # else the swapped reading cannot beat it
                readings.append((*_levels(sa, sb, True), True))
            if sa.pooled and sa.pooled == sb.pooled and len(sa.family + sa.given) > 1:
                readings.append(("variant", "variant" if sa.given or sb.given else None, False))
            for fam, giv, swapped in readings:
                ev: list[Evidence] = []
                total = 0.0
                if fam is not None:
                    weight = _name_weight("family_name", fam, sa.family_keys, freq)
                    ev.append(Evidence("family_name", fam, weight))
                if giv is not None:
                    weight = _name_weight("given_names", giv, sa.given_keys, freq)
                    ev.append(Evidence("given_names", giv, weight))
                if sa.patronymic_key and sb.patronymic_key:
                    level = (
                        "equal"
                        if _patronymics_agree(sa.patronymic_key, sb.patronymic_key)
                        else "different"
                    )
                    ev.append(Evidence("patronymic", level, lv["patronymic"][level]))
                if swapped and ev:
                    ev.append(Evidence("names", "swapped", w.swapped_names))
                total = sum(e.weight for e in ev)
                if best is None or total > best[0]:
                    best = (total, ev)
    return best if best is not None else (0.0, [])


def _patronymics_agree(x: str, y: str) -> bool:
    # BAKHTIER / BAXTIYOR: the father's name as two systems spelled it.
    return x == y or _one_slip(x, y) or JaroWinkler.similarity(x, y) >= 0.9


def _date_level(a: Prepared, b: Prepared) -> str | None:
    if not a.year or not b.year:
        return None
    if a.day and b.day and a.month and b.month:
        if (a.year, a.month, a.day) == (b.year, b.month, b.day):
            return "exact"
        if a.year == b.year and a.month == b.day and a.day == b.month:
            return "swapped"
        same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
        if same == 2:
            if a.year != b.year and abs(a.year - b.year) > 1 and not _one_digit(a.year, b.year):
                return "year" if a.month == b.month else "different"
            return "near"
        return "year" if a.year == b.year else "different"
    # One or both partial: consistent on every part both know?
    if a.year == b.year:
        if a.month and b.month:
            # Year and month agree and a day is missing: "month"; they disagree: "year".
            return "month" if a.month == b.month else "year"
        return "partial"
    if abs(a.year - b.year) == 1 and (not a.month or not b.month or a.month == b.month):
        return "near"
    return "different"


def _one_digit(x: int, y: int) -> bool:
    sx, sy = f"{x:04d}", f"{y:04d}"
    return sum(c != d for c, d in zip(sx, sy, strict=True)) == 1


def _document_level(a: Prepared, b: Prepared) -> str | None:
    if not a.documents or not b.documents:
        return None
    if a.documents & b.documents:
        return "equal"
    for x in a.documents:
        for y in b.documents:
            if misread(x, y):
                return "near"
    return "different"


# Characters an MRZ reader or a clerk confuses. A different digit is NOT a misreading:
# consecutive numbers go to one family's passports, issued the same day.
_CONFUSABLE = frozenset({"0O", "O0", "0D", "D0", "1I", "I1", "5S", "S5", "8B", "B8", "2Z", "Z2"})


def misread(x: str, y: str) -> bool:
    """Two numbers of one document: two neighbours swapped, a character dropped or
    doubled, or characters a reader confuses (0/O, 1/I...). Consecutive numbers are not
    (twins' passports)."""
    if min(len(x), len(y)) < 6:
        return False
    if len(x) != len(y):
        return abs(len(x) - len(y)) == 1 and OSA.distance(x, y) == 1
    diff = [i for i in range(len(x)) if x[i] != y[i]]
    if len(diff) == 2 and diff[1] == diff[0] + 1 and OSA.distance(x, y) == 1:
        return True  # two neighbours swapped
    return 0 < len(diff) <= 2 and all(x[i] + y[i] in _CONFUSABLE for i in diff)


def _side(p: Prepared) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (p.spellings[0].family, p.spellings[0].given) if p.spellings else ((), ())


def compare(a: Prepared, b: Prepared, freq: Frequencies | None = None) -> Scored:
    """`freq`: term frequencies of name keys in the data compared (batch deduplication
    knows them); without, every name weighs as the table says."""
    # Which side a swapped name is labelled by depends on the order: fix it, so that
    # compare(a, b) and compare(b, a) say the same.
    if _side(b) < _side(a):
        a, b = b, a
    w = weights()
    lv = w.levels
    total, evidence = _names(a, b, freq)
    date = _date_level(a, b)
    if date is not None:
        evidence.append(Evidence("birth_date", date, lv["birth_date"][date]))
        total += lv["birth_date"][date]
    if a.sex and b.sex:
        level = "equal" if a.sex == b.sex else "different"
        evidence.append(Evidence("sex", level, lv["sex"][level]))
        total += lv["sex"][level]
    if a.nationality and b.nationality:
        level = "equal" if a.nationality == b.nationality else "different"
        evidence.append(Evidence("nationality", level, lv["nationality"][level]))
        total += lv["nationality"][level]
    doc = _document_level(a, b)
    if doc is not None:
        evidence.append(Evidence("document", doc, lv["document"][doc]))
        total += lv["document"][doc]
    levels = {e.field: e.level for e in evidence}
    if a.sex == b.sex == "M" and levels.get("family_name") == "different":
        evidence.append(Evidence("family_change", "two men", w.male_family_changed))
        total += w.male_family_changed
    if (
        date == "exact"
        and doc != "equal"
        and levels.get("given_names") == "different"
        and levels.get("family_name") in ("exact", "variant")
    ):
        evidence.append(Evidence("twins", "same family and birth date", w.twins))
        total += w.twins
    weight = w.prior + total
    return Scored(_probability(weight), weight, tuple(evidence))


def _probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = 2.0**weight
    return odds / (1.0 + odds)


def best(
    query: Prepared, candidates: Iterable[tuple[object, Prepared]]
) -> list[tuple[object, Scored]]:
    """Candidates scored against the query, best first."""
    scored = [(ref, compare(query, p)) for ref, p in candidates]
    scored.sort(key=lambda item: -item[1].weight)
    return scored


def evidence_summary(evidence: Sequence[Evidence]) -> list[dict[str, str | float]]:
    """What matched, for an API response or a review page (strongest first)."""
    return [
        {"field": e.field, "level": e.level, "weight": round(e.weight, 2)}
        for e in sorted(evidence, key=lambda e: -e.weight)
    ]
