"""Where the core's time goes: pyinstrument over Pipeline.process_batch on the corpus.

Prints the functions with the most self time (the lines for bench/README.md) and,
with --html, writes pyinstrument's full call tree. For the running service use
py-spy instead: `py-spy top --pid PID` or `py-spy record -o dyad.svg --pid PID`.

    python bench/profile_core.py -n 3000
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from pyinstrument import Profiler

from bench_core import records_of
from dyad.core.dedup import MemoryDedupIndex
from dyad.core.pipeline import Pipeline


def self_times(frame: Any, acc: dict[str, float]) -> None:
    """Self time per function (summed over the call tree)."""
    real = [c for c in frame.children if not c.is_synthetic]
    own = frame.time - sum(child.time for child in real)
    where = f"{frame.function} ({Path(frame.file_path or '?').name}:{frame.line_no})"
    acc[where] += own
    for child in real:
        self_times(child, acc)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", type=int, default=3000)
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--html", help="write the full call tree here")
    args = p.parse_args(argv)
    pipe = Pipeline.default()
    records = records_of(args.n, args.seed)
    pipe.process_batch(records[:300], MemoryDedupIndex(), now=0.0)  # warm up
    index = MemoryDedupIndex()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for i in range(0, len(records), 500):
        pipe.process_batch(records[i : i + 500], index, now=1_700_000_000.0)
    session = profiler.stop()
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None:
        return
    acc: dict[str, float] = defaultdict(float)
    self_times(root, acc)
    total = root.time
    print(f"{args.n:,} articles, {total:.2f} s, {total / args.n * 1e6:.0f} µs per article")
    print(f"{'self %':>7}  {'µs/art':>7}  function")
    for where, t in sorted(acc.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{t / total * 100:7.1f}  {t / args.n * 1e6:7.1f}  {where}")
    if args.html:
        Path(args.html).write_text(profiler.output_html(), "utf-8")
    del session


if __name__ == "__main__":
    main()
