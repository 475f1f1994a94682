"""Process memory of the in-process dedup index holding 1,000,000 articles.

    .venv/bin/python bench/bench_dedup_memory.py [--n 1000000] [--dup-share 0.3]

Target: at most 512 MB of process RSS with 1,000,000 indexed articles. The
fingerprints are synthetic (random signatures; a share repeat an earlier one
so that clusters form); the interpreter, numpy and the index are all counted.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_synth import fingerprints  # noqa: E402
from dyad.core.dedup import MemoryDedupIndex  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill(index: MemoryDedupIndex, n: int, dup_share: float, chunk: int = 20_000) -> None:
    for start in range(0, n, chunk):
        index.decide(fingerprints(min(chunk, n - start), start, dup_share, seed=start))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dup-share", type=float, default=0.3)
    args = ap.parse_args()
    base = rss_mb()
    t0 = time.perf_counter()
    index = MemoryDedupIndex(max_entries=args.n)
    fill(index, args.n, args.dup_share)
    gc.collect()
    took = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"entries: {len(index)} ({index.stats()['clusters']} clusters of 2+)")
    print(f"RSS before the index: {base:.0f} MB (interpreter, numpy, dyad)")
    print(f"RSS with the index:   {rss_mb():.0f} MB (target <= 512)")
    print(f"peak RSS:             {peak:.0f} MB")
    print(f"filled in {took:.1f} s ({took / args.n * 1e6:.1f} us/entry, fingerprints included)")


if __name__ == "__main__":
    main()
