"""The name-key index (`identity.NameKey`): every blocking key of every person's names,
so that search, online matching and the duplicate sweep find candidates by B-tree
equality (ADR 0013).

Keys are derived data: `namekeys_refresh` is called explicitly by every service that
changes what they are computed from (a person's names, birth date, sex, documents),
inside that service's transaction, so a committed person always has fresh keys. Bulk
paths (demo data, the benchmark generator) write keys with their rows, and
`namekeys_rebuild_all` recomputes the whole table (after a change of the normalisation
rules or the key scheme). Explicit calls, not signals: bulk inserts bypass signals.
"""

from __future__ import annotations

import time
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from umis.identity import scoring
from umis.identity.models import NameKey
from umis.identity.normalise import parse_name, romanise, token_key
from umis.registry.constants import DocumentStatus, PersonStatus
from umis.registry.models import IdentityDocument, Nationality, Person, PersonName

NameTriple = tuple[str, str, str]


def identity_build(
    *,
    family_name: str,
    given_names: str = "",
    patronymic: str = "",
    sex: str = "",
    birth_year: int | None = None,
    birth_month: int | None = None,
    birth_day: int | None = None,
    nationality: str = "",
    documents: Iterable[tuple[str, str]] = (),
    other_names: Iterable[NameTriple] = (),
) -> scoring.Identity:
    """An Identity from a person's stored values (model rows or generator records). Other
    spellings equal to the main one are dropped: they add no key and cost a comparison."""
    main = (family_name, given_names, patronymic)
    others = tuple(dict.fromkeys(n for n in other_names if n != main and any(n)))
    return scoring.Identity(
        family_name=family_name,
        given_names=given_names,
        patronymic=patronymic,
        sex=sex or "",
        birth_year=birth_year,
        birth_month=birth_month,
        birth_day=birth_day,
        nationality=nationality or "",
        documents=tuple(documents),
        other_names=others,
    )


def person_identity(person: Person) -> scoring.Identity:
    """The person as the scorer sees them: the Latin form plus every PersonName spelling,
    their valid documents and first current nationality. Uses prefetched relations when
    the caller loaded them (see `persons_with_identity_data`)."""
    nationalities = [n for n in person.nationalities.all() if n.valid_to is None]
    nationalities.sort(key=lambda n: n.pk)
    return identity_build(
        family_name=person.family_name,
        given_names=person.given_names,
        patronymic=person.patronymic,
        sex=person.sex,
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        birth_day=person.birth_day,
        nationality=nationalities[0].country_id if nationalities else "",
        documents=[
            (d.issuing_state_id, d.number)
            for d in person.documents.all()
            if d.status == DocumentStatus.VALID
        ],
        other_names=[(n.family_name, n.given_names, n.patronymic) for n in person.names.all()],
    )


def script_keys(identity: scoring.Identity) -> frozenset[str]:
    """Keys of the spellings the normaliser cannot romanise (Chinese characters, Bengali,
    Devanagari): the written form itself, so that a query typed in that script still
    finds the person. "x:" family and given names order-free, "xy:" family + birth year.
    """
    keys: set[str] = set()
    names = ((identity.family_name, identity.given_names, identity.patronymic),)
    for family, given, _patronymic in names + identity.other_names:
        fam = unicodedata.normalize("NFC", " ".join(family.split())).upper()
        if not fam or romanise(fam):
            continue
        giv = unicodedata.normalize("NFC", " ".join(given.split())).upper()
        keys.add("x:" + "|".join(sorted(n for n in (fam, giv) if n)))
        if identity.birth_year:
            keys.add(f"xy:{fam}:{identity.birth_year}")
    return frozenset(k[:80] for k in keys)


# Given names per spelling that make "gy:" keys (third and later are rarely recorded).
_GIVEN_FOR_KEYS = 2


def given_year_keys(identity: scoring.Identity) -> frozenset[str]:
    """ "gy:<given name key>:<birth year>": finds a person whose family name was mistyped
    when only the birth year (or year and month) is known. The blocking keys cover a
    mistyped family name only with a full birth date (their "gd:" key)."""
    if not identity.birth_year:
        return frozenset()
    keys: set[str] = set()
    names = ((identity.family_name, identity.given_names, identity.patronymic),)
    for family, given, patronymic in names + identity.other_names:
        parsed = parse_name(family, given, patronymic)
        for token in parsed.given[:_GIVEN_FOR_KEYS]:
            key = token_key(token)
            if key:
                keys.add(f"gy:{key}:{identity.birth_year}"[:80])
    return frozenset(keys)


def search_keys(identity: scoring.Identity) -> frozenset[str]:
    """Keys person search looks up besides the scorer's blocking keys."""
    return script_keys(identity) | given_year_keys(identity)


def person_keys(identity: scoring.Identity) -> frozenset[str]:
    """What NameKey holds: the scorer's blocking keys and the search keys."""
    return scoring.blocking_keys(scoring.prepare(identity)) | search_keys(identity)


# --- bulk reads: plain tuples, no model instances (a rebuild reads millions of rows) ---

_PERSON_VALUES = (
    "id",
    "family_name",
    "given_names",
    "patronymic",
    "sex",
    "birth_year",
    "birth_month",
    "birth_day",
    "status",
    "personal_number",
)


def identities_load(
    person_ids: Sequence[uuid.UUID], *, include_merged: bool = False
) -> dict[uuid.UUID, tuple[dict[str, Any], scoring.Identity]]:
    """{person id: (person's values, Identity)} for `person_ids`, read as plain values,
    not model instances (search loads a few hundred per query, a rebuild millions):
    one round trip on PostgreSQL, four queries elsewhere. Merged persons are left out
    unless asked for."""
    if not person_ids:
        return {}
    if connection.vendor == "postgresql":
        return _identities_load_postgresql(person_ids, include_merged)
    qs = Person.objects.filter(pk__in=person_ids)
    if not include_merged:
        qs = qs.exclude(status=PersonStatus.MERGED)
    rows = {r["id"]: r for r in qs.values(*_PERSON_VALUES)}
    if not rows:
        return {}
    ids = list(rows)
    names: dict[uuid.UUID, list[NameTriple]] = defaultdict(list)
    for pid, fam, giv, pat in PersonName.objects.filter(person_id__in=ids).values_list(
        "person_id", "family_name", "given_names", "patronymic"
    ):
        names[pid].append((fam, giv, pat))
    docs: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    for pid, state, number in IdentityDocument.objects.filter(
        person_id__in=ids, status=DocumentStatus.VALID
    ).values_list("person_id", "issuing_state_id", "number"):
        docs[pid].append((state, number))
    nats: dict[uuid.UUID, list[str]] = defaultdict(list)
    for pid, country in (
        Nationality.objects.filter(person_id__in=ids, valid_to__isnull=True)
        .order_by("id")
        .values_list("person_id", "country_id")
    ):
        nats[pid].append(country)
    return {
        pid: _loaded(r, names.get(pid, []), docs.get(pid, []), nats.get(pid, []))
        for pid, r in rows.items()
    }


# The person with their spellings, valid documents and current nationalities as arrays,
# in the orders the models declare (so both paths build equal identities).
_LOAD_SQL = """
SELECT p.id, p.family_name, p.given_names, p.patronymic, p.sex, p.birth_year,
       p.birth_month, p.birth_day, p.status, p.personal_number,
       ARRAY(SELECT ARRAY[n.family_name, n.given_names, n.patronymic]
             FROM registry_personname n WHERE n.person_id = p.id ORDER BY n.script, n.id),
       ARRAY(SELECT ARRAY[d.issuing_state_id, d.number]
             FROM registry_identitydocument d
             WHERE d.person_id = p.id AND d.status = %s
             ORDER BY d.expiry_date DESC, d.id),
       ARRAY(SELECT c.country_id FROM registry_nationality c
             WHERE c.person_id = p.id AND c.valid_to IS NULL ORDER BY c.id)
FROM registry_person p
WHERE p.id = ANY(%s) AND (%s OR p.status <> %s)
"""


def _identities_load_postgresql(
    person_ids: Sequence[uuid.UUID], include_merged: bool
) -> dict[uuid.UUID, tuple[dict[str, Any], scoring.Identity]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _LOAD_SQL,
            [
                DocumentStatus.VALID.value,
                [uuid.UUID(str(p)) for p in person_ids],
                include_merged,
                PersonStatus.MERGED.value,
            ],
        )
        fetched = cursor.fetchall()
    out = {}
    for row in fetched:
        values = dict(zip(_PERSON_VALUES, row[:10], strict=True))
        out[row[0]] = _loaded(
            values,
            [(n[0], n[1], n[2]) for n in row[10]],
            [(d[0], d[1]) for d in row[11]],
            list(row[12]),
        )
    return out


def _loaded(
    r: dict[str, Any],
    names: Sequence[NameTriple],
    docs: Sequence[tuple[str, str]],
    nationalities: list[str],
) -> tuple[dict[str, Any], scoring.Identity]:
    r["nationalities"] = nationalities
    return r, identity_build(
        family_name=r["family_name"],
        given_names=r["given_names"],
        patronymic=r["patronymic"],
        sex=r["sex"],
        birth_year=r["birth_year"],
        birth_month=r["birth_month"],
        birth_day=r["birth_day"],
        nationality=nationalities[0] if nationalities else "",
        documents=docs,
        other_names=names,
    )


def _insert(rows: list[tuple[uuid.UUID, str]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:  # psycopg2 has no cursor.copy()
            pass
        else:
            # COPY: about ten times faster than INSERT for the millions of a rebuild.
            connection.ensure_connection()
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(
                    f"COPY {NameKey._meta.db_table} (person_id, key) FROM STDIN"
                ) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
    NameKey.objects.bulk_create(
        [NameKey(person_id=pid, key=key) for pid, key in rows], batch_size=2000
    )


def namekey_rows(person_id: uuid.UUID, identity: scoring.Identity) -> list[tuple[uuid.UUID, str]]:
    """(person id, key) rows for a bulk insert of a new person's keys (demo data)."""
    return [(person_id, k) for k in sorted(person_keys(identity))]


def namekeys_insert(rows: list[tuple[uuid.UUID, str]]) -> int:
    """Insert key rows of persons that have none yet (bulk generators)."""
    _insert(rows)
    return len(rows)


@transaction.atomic
def namekeys_refresh(person_ids: Iterable[uuid.UUID | str]) -> None:
    """Replace the keys of these persons by the keys of their current names, birth date
    and documents. Merged persons keep no keys: they must not take candidate slots."""
    ids = list(dict.fromkeys(uuid.UUID(str(p)) for p in person_ids))
    if not ids:
        return
    loaded = identities_load(ids)
    NameKey.objects.filter(person_id__in=ids).delete()
    _insert([row for pid, (_values, ident) in loaded.items() for row in namekey_rows(pid, ident)])


def namekeys_rebuild_all(
    batch: int = 5000, progress: Callable[[int, int], None] | None = None
) -> dict[str, float]:
    """Recompute every person's keys: the table is emptied and refilled batch by batch
    (persons in id order, keyset pagination), in one transaction: searches meanwhile
    wait (PostgreSQL: TRUNCATE locks the table) or see the old keys, never half of them.
    `progress(done, total)` after each batch. Returns {"persons", "keys", "seconds"}."""
    if batch < 1:
        raise ValueError("batch must be positive")
    started = time.perf_counter()
    total = Person.objects.exclude(status=PersonStatus.MERGED).count()
    done = keys = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Check foreign keys row by row, not millions queued until commit; and
                # TRUNCATE refuses to run while deferred checks are pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {NameKey._meta.db_table}")
        else:
            NameKey.objects.all().delete()
        last: uuid.UUID | None = None
        while True:
            qs = Person.objects.exclude(status=PersonStatus.MERGED).order_by("id")
            if last is not None:
                qs = qs.filter(id__gt=last)
            ids = list(qs.values_list("id", flat=True)[:batch])
            if not ids:
                break
            last = ids[-1]
            loaded = identities_load(ids)
            rows = [r for pid, (_v, ident) in loaded.items() for r in namekey_rows(pid, ident)]
            _insert(rows)
            done += len(ids)
            keys += len(rows)
            if progress is not None:
                progress(done, total)
    namekeys_vacuum()
    return {"persons": done, "keys": keys, "seconds": time.perf_counter() - started}


def namekeys_vacuum() -> None:
    """After a bulk write of keys: fresh statistics, and (outside a transaction) the
    visibility map that lets searches read person ids from the index alone. Autovacuum
    gets there later; until then every key row read also reads a heap page."""
    if connection.vendor != "postgresql":
        return
    table = NameKey._meta.db_table
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # VACUUM cannot run in a transaction
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
