"""Exact and near-duplicate detection: fingerprints, the index protocol, the decision.

Exact duplicates share a hash of the normalised, boilerplate-free body. Near
duplicates are found by MinHash-LSH over word shingles. Every decision is stored
with its article id and content hash, so a redelivered message (same id, same
content) gets back exactly the decision it got the first time: replaying the
uncommitted tail of a partition after a crash reproduces the same outputs.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
import xxhash

from dyad.core.models import DedupStatus

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 4
NEAR_THRESHOLD = 0.5
_MERSENNE = np.uint64((1 << 61) - 1)
_MASK32 = np.uint64(0xFFFFFFFF)

_rng = np.random.default_rng(0x5EED_D7AD)  # fixed seed: signatures must be stable forever
_A = _rng.integers(1, 1 << 32, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 1 << 32, size=NUM_PERM, dtype=np.uint64)
_TOKEN_RE = re.compile(r"\w+")

Signature = npt.NDArray[np.uint32]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    article_id: str
    url: str | None
    source: str | None
    content_hash: str
    signature: Signature
    tokens: int
    timestamp: float  # seconds since the epoch: published_at, else the processing time

    def bands(self) -> list[bytes]:
        sig = self.signature
        return [bytes([i]) + sig[i * ROWS : (i + 1) * ROWS].tobytes() for i in range(BANDS)]


@dataclass(frozen=True, slots=True)
class Decision:
    status: DedupStatus
    duplicate_of: str | None
    similarity: float | None
    cluster_id: str
    revision_of: str | None
    articles: int
    sources: int


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


def minhash(tokens: Sequence[str]) -> Signature:
    if len(tokens) < SHINGLE:
        grams = [" ".join(tokens)] if tokens else [""]
    else:
        grams = [" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]
    hv = np.fromiter(
        (xxhash.xxh3_64_intdigest(g.encode("utf-8")) for g in grams),
        dtype=np.uint64,
        count=len(grams),
    )
    hv &= _MASK32
    ph = (np.outer(hv, _A) + _B) % _MERSENNE
    sig: Signature = (ph.min(axis=0) & _MASK32).astype(np.uint32)
    return sig


def fingerprint(
    article_id: str, url: str | None, source: str | None, text: str, timestamp: float
) -> Fingerprint:
    toks = _tokens(text)
    content_hash = xxhash.xxh3_128_hexdigest(" ".join(toks).encode("utf-8"))
    return Fingerprint(article_id, url, source, content_hash, minhash(toks), len(toks), timestamp)


def similarity(a: Signature, b: Signature) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


class DedupIndex(Protocol):
    """Check-and-insert, one batch at a time, in input order."""

    def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]: ...


@dataclass(slots=True)
class _Entry:
    fp: Fingerprint
    decision: Decision
    cluster_sources: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Cluster:
    first_id: str
    articles: int = 0
    sources: set[str] = field(default_factory=set)


class MemoryDedupIndex:
    """An in-process index bounded by a time window and an entry cap (oldest go first)."""

    def __init__(self, window_s: float = 7 * 86400, max_entries: int = 1_000_000) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self.evictions = 0
        self._by_id: OrderedDict[str, _Entry] = OrderedDict()
        self._by_hash: dict[str, str] = {}
        self._bands: dict[bytes, list[str]] = {}
        self._clusters: dict[str, _Cluster] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]:
        return [self._decide_one(fp) for fp in fps]

    def _live(self, article_id: str, at: float) -> _Entry | None:
        # The window is measured in event time (the articles' own timestamps), so a
        # backfill or a replay decides exactly as the live stream did.
        entry = self._by_id.get(article_id)
        if entry is None or abs(entry.fp.timestamp - at) > self.window_s:
            return None
        return entry

    def _decide_one(self, fp: Fingerprint) -> Decision:
        previous = self._by_id.get(fp.article_id)
        if previous is not None and previous.fp.content_hash == fp.content_hash:
            return previous.decision  # a redelivery: exactly the first answer again
        if previous is not None:
            decision = self._revision(fp, previous)
        else:
            decision = self._match(fp)
        self._insert(fp, decision)
        return decision

    def _revision(self, fp: Fingerprint, previous: _Entry) -> Decision:
        cluster = self._clusters.get(previous.decision.cluster_id)
        cid = previous.decision.cluster_id
        articles = cluster.articles if cluster else 1
        sources = len(cluster.sources) if cluster else 1
        return Decision("unique", None, None, cid, fp.article_id, articles, sources)

    def _match(self, fp: Fingerprint) -> Decision:
        original = self._by_hash.get(fp.content_hash)
        if original is not None and self._live(original, fp.timestamp) is not None:
            return self._join(fp, self._by_id[original], "exact", 1.0)
        best: tuple[float, str] | None = None
        for band in fp.bands():
            for cand_id in self._bands.get(band, ()):
                cand = self._live(cand_id, fp.timestamp)
                if cand is None:
                    continue
                sim = similarity(fp.signature, cand.fp.signature)
                if sim >= NEAR_THRESHOLD and (best is None or sim > best[0]):
                    best = (sim, cand_id)
        if best is not None:
            return self._join(fp, self._by_id[best[1]], "near", best[0])
        cid = "c-" + xxhash.xxh3_64_hexdigest(fp.article_id.encode("utf-8"))
        self._clusters[cid] = _Cluster(fp.article_id, 0, set())
        return self._count(cid, fp, "unique", None, None)

    def _join(self, fp: Fingerprint, original: _Entry, status: DedupStatus, sim: float) -> Decision:
        cid = original.decision.cluster_id
        cluster = self._clusters.setdefault(cid, _Cluster(original.fp.article_id, 1, set()))
        return self._count(cid, fp, status, cluster.first_id, round(sim, 4))

    def _count(
        self, cid: str, fp: Fingerprint, status: DedupStatus, dup_of: str | None, sim: float | None
    ) -> Decision:
        cluster = self._clusters[cid]
        cluster.articles += 1
        cluster.sources.add(fp.source or fp.url or fp.article_id)
        return Decision(status, dup_of, sim, cid, None, cluster.articles, len(cluster.sources))

    def _insert(self, fp: Fingerprint, decision: Decision) -> None:
        self._by_id[fp.article_id] = _Entry(fp, decision)
        self._by_id.move_to_end(fp.article_id)
        self._by_hash.setdefault(fp.content_hash, fp.article_id)
        for band in fp.bands():
            self._bands.setdefault(band, []).append(fp.article_id)
        while len(self._by_id) > self.max_entries:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        old_id, entry = self._by_id.popitem(last=False)
        self.evictions += 1
        if self._by_hash.get(entry.fp.content_hash) == old_id:
            del self._by_hash[entry.fp.content_hash]
        for band in entry.fp.bands():
            ids = self._bands.get(band)
            if ids and old_id in ids:
                ids.remove(old_id)
                if not ids:
                    del self._bands[band]
