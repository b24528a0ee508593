"""A small HTTP/1.1 load generator on asyncio streams, cheap enough to share two cores
with the server it measures.

Requests are prepared as bytes up front; responses are read by Content-Length (the
server under test always sends one) over keep-alive connections. Two modes:

- closed loop (`closed_loop`): `concurrency` connections, each sending its next request
  as soon as the previous answer arrived: the throughput the server sustains.
- open loop (`open_loop`): requests are due at a fixed rate whatever the server does;
  latency is measured from the moment a request was due, so queueing (when the server
  falls behind) is counted and not hidden (no coordinated omission).

Every response's status is counted; anything but 200, and every broken connection, is an
error.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


def request_bytes(
    method: str,
    path: str,
    *,
    host: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> bytes:
    """One HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class LoadStats:
    """Latencies (seconds) and statuses of one run."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    broken: int = 0  # connection errors, malformed responses

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return self.broken + sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def throughput(self) -> float:
        ok = self.statuses.get(200, 0)
        return ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency percentile in milliseconds (nearest rank)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    @classmethod
    def merged(cls, runs: list[LoadStats]) -> LoadStats:
        """Several runs as one (alternating runs of two endpoints share the machine's
        drift instead of one endpoint getting a quiet minute and the other a busy one)."""
        out = cls(seconds=sum(r.seconds for r in runs))
        for run in runs:
            out.latencies += run.latencies
            out.statuses.update(run.statuses)
            out.broken += run.broken
        return out

    def summary(self) -> str:
        return (
            f"p50 {self.percentile(50):.1f} ms, p95 {self.percentile(95):.1f} ms, "
            f"p99 {self.percentile(99):.1f} ms, {self.throughput:,.0f} req/s "
            f"({self.count:,} requests, {self.errors} errors)"
        )


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, bool]:
        """Send one request, read its response: (status, server keeps the connection)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        keep = True
        for line in head.split(b"\r\n")[1:]:
            name, _sep, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep = False
        if length:
            await self.reader.readexactly(length)
        return status, keep

    def close(self) -> None:
        self.writer.close()


async def _closed(
    host: str, port: int, requests: Sequence[bytes], concurrency: int, seconds: float
) -> LoadStats:
    stats = LoadStats(seconds)
    start = time.perf_counter()
    stop = start + seconds

    async def worker(offset: int) -> None:
        conn: _Connection | None = None
        i = offset
        while time.perf_counter() < stop:
            request = requests[i % len(requests)]
            i += concurrency
            try:
                if conn is None:
                    conn = await _Connection.open(host, port)
                sent = time.perf_counter()
                status, keep = await conn.exchange(request)
                stats.latencies.append(time.perf_counter() - sent)
                stats.statuses[status] += 1
                if not keep:
                    conn.close()
                    conn = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                stats.broken += 1
                if conn is not None:
                    conn.close()
                conn = None
                await asyncio.sleep(0.01)
        if conn is not None:
            conn.close()

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    stats.seconds = time.perf_counter() - start
    return stats


async def _open(
    host: str, port: int, requests: Sequence[bytes], rate: float, seconds: float, pool: int
) -> LoadStats:
    stats = LoadStats(seconds)
    idle: asyncio.Queue[_Connection | None] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(None)  # opened lazily

    async def one(request: bytes, due: float) -> None:
        conn = await idle.get()
        try:
            if conn is None:
                conn = await _Connection.open(host, port)
            status, keep = await conn.exchange(request)
            stats.latencies.append(time.perf_counter() - due)
            stats.statuses[status] += 1
            if not keep:
                conn.close()
                conn = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            stats.broken += 1
            if conn is not None:
                conn.close()
            conn = None
        idle.put_nowait(conn)

    start = time.perf_counter()
    total = int(rate * seconds)
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)], due)))
    # A server far behind the rate is not waited for forever: what is still unanswered
    # after twice the run (at least ten seconds more) counts as errors.
    _done, late = await asyncio.wait(tasks, timeout=max(seconds, 10.0))
    for task in late:
        task.cancel()
    stats.broken += len(late)
    stats.seconds = time.perf_counter() - start  # until the last answer: what was served
    while not idle.empty():
        conn = idle.get_nowait()
        if conn is not None:
            conn.close()
    return stats


def closed_loop(
    host: str, port: int, requests: Sequence[bytes], *, concurrency: int, seconds: float
) -> LoadStats:
    """`concurrency` keep-alive connections sending back to back for `seconds`."""
    return asyncio.run(_closed(host, port, requests, concurrency, seconds))


def open_loop(
    host: str, port: int, requests: Sequence[bytes], *, rate: float, seconds: float, pool: int = 64
) -> LoadStats:
    """Requests due at `rate` per second for `seconds`, over at most `pool` connections;
    latency counted from when each request was due."""
    return asyncio.run(_open(host, port, requests, rate, seconds, pool))
