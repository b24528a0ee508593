"""Synthetic demo population: foreigners and stateless persons living in Azerbaijan.

``demo_data_generate`` fills the registry with a realistic, deterministic (per seed and
date) population for demonstrations, load tests and the identity matcher's test bed:

* the nationality mix of migrants to Azerbaijan (Russia, Turkey, Georgia, Iran, Ukraine,
  Central and South Asia, China, the Middle East, Europe and the US, Israel, stateless
  persons, dual nationals);
* names in the scripts their documents use (Cyrillic, Georgian, Arabic/Persian, Chinese,
  Hebrew, Devanagari, Bengali) plus the Latin spellings other sources produce: the
  passport, the border system reading the MRZ, hotels registering the place of stay, the
  tax registry (Hüseynov / HUSEYNOV / Гусейнов / GUSEINOV / GUSEYNOV);
* passports (and ID cards, travel documents for stateless persons) with valid ICAO 9303
  MRZs, renewed and lost documents; addresses, phones, e-mails, responsible offices;
* hosts and employers with valid VÖENs.

Generation (``DemoGenerator``) is pure Python and does not touch the database except for
reading the reference tables once. Insertion is batched: ``bulk_create`` on any database,
PostgreSQL ``COPY`` when available. Primary keys are generated in Python so child rows can
be linked without reading anything back; memory use is bounded by the batch size.

Every value is invented. E-mail addresses use the reserved example.* domains.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import queue
import random
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import IO, Any

from django.db import connection, models, reset_queries, transaction
from django.utils import timezone

from umis.core.audit import audit_record
from umis.core.constants import AuditAction, OfficeKind
from umis.registry import demo_names as N
from umis.registry.constants import (
    NATIONAL_ID,
    PASSPORT,
    REFUGEE_TRAVEL_DOCUMENT,
    STATELESS,
    TRAVEL_DOCUMENT,
    DocumentStatus,
    NameSource,
    OrganisationCategory,
    PersonStatus,
    Script,
    Sex,
)
from umis.registry.mrz import build_td1, build_td3
from umis.registry.names import fold, name_key
from umis.registry.rules import fin_generate, voen_generate

__all__ = [
    "DEFAULT_PERSONS",
    "AddressRecord",
    "DemoGenerator",
    "DemoReference",
    "DemoResult",
    "DocumentRecord",
    "NameRecord",
    "OrganisationRecord",
    "PersonRecord",
    "demo_data_generate",
    "mrz_name",
    "rows_insert",
]

DEFAULT_PERSONS = 2000
DEFAULT_BATCH = 5000

# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class NameRecord:
    script: str
    family_name: str
    given_names: str
    patronymic: str
    source: str


@dataclass(slots=True)
class DocumentRecord:
    id: uuid.UUID
    document_type: str
    number: str
    issuing_state: str
    issue_date: date
    expiry_date: date
    mrz: str
    status: str = DocumentStatus.VALID
    status_reason: str = ""
    status_changed_at: datetime | None = None
    # What the MRZ is built from, so a number that turns out to be taken can be replaced.
    layout: str = "TD3"
    mrz_fields: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(slots=True)
class AddressRecord:
    region_id: int
    city_id: int
    street: str
    valid_from: date
    valid_to: date | None
    is_current: bool


@dataclass(slots=True)
class PersonRecord:
    id: uuid.UUID
    personal_number: str
    family_name: str
    given_names: str
    patronymic: str
    name_key: str
    sex: str
    birth_year: int
    birth_month: int | None
    birth_day: int | None
    place_of_birth: str
    birth_country: str | None
    phone: str
    email: str
    office_id: int | None
    names: list[NameRecord]
    nationalities: list[str]
    documents: list[DocumentRecord]
    addresses: list[AddressRecord]


@dataclass(slots=True)
class OrganisationRecord:
    id: uuid.UUID
    tax_number: str
    name: str
    category: str
    is_host: bool
    is_employer: bool
    region_id: int | None
    city_id: int | None
    street: str
    phone: str
    email: str


# --------------------------------------------------------------------------- helpers


def _table(pairs: str) -> dict[str, str]:
    """A table from "key=value" items separated by whitespace ("ь=" maps to nothing)."""
    return dict(item.split("=", 1) for item in pairs.split())


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --------------------------------------------------------------------------- reference

# Where foreigners live: Baku dominates; reconstruction of the liberated territories
# brings (mostly Turkish) construction workers to Karabakh and East Zangezur.
_CITY_WEIGHTS: dict[str, float] = {
    code: float(weight)
    for code, weight in _table("""
        baku=58 sumgait=6 khirdalan=4 ganja=5 mingachevir=1.5 shaki=1.2 lankaran=1.5
        astara=1 guba=1 khachmaz=0.8 gusar=0.6 shirvan=0.8 nakhchivan=1.5 gabala=1
        shamakhi=0.6 zagatala=0.6 balakan=0.5 gazakh=0.7 tovuz=0.5 shamkir=0.5 yevlakh=0.5
        barda=0.4 salyan=0.4 masalli=0.4 jalilabad=0.4 khankendi=0.6 shusha=0.5 aghdam=0.5
        fuzuli=0.5 lachin=0.4 zangilan=0.4 jabrayil=0.3 kalbajar=0.3 gubadli=0.3
    """).items()
}
_DEFAULT_CITY_WEIGHT = 0.15


@dataclass(frozen=True)
class DemoReference:
    """The reference rows the generator draws from, read once (ordered by code, so the
    same reference data gives the same population)."""

    countries: frozenset[str]
    document_types: frozenset[str]
    cities: tuple[tuple[int, int], ...]  # (city id, region id)
    city_cum_weights: tuple[float, ...]
    offices_by_region: dict[int, tuple[tuple[int, float], ...]]
    fallback_offices: tuple[int, ...]

    @classmethod
    def load(cls) -> DemoReference:
        from umis.core.models import City, Country, Office
        from umis.registry.models import DocumentType

        countries = frozenset(
            Country.objects.filter(is_active=True).values_list("alpha3", flat=True)
        )
        document_types = frozenset(
            DocumentType.objects.filter(is_active=True).values_list("code", flat=True)
        )
        city_rows = list(
            City.objects.filter(is_active=True)
            .order_by("code")
            .values_list("id", "region_id", "code")
        )
        if not city_rows or not countries or PASSPORT not in document_types:
            raise RuntimeError(
                "reference data is missing: run `umis load_reference` before generating demo data"
            )
        weights = [_CITY_WEIGHTS.get(code, _DEFAULT_CITY_WEIGHT) for _, _, code in city_rows]
        offices = list(
            Office.objects.filter(
                is_active=True, kind__in=[OfficeKind.ONE_STOP_SHOP, OfficeKind.REGIONAL]
            )
            .order_by("code")
            .values_list("id", "region_id", "kind")
        )
        by_region: dict[int, list[tuple[int, float]]] = {}
        for office_id, region_id, kind in offices:
            if region_id is not None:
                # One-stop-shop centres take most of the walk-in work.
                weight = 2.0 if kind == OfficeKind.ONE_STOP_SHOP else 1.0
                by_region.setdefault(region_id, []).append((office_id, weight))
        fallback = tuple(
            office_id for office_id, _, kind in offices if kind == OfficeKind.ONE_STOP_SHOP
        ) or tuple(office_id for office_id, _, _ in offices)
        return cls(
            countries=countries,
            document_types=document_types,
            cities=tuple((city_id, region_id) for city_id, region_id, _ in city_rows),
            city_cum_weights=tuple(itertools.accumulate(weights)),
            offices_by_region={k: tuple(v) for k, v in by_region.items()},
            fallback_offices=fallback,
        )


# --------------------------------------------------------------------------- transliteration


_RU_BASE = _table("""
    а=a б=b в=v г=g д=d е=e ё=e ж=zh з=z и=i к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u
    ф=f х=kh ц=ts ч=ch ш=sh щ=shch ы=y ь= э=e
    ў=u қ=k ғ=g ҳ=kh ҷ=dzh ӣ=i ӯ=u ә=a ң=n ө=o ұ=u ү=u һ=h і=i
    є=e ї=i ґ=g '= ’=
""")  # the last two lines: Central Asian and Ukrainian letters, rendered the Russian way
# ICAO Doc 9303 (7th ed.) as used in Russian passports since 2014.
_RU_ICAO = {**_RU_BASE, **_table("й=i ъ=ie ю=iu я=ia")}
# The older Russian passport system (and what most people type by hand).
_RU_OLD = {**_RU_BASE, **_table("й=y ъ= ю=yu я=ya")}
# Ukrainian national system (2010), with the word-initial forms.
_UK = {**_RU_BASE, **_table("г=h ґ=g е=e є=ie и=y і=i ї=i й=i ю=iu я=ia ы=y э=e ё=io ъ=")}
_UK_INITIAL = _table("є=ye ї=yi й=y ю=yu я=ya")
# Uzbek Latin (passports since 2011); ʻ is the official modifier letter, dropped by fold().
_UZ = {**_RU_BASE, **_table("ж=j й=y х=x ъ=ʻ ю=yu я=ya ё=yo ў=oʻ қ=q ғ=gʻ ҳ=h")}
_UZ_INITIAL = _table("е=ye")
# Tajik Latin as in Tajik passports.
_TJ = {**_RU_BASE, **_table("й=y ъ= ю=yu я=ya ё=yo ғ=gh қ=q ҳ=h ҷ=j ӣ=i ӯ=u")}
# Georgian national romanisation (2002) without the ejective apostrophes, as in passports;
# Georgian to Russian Cyrillic (Soviet-era spellings); Russian Cyrillic to Georgian.
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
    у=უ ф=ფ х=ხ ц=ც ч=ჩ ш=შ щ=შჩ ъ= ы=ი ь= э=ე ю=იუ я=ია ჯ=ჯ
""")
# Azerbaijani Latin as an English speaker (or an old database) writes it: Qasımov ->
# Gasimov, Cəfərov -> Jafarov, Xəlilov -> Khalilov; and as Turkish writes it
# (Məmmədov -> Memmedov).
_AZ_EN = _table("ə=a ı=i ç=ch ş=sh ğ=gh ö=o ü=u x=kh c=j q=g")
_AZ_TR = _table("ə=e q=k x=h")
_GERMAN_MRZ = str.maketrans(_table("Ä=AE Ö=OE Ü=UE ä=AE ö=OE ü=UE ß=SS"))
_GERMAN_ISSUERS = frozenset({"DEU", "AUT", "CHE", "LIE"})
_APOSTROPHES = str.maketrans("", "", "'’ʻʼ`")
_VOWELS_CYR = frozenset("аеёиоуыэюяіїєӣӯ")
_TITLE_RE = re.compile(r"(^|[\s\-])(\w)")


# Names repeat a lot: the pure string functions are memoised (bounded).
_fold = lru_cache(maxsize=1 << 16)(fold)
_name_key = lru_cache(maxsize=1 << 17)(name_key)
_TRANSLIT_CACHE: dict[tuple[str, int, int], str] = {}
_TRANSLIT_CACHE_MAX = 1 << 16


def _translit(text: str, table: dict[str, str], initial: dict[str, str] | None = None) -> str:
    # Tables are module constants, so their ids identify them.
    key = (text, id(table), id(initial))
    cached = _TRANSLIT_CACHE.get(key)
    if cached is None:
        cached = _translit_uncached(text, table, initial)
        if len(_TRANSLIT_CACHE) < _TRANSLIT_CACHE_MAX:
            _TRANSLIT_CACHE[key] = cached
    return cached


def _translit_uncached(text: str, table: dict[str, str], initial: dict[str, str] | None) -> str:
    out: list[str] = []
    prev_letter = False
    lowered = text.replace("İ", "i").lower()
    if table is _UK:
        lowered = lowered.replace("зг", "zgh")
    for ch in lowered:
        if initial is not None and not prev_letter and ch in initial:
            out.append(initial[ch])
        else:
            out.append(table.get(ch, ch))
        prev_letter = ch.isalpha()
    return "".join(out)


@lru_cache(maxsize=1 << 16)
def _title(text: str) -> str:
    return _TITLE_RE.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def _upper(text: str, *, turkish: bool = False) -> str:
    if turkish:
        text = text.replace("i", "İ").replace("ı", "I")
    return text.upper()


def _cyr_to_georgian(text: str) -> str:
    lowered = text.lower().replace("дж", "ჯ")
    out = "".join(_CYR_TO_GE.get(ch, ch) for ch in lowered)
    # Georgian nominative: a family name ending in a consonant takes -i (Мамедов -> მამედოვი).
    if out and out[-1] not in "აეიოუ":
        out += "ი"
    return out


@lru_cache(maxsize=1 << 16)
def mrz_name(text: str, issuer: str) -> str:
    """The Latin form as the issuer's MRZ writes it, with spaces for the '<' separators:
    ICAO transliteration (Germany writes Ü as UE), apostrophes dropped, then folded."""
    if issuer in _GERMAN_ISSUERS:
        text = text.translate(_GERMAN_MRZ)
    return _fold(text.translate(_APOSTROPHES))


# --------------------------------------------------------------------------- name rules


def _ru_feminine(surname: str) -> str:
    for masc, fem in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая")):
        if surname.endswith(masc):
            return surname[: -len(masc)] + fem
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def _uk_feminine(surname: str) -> str:
    if surname.endswith("ський"):
        return surname[:-5] + "ська"
    if surname.endswith(("ов", "ев", "ін", "ин")):
        return surname + "а"
    return surname


def _az_feminine(surname: str) -> str:
    return surname + "a" if surname.endswith(("ov", "ev")) else surname


def _pl_feminine(surname: str) -> str:
    for masc in ("ski", "cki", "dzki"):
        if surname.endswith(masc):
            return surname[:-1] + "a"
    return surname


def _ru_patronymic(father: str, female: bool) -> str:
    exception = N.RU_PATRONYMIC_EXCEPTIONS.get(father)
    if exception:
        return exception[int(female)]
    if father.endswith(("й", "ь")):
        return father[:-1] + ("евна" if female else "евич")
    if father[-1] in _VOWELS_CYR:
        return father + ("евна" if female else "евич")
    return father + ("овна" if female else "ович")


def _uk_patronymic(father: str, female: bool) -> str:
    exception = N.UK_PATRONYMIC_EXCEPTIONS.get(father)
    if exception:
        return exception[int(female)]
    if father.endswith("о"):
        return father[:-1] + ("івна" if female else "ович")
    if father.endswith("й"):
        return father[:-1] + "ївна" if female else father + "ович"
    if father.endswith("ь"):
        return father[:-1] + "івна" if female else father + "ович"
    return father + ("івна" if female else "ович")


# --------------------------------------------------------------------------- names


@dataclass(slots=True)
class _Names:
    """One person's names: the Latin form for Person, the Latin form each issuer prints
    (``viz``; ``viz_old`` for documents issued before 2014 where the system changed) and
    the rows in other scripts and from other sources."""

    family: str
    given: str
    patronymic: str
    viz: dict[str, tuple[str, str]]
    viz_old: dict[str, tuple[str, str]]
    rows: list[NameRecord]


def _pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    return seq[int(rng.random() * len(seq))]


def _cyrillic_group(
    rng: random.Random,
    female: bool,
    issuers: Sequence[str],
    surnames: Sequence[str],
    male: Sequence[str],
    females: Sequence[str],
    *,
    ukrainian: bool = False,
    tables: dict[str, tuple[dict[str, str], dict[str, str] | None]] | None = None,
) -> _Names:
    surname = _pick(rng, surnames)
    given = _pick(rng, females if female else male)
    father = _pick(rng, male)
    if female:
        surname = _uk_feminine(surname) if ukrainian else _ru_feminine(surname)
    patronymic = (_uk_patronymic if ukrainian else _ru_patronymic)(father, female)
    tables = tables or {}
    viz: dict[str, tuple[str, str]] = {}
    viz_old: dict[str, tuple[str, str]] = {}
    for issuer in issuers:
        if issuer in tables:
            table, initial = tables[issuer]
        elif issuer == "UKR":
            table, initial = _UK, _UK_INITIAL
        else:
            table, initial = _RU_ICAO, None
        viz[issuer] = (
            _translit(surname, table, initial).upper(),
            _translit(given, table, initial).upper(),
        )
        if issuer == "RUS":
            viz_old[issuer] = (
                _translit(surname, _RU_OLD).upper(),
                _translit(given, _RU_OLD).upper(),
            )
    first = issuers[0]
    table, initial = tables.get(first) or (
        (_UK, _UK_INITIAL) if first == "UKR" else (_RU_ICAO, None)
    )
    rows = [NameRecord(Script.CYRILLIC, surname, given, patronymic, NameSource.PASSPORT)]
    if rng.random() < 0.5:
        # Hotels type what they hear, usually the older "Y" transliteration.
        rows.append(
            NameRecord(
                Script.LATIN,
                _title(_translit(surname, _RU_OLD)),
                _title(_translit(given, _RU_OLD)),
                _title(_translit(patronymic, _RU_OLD)),
                NameSource.STAY_REGISTRATION,
            )
        )
    return _Names(
        family=_title(viz[first][0].lower()),
        given=_title(viz[first][1].lower()),
        patronymic=_title(_translit(patronymic, table, initial)),
        viz=viz,
        viz_old=viz_old,
        rows=rows,
    )


def _russian(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
    return _cyrillic_group(rng, female, issuers, N.RU_SURNAMES, N.RU_MALE, N.RU_FEMALE)


def _ukrainian(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
    return _cyrillic_group(
        rng, female, issuers, N.UK_SURNAMES, N.UK_MALE, N.UK_FEMALE, ukrainian=True
    )


def _central_asian(
    surnames: Sequence[str],
    male: Sequence[str],
    females: Sequence[str],
    country: str,
    table: dict[str, str] | None = None,
    initial: dict[str, str] | None = None,
) -> Callable[[random.Random, bool, Sequence[str]], _Names]:
    tables = {country: (table, initial)} if table is not None else {}

    def make(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
        return _cyrillic_group(rng, female, issuers, surnames, male, females, tables=tables)  # type: ignore[arg-type]

    return make


def _ru_jewish(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
    surname, israeli = _pick(rng, N.RU_JEWISH_SURNAMES)
    given = _pick(rng, N.RU_FEMALE if female else N.RU_MALE)
    father = _pick(rng, N.RU_MALE)
    if female:
        surname = _ru_feminine(surname)
    patronymic = _ru_patronymic(father, female)
    viz: dict[str, tuple[str, str]] = {}
    viz_old: dict[str, tuple[str, str]] = {}
    for issuer in issuers:
        if issuer == "ISR":
            viz[issuer] = (israeli.upper(), _translit(given, _RU_OLD).upper())
        else:
            viz[issuer] = (_translit(surname, _RU_ICAO).upper(), _translit(given, _RU_ICAO).upper())
            viz_old[issuer] = (
                _translit(surname, _RU_OLD).upper(),
                _translit(given, _RU_OLD).upper(),
            )
    first = issuers[0]
    return _Names(
        family=_title(viz[first][0].lower()),
        given=_title(viz[first][1].lower()),
        patronymic=_title(_translit(patronymic, _RU_ICAO)),
        viz=viz,
        viz_old=viz_old,
        rows=[NameRecord(Script.CYRILLIC, surname, given, patronymic, NameSource.PASSPORT)],
    )


_AZ_CYRILLIC_ISSUERS = frozenset({"RUS", "UKR", "KAZ", "BLR", "UZB", "KGZ", "TJK", "TKM"})


def _azeri(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
    """Ethnic Azerbaijanis holding Russian, Georgian, Ukrainian ... passports, and stateless
    persons: the Azerbaijani Latin form is the natural one; every issuer writes it its own
    way (Hüseynov: GUSEINOV in Russia, HUSEINOV in Ukraine, GUSEINOVI in Georgia, HUSEYNOV
    on an Azerbaijani travel document)."""
    surname_az, surname_ru = _pick(rng, N.AZ_SURNAMES)
    given_az, given_ru = _pick(rng, N.AZ_FEMALE if female else N.AZ_MALE)
    father_az, father_ru = _pick(rng, N.AZ_MALE)
    if female:
        surname_az, surname_ru = _az_feminine(surname_az), _ru_feminine(surname_ru)
    patronymic_az = f"{father_az} {'qızı' if female else 'oğlu'}"
    if rng.random() < 0.7:
        patronymic_ru = _ru_patronymic(father_ru, female)
    else:
        patronymic_ru = f"{father_ru} {'кызы' if female else 'оглы'}"
    viz: dict[str, tuple[str, str]] = {}
    viz_old: dict[str, tuple[str, str]] = {}
    rows: list[NameRecord] = []
    for issuer in issuers:
        if issuer == "UKR":
            viz[issuer] = (
                _translit(surname_ru, _UK, _UK_INITIAL).upper(),
                _translit(given_ru, _UK, _UK_INITIAL).upper(),
            )
        elif issuer in _AZ_CYRILLIC_ISSUERS:
            viz[issuer] = (
                _translit(surname_ru, _RU_ICAO).upper(),
                _translit(given_ru, _RU_ICAO).upper(),
            )
            viz_old[issuer] = (
                _translit(surname_ru, _RU_OLD).upper(),
                _translit(given_ru, _RU_OLD).upper(),
            )
        elif issuer == "GEO":
            surname_ge, given_ge = _cyr_to_georgian(surname_ru), _cyr_to_georgian(given_ru)
            viz[issuer] = (_translit(surname_ge, _GE).upper(), _translit(given_ge, _GE).upper())
            rows.append(NameRecord(Script.GEORGIAN, surname_ge, given_ge, "", NameSource.PASSPORT))
        elif issuer == "TUR":
            viz[issuer] = (
                _upper(_translit(surname_az, _AZ_TR), turkish=True),
                _upper(_translit(given_az, _AZ_TR), turkish=True),
            )
        else:  # AZE travel documents and everyone else: the Azerbaijani form, folded
            viz[issuer] = (_fold(surname_az), _fold(given_az))
    cyrillic_source = (
        NameSource.PASSPORT
        if _AZ_CYRILLIC_ISSUERS.intersection(issuers)
        else NameSource.REGISTRY  # old Soviet documents on file
    )
    if cyrillic_source == NameSource.PASSPORT or rng.random() < 0.6:
        rows.append(
            NameRecord(Script.CYRILLIC, surname_ru, given_ru, patronymic_ru, cyrillic_source)
        )
    if rng.random() < 0.6:
        rows.append(
            NameRecord(
                Script.LATIN, surname_az, given_az, patronymic_az, NameSource.STAY_REGISTRATION
            )
        )
    if rng.random() < 0.5:
        rows.append(
            NameRecord(
                Script.LATIN,
                _translit(surname_az, _AZ_EN).upper(),
                _translit(given_az, _AZ_EN).upper(),
                "",
                NameSource.TAX,
            )
        )
    return _Names(surname_az, given_az, patronymic_az, viz, viz_old, rows)


def _georgian(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
    surname = _pick(rng, N.GE_SURNAMES)
    given = _pick(rng, N.GE_FEMALE if female else N.GE_MALE)
    latin = (_translit(surname, _GE), _translit(given, _GE))
    viz = {issuer: (latin[0].upper(), latin[1].upper()) for issuer in issuers}
    rows = [NameRecord(Script.GEORGIAN, surname, given, "", NameSource.PASSPORT)]
    cyrillic = (
        "".join(_GE_TO_CYR.get(c, c) for c in surname).capitalize(),
        "".join(_GE_TO_CYR.get(c, c) for c in given).capitalize(),
    )
    if rng.random() < 0.3:
        rows.append(
            NameRecord(Script.CYRILLIC, cyrillic[0], cyrillic[1], "", NameSource.STAY_REGISTRATION)
        )
    if rng.random() < 0.4:
        # Soviet-style spelling through Russian (Джапаридзе -> DZHAPARIDZE).
        rows.append(
            NameRecord(
                Script.LATIN,
                _translit(cyrillic[0], _RU_OLD).upper(),
                _translit(cyrillic[1], _RU_OLD).upper(),
                "",
                NameSource.TAX,
            )
        )
    return _Names(_title(latin[0]), _title(latin[1]), "", viz, {}, rows)


def _latin_group(
    surnames: Sequence[str],
    male: Sequence[str],
    females: Sequence[str],
    *,
    feminine: Callable[[str], str] | None = None,
    turkish: bool = False,
    second_given: float = 0.0,
    joiner: str = " ",
) -> Callable[[random.Random, bool, Sequence[str]], _Names]:
    """Names natively written in Latin letters (Turkish, European, Korean, Filipino)."""

    def make(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
        surname = _pick(rng, surnames)
        if female and feminine is not None:
            surname = feminine(surname)
        pool = females if female else male
        given = _pick(rng, pool)
        if second_given and rng.random() < second_given:
            other = _pick(rng, pool)
            if other != given:
                given = f"{given}{joiner}{other}"
        viz = {
            issuer: (_upper(surname, turkish=turkish), _upper(given, turkish=turkish))
            for issuer in issuers
        }
        rows = []
        if rng.random() < 0.4:
            # Keyboards without the national letters: MÜLLER -> MULLER (not MUELLER).
            rows.append(NameRecord(Script.LATIN, _fold(surname), _fold(given), "", NameSource.TAX))
        if rng.random() < 0.3:
            rows.append(
                NameRecord(
                    Script.LATIN,
                    _title(_fold(surname).lower()),
                    _title(_fold(given).lower()),
                    "",
                    NameSource.STAY_REGISTRATION,
                )
            )
        return _Names(surname, given, "", viz, {}, rows)

    return make


def _variant_group(
    surnames: Sequence[tuple[str, tuple[str, ...]]],
    male: Sequence[tuple[str, tuple[str, ...]]],
    females: Sequence[tuple[str, tuple[str, ...]]],
    script: str,
    *,
    native_share: float = 1.0,
    spelling_spread: float = 0.0,
    second_given: float = 0.0,
    father_name: float = 0.0,
    single_name: float = 0.0,
) -> Callable[[random.Random, bool, Sequence[str]], _Names]:
    """Names in a non-Latin script with several accepted Latin spellings (Persian, Arabic,
    South Asian, Hebrew). The passport uses the first spelling, or with probability
    ``spelling_spread`` another one; other sources pick their own."""

    def spelling(rng: random.Random, variants: tuple[str, ...]) -> str:
        if len(variants) > 1 and rng.random() < spelling_spread:
            return _pick(rng, variants[1:])
        return variants[0]

    def make(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
        surname_native, surname_variants = _pick(rng, surnames)
        pool = females if female else male
        given_native, given_variants = _pick(rng, pool)
        given_parts = [(given_native, given_variants)]
        if second_given and not female and rng.random() < second_given:
            # Muhammad Imran, Md Rafiq: a religious first name before the used one.
            extra = _pick(rng, male)
            if extra[0] != given_native:
                given_parts.insert(0, extra)
        if father_name and rng.random() < father_name:
            # Arab passports often carry the father's name after the given name.
            extra = _pick(rng, male)
            if extra[0] != given_native:
                given_parts.append(extra)
        surname = spelling(rng, surname_variants)
        given = " ".join(spelling(rng, variants) for _, variants in given_parts)
        native_given = " ".join(native for native, _ in given_parts)
        if single_name and rng.random() < single_name:
            # One name only (common in Afghan documents): it goes in the primary identifier.
            surname, surname_native, surname_variants = given, native_given, given_variants
            given, native_given = "", ""
        viz = {issuer: (surname.upper(), given.upper()) for issuer in issuers}
        rows = []
        if rng.random() < native_share:
            rows.append(NameRecord(script, surname_native, native_given, "", NameSource.PASSPORT))
        if rng.random() < 0.6:
            other_surname = _pick(rng, surname_variants)
            other_given = " ".join(_pick(rng, variants) for _, variants in given_parts)
            rows.append(
                NameRecord(
                    Script.LATIN,
                    other_surname,
                    other_given if given else "",
                    "",
                    NameSource.STAY_REGISTRATION,
                )
            )
        if rng.random() < 0.3:
            rows.append(
                NameRecord(
                    Script.LATIN,
                    _pick(rng, surname_variants).upper(),
                    " ".join(_pick(rng, v) for _, v in given_parts).upper() if given else "",
                    "",
                    NameSource.TAX,
                )
            )
        return _Names(surname, given, "", viz, {}, rows)

    return make


def _chinese(rng: random.Random, female: bool, issuers: Sequence[str]) -> _Names:
    surname, surname_pinyin = _pick(rng, N.ZH_SURNAMES)
    pool = N.ZH_GIVEN_FEMALE if female else N.ZH_GIVEN_MALE
    hanzi, pinyin = _pick(rng, pool)
    syllables = [pinyin]
    if len(hanzi) == 1 and rng.random() < 0.6:
        second_hanzi, second_pinyin = _pick(rng, pool)
        if len(second_hanzi) == 1 and second_hanzi != hanzi:
            hanzi += second_hanzi
            syllables.append(second_pinyin)
    given = "".join(syllables).capitalize()
    viz = {issuer: (surname_pinyin.upper(), given.upper()) for issuer in issuers}
    # Family name first, as Chinese writes it.
    rows = [NameRecord(Script.HAN, surname, hanzi, "", NameSource.PASSPORT)]
    if rng.random() < 0.3:
        # Hotels often swap family and given names of Chinese guests.
        rows.append(
            NameRecord(Script.LATIN, given, surname_pinyin, "", NameSource.STAY_REGISTRATION)
        )
    if len(syllables) > 1 and rng.random() < 0.3:
        rows.append(
            NameRecord(
                Script.LATIN,
                surname_pinyin.upper(),
                " ".join(syllables).upper(),
                "",
                NameSource.TAX,
            )
        )
    return _Names(surname_pinyin, given, "", viz, {}, rows)


_GROUPS: dict[str, Callable[[random.Random, bool, Sequence[str]], _Names]] = {
    "russian": _russian,
    "ukrainian": _ukrainian,
    "ru_jewish": _ru_jewish,
    "azeri": _azeri,
    "georgian": _georgian,
    "kazakh": _central_asian(N.KZ_SURNAMES, N.KZ_MALE, N.KZ_FEMALE, "KAZ"),
    "kyrgyz": _central_asian(N.KG_SURNAMES, N.KG_MALE, N.KG_FEMALE, "KGZ"),
    "uzbek": _central_asian(N.UZ_SURNAMES, N.UZ_MALE, N.UZ_FEMALE, "UZB", _UZ, _UZ_INITIAL),
    "tajik": _central_asian(N.TJ_SURNAMES, N.TJ_MALE, N.TJ_FEMALE, "TJK", _TJ),
    "turkmen": _central_asian(N.TM_SURNAMES, N.TM_MALE, N.TM_FEMALE, "TKM", _RU_OLD),
    "turkish": _latin_group(N.TR_SURNAMES, N.TR_MALE, N.TR_FEMALE, turkish=True, second_given=0.2),
    "persian": _variant_group(
        N.FA_SURNAMES, N.FA_MALE, N.FA_FEMALE, Script.ARABIC, second_given=0.1
    ),
    "afghan": _variant_group(
        N.AF_SURNAMES, N.AF_MALE, N.AF_FEMALE, Script.ARABIC, spelling_spread=0.3, single_name=0.15
    ),
    "arabic": _variant_group(
        N.AR_SURNAMES, N.AR_MALE, N.AR_FEMALE, Script.ARABIC, spelling_spread=0.4, father_name=0.35
    ),
    "urdu": _variant_group(
        N.UR_SURNAMES,
        N.UR_MALE,
        N.UR_FEMALE,
        Script.ARABIC,
        native_share=0.6,
        spelling_spread=0.2,
        second_given=0.4,
    ),
    "hindi": _variant_group(
        N.HI_SURNAMES,
        N.HI_MALE,
        N.HI_FEMALE,
        Script.DEVANAGARI,
        native_share=0.5,
        spelling_spread=0.1,
    ),
    "nepali": _variant_group(
        N.NE_SURNAMES,
        N.NE_MALE,
        N.NE_FEMALE,
        Script.DEVANAGARI,
        native_share=0.5,
        spelling_spread=0.2,
    ),
    "bengali": _variant_group(
        N.BN_SURNAMES,
        N.BN_MALE,
        N.BN_FEMALE,
        Script.BENGALI,
        native_share=0.6,
        spelling_spread=0.2,
        second_given=0.4,
    ),
    "hebrew": _variant_group(
        N.HE_SURNAMES, N.HE_MALE, N.HE_FEMALE, Script.HEBREW, native_share=0.7, spelling_spread=0.2
    ),
    "chinese": _chinese,
    "german": _latin_group(N.DE_SURNAMES, N.DE_MALE, N.DE_FEMALE, second_given=0.25),
    "english": _latin_group(N.EN_SURNAMES, N.EN_MALE, N.EN_FEMALE, second_given=0.3),
    "french": _latin_group(N.FR_SURNAMES, N.FR_MALE, N.FR_FEMALE, second_given=0.25, joiner="-"),
    "italian": _latin_group(N.IT_SURNAMES, N.IT_MALE, N.IT_FEMALE, second_given=0.1),
    "polish": _latin_group(
        N.PL_SURNAMES, N.PL_MALE, N.PL_FEMALE, feminine=_pl_feminine, second_given=0.15
    ),
    "dutch": _latin_group(N.NL_SURNAMES, N.NL_MALE, N.NL_FEMALE, second_given=0.2),
    "romanian": _latin_group(N.RO_SURNAMES, N.RO_MALE, N.RO_FEMALE),
    "korean": _latin_group(N.KO_SURNAMES, N.KO_MALE, N.KO_FEMALE),
    "filipino": _latin_group(N.TL_SURNAMES, N.TL_MALE, N.TL_FEMALE, second_given=0.3),
}

# --------------------------------------------------------------------------- population

# (nationalities, weight in %, name groups with their shares). Weights follow the
# nationality mix of migrants to Azerbaijan; many Russian, Georgian, Ukrainian and
# stateless residents are ethnic Azerbaijanis.
PROFILES: tuple[tuple[tuple[str, ...], float, tuple[tuple[str, float], ...]], ...] = (
    (("RUS",), 18.0, (("russian", 0.62), ("azeri", 0.33), ("ukrainian", 0.05))),
    (("RUS", "ISR"), 0.8, (("ru_jewish", 0.8), ("hebrew", 0.2))),
    (("RUS", "UKR"), 0.7, (("russian", 0.5), ("ukrainian", 0.3), ("azeri", 0.2))),
    (("RUS", "KAZ"), 0.5, (("russian", 0.5), ("kazakh", 0.5))),
    (("TUR",), 13.2, (("turkish", 0.95), ("azeri", 0.05))),
    (("TUR", "DEU"), 0.8, (("turkish", 1.0),)),
    (("GEO",), 9.0, (("georgian", 0.55), ("azeri", 0.45))),
    (("IRN",), 9.0, (("persian", 1.0),)),
    (("UKR",), 4.0, (("ukrainian", 0.85), ("russian", 0.1), ("azeri", 0.05))),
    (("UZB",), 3.5, (("uzbek", 1.0),)),
    (("KAZ",), 2.0, (("kazakh", 0.85), ("russian", 0.15))),
    (("KGZ",), 1.5, (("kyrgyz", 1.0),)),
    (("TJK",), 1.5, (("tajik", 1.0),)),
    (("TKM",), 1.5, (("turkmen", 1.0),)),
    (("CHN",), 5.0, (("chinese", 1.0),)),
    (("IND",), 3.0, (("hindi", 1.0),)),
    (("PAK",), 2.5, (("urdu", 1.0),)),
    (("BGD",), 1.5, (("bengali", 1.0),)),
    (("NPL",), 1.0, (("nepali", 1.0),)),
    (("IRQ",), 1.5, (("arabic", 1.0),)),
    (("SYR",), 1.0, (("arabic", 1.0),)),
    (("EGY",), 1.5, (("arabic", 1.0),)),
    (("JOR",), 0.5, (("arabic", 1.0),)),
    (("AFG",), 1.5, (("afghan", 1.0),)),
    (("DEU",), 1.5, (("german", 0.85), ("turkish", 0.15))),
    (("GBR",), 1.5, (("english", 1.0),)),
    (("USA",), 1.5, (("english", 0.9), ("azeri", 0.1))),
    (("FRA",), 1.0, (("french", 1.0),)),
    (("ITA",), 1.0, (("italian", 1.0),)),
    (("POL",), 0.8, (("polish", 1.0),)),
    (("NLD",), 0.7, (("dutch", 1.0),)),
    (("ISR",), 1.0, (("hebrew", 0.7), ("ru_jewish", 0.3))),
    ((STATELESS,), 3.0, (("azeri", 0.7), ("russian", 0.3))),
    (("BLR",), 1.0, (("russian", 1.0),)),
    (("MDA",), 0.6, (("romanian", 1.0),)),
    (("KOR",), 0.7, (("korean", 1.0),)),
    (("PHL",), 0.7, (("filipino", 1.0),)),
)

# Age bands (years) and their shares: mostly working age, some children and retirees.
_AGE_BANDS = (
    (0, 17, 8.0),
    (18, 24, 14.0),
    (25, 34, 30.0),
    (35, 44, 24.0),
    (45, 54, 13.0),
    (55, 64, 7.0),
    (65, 84, 4.0),
)
_AGE_CUM = tuple(itertools.accumulate(w for _, _, w in _AGE_BANDS))

# Document number patterns per issuing state and document type: d digit, l letter,
# x letter or digit, anything else literal. At most 9 characters (the TD3 field).
_NUMBER_FORMATS = _table("""
    RUS=7dddddddd TUR=Udddddddd GEO=ddlldddd IRN=Xdddddddd UKR=llldddddd UZB=FAddddddd
    KAZ=Ndddddddd KGZ=ACddddddd TJK=4dddddddd TKM=Addddddd CHN=Edddddddd IND=ldddddddd
    PAK=llddddddd BGD=Addddddd NPL=PAddddddd IRQ=Addddddd SYR=Ndddddddd EGY=Adddddddd
    JOR=Pddddddd AFG=Pddddddd DEU=Cxxxxxxxx GBR=ddddddddd USA=ddddddddd FRA=ddllddddd
    ITA=YAddddddd POL=Eldddddd NLD=NXxxxxxxd ISR=dddddddd BLR=MPddddddd MDA=ABddddddd
    KOR=Mdddddddd PHL=Pdddddddl
""")
_ID_NUMBER_FORMATS = _table("TUR=Addldddd GEO=ddIDddddd UKR=0dddddddd KAZ=0dddddddd")
_TRAVEL_NUMBER_FORMATS = {TRAVEL_DOCUMENT: "SPddddddd", REFUGEE_TRAVEL_DOCUMENT: "RTddddddd"}
_DEFAULT_NUMBER_FORMAT = "llddddddd"
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_ALNUM = "0123456789CFGHJKLMNPRTVWXYZ"
_ID_CARD_COUNTRIES = frozenset(_ID_NUMBER_FORMATS)
# ICAO MRZ codes that differ from the ISO alpha-3 (Germany is "D").
_MRZ_STATE = {"DEU": "D"}
# Passport validity in years where it is not 10.
_VALIDITY = {"IRN": 5, "PAK": 5, "JOR": 5, "AFG": 5, "IRQ": 8, "SYR": 6, "EGY": 7, "MDA": 7}

_PHONES_AZ = ("50", "51", "55", "70", "77", "99", "10", "60")
# (nationality, country calling code, mobile prefixes, digits after the prefix)
_PHONES_HOME: dict[str, tuple[str, tuple[str, ...], int]] = {
    "RUS": (
        "7",
        ("903", "905", "909", "915", "916", "925", "926", "962", "965", "977", "985", "988", "999"),
        7,
    ),
    "TUR": (
        "90",
        ("530", "532", "533", "535", "536", "541", "542", "543", "505", "506", "552", "554", "555"),
        7,
    ),
    "GEO": ("995", ("555", "557", "568", "571", "577", "591", "593", "595", "597", "599"), 6),
    "IRN": ("98", ("912", "913", "914", "915", "919", "935", "936", "937", "901", "990"), 7),
    "UKR": ("380", ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98"), 7),
    "KAZ": ("7", ("701", "702", "705", "707", "747", "771", "775", "777", "778"), 7),
    "UZB": ("998", ("90", "91", "93", "94", "97", "99", "88", "33"), 7),
}
_EMAIL_DOMAINS = _words("example.com example.net example.org mail.example.com post.example.net")


def _cum(weights: Iterable[float]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


def _weighted(rng: random.Random, cum: Sequence[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def _tckn(rng: random.Random) -> str:
    """A Turkish identity number (T.C. Kimlik No) with its two check digits."""
    digits = [rng.randint(1, 9)] + [rng.randrange(10) for _ in range(8)]
    d10 = ((sum(digits[0:9:2]) * 7) - sum(digits[1:8:2])) % 10
    digits.append(d10)
    digits.append(sum(digits) % 10)
    return "".join(map(str, digits))


# --------------------------------------------------------------------------- generator


class DemoGenerator:
    """Deterministic source of demo records for one seed.

    Independent random streams (people, FINs, document numbers, ids) keep a collision
    fix-up in one stream from shifting all the others. ``id_salt`` varies only the primary
    keys, so the same seed can be loaded twice into one database.
    """

    def __init__(
        self,
        seed: int,
        reference: DemoReference,
        *,
        today: date | None = None,
        id_salt: str = "",
    ) -> None:
        self.seed = seed
        self.ref = reference
        self.today = today or date.today()
        self.rng = random.Random(f"umis-demo:{seed}:people")
        self.fin_rng = random.Random(f"umis-demo:{seed}:fin")
        self.number_rng = random.Random(f"umis-demo:{seed}:numbers")
        self.id_rng = random.Random(f"umis-demo:{seed}:ids:{id_salt}")
        self.org_rng = random.Random(f"umis-demo:{seed}:organisations")
        # Replacements for taken FINs and document numbers are drawn by the inserting
        # thread while the next batch is being generated: a stream of their own.
        self.fix_rng = random.Random(f"umis-demo:{seed}:fixups")
        countries = reference.countries
        self.profiles = [
            (nats, weight, groups)
            for nats, weight, groups in PROFILES
            if all(code in countries for code in nats)
        ]
        if not self.profiles:
            raise RuntimeError("none of the demo nationalities is in the reference data")
        self.profile_cum = _cum(w for _, w, _ in self.profiles)
        self.group_cums = [_cum(share for _, share in groups) for _, _, groups in self.profiles]
        self.has_national_id = NATIONAL_ID in reference.document_types
        self.stateless_type = next(
            (
                t
                for t in (TRAVEL_DOCUMENT, REFUGEE_TRAVEL_DOCUMENT, PASSPORT)
                if t in reference.document_types
            ),
            PASSPORT,
        )
        self.has_refugee_type = REFUGEE_TRAVEL_DOCUMENT in reference.document_types

    # -- identifiers -------------------------------------------------------------------

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.id_rng.getrandbits(128), version=4)

    def new_fin(self) -> str:
        return fin_generate(self.fin_rng)

    def replacement_fin(self) -> str:
        return fin_generate(self.fix_rng)

    def _number(self, pattern: str, rng: random.Random | None = None) -> str:
        rng = rng or self.number_rng
        out = []
        for ch in pattern:
            if ch == "d":
                out.append(str(int(rng.random() * 10)))
            elif ch == "l":
                out.append(_LETTERS[int(rng.random() * len(_LETTERS))])
            elif ch == "x":
                out.append(_ALNUM[int(rng.random() * len(_ALNUM))])
            else:
                out.append(ch)
        return "".join(out)

    def _number_pattern(self, document_type: str, issuer: str) -> str:
        if document_type == NATIONAL_ID:
            return _ID_NUMBER_FORMATS.get(issuer, _DEFAULT_NUMBER_FORMAT)
        if document_type in _TRAVEL_NUMBER_FORMATS and issuer == "AZE":
            return _TRAVEL_NUMBER_FORMATS[document_type]
        return _NUMBER_FORMATS.get(issuer, _DEFAULT_NUMBER_FORMAT)

    def renumber(self, doc: DocumentRecord) -> None:
        """Give ``doc`` a fresh number (the old one is taken) and rebuild its MRZ."""
        doc.number = self._number(
            self._number_pattern(doc.document_type, doc.issuing_state), self.fix_rng
        )
        doc.mrz_fields["document_number"] = doc.number
        doc.mrz = self._mrz(doc.layout, doc.mrz_fields)

    @staticmethod
    def _mrz(layout: str, fields: dict[str, Any]) -> str:
        lines = build_td1(**fields) if layout == "TD1" else build_td3(**fields)
        return "\n".join(lines)

    # -- people -------------------------------------------------------------------------

    def _birth(self, rng: random.Random, nationality: str) -> tuple[int, int | None, int | None]:
        band = _AGE_BANDS[_weighted(rng, _AGE_CUM)]
        age_days = int((band[0] + rng.random() * (band[1] - band[0] + 1)) * 365.25)
        born = self.today - timedelta(days=max(age_days, 20))
        roll = rng.random()
        year_only = 0.2 if nationality == "AFG" else 0.02
        if roll < year_only:
            return born.year, None, None
        if roll < year_only + 0.01:
            return born.year, born.month, None
        return born.year, born.month, born.day

    def _birth_country(
        self,
        rng: random.Random,
        group: str,
        nationalities: Sequence[str],
        birth_year: int,
    ) -> str:
        first = nationalities[0]
        roll = rng.random()
        if first == STATELESS:
            choices: tuple[tuple[str, float], ...] = (
                ("AZE", 0.5),
                ("UZB", 0.15),
                ("RUS", 0.15),
                ("GEO", 0.1),
                ("ARM", 0.1),
            )
            if birth_year >= 1989:
                choices = (("AZE", 0.8), ("RUS", 0.1), ("GEO", 0.1))
            acc = 0.0
            for code, share in choices:
                acc += share
                if roll < acc:
                    return code
            return "AZE"
        if group == "azeri" and birth_year < 1992 and roll < 0.35:
            return "AZE"  # born in Soviet Azerbaijan
        if self.today.year - birth_year < 10 and roll < 0.3:
            return "AZE"  # children born here
        if len(nationalities) > 1 and roll > 0.5:
            return nationalities[1]
        return first

    def _phone(self, rng: random.Random, nationality: str) -> str:
        home = _PHONES_HOME.get(nationality)
        if home is not None and rng.random() < 0.15:
            code, prefixes, length = home
            return f"+{code}{_pick(rng, prefixes)}{rng.randrange(10**length):0{length}d}"
        return f"+994{_pick(rng, _PHONES_AZ)}{rng.randrange(10**7):07d}"

    def _city(self, rng: random.Random) -> tuple[int, int]:
        return self.ref.cities[_weighted(rng, self.ref.city_cum_weights)]

    def _street(self, rng: random.Random) -> str:
        street = f"{_pick(rng, N.AZ_STREETS)} {rng.randint(1, 180)}"
        if rng.random() < 0.7:
            street += f", mənzil {rng.randint(1, 160)}"
        return street

    def _office(self, rng: random.Random, region_id: int) -> int | None:
        offices = self.ref.offices_by_region.get(region_id)
        if offices:
            cum = _cum(w for _, w in offices)
            return offices[_weighted(rng, cum)][0]
        if self.ref.fallback_offices:
            return _pick(rng, self.ref.fallback_offices)
        return None

    def _document(
        self,
        *,
        document_type: str,
        issuer: str,
        nationality: str,
        layout: str,
        names: tuple[str, str],
        sex: str,
        birth: tuple[int, int | None, int | None],
        issue_date: date,
        expiry_date: date,
        personal_number: str = "",
    ) -> DocumentRecord:
        number = self._number(self._number_pattern(document_type, issuer))
        surname, given = (mrz_name(part, issuer) for part in names)
        if layout == "TD1":
            document_code = "I" if issuer == "TUR" else "ID"
        elif document_type in (TRAVEL_DOCUMENT, REFUGEE_TRAVEL_DOCUMENT):
            document_code = "PT"
        else:
            document_code = "P"
        fields: dict[str, Any] = {
            "document_code": document_code,
            "issuing_state": _MRZ_STATE.get(issuer, issuer),
            "surname": surname,
            "given_names": given,
            "document_number": number,
            "nationality": _MRZ_STATE.get(nationality, nationality),
            "birth_date": birth,
            "sex": sex,
            "expiry_date": expiry_date,
            "personal_number": personal_number,
        }
        return DocumentRecord(
            id=self.new_id(),
            document_type=document_type,
            number=number,
            issuing_state=issuer,
            issue_date=issue_date,
            expiry_date=expiry_date,
            mrz=self._mrz(layout, fields),
            layout=layout,
            mrz_fields=fields,
        )

    def person(self) -> PersonRecord:
        rng = self.rng
        today = self.today
        index = _weighted(rng, self.profile_cum)
        nationalities, _, groups = self.profiles[index]
        group = groups[_weighted(rng, self.group_cums[index])][0]
        first = nationalities[0]
        stateless = first == STATELESS
        # Issuers of the person's documents: their states, or Azerbaijan for the stateless.
        issuers = ("AZE",) if stateless else nationalities
        roll = rng.random()
        if group in ("german", "english", "dutch") and roll < 0.005:
            sex = Sex.UNSPECIFIED.value
        else:
            # Labour migration: more men than women.
            sex = Sex.MALE.value if roll < 0.6 else Sex.FEMALE.value
        female = sex == Sex.FEMALE or (sex == Sex.UNSPECIFIED and rng.random() < 0.5)
        names = _GROUPS[group](rng, female, issuers)
        birth = self._birth(rng, first)
        birth_year = birth[0]
        age = today.year - birth_year
        birth_country: str | None = self._birth_country(rng, group, nationalities, birth_year)
        if birth_country not in self.ref.countries:
            birth_country = first if first in self.ref.countries else None
        place = ""
        if birth_country and birth_country in N.BIRTH_PLACES and rng.random() < 0.95:
            place = _pick(rng, N.BIRTH_PLACES[birth_country])

        # Documents --------------------------------------------------------------------
        born = min(date(birth_year, birth[1] or 6, birth[2] or 15), today)
        age_days = max((today - born).days, 1)
        documents: list[DocumentRecord] = []
        personal_number = ""
        if first == "TUR":
            personal_number = _tckn(rng)
        elif first == "GEO":
            personal_number = f"0{rng.randrange(10**10):010d}"
        elif first == "KAZ":
            personal_number = f"{birth_year % 100:02d}{rng.randrange(10**10):010d}"
        issuing = list(issuers)
        if len(issuing) > 1 and rng.random() < 0.2:
            issuing = issuing[:1]  # a dual national who only registered one passport
        for position, issuer in enumerate(issuing):
            if stateless:
                doc_type = (
                    REFUGEE_TRAVEL_DOCUMENT
                    if self.has_refugee_type and rng.random() < 0.25
                    else self.stateless_type
                )
                validity = 5 if doc_type == TRAVEL_DOCUMENT else 3
                nationality = STATELESS
            else:
                doc_type = PASSPORT
                validity = 5 if age < 18 else _VALIDITY.get(issuer, 10)
                nationality = issuer
            span = validity * 365
            days_ago = int(rng.random() * min(span * 1.08, age_days))
            issue = today - timedelta(days=days_ago)
            if issue.year < 2000:
                issue = date(2000, 1, 10) + timedelta(days=int(rng.random() * 300))
            expiry = _add_years(issue, validity) - timedelta(days=1)
            viz = names.viz.get(issuer) or (_fold(names.family), _fold(names.given))
            doc = self._document(
                document_type=doc_type,
                issuer=issuer,
                nationality=nationality,
                layout="TD3",
                names=viz,
                sex=sex,
                birth=birth,
                issue_date=issue,
                expiry_date=expiry,
                personal_number=personal_number if position == 0 else "",
            )
            documents.append(doc)
            # About 1% of all documents (1.35 per person) are reported lost or stolen.
            if position == 0 and rng.random() < 0.0135:
                doc.status = DocumentStatus.LOST if rng.random() < 0.7 else DocumentStatus.STOLEN
                doc.status_reason = (
                    "Reported lost by the holder"
                    if doc.status == DocumentStatus.LOST
                    else "Reported stolen (police certificate on file)"
                )
                changed = issue + timedelta(days=int(rng.random() * max(days_ago, 1)))
                doc.status_changed_at = timezone.make_aware(
                    datetime(changed.year, changed.month, changed.day, 10, 30)
                )
            # A renewed passport: the previous one is on file too.
            old_issue = _add_years(issue, -validity) + timedelta(days=int(rng.random() * 200))
            if (
                position == 0
                and not stateless
                and rng.random() < 0.25
                and old_issue.year >= 2000
                and old_issue > born + timedelta(days=30)
            ):
                old_expiry = _add_years(old_issue, validity) - timedelta(days=1)
                old_viz = viz
                if old_issue.year < 2014 and issuer in names.viz_old:
                    old_viz = names.viz_old[issuer]
                old = self._document(
                    document_type=doc_type,
                    issuer=issuer,
                    nationality=nationality,
                    layout="TD3",
                    names=old_viz,
                    sex=sex,
                    birth=birth,
                    issue_date=old_issue,
                    expiry_date=old_expiry,
                    personal_number=personal_number,
                )
                if old_expiry >= today:
                    old.status = DocumentStatus.INVALID
                    old.status_reason = "Replaced by a new passport"
                documents.append(old)
        if (
            first in _ID_CARD_COUNTRIES
            and self.has_national_id
            and age >= 16
            and rng.random() < 0.35
        ):
            issue = today - timedelta(days=int(rng.random() * 3650))
            issue = max(issue, date(2010, 1, 1))
            viz = names.viz.get(first) or (_fold(names.family), _fold(names.given))
            documents.append(
                self._document(
                    document_type=NATIONAL_ID,
                    issuer=first,
                    nationality=first,
                    layout="TD1",
                    names=viz,
                    sex=sex,
                    birth=birth,
                    issue_date=issue,
                    expiry_date=_add_years(issue, 10) - timedelta(days=1),
                    personal_number=personal_number,
                )
            )

        # Names: native and other sources, the passport (VIZ) and border (MRZ) forms -----
        rows: list[NameRecord] = []
        seen: set[tuple[str, str, str, str]] = set()

        def add(record: NameRecord) -> None:
            key = (record.script, record.family_name, record.given_names, record.patronymic)
            if key not in seen and record.family_name:
                seen.add(key)
                rows.append(record)

        for record in names.rows:
            add(record)
        for doc in documents:
            fields = doc.mrz_fields
            if doc.document_type != NATIONAL_ID:
                issuer_viz = names.viz.get(doc.issuing_state)
                if issuer_viz is not None:
                    older = names.viz_old.get(doc.issuing_state)
                    if older is not None and doc.issue_date.year < 2014:
                        issuer_viz = older
                    add(
                        NameRecord(
                            Script.LATIN, issuer_viz[0], issuer_viz[1], "", NameSource.PASSPORT
                        )
                    )
            # Every document has crossed the border: the entry-exit system holds its MRZ form.
            add(
                NameRecord(
                    Script.LATIN, fields["surname"], fields["given_names"], "", NameSource.BORDER
                )
            )

        # Contacts, address, office ----------------------------------------------------
        phone = self._phone(rng, first) if age >= 14 and rng.random() < 0.8 else ""
        email = ""
        if age >= 16 and rng.random() < 0.35:
            local = ".".join(
                p
                for p in (_fold(names.given).split(" ")[:1] + _fold(names.family).split(" ")[-1:])
                if p
            )
            email = f"{local.lower()}{rng.randint(1, 99)}@{_pick(rng, _EMAIL_DOMAINS)}"
        city_id, region_id = self._city(rng)
        moved_in = today - timedelta(days=int(rng.random() * min(3 * 365, age_days)))
        addresses = [AddressRecord(region_id, city_id, self._street(rng), moved_in, None, True)]
        if rng.random() < 0.25:
            old_city, old_region = self._city(rng)
            until = moved_in - timedelta(days=1)
            since = until - timedelta(days=30 + int(rng.random() * 900))
            addresses.append(
                AddressRecord(old_region, old_city, self._street(rng), since, until, False)
            )

        family, given = names.family, names.given
        return PersonRecord(
            id=self.new_id(),
            personal_number=self.new_fin(),
            family_name=family,
            given_names=given,
            patronymic=names.patronymic,
            name_key=_name_key(family, given),
            sex=sex,
            birth_year=birth_year,
            birth_month=birth[1],
            birth_day=birth[2],
            place_of_birth=place,
            birth_country=birth_country,
            phone=phone,
            email=email,
            office_id=self._office(rng, region_id),
            names=rows,
            nationalities=list(nationalities),
            documents=documents,
            addresses=addresses,
        )

    def persons(self, count: int) -> Iterator[PersonRecord]:
        for _ in range(count):
            yield self.person()

    # -- organisations ------------------------------------------------------------------

    def organisation(self) -> OrganisationRecord:
        rng = self.org_rng
        roll = rng.random()
        if roll < 0.3:
            category, host, employer, kind = OrganisationCategory.HOTEL, True, roll < 0.1, 1
            name = f"{_pick(rng, N.HOTEL_WORDS)} {_pick(rng, N.HOTEL_KINDS)}"
        elif roll < 0.5:
            category, host, employer, kind = OrganisationCategory.LANDLORD, True, False, 2
            names = _azeri(rng, rng.random() < 0.4, ("AZE",))
            name = f"{names.family} {names.given} {names.patronymic}"
        elif roll < 0.9:
            category, host, employer, kind = (
                OrganisationCategory.COMPANY,
                rng.random() < 0.1,
                True,
                1,
            )
            name = (
                f"{_pick(rng, N.COMPANY_WORDS)} {_pick(rng, N.COMPANY_TRADES)} "
                f"{_pick(rng, N.COMPANY_FORMS)}"
            )
        else:
            category, host, employer, kind = OrganisationCategory.ENTREPRENEUR, False, True, 2
            names = _azeri(rng, rng.random() < 0.3, ("AZE",))
            name = f"Fərdi sahibkar {names.family} {names.given}"
        city_id, region_id = self._city(rng)
        if rng.random() < 0.5:
            phone = f"+99412{rng.randrange(10**7):07d}"  # Baku landline
        else:
            phone = f"+994{_pick(rng, _PHONES_AZ)}{rng.randrange(10**7):07d}"
        email = f"info{rng.randrange(10**6)}@{_pick(rng, _EMAIL_DOMAINS)}" if host else ""
        return OrganisationRecord(
            id=self.new_id(),
            tax_number=voen_generate(rng, kind=kind),  # type: ignore[arg-type]
            name=name,
            category=category,
            is_host=host,
            is_employer=employer,
            region_id=region_id,
            city_id=city_id,
            street=self._street(rng),
            phone=phone,
            email=email,
        )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --------------------------------------------------------------------------- insertion


def _column(model: type[models.Model], name: str) -> str:
    """The database column of a model field, given its name or attname (``person_id``)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


def _copy_available() -> bool:
    if connection.vendor != "postgresql":
        return False
    try:
        import psycopg  # noqa: F401
    except ImportError:  # psycopg2: no cursor.copy(); fall back to bulk_create
        return False
    return True


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    method: str = "bulk_create",
) -> int:
    """Insert ``rows`` (tuples of values for the model attributes ``columns``, e.g.
    ``person_id``). ``method="copy"`` streams them with PostgreSQL COPY (psycopg 3);
    anything else uses ``bulk_create``, which works on every database."""
    if not rows:
        return 0
    if method == "copy":
        meta = model._meta
        quote = connection.ops.quote_name
        db_columns = ", ".join(quote(_column(model, name)) for name in columns)
        sql = f"COPY {quote(meta.db_table)} ({db_columns}) FROM STDIN"
        connection.ensure_connection()
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return len(rows)
    manager = model._default_manager
    objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
    manager.bulk_create(objs, batch_size=1000)
    return len(rows)


_PERSON_COLUMNS = _words(
    """
    id personal_number family_name given_names patronymic name_key sex birth_year
    birth_month birth_day place_of_birth birth_country_id phone email office_id status
    version created_at updated_at
    """
)
_NAME_COLUMNS = _words(
    """
    person_id script family_name given_names patronymic source created_at
    """
)
_NATIONALITY_COLUMNS = ("person_id", "country_id", "valid_from", "valid_to")
_DOCUMENT_COLUMNS = _words(
    """
    id person_id document_type_id number issuing_state_id issue_date expiry_date mrz
    status status_reason status_changed_at created_at
    """
)
_ADDRESS_COLUMNS = _words(
    """
    person_id region_id city_id street valid_from valid_to is_current created_at
    """
)
_ORGANISATION_COLUMNS = _words(
    """
    id tax_number name category is_host is_employer region_id city_id street phone email
    created_at updated_at
    """
)


def _existing(
    model: type[models.Model], fields: Sequence[str], lookup: str, values: Sequence[str]
) -> set[Any]:
    """Which of ``values`` (of the ``lookup`` field) are already stored; returns the
    ``fields`` values (a tuple per row when there are several)."""
    found: set[Any] = set()
    if not values:
        return found
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands of IN (...) placeholders.
        meta = model._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(_column(model, name)) for name in fields)
        # Identifiers come from the model's metadata (quoted); the values are a parameter.
        where = quote(_column(model, lookup))
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where} = ANY(%s)"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(values)])
            for row in cursor.fetchall():
                found.add(row[0] if len(fields) == 1 else tuple(row))
        return found
    # SQLite's default limit on query parameters is 999.
    chunk = min(connection.features.max_query_params or 10_000, 10_000) - 99
    for start in range(0, len(values), chunk):
        part = values[start : start + chunk]
        qs = model._default_manager.filter(**{f"{lookup}__in": part})
        if len(fields) == 1:
            found.update(qs.values_list(fields[0], flat=True))
        else:
            found.update(qs.values_list(*fields))
    return found


def _make_unique(
    items: Sequence[Any],
    key: Callable[[Any], Any],
    taken: Callable[[list[Any]], set[Any]],
    replace: Callable[[Any], None],
) -> int:
    """Replace the keys of ``items`` that are already stored (``taken`` looks a list of
    keys up in the database) or repeat within ``items``; replacements are checked again,
    in bulk, until none collides. Returns the number of replacements."""
    seen: set[Any] = set()
    pending = list(items)
    stored = taken([key(item) for item in pending])
    replaced = 0
    while pending:
        retry = []
        for item in pending:
            k = key(item)
            if k in seen or k in stored:
                replace(item)
                retry.append(item)
            else:
                seen.add(k)
        replaced += len(retry)
        pending = retry
        if pending:
            stored = taken([key(item) for item in pending])
    return replaced


def _resolve_persons(gen: DemoGenerator, records: list[PersonRecord]) -> None:
    """Make FINs and (issuing state, document number) pairs unique within the batch and
    against the database (which includes the earlier batches of this run)."""
    from umis.registry.models import IdentityDocument, Person

    def new_fin(record: PersonRecord) -> None:
        record.personal_number = gen.replacement_fin()

    _make_unique(
        records,
        lambda r: r.personal_number,
        lambda fins: _existing(Person, ("personal_number",), "personal_number", fins),
        new_fin,
    )
    _make_unique(
        [doc for r in records for doc in r.documents],
        lambda d: (d.issuing_state, d.number),
        lambda keys: _existing(
            IdentityDocument,
            ("issuing_state_id", "number"),
            "number",
            sorted({number for _, number in keys}),
        ),
        gen.renumber,
    )


def _insert_persons(records: list[PersonRecord], method: str, now: datetime) -> dict[str, int]:
    from umis.registry.models import Address, IdentityDocument, Nationality, Person, PersonName

    persons, names, nationalities, documents, addresses = [], [], [], [], []
    active = PersonStatus.ACTIVE.value
    for r in records:
        pid = r.id
        persons.append(
            (
                pid,
                r.personal_number,
                r.family_name,
                r.given_names,
                r.patronymic,
                r.name_key,
                r.sex,
                r.birth_year,
                r.birth_month,
                r.birth_day,
                r.place_of_birth,
                r.birth_country,
                r.phone,
                r.email,
                r.office_id,
                active,
                1,
                now,
                now,
            )
        )
        for n in r.names:
            names.append(
                (pid, str(n.script), n.family_name, n.given_names, n.patronymic, str(n.source), now)
            )
        for code in r.nationalities:
            nationalities.append((pid, code, None, None))
        for d in r.documents:
            documents.append(
                (
                    d.id,
                    pid,
                    d.document_type,
                    d.number,
                    d.issuing_state,
                    d.issue_date,
                    d.expiry_date,
                    d.mrz,
                    str(d.status),
                    d.status_reason,
                    d.status_changed_at,
                    now,
                )
            )
        for a in r.addresses:
            addresses.append(
                (pid, a.region_id, a.city_id, a.street, a.valid_from, a.valid_to, a.is_current, now)
            )
    return {
        "persons": rows_insert(Person, _PERSON_COLUMNS, persons, method=method),
        "names": rows_insert(PersonName, _NAME_COLUMNS, names, method=method),
        "nationalities": rows_insert(
            Nationality, _NATIONALITY_COLUMNS, nationalities, method=method
        ),
        "documents": rows_insert(IdentityDocument, _DOCUMENT_COLUMNS, documents, method=method),
        "addresses": rows_insert(Address, _ADDRESS_COLUMNS, addresses, method=method),
    }


def _insert_namekeys(records: list[PersonRecord], method: str) -> int:
    """The persons' identity-search keys, written with them (bulk inserts bypass the
    services that keep keys fresh)."""
    from umis.identity.keys import identity_build, namekey_rows
    from umis.identity.models import NameKey

    rows = []
    for r in records:
        identity = identity_build(
            family_name=r.family_name,
            given_names=r.given_names,
            patronymic=r.patronymic,
            sex=r.sex,
            birth_year=r.birth_year,
            birth_month=r.birth_month,
            birth_day=r.birth_day,
            nationality=r.nationalities[0] if r.nationalities else "",
            documents=[
                (d.issuing_state, d.number) for d in r.documents if d.status == DocumentStatus.VALID
            ],
            other_names=[(n.family_name, n.given_names, n.patronymic) for n in r.names],
        )
        rows.extend(namekey_rows(r.id, identity))
    return rows_insert(NameKey, ("person_id", "key"), rows, method=method)


def _insert_organisations(gen: DemoGenerator, count: int, method: str) -> int:
    from umis.registry.models import Organisation

    records = [gen.organisation() for _ in range(count)]

    def new_voen(record: OrganisationRecord) -> None:
        kind = (
            2
            if record.category in (OrganisationCategory.LANDLORD, OrganisationCategory.ENTREPRENEUR)
            else 1
        )
        record.tax_number = voen_generate(gen.org_rng, kind=kind)  # type: ignore[arg-type]

    _make_unique(
        records,
        lambda r: r.tax_number,
        lambda voens: _existing(Organisation, ("tax_number",), "tax_number", voens),
        new_voen,
    )
    now = timezone.now()
    rows = [
        (
            r.id,
            r.tax_number,
            r.name,
            str(r.category),
            r.is_host,
            r.is_employer,
            r.region_id,
            r.city_id,
            r.street,
            r.phone,
            r.email,
            now,
            now,
        )
        for r in records
    ]
    return rows_insert(Organisation, _ORGANISATION_COLUMNS, rows, method=method)


def _batches(gen: DemoGenerator, persons: int, batch_size: int) -> Iterator[list[PersonRecord]]:
    remaining = persons
    while remaining > 0:
        size = min(batch_size, remaining)
        yield [gen.person() for _ in range(size)]
        remaining -= size


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Iterate ``items`` in a background thread, at most ``depth`` items ahead (bounded
    memory). Exceptions are re-raised in the consumer; leaving the loop early stops the
    producer."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer
            put(_Failed(exc))
            return
        put(done)

    worker = threading.Thread(target=produce, name="demo-data-generator", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()


@dataclass(frozen=True)
class DemoResult:
    persons: int
    names: int
    nationalities: int
    documents: int
    addresses: int
    organisations: int
    seconds: float
    method: str
    seed: int
    name_keys: int = 0  # identity search keys written with the persons

    @property
    def rows(self) -> int:
        return (
            self.persons
            + self.names
            + self.nationalities
            + self.documents
            + self.addresses
            + self.organisations
            + self.name_keys
        )

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds else 0.0


def demo_data_generate(
    persons: int = DEFAULT_PERSONS,
    *,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH,
    organisations: int | None = None,
    today: date | None = None,
    progress: bool = False,
    progress_file: IO[str] | None = None,
    method: str | None = None,
) -> DemoResult:
    """Generate and insert ``persons`` synthetic persons (with names, nationalities,
    documents, addresses) and ``organisations`` hosts/employers (default: one per 100
    persons, at least 10), in one transaction, batch by batch. Writes one audit entry.

    The population is a function of ``seed``, ``today`` and the reference data; primary
    keys also depend on how many persons exist already, so a seed can be loaded twice.
    ``method`` forces "copy" or "bulk_create" (default: COPY on PostgreSQL with psycopg 3).
    """
    from tqdm import tqdm

    from umis.registry.models import Person

    if persons < 0:
        raise ValueError("persons must not be negative")
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    if method is None:
        method = "copy" if _copy_available() else "bulk_create"
    elif method == "copy" and not _copy_available():
        raise ValueError("COPY needs PostgreSQL with psycopg 3")
    org_count = max(10, persons // 100) if organisations is None else organisations

    started = time.perf_counter()
    counts = dict.fromkeys(
        ("persons", "names", "nationalities", "documents", "addresses", "name_keys"), 0
    )
    reference = DemoReference.load()
    existing = Person.objects.count()
    gen = DemoGenerator(seed, reference, today=today, id_salt=str(existing))
    bar = tqdm(
        total=persons,
        unit=" persons",
        file=progress_file or sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
        desc="demo data",
    )
    # Millions of small objects and no reference cycles: the cyclic collector would
    # only rescan them again and again (reference counting frees them).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Check foreign keys row by row instead of queueing millions of deferred
                # checks until commit (parents are always inserted first).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            org_total = _insert_organisations(gen, org_count, method)
            # The next batch is generated in a background thread while this one is
            # written (the database works while Python waits on the socket).
            for records in _prefetch(_batches(gen, persons, batch_size)):
                _resolve_persons(gen, records)
                inserted = _insert_persons(records, method, timezone.now())
                counts["name_keys"] += _insert_namekeys(records, method)
                for key, value in inserted.items():
                    counts[key] += value
                bar.update(len(records))
                del records
                reset_queries()  # DEBUG keeps every query; a run must not grow with it
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                object_type="registry.demo_data",
                changes={"persons": [None, persons]},
            )
    finally:
        bar.close()
        if collecting:
            gc.enable()
    return DemoResult(
        organisations=org_total,
        seconds=time.perf_counter() - started,
        method=method,
        seed=seed,
        **counts,
    )
