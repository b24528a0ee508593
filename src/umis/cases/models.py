"""The one-stop-shop case engine's schema (ADR 0011). Behaviour lives in
:mod:`umis.cases.services`; state changes only through ``case_transition``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from umis.core.models import Office
from umis.registry.models import Organisation, Person


class Case(models.Model):
    """An application for a service of the policy pack's catalogue. ``status`` and
    ``version`` are a cache of the action log (``CaseAction``): every change goes through
    the workflow, bumps ``version`` and appends one action."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True)  # TRP-2026-000123
    service = models.CharField(max_length=40, db_index=True)  # the pack's service code
    status = models.CharField(max_length=30, db_index=True)
    version = models.PositiveIntegerField(default=1)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    # Who applied: the foreigner's (or employer's) public account; empty at the counter.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    employer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    fee_tier = models.CharField(max_length=40, blank=True)
    variant = models.CharField(max_length=10, blank=True)  # "30d", "1y", "6m"...
    # What the applicant asked for, as validated at submission (ground, term, employer...)
    data = models.JSONField(default=dict, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)  # E.164
    language = models.CharField(max_length=5, default="az")
    submitted_at = models.DateTimeField()
    submitted_on = models.DateField()  # the local day the term counts from
    working_days = models.PositiveIntegerField()  # the statutory term of the fee tier
    deadline = models.DateField(null=True, blank=True)  # empty while the clock is stopped
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grounds = models.JSONField(default=list, blank=True)  # refusal grounds (pack codes)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            # A retried submission answers with the case the first one opened.
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_submission_idempotent",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status"], name="case_assignee_idx"),
            models.Index(fields=["office", "status", "deadline"], name="case_office_idx"),
            models.Index(fields=["person", "service"], name="case_person_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseAction(models.Model):
    """One fired action, immutable: the case's history. ``seq`` is the case version the
    action produced; a retried request with the same ``idempotency_key`` finds it."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20)  # a staff role, "applicant" or "system"
    idempotency_key = models.CharField(max_length=100)
    grounds = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="caseaction_seq_unique"),
            models.UniqueConstraint(
                fields=["case", "idempotency_key"], name="caseaction_idempotent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.seq} {self.action}"


class ClockStop(models.Model):
    """A stop of the statutory clock: documents requested on ``stopped_on``, received on
    ``resumed_on`` (empty while awaited)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="clock_stops")
    stopped_on = models.DateField()
    resumed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["case", "stopped_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(resumed_on__isnull=True), name="clockstop_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stopped_on}..{self.resumed_on or ''}"


class CaseCounter(models.Model):
    """The last number given per case prefix and year: gap-free, locked per row."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="casecounter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


def _document_path(instance: CaseDocument, filename: str) -> str:
    # Never the uploaded name: it may carry personal data and path tricks.
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}"


class CaseDocument(models.Model):
    """A file attached to a case: a required document of the service (``code`` from the
    pack's list) or a decision the office issues."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    code = models.CharField(max_length=40)
    file = models.FileField(upload_to=_document_path)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.code}"


class PaymentOrder(models.Model):
    """A fee due on a case, with the payment number the payer quotes. Settled today by an
    officer who records the receipt; online payment (a later issue) settles the same
    order."""

    class Status(models.TextChoices):
        DUE = "due"
        PAID = "paid"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payment_orders")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    fee_key = models.CharField(max_length=100)  # the pack rule the amount comes from
    legal_ref = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    due_on = models.DateField()
    receipt_number = models.CharField(max_length=60, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One receipt settles one order: a receipt typed twice is caught.
            models.UniqueConstraint(
                fields=["receipt_number"],
                condition=~Q(receipt_number=""),
                name="paymentorder_receipt_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="paymentorder_amount_ok"),
        ]

    def __str__(self) -> str:
        return self.number


class Notification(models.Model):
    """The outbox of messages to applicants. In-portal messages are read from here; the
    worker sends the e-mail and SMS rows and marks them (retried until sent)."""

    class Channel(models.TextChoices):
        PORTAL = "portal"
        EMAIL = "email"
        SMS = "sms"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"  # gave up after the retries; shown to operators

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254, blank=True)  # e-mail or E.164 phone
    event = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "channel"], name="notification_outbox_idx"),
            models.Index(fields=["recipient", "created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event}"
