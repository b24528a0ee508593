"""Demo cases for `umis setup_demo`: a handful of applications in every stage, opened and
moved through the real services by the demo officer and supervisor, so that the work
queue, the deadline page and the verification page have something to show."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction

DEMO_SEED = 0
PDF = b"%PDF-1.4\n% UMIS demo document\n"

# Where each demo case stops: the actions fired after submission, in order.
STAGES: tuple[tuple[str, ...], ...] = (
    (),
    ("start_review",),
    ("start_review", "request_documents"),
    ("pay", "upload", "start_review", "propose_approval"),
    ("pay", "upload", "start_review", "propose_approval", "confirm_approval"),
    ("pay", "upload", "start_review", "propose_approval", "confirm_approval", "issue"),
    ("start_review", "propose_refusal"),
    ("pay", "upload", "start_review", "propose_approval", "confirm_approval", "issue"),
)


@dataclass(frozen=True)
class DemoCasesResult:
    cases: int
    issued: int

    def line(self) -> str:
        return f"Demo cases: {self.cases} applications ({self.issued} with an issued card)"


def demo_cases_ensure(*, seed: int = DEMO_SEED) -> DemoCasesResult | None:
    """Open the demo cases when there is no case yet (None when there was nothing to
    do). Persons whose data do not meet a rule (e.g. a passport ending too soon) are
    skipped, as an officer would refuse them at the counter."""
    from umis.cases.models import Case
    from umis.cases.services import Upload
    from umis.core.errors import ApplicationError
    from umis.core.models import User
    from umis.core.policy import get_policy
    from umis.permits.models import Permit
    from umis.permits.services import ApplicationIn, application_submit
    from umis.registry.models import Person

    if Case.objects.exists():
        return None
    officer = User.objects.filter(username="officer").first()
    supervisor = User.objects.filter(username="supervisor").first()
    if officer is None or supervisor is None or not Person.objects.exists():
        return None
    pack = get_policy()
    documents = [d.code for d in pack.service("trp").required_documents if not d.optional]
    grounds = [str(g["code"]) for g in pack.value("trp.grounds")]
    rng = random.Random(f"{seed}-demo-cases")
    candidates = list(
        Person.objects.filter(documents__document_type__code="passport", status="active")
        .order_by("personal_number")
        .values_list("pk", flat=True)
        .distinct()[:200]
    )
    rng.shuffle(candidates)
    opened = issued = 0
    stages = iter(STAGES)
    stage = next(stages)
    for person_id in candidates:
        try:
            with transaction.atomic():
                case = application_submit(
                    actor=officer,
                    data=ApplicationIn(
                        service="trp",
                        person_id=person_id,
                        fee_tier="standard_adult",
                        variant="1y",
                        ground=rng.choice([g for g in grounds if g != "full_time_student"]),
                        language="az",
                    ),
                )
                _play(case, stage, officer, supervisor, documents, Upload)
        except ApplicationError:
            continue
        opened += 1
        issued += Permit.objects.filter(case=case).exists()
        stage = next(stages, None)  # type: ignore[arg-type]
        if stage is None:
            break
    return DemoCasesResult(opened, issued)


def _play(
    case: Any,
    stage: tuple[str, ...],
    officer: Any,
    supervisor: Any,
    documents: list[str],
    upload: Any,
) -> None:
    import uuid

    from umis.cases.services import case_document_add, case_transition, payment_record

    for step in stage:
        case.refresh_from_db()
        if step == "pay":
            for order in case.payment_orders.filter(status="due"):
                payment_record(
                    actor=officer, order_id=order.pk, receipt_number=f"DEMO-{order.number[-8:]}"
                )
        elif step == "upload":
            for code in documents:
                case_document_add(
                    actor=officer, case_id=case.pk, upload=upload(code, f"{code}.pdf", PDF)
                )
        else:
            actor = supervisor if step.startswith("confirm") else (case.assignee or officer)
            case_transition(
                actor=actor,
                case_id=case.pk,
                action=step,
                expected_version=case.version,
                idempotency_key=f"demo-{step}-{uuid.uuid4().hex}",
                grounds=["insufficient_means"] if step == "propose_refusal" else (),
                note="Bring the original of the dwelling document."
                if step == "request_documents"
                else "",
            )
