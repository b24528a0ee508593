"""The registry duplicate sweep: the batch engine of `umis identity dedupe` over every
person not merged, proposing the pairs it finds as `DuplicateCandidate`s (origin
"sweep") for officers to review. Scheduled daily (settings.UMIS_PERIODIC_TASKS) and run
inline by `umis identity sweep`.

Idempotent: a pair is stored once (person_a < person_b); a re-run refreshes the score and
evidence of open pairs, never touches a decided one (merged or dismissed) and adds no
duplicates."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from typing import Any

from django.db import connections, transaction
from django_tasks import task

from umis.identity import scoring
from umis.identity.dedupe import Record, conflict, dedupe
from umis.identity.keys import identities_load
from umis.identity.models import CandidateOrigin, CandidateStatus, DuplicateCandidate
from umis.registry.constants import DocumentStatus, PersonStatus
from umis.registry.models import IdentityDocument, Person

_BATCH = 5000


def _registry_records() -> list[Record]:
    """Every person not merged, in id order, read in batches (keyset pagination)."""
    records: list[Record] = []
    last: uuid.UUID | None = None
    while True:
        qs = Person.objects.exclude(status=PersonStatus.MERGED).order_by("id")
        if last is not None:
            qs = qs.filter(id__gt=last)
        ids = list(qs.values_list("id", flat=True)[:_BATCH])
        if not ids:
            return records
        last = ids[-1]
        docs: dict[uuid.UUID, list[tuple[str, str, str]]] = defaultdict(list)
        for pid, dtype, state, number in IdentityDocument.objects.filter(
            person_id__in=ids, status=DocumentStatus.VALID
        ).values_list("person_id", "document_type_id", "issuing_state_id", "number"):
            docs[pid].append((dtype, state, number))
        for pid, (_values, ident) in sorted(identities_load(ids).items()):
            records.append(
                Record(
                    record_id=str(pid),
                    family_name=ident.family_name,
                    given_names=ident.given_names,
                    sex=ident.sex,
                    birth_year=ident.birth_year,
                    birth_month=ident.birth_month,
                    birth_day=ident.birth_day,
                    documents=tuple(docs.get(pid, ())),
                    preset=ident,
                )
            )


def duplicates_sweep(*, workers: int | None = None) -> dict[str, Any]:
    """Run the sweep; returns counts (persons, pairs found, created, refreshed, kept as
    decided) and the seconds taken."""
    started = time.perf_counter()
    records = _registry_records()
    # Forked scoring workers must not inherit an open database connection (they never
    # use it, but a connection shared across processes is one accident away from
    # corruption). Inside a transaction (a test) it must stay open.
    if not any(c.in_atomic_block for c in connections.all()):
        connections.close_all()
    result = dedupe(records, workers=workers)
    link = scoring.dedupe_link_at()
    found: dict[tuple[uuid.UUID, uuid.UUID], tuple[float, list[dict[str, Any]]]] = {}
    for pair in result.pairs:
        ra, rb = records[pair.a], records[pair.b]
        pa, pb = scoring.prepare(ra.identity()), scoring.prepare(rb.identity())
        # Twins and generations the engine refused to join are not duplicates to review.
        if pair.probability >= link and conflict(ra, rb, pa, pb):
            continue
        a, b = sorted((uuid.UUID(ra.record_id), uuid.UUID(rb.record_id)))
        scored = scoring.compare(pa, pb)
        found[(a, b)] = (scored.probability, scoring.evidence_summary(scored.evidence))
    created = refreshed = decided = 0
    with transaction.atomic():
        existing = {
            (row["person_a_id"], row["person_b_id"]): row
            for row in DuplicateCandidate.objects.filter(
                person_a_id__in={a for a, _ in found}
            ).values("id", "person_a_id", "person_b_id", "status", "score", "evidence")
            if (row["person_a_id"], row["person_b_id"]) in found
        }
        new: list[DuplicateCandidate] = []
        for (a, b), (score, evidence) in sorted(found.items()):
            row = existing.get((a, b))
            if row is None:
                new.append(
                    DuplicateCandidate(
                        person_a_id=a,
                        person_b_id=b,
                        score=score,
                        evidence=evidence,
                        origin=CandidateOrigin.SWEEP,
                    )
                )
            elif row["status"] != CandidateStatus.OPEN:
                decided += 1
            elif row["score"] != score or row["evidence"] != evidence:
                DuplicateCandidate.objects.filter(pk=row["id"]).update(
                    score=score, evidence=evidence
                )
                refreshed += 1
        # ignore_conflicts: a pair proposed meanwhile by online matching stays as it is.
        DuplicateCandidate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        created = len(new)
    return {
        "persons": len(records),
        "pairs": len(found),
        "created": created,
        "refreshed": refreshed,
        "decided": decided,
        "seconds": round(time.perf_counter() - started, 2),
    }


@task()
def propose_duplicates() -> dict[str, Any]:
    """Nightly: propose duplicate registry persons for review (idempotent)."""
    return duplicates_sweep()
