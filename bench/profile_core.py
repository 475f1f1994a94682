"""Where the core's time goes: a sampling profile of the pipeline over the corpus.

By default py-spy samples `bench/bench_core.py` from outside (no overhead in the
profiled process) and the folded stacks are summed into self time per function
(the lines for bench/README.md) and total time per dyad function. `--pyinstrument`
profiles in-process instead and can write pyinstrument's HTML call tree. For the
running service: `py-spy top --pid PID` or `py-spy record -o dyad.svg --pid PID`.

    python bench/profile_core.py -n 5000
    python bench/profile_core.py --pyinstrument --html profile.html
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import common

_FRAME_RE = re.compile(r"^(?P<func>[^(]+) \((?P<file>[^:)]+)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    """'analyse (/x/services/dyad/core/pipeline.py:121)' -> 'analyse (core/pipeline.py)'."""
    m = _FRAME_RE.match(frame.strip())
    if not m:
        return frame.strip()
    path = Path(m["file"])
    where = "/".join(path.parts[-2:]) if "dyad" in path.parts else path.name
    return f"{m['func']} ({where})"


def fold(raw: str) -> tuple[Counter[str], Counter[str], int]:
    """Self samples per function, total samples per dyad function, all samples."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [short(f) for f in stack.split(";")]
        samples += n
        own[frames[-1]] += n
        for f in set(frames):
            if "dyad/" in f or "core/" in f:
                total[f] += n
    return own, total, samples


def py_spy(n: int, seed: int, rate: int) -> str:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        cmd = [exe, "record", "--format", "raw", "-r", str(rate), "-o", str(out), "--"]
        cmd += [sys.executable, str(common.ROOT / "bench" / "profile_core.py"), "--plain"]
        cmd += ["-n", str(n), "--seed", str(seed)]
        subprocess.run(cmd, check=True, cwd=common.ROOT, capture_output=True)
        return out.read_text("utf-8")


def plain(n: int, seed: int) -> None:
    """The pipeline alone, as py-spy samples it: warm up, then one pass over the corpus."""
    from bench_core import records_of, run
    from dyad.core.pipeline import Pipeline

    pipe = Pipeline.default()
    records = records_of(n, seed)
    run(pipe, records[:300], 500)
    run(pipe, records, 500)


def pyinstrument(n: int, seed: int, html: str | None) -> str:
    """The same folded format, from pyinstrument's call tree in this process."""
    from pyinstrument import Profiler

    from bench_core import records_of
    from dyad.core.dedup import MemoryDedupIndex
    from dyad.core.pipeline import Pipeline

    pipe = Pipeline.default()
    records = records_of(n, seed)
    pipe.process_batch(records[:300], MemoryDedupIndex(), now=0.0)  # warm up
    index = MemoryDedupIndex()
    profiler = Profiler(interval=0.001)
    profiler.start()
    for i in range(0, len(records), 500):
        pipe.process_batch(records[i : i + 500], index, now=1_700_000_000.0)
    profiler.stop()
    if html:
        Path(html).write_text(profiler.output_html(), "utf-8")
    lines: list[str] = []
    root = profiler.last_session.root_frame() if profiler.last_session else None

    def walk(frame: object, stack: list[str]) -> None:
        kids = [c for c in frame.children if not c.is_synthetic]  # type: ignore[attr-defined]
        here = stack + [f"{frame.function} ({frame.file_path}:{frame.line_no})"]  # type: ignore[attr-defined]
        own = frame.time - sum(c.time for c in kids)  # type: ignore[attr-defined]
        if own > 0:
            lines.append(f"{';'.join(here)} {round(own * 1e6)}")
        for c in kids:
            walk(c, here)

    if root is not None:
        walk(root, [])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", type=int, default=5000)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    p.add_argument("--pyinstrument", action="store_true")
    p.add_argument("--html", help="with --pyinstrument: write the call tree here")
    p.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.plain:
        plain(args.n, args.seed)
        return
    raw = (
        pyinstrument(args.n, args.seed, args.html)
        if args.pyinstrument
        else py_spy(args.n, args.seed, args.rate)
    )
    own, total, samples = fold(raw)
    print(f"{samples:,} samples over {args.n:,} articles (with loading and corpus generation)")
    print("self time:")
    for f, c in own.most_common(args.top):
        print(f"  {c / samples * 100:5.1f}%  {f}")
    print("total time, dyad functions:")
    for f, c in total.most_common(args.top):
        print(f"  {c / samples * 100:5.1f}%  {f}")


if __name__ == "__main__":
    main()
