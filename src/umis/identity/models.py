"""What identity resolution stores: the name keys candidates are found by, the pairs of
persons suspected to be one (from online matching or the registry sweep), and merges
recorded move by move so that an unmerge restores exactly what was there (ADR 0013)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from umis.registry.models import Person


class NameKey(models.Model):
    """One blocking key of a person's names (all spellings, all scripts). Plain B-tree
    on (key, person): candidates are found by equality, never by trigram (NOTES.md),
    and the person ids come from the index alone (an index-only scan), not from one
    heap page per row: a search reads a few thousand rows, and on a cold cache those
    heap reads were most of its time."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "key"], name="namekey_unique"),
        ]
        indexes = [models.Index(fields=["key", "person"], name="namekey_key_person_idx")]

    def __str__(self) -> str:
        return self.key


class CandidateOrigin(models.TextChoices):
    ONLINE = "online", _("Online matching (grey zone)")
    SWEEP = "sweep", _("Registry duplicate sweep")
    OFFICER = "officer", _("Reported by an officer")


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same person")


class DuplicateCandidate(models.Model):
    """Two persons the matcher thinks may be one: the review queue. `person_a` sorts
    before `person_b` (by id), so a pair is stored once whoever finds it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()  # match probability, 0..1
    evidence = models.JSONField(default=list)  # what matched: [{"field", "level", "weight"}]
    origin = models.CharField(max_length=10, choices=CandidateOrigin.choices)
    # The source record that raised it (e.g. "border_event:123"), for the reviewer.
    source_ref = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="dupcand_unique_pair"),
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")), name="dupcand_ordered_pair"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="dupcand_queue_idx")]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id} ({self.score:.2f})"


class MergeStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting", _("Awaiting a supervisor's confirmation")
    DONE = "done", _("Merged")
    UNDONE = "undone", _("Unmerged")
    REJECTED = "rejected", _("Rejected by the supervisor")


class PersonMerge(models.Model):
    """`absorbed` folded into `survivor`. Every row the merge changed is a `MergeMove`,
    so an unmerge replays them backwards; the absorbed person is kept (status merged)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(
        DuplicateCandidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=MergeStatus.choices)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    # The absorbed person's status before the merge, restored by the unmerge.
    absorbed_status = models.CharField(max_length=20, blank=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerge_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["survivor"], name="merge_survivor_idx"),
            models.Index(fields=["absorbed"], name="merge_absorbed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} -> {self.survivor_id} ({self.status})"


class MergeMove(models.Model):
    """One field of one row changed by a merge: enough to put it back exactly."""

    merge = models.ForeignKey(PersonMerge, on_delete=models.CASCADE, related_name="moves")
    seq = models.PositiveIntegerField()
    model = models.CharField(max_length=60)  # app_label.ModelName
    row_pk = models.CharField(max_length=64)
    field = models.CharField(max_length=60)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)

    class Meta:
        ordering = ["merge", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["merge", "seq"], name="mergemove_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.model}:{self.row_pk}.{self.field}"
