"""`umis setup_demo`: the demo population gets border events, stay rights, watch-list
entries, registrations and sweep findings, once; the audit chain stays intact."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from umis.border.constants import LinkMethod
from umis.border.models import BorderEvent, EntryBan, InvalidDocument
from umis.border.selectors import persons_in_country
from umis.core.audit import audit_verify
from umis.core.demo_users import DEMO_EMPLOYER
from umis.core.models import AuditEntry, User
from umis.identity.demo import DEMO_DUPLICATES
from umis.identity.models import DuplicateCandidate
from umis.registry.models import Nationality, OrganisationMember, Person
from umis.stays.constants import ViolationType
from umis.stays.models import Registration, Violation, Visa
from umis.stays.selectors import stay_status

pytestmark = pytest.mark.django_db

PERSONS = 300


def _setup_demo() -> str:
    out = io.StringIO()
    call_command("setup_demo", persons=PERSONS, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _counts() -> dict[str, int]:
    models: list[Any] = [
        Person,
        BorderEvent,
        Visa,
        EntryBan,
        InvalidDocument,
        Registration,
        Violation,
        AuditEntry,
    ]
    return {m.__name__: m.objects.count() for m in models}


def test_setup_demo_adds_border_and_stay_data_once(reference: None) -> None:
    output = _setup_demo()
    assert "Demo border data:" in output
    # The portal demo accounts are printed (no second factor) and exist.
    lines = {line.split()[0]: line for line in output.splitlines() if line.startswith("  ")}
    assert "no second factor" in lines["foreigner"] and "TOTP" not in lines["foreigner"]
    assert DEMO_EMPLOYER.organisation_voen in lines["employer"]
    assert User.objects.filter(username__in=["foreigner", "employer"], role="").count() == 2
    assert OrganisationMember.objects.get(
        user__username="employer", is_active=True
    ).organisation.is_employer
    today = timezone.localdate()

    # About ten realistic events per person, linked by document, received after they
    # happened (a delivery delay, not the moment of the load).
    assert BorderEvent.objects.count() == PERSONS * 10
    assert not BorderEvent.objects.filter(person__isnull=True).exists()
    assert set(BorderEvent.objects.values_list("link_method", flat=True)) == {
        LinkMethod.DOCUMENT.value
    }
    assert not BorderEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    delays = [r - o for o, r in BorderEvent.objects.values_list("occurred_at", "received_at")]
    assert all(dt.timedelta(0) <= d <= dt.timedelta(hours=6) for d in delays)
    assert len({d for d in delays}) > len(delays) // 2  # not one load timestamp

    inside = persons_in_country()
    assert 0 < len(inside) < PERSONS // 2
    bases: list[str] = []
    for pid in inside:
        nationalities = list(
            Nationality.objects.filter(person_id=pid, valid_to__isnull=True).values_list(
                "country_id", flat=True
            )
        )
        bases.append(stay_status(person_id=pid, nationalities=nationalities, on=today).basis)
    assert "visa" in bases and "visa_free_rolling" in bases
    assert Visa.objects.filter(kind="e_visa").exists() and Visa.objects.filter(kind="visa").exists()
    # Some visas ended during the current stay: overstays on a visa.
    overstays = Violation.objects.filter(type=ViolationType.OVERSTAY)
    assert any(v.facts.get("basis") == "visa" for v in overstays)
    assert Violation.objects.filter(type=ViolationType.UNREGISTERED_STAY).exists()

    assert EntryBan.objects.filter(person__isnull=False).count() >= 1
    assert InvalidDocument.objects.exists()
    # The demo hotel registered some guests in the country, linked to existing persons.
    registrations = Registration.objects.select_related("host")
    assert registrations.exists()
    assert {r.host.tax_number for r in registrations if r.host} == {"9900000141"}
    assert {r.person_id for r in registrations} <= set(inside)
    # A few persons recorded twice under other spellings: the review queue has them.
    assert Person.objects.count() == PERSONS + DEMO_DUPLICATES
    assert "Identity:" in output
    planted = AuditEntry.objects.filter(
        object_type="registry.person", action="create", actor__username="officer"
    ).values_list("object_id", flat=True)
    queued = {
        str(pid)
        for pair in DuplicateCandidate.objects.filter(status="open")
        for pid in (pair.person_a_id, pair.person_b_id)
    }
    assert len(set(planted) & queued) >= DEMO_DUPLICATES - 1, (list(planted), queued)

    assert audit_verify().ok
    assert AuditEntry.objects.filter(object_type="border.demo_events").count() == 1
    assert AuditEntry.objects.filter(object_type="stays.visa").count() == Visa.objects.count()

    before = _counts()
    users = set(User.objects.values_list("pk", flat=True))
    again = _setup_demo()
    assert "Demo border data:" not in again
    assert "foreigner" in again and "employer" in again  # printed on every run
    assert _counts() == before  # no audit entry either: nothing was repaired
    assert set(User.objects.values_list("pk", flat=True)) == users
    assert audit_verify().ok


def test_setup_demo_leaves_existing_border_events_alone(reference: None) -> None:
    from umis.border.demo import demo_border_data_ensure, load_events

    call_command("demo_data", persons=40, stdout=io.StringIO(), stderr=io.StringIO())
    load_events(50, seed=7, prefix="BENCH")
    _setup_demo()
    assert BorderEvent.objects.count() == 50
    assert not Visa.objects.exists() and not Violation.objects.exists()
    assert demo_border_data_ensure() is None


def test_setup_demo_opens_cases_in_every_stage_once(
    reference: None, settings: Any, tmp_path: Any
) -> None:
    from umis.cases.models import Case
    from umis.permits.models import IssuedDocument
    from umis.permits.selectors import verify

    settings.UMIS_SIGNING_KEY_DIR = tmp_path
    output = _setup_demo()
    assert "Demo cases:" in output
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {
        "submitted",
        "in_review",
        "awaiting_documents",
        "proposed_approval",
        "issued",
    } <= statuses
    assert set(Case.objects.values_list("assignee__username", flat=True)) == {"officer"}
    card = IssuedDocument.objects.first()
    assert card is not None and verify(card.token).status == "valid"
    cases = Case.objects.count()
    _setup_demo()
    assert Case.objects.count() == cases
