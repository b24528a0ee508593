"""The PostgreSQL bulk path of border-event ingestion gives the per-item service's answers."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from umis.border.bulk import border_events_bulk_ingest
from umis.border.importer import FIELDS, ImportFileError, import_file
from umis.border.models import BorderEvent
from umis.border.services import IngestReport, border_events_ingest
from umis.core.models import AuditEntry
from umis.registry.models import Person
from umis.registry.services import (
    DocumentData,
    NationalityData,
    PersonData,
    document_add,
    person_create,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the bulk path (COPY, temporary tables) exists on PostgreSQL only; "
        "run with DATABASE_URL=postgres://...",
    ),
]


def _event(n: int, **kw: Any) -> dict[str, Any]:
    event = {f: "" for f in FIELDS}
    event.update(
        event_id=f"ev-{n}",
        direction="entry",
        occurred_at=f"2026-10-{n % 28 + 1:02d}T09:00:00+04:00",
        crossing_point="AIR-GYD",
        document_type="passport",
        document_number="753123456",
        document_issuing_state="RUS",
        family_name="IVANOV",
        given_names="PETR",
        birth_date="1980-05-06",
        sex="M",
        nationality="RUS",
    )
    event.update(kw)
    return event


@pytest.fixture
def border_user(make_staff: Any) -> Any:
    return make_staff("border_officer", username="border-system")


@pytest.fixture
def known(officer: Any) -> Person:
    person = person_create(
        actor=officer,
        data=PersonData(
            family_name="Ivanov",
            given_names="Petr",
            sex="M",
            birth_date="1980-05-06",
            nationalities=[NationalityData("RUS")],
        ),
    )
    document_add(
        actor=officer,
        person_id=person.pk,
        data=DocumentData(document_type="passport", number="753123456", issuing_state="RUS"),
    )
    return person


def _bulk(actor: Any, events: Sequence[Mapping[str, Any]]) -> IngestReport:
    return border_events_bulk_ingest(actor=actor, rows=[(i + 2, e) for i, e in enumerate(events)])


def _shape(report: IngestReport) -> list[tuple[Any, ...]]:
    """Results with person ids made comparable across runs: a person that existed before
    keeps its id, one created by the ingestion is named by the first row linked to it."""
    before = set(Person.objects.exclude(status="provisional").values_list("pk", flat=True))
    names: dict[uuid.UUID, str] = {}
    out = []
    for r in report.results:
        person: Any = r.person_id
        if person is not None and person not in before:
            person = names.setdefault(person, f"new:{r.event_id}")
        fields = tuple(sorted(e.field for e in r.errors))
        out.append((r.index, r.event_id, r.status, person, r.flags, fields))
    return out


def _links() -> dict[str, tuple[str, float]]:
    return {
        e.event_id: (e.link_method, e.link_score) for e in BorderEvent.objects.order_by("event_id")
    }


def _both(actor: Any, setup: Callable[[], None], events: list[dict[str, Any]]) -> tuple[Any, Any]:
    """Run the per-item service and the bulk path on the same batch from the same
    state; each sees the other's effects rolled back."""
    answers = []
    for ingest in (
        lambda: border_events_ingest(actor=actor, events=events),
        lambda: _bulk(actor, events),
    ):
        with transaction.atomic():
            setup()
            report = ingest()
            answers.append((_shape(report), _links(), Person.objects.count()))
            transaction.set_rollback(True)
    return answers[0], answers[1]


MIXED = [
    _event(1, occurred_at="2026-10-01T08:00:00+04:00"),  # known by document
    _event(2, direction="exit", occurred_at="2026-10-05T08:00:00+04:00"),
    _event(3, direction="exit", occurred_at="2026-10-06T08:00:00+04:00"),  # exit after exit
    _event(4, occurred_at="2026-10-07T08:00:00+04:00"),
    _event(5, occurred_at="2026-10-08T08:00:00+04:00"),  # entry after entry
    # an unknown traveller, twice (one provisional person), then by the same name/birth
    _event(
        6,
        document_number="AB 12-34",
        family_name="SMITH",
        given_names="JOHN",
        birth_date="1975-01-02",
        nationality="GBR",
        document_issuing_state="GBR",
    ),
    _event(
        7,
        document_number="ab1234",
        family_name="SMITH",
        given_names="JOHN",
        birth_date="1975-01-02",
        nationality="GBR",
        document_issuing_state="GBR",
        direction="exit",
        occurred_at="2026-10-09T10:00:00+04:00",
    ),
    # exit with no recorded entry, of another unknown traveller
    _event(
        8,
        document_number="C0000001",
        family_name="DOE",
        given_names="JANE",
        birth_date="1990",
        sex="F",
        nationality="USA",
        document_issuing_state="USA",
        direction="exit",
    ),
    _event(9, crossing_point="NOWHERE", nationality="QQQ"),  # rejected, two fields
    _event(1, occurred_at="2026-10-01T08:00:00+04:00"),  # the same id again in the file
    _event(10, occurred_at="2026-10-02T08:00:00+04:00", event_id=""),  # no id
    # two entries at the same instant: neither is the other's previous event
    _event(11, occurred_at="2026-10-20T08:00:00+04:00", direction="exit"),
    _event(12, occurred_at="2026-10-21T08:00:00+04:00", direction="entry"),
    _event(13, occurred_at="2026-10-21T08:00:00+04:00", direction="entry"),
]


def test_same_answers_as_the_per_item_service(border_user: Any, known: Person) -> None:
    def setup() -> None:
        border_events_ingest(  # a stored history: entry on 2026-09-01
            actor=border_user, events=[_event(100, occurred_at="2026-09-01T08:00:00+04:00")]
        )

    per_item, bulk = _both(border_user, setup, MIXED)
    assert bulk == per_item
    shape = {row[1]: row for row in bulk[0] if row[2] == "created"}
    assert shape["ev-1"][3:5] == (known.pk, ("entry_without_exit",))  # after 09-01 entry
    assert shape["ev-3"][4] == ("exit_without_entry",)
    assert shape["ev-5"][4] == ("entry_without_exit",)
    assert shape["ev-6"][3] == shape["ev-7"][3] == "new:ev-6"
    assert shape["ev-8"][3:5] == ("new:ev-8", ("exit_without_entry",))
    assert shape["ev-12"][4] == shape["ev-13"][4] == ()
    assert bulk[1]["ev-6"][0] == "new_provisional" and bulk[1]["ev-7"][0] == "document"
    rejected = {row[1]: row[5] for row in bulk[0] if row[2] == "rejected"}
    assert rejected == {"ev-9": ("crossing_point", "nationality"), "": ("event_id",)}
    assert [row[2] for row in bulk[0] if row[1] == "ev-1"] == ["created", "duplicate"]


def test_events_arriving_out_of_order(border_user: Any, known: Person) -> None:
    def setup() -> None:
        border_events_ingest(
            actor=border_user,
            events=[
                _event(1, occurred_at="2026-10-10T08:00:00+04:00"),
                _event(2, occurred_at="2026-10-20T08:00:00+04:00", direction="exit"),
            ],
        )

    late = [
        _event(3, occurred_at="2026-10-05T08:00:00+04:00", direction="exit"),  # before all
        _event(4, occurred_at="2026-10-15T08:00:00+04:00"),  # between the stored two
        _event(5, occurred_at="2026-10-25T08:00:00+04:00", direction="exit"),  # after all
    ]
    per_item, bulk = _both(border_user, setup, late)
    assert bulk == per_item
    assert [row[4] for row in bulk[0]] == [
        ("exit_without_entry",),
        ("entry_without_exit",),
        ("exit_without_entry",),
    ]


def test_resending_creates_nothing_and_answers_the_same(border_user: Any, known: Person) -> None:
    first = _bulk(border_user, MIXED)
    persons, audits = Person.objects.count(), AuditEntry.objects.count()
    again = _bulk(border_user, MIXED)
    assert again.count("created") == 0
    assert again.count("duplicate") == first.count("created") + first.count("duplicate")
    assert {
        (r.event_id, r.person_id, r.flags) for r in again.results if r.status != "rejected"
    } == {(r.event_id, r.person_id, r.flags) for r in first.results if r.status != "rejected"}
    assert Person.objects.count() == persons and AuditEntry.objects.count() == audits


def test_a_resent_event_is_a_duplicate_even_when_now_invalid(border_user: Any) -> None:
    stored = _bulk(border_user, [_event(1)]).results[0]
    again = _bulk(border_user, [_event(1, crossing_point="NOWHERE")]).results[0]
    assert (again.status, again.person_id) == ("duplicate", stored.person_id)


def test_one_audit_entry_per_batch_with_the_id_range(border_user: Any, known: Person) -> None:
    report = _bulk(
        border_user, [_event(n, occurred_at=f"2026-10-0{n}T08:00:00Z") for n in (1, 2, 3)]
    )
    assert report.count("created") == 3
    entry = AuditEntry.objects.get(object_type="border.event")
    ids = sorted(BorderEvent.objects.values_list("pk", flat=True))
    assert entry.changes["border_events"][1] == {
        "count": 3,
        "first_id": ids[0],
        "last_id": ids[-1],
    }


def test_text_with_a_backslash_and_nul_is_stored_or_rejected_not_fatal(border_user: Any) -> None:
    report = _bulk(
        border_user,
        [
            _event(1, given_names="PETR\\N", purpose="a\\tb"),
            _event(2, family_name="IVA\x00NOV", occurred_at="2026-10-09T08:00:00Z"),
        ],
    )
    assert [r.status for r in report.results] == ["created", "rejected"]
    assert report.results[1].errors[0].field == "family_name"
    event = BorderEvent.objects.get()
    assert (event.given_names, event.purpose) == ("PETR\\N", "a\\tb")


def _csv(path: Path, rows: list[dict[str, Any]], extra: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FIELDS))
        writer.writeheader()
        writer.writerows(rows)
        for line in extra or []:
            handle.write(line + "\r\n")
    return path


def test_file_import_takes_the_bulk_path_and_reports_lines(
    tmp_path: Path, border_user: Any, known: Person
) -> None:
    rows = [_event(n, occurred_at=f"2026-10-{n:02d}T08:00:00Z") for n in range(1, 8)]
    rows[2] = _event(3, crossing_point="NOWHERE")  # line 4
    path = _csv(tmp_path / "events.csv", rows, extra=["ev-99,entry,too,few"])  # line 9
    summary = import_file(path, actor=border_user, batch_size=3, progress=False)
    assert summary.method == "bulk"
    assert (summary.created, summary.rejected, summary.duplicates) == (6, 2, 0)
    assert BorderEvent.objects.count() == 6
    errors = list(csv.reader((tmp_path / "events.csv.errors.csv").open(encoding="utf-8")))
    assert [e[:3] for e in errors[1:]] == [["4", "ev-3", "crossing_point"], ["9", "", ""]]
    assert "malformed CSV row" in errors[2][3]
    assert not (tmp_path / "events.csv.checkpoint").exists()
    # Only entries: each one after the first is flagged, across batch boundaries too.
    flags = dict(BorderEvent.objects.values_list("event_id", "flags"))
    assert flags["ev-1"] == [] and flags["ev-2"] == flags["ev-4"] == ["entry_without_exit"]


def test_resume_from_the_checkpoint(tmp_path: Path, border_user: Any, known: Person) -> None:
    rows = [_event(n, occurred_at=f"2026-10-{n:02d}T08:00:00Z") for n in range(1, 7)]
    path = _csv(tmp_path / "events.csv", rows)
    (tmp_path / "events.csv.checkpoint").write_text("4")  # lines 2-4 were stored earlier
    summary = import_file(path, actor=border_user, batch_size=2, progress=False)
    assert (summary.created, summary.skipped) == (3, 3)
    assert sorted(BorderEvent.objects.values_list("event_id", flat=True)) == [
        "ev-4",
        "ev-5",
        "ev-6",
    ]
    assert not (tmp_path / "events.csv.checkpoint").exists()


def test_an_interrupted_import_leaves_a_checkpoint_after_the_last_batch(
    tmp_path: Path, border_user: Any, known: Person
) -> None:
    rows = [_event(n, occurred_at=f"2026-10-{n:02d}T08:00:00Z") for n in range(1, 6)]
    path = _csv(tmp_path / "events.csv", rows)
    path.write_bytes(path.read_bytes() + b"ev-9,entry,M\xfcller\r\n")  # line 7: Latin-1
    with pytest.raises(ImportFileError, match="line 7 is not UTF-8"):
        import_file(path, actor=border_user, batch_size=2, progress=False)
    assert (tmp_path / "events.csv.checkpoint").read_text() == "5"  # two batches stored
    assert BorderEvent.objects.count() == 4
    path.write_bytes(path.read_bytes().replace(b"\xfc", "ü".encode()))
    summary = import_file(path, actor=border_user, batch_size=2, progress=False)
    assert (summary.skipped, summary.created, summary.rejected) == (4, 1, 1)
    assert BorderEvent.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_batches_are_stored_while_the_next_is_validated(
    tmp_path: Path, border_user: Any, known: Person
) -> None:
    # The pipelined path: a worker thread with its own connection commits each batch.
    rows = [
        _event(n, occurred_at=f"2026-10-{n:02d}T08:00:00Z", direction=("exit", "entry")[n % 2])
        for n in range(1, 12)
    ]
    rows[4] = _event(5, birth_date="1980-02-30")  # line 6
    path = _csv(tmp_path / "events.csv", rows)
    summary = import_file(path, actor=border_user, batch_size=3, progress=False)
    assert (summary.created, summary.rejected) == (10, 1)
    errors = list(csv.reader((tmp_path / "events.csv.errors.csv").open(encoding="utf-8")))
    assert [e[:3] for e in errors[1:]] == [["6", "ev-5", "birth_date"]]
    flags = dict(BorderEvent.objects.values_list("event_id", "flags"))
    # ev-1 entry, ev-2 exit, ev-3 entry, ev-4 exit, (ev-5 rejected), ev-6 exit: flagged.
    assert flags["ev-4"] == [] and flags["ev-6"] == ["exit_without_entry"]
    assert AuditEntry.objects.filter(object_type="border.event").count() == 4
    assert not (tmp_path / "events.csv.checkpoint").exists()
    again = import_file(path, actor=border_user, batch_size=3, progress=False)
    assert (again.created, again.duplicates) == (0, 10)
