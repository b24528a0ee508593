"""Ranked person search across scripts and spellings (ADR 0013, issue #5).

Candidates come from the name-key index (`identity.NameKey`, B-tree equality, a bounded
number of persons per key, one round trip for all keys), the document-number index and,
for queries without a name, the birth-date and nationality indexes. They are then ranked
by `scoring.compare` against the query as an Identity, so "Гусейнов Рашад", "RASHAD
HUSEYNOV" and "Hüseynov, Rəşad 1985" all find HUSEYNOV RASHAD. Online matching calls
`person_candidates`, the same path without the officer's query parsing and audit.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import FieldError, ValidationFailed
from umis.core.models import Country, User
from umis.core.permissions import Perm, require
from umis.identity import scoring
from umis.identity.keys import identities_load, script_keys, search_keys
from umis.identity.models import NameKey
from umis.registry import rules
from umis.registry.constants import PersonStatus
from umis.registry.models import IdentityDocument, Nationality, Person

MAX_LIMIT = 50
# Persons read per key: a key shared by more (t:MAMMADOV) is not selective and is only
# a fallback; the selective keys (family+given, family+year, given+date) are far smaller.
PER_KEY = 200
# Candidates loaded and scored per query (at least twice the results asked for), chosen
# by the keys they share with it. On 200,000 persons the one searched for was at most
# 24th by shared keys (99% within 13th); loading and scoring dominate the latency.
SCORE_AT_MOST = 60
# A candidate's pre-rank: how much a shared key of each kind says (before scoring).
_KEY_WEIGHT = {
    "d": 100.0,
    "fg": 10.0,
    "x": 10.0,
    "gd": 8.0,
    "fy": 6.0,
    "gy": 6.0,
    "xy": 6.0,
    "t": 1.0,
}
# Without a name or document: persons read from the birth-date / nationality indexes.
_FILTER_CANDIDATES = 200

# Persons' identities prepared once per process: searches for common names and repeated
# look-ups of one person meet the same candidates again (an Identity is hashable).
_prepare_candidate = lru_cache(maxsize=20_000)(scoring.prepare)

_DOTTED_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


@dataclass(frozen=True)
class SearchHit:
    """One ranked result: the match probability, what matched (field, level) and what an
    officer needs to recognise the person."""

    person_id: uuid.UUID
    score: float
    matched: list[dict[str, str]]
    personal_number: str = ""
    family_name: str = ""
    given_names: str = ""
    patronymic: str = ""
    sex: str = ""
    birth_date: str = ""
    nationalities: list[str] = field(default_factory=list)
    status: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.given_names, self.patronymic) if p)


@dataclass(frozen=True)
class _Query:
    identity: scoring.Identity  # what is scored
    key_identity: scoring.Identity  # what candidates are looked up by (+ swapped reading)
    document: str
    has_name: bool
    birth: rules.PartialDate | None
    nationality: str


# --- parsing what an officer typed ----------------------------------------------------


def parse_birth_date(raw: str) -> rules.PartialDate:
    """YYYY, YYYY-MM, YYYY-MM-DD, or DD.MM.YYYY / DD/MM/YYYY as typed from a document.
    Raises ValueError with the reason."""
    raw = raw.strip()
    dotted = _DOTTED_DATE.fullmatch(raw)
    if dotted:
        day, month, year = dotted.groups()
        raw = f"{year}-{int(month):02d}-{int(day):02d}"
    return rules.PartialDate.parse(raw)


def _split_name(name: str) -> tuple[str, str, tuple[tuple[str, str, str], ...]]:
    """(family, given, other readings) of a typed name. "FAMILY, GIVEN" is explicit;
    otherwise the first word is read as the family name and the last-word-first reading
    is added, so "RASHAD HUSEYNOV" finds HUSEYNOV RASHAD too (the scorer takes the best
    reading)."""
    if "," in name:
        family, _sep, given = name.partition(",")
        return family.strip(), " ".join(given.split()), ()
    words = name.split()
    if len(words) < 2:
        return (words[0] if words else ""), "", ()
    family, given = words[0], " ".join(words[1:])
    swapped = (words[-1], " ".join(words[:-1]), "")
    return family, given, (swapped,)


def _parse(name: str, birth_date: str, nationality: str, document: str, limit: int) -> _Query:
    errors: list[FieldError] = []
    name = " ".join((name or "").split())
    birth: rules.PartialDate | None = None
    if (birth_date or "").strip():
        try:
            birth = parse_birth_date(birth_date)
        except ValueError as exc:
            errors.append(
                FieldError(
                    "birth_date",
                    "invalid_date",
                    _("%(reason)s Use YYYY, YYYY-MM, YYYY-MM-DD or DD.MM.YYYY.") % {"reason": exc},
                )
            )
    code = (nationality or "").strip().upper()
    if code and (len(code) != 3 or not code.isalpha()):
        errors.append(
            FieldError(
                "nationality",
                "invalid",
                _("Use an ISO 3166-1 alpha-3 code such as RUS or XXA."),
            )
        )
    elif code and not Country.objects.filter(pk=code).exists():
        errors.append(
            FieldError(
                "nationality",
                "unknown_country",
                _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.") % {"code": code},
            )
        )
    number = rules.document_number_normalize(document)
    if number and (not number.isalnum() or len(number) > 30):
        errors.append(
            FieldError("document", "invalid", _("Use letters and digits only (at most 30)."))
        )
    if not 1 <= limit <= MAX_LIMIT:
        errors.append(
            FieldError(
                "limit",
                "out_of_range",
                _("Ask for 1 to %(max)s results.") % {"max": MAX_LIMIT},
            )
        )
    if not (name or birth_date.strip() or code or number) and not errors:
        errors.append(
            FieldError(
                "name",
                "required",
                _("Give at least one of: name, birth date, nationality, document number."),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    family, given, others = _split_name(name)
    identity = scoring.Identity(
        family_name=family,
        given_names=given,
        birth_year=birth.year if birth else None,
        birth_month=birth.month if birth else None,
        birth_day=birth.day if birth else None,
        nationality=code,
        documents=(("", number),) if number else (),
    )
    # The scorer tries both orientations itself; only the lookup needs the other one.
    return _Query(identity, replace(identity, other_names=others), number, bool(name), birth, code)


# --- candidates -------------------------------------------------------------------------


def _key_candidates(keys: Sequence[str]) -> dict[uuid.UUID, float]:
    """{person id: pre-rank} over the persons sharing any of `keys`, at most PER_KEY per
    key, in one round trip. A key that fills its quota says little and counts half."""
    if not keys:
        return {}
    table = connection.ops.quote_name(NameKey._meta.db_table)
    # Only the table name and constants are formatted in; the keys are parameters.
    parts = [
        f"SELECT * FROM (SELECT person_id, key FROM {table} WHERE key = %s LIMIT {PER_KEY})"  # noqa: S608
        f" AS k{i}"
        for i in range(len(keys))
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), list(keys))
        rows = cursor.fetchall()
    per_key: dict[str, int] = defaultdict(int)
    for _pid, key in rows:
        per_key[key] += 1
    rank: dict[uuid.UUID, float] = defaultdict(float)
    for pid, key in rows:
        w = _KEY_WEIGHT.get(key.split(":", 1)[0], 1.0)
        if per_key[key] >= PER_KEY:
            w /= 2
        rank[pid if isinstance(pid, uuid.UUID) else uuid.UUID(str(pid))] += w
    return rank


def _document_holders(number: str) -> list[uuid.UUID]:
    # Every document, not only valid ones: a lost passport's number still names its holder.
    return list(
        IdentityDocument.objects.filter(number=number)
        .values_list("person_id", flat=True)
        .distinct()[:20]
    )


def _filter_candidates(birth: rules.PartialDate | None, nationality: str) -> list[uuid.UUID]:
    """Persons by birth date and/or nationality (a query without a name or document)."""
    qs = Person.objects.exclude(status=PersonStatus.MERGED)
    if birth is not None:
        qs = qs.filter(birth_year=birth.year)
        if birth.month:
            qs = qs.filter(birth_month=birth.month)
            if birth.day:
                qs = qs.filter(birth_day=birth.day)
    if nationality:
        qs = qs.filter(
            pk__in=Nationality.objects.filter(country_id=nationality, valid_to__isnull=True).values(
                "person_id"
            )
        )
    return list(qs.order_by().values_list("id", flat=True)[:_FILTER_CANDIDATES])


def _rank(
    query: scoring.Prepared, candidate_ids: Sequence[uuid.UUID], limit: int
) -> list[tuple[uuid.UUID, scoring.Scored, dict[str, Any], scoring.Identity]]:
    loaded = identities_load(candidate_ids)
    scored = []
    for pid, (values, identity) in loaded.items():
        result = scoring.compare(query, _prepare_candidate(identity))
        scored.append((pid, result, values, identity))
    scored.sort(key=lambda item: (-item[1].weight, str(item[0])))
    return scored[:limit]


def _candidate_ids(
    identity: scoring.Identity, limit: int, extra: Sequence[uuid.UUID] = ()
) -> list[uuid.UUID]:
    keys = scoring.query_keys(scoring.prepare(identity))
    rank = _key_candidates([*keys, *sorted(search_keys(identity))])
    for pid in extra:
        rank[pid] = rank.get(pid, 0.0) + _KEY_WEIGHT["d"]
    ordered = sorted(rank.items(), key=lambda item: -item[1])
    return [pid for pid, _w in ordered[: max(SCORE_AT_MOST, 2 * limit)]]


def person_candidates(
    identity: scoring.Identity, limit: int = 50
) -> list[tuple[uuid.UUID, scoring.Scored]]:
    """The persons most like `identity`, best first, with their scores: what online
    matching decides on (link, review, new person). Merged persons are never returned.
    No permission check and no audit: the caller is an ingestion already authorised."""
    prepared = scoring.prepare(identity)
    ids = _candidate_ids(identity, limit)
    return [(pid, scored) for pid, scored, _v, _i in _rank(prepared, ids, limit)]


def person_search(
    *,
    name: str = "",
    birth_date: str = "",
    nationality: str = "",
    document: str = "",
    limit: int = 10,
    actor: User | None = None,
) -> list[SearchHit]:
    """Persons ranked by how well they match what an officer typed; any one criterion is
    enough. `name` is "FAMILY GIVEN" in any order and script; `birth_date` YYYY, YYYY-MM,
    YYYY-MM-DD or DD.MM.YYYY; `nationality` alpha-3; `document` a document number (exact
    after normalisation). Bad input raises ValidationFailed naming the field. With an
    `actor`, the permission is checked and the search audited (which kinds of criteria,
    which persons were shown — not the values typed)."""
    if actor is not None:
        require(actor, Perm.PERSON_SEARCH)
    q = _parse(name, birth_date, nationality, document, limit)
    prepared = scoring.prepare(q.identity)
    holders = _document_holders(q.document) if q.document else []
    if q.has_name:
        ids = _candidate_ids(q.key_identity, limit, holders)
    elif q.document:
        ids = holders
    else:
        ids = _filter_candidates(q.birth, q.nationality)
    # A name only in a script the normaliser cannot romanise (Chinese characters...) was
    # found by its written form (script keys): the scorer sees no name, we saw it equal.
    written_only = q.has_name and not prepared.spellings
    written = {k for k in script_keys(q.key_identity) if k.startswith("x:")}
    hits: list[SearchHit] = []
    for pid, scored, values, identity in _rank(prepared, ids, len(ids)):
        found_by_document = pid in holders
        same_writing = written_only and bool(written & script_keys(identity))
        if written_only:
            if not (found_by_document or same_writing):
                continue
        elif sum(e.weight for e in scored.evidence) <= 0 and not found_by_document:
            # The typed criteria disagree more than they agree (a shared surname with
            # another given name and birth year): noise, not shown.
            continue
        matched = [
            {"field": e.field, "level": e.level}
            for e in sorted(scored.evidence, key=lambda e: -e.weight)
        ]
        if same_writing:
            matched.insert(0, {"field": "names", "level": "exact"})
        if found_by_document and not any(m["field"] == "document" for m in matched):
            # A document no longer valid (lost, stolen) is not scored but was matched.
            matched.insert(0, {"field": "document", "level": "equal"})
        hits.append(_hit(pid, scored, matched, values))
        if len(hits) == limit:
            break
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.SEARCH,
            object_type="registry.person",
            changes={
                "filters": [
                    None,
                    sorted(
                        k
                        for k, v in (
                            ("name", name),
                            ("birth_date", birth_date),
                            ("nationality", nationality),
                            ("document", document),
                        )
                        if str(v).strip()
                    ),
                ],
                "shown": [None, [str(h.person_id) for h in hits]],
            },
        )
    return hits


def _hit(
    pid: uuid.UUID, scored: scoring.Scored, matched: list[dict[str, str]], v: dict[str, Any]
) -> SearchHit:
    birth = f"{v['birth_year']:04d}"
    if v["birth_month"]:
        birth += f"-{v['birth_month']:02d}"
        if v["birth_day"]:
            birth += f"-{v['birth_day']:02d}"
    return SearchHit(
        person_id=pid,
        score=round(scored.probability, 4),
        matched=matched,
        personal_number=v["personal_number"],
        family_name=v["family_name"],
        given_names=v["given_names"],
        patronymic=v["patronymic"],
        sex=v["sex"],
        birth_date=birth,
        nationalities=list(v.get("nationalities", [])),
        status=v["status"],
    )
