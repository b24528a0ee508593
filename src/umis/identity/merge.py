"""Merging two person records into one, and undoing it (ADR 0013, issue #5 part 5).

A merge folds the *absorbed* person into the *survivor*: every row of every app that
points at the absorbed person (names, documents, events, registrations, cases, permits,
...) is re-pointed at the survivor, and each change is recorded as a `MergeMove` (model,
row, field, old and new value). The absorbed person is kept with status ``merged``, so
the unmerge replays the moves backwards and restores exactly what was there.

Rules decided here (docs/identity-merge.md explains them to officers):

- Rows are found generically through the foreign keys to `Person`, so a new app's table
  is moved without changing this module. Derived tables are not moved but rebuilt
  (`NameKey`) or left to their sweep (`PersonStay`); the review tables
  (`DuplicateCandidate`, `PersonMerge`) are history and stay as they are.
- A row the survivor already holds in the same form (the same spelling of a name, a
  current nationality of the same country, a second current address, an active
  registration...) would break a unique constraint: it stays on the absorbed person and
  no move is recorded, which keeps the restore exact. The absorbed person's own Latin
  name becomes a name of the survivor (a created row, removed again by the unmerge).
- A merge touching a decision (a decided case or a permit of either person) waits for a
  supervisor who is not the requester (four eyes, like case decisions).
- Concurrency: both persons are locked in id order; a second request for a person that
  is merged or has a pending merge gets a 409, unless it is the same officer repeating
  the same request, who gets the merge they already made.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.cases.models import Case
from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from umis.core.models import User
from umis.core.permissions import Perm, require
from umis.identity import scoring
from umis.identity.keys import namekeys_refresh, person_identity
from umis.identity.models import (
    CandidateOrigin,
    CandidateStatus,
    DuplicateCandidate,
    MergeMove,
    MergeStatus,
    PersonMerge,
)
from umis.identity.services import duplicate_candidate_propose
from umis.permits.models import Permit
from umis.registry.constants import PersonStatus, Script
from umis.registry.models import Person, PersonName

# Tables that point at a person but are not moved: derived data (rebuilt after the merge
# or by its sweep) and the review history itself.
NOT_MOVED = frozenset(
    {
        "identity.NameKey",
        "identity.DuplicateCandidate",
        "identity.PersonMerge",
        "stays.PersonStay",
    }
)
# MergeMove.field of a row the merge created (the absorbed person's Latin name on the
# survivor): the unmerge deletes it.
CREATED = "*"
REASON_MAX = 2000


def _relations() -> list[Any]:
    """Every foreign key to Person whose rows a merge moves, in a stable order."""
    fields: list[Any] = []
    for rel in Person._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete) or rel.many_to_many:
            continue
        field = rel.field  # type: ignore[union-attr]
        if field.model._meta.label in NOT_MOVED or field.primary_key:
            continue
        fields.append(field)
    return sorted(fields, key=lambda f: (f.model._meta.label, f.name))


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


# --- validation and locking -----------------------------------------------------------


def _reason(value: str | None, field_name: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(
            [FieldError(field_name, "required", _("Give the reason; it is kept with the merge."))]
        )
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            [
                FieldError(
                    field_name,
                    "too_long",
                    _("At most %(n)d characters.") % {"n": REASON_MAX},
                )
            ]
        )
    return text


def _lock_persons(*ids: uuid.UUID | str) -> dict[str, Person]:
    """Lock the persons one by one in id order, so two merges of the same pair (in either
    direction) queue instead of deadlocking."""
    locked: dict[str, Person] = {}
    for pid in sorted({str(i) for i in ids}):
        person = Person.objects.select_for_update().filter(pk=pid).first()
        if person is not None:
            locked[pid] = person
    return locked


def _lock_merge(merge_id: uuid.UUID | str) -> PersonMerge:
    merge = PersonMerge.objects.select_for_update().filter(pk=merge_id).first()
    if merge is None:
        raise NotFound("Merge", _("Merge not found"))
    return merge


def has_decision(person_ids: Iterable[uuid.UUID | str]) -> bool:
    """Whether any of the persons has a decided case or a permit: merging them moves a
    decision to another record, which needs a supervisor's confirmation."""
    ids = list(person_ids)
    return (
        Case.objects.filter(person_id__in=ids, decided_at__isnull=False).exists()
        or Permit.objects.filter(person_id__in=ids).exists()
    )


def _audit(actor: User, action: AuditAction, merge: PersonMerge, changes: dict[str, Any]) -> None:
    # One entry per person, so each record's history shows the merge.
    for person_id in (merge.survivor_id, merge.absorbed_id):
        audit_record(
            actor=actor,
            action=action,
            object_type="identity.personmerge",
            object_id=merge.pk,
            person_id=person_id,
            changes={
                "survivor": str(merge.survivor_id),
                "absorbed": str(merge.absorbed_id),
                **changes,
            },
        )


def _bump(person: Person, **fields: Any) -> None:
    person.version += 1
    Person.objects.filter(pk=person.pk).update(
        version=person.version, updated_at=timezone.now(), **fields
    )
    for name, value in fields.items():
        setattr(person, name, value)


# --- merge ----------------------------------------------------------------------------


@transaction.atomic
def merge_request(
    *,
    actor: User,
    survivor_id: uuid.UUID | str,
    absorbed_id: uuid.UUID | str,
    reason: str,
    candidate_id: uuid.UUID | str | None = None,
) -> PersonMerge:
    """Ask to fold `absorbed` into `survivor`. Executed at once unless either person has
    a decision; then it waits (status awaiting) for `merge_confirm` by another person
    holding CASE_SUPERVISE. Repeating one's own request answers the merge already made."""
    require(actor, Perm.PERSON_MERGE)
    errors: list[FieldError] = []
    if str(survivor_id) == str(absorbed_id):
        errors.append(
            FieldError("absorbed_id", "same_person", _("A record cannot be merged into itself."))
        )
    try:
        text = _reason(reason)
    except ValidationFailed as exc:
        errors.extend(exc.field_errors)
    if errors:
        raise ValidationFailed(errors)
    persons = _lock_persons(survivor_id, absorbed_id)
    survivor = persons.get(str(survivor_id))
    absorbed = persons.get(str(absorbed_id))
    for field_name, person in (("survivor_id", survivor), ("absorbed_id", absorbed)):
        if person is None:
            errors.append(FieldError(field_name, "not_found", _("No person with this id.")))
    if errors:
        raise ValidationFailed(errors)
    assert survivor is not None and absorbed is not None

    candidate = None
    if candidate_id:
        candidate = DuplicateCandidate.objects.select_for_update().filter(pk=candidate_id).first()
        if candidate is None:
            raise ValidationFailed(
                [FieldError("candidate_id", "not_found", _("No duplicate candidate with this id."))]
            )
        if {str(candidate.person_a_id), str(candidate.person_b_id)} != {
            str(survivor.pk),
            str(absorbed.pk),
        }:
            raise ValidationFailed(
                [
                    FieldError(
                        "candidate_id",
                        "other_pair",
                        _("This candidate is about two other persons."),
                    )
                ]
            )

    repeated = _repeated_request(actor, survivor, absorbed)
    if repeated is not None:
        return repeated
    for person in (survivor, absorbed):
        if person.status == PersonStatus.MERGED:
            raise Conflict(
                "already_merged",
                _("Record %(number)s is already merged into another record.")
                % {"number": person.personal_number},
                person_id=str(person.pk),
            )
    pending = PersonMerge.objects.filter(
        Q(survivor__in=[survivor, absorbed]) | Q(absorbed__in=[survivor, absorbed]),
        status=MergeStatus.AWAITING_CONFIRMATION,
    ).first()
    if pending is not None:
        raise Conflict(
            "merge_pending",
            _("A merge of one of these records is waiting for a supervisor's confirmation."),
            merge_id=str(pending.pk),
        )
    if candidate is not None and candidate.status != CandidateStatus.OPEN:
        raise Conflict(
            "candidate_decided",
            _("This duplicate candidate was already decided."),
            candidate_status=candidate.status,
        )

    needs_confirmation = has_decision([survivor.pk, absorbed.pk])
    merge = PersonMerge.objects.create(
        survivor=survivor,
        absorbed=absorbed,
        candidate=candidate,
        status=MergeStatus.AWAITING_CONFIRMATION if needs_confirmation else MergeStatus.DONE,
        reason=text,
        requested_by=actor,
    )
    _audit(actor, AuditAction.CREATE, merge, {"status": merge.status, "reason": text})
    if not needs_confirmation:
        _execute(actor, merge, survivor, absorbed)
    return merge


def _repeated_request(actor: User, survivor: Person, absorbed: Person) -> PersonMerge | None:
    """The same officer sending the same request again (a double click, a retried call):
    their pending or done merge of this pair, which changes nothing."""
    return (
        PersonMerge.objects.filter(
            survivor=survivor,
            absorbed=absorbed,
            requested_by=actor,
            status__in=[MergeStatus.AWAITING_CONFIRMATION, MergeStatus.DONE],
        )
        .order_by("-requested_at")
        .first()
    )


@transaction.atomic
def merge_confirm(*, actor: User, merge_id: uuid.UUID | str) -> PersonMerge:
    """A supervisor other than the requester confirms an awaiting merge, which then runs.
    Confirming again (a retry) answers the done merge."""
    require(actor, Perm.CASE_SUPERVISE)
    merge = _lock_merge(merge_id)
    if merge.status == MergeStatus.DONE and merge.confirmed_by_id == actor.pk:
        return merge
    if merge.status != MergeStatus.AWAITING_CONFIRMATION:
        raise Conflict(
            "merge_not_awaiting",
            _("This merge is not waiting for confirmation (status: %(status)s).")
            % {"status": merge.get_status_display()},
            merge_status=merge.status,
        )
    if merge.requested_by_id == actor.pk:
        raise Forbidden(_("Another supervisor must confirm a merge you requested (four eyes)."))
    persons = _lock_persons(merge.survivor_id, merge.absorbed_id)
    survivor, absorbed = persons[str(merge.survivor_id)], persons[str(merge.absorbed_id)]
    for person in (survivor, absorbed):
        if person.status == PersonStatus.MERGED:  # cannot happen while this one is pending
            raise Conflict(
                "already_merged",
                _("Record %(number)s is already merged into another record.")
                % {"number": person.personal_number},
            )
    merge.confirmed_by = actor
    merge.save(update_fields=["confirmed_by"])
    _execute(actor, merge, survivor, absorbed)
    return merge


@transaction.atomic
def merge_reject(*, actor: User, merge_id: uuid.UUID | str, reason: str) -> PersonMerge:
    """A supervisor turns an awaiting merge down; nothing was moved. The supervisor is
    kept in `confirmed_by` (who decided) and the reason in `unmerge_reason`."""
    require(actor, Perm.CASE_SUPERVISE)
    text = _reason(reason)
    merge = _lock_merge(merge_id)
    if merge.status == MergeStatus.REJECTED and merge.confirmed_by_id == actor.pk:
        return merge
    if merge.status != MergeStatus.AWAITING_CONFIRMATION:
        raise Conflict(
            "merge_not_awaiting",
            _("This merge is not waiting for confirmation (status: %(status)s).")
            % {"status": merge.get_status_display()},
            merge_status=merge.status,
        )
    merge.status = MergeStatus.REJECTED
    merge.confirmed_by = actor
    merge.unmerge_reason = text
    merge.save(update_fields=["status", "confirmed_by", "unmerge_reason"])
    _audit(actor, AuditAction.UPDATE, merge, {"status": ["awaiting", "rejected"], "note": text})
    return merge


def _execute(actor: User, merge: PersonMerge, survivor: Person, absorbed: Person) -> None:
    """Move every row of the absorbed person to the survivor, recording each move."""
    moves: list[MergeMove] = []

    def record(model: str, pk: Any, field: str, old: Any, new: Any) -> None:
        moves.append(
            MergeMove(
                merge=merge,
                seq=len(moves) + 1,
                model=model,
                row_pk=str(pk),
                field=field,
                old_value=_json(old),
                new_value=_json(new),
            )
        )

    for field in _relations():
        model = field.model
        manager = model._default_manager
        pks = list(
            manager.select_for_update()
            .filter(**{field.attname: absorbed.pk})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not pks:
            continue
        try:
            # Most tables cannot conflict: one statement for all of the person's rows.
            with transaction.atomic():
                manager.filter(pk__in=pks).update(**{field.attname: survivor.pk})
            moved = pks
        except IntegrityError:
            # A unique constraint on the survivor's side: row by row, and the rows the
            # survivor already holds stay where they are.
            moved = []
            for pk in pks:
                try:
                    with transaction.atomic():
                        manager.filter(pk=pk).update(**{field.attname: survivor.pk})
                    moved.append(pk)
                except IntegrityError:
                    continue
        for pk in moved:
            record(model._meta.label, pk, field.name, absorbed.pk, survivor.pk)

    # The absorbed record's own Latin spelling stays findable on the survivor.
    spelling = {
        "family_name": absorbed.family_name,
        "given_names": absorbed.given_names,
        "patronymic": absorbed.patronymic,
    }
    if spelling != {k: getattr(survivor, k) for k in spelling} and not (
        PersonName.objects.filter(person=survivor, script=Script.LATIN, **spelling).exists()
    ):
        name = PersonName.objects.create(person=survivor, script=Script.LATIN, **spelling)
        record(PersonName._meta.label, name.pk, CREATED, None, survivor.pk)
    MergeMove.objects.bulk_create(moves, batch_size=1000)

    old_status = absorbed.status
    merge.status = MergeStatus.DONE
    merge.merged_at = timezone.now()
    merge.absorbed_status = old_status
    merge.save(update_fields=["status", "merged_at", "absorbed_status"])
    _bump(absorbed, status=PersonStatus.MERGED)
    _bump(survivor)
    if merge.candidate_id:
        DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
            status=CandidateStatus.MERGED, decided_by=actor, decided_at=merge.merged_at
        )
    # The survivor's keys now cover every name it holds; a merged record keeps none, so
    # it never turns up as a candidate again.
    namekeys_refresh([survivor.pk, absorbed.pk])
    _audit(
        actor,
        AuditAction.UPDATE,
        merge,
        {"status": [old_status, PersonStatus.MERGED.value], "moves": len(moves)},
    )


# --- unmerge --------------------------------------------------------------------------


@transaction.atomic
def unmerge(*, actor: User, merge_id: uuid.UUID | str, reason: str) -> PersonMerge:
    """Undo a done merge: every recorded move is put back, newest first, and the absorbed
    person gets its old status back. Refused (409, nothing changed) when the survivor was
    merged further (undo that merge first) or a moved row has since changed owner or gone.
    Rows recorded on the survivor after the merge stay with the survivor. A merge that
    needed a supervisor's confirmation needs one to be undone too."""
    require(actor, Perm.PERSON_MERGE)
    text = _reason(reason)
    merge = _lock_merge(merge_id)
    if merge.status == MergeStatus.UNDONE and merge.unmerged_by_id == actor.pk:
        return merge
    if merge.status != MergeStatus.DONE:
        raise Conflict(
            "merge_not_done",
            _("Only a done merge can be undone (status: %(status)s).")
            % {"status": merge.get_status_display()},
            merge_status=merge.status,
        )
    if merge.confirmed_by_id is not None:
        require(actor, Perm.CASE_SUPERVISE)
    persons = _lock_persons(merge.survivor_id, merge.absorbed_id)
    survivor, absorbed = persons[str(merge.survivor_id)], persons[str(merge.absorbed_id)]
    if survivor.status == PersonStatus.MERGED:
        later = (
            PersonMerge.objects.filter(absorbed=survivor, status=MergeStatus.DONE)
            .order_by("-merged_at")
            .first()
        )
        raise Conflict(
            "survivor_merged_further",
            _("Record %(number)s was merged into another record since; undo that merge first.")
            % {"number": survivor.personal_number},
            merge_id=str(later.pk) if later else "",
        )

    moves = list(merge.moves.order_by("-seq"))
    _check_moves(moves, str(survivor.pk))
    by_target: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    created: dict[str, list[str]] = defaultdict(list)
    for move in moves:
        if move.field == CREATED:
            created[move.model].append(move.row_pk)
        else:
            by_target[(move.model, move.field, str(move.old_value))].append(move.row_pk)
    for label, pks in created.items():
        apps.get_model(label)._default_manager.filter(pk__in=pks).delete()
    for (label, field_name, old_value), pks in by_target.items():
        model = apps.get_model(label)
        attname = model._meta.get_field(field_name).attname
        model._default_manager.filter(pk__in=pks).update(**{attname: old_value})

    restored = merge.absorbed_status or PersonStatus.ACTIVE.value
    _bump(absorbed, status=restored)
    _bump(survivor)
    merge.status = MergeStatus.UNDONE
    merge.unmerged_by = actor
    merge.unmerged_at = timezone.now()
    merge.unmerge_reason = text
    merge.save(update_fields=["status", "unmerged_by", "unmerged_at", "unmerge_reason"])
    if merge.candidate_id:
        # The officers have now established that these are two people.
        DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
            status=CandidateStatus.DISMISSED,
            decided_by=actor,
            decided_at=merge.unmerged_at,
            note=text,
        )
    namekeys_refresh([survivor.pk, absorbed.pk])
    _audit(
        actor,
        AuditAction.UPDATE,
        merge,
        {"status": [PersonStatus.MERGED.value, restored], "moves": len(moves), "note": text},
    )
    return merge


def _check_moves(moves: list[MergeMove], survivor_id: str) -> None:
    """Every moved row must still be where the merge put it (one query per table)."""
    wanted: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for move in moves:
        field = "person" if move.field == CREATED else move.field
        value = survivor_id if move.field == CREATED else move.new_value
        wanted[(move.model, field)][move.row_pk] = value
    for (label, field_name), rows in wanted.items():
        model = apps.get_model(label)
        pk_field = model._meta.pk
        attname = model._meta.get_field(field_name).attname
        keys = [pk_field.to_python(pk) for pk in rows]
        current = {
            str(pk): _json(value)
            for pk, value in model._default_manager.select_for_update()
            .filter(pk__in=keys)
            .values_list("pk", attname)
        }
        for row_pk, value in rows.items():
            if current.get(row_pk, _MISSING) != value:
                raise Conflict(
                    "moved_row_changed",
                    _(
                        "A record moved by this merge has since been changed or moved "
                        "again (%(model)s %(row)s); the merge cannot be undone automatically."
                    )
                    % {"model": model._meta.verbose_name, "row": row_pk},
                    model=label,
                    row_pk=row_pk,
                )


_MISSING = object()


# --- the review queue -----------------------------------------------------------------


@transaction.atomic
def candidate_report(
    *, actor: User, person_id: uuid.UUID | str, other_personal_number: str
) -> DuplicateCandidate:
    """An officer reports that two records may be one person: the pair enters the queue
    (origin officer) scored like any other, so the comparison shows what matches. A pair
    already known is answered as it is (an officer's earlier decision is not reopened)."""
    require(actor, Perm.PERSON_MERGE)
    field = "other_personal_number"
    number = (other_personal_number or "").strip().upper()
    if not number:
        raise ValidationFailed(
            [FieldError(field, "required", _("Give the personal number of the other record."))]
        )
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("Person", _("Person not found"))
    other = Person.objects.filter(personal_number=number).first()
    if other is None:
        raise ValidationFailed(
            [FieldError(field, "not_found", _("No record has this personal number."))]
        )
    if other.pk == person.pk:
        raise ValidationFailed([FieldError(field, "same_person", _("This is the record itself."))])
    for p in (person, other):
        if p.status == PersonStatus.MERGED:
            raise Conflict(
                "already_merged",
                _("Record %(number)s is already merged into another record.")
                % {"number": p.personal_number},
            )
    scored = scoring.compare(
        scoring.prepare(person_identity(person)), scoring.prepare(person_identity(other))
    )
    candidate = duplicate_candidate_propose(
        person_1=person.pk,
        person_2=other.pk,
        score=scored.probability,
        evidence=scoring.evidence_summary(scored.evidence),
        origin=CandidateOrigin.OFFICER,
        source_ref=f"officer:{actor.get_username()}",
    )
    assert candidate is not None  # two different persons
    for p in (person, other):
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="identity.duplicatecandidate",
            object_id=candidate.pk,
            person_id=p.pk,
            changes={"origin": candidate.origin, "status": candidate.status},
        )
    return candidate


@transaction.atomic
def candidate_dismiss(
    *, actor: User, candidate_id: uuid.UUID | str, note: str
) -> DuplicateCandidate:
    """ "Not the same person": the pair leaves the queue. The note (why: twins, father and
    son...) is required; dismissing again answers the same."""
    require(actor, Perm.PERSON_MERGE)
    text = _reason(note, "note")
    candidate = DuplicateCandidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound("Duplicate candidate", _("Duplicate candidate not found"))
    if candidate.status == CandidateStatus.DISMISSED:
        return candidate
    if candidate.status != CandidateStatus.OPEN:
        raise Conflict(
            "candidate_decided",
            _("This duplicate candidate was already decided."),
            candidate_status=candidate.status,
        )
    candidate.status = CandidateStatus.DISMISSED
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.note = text
    candidate.save(update_fields=["status", "decided_by", "decided_at", "note"])
    for person_id in (candidate.person_a_id, candidate.person_b_id):
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="identity.duplicatecandidate",
            object_id=candidate.pk,
            person_id=person_id,
            changes={"status": ["open", "dismissed"], "note": text},
        )
    return candidate
