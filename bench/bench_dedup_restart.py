"""Restart time of the local dedup store holding 1,000,000 articles.

    .venv/bin/python bench/bench_dedup_restart.py [--n 1000000] [--dir PATH]

Worst case: the latest snapshot holds n - tail entries and the log holds a full
tail of `SNAPSHOT_EVERY - 1` records to replay (a crash just before the next
snapshot). Target: ready again in at most 5 s. Fingerprints are synthetic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_synth import fingerprints  # noqa: E402
from dyad.adapters.dedup_local import SNAPSHOT_EVERY, LocalStore  # noqa: E402


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


async def run(n: int, root: Path) -> None:
    tail = SNAPSHOT_EVERY - 1
    store = LocalStore(root, 7 * 86400, n, snapshot_every=10**12)
    await store.start()
    for start in range(0, n - tail, 20_000):  # straight into the index: no log
        store.index.decide(fingerprints(min(20_000, n - tail - start), start, seed=start))
    store.records = len(store.index)
    t0 = time.perf_counter()
    store._snapshot()
    snap_s = time.perf_counter() - t0
    await store.decide(fingerprints(tail, n - tail, seed=n))
    await store.checkpoint()
    # no close(): the process dies here, as with kill -9 (the kernel closes its files)
    assert store.log is not None
    os.close(store.log.fd)
    os.close(store._lock_fd)
    t0, c0 = time.perf_counter(), time.process_time()
    again = LocalStore(root, 7 * 86400, n)
    again._load()  # what start() runs in a worker thread
    ready, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"entries: {again.stats()['size']}, snapshot {_size_mb(root):.0f} MB on disk")
    print(f"snapshot write: {snap_s:.2f} s")
    print(f"restart: {ready:.2f} s wall (target <= 5), {cpu:.2f} s CPU; load average {_load()}")
    print(f"log records replayed: {again.replayed}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="state dir (default: a temp dir)")
    args = ap.parse_args()
    if args.dir:
        asyncio.run(run(args.n, args.dir))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.n, Path(tmp)))


if __name__ == "__main__":
    main()
