"""Choose the sector scoring parameters on the dev split of the labeled corpus.

    python tools/tune_sectors.py            # grid search, prints the best settings
    python tools/tune_sectors.py --top 20

Only the dev split is used; the chosen values go into
services/dyad/data/taxonomy/sectors.json ("params") by hand, and the test split
is then reported once by tools/eval_sectors.py --split test.
"""

from __future__ import annotations

import argparse
import itertools

from dyad.core.sectors import SectorClassifier, Taxonomy
from dyad.core.text import make_document
from eval_sectors import load

GRID = {
    "title": [2.0, 3.0, 4.0],
    "lead": [1.0, 1.5, 2.0],
    "repeat_decay": [0.5, 0.7, 0.85],
    "list_size": [3, 4, 6],
    "min_sentence": [1.0, 1.5, 2.0, 2.5],
    "min_score": [1.5, 2.0, 3.0, 4.0],
    "min_share": [0.1, 0.15, 0.2, 0.25, 0.3, 0.4],
}


def score(clf: SectorClassifier, tallies: list, golds: list) -> tuple[float, float]:
    ok = tp = fp = fn = 0
    for tally, (gold_p, gold) in zip(tallies, golds, strict=True):
        res = clf.decide(tally)
        got = {s.id for s in res.sectors}
        ok += res.primary == gold_p
        tp += len(got & gold)
        fp += len(got - gold)
        fn += len(gold - got)
    return ok / len(tallies), 2 * tp / max(1, 2 * tp + fp + fn)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    rows = load("dev")
    docs = [make_document(r["title"], r["body"]) for r in rows]
    golds = [(r["labels"]["primary_sector"], set(r["labels"]["sectors"])) for r in rows]
    clf = SectorClassifier(Taxonomy.load())
    results = []
    outer = ["title", "lead", "repeat_decay", "list_size"]
    inner = ["min_sentence", "min_score", "min_share"]
    for values in itertools.product(*(GRID[k] for k in outer)):
        p = dict(zip(outer, values, strict=True))
        clf.part_weight = {"title": p["title"], "lead": p["lead"], "body": 1.0}
        clf.decay, clf.list_size = p["repeat_decay"], int(p["list_size"])
        tallies = [clf.raw_scores(doc) for doc in docs]
        for thresholds in itertools.product(*(GRID[k] for k in inner)):
            q = p | dict(zip(inner, thresholds, strict=True))
            clf.min_sentence, clf.min_score, clf.min_share = thresholds
            acc, f1 = score(clf, tallies, golds)
            results.append((min(acc, f1), acc, f1, q))
    results.sort(key=lambda r: (-r[0], -(r[1] + r[2])))
    print(f"dev articles: {len(docs)}")
    for worst, acc, f1, p in results[: args.top]:
        print(f"primary={acc:.3f} micro_f1={f1:.3f} min={worst:.3f} {p}")


if __name__ == "__main__":
    main()
