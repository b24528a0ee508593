from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from umis.border.importer import FIELDS
from umis.border.models import BorderEvent

pytestmark = pytest.mark.django_db


def _row(i: int, **kw: Any) -> dict[str, str]:
    row = {f: "" for f in FIELDS}
    row.update(
        event_id=f"ev-{i}",
        direction="entry",
        occurred_at=f"2026-10-{i % 28 + 1:02d}T09:00:00+04:00",
        crossing_point="ROAD-RED-BRIDGE",
        document_number=f"GE{i:07d}",
        document_issuing_state="GEO",
        family_name="BERIDZE",
        given_names=f"GIORGI{i}",
        birth_date="1990-01-01",
        sex="M",
        nationality="GEO",
    )
    row.update(kw)
    return row


def _csv(path: Path, rows: list[dict[str, str]], extra_lines: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FIELDS))
        writer.writeheader()
        writer.writerows(rows)
        for line in extra_lines or []:
            handle.write(line + "\r\n")
    return path


@pytest.fixture
def border_user(make_staff: Any) -> Any:
    return make_staff("border_officer", username="border-system")


def _run(path: Path, *extra: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(
        "border",
        "import",
        str(path),
        "--as",
        "border-system",
        "--no-progress",
        "--batch",
        "2",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_csv_import_reports_bad_rows_with_line_numbers(tmp_path: Path, border_user: Any) -> None:
    path = _csv(
        tmp_path / "events.csv",
        [_row(1), _row(2, crossing_point="NOWHERE"), _row(3)],
        extra_lines=["ev-9,entry,too,few"],
    )
    out = _run(path)
    assert "2 events stored" in out and "2 rejected" in out
    assert BorderEvent.objects.count() == 2
    errors = list(csv.reader((tmp_path / "events.csv.errors.csv").open(encoding="utf-8")))
    assert errors[1][:3] == ["3", "ev-2", "crossing_point"]
    assert errors[2][0] == "5" and "malformed CSV row" in errors[2][3]
    assert not (tmp_path / "events.csv.checkpoint").exists()
    again = _run(path)
    assert "0 events stored, 2 already known" in again
    assert BorderEvent.objects.count() == 2


def test_resume_skips_what_the_checkpoint_says_was_stored(tmp_path: Path, border_user: Any) -> None:
    path = _csv(tmp_path / "events.csv", [_row(i) for i in range(1, 6)])
    (tmp_path / "events.csv.checkpoint").write_text("3")  # lines 2-3 were done earlier
    out = _run(path)
    assert "3 events stored" in out and "2 skipped" in out
    assert sorted(BorderEvent.objects.values_list("event_id", flat=True)) == [
        "ev-3",
        "ev-4",
        "ev-5",
    ]


def test_jsonl_import(tmp_path: Path, border_user: Any) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        json.dumps(_row(1)) + "\n{not json\n" + json.dumps(_row(2)) + "\n", encoding="utf-8"
    )
    out = _run(path)
    assert "2 events stored" in out and "1 rejected" in out


def test_missing_columns_and_non_utf8_are_clear_errors(tmp_path: Path, border_user: Any) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id,direction\nx,entry\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns: occurred_at"):
        _run(bad)
    latin = tmp_path / "latin.csv"
    _csv(latin, [_row(1)])
    latin.write_bytes(latin.read_bytes() + "ev-2,entry,Müller\n".encode("latin-1"))
    with pytest.raises(CommandError, match="line 3 is not UTF-8"):
        _run(latin)
    # The whole (small) file is one decoding chunk: nothing was stored before the error.
    assert BorderEvent.objects.count() == 0


def test_an_unclosed_quote_is_one_bad_record_and_later_rows_are_stored(
    tmp_path: Path, border_user: Any
) -> None:
    limit = csv.field_size_limit(300)  # the quoted field runs into the limit sooner
    try:
        path = _csv(
            tmp_path / "events.csv",
            [_row(1)],
            extra_lines=['ev-2,entry,"2026-10-02T09:00:00+04:00'] + ["x" * 60] * 8,
        )
        with path.open("a", newline="", encoding="utf-8") as handle:
            csv.DictWriter(handle, fieldnames=list(FIELDS)).writerow(_row(3))
        out = _run(path)
    finally:
        csv.field_size_limit(limit)
    assert "2 events stored" in out
    assert sorted(BorderEvent.objects.values_list("event_id", flat=True)) == ["ev-1", "ev-3"]
    errors = list(csv.reader((tmp_path / "events.csv.errors.csv").open(encoding="utf-8")))
    # The quote swallowed lines 3 to 8 (one bad record); the filler lines after it are
    # bad rows of their own; ev-3 on line 12 is read normally again.
    assert errors[1][0] == "8" and "malformed CSV row (lines 3-8)" in errors[1][3]
    assert [e[0] for e in errors[2:]] == ["9", "10", "11"]


def test_batch_size_option(tmp_path: Path, border_user: Any) -> None:
    path = _csv(tmp_path / "events.csv", [_row(i) for i in range(1, 4)])
    with pytest.raises(CommandError, match="--batch-size must be between 1 and"):
        _run(path, "--batch-size", "0")
    out = _run(path, "--batch-size", "1")
    assert "3 events stored" in out
