"""Replay the labelled corpus through a dedup index and score it pairwise.

Articles go in publication order, through the same text preparation as the
pipeline (boilerplate stripped, lead and body). Two articles are a predicted
pair when they end in the same cluster; a true pair when they share a group.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dyad.core.dedup import Decision, Fingerprint, MemoryDedupIndex, fingerprint
from dyad.core.text import make_document

CORPUS = Path(__file__).with_name("corpus.jsonl")


@dataclass
class Score:
    precision: float
    recall: float
    true_pairs: int
    false_pairs: list[tuple[str, str]]
    missed_pairs: list[tuple[str, str]]


def load(path: Path = CORPUS) -> list[dict]:
    articles = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(articles, key=lambda a: (a["published_at"], a["id"]))


def fingerprint_of(a: dict) -> Fingerprint:
    doc = make_document(a["title"], a["body"])
    text = "\n".join(p for p in (doc.lead, doc.body) if p)
    ts = datetime.fromisoformat(a["published_at"].replace("Z", "+00:00")).timestamp()
    return fingerprint(a["id"], a.get("url"), a.get("source"), text, ts)


def run(
    articles: Sequence[dict], decide: Callable[[list[Fingerprint]], list[Decision]] | None = None
) -> list[Decision]:
    if decide is None:
        decide = MemoryDedupIndex().decide
    return decide([fingerprint_of(a) for a in articles])


def score(articles: Sequence[dict], decisions: Sequence[Decision]) -> Score:
    tp = fp = fn = 0
    false_pairs: list[tuple[str, str]] = []
    missed: list[tuple[str, str]] = []
    rows = list(zip(articles, decisions, strict=True))
    for (a, da), (b, db) in itertools.combinations(rows, 2):
        same_group = a["group"] == b["group"]
        same_cluster = da.cluster_id == db.cluster_id
        if same_group and same_cluster:
            tp += 1
        elif same_cluster:
            fp += 1
            false_pairs.append((a["id"], b["id"]))
        elif same_group:
            fn += 1
            missed.append((a["id"], b["id"]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Score(precision, recall, tp + fn, false_pairs, missed)
