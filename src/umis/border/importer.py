"""`umis border import FILE`: entry/exit events from CSV or JSON Lines, in batches
through the same ingestion service as the API, resumable from a checkpoint file.

Safe to re-run from the start: ingestion is idempotent by event id; the checkpoint only
saves the time of re-reading what was stored. Bad rows (malformed CSV, invalid JSON,
rejected fields) are written to FILE.errors.csv with their line numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from umis.border.services import border_events_ingest
from umis.core.models import User

FIELDS = (
    "event_id",
    "direction",
    "occurred_at",
    "crossing_point",
    "document_type",
    "document_number",
    "document_issuing_state",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
    "visa_number",
    "purpose",
)
REQUIRED = (
    "event_id",
    "direction",
    "occurred_at",
    "crossing_point",
    "document_number",
    "document_issuing_state",
    "birth_date",
    "nationality",
)


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, missing columns, format)."""


@dataclass
class ImportSummary:
    lines: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: int = 0  # before the checkpoint


def _rows(path: Path, handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, row or None, problem) for every data line."""
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"invalid JSON: {exc.msg}"
                continue
            if not isinstance(row, dict):
                yield number, None, "each line must be a JSON object"
                continue
            yield number, row, ""
        return
    reader = csv.reader(handle)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(f"{path.name}: missing columns: {', '.join(missing)}")
    for values in reader:
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield (
                number,
                None,
                (f"expected {len(header)} fields, found {len(values)} (malformed CSV row)"),
            )
            continue
        yield number, dict(zip(header, values, strict=True)), ""


def import_file(
    path: Path,
    *,
    actor: User,
    batch_size: int = 1000,
    progress: bool = True,
    resume: bool = True,
) -> ImportSummary:
    checkpoint = path.with_name(path.name + ".checkpoint")
    errors_path = path.with_name(path.name + ".errors.csv")
    start_after = int(checkpoint.read_text().strip() or 0) if resume and checkpoint.exists() else 0
    summary = ImportSummary()
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportFileError(f"{path}: {exc.strerror}") from exc
    size = path.stat().st_size
    with (
        raw,
        errors_path.open("a" if start_after else "w", newline="", encoding="utf-8") as err_handle,
    ):
        errors = csv.writer(err_handle)
        if not start_after:
            errors.writerow(["line", "event_id", "field", "message"])
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=size, unit="B", unit_scale=True, desc=path.name)
        batch: list[tuple[int, dict[str, Any]]] = []

        def flush() -> None:
            if not batch:
                return
            report = border_events_ingest(actor=actor, events=[row for _, row in batch])
            for result in report.results:
                line = batch[result.index][0]
                if result.status == "created":
                    summary.created += 1
                elif result.status == "duplicate":
                    summary.duplicates += 1
                else:
                    summary.rejected += 1
                    for e in result.errors:
                        errors.writerow([line, result.event_id, e.field, e.message])
            checkpoint.write_text(str(batch[-1][0]))
            err_handle.flush()
            batch.clear()

        try:
            for number, row, problem in _rows(path, text):
                summary.lines += 1
                if number <= start_after:
                    summary.skipped += 1
                    continue
                if row is None:
                    summary.rejected += 1
                    errors.writerow([number, "", "", problem])
                    continue
                batch.append((number, {k: row.get(k) for k in FIELDS}))
                if len(batch) >= batch_size:
                    flush()
                    if bar is not None:
                        bar.n = raw.tell()
                        bar.refresh()
            flush()
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{path.name}: the file is not UTF-8 (byte {exc.start} cannot be decoded); "
                "save it as UTF-8 and run the import again"
            ) from exc
        finally:
            if bar is not None:
                bar.n = size
                bar.close()
    checkpoint.unlink(missing_ok=True)  # complete: a later run starts from the top
    return summary
