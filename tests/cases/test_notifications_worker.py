"""Notices leave through the outbox on a real worker: e-mail through Django's mail
backend, SMS through the gateway adapter to the sandbox over a socket; an unavailable
gateway is retried, never sent twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from umis.cases.models import Notification

pytestmark = pytest.mark.django_db


def run_worker(monkeypatch: Any) -> None:
    from django_tasks_db.management.commands import db_worker

    # In-process so that it sees the test's transaction; keep the connection open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def test_the_worker_sends_email_and_sms_after_commit(
    applicant: Any,
    make_person: Callable[..., Any],
    open_case: Callable[..., Any],
    sandbox: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(
            actor=applicant,
            person=make_person(),
            contact_email="a@example.org",
            contact_phone="+994501234567",
            fee_tier="trp_card",
        )
    run_worker(monkeypatch)
    sms = sandbox.messages(to="+994501234567")
    assert len(sms) == 1 and case.number in sms[0].text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.org"]
    assert set(Notification.objects.filter(case=case).values_list("channel", "status")) == {
        ("portal", "sent"),
        ("email", "sent"),
        ("sms", "sent"),
    }


def test_an_unavailable_gateway_is_retried_later(
    applicant: Any,
    make_person: Callable[..., Any],
    open_case: Callable[..., Any],
    settings: Any,
    sandbox: Any,
) -> None:
    from umis.cases.notifications import notifications_send

    settings.UMIS_SMS_URL = "http://127.0.0.1:9"  # nothing listens
    case = open_case(actor=applicant, person=make_person(), contact_phone="+994501234567")
    assert notifications_send()["retry"] == 1
    row = Notification.objects.get(case=case, channel="sms")
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    settings.UMIS_SMS_URL = sandbox.url
    assert notifications_send()["sent"] == 1
    assert notifications_send()["sent"] == 0
    assert len(sandbox.messages(to="+994501234567")) == 1
