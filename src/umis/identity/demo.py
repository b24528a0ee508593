"""Demo duplicates: a few registry persons recorded a second time the way another source
would have written them, then the duplicate sweep, so that the demo's review queue
(back office → Identity → Review queue) has pairs to compare, merge or dismiss.

Each planted record goes through `registry.services.person_create` (audited, name keys
refreshed) as an officer registering someone already known under another spelling:
Russian passport spellings (ICAO from the Cyrillic name), swapped name fields, a typo,
or the day and month of birth swapped. Run once: an audit entry marks it done.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction

DEMO_DUPLICATES = 8
_MARKER = "identity.demo_duplicates"


@dataclass(frozen=True)
class DemoDuplicatesResult:
    planted: int
    pairs_created: int
    seconds: float

    def line(self) -> str:
        return (
            f"Identity: {self.planted} persons recorded twice under other spellings; "
            f"{self.pairs_created} pairs in the review queue ({self.seconds:.1f} s)"
        )


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two neighbours swapped


def _variant(person: Any, kind: str, rng: random.Random) -> dict[str, Any]:
    """The person's fields as another source wrote them."""
    from umis.identity.normalise import romanise

    family, given = person.family_name, person.given_names
    birth = (person.birth_year, person.birth_month, person.birth_day)
    if kind == "russian_passport":
        cyrillic = next((n for n in person.names.all() if n.script == "Cyrl"), None)
        if cyrillic is not None:
            family, given = romanise(cyrillic.family_name), romanise(cyrillic.given_names)
    elif kind == "swapped_fields":
        family, given = given.split()[0] if given else family, family
    elif kind == "typo":
        family = _typo(family, rng)
    elif kind == "day_month_swapped" and birth[2] and birth[2] <= 12 and birth[1] != birth[2]:
        birth = (birth[0], birth[2], birth[1])
    return {"family": family.title(), "given": given.title(), "birth": birth}


def demo_duplicates_ensure(
    *, count: int = DEMO_DUPLICATES, seed: int = 20261123
) -> DemoDuplicatesResult | None:
    """Plant `count` duplicate persons and run the sweep, once (None when already done or
    the registry has too few persons). Needs the demo accounts (`demo_users_ensure`)."""
    from umis.core.audit import audit_record
    from umis.core.constants import AuditAction
    from umis.core.models import AuditEntry, User
    from umis.identity.models import DuplicateCandidate
    from umis.identity.tasks import duplicates_sweep
    from umis.registry import services
    from umis.registry.constants import PersonStatus
    from umis.registry.models import Person

    if AuditEntry.objects.filter(object_type=_MARKER).exists():
        return None
    candidates = list(
        Person.objects.filter(
            status=PersonStatus.ACTIVE, birth_month__isnull=False, birth_day__isnull=False
        )
        .exclude(given_names="")
        .prefetch_related("names", "nationalities")
        .order_by("personal_number")[: 50 * count]
    )
    if len(candidates) < 2 * count:
        return None
    started = time.perf_counter()
    rng = random.Random(seed)
    chosen = rng.sample(candidates, count)
    officer = User.objects.get(username="officer")
    kinds = ("russian_passport", "swapped_fields", "typo", "day_month_swapped")
    with transaction.atomic():
        for i, person in enumerate(chosen):
            v = _variant(person, kinds[i % len(kinds)], rng)
            year, month, day = v["birth"]
            services.person_create(
                actor=officer,
                data=services.PersonData(
                    family_name=v["family"],
                    given_names=v["given"],
                    sex=person.sex,
                    birth_date=f"{year:04d}-{month:02d}-{day:02d}",
                    nationalities=[
                        services.NationalityData(country=n.country_id)
                        for n in person.nationalities.all()
                        if n.valid_to is None
                    ][:1],
                ),
            )
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            object_type=_MARKER,
            changes={"persons": [None, count]},
            purpose="demo data",
        )
    before = DuplicateCandidate.objects.count()
    duplicates_sweep(workers=1)
    return DemoDuplicatesResult(
        planted=count,
        pairs_created=DuplicateCandidate.objects.count() - before,
        seconds=time.perf_counter() - started,
    )
