"""Offline core throughput on one core, and the cost of each stage in µs per article.

The pipeline runs exactly as the service runs it (Pipeline.process_batch with the
in-process dedup index, batches of --batch records) over the generated corpus.
A second pass wraps each stage's function with a timer to split the cost:
parse, document (normalise, boilerplate), fingerprint, dedup decide, countries,
sectors, event id, event build, serialisation; "other" is the rest of the total.

    python bench/bench_core.py            # quick: 5,000 articles
    python bench/bench_core.py --full     # 20,000 articles, best of 3
"""

from __future__ import annotations

import os

# One core means one thread: no BLAS/OpenMP helpers behind numpy's back.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import common  # noqa: E402
from corpus import generate  # noqa: E402
from dyad.core import pipeline as pipeline_mod  # noqa: E402
from dyad.core.dedup import MemoryDedupIndex  # noqa: E402
from dyad.core.pipeline import InputRecord, Pipeline  # noqa: E402

STAGES = (
    "parse",
    "document",
    "fingerprint",
    "dedup_decide",
    "countries",
    "sectors",
    "event_id",
    "event_build",
    "serialise",
)


def pin_one_core() -> int | None:
    """Runs the process on a single CPU, so the figure is per core whatever numpy does."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def records_of(n: int, seed: int) -> list[InputRecord]:
    items = generate(n, seed)
    return [
        InputRecord(it.value, None, "bench", 0, i, 1_700_000_000_000 + i)
        for i, it in enumerate(items)
    ]


def run(pipe: Pipeline, records: Sequence[InputRecord], batch: int) -> tuple[float, float, int]:
    """CPU seconds and wall seconds to process every record, and how many outputs came out.

    CPU time is the figure for "one core" on a machine shared with other work; on a
    quiet machine the two agree.
    """
    index = MemoryDedupIndex()  # allocated once in the service: not part of the cost
    outputs = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(records), batch):
        outputs += len(pipe.process_batch(records[i : i + batch], index, now=1_700_000_000.0))
    return time.process_time() - cpu, time.perf_counter() - wall, outputs


class Timers:
    """Wraps named functions with CPU-time timers (this thread's); undo() restores them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, attr: str, stage: str) -> bool:
        original = getattr(owner, attr, None)
        if original is None:
            return False
        seconds = self.seconds

        def timed(*args: Any, **kw: Any) -> Any:
            t = time.thread_time()
            try:
                return original(*args, **kw)
            finally:
                seconds[stage] += time.thread_time() - t

        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original))
        return True

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


def stage_costs(pipe: Pipeline, records: Sequence[InputRecord], batch: int) -> dict[str, float]:
    timers = Timers()
    missing = []
    for attr, stage in (
        ("parse_article", "parse"),
        ("make_document", "document"),
        ("fingerprints", "fingerprint"),  # a batch's at once (core/dedup_batch.py)
        ("event_id_of", "event_id"),
        ("dump", "serialise"),  # dead letters
        ("around", "serialise"),  # events (core/prepared.py)
    ):
        if not timers.wrap(pipeline_mod, attr, stage):
            missing.append(stage)
    timers.wrap(pipe.countries, "recognise", "countries") or missing.append("countries")
    timers.wrap(pipe.sectors, "classify", "sectors") or missing.append("sectors")
    # prepare: the event built and serialised around its decision (serialise is inside)
    timers.wrap(pipe, "prepare", "event_build") or missing.append("event_build")
    timers.wrap(MemoryDedupIndex, "decide", "dedup_decide") or missing.append("dedup_decide")
    try:
        total, _, _ = run(pipe, records, batch)
    finally:
        timers.undo()
    n = len(records)
    us = {stage: round(timers.seconds.get(stage, 0.0) / n * 1e6, 1) for stage in STAGES}
    us["event_build"] = round(max(0.0, us["event_build"] - us["serialise"]), 1)
    us["other"] = round(max(0.0, total / n * 1e6 - sum(us.values())), 1)
    us["total"] = round(total / n * 1e6, 1)
    if missing:
        print(f"note: stages not found (renamed?): {', '.join(missing)}", file=sys.stderr)
    return us


def measure(n: int, seed: int, batch: int, repeats: int) -> dict[str, Any]:
    cpu = pin_one_core()
    pipe = Pipeline.default()
    records = records_of(n, seed)
    run(pipe, records[: min(500, n)], batch)  # warm up: automata, numpy, caches
    runs = [run(pipe, records, batch) for _ in range(repeats)]
    best, _, outputs = min(runs)
    wall = min(r[1] for r in runs)
    mean_bytes = sum(len(r.value or b"") for r in records) / n
    return {
        "bench": "core",
        "articles": n,
        "outputs": outputs,
        "mean_article_bytes": round(mean_bytes),
        "batch": batch,
        "pinned_cpu": cpu,
        "articles_per_s": round(n / best),
        "articles_per_s_wall": round(n / wall),
        "mb_per_s": round(n * mean_bytes / best / 1e6, 1),
        "us_per_article": stage_costs(pipe, records, batch),
        "machine": common.machine(),
    }


def report(fig: dict[str, Any]) -> None:
    print(
        f"core, one core: {fig['articles_per_s']:,} articles per CPU-second "
        f"({fig['articles_per_s_wall']:,}/s by the clock, {fig['mb_per_s']} MB/s), "
        f"{fig['articles']:,} articles of ~{fig['mean_article_bytes']} bytes, batch {fig['batch']}"
    )
    print("stage cost, µs per article:")
    for stage, us in fig["us_per_article"].items():
        print(f"  {stage:<14}{us:>9.1f}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--full", action="store_true", help="20,000 articles, best of 3")
    p.add_argument("--tiny", action="store_true", help="a few hundred articles (smoke test)")
    p.add_argument("-n", type=int, help="number of articles")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args(argv)
    n = args.n or (300 if args.tiny else 20_000 if args.full else 5_000)
    fig = measure(n, args.seed, args.batch, repeats=3 if args.full else 1)
    report(fig)
    common.emit(fig, args.json)
    return fig


if __name__ == "__main__":
    main()
