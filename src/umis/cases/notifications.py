"""Notices to applicants through the outbox: written in the transaction that changes the
case (so a notice exists exactly when its change does), sent by the worker after commit.
In-portal notices are simply rows; e-mail goes through Django's mail backend, SMS through
the SMS gateway adapter (:mod:`umis.exchange.sms`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from umis.cases.models import Notification
from umis.cases.selectors import refusal_grounds
from umis.core.policy import get_policy

if TYPE_CHECKING:
    from umis.cases.models import Case, PaymentOrder

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def _texts(
    case: Case, event: str, payment_order: PaymentOrder | None, note: str
) -> tuple[str, str]:
    pack = get_policy()
    service = pack.service(case.service).name(case.language)
    subjects = {
        "submitted": _("Application %(number)s received"),
        "documents_requested": _("Application %(number)s: documents requested"),
        "approved": _("Application %(number)s approved"),
        "refused": _("Application %(number)s refused"),
        "issued": _("Application %(number)s: your document is ready"),
        "withdrawn": _("Application %(number)s withdrawn"),
    }
    lines = [_("Service: %(service)s") % {"service": service}]
    if event == "submitted":
        lines.append(
            _("We received your application. The decision is due by %(deadline)s.")
            % {"deadline": case.deadline.isoformat() if case.deadline else "-"}
        )
        if payment_order is not None:
            lines.append(
                _("Fee: %(amount)s %(currency)s, payment number %(payment)s.")
                % {
                    "amount": payment_order.amount,
                    "currency": payment_order.currency,
                    "payment": payment_order.number,
                }
            )
    elif event == "documents_requested":
        lines.append(
            _("The officer asks for more documents. The term is stopped until they arrive.")
        )
        if note:
            lines.append(note)
    elif event == "approved":
        lines.append(_("Your application was approved."))
    elif event == "refused":
        grounds = refusal_grounds(case.service, on=timezone.localdate(), pack=pack)
        lines.append(_("Your application was refused on these grounds:"))
        for code in case.grounds:
            g = grounds.get(code)
            if g is not None:
                text = g["text"].get(case.language) or g["text"].get("en") or code
                lines.append(f"- {text} ({g['legal_ref']})")
    elif event == "issued":
        lines.append(_("Your document is issued; download it from the portal or collect it."))
    elif event == "withdrawn":
        lines.append(_("Your application was withdrawn."))
    lines.append(_("Track it with the case number, your passport number and your birth date."))
    return subjects[event] % {"number": case.number}, "\n".join(lines)


def notify_applicant(
    case: Case, event: str, *, payment_order: PaymentOrder | None = None, note: str = ""
) -> list[Notification]:
    """Queue the notice of ``event`` on every channel the applicant gave: in the portal
    (an applicant account), by e-mail and by SMS. Call inside the case's transaction."""
    with translation.override(case.language or "az"):
        subject, body = _texts(case, event, payment_order, note)
    rows: list[Notification] = []
    common: dict[str, Any] = {"case": case, "event": event, "subject": subject, "body": body}
    if case.applicant_id is not None:
        rows.append(
            Notification(
                recipient_id=case.applicant_id,
                channel=Notification.Channel.PORTAL,
                status=Notification.Status.SENT,
                sent_at=timezone.now(),
                **common,
            )
        )
    if case.contact_email:
        rows.append(
            Notification(channel=Notification.Channel.EMAIL, address=case.contact_email, **common)
        )
    if case.contact_phone:
        sms_text = f"{subject}. {body.splitlines()[1] if len(body.splitlines()) > 1 else ''}"
        rows.append(
            Notification(
                channel=Notification.Channel.SMS,
                address=case.contact_phone,
                **{**common, "body": sms_text[:300]},
            )
        )
    created = Notification.objects.bulk_create(rows)
    if any(r.channel != Notification.Channel.PORTAL for r in rows):
        transaction.on_commit(_enqueue_send)
    return created


def _enqueue_send() -> None:
    from umis.cases.tasks import send_notifications

    try:
        send_notifications.enqueue()
    except Exception:  # the periodic run sends it later; never fail the commit's caller
        log.exception("could not enqueue send_notifications")


def notifications_send(*, limit: int = 100) -> dict[str, int]:
    """Send pending e-mail and SMS notices (the worker's task). Each row is claimed with
    a row lock (SKIP LOCKED on PostgreSQL), so several workers never send one twice;
    the SMS gateway also deduplicates by the notice's id."""
    from umis.exchange.http import AdapterRejected, AdapterUnavailable
    from umis.exchange.sms import sms_gateway

    counts = {"sent": 0, "failed": 0, "retry": 0}
    pending = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING,
            channel__in=[Notification.Channel.EMAIL, Notification.Channel.SMS],
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pending:
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Notification.Status.PENDING)
                .first()
            )
            if row is None:
                continue
            row.attempts += 1
            try:
                if row.channel == Notification.Channel.EMAIL:
                    send_mail(row.subject, row.body, None, [row.address])
                else:
                    sms_gateway().send(to=row.address, text=row.body, reference=str(row.pk))
            except (AdapterUnavailable, OSError) as exc:
                row.last_error = str(exc)[:300]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = Notification.Status.FAILED
                    counts["failed"] += 1
                else:
                    counts["retry"] += 1
            except (AdapterRejected, ValueError) as exc:  # will never go through
                row.last_error = str(exc)[:300]
                row.status = Notification.Status.FAILED
                counts["failed"] += 1
            else:
                row.status = Notification.Status.SENT
                row.sent_at = timezone.now()
                counts["sent"] += 1
            row.save()
    return counts
