"""Person search on name keys (issue #5): recall@10 and latency of
`identity.search.person_search` on the registry in the current database, against the
search it replaces (the folded `name_key` prefix + birth-date filter of
`registry.selectors.person_search`) on the same queries in the same run.

Queries are made from known persons (a seeded sample) the way officers type them: the
name as another source wrote it (another script from the person's PersonName rows, a
hotel's or tax registry's Latin spelling), fields swapped, a typo, and the birth date
in full, as DD.MM.YYYY, or only its year and month or year; a few by document number.
The person searched for must be among the first ten results.

Both searches run as an officer would (permission check and audit record included).
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

QUERIES = 1000
TOP = 10


@dataclass
class SearchBenchResult:
    vendor: str
    persons: int
    namekeys: int
    rebuild_seconds: float | None
    queries: int
    recall: float
    p50_ms: float
    p95_ms: float
    baseline_recall: float
    baseline_p50_ms: float
    baseline_p95_ms: float
    misses: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.p95_ms / self.baseline_p95_ms if self.baseline_p95_ms else 0.0

    def line(self) -> str:
        rebuild = f"; keys rebuilt in {self.rebuild_seconds:.1f} s" if self.rebuild_seconds else ""
        kinds = ", ".join(f"{k} {ok}/{n}" for k, (ok, n) in sorted(self.by_kind.items()))
        return (
            f"{self.vendor}: {self.persons:,} persons, {self.namekeys:,} name keys{rebuild}; "
            f"{self.queries:,} queries: recall@{TOP} {self.recall:.4f}, "
            f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms; baseline (name_key prefix) "
            f"recall@{TOP} {self.baseline_recall:.4f}, p50 {self.baseline_p50_ms:.1f} ms, "
            f"p95 {self.baseline_p95_ms:.1f} ms; p95 ratio {self.ratio:.2f}x; by kind: {kinds}"
        )


@dataclass(frozen=True)
class Query:
    person_id: uuid.UUID
    kind: str
    name: str = ""
    birth_date: str = ""
    document: str = ""
    latin: str = ""  # the person's own Latin "FAMILY GIVEN" (the baseline's best chance)


def _actor() -> Any:
    from umis.core.constants import Role
    from umis.core.models import Office, User

    office = Office.objects.filter(is_active=True).order_by("code").first()
    user, _created = User.objects.get_or_create(
        username="bench_search_officer", defaults={"role": Role.OFFICER, "office": office}
    )
    return user


def _sample_ids(count: int, rng: random.Random) -> list[uuid.UUID]:
    from umis.registry.models import Person

    total = Person.objects.count()
    if connection.vendor == "postgresql" and total > 20 * count:
        # A random sample without sorting a million rows: TABLESAMPLE, then trim.
        percent = min(100.0, 100.0 * 4 * count / total)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM registry_person TABLESAMPLE BERNOULLI (%s) REPEATABLE (%s)"
                " WHERE status <> 'merged'",
                [percent, rng.randrange(1 << 30)],
            )
            ids = [row[0] for row in cursor.fetchall()]
    else:
        ids = list(Person.objects.exclude(status="merged").values_list("id", flat=True))
    ids.sort(key=str)
    rng.shuffle(ids)
    return [i if isinstance(i, uuid.UUID) else uuid.UUID(str(i)) for i in ids[:count]]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("swap", "drop", "double"))
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _date(values: dict[str, Any], rng: random.Random) -> str:
    y, m, d = values["birth_year"], values["birth_month"], values["birth_day"]
    form = rng.choice(("full", "dotted", "year_month", "year"))
    if form in ("full", "dotted") and m and d:
        return f"{d:02d}.{m:02d}.{y:04d}" if form == "dotted" else f"{y:04d}-{m:02d}-{d:02d}"
    if form == "year_month" and m:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}"


def make_queries(count: int = QUERIES, *, seed: int = 0) -> list[Query]:
    """`count` labelled queries from a seeded sample of the registry."""
    from umis.identity.keys import identities_load
    from umis.registry.models import IdentityDocument, PersonName

    rng = random.Random(seed)
    ids = _sample_ids(count, rng)
    loaded = identities_load(ids)
    spellings: dict[uuid.UUID, list[tuple[str, str, str]]] = {}
    for pid, script, fam, giv in PersonName.objects.filter(person_id__in=ids).values_list(
        "person_id", "script", "family_name", "given_names"
    ):
        spellings.setdefault(pid, []).append((script, fam, giv))
    documents = dict(
        IdentityDocument.objects.filter(person_id__in=ids).values_list("person_id", "number")
    )
    queries: list[Query] = []
    for pid in ids:
        if pid not in loaded:
            continue
        values, _identity = loaded[pid]
        family, given = values["family_name"], values["given_names"]
        latin = f"{family} {given}".strip()
        own = spellings.get(pid, [])
        other_script = [(f, g) for s, f, g in own if s != "Latn"]
        other_latin = [(f, g) for s, f, g in own if s == "Latn" and (f, g) != (family, given)]
        kind = rng.choices(
            ("other_script", "variant", "swapped", "typo", "exact", "document"),
            weights=(30, 25, 15, 15, 10, 5),
        )[0]
        if kind == "other_script" and not other_script:
            kind = "variant"
        if kind == "variant" and not other_latin:
            kind = "swapped"
        if kind == "document" and pid not in documents:
            kind = "exact"
        birth = _date(values, rng)
        if kind == "document":
            q = Query(pid, kind, document=documents[pid], latin=latin)
        elif kind == "other_script":
            f, g = rng.choice(other_script)
            q = Query(pid, kind, name=f"{f} {g}".strip(), birth_date=birth, latin=latin)
        elif kind == "variant":
            f, g = rng.choice(other_latin)
            q = Query(pid, kind, name=f"{f} {g}".strip(), birth_date=birth, latin=latin)
        elif kind == "swapped":
            q = Query(pid, kind, name=f"{given} {family}".strip(), birth_date=birth, latin=latin)
        elif kind == "typo":
            words = latin.split()
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
            q = Query(pid, kind, name=" ".join(words), birth_date=birth, latin=latin)
        else:
            q = Query(pid, kind, name=latin, birth_date=birth, latin=latin)
        queries.append(q)
    return queries[:count]


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _new(actor: Any, q: Query) -> list[uuid.UUID]:
    from umis.identity.search import person_search

    hits = person_search(
        actor=actor, name=q.name, birth_date=q.birth_date, document=q.document, limit=TOP
    )
    return [h.person_id for h in hits]


def _baseline(actor: Any, q: Query) -> list[uuid.UUID]:
    from umis.core.errors import ValidationFailed
    from umis.registry.selectors import PersonFilters, person_search

    birth = q.birth_date
    if "." in birth:  # the old search only reads ISO dates
        d, m, y = birth.split(".")
        birth = f"{y}-{m}-{d}"
    try:
        page = person_search(
            actor=actor,
            filters=PersonFilters(name=q.name, birth_date=birth, document_number=q.document),
            page_size=TOP,
        )
    except ValidationFailed:
        return []
    return [p.pk for p in page.items]


def _measure(actor: Any, queries: list[Query], fn: Any) -> tuple[list[bool], list[float]]:
    found, times = [], []
    for q in queries:
        start = time.perf_counter()
        ids = fn(actor, q)
        times.append((time.perf_counter() - start) * 1000)
        found.append(q.person_id in ids)
    return found, times


def run(*, queries: int = QUERIES, seed: int = 0, rebuild: bool = False) -> SearchBenchResult:
    """Measure on the persons already in the database (see bench/__main__.py)."""
    from umis.identity.keys import namekeys_rebuild_all, namekeys_vacuum
    from umis.identity.models import NameKey
    from umis.registry.models import Person

    rebuild_seconds = None
    if rebuild or not NameKey.objects.exists():
        rebuild_seconds = namekeys_rebuild_all()["seconds"]
    namekeys_vacuum()
    if connection.vendor == "postgresql":
        # Fresh statistics after the bulk load (autovacuum would get there later): with
        # the empty tables' estimates the planner JIT-compiles the candidate load.
        with connection.cursor() as cursor:
            for table in (
                "registry_person",
                "registry_personname",
                "registry_identitydocument",
                "registry_nationality",
            ):
                cursor.execute(f"ANALYZE {table}")
    actor = _actor()
    qs = make_queries(queries, seed=seed)
    # Warm-up (caches of the normaliser, the plan cache, the buffer pool), not measured.
    for q in qs[:50]:
        _new(actor, q)
        _baseline(actor, q)
    found, times = _measure(actor, qs, _new)
    base_found, base_times = _measure(actor, qs, _baseline)
    by_kind: dict[str, list[int]] = {}
    misses: Counter[str] = Counter()
    for q, ok in zip(qs, found, strict=True):
        slot = by_kind.setdefault(q.kind, [0, 0])
        slot[0] += ok
        slot[1] += 1
        if not ok:
            misses[q.kind] += 1
    return SearchBenchResult(
        vendor=connection.vendor,
        persons=Person.objects.count(),
        namekeys=NameKey.objects.count(),
        rebuild_seconds=rebuild_seconds,
        queries=len(qs),
        recall=sum(found) / len(qs) if qs else 0.0,
        p50_ms=statistics.median(times) if times else 0.0,
        p95_ms=_percentile(times, 95),
        baseline_recall=sum(base_found) / len(qs) if qs else 0.0,
        baseline_p50_ms=statistics.median(base_times) if base_times else 0.0,
        baseline_p95_ms=_percentile(base_times, 95),
        misses=misses,
        by_kind={k: (v[0], v[1]) for k, v in by_kind.items()},
    )


def missed(queries: list[Query], limit: int = 20) -> list[str]:
    """The queries person_search missed, for diagnosis (`python -m bench search -v`)."""
    actor = _actor()
    out = []
    for q in queries:
        if q.person_id not in _new(actor, q):
            out.append(f"{q.kind}: {q.name!r} {q.birth_date!r} {q.document!r} (is {q.latin!r})")
            if len(out) == limit:
                break
    return out
