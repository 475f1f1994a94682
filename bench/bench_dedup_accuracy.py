"""How the shingle size and the near threshold were chosen: pairwise precision
and recall on the labelled corpus (tests/data/dedup/) over a grid.

    .venv/bin/python bench/bench_dedup_accuracy.py

For each shingle size it also prints the margin: the weakest true pair (most
agreeing bins between a variant and an earlier article of its story) and the
strongest false pair that the number veto does not already stop.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np

from dyad.core import dedup_rule, dedup_sig
from dyad.core.dedup import MemoryDedupIndex

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup"


def _evaluate():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("dedup_evaluate", DATA / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_evaluate"] = module
    spec.loader.exec_module(module)
    return module


def margins(articles, fps) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    weakest_true, strongest_false = 64, 0
    for j in range(len(articles)):
        best_true = -1
        for i in range(j):
            m = int(np.count_nonzero(fps[i].signature == fps[j].signature))
            if articles[i]["group"] == articles[j]["group"]:
                best_true = max(best_true, m)
            elif not dedup_rule.numbers_differ(fps[i].numbers, fps[j].numbers):
                strongest_false = max(strongest_false, m)
        if best_true >= 0 and articles[j]["variant"] not in ("original", "short"):
            weakest_true = min(weakest_true, best_true)
    return weakest_true, strongest_false


def main() -> None:
    ev = _evaluate()
    articles = ev.load()
    chosen = (dedup_sig.SHINGLE, dedup_rule.NEAR_MATCHES)
    print(f"{len(articles)} articles; chosen: shingle {chosen[0]}, near >= {chosen[1]}/64 bins")
    for k in (2, 3, 4, 5):
        dedup_sig.SHINGLE = k
        fps = [ev.fingerprint_of(a) for a in articles]
        weak, strong = margins(articles, fps)
        print(f"shingle {k}: weakest true pair {weak} bins, strongest false pair {strong} bins")
        for near in (10, 12, 14, 15, 16, 18, 20, 22, 24, 26):
            dedup_rule.NEAR_MATCHES = near
            s = ev.score(articles, MemoryDedupIndex().decide(fps))
            flag = " <- chosen" if (k, near) == chosen else ""
            print(f"  near >= {near:2d}: precision {s.precision:.4f} recall {s.recall:.4f}{flag}")
    dedup_sig.SHINGLE, dedup_rule.NEAR_MATCHES = chosen
    ledes(ev, articles)


def ledes(ev, articles) -> None:  # type: ignore[no-untyped-def]
    """The limit of the short/long policy: one-sentence ledes of every story,
    published by another outlet, added to the corpus."""
    extra = []
    for a in articles:
        if a["variant"] == "original":
            lede = re.split(r"(?<=[.!?\u061f])\s+", a["body"].split("\n")[0])[0]
            extra.append(a | {"id": a["id"] + "-lede", "url": a["url"] + "-lede",
                              "variant": "lede", "body": lede})  # fmt: skip
    both = sorted(articles + extra, key=lambda a: (a["published_at"], a["id"]))
    decisions = ev.run(both)
    found = sum(1 for a, d in zip(both, decisions, strict=True)
                if a["variant"] == "lede" and d.status != "unique")  # fmt: skip
    s = ev.score(both, decisions)
    print(
        f"one-sentence ledes: {found}/{len(extra)} joined their story; with them "
        f"precision {s.precision:.4f} recall {s.recall:.4f}; false pairs {s.false_pairs[:3]}"
    )


if __name__ == "__main__":
    main()
