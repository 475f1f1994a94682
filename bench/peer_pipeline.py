"""THE COMPARISON PEER, not dyad: the straightforward pipeline a user would otherwise write.

datasketch MinHash-LSH (128 permutations, 3-word shingles, threshold 0.8) plus a
sha1 of the word sequence for exact copies; countries by one compiled regex over
the aliases of dyad's own gazetteer (all but cities and provinces, longest first,
word boundaries, ignoring case); the pair is the two most mentioned countries;
stdlib json in and out.
It has no sector classification, no boilerplate stripping and no per-message
error boundary beyond bad JSON, so it does less work than dyad: the throughput
comparison favours the peer.

    python bench/peer_pipeline.py              # offline: throughput and accuracy, peer vs dyad
    python bench/peer_pipeline.py --tiny
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasketch import MinHash, MinHashLSH

import common
from corpus import generate
from dyad.core.aliases import KINDS
from dyad.core.gazetteer import DATA_DIR as GAZETTEER_DIR

LABELED_DIR = common.ROOT / "tests" / "data" / "labeled"
DEDUP_DIR = common.ROOT / "tests" / "data" / "dedup"
# What a hand-made country list holds: no cities or provinces (thousands of them).
PEER_KINDS = frozenset(KINDS) - {"city", "region"}
_WORD_RE = re.compile(r"\w+")


def _entries(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(code, text) from a gazetteer file: code -> kind -> [texts] or kind -> lang -> [texts]."""
    for code, entry in doc["countries"].items():
        for kind, value in entry.get("aliases", entry).items():
            if kind not in PEER_KINDS:
                continue
            for texts in value.values() if isinstance(value, dict) else [value]:
                for text in texts:
                    yield code, text


def load_aliases(data_dir: Path = GAZETTEER_DIR) -> dict[str, str]:
    """alias (lower case) -> alpha-2, from every gazetteer file dyad ships."""
    aliases: dict[str, str] = {}
    for path in [data_dir / "countries.json", *sorted(data_dir.glob("aliases*.json"))]:
        for code, text in _entries(json.loads(path.read_text("utf-8"))):
            aliases.setdefault(text.lower(), code)
    return {a: c for a, c in aliases.items() if len(a) >= 2}


class PeerPipeline:
    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        self.num_perm = num_perm
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.exact: dict[str, str] = {}
        self.code_of = load_aliases()
        alternatives = sorted(self.code_of, key=len, reverse=True)
        self.country_re = re.compile(
            r"\b(" + "|".join(map(re.escape, alternatives)) + r")\b", re.IGNORECASE
        )

    def countries(self, text: str) -> list[tuple[str, int]]:
        # IGNORECASE can match a spelling whose lower() differs (Turkish İ): those are skipped.
        codes = (self.code_of.get(m.group(1).lower()) for m in self.country_re.finditer(text))
        return Counter(c for c in codes if c).most_common()

    def dedup(self, art_id: str, text: str) -> tuple[str, str | None]:
        tokens = _WORD_RE.findall(text.lower())
        digest = hashlib.sha1(" ".join(tokens).encode()).hexdigest()  # noqa: S324 - not security
        if digest in self.exact:
            return "exact", self.exact[digest]
        shingles = {" ".join(tokens[i : i + 3]) for i in range(max(1, len(tokens) - 2))}
        mh = MinHash(num_perm=self.num_perm)
        mh.update_batch([s.encode() for s in shingles])
        found = self.lsh.query(mh)
        self.exact[digest] = art_id
        if found:
            return "near", min(found)
        self.lsh.insert(art_id, mh)
        return "unique", None

    def process(self, value: bytes) -> tuple[str, bytes]:
        """One raw value -> (kind, output JSON)."""
        try:
            art = json.loads(value)
            art_id, title, body = art["id"], art["title"], art["body"]
        except (ValueError, KeyError, TypeError) as e:
            return "dead_letter", json.dumps({"error": str(e)}).encode()
        if not all(isinstance(x, str) for x in (art_id, title, body)):
            return "dead_letter", b'{"error": "id, title and body must be strings"}'
        text = f"{title}\n{body}"
        status, original = self.dedup(art_id, text)
        ranked = self.countries(text)
        pair = sorted(c for c, _ in ranked[:2]) if len(ranked) >= 2 else None
        event = {
            "article": {"id": art_id, "title": title, "source": art.get("source")},
            "dedup": {"status": status, "duplicate_of": original},
            "countries": [{"code": c, "mentions": n} for c, n in ranked],
            "pair": pair,
        }
        return ("event" if status == "unique" else "duplicate"), json.dumps(event).encode()


# -- offline comparison ---------------------------------------------------------------


def labeled_articles() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(LABELED_DIR.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def pair_accuracy(limit: int | None = None) -> dict[str, Any]:
    """Share of labeled articles whose predicted pair (or no pair) equals the label."""
    from dyad.core.pipeline import Analysis, InputRecord, Pipeline

    rows = labeled_articles()[:limit]
    if not rows:
        return {"articles": 0}
    ours, peer = Pipeline.default(), PeerPipeline()
    hits = {"dyad": 0, "peer": 0}
    for row in rows:
        want = sorted(row["labels"]["pair"]) if row["labels"].get("pair") else None
        value = json.dumps({k: v for k, v in row.items() if k not in ("labels", "split")}).encode()
        a = ours.analyse(InputRecord(value))
        got = (
            list(a.countries.pair.countries)
            if isinstance(a, Analysis) and a.countries.pair
            else None
        )
        hits["dyad"] += got == want
        peer_out = json.loads(peer.process(value)[1])
        hits["peer"] += peer_out.get("pair") == want
    n = len(rows)
    return {"articles": n, "dyad": round(hits["dyad"] / n, 3), "peer": round(hits["peer"] / n, 3)}


def _dedup_evaluator() -> Any:
    """tests/data/dedup/evaluate.py: the labelled replay and its pairwise score."""
    spec = importlib.util.spec_from_file_location("dedup_evaluate", DEDUP_DIR / "evaluate.py")
    if spec is None or spec.loader is None:
        raise ImportError("no dedup evaluator")
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_evaluate"] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class _Cluster:
    cluster_id: str


def dedup_accuracy(limit: int | None = None) -> dict[str, Any]:
    """Pairwise precision and recall on the labelled dedup corpus, dyad vs the peer."""
    if not (DEDUP_DIR / "evaluate.py").exists():
        return {"articles": 0}
    ev = _dedup_evaluator()
    articles = ev.load()[:limit]
    ours = ev.score(articles, ev.run(articles))
    peer, root_of, clusters = PeerPipeline(), {}, []
    for a in articles:
        status, original = peer.dedup(a["id"], f"{a['title']}\n{a['body']}")
        root = root_of.get(original, original) if status != "unique" and original else a["id"]
        root_of[a["id"]] = root
        clusters.append(_Cluster(root))
    theirs = ev.score(articles, clusters)
    return {
        "articles": len(articles),
        "dyad": {"precision": round(ours.precision, 3), "recall": round(ours.recall, 3)},
        "peer": {"precision": round(theirs.precision, 3), "recall": round(theirs.recall, 3)},
    }


def throughput(values: list[bytes]) -> float:
    peer = PeerPipeline()
    for v in values[: min(200, len(values))]:  # warm up on a throwaway instance
        peer.process(v)
    peer = PeerPipeline()
    started = time.process_time()  # CPU time, as bench_core: fair on a shared machine
    for v in values:
        peer.process(v)
    return len(values) / (time.process_time() - started)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--full", action="store_true", help="3,000 articles")
    p.add_argument("--tiny", action="store_true", help="a hundred articles (smoke test)")
    p.add_argument("-n", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json")
    args = p.parse_args(argv)
    n = args.n or (100 if args.tiny else 3_000 if args.full else 1_000)
    values = [it.value for it in generate(n, args.seed)]
    fig = {
        "bench": "peer",
        "articles": n,
        "peer_articles_per_s": round(throughput(values)),
        # --tiny only checks that the scoring runs: a slice of each labelled set.
        "pair_accuracy": pair_accuracy(30 if args.tiny else None),
        "dedup_accuracy": dedup_accuracy(40 if args.tiny else None),
        "machine": common.machine(),
    }
    print(
        "peer (datasketch MinHash-LSH + regex), one process: "
        f"{fig['peer_articles_per_s']:,} articles/s"
    )
    print(f"pair accuracy on the labeled corpus: {fig['pair_accuracy']}")
    print(f"dedup pairwise precision/recall on the labelled corpus: {fig['dedup_accuracy']}")
    common.emit(fig, args.json)
    return fig


if __name__ == "__main__":
    main()
