"""Labelled records for the identity benchmark: persons as several systems wrote them.

`generate(records, seed)` returns rows in the `umis identity dedupe` CSV format and the
truth (record_id -> entity id). Pure Python, no Django, deterministic for a seed; a
million records take well under two minutes.

The population is the foreigners of Azerbaijan (name pools from
``umis.registry.demo_names``, drawn with a Zipf-like skew so that some names are very
common). Each person is written by one to six sources, each the way it really writes:

* BORDER: the MRZ of the passport shown (ICAO Latin, upper case, no patronymic, long
  names truncated by the border system's fields), an old passport for some;
* APPLICATION: the person themself, passport Latin with the patronymic, or their own script;
* STAY_REGISTRATION: a Baku hotel clerk: Cyrillic or Azerbaijani spelling, the older
  YU/YA/KH transliteration, typos, swapped family/given, patronymic typed into the given
  names, middle names left out, day/month swapped, partial dates, missing nationality;
* TAX: the tax registry, Azerbaijani Latin with ə ş ç ğ ı (Hüseynov, Sergey İvanov), the
  residence card instead of the passport;
* POLICE: Cyrillic or the older Latin, documents often missing.

Hard negatives are generated on purpose and listed in ``Dataset.hard_negatives``: twins
(same family, birth date, nationality and patronymic, different given names), father and
son with the same given name (the son's patronymic is the father's name), spouses, and
many distinct persons with the same very common name ("Məmmədov Əli", "Иванов Сергей",
"Wang Wei", "Mohammad Hosseini").

Run ``python -m bench.identity_data --records 50000 --out data.csv --truth truth.csv``.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import random
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from umis.registry import demo_names as N

COLUMNS = (
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
SOURCES = ("BORDER", "STAY_REGISTRATION", "TAX", "APPLICATION", "POLICE")
DOCUMENT_TYPES = ("passport", "national_id", "travel_document", "residence_card")
STATELESS = "XXA"

Row = tuple[str, str, str, str, str, str, str, str, str, str]
Names3 = tuple[str, str, str]  # family, given, patronymic


@dataclass(frozen=True, slots=True)
class PersonInfo:
    group: str
    sex: str
    nationality: str
    birth: tuple[int, int, int]
    native: tuple[str, str, str]  # family, given, patronymic in the person's own script
    passport: tuple[str, str]  # family, given as the passport prints them
    document_number: str


@dataclass
class Dataset:
    rows: list[Row]
    truth: dict[str, int]  # record_id -> entity id
    persons: int
    # kind -> pairs of entity ids that must NOT be linked (twins, father_son, spouses,
    # common_name: distinct persons with the same common name).
    hard_negatives: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # entity -> what is true of the person (for tests and error analysis)
    people: dict[int, PersonInfo] = field(default_factory=dict)

    def write(self, path: Path | str, truth_path: Path | str | None = None) -> None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            writer.writerows(self.rows)
        if truth_path is not None:
            with open(truth_path, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(("record_id", "entity_id"))
                writer.writerows(self.truth.items())


# --------------------------------------------------------------------------- transliteration


def _table(pairs: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in pairs.split())


_RU_BASE = _table("""
    а=a б=b в=v г=g д=d е=e ё=e ж=zh з=z и=i к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u
    ф=f х=kh ц=ts ч=ch ш=sh щ=shch ы=y ь= э=e
    ў=u қ=k ғ=g ҳ=kh ҷ=dzh ӣ=i ӯ=u ә=a ң=n ө=o ұ=u ү=u һ=h і=i є=e ї=i ґ=g
""")
# ICAO 9303 (Russian passports since 2013) and the older system most people still type.
_RU_ICAO = {**_RU_BASE, **_table("й=i ъ=ie ю=iu я=ia")}
_RU_OLD = {**_RU_BASE, **_table("й=y ъ= ю=yu я=ya")}
# Ukrainian national romanisation (2010) with its word-initial forms.
_UK = {**_RU_BASE, **_table("г=h ґ=g е=e є=ie и=y і=i ї=i й=i ю=iu я=ia ы=y э=e ё=io ъ=")}
_UK_INITIAL = _table("є=ye ї=yi й=y ю=yu я=ya")
# Cyrillic as the Azerbaijani tax registry writes Russian names (Сергей Иванов -> Sergey İvanov).
_CYR_AZ = {
    **_RU_BASE,
    **_table("г=q х=x ж=j ш=ş ч=ç щ=şç ц=ts й=y ъ= ю=yu я=ya ы=ı ё=yo ь= є=ye ї=yi"),
}
# Georgian national romanisation (2002, no ejective apostrophes, as passports print it).
_GE = _table("""
    ა=a ბ=b გ=g დ=d ე=e ვ=v ზ=z თ=t ი=i კ=k ლ=l მ=m ნ=n ო=o პ=p ჟ=zh რ=r ს=s ტ=t უ=u
    ფ=p ქ=k ღ=gh ყ=q შ=sh ჩ=ch ც=ts ძ=dz წ=ts ჭ=ch ხ=kh ჯ=j ჰ=h
""")
_GE_TO_CYR = _table("""
    ა=а ბ=б გ=г დ=д ე=е ვ=в ზ=з თ=т ი=и კ=к ლ=л მ=м ნ=н ო=о პ=п ჟ=ж რ=р ს=с ტ=т უ=у
    ფ=п ქ=к ღ=г ყ=к შ=ш ჩ=ч ც=ц ძ=дз წ=ц ჭ=ч ხ=х ჯ=дж ჰ=г
""")
_CYR_TO_GE = _table("""
    а=ა б=ბ в=ვ г=გ д=დ е=ე ё=იო ж=ჟ з=ზ и=ი й=ი к=კ л=ლ м=მ н=ნ о=ო п=პ р=რ с=ს т=ტ
    у=უ ф=ფ х=ხ ц=ც ч=ჩ ш=შ щ=შჩ ъ= ы=ი ь= э=ე ю=იუ я=ია
""")
# Azerbaijani Latin as an English speaker or an old database writes it (Xəlilov ->
# Khalilov, Cəfərov -> Jafarov, Qasımov -> Gasimov) and as Turkish writes it.
_AZ_EN = _table("ə=a ı=i ç=ch ş=sh ğ=gh ö=o ü=u x=kh c=j q=g")
_AZ_TR = _table("ə=e q=k x=h")
_GERMAN = _table("ä=ae ö=oe ü=ue ß=ss")
_FOLD_EXTRA = {"ə": "a", "ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "ł": "l", "đ": "d", "œ": "oe"}
_FOLD_EXTRA.update({k.upper(): v.upper() for k, v in _FOLD_EXTRA.items() if k != "ß"})
_TABLES: dict[str, tuple[dict[str, str], dict[str, str] | None]] = {
    "ru_icao": (_RU_ICAO, None),
    "ru_old": (_RU_OLD, None),
    "uk": (_UK, _UK_INITIAL),
    "cyr_az": (_CYR_AZ, None),
    "ge": (_GE, None),
    "ge_cyr": (_GE_TO_CYR, None),
    "cyr_ge": (_CYR_TO_GE, None),
    "az_en": (_AZ_EN, None),
    "az_tr": (_AZ_TR, None),
    "german": (_GERMAN, None),
}


@lru_cache(maxsize=1 << 17)
def translit(text: str, table: str) -> str:
    """`text` through one of the tables above, in lower case (call `title`/`upper` after)."""
    mapping, initial = _TABLES[table]
    lowered = text.replace("İ", "i").replace("I", "ı" if table == "az_tr" else "I").lower()
    if table == "uk":
        lowered = lowered.replace("зг", "zgh")
    if table == "cyr_ge":
        lowered = lowered.replace("дж", "ჯ")
    if table == "cyr_az":
        lowered = lowered.replace("дж", "c")
    out: list[str] = []
    prev_letter = False
    for ch in lowered:
        if initial is not None and not prev_letter and ch in initial:
            out.append(initial[ch])
        else:
            out.append(mapping.get(ch, ch))
        prev_letter = ch.isalpha()
    return "".join(out)


@lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Latin without diacritics, upper case (what a keyboard without national letters gives)."""
    text = "".join(_FOLD_EXTRA.get(ch, ch) for ch in text.replace("İ", "I").replace("ı", "i"))
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


@lru_cache(maxsize=1 << 17)
def title(text: str) -> str:
    # Not str.title(): it capitalises after apostrophes and dotted letters; spaces/hyphens only.
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in text.split(" "))


@lru_cache(maxsize=1 << 17)
def upper(text: str, turkish: bool = False) -> str:
    if turkish:
        text = text.replace("i", "İ").replace("ı", "I")
    return text.upper()


def _lower(text: str) -> str:
    # "İ".lower() is two characters (i + combining dot): fold it first.
    return text.replace("İ", "I").lower()


def mrz(text: str) -> str:
    """ICAO MRZ name characters: folded upper Latin, apostrophes and hyphens to spaces."""
    return " ".join(fold(text.replace("'", "").replace("’", "")).replace("-", " ").split())


def cyr_to_georgian(text: str) -> str:
    out = translit(text, "cyr_ge")
    # Georgian nominative: a family name ending in a consonant takes -i (Мамедов -> მამედოვი).
    if out and out[-1] not in "აეიოუ":
        out += "ი"
    return out


# --------------------------------------------------------------------------- name rules


def ru_feminine(surname: str) -> str:
    for masc, fem in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая")):
        if surname.endswith(masc):
            return surname[: -len(masc)] + fem
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def uk_feminine(surname: str) -> str:
    if surname.endswith("ський"):
        return surname[:-5] + "ська"
    if surname.endswith(("ов", "ев", "ін", "ин")):
        return surname + "а"
    return surname


def az_feminine(surname: str) -> str:
    return surname + "a" if surname.endswith(("ov", "ev")) else surname


def az_masculine(surname: str) -> str:
    return surname[:-1] if surname.endswith(("ova", "eva")) else surname


def ru_masculine(surname: str) -> str:
    for fem, masc in (("ская", "ский"), ("цкая", "цкий"), ("ська", "ський")):
        if surname.endswith(fem):
            return surname[: -len(fem)] + masc
    if surname.endswith(("ова", "ева", "ёва", "ина", "ына")):
        return surname[:-1]
    return surname


_VOWELS_CYR = frozenset("аеёиоуыэюяіїєӣӯ")


def ru_patronymic(father: str, female: bool) -> str:
    exception = N.RU_PATRONYMIC_EXCEPTIONS.get(father) or N.UK_PATRONYMIC_EXCEPTIONS.get(father)
    if exception:
        return exception[int(female)]
    if father.endswith("о"):  # Ukrainian Михайло -> Михайлович
        return father[:-1] + ("івна" if female else "ович")
    if father.endswith(("й", "ь")):
        return father[:-1] + ("евна" if female else "евич")
    if father[-1] in _VOWELS_CYR:
        return father + ("евна" if female else "евич")
    return father + ("овна" if female else "ович")


# --------------------------------------------------------------------------- persons


@dataclass(slots=True)
class Person:
    entity: int
    group: str
    sex: str  # "M" | "F"
    nationality: str
    birth: tuple[int, int, int]  # month/day 0 when unknown to every source
    # style -> (family, given, patronymic): "native", "cyrillic", "passport", "passport_old",
    # "latin_loose" (how a clerk types it), "tax", "alt" (another accepted spelling).
    names: dict[str, Names3]
    passport: tuple[str, str]  # (document_type, number)
    old_passport: str = ""  # a renewed passport's previous number
    residence_card: str = ""


def _zipf_cum(n: int, s: float = 0.9) -> tuple[float, ...]:
    return tuple(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))


class _Pool:
    """Zipf-skewed draws from a name list: the first names of each list are the common ones."""

    __slots__ = ("cum", "items")

    def __init__(self, items: Sequence[object]) -> None:
        self.items = tuple(items)
        self.cum = _zipf_cum(len(self.items))

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


_POOLS: dict[str, _Pool] = {}


def _pool(name: str) -> _Pool:
    pool = _POOLS.get(name)
    if pool is None:
        pool = _POOLS[name] = _Pool(getattr(N, name))
    return pool


# Each group's renderer takes (rng, female, nationality, seed) and returns (names by
# style, seed). `seed` fixes the pieces (family, given, father) when a relative is derived.
Renderer = Callable[[random.Random, bool, str, dict[str, Any]], tuple[dict[str, Names3], dict]]


def _cyrillic(surnames: str, male: str, female_pool: str, *, ukrainian: bool = False) -> Renderer:
    def make(
        rng: random.Random, female: bool, nationality: str, seed: dict[str, Any]
    ) -> tuple[dict[str, Names3], dict]:
        family = str(seed.get("family") or _pool(surnames).pick(rng))
        family = ru_masculine(family)
        given = str(seed.get("given") or _pool(female_pool if female else male).pick(rng))
        father = str(seed.get("father") or _pool(male).pick(rng))
        if female:
            family = uk_feminine(family) if ukrainian else ru_feminine(family)
        patronymic = ru_patronymic(father, female)
        native = (title(family), title(given), title(patronymic))
        passport_table = "uk" if nationality == "UKR" else "ru_icao"
        names = {
            "native": native,
            "cyrillic": native,
            "passport": _tr3(native, passport_table, upper_=True),
            "passport_old": _tr3(native, "ru_old", upper_=True),
            "latin_loose": _tr3(native, "ru_old"),
            "tax": _tr3(native, "cyr_az"),
        }
        return names, {"family": family, "given": given, "father": father}

    return make


def _tr3(names: Names3, table: str, *, upper_: bool = False) -> Names3:
    out = tuple(translit(part, table) for part in names)
    if upper_:
        return (out[0].upper(), out[1].upper(), out[2].upper())
    return (title(out[0]), title(out[1]), title(out[2]))


_AZ_CYRILLIC_PASSPORTS = frozenset({"RUS", "UKR", "KAZ", "BLR", "UZB", "KGZ", "TJK", "TKM"})


def _azeri(
    rng: random.Random, female: bool, nationality: str, seed: dict[str, Any]
) -> tuple[dict[str, Names3], dict]:
    family_pair = seed.get("family") or _pool("AZ_SURNAMES").pick(rng)
    given_pair = seed.get("given") or _pool("AZ_FEMALE" if female else "AZ_MALE").pick(rng)
    father_pair = seed.get("father") or _pool("AZ_MALE").pick(rng)
    fam_az, fam_ru = family_pair
    giv_az, giv_ru = given_pair
    fat_az, fat_ru = father_pair
    if female:
        fam_az, fam_ru = az_feminine(fam_az), ru_feminine(fam_ru)
    pat_az = f"{fat_az} {'qızı' if female else 'oğlu'}"
    if rng.random() < 0.7:
        pat_ru = ru_patronymic(fat_ru, female)
    else:
        pat_ru = f"{fat_ru} {'кызы' if female else 'оглы'}"
    az = (fam_az, giv_az, pat_az)
    ru = (fam_ru, giv_ru, pat_ru)
    if nationality in _AZ_CYRILLIC_PASSPORTS:
        table = "uk" if nationality == "UKR" else "ru_icao"
        passport = _tr3(ru, table, upper_=True)
        passport_old = _tr3(ru, "ru_old", upper_=True)
    elif nationality == "GEO":
        ge = (cyr_to_georgian(fam_ru), cyr_to_georgian(giv_ru), "")
        passport = _tr3(ge, "ge", upper_=True)
        passport_old = _tr3(ru, "ru_old", upper_=True)
    elif nationality == "TUR":
        tr = tuple(translit(part, "az_tr") for part in az)
        passport = (upper(tr[0], True), upper(tr[1], True), upper(tr[2], True))
        passport_old = passport
    else:  # stateless persons' travel documents and everyone else: the Azerbaijani form
        passport = (fold(fam_az), fold(giv_az), fold(pat_az))
        passport_old = passport
    en = _tr3(az, "az_en")
    names = {
        "native": az,
        "cyrillic": ru,
        "passport": passport,
        "passport_old": passport_old,
        "latin_loose": en if rng.random() < 0.5 else _tr3(ru, "ru_old"),
        "tax": az,
    }
    return names, {
        "family": (az_masculine(fam_az), ru_masculine(fam_ru)),
        "given": given_pair,
        "father": father_pair,
    }


def _georgian(
    rng: random.Random, female: bool, nationality: str, seed: dict[str, Any]
) -> tuple[dict[str, Names3], dict]:
    family = str(seed.get("family") or _pool("GE_SURNAMES").pick(rng))
    given = str(seed.get("given") or _pool("GE_FEMALE" if female else "GE_MALE").pick(rng))
    father = str(seed.get("father") or _pool("GE_MALE").pick(rng))
    native = (family, given, "")
    latin = _tr3(native, "ge", upper_=True)
    cyr = (
        title(translit(family, "ge_cyr")),
        title(translit(given, "ge_cyr")),
        "",
    )
    names = {
        "native": native,
        "cyrillic": cyr,
        "passport": latin,
        "passport_old": latin,
        # Soviet-style spelling through Russian (Джапаридзе -> Dzhaparidze).
        "latin_loose": _tr3(cyr, "ru_old"),
        "tax": (title(_lower(latin[0])), title(_lower(latin[1])), ""),
    }
    return names, {"family": family, "given": given, "father": father}


def _latin(
    surnames: str,
    male: str,
    female_pool: str,
    *,
    feminine: Callable[[str], str] | None = None,
    turkish: bool = False,
    german: bool = False,
    second_given: float = 0.0,
) -> Renderer:
    def make(
        rng: random.Random, female: bool, nationality: str, seed: dict[str, Any]
    ) -> tuple[dict[str, Names3], dict]:
        family = str(seed.get("family") or _pool(surnames).pick(rng))
        given = str(seed.get("given") or "")
        if not given:
            given = str(_pool(female_pool if female else male).pick(rng))
            if second_given and rng.random() < second_given:
                other = str(_pool(female_pool if female else male).pick(rng))
                if other != given:
                    given = f"{given} {other}"
        fam = feminine(family) if (female and feminine) else family
        native = (fam, given, "")
        if german and nationality in ("DEU", "AUT", "CHE"):
            passport = (
                mrz(translit(fam, "german")),
                mrz(translit(given, "german")),
                "",
            )
        else:
            passport = (upper(fam, turkish), upper(given, turkish), "")
        folded = (fold(fam), fold(given), "")
        names = {
            "native": native,
            "passport": passport,
            "passport_old": passport,
            "latin_loose": (title(_lower(folded[0])), title(_lower(folded[1])), ""),
            "tax": native if rng.random() < 0.5 else folded,
        }
        return names, {"family": family, "given": given, "father": ""}

    return make


def _spell(rng: random.Random, variants: tuple[str, ...], spread: float) -> str:
    if len(variants) > 1 and rng.random() < spread:
        return variants[1 + int(rng.random() * (len(variants) - 1))]
    return variants[0]


def _variant(
    surnames: str,
    male: str,
    female_pool: str,
    *,
    spread: float = 0.2,
    second_given: float = 0.0,
    father_name: float = 0.0,
) -> Renderer:
    """Names in Arabic, Persian or Indic script with several accepted Latin spellings:
    each source picks its own (Mohammad / Mohammed / Muhammad / Md)."""

    def make(
        rng: random.Random, female: bool, nationality: str, seed: dict[str, Any]
    ) -> tuple[dict[str, Names3], dict]:
        family = seed.get("family") or _pool(surnames).pick(rng)
        parts = seed.get("given")
        if not parts:
            first = _pool(female_pool if female else male).pick(rng)
            parts = [first]
            if second_given and not female and rng.random() < second_given:
                extra = _pool(male).pick(rng)
                if extra != first:
                    parts.insert(0, extra)  # Muhammad Imran: a religious name before the used one
            if father_name and rng.random() < father_name:
                extra = _pool(male).pick(rng)
                if extra != first:
                    parts.append(extra)  # Arab passports: the father's name after the given
            parts = tuple(parts)
        fam_native, fam_variants = family
        given_parts: tuple[tuple[str, tuple[str, ...]], ...] = parts

        def spelling(spread_: float) -> Names3:
            return (
                _spell(rng, fam_variants, spread_),
                " ".join(_spell(rng, v, spread_) for _, v in given_parts),
                "",
            )

        passport = spelling(spread)
        native = (fam_native, " ".join(n for n, _ in given_parts), "")
        names = {
            "native": native,
            "passport": (passport[0].upper(), passport[1].upper(), ""),
            "passport_old": (passport[0].upper(), passport[1].upper(), ""),
            "latin_loose": spelling(0.7),
            "tax": spelling(0.5),
            "alt": spelling(0.9),
        }
        return names, {"family": family, "given": parts, "father": ""}

    return make


def _chinese(
    rng: random.Random, female: bool, nationality: str, seed: dict[str, Any]
) -> tuple[dict[str, Names3], dict]:
    family = seed.get("family") or _pool("ZH_SURNAMES").pick(rng)
    given = seed.get("given")
    pool = _pool("ZH_GIVEN_FEMALE" if female else "ZH_GIVEN_MALE")
    if not given:
        first = pool.pick(rng)
        given = (first,)
        if len(first[0]) == 1 and rng.random() < 0.6:
            second = pool.pick(rng)
            if len(second[0]) == 1 and second != first:
                given = (first, second)
    hanzi_f, pinyin_f = family
    hanzi_g = "".join(h for h, _ in given)
    syllables = [p for _, p in given]
    joined = "".join(syllables).capitalize()
    names = {
        "native": (hanzi_f, hanzi_g, ""),
        "passport": (pinyin_f.upper(), joined.upper(), ""),
        "passport_old": (pinyin_f.upper(), joined.upper(), ""),
        # Hotels write the name in the order heard: given first (swapped fields).
        "latin_loose": (joined, pinyin_f, ""),
        "tax": (pinyin_f.upper(), " ".join(syllables).upper(), ""),
    }
    return names, {"family": family, "given": given, "father": ""}


_GROUPS: dict[str, Renderer] = {
    "russian": _cyrillic("RU_SURNAMES", "RU_MALE", "RU_FEMALE"),
    "ukrainian": _cyrillic("UK_SURNAMES", "UK_MALE", "UK_FEMALE", ukrainian=True),
    "kazakh": _cyrillic("KZ_SURNAMES", "KZ_MALE", "KZ_FEMALE"),
    "kyrgyz": _cyrillic("KG_SURNAMES", "KG_MALE", "KG_FEMALE"),
    "uzbek": _cyrillic("UZ_SURNAMES", "UZ_MALE", "UZ_FEMALE"),
    "tajik": _cyrillic("TJ_SURNAMES", "TJ_MALE", "TJ_FEMALE"),
    "turkmen": _cyrillic("TM_SURNAMES", "TM_MALE", "TM_FEMALE"),
    "azeri": _azeri,
    "georgian": _georgian,
    "turkish": _latin("TR_SURNAMES", "TR_MALE", "TR_FEMALE", turkish=True, second_given=0.2),
    "german": _latin("DE_SURNAMES", "DE_MALE", "DE_FEMALE", german=True, second_given=0.25),
    "english": _latin("EN_SURNAMES", "EN_MALE", "EN_FEMALE", second_given=0.3),
    "french": _latin("FR_SURNAMES", "FR_MALE", "FR_FEMALE", second_given=0.25),
    "polish": _latin("PL_SURNAMES", "PL_MALE", "PL_FEMALE", second_given=0.15),
    "persian": _variant("FA_SURNAMES", "FA_MALE", "FA_FEMALE", spread=0.15, second_given=0.1),
    "afghan": _variant("AF_SURNAMES", "AF_MALE", "AF_FEMALE", spread=0.3),
    "arabic": _variant("AR_SURNAMES", "AR_MALE", "AR_FEMALE", spread=0.4, father_name=0.35),
    "urdu": _variant("UR_SURNAMES", "UR_MALE", "UR_FEMALE", spread=0.2, second_given=0.4),
    "hindi": _variant("HI_SURNAMES", "HI_MALE", "HI_FEMALE", spread=0.1),
    "nepali": _variant("NE_SURNAMES", "NE_MALE", "NE_FEMALE", spread=0.2),
    "bengali": _variant("BN_SURNAMES", "BN_MALE", "BN_FEMALE", spread=0.2, second_given=0.4),
    "chinese": _chinese,
}
# Groups whose names carry a patronymic (and so a father/son pair is told apart by it).
_PATRONYMIC_GROUPS = frozenset(
    {"russian", "ukrainian", "kazakh", "kyrgyz", "uzbek", "tajik", "turkmen", "azeri"}
)

# (nationality, weight %, ((group, share), ...)): the mix of foreigners in Azerbaijan,
# after umis.registry.demo.PROFILES; many Russian, Georgian and stateless residents are
# ethnic Azerbaijanis.
PROFILES: tuple[tuple[str, float, tuple[tuple[str, float], ...]], ...] = (
    ("RUS", 19.0, (("russian", 0.6), ("azeri", 0.35), ("ukrainian", 0.05))),
    ("TUR", 14.0, (("turkish", 0.95), ("azeri", 0.05))),
    ("GEO", 9.0, (("georgian", 0.55), ("azeri", 0.45))),
    ("IRN", 9.0, (("persian", 1.0),)),
    ("UKR", 4.0, (("ukrainian", 0.85), ("russian", 0.1), ("azeri", 0.05))),
    ("UZB", 3.5, (("uzbek", 1.0),)),
    ("KAZ", 2.5, (("kazakh", 0.85), ("russian", 0.15))),
    ("KGZ", 1.5, (("kyrgyz", 1.0),)),
    ("TJK", 1.5, (("tajik", 1.0),)),
    ("TKM", 1.5, (("turkmen", 1.0),)),
    ("CHN", 5.0, (("chinese", 1.0),)),
    ("IND", 3.0, (("hindi", 1.0),)),
    ("PAK", 2.5, (("urdu", 1.0),)),
    ("BGD", 1.5, (("bengali", 1.0),)),
    ("NPL", 1.0, (("nepali", 1.0),)),
    ("IRQ", 1.5, (("arabic", 1.0),)),
    ("SYR", 1.0, (("arabic", 1.0),)),
    ("EGY", 1.5, (("arabic", 1.0),)),
    ("AFG", 1.5, (("afghan", 1.0),)),
    ("DEU", 1.5, (("german", 0.85), ("turkish", 0.15))),
    ("GBR", 1.5, (("english", 1.0),)),
    ("USA", 1.5, (("english", 0.9), ("azeri", 0.1))),
    ("FRA", 1.0, (("french", 1.0),)),
    ("POL", 0.8, (("polish", 1.0),)),
    ("BLR", 1.0, (("russian", 1.0),)),
    (STATELESS, 3.5, (("azeri", 0.7), ("russian", 0.3))),
)
_PROFILE_CUM = tuple(itertools.accumulate(w for _, w, _ in PROFILES))
_PROFILE_GROUPS = [
    (tuple(g for g, _ in groups), tuple(itertools.accumulate(s for _, s in groups)))
    for _, _, groups in PROFILES
]

# Very common names given on purpose to many distinct persons (hard negatives).
_COMMON: tuple[tuple[str, str, str], ...] = (
    ("azeri", "Məmmədov", "Əli"),
    ("russian", "Иванов", "Сергей"),
    ("chinese", "Wang", "Wei"),
    ("persian", "Hosseini", "Mohammad"),
)

_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_CYR_LETTERS = "абвгдежзиклмнопрстуфхцчшыэюя"
_LAT_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _number(rng: random.Random, nationality: str) -> str:
    prefix = nationality[:1] if nationality != STATELESS else "S"
    return (
        prefix
        + _LETTERS[int(rng.random() * len(_LETTERS))]
        + str(int(rng.random() * 10_000_000)).zfill(7)
    )


def _typo(rng: random.Random, text: str) -> str:
    """One edit a clerk makes: a wrong, missing, doubled or swapped letter."""
    if len(text) < 4:
        return text
    i = 1 + int(rng.random() * (len(text) - 2))
    ch = text[i]
    if not ch.isalpha():
        return text
    op = rng.random()
    if op < 0.35:
        letters = _CYR_LETTERS if "а" <= ch.lower() <= "я" else _LAT_LETTERS
        if ch.lower() not in letters:
            return text
        new = letters[int(rng.random() * len(letters))]
        return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1 :]
    if op < 0.6:
        return text[:i] + text[i + 1 :]
    if op < 0.8:
        return text[:i] + ch + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


# --------------------------------------------------------------------------- generator


class Generator:
    """Persons and their records for one seed (one random stream: same seed, same data)."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.entities = 0
        self.rows: list[Row] = []
        self.truth: dict[str, int] = {}
        self.hard: dict[str, list[tuple[int, int]]] = {
            "twins": [],
            "father_son": [],
            "spouses": [],
            "common_name": [],
        }
        self._common_first: dict[int, int] = {}  # common-name slot -> first entity
        self.people: dict[int, PersonInfo] = {}
        self.limit = 0

    # ----------------------------------------------------------------- persons

    def person(
        self,
        *,
        group: str | None = None,
        nationality: str | None = None,
        sex: str | None = None,
        birth: tuple[int, int, int] | None = None,
        seed: dict[str, Any] | None = None,
    ) -> tuple[Person, dict]:
        rng = self.rng
        if group is None or nationality is None:
            profile = bisect.bisect_right(_PROFILE_CUM, rng.random() * _PROFILE_CUM[-1])
            nationality = PROFILES[profile][0]
            groups, cum = _PROFILE_GROUPS[profile]
            group = groups[bisect.bisect_right(cum, rng.random() * cum[-1])]
        if sex is None:
            sex = "F" if rng.random() < 0.38 else "M"  # migration is mostly men
        if birth is None:
            birth = self._birth()
        names, pieces = _GROUPS[group](rng, sex == "F", nationality, seed or {})
        self.entities += 1
        doc_type = "travel_document" if nationality == STATELESS else "passport"
        person = Person(
            entity=self.entities,
            group=group,
            sex=sex,
            nationality=nationality,
            birth=birth,
            names=names,
            passport=(doc_type, _number(rng, nationality)),
            old_passport=_number(rng, nationality) if rng.random() < 0.25 else "",
            residence_card=("AZ" + str(int(rng.random() * 1e8)).zfill(8))
            if rng.random() < 0.35
            else "",
        )
        return person, pieces

    def _birth(self) -> tuple[int, int, int]:
        rng = self.rng
        year = 1950 + int(rng.triangular(0, 58, 30))
        if rng.random() < 0.02:
            return (year, 0, 0)  # only the year is known (Afghan, Syrian documents)
        month = 1 + int(rng.random() * 12)
        day = 1 + int(rng.random() * 28)
        return (year, month, day)

    # ----------------------------------------------------------------- records

    def emit(self, person: Person, count: int) -> None:
        rng = self.rng
        self.people[person.entity] = PersonInfo(
            person.group,
            person.sex,
            person.nationality,
            person.birth,
            person.names["native"],
            person.names["passport"][:2],
            person.passport[1],
        )
        # The first record is the person's own passport at the border or in an application.
        for i in range(count):
            if i == 0:
                source = "BORDER" if rng.random() < 0.6 else "APPLICATION"
            else:
                r = rng.random()
                source = (
                    "BORDER"
                    if r < 0.25
                    else "STAY_REGISTRATION"
                    if r < 0.6
                    else "TAX"
                    if r < 0.78
                    else "APPLICATION"
                    if r < 0.93
                    else "POLICE"
                )
            self._record(person, source)

    def _record(self, p: Person, source: str) -> None:
        if len(self.rows) >= self.limit:
            return
        rng = self.rng
        names = p.names
        old = bool(p.old_passport) and rng.random() < 0.3
        doc_type, doc = p.passport
        if old:
            doc = p.old_passport
        nationality = p.nationality
        sex = p.sex
        year, month, day = p.birth
        noisy = source in ("STAY_REGISTRATION", "POLICE")
        if source == "BORDER":
            fam, giv, _ = names["passport_old" if old else "passport"]
            fam, giv = mrz(fam), mrz(giv)
            # The border system's fields: family 20, given 15 characters.
            fam, giv, pat = fam[:20].strip(), giv[:15].strip(), ""
        elif source == "APPLICATION":
            r = rng.random()
            if r < 0.6:
                fam, giv, pat = names["passport"]
                fam, giv, pat = title(_lower(fam)), title(_lower(giv)), title(_lower(pat))
            elif r < 0.8:
                fam, giv, pat = names["native"]
            else:
                fam, giv, pat = names["tax"]
            if rng.random() < 0.05:
                doc_type, doc = "", ""
        elif source == "TAX":
            fam, giv, pat = names["tax"] if rng.random() < 0.8 else names["passport"]
            if rng.random() < 0.5:
                fam, giv, pat = upper(fam), upper(giv), upper(pat)
            r = rng.random()
            if p.residence_card and r < 0.7:
                doc_type, doc = "residence_card", p.residence_card
            elif r < 0.85:
                pass
            else:
                doc_type, doc = "", ""
            if rng.random() < 0.03:
                sex = ""
        else:  # STAY_REGISTRATION, POLICE
            r = rng.random()
            if "cyrillic" in names and r < 0.4:
                style = "cyrillic"
            elif r < 0.65:
                style = "alt" if "alt" in names and rng.random() < 0.5 else "latin_loose"
            elif r < 0.8:
                style = "native"
            else:
                style = "passport"
            fam, giv, pat = names[style]
            if rng.random() < (0.15 if source == "STAY_REGISTRATION" else 0.3):
                doc_type, doc = "", ""
            if rng.random() < 0.05:
                sex = ""
        if noisy:
            fam, giv, pat = self._clerk(fam, giv, pat)
        if rng.random() < (0.1 if noisy else 0.02):
            nationality = ""
        # Dates: day/month swapped, partial (00), year off by one, missing.
        if noisy or source == "TAX":
            r = rng.random()
            if r < 0.03 and day and day <= 12 and day != month:
                month, day = day, month
            elif r < 0.06:
                day = 0
                if rng.random() < 0.4:
                    month = 0
            elif r < 0.075:
                year += 1 if rng.random() < 0.5 else -1
            elif r < 0.09:
                year = 0
        elif source == "APPLICATION" and rng.random() < 0.01 and day and day <= 12:
            month, day = day, month
        if doc and rng.random() < 0.01:
            doc = _typo(rng, doc)
        birth = f"{year:04d}-{month:02d}-{day:02d}" if year else ""
        record_id = f"R{len(self.rows) + 1:08d}"
        self.rows.append((record_id, source, fam, giv, pat, sex, birth, nationality, doc_type, doc))
        self.truth[record_id] = p.entity

    def _clerk(self, fam: str, giv: str, pat: str) -> tuple[str, str, str]:
        rng = self.rng
        if " " in giv and rng.random() < 0.3:
            # Middle names left out: the first, or the name used (Muhammad Imran -> Imran).
            giv = giv.split(" ")[0] if rng.random() < 0.5 else giv.split(" ")[-1]
        if pat and rng.random() < 0.15:
            giv, pat = f"{giv} {pat}", ""  # patronymic typed into the given names
        elif rng.random() < 0.15:
            pat = ""
        if rng.random() < 0.15:
            edits = 2 if rng.random() < 0.25 else 1
            for _ in range(edits):
                if rng.random() < 0.6:
                    fam = _typo(rng, fam)
                else:
                    giv = _typo(rng, giv)
        if rng.random() < 0.06:
            fam, giv = giv, fam
        if rng.random() < 0.3:
            fam, giv, pat = upper(fam), upper(giv), upper(pat)
        return fam, giv, pat

    # ----------------------------------------------------------------- population

    def run(self, records: int) -> Dataset:
        rng = self.rng
        self.limit = records
        counts_cum = tuple(itertools.accumulate((25, 25, 20, 13, 10, 7)))
        while len(self.rows) < records:
            left = records - len(self.rows)
            count = 1 + bisect.bisect_right(counts_cum, rng.random() * counts_cum[-1])
            r = rng.random()
            if r < 0.006:
                person = self._common_name()
            else:
                person, pieces = self.person()
                if r < 0.018:
                    self._twin(person, pieces, min(count, left))
                elif r < 0.03:
                    self._father_son(person, pieces, min(count, left))
                elif r < 0.042:
                    self._spouse(person, pieces, min(count, left))
            self.emit(person, min(count, records - len(self.rows)))
        present = set(self.truth.values())
        return Dataset(
            rows=self.rows,
            truth=self.truth,
            persons=len(set(self.truth.values())),
            hard_negatives={
                kind: [(a, b) for a, b in pairs if a in present and b in present]
                for kind, pairs in self.hard.items()
            },
            people=self.people,
        )

    def _twin(self, person: Person, pieces: dict, count: int) -> None:
        for _ in range(5):
            twin, _twin_pieces = self.person(
                group=person.group,
                nationality=person.nationality,
                birth=person.birth,
                seed={"family": pieces["family"], "father": pieces["father"]},
            )
            if twin.names["native"][1] != person.names["native"][1]:
                self.hard["twins"].append((person.entity, twin.entity))
                self.emit(twin, max(1, count // 2))
                return
            self.entities -= 1  # same given name drawn: try again

    def _father_son(self, person: Person, pieces: dict, count: int) -> None:
        if person.group not in _PATRONYMIC_GROUPS or person.sex != "M":
            return
        if person.birth[0] > 1975:  # old enough to have a grown-up son
            person.birth = (1945 + int(self.rng.random() * 30), *person.birth[1:])
        year = person.birth[0] + 22 + int(self.rng.random() * 16)
        son, _ = self.person(
            group=person.group,
            nationality=person.nationality,
            sex="M",
            birth=(year, 1 + int(self.rng.random() * 12), 1 + int(self.rng.random() * 28)),
            seed={"family": pieces["family"], "given": pieces["given"], "father": pieces["given"]},
        )
        self.hard["father_son"].append((person.entity, son.entity))
        self.emit(son, max(1, count // 2))

    def _spouse(self, person: Person, pieces: dict, count: int) -> None:
        if person.sex != "M" or person.group in ("chinese",):
            return
        year = person.birth[0] + int(self.rng.random() * 9) - 2
        wife, _ = self.person(
            group=person.group,
            nationality=person.nationality,
            sex="F",
            birth=(year, 1 + int(self.rng.random() * 12), 1 + int(self.rng.random() * 28)),
            seed={"family": pieces["family"]},
        )
        self.hard["spouses"].append((person.entity, wife.entity))
        self.emit(wife, max(1, count // 2))

    def _common_name(self) -> Person:
        slot = int(self.rng.random() * len(_COMMON))
        group, family, given = _COMMON[slot]
        seed: dict[str, Any]
        nationality = {"azeri": STATELESS, "russian": "RUS", "chinese": "CHN", "persian": "IRN"}[
            group
        ]
        if group == "azeri":
            seed = {
                "family": next(p for p in N.AZ_SURNAMES if p[0] == family),
                "given": next(p for p in N.AZ_MALE if p[0] == given),
            }
            nationality = STATELESS if self.rng.random() < 0.5 else "RUS"
        elif group == "russian":
            seed = {"family": family, "given": given}
        elif group == "chinese":
            seed = {
                "family": next(p for p in N.ZH_SURNAMES if p[1] == family),
                "given": (next(p for p in N.ZH_GIVEN_MALE if p[1] == given),),
            }
        else:
            seed = {
                "family": next(p for p in N.FA_SURNAMES if p[1][0] == family),
                "given": (next(p for p in N.FA_MALE if p[1][0] == given),),
            }
        person, _ = self.person(group=group, nationality=nationality, sex="M", seed=seed)
        first = self._common_first.setdefault(slot, person.entity)
        if first != person.entity:
            self.hard["common_name"].append((first, person.entity))
        return person


def generate(records: int = 50_000, seed: int = 20261123) -> Dataset:
    """`records` labelled rows (exactly), deterministic for `seed`."""
    if records < 1:
        raise ValueError("records: must be at least 1")
    return Generator(seed).run(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.identity_data")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--out", required=True)
    parser.add_argument("--truth")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    data = generate(args.records, args.seed)
    data.write(args.out, args.truth)
    print(
        f"{len(data.rows):,} records of {data.persons:,} persons in "
        f"{time.perf_counter() - started:.1f} s -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
