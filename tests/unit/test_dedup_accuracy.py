"""Pairwise precision and recall of dedup on our labelled corpus (tests/data/dedup/)."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "dedup"


def _evaluate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dedup_evaluate", DATA / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_evaluate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    return _evaluate()


def test_corpus_is_large_and_varied(ev: ModuleType) -> None:
    articles = ev.load()
    groups = Counter(a["group"] for a in articles)
    languages = {a["language"] for a in articles}
    variants = {a["variant"] for a in articles}
    assert len(articles) >= 200 and len(groups) >= 40
    assert len(languages) >= 6
    assert {"copy", "headline", "dateline", "drop", "add", "reword", "footer", "short"} <= variants
    assert sum(1 for a in articles if a["template"]) >= 10  # hard negatives


def test_pairwise_precision_and_recall(ev: ModuleType) -> None:
    articles = ev.load()
    s = ev.score(articles, ev.run(articles))
    print(
        f"\ndedup corpus: precision {s.precision:.4f} recall {s.recall:.4f} ({s.true_pairs} pairs)"
    )
    assert s.precision >= 0.99, s.false_pairs[:10]
    assert s.recall >= 0.95, s.missed_pairs[:10]


def test_hard_negatives_stay_unique(ev: ModuleType) -> None:
    articles = ev.load()
    decisions = ev.run(articles)
    for a, d in zip(articles, decisions, strict=True):
        if a["template"] and a["variant"] == "original":
            assert d.status == "unique", (a["id"], d)


def test_every_variant_kind_is_found(ev: ModuleType) -> None:
    articles = ev.load()
    decisions = ev.run(articles)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for a, d in zip(articles, decisions, strict=True):
        if a["variant"] in ("original", "rewrite") or a["template"]:
            continue
        total[a["variant"]] += 1
        found[a["variant"]] += d.status != "unique"
        expected = "exact" if a["variant"] in ("copy", "headline") else d.status
        assert d.status == expected, (a["id"], d)
    assert found == total, {k: f"{found[k]}/{total[k]}" for k in total}


def test_outcome_does_not_depend_on_batching(ev: ModuleType) -> None:
    from dyad.core.dedup import MemoryDedupIndex

    articles = ev.load()
    whole = ev.run(articles)
    index = MemoryDedupIndex()
    fps = [ev.fingerprint_of(a) for a in articles]
    pieces = [d for i in range(0, len(fps), 7) for d in index.decide(fps[i : i + 7])]
    assert pieces == whole
