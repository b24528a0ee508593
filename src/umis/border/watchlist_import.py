"""Watch-list files: entry bans and invalid documents from CSV or JSON Lines.

Used by `umis border import-bans FILE` and `umis border import-invalid-documents FILE`
(rows go to the services in batches, with a progress bar) and by the back office's
upload pages (one batch). Safe to run again on the same file: the services are
idempotent (a ban by its natural key, an invalid document by issuing state and number).
Rows that cannot be read or are rejected are written to FILE.errors.csv with their line
numbers.

The event importer (border/importer.py) has its own reader, tied to the event columns;
this one takes the expected columns as an argument.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from umis.border import watchlist
from umis.core.errors import FieldError
from umis.core.models import User

BAN_COLUMNS = (
    "personal_number",
    "person_id",
    "document_issuing_state",
    "document_number",
    "legal_ground",
    "legal_basis",
    "authority",
    "valid_from",
    "valid_to",
)
INVALID_DOCUMENT_COLUMNS = ("issuing_state", "number", "reason", "reported_on")
JSON_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})


class WatchlistFileError(Exception):
    """The file as a whole cannot be read (encoding, missing columns, size)."""


@dataclass(frozen=True)
class Spec:
    """What a file of one kind must hold: `required` columns, and groups of which at
    least one column must be present."""

    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()


BANS = Spec(
    columns=BAN_COLUMNS,
    required=("authority", "valid_from"),
    one_of=(
        ("personal_number", "person_id", "document_number"),
        ("legal_ground", "legal_basis"),
    ),
)
INVALID_DOCUMENTS = Spec(
    columns=INVALID_DOCUMENT_COLUMNS, required=("issuing_state", "number", "reason")
)


def read_rows(
    handle: IO[str], *, name: str, spec: Spec
) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, row or None, problem) for every data line of a CSV file (first line:
    column names) or, when `name` ends in .jsonl/.ndjson/.json, of a JSON Lines file.
    Only `spec.columns` are kept; a CSV without the required columns is refused whole."""
    if Path(name).suffix.lower() in JSON_SUFFIXES:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, _("invalid JSON: %(problem)s") % {"problem": exc.msg}
                continue
            if not isinstance(row, dict):
                yield number, None, _("each line must be a JSON object")
                continue
            yield number, {k: row.get(k) for k in spec.columns}, ""
        return
    reader = csv.reader(handle)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    missing = [c for c in spec.required if c not in header]
    missing += [" or ".join(group) for group in spec.one_of if not set(group) & set(header)]
    if missing:
        raise WatchlistFileError(
            _("%(name)s: missing columns: %(columns)s")
            % {"name": name, "columns": ", ".join(missing)}
        )
    for values in reader:
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield (
                number,
                None,
                _("expected %(expected)d fields, found %(found)d (malformed CSV row)")
                % {"expected": len(header), "found": len(values)},
            )
            continue
        row = dict(zip(header, values, strict=True))
        yield number, {k: row.get(k, "") for k in spec.columns}, ""


@dataclass
class LineResult:
    line: int
    status: str  # created | updated | unchanged | rejected
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class Summary:
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)


Loader = Callable[[Sequence[dict[str, Any]]], list[tuple[str, tuple[FieldError, ...]]]]


def ban_loader(actor: User) -> Loader:
    def load(rows: Sequence[dict[str, Any]]) -> list[tuple[str, tuple[FieldError, ...]]]:
        return [(r.status, r.errors) for r in watchlist.entry_bans_import(actor=actor, rows=rows)]

    return load


def invalid_document_loader(actor: User, source: str) -> Loader:
    def load(rows: Sequence[dict[str, Any]]) -> list[tuple[str, tuple[FieldError, ...]]]:
        return [
            (r.status, r.errors)
            for r in watchlist.invalid_documents_load(actor=actor, rows=rows, source=source)
        ]

    return load


def load_rows(
    rows: Iterator[tuple[int, dict[str, Any] | None, str]],
    load: Loader,
    *,
    batch_size: int,
    on_result: Callable[[LineResult], None],
    on_batch: Callable[[], None] | None = None,
) -> Summary:
    """Send the rows to `load` in batches; every line's result goes to `on_result`."""
    summary = Summary()
    batch: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        if not batch:
            return
        for (line, _row), (status, errors) in zip(
            batch, load([row for _line, row in batch]), strict=True
        ):
            summary.add(status)
            on_result(LineResult(line, status, list(errors)))
        batch.clear()
        if on_batch is not None:
            on_batch()

    for number, row, problem in rows:
        summary.lines += 1
        if row is None:
            summary.add("rejected")
            on_result(LineResult(number, "rejected", [FieldError("", "unreadable", problem)]))
            continue
        batch.append((number, row))
        if len(batch) >= batch_size:
            flush()
    flush()
    return summary


def import_file(
    path: Path,
    *,
    spec: Spec,
    load: Loader,
    batch_size: int = 1000,
    progress: bool = True,
) -> Summary:
    """Load a whole file; rejected lines go to FILE.errors.csv (line, field, message),
    which is removed when nothing was rejected."""
    errors_path = path.with_name(path.name + ".errors.csv")
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise WatchlistFileError(f"{path}: {exc.strerror}") from exc
    size = path.stat().st_size
    with raw, errors_path.open("w", newline="", encoding="utf-8") as err_handle:
        writer = csv.writer(err_handle)
        writer.writerow(["line", "field", "message"])
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=size, unit="B", unit_scale=True, desc=path.name)

        def on_result(result: LineResult) -> None:
            for e in result.errors:
                writer.writerow([result.line, e.field, e.message])

        def on_batch() -> None:
            err_handle.flush()
            if bar is not None:
                bar.n = raw.tell()
                bar.refresh()

        try:
            summary = load_rows(
                read_rows(text, name=path.name, spec=spec),
                load,
                batch_size=batch_size,
                on_result=on_result,
                on_batch=on_batch,
            )
        except UnicodeDecodeError as exc:
            raise WatchlistFileError(
                f"{path.name}: the file is not UTF-8 (byte {exc.start} cannot be decoded); "
                "save it as UTF-8 and run the import again"
            ) from exc
        finally:
            if bar is not None:
                bar.n = size
                bar.close()
    if not summary.rejected:
        errors_path.unlink(missing_ok=True)
    return summary


def load_upload(
    data: bytes, *, name: str, spec: Spec, load: Loader, max_rows: int = watchlist.MAX_BATCH
) -> tuple[Summary, list[LineResult]]:
    """An uploaded file (the back office), in one batch: the summary and every line's
    result. A file with more than `max_rows` lines is refused whole (use the command)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WatchlistFileError(
            _(
                "%(name)s: the file is not UTF-8 (byte %(byte)d cannot be decoded); "
                "save it as UTF-8 and upload it again"
            )
            % {"name": name, "byte": exc.start}
        ) from exc
    rows = list(read_rows(io.StringIO(text, newline=""), name=name, spec=spec))
    if len(rows) > max_rows:
        raise WatchlistFileError(
            _(
                "%(name)s: %(lines)d lines; upload at most %(max)d lines at a time, "
                "or load the file with the `umis border` command"
            )
            % {"name": name, "lines": len(rows), "max": max_rows}
        )
    results: list[LineResult] = []
    summary = load_rows(iter(rows), load, batch_size=max_rows, on_result=results.append)
    return summary, results
