"""Score the sector classifier on the labeled corpus: primary accuracy and micro-F1.

    python tools/eval_sectors.py [--split dev|test|all] [--errors] [--lang en]
                                 [--author first|second|third]

Three authors wrote the corpus, each without seeing the others' articles:
`--author second` keeps only the second's (ids `ho-<lang>-NN`), `third` only
the third's (`t3-<lang>-NN`), `first` the rest.

The labeled articles live in tests/data/labeled/<language>.jsonl; thresholds
are tuned on the dev split only (see docs/sectors.md).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from dyad.core.sectors import SectorClassifier, Taxonomy
from dyad.core.text import make_document

ROOT = Path(__file__).resolve().parents[1]
LABELED = ROOT / "tests" / "data" / "labeled"


AUTHORS = ("first", "second", "third")
_PREFIXES = {"ho-": "second", "t3-": "third"}  # id prefixes of the later authors' articles


def author(row_id: str) -> str:
    """Who wrote (and labelled) an article of the corpus."""
    return next((who for prefix, who in _PREFIXES.items() if row_id.startswith(prefix)), "first")


def load(split: str, lang: str | None = None, who: str | None = None) -> list[dict]:
    rows = []
    for path in sorted(LABELED.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row.setdefault("language", path.stem)
                if who not in (None, author(row["id"])):
                    continue
                if split in ("all", row.get("split")) and lang in (None, row["language"]):
                    rows.append(row)
    return rows


def evaluate(clf: SectorClassifier, rows: list[dict], errors: bool = False) -> dict:
    per: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        res = clf.classify(make_document(row["title"], row["body"]))
        gold_p, gold = row["labels"]["primary_sector"], set(row["labels"]["sectors"])
        got = {s.id for s in res.sectors}
        for key in ("all", row["language"]):
            c = per[key]
            c["n"] += 1
            c["ok"] += res.primary == gold_p
            c["tp"] += len(got & gold)
            c["fp"] += len(got - gold)
            c["fn"] += len(gold - got)
        if errors and (res.primary != gold_p or got != gold):
            print(
                f"{row['id']}: gold {gold_p} {sorted(gold)} | got {res.primary} "
                f"{[(s.id, s.score) for s in res.sectors]}"
            )
    return {k: _figures(c) for k, c in per.items()}


def _figures(c: Counter) -> dict:
    f1 = 2 * c["tp"] / max(1, 2 * c["tp"] + c["fp"] + c["fn"])
    return {"n": c["n"], "primary": c["ok"] / max(1, c["n"]), "micro_f1": f1}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--lang")
    ap.add_argument("--author", choices=AUTHORS)
    ap.add_argument("--errors", action="store_true")
    args = ap.parse_args()
    clf = SectorClassifier(Taxonomy.load())
    figures = evaluate(clf, load(args.split, args.lang, args.author), args.errors)
    for key, f in sorted(figures.items()):
        print(f"{key:4} n={f['n']:4} primary={f['primary']:.3f} micro_f1={f['micro_f1']:.3f}")


if __name__ == "__main__":
    main()
