"""Identity benchmark: UMIS batch deduplication against Splink on the same labelled records.

`run(records=50_000, seed=..., big=None)` prints a table and returns the figures as a dict
(`measure` returns them as a `BenchResult`):

1. generates `records` labelled rows (``bench.identity_data``) and writes them as the
   `umis identity dedupe` CSV;
2. runs ``umis identity dedupe IN.csv --out OUT.csv`` and ``python -m bench.identity_splink
   IN.csv OUT.csv`` one after the other, each in its own subprocess, so both are timed the
   same way: wall time from process start (interpreter, imports, reading the CSV) to the
   output file written, with the child's peak RSS;
3. scores both against the truth: pairwise precision, recall and F1 over "same cluster"
   record pairs, counted from the contingency table of (cluster, entity) sizes, never
   from pair lists (n·(n-1)/2 per group), so a million records cost nothing extra;
4. with `big` (e.g. 1,000,000), times UMIS alone on that many records (peak RSS too).

Also reports, per kind of hard negative (twins, father and son, spouses, common names),
how many such pairs each engine wrongly put in one cluster, and samples of false
positives and false negatives for tuning.

``python -m bench identity [--records N] [--big 1000000]`` or
``python -m bench.identity --records N --big M``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import identity_data

DEFAULT_SEED = 20261123
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Metrics:
    precision: float
    recall: float
    f1: float
    true_pairs: int  # pairs of records of one entity
    predicted_pairs: int  # pairs of records in one cluster
    correct_pairs: int  # both

    def line(self) -> str:
        return f"P {self.precision:.4f}  R {self.recall:.4f}  F1 {self.f1:.4f}"


@dataclass
class EngineResult:
    name: str
    seconds: float
    peak_rss_mb: float
    metrics: Metrics | None
    clusters: int
    hard_negative_errors: dict[str, int] = field(default_factory=dict)
    false_positives: list[tuple[Sequence[str], Sequence[str]]] = field(default_factory=list)
    false_negatives: list[tuple[Sequence[str], Sequence[str]]] = field(default_factory=list)
    errors: dict[str, Counter[str]] = field(default_factory=dict)
    records_clustered: int = 0
    load: float = 0.0  # 1-minute load average when it started (timings are wall time)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_metrics(predicted: Mapping[str, str], truth: Mapping[str, int]) -> Metrics:
    """Pairwise P/R/F1 of a clustering against the truth, from group sizes only.

    Every record of `truth` must be in `predicted` (a missing one raises KeyError: an
    engine that drops records is broken, not merely inaccurate).
    """
    by_cluster: Counter[str] = Counter()
    by_entity: Counter[int] = Counter()
    both: Counter[tuple[str, int]] = Counter()
    for record_id, entity in truth.items():
        cluster = predicted[record_id]
        by_cluster[cluster] += 1
        by_entity[entity] += 1
        both[(cluster, entity)] += 1
    predicted_pairs = sum(_pairs(n) for n in by_cluster.values())
    true_pairs = sum(_pairs(n) for n in by_entity.values())
    correct = sum(_pairs(n) for n in both.values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(precision, recall, f1, true_pairs, predicted_pairs, correct)


def hard_negative_errors(
    predicted: Mapping[str, str],
    truth: Mapping[str, int],
    hard: Mapping[str, Sequence[tuple[int, int]]],
) -> dict[str, int]:
    """Per kind, how many hard-negative entity pairs share a cluster somewhere."""
    clusters_of: dict[int, set[str]] = defaultdict(set)
    for record_id, entity in truth.items():
        clusters_of[entity].add(predicted[record_id])
    return {
        kind: sum(1 for a, b in pairs if clusters_of[a] & clusters_of[b])
        for kind, pairs in hard.items()
    }


def error_samples(
    predicted: Mapping[str, str],
    data: identity_data.Dataset,
    *,
    count: int = 8,
    seed: int = 0,
) -> tuple[list[tuple[Sequence[str], Sequence[str]]], list[tuple[Sequence[str], Sequence[str]]]]:
    """A few false positive pairs (one cluster, two entities) and false negative pairs
    (one entity, two clusters), as the rows involved."""
    rng = random.Random(seed)
    rows = {row[0]: row for row in data.rows}
    by_cluster: dict[str, list[str]] = defaultdict(list)
    by_entity: dict[int, list[str]] = defaultdict(list)
    for record_id, entity in data.truth.items():
        by_cluster[predicted[record_id]].append(record_id)
        by_entity[entity].append(record_id)
    fps: list[tuple[Sequence[str], Sequence[str]]] = []
    mixed = [ids for ids in by_cluster.values() if len({data.truth[i] for i in ids}) > 1]
    for ids in rng.sample(mixed, min(count, len(mixed))):
        first = ids[0]
        other = next(i for i in ids if data.truth[i] != data.truth[first])
        fps.append((rows[first], rows[other]))
    fns: list[tuple[Sequence[str], Sequence[str]]] = []
    split = [ids for ids in by_entity.values() if len({predicted[i] for i in ids}) > 1]
    for ids in rng.sample(split, min(count, len(split))):
        first = ids[0]
        other = next(i for i in ids if predicted[i] != predicted[first])
        fns.append((rows[first], rows[other]))
    return fps, fns


def _script(text: str) -> str:
    for ch in text:
        if ch.isalpha():
            return "Latin" if ch < "\u0250" else unicodedata.name(ch, "?").split(" ")[0].title()
    return ""


def error_profile(
    predicted: Mapping[str, str], data: identity_data.Dataset, *, cap: int = 50
) -> dict[str, Counter[str]]:
    """What kind of record pairs an engine gets wrong, counted over pairs (at most `cap`
    per entity or cluster, so one runaway cluster cannot drown the rest)."""
    from umis.identity.normalise import romanise

    rows = {row[0]: row for row in data.rows}
    hard = {frozenset(pair): kind for kind, pairs in data.hard_negatives.items() for pair in pairs}
    by_cluster: dict[str, list[str]] = defaultdict(list)
    by_entity: dict[int, list[str]] = defaultdict(list)
    for record_id, entity in data.truth.items():
        by_cluster[predicted[record_id]].append(record_id)
        by_entity[entity].append(record_id)

    def fn_kind(a: Sequence[str], b: Sequence[str]) -> str:
        if a[9] and a[9] == b[9]:
            return "same document number"
        if _script(a[2] + a[3]) != _script(b[2] + b[3]):
            return "different scripts"
        if romanise(a[2]) == romanise(b[3]) or romanise(a[3]) == romanise(b[2]):
            return "family/given swapped"
        if not a[6] or not b[6] or "-00" in a[6] + b[6] or a[6] != b[6]:
            return "birth date differs or partial"
        return "other (spelling, typo, middle name)"

    def fp_kind(a: Sequence[str], b: Sequence[str]) -> str:
        kind = hard.get(frozenset((data.truth[a[0]], data.truth[b[0]])))
        if kind:
            return f"hard negative: {kind}"
        if not a[6] or not b[6] or "-00" in a[6] + b[6]:
            return "birth date partial or missing"
        if a[6] == b[6]:
            return "same birth date"
        return "birth date differs"

    fns: Counter[str] = Counter()
    for ids in by_entity.values():
        seen = 0
        for i, x in enumerate(ids):
            for y in ids[i + 1 :]:
                if predicted[x] != predicted[y] and seen < cap:
                    fns[fn_kind(rows[x], rows[y])] += 1
                    seen += 1
    fps: Counter[str] = Counter()
    for ids in by_cluster.values():
        if len(ids) < 2:
            continue
        seen = 0
        for i, x in enumerate(ids):
            for y in ids[i + 1 :]:
                if data.truth[x] != data.truth[y] and seen < cap:
                    fps[fp_kind(rows[x], rows[y])] += 1
                    seen += 1
    return {"false_negatives": fns, "false_positives": fps}


def read_clusters(path: Path | str) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader)]
        rid, cid = header.index("record_id"), header.index("cluster_id")
        return {row[rid]: row[cid] for row in reader}


def _timed(cmd: Sequence[str]) -> tuple[float, float, str]:
    """Run `cmd`, return (wall seconds, the child's own peak RSS in MB, stderr tail);
    raise on failure. wait4 gives the rusage of this child alone (RUSAGE_CHILDREN would
    be the high-water mark of every child so far)."""
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'src'}"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "umis.settings")
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        started = time.perf_counter()
        # Our own interpreter and modules, arguments built here: no untrusted input.
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        tail = log.read()[-3000:]
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{tail}")
    return seconds, usage.ru_maxrss / 1024, tail


def _umis_cmd(inp: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "umis.cli", "identity", "dedupe", str(inp), "--out", str(out)]


def _splink_cmd(inp: Path, out: Path, threshold: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.identity_splink",
        str(inp),
        str(out),
        "--threshold",
        str(threshold),
    ]


def _engine(
    name: str,
    cmd: Sequence[str],
    out: Path,
    data: identity_data.Dataset,
) -> EngineResult:
    load = os.getloadavg()[0]
    seconds, peak, _ = _timed(cmd)
    predicted = read_clusters(out)
    metrics = pairwise_metrics(predicted, data.truth)
    fps, fns = error_samples(predicted, data)
    return EngineResult(
        name=name,
        seconds=seconds,
        peak_rss_mb=peak,
        metrics=metrics,
        clusters=len(set(predicted.values())),
        hard_negative_errors=hard_negative_errors(predicted, data.truth, data.hard_negatives),
        false_positives=fps,
        false_negatives=fns,
        errors=error_profile(predicted, data),
        records_clustered=len(predicted),
        load=load,
    )


@dataclass
class BenchResult:
    records: int
    persons: int
    generate_seconds: float
    engines: list[EngineResult]
    big: EngineResult | None = None
    big_records: int = 0
    splink_threshold: float = 0.0

    def table(self) -> str:
        lines = [
            f"identity dedupe: {self.records:,} records of {self.persons:,} persons "
            f"(generated in {self.generate_seconds:.1f} s)",
            f"({os.cpu_count()} CPUs; Splink threshold {self.splink_threshold}; "
            "load = 1-minute load average at the engine's start)",
            f"{'engine':<8} {'precision':>9} {'recall':>8} {'F1':>8} {'seconds':>8} "
            f"{'peak MB':>8} {'load':>5} {'clusters':>9}  hard-negative pairs joined",
        ]
        for e in self.engines:
            m = e.metrics
            assert m is not None
            hard = ", ".join(f"{k} {v}" for k, v in e.hard_negative_errors.items())
            lines.append(
                f"{e.name:<8} {m.precision:>9.4f} {m.recall:>8.4f} {m.f1:>8.4f} "
                f"{e.seconds:>8.1f} {e.peak_rss_mb:>8.0f} {e.load:>5.1f} {e.clusters:>9,}  {hard}"
            )
        if len(self.engines) == 2:
            umis, splink = self.engines
            assert umis.metrics and splink.metrics
            lines.append(
                f"UMIS - Splink: F1 {umis.metrics.f1 - splink.metrics.f1:+.4f} (target >= +0.02), "
                f"time ratio {umis.seconds / splink.seconds:.2f} (target <= 1)"
            )
        if self.big is not None:
            lines.append(
                f"UMIS alone on {self.big_records:,} records: {self.big.seconds:.1f} s, "
                f"peak RSS {self.big.peak_rss_mb:,.0f} MB, load {self.big.load:.1f} "
                "(target <= 600 s)"
            )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "records": self.records,
            "persons": self.persons,
            "generate_seconds": round(self.generate_seconds, 2),
        }
        for e in self.engines:
            m = e.metrics
            assert m is not None
            out[e.name.lower()] = {
                "precision": m.precision,
                "recall": m.recall,
                "f1": m.f1,
                "seconds": round(e.seconds, 2),
                "peak_rss_mb": round(e.peak_rss_mb),
                "clusters": e.clusters,
                "load": round(e.load, 2),
                "hard_negative_errors": e.hard_negative_errors,
                "errors": {k: dict(v) for k, v in e.errors.items()},
            }
        if self.big is not None:
            out["big"] = {
                "load": round(self.big.load, 2),
                "records": self.big_records,
                "seconds": round(self.big.seconds, 1),
                "peak_rss_mb": round(self.big.peak_rss_mb),
            }
        return out


def run(
    records: int = 50_000,
    seed: int = DEFAULT_SEED,
    big: int | None = None,
    **options: Any,
) -> dict[str, object]:
    """Measure (see `measure`), print the table, return the figures as a dict."""
    result = measure(records, seed, big, **options)
    print(result.table(), flush=True)
    return result.as_dict()


def measure(
    records: int = 50_000,
    seed: int = DEFAULT_SEED,
    big: int | None = None,
    *,
    splink: bool = True,
    splink_threshold: float | None = None,
    workdir: Path | str | None = None,
    samples: bool = False,
) -> BenchResult:
    from bench import identity_splink

    threshold = splink_threshold or identity_splink.DEFAULT_THRESHOLD
    with tempfile.TemporaryDirectory(prefix="umis-identity-bench-", dir=workdir) as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        data = identity_data.generate(records, seed)
        generate_seconds = time.perf_counter() - started
        inp = work / "records.csv"
        data.write(inp)
        engines = [_engine("UMIS", _umis_cmd(inp, work / "umis.csv"), work / "umis.csv", data)]
        if splink:
            engines.append(
                _engine(
                    "Splink",
                    _splink_cmd(inp, work / "splink.csv", threshold),
                    work / "splink.csv",
                    data,
                )
            )
        result = BenchResult(len(data.rows), data.persons, generate_seconds, engines)
        result.splink_threshold = threshold
        if big:
            del data
            big_data = identity_data.generate(big, seed + 1)
            big_in = work / "big.csv"
            big_data.write(big_in)
            del big_data
            load = os.getloadavg()[0]
            seconds, peak, _ = _timed(_umis_cmd(big_in, work / "big_out.csv"))
            result.big = EngineResult("UMIS", seconds, peak, None, 0, load=load)
            result.big_records = big
    if samples:
        for e in result.engines:
            for side, counts in e.errors.items():
                print(f"{e.name} {side.replace('_', ' ')} (pairs):")
                for kind, n in counts.most_common():
                    print(f"    {n:>7,}  {kind}")
            for kind, pairs in (
                ("false positive", e.false_positives),
                ("false negative", e.false_negatives),
            ):
                for a, b in pairs:
                    print(f"{e.name} {kind}:\n    {a}\n    {b}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.identity")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--big", type=int, default=None, help="also time UMIS alone on N records")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--splink-threshold", type=float, default=None)
    parser.add_argument("--samples", action="store_true", help="print error samples")
    args = parser.parse_args(argv)
    run(
        args.records,
        args.seed,
        args.big,
        splink=not args.no_splink,
        splink_threshold=args.splink_threshold,
        samples=args.samples,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
