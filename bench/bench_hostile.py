"""Worst per-article time over a hostile corpus: no input may make processing slow.

Builds values meant to hurt a parser or a backtracking regex (deep nesting, huge
numbers, long runs of one character, repeated boilerplate and licence openings,
crumb-like separators, RTL controls, 1 MB bodies) and times the whole pure
pipeline on each, one at a time. Prints the slowest cases and the worst time
per KB, so a super-linear matcher shows up as a large figure on long inputs.

    python bench/bench_hostile.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from dyad.core.dedup import MemoryDedupIndex  # noqa: E402
from dyad.core.pipeline import InputRecord, Pipeline  # noqa: E402

MB = 1_048_576


def _doc(body: str, title: str = "t", **extra: object) -> bytes:
    return json.dumps({"id": "h", "title": title, "body": body, **extra}).encode()


def corpus(size: int) -> Iterator[tuple[str, bytes]]:
    """(name, value) pairs; bodies are about `size` characters."""
    n = size
    yield "deep nesting", b"[" * 10_000 + b"]" * 10_000
    yield (
        "deep metadata",
        b'{"id":"h","title":"","body":"","metadata":' + b"[" * 1000 + b"]" * 1000 + b"}",
    )
    yield "10k-digit number", b'{"id":"h","title":"","body":"","n":' + b"9" * 10_000 + b"}"
    yield "many keys", json.dumps({f"k{i}": i for i in range(n // 10)}).encode()
    yield "one long word", _doc("a" * n)
    yield "spaces", _doc(" " * n + "x")
    yield "tabs and nbsp", _doc("\t\u00a0" * (n // 2))
    yield "dots", _doc("." * n)
    yield "sentence ends", _doc("a. " * (n // 3))
    yield "licence openings", _doc("all content by " * (n // 15))
    yield (
        "licence near miss",
        _doc(("all content by x is licensed under " + "y" * 100) * (n // 140)),
    )
    yield "creative commons", _doc("creative commons attribution " * (n // 29))
    yield "crumb lines", _doc("\n".join(("a / " * 29)[:119] for _ in range(n // 120)))
    # A breadcrumb-shaped line that fails at its last character: 150 s for one line
    # under an earlier nested-quantifier regex.
    yield "crumb backtrack", _doc("\n".join(("a / " * 30)[:118] + "." for _ in range(n // 120)))
    yield (
        "crumb near miss",
        _doc("\n".join("a " * 40 + "/ " + "b" * 30 + "." for _ in range(n // 120))),
    )
    yield "marker lines", _doc("\n".join("read more " * 8 for _ in range(n // 80)))
    yield "newlines", _doc("\n" * n)
    yield "rtl overrides", _doc("\u202eIran\u202c and \u202eSyria\u202c " * (n // 20))
    yield "combining marks", _doc("a" + "\u0301" * n)
    yield "arabic diacritics", _doc("إِيرَانُ وَسُورِيَا " * (n // 20))
    yield "country names", _doc("Iran Syria France Germany Japan India " * (n // 38))
    yield "sector terms", _doc("trade energy oil gas bank loan port railway " * (n // 45))
    yield "html and sql", _doc("<a href='x'>Iran</a>'; DROP TABLE t;-- " * (n // 40))
    yield "nul and controls", _doc("\x00\x01\x1b[31m" * (n // 8))
    yield "emoji and astral", _doc("\U0001f600\U00010000" * (n // 2))
    yield "huge title", _doc("b", title="Iran Syria trade " * (n // 17))
    yield "over the limit", b"x" * (8 * MB)


def time_one(pipeline: Pipeline, value: bytes, repeat: int) -> tuple[float, str]:
    best = float("inf")
    kind = ""
    for _ in range(repeat):
        index = MemoryDedupIndex(max_entries=1024)
        t0 = time.perf_counter()
        out = pipeline.process_batch([InputRecord(value)], index, now=0.0)
        best = min(best, time.perf_counter() - t0)
        kind = out[0].kind if out[0].dead_letter is None else out[0].dead_letter.error.type
    return best, kind


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    args = ap.parse_args()
    pipeline = Pipeline.default(max_bytes=MB)
    sizes = [int(s) for s in args.sizes.split(",")]
    table: dict[str, list[tuple[float, int, str]]] = {}
    for size in sizes:
        for name, value in corpus(size):
            seconds, kind = time_one(pipeline, value, args.repeat)
            table.setdefault(name, []).append((seconds, len(value), kind))
    print(f"{'case':<20} {'bytes':>9} {'worst ms':>9} {'us/KB':>7} {'growth':>7}  outcome")
    worst = (0.0, "", 0)
    worst_growth = 0.0
    for name, runs in sorted(table.items(), key=lambda kv: -max(r[0] for r in kv[1])):
        seconds, size, kind = max(runs)
        small, large = runs[0], runs[-1]
        # us per KB on the largest input over us per KB on the smallest: ~1 when linear.
        growth = (large[0] / max(1, large[1])) / max(1e-12, small[0] / max(1, small[1]))
        if large[1] >= 10 * small[1]:
            worst_growth = max(worst_growth, growth)
        per_kb = seconds * 1e6 / max(1, size / 1024)
        print(f"{name:<20} {size:>9} {seconds * 1000:>9.1f} {per_kb:>7.1f} {growth:>7.2f}  {kind}")
        worst = max(worst, (seconds, name, size))
    print(f"worst per-article: {worst[0] * 1000:.1f} ms ({worst[1]}, {worst[2]} bytes)")
    print(f"worst growth of time per byte from small to large inputs: {worst_growth:.2f}x")


if __name__ == "__main__":
    main()
