"""`umis border import FILE`: entry/exit events from CSV or JSON Lines, resumable.

On PostgreSQL the rows go through the set-based bulk path (`border.bulk`, COPY into a
staging table, 50,000 rows per transaction); elsewhere through the per-item service the
API uses (1,000 rows per transaction). Both validate with the same rules and give the
same answers. On PostgreSQL, unless called inside a transaction, the next batch is read
and validated while a worker thread stores the previous one.

Safe to re-run from the start: ingestion is idempotent by event id. After each committed
batch the number of the last line read is written to FILE.checkpoint; a later run starts
after it (unless `resume=False`), and a complete run removes it. Bad rows (malformed CSV,
invalid JSON, rejected fields) go to FILE.errors.csv with their line numbers, written
with the batch they belong to, so a resumed run neither loses nor repeats them. A file
that is not UTF-8 stops the import at the first undecodable line, naming it; what was
committed before stays, and the run can resume once the file is converted.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection

from umis.border import bulk
from umis.border.services import MAX_BATCH, IngestReport, border_events_ingest
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
PER_ITEM_BATCH = 1000


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, missing columns, format)."""


@dataclass
class ImportSummary:
    lines: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: int = 0  # before the checkpoint
    method: str = ""  # "bulk" (PostgreSQL) or "per-item"


def bulk_available() -> bool:
    return connection.vendor == "postgresql"


def max_batch(*, use_bulk: bool) -> int:
    return bulk.MAX_BULK_BATCH if use_bulk else MAX_BATCH


class _Decoded:
    """The file's lines as text, decoded one line at a time so that a byte that is not
    UTF-8 is reported with its line number."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self.raw = raw
        self.name = name

    def __iter__(self) -> Iterator[str]:
        for number, data in enumerate(self.raw, start=1):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"{self.name}: line {number} is not UTF-8 (byte {exc.start + 1} of the "
                    "line cannot be decoded); save the file as UTF-8 and run the import "
                    "again — it resumes after the last stored batch"
                ) from exc
            yield text.removeprefix("\ufeff") if number == 1 else text


def _json_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    for number, line in enumerate(lines, start=1):
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


def _csv_rows(name: str, lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(f"{name}: missing columns: {', '.join(missing)}")
    width = len(header)
    while True:
        before = reader.line_num
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. an unclosed quote running into the field limit
            yield (
                reader.line_num,
                None,
                f"malformed CSV row (lines {before + 1}-{reader.line_num}): {exc}",
            )
            continue
        number = reader.line_num
        if len(values) != width:
            if not any(v.strip() for v in values):
                continue
            yield number, None, f"expected {width} fields, found {len(values)} (malformed CSV row)"
            continue
        yield number, dict(zip(header, values, strict=True)), ""


def _close_connection() -> None:
    connection.close()  # the calling thread's own connection


def _write_checkpoint(path: Path, line: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(str(line))
    os.replace(tmp, path)


def import_file(
    path: Path,
    *,
    actor: User,
    batch_size: int | None = None,
    progress: bool = True,
    resume: bool = True,
    use_bulk: bool | None = None,
) -> ImportSummary:
    """Import `path` (CSV, or JSON Lines for .jsonl/.ndjson/.json); see the module
    docstring. `use_bulk` defaults to the bulk path on PostgreSQL."""
    if use_bulk is None:
        use_bulk = bulk_available()
    if batch_size is None:
        batch_size = bulk.DEFAULT_BATCH if use_bulk else PER_ITEM_BATCH
    if not 1 <= batch_size <= max_batch(use_bulk=use_bulk):
        raise ImportFileError(
            f"the batch size must be between 1 and {max_batch(use_bulk=use_bulk)}"
        )
    checkpoint = path.with_name(path.name + ".checkpoint")
    errors_path = path.with_name(path.name + ".errors.csv")
    start_after = int(checkpoint.read_text().strip() or 0) if resume and checkpoint.exists() else 0
    summary = ImportSummary(method="bulk" if use_bulk else "per-item")
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
        lines = _Decoded(raw, path.name)
        if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
            rows = _json_rows(lines)
        else:
            rows = _csv_rows(path.name, lines)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=size, unit="B", unit_scale=True, desc=path.name)
        batch: list[tuple[int, dict[str, Any]]] = []
        problems: list[list[Any]] = []  # unreadable rows of this batch, by line
        last_line = 0
        # On PostgreSQL, outside a caller's transaction, batch N+1 is read and validated
        # while a worker thread (with its own connection) stores batch N: Python and the
        # database work at the same time. Batches are still stored one after the other,
        # in file order, and the checkpoint follows each commit.
        worker = None
        if use_bulk and not connection.in_atomic_block:
            worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="border-import")
        pending: list[tuple[Future[IngestReport], list[Any], list[list[Any]], int]] = []

        def account(
            report: IngestReport, lines: list[Any], found: list[list[Any]], upto: int
        ) -> None:
            for result in report.results:
                if result.status == "created":
                    summary.created += 1
                elif result.status == "duplicate":
                    summary.duplicates += 1
                else:
                    summary.rejected += 1
                    line = lines[result.index][0]
                    found.extend([line, result.event_id, e.field, e.message] for e in result.errors)
            if found:
                found.sort(key=lambda p: p[0])
                errors.writerows(found)
                err_handle.flush()
            if lines or found:
                _write_checkpoint(checkpoint, upto)
            if bar is not None:
                bar.n = raw.tell()
                bar.set_postfix(stored=summary.created, rejected=summary.rejected, refresh=False)
                bar.refresh()

        def finish() -> None:
            while pending:
                future, lines, found, upto = pending.pop()
                account(future.result(), lines, found, upto)

        def flush() -> None:
            nonlocal batch, problems
            lines, found = batch, problems
            batch, problems = [], []
            report = IngestReport()
            if lines and use_bulk:
                prepared = bulk.prepare_batch([row for _, row in lines])
                if worker is not None:
                    finish()
                    future = worker.submit(bulk.store_batch, actor=actor, batch=prepared)
                    pending.append((future, lines, found, last_line))
                    return
                report = bulk.store_batch(actor=actor, batch=prepared)
            elif lines:
                report = border_events_ingest(actor=actor, events=[row for _, row in lines])
            finish()
            account(report, lines, found, last_line)

        try:
            for number, row, problem in rows:
                summary.lines += 1
                if number <= start_after:
                    summary.skipped += 1
                    continue
                last_line = number
                if row is None:
                    summary.rejected += 1
                    problems.append([number, "", "", problem])
                    if len(problems) >= batch_size:
                        flush()
                    continue
                batch.append((number, row))
                if len(batch) >= batch_size:
                    flush()
            flush()
        finally:
            try:
                finish()  # a batch handed to the worker is committed: record it
            finally:
                if worker is not None:
                    worker.submit(_close_connection).result()
                    worker.shutdown()
                if bar is not None:
                    bar.close()
    checkpoint.unlink(missing_ok=True)  # complete: a later run starts from the top
    return summary
