"""The in-process dedup index: a ring of fixed-size numpy slots.

Memory is the point: a million articles must fit in well under 512 MB, so an
entry is a row of flat arrays (hashes, time, the 128-byte signature, the stored
decision), never a Python object. Lookups go through chained hash tables made of
two int32 arrays each: `head[bucket]` holds the newest slot of a bucket and
`nxt[slot]` the next older one. Slots are reused oldest first, so a chain is
valid while its insertion numbers keep decreasing and stay >= the oldest live
entry; nothing is ever deleted from a chain, a stale link simply ends it.

The window is measured in event time (the articles' own timestamps), so a
backfill or a replay decides exactly as the live stream did.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from dyad.core.dedup_arena import IdArena
from dyad.core.dedup_rule import (
    MIN_MATCHES,
    STATUS_CODES,
    STATUS_NAMES,
    Decision,
    cluster_id_of,
    near_mask,
    similarity,
)
from dyad.core.dedup_sig import BANDS, NUM_PERM, ROWS, Fingerprint

I32 = npt.NDArray[np.int32]
_NO_SIM = 0xFFFF
_WAYS = np.arange(BANDS)
_REV_NONE, _REV_SELF, _REV_OTHER = 0, 1, 2


@dataclass(slots=True)
class Cluster:
    """A story with two or more articles (a lone article is implied by its slot)."""

    first_id: str
    articles: int
    sources: set[int] = field(default_factory=set)
    last_seq: int = 0


class Chains:
    """A chained hash table from 64-bit keys to slots (see the module docstring)."""

    def __init__(self, slots: int, bits: int, ways: int = 1) -> None:
        self.mask = (1 << bits) - 1
        self.head: I32 = np.full((ways, 1 << bits), -1, dtype=np.int32)
        self.nxt: I32 = np.full((slots, ways), -1, dtype=np.int32)
        # flat views: indexing a memoryview gives a Python int, ten times faster
        self.head_mv = self.head.data.cast("B").cast("i")
        self.nxt_mv = self.nxt.data.cast("B").cast("i")


def _bits_for(slots: int, load: float) -> int:
    return max(10, int(np.ceil(np.log2(max(2, slots / load)))))


class CompactIndex:
    """Check-and-insert over a bounded ring; `decide` keeps input order."""

    def __init__(self, window_s: float = 7 * 86400, max_entries: int = 1_000_000) -> None:
        n = self.capacity = self.max_entries = int(max_entries)
        self.window_s = float(window_s)
        self.next_seq = 0  # insertion number of the next entry
        self.oldest = 0  # insertion number of the oldest live entry
        self.max_ts = float("-inf")
        self.evictions = 0  # dropped for the cap
        self.expired = 0  # dropped for the window
        self.seq = np.full(n, -1, dtype=np.int64)
        self.id_hash = np.zeros(n, dtype=np.uint64)
        self.content = np.zeros(n, dtype=np.uint64)
        self.url_hash = np.zeros(n, dtype=np.uint64)
        self.source_hash = np.zeros(n, dtype=np.uint64)
        self.cluster = np.zeros(n, dtype=np.uint64)
        self.ts = np.zeros(n, dtype=np.float64)
        self.shingles = np.zeros(n, dtype=np.int32)
        self.numbers = np.zeros(n, dtype=np.uint64)
        self.sig = np.zeros((n, NUM_PERM), dtype=np.uint8)
        # the stored decision, returned as is on redelivery
        self.status = np.zeros(n, dtype=np.uint8)
        self.sim = np.zeros(n, dtype=np.uint16)
        self.articles = np.zeros(n, dtype=np.int32)
        self.sources = np.zeros(n, dtype=np.int32)
        self.revision = np.zeros(n, dtype=np.uint8)
        self.ids = IdArena(n)
        self.by_id = Chains(n, _bits_for(n, 0.5))
        self.by_content = Chains(n, _bits_for(n, 0.5))
        self.by_url = Chains(n, _bits_for(n, 0.5))
        self.by_band = Chains(n, _bits_for(n, 1.0), BANDS)
        self.clusters: dict[int, Cluster] = {}
        self._views()
        self.revised_from: dict[int, str] = {}  # seq -> id an url revision revised

    def _views(self) -> None:
        """Flat memoryviews of the arrays the lookups read one element at a time."""

        self._seq_mv = self.seq.data.cast("B").cast("q")
        self._id_mv = self.id_hash.data.cast("B").cast("Q")
        self._content_mv = self.content.data.cast("B").cast("Q")
        self._url_mv = self.url_hash.data.cast("B").cast("Q")
        self._band_nxt_mv = self.by_band.nxt_mv

    def __len__(self) -> int:
        return self.next_seq - self.oldest

    def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]:
        return [self.decide_one(fp) for fp in fps]

    # -- lookups ---------------------------------------------------------------

    def _find(self, table: Chains, keys: memoryview[int], key: int) -> Iterator[int]:
        """Live slots whose key is `key`, newest first."""
        seq, nxt = self._seq_mv, table.nxt_mv
        slot = table.head_mv[key & table.mask]
        last = self.next_seq
        while slot >= 0:
            s = seq[slot]
            if s < self.oldest or s >= last:
                return
            if keys[slot] == key:
                yield slot
            last = s
            slot = nxt[slot]

    def _live(self, slot: int, ts: float) -> bool:
        return abs(float(self.ts[slot]) - ts) <= self.window_s

    def _candidates(self, fp: Fingerprint) -> npt.NDArray[np.int64]:
        """Live slots sharing a whole band with `fp`.

        A plain loop over memoryviews: chains are short (a few links), and numpy's
        per-call cost would dominate.
        """
        table = self.by_band
        heads = table.head[_WAYS, (fp.bands & np.uint64(table.mask)).astype(np.int64)].tolist()
        seq, nxt, oldest = self._seq_mv, self._band_nxt_mv, self.oldest
        found: set[int] = set()
        for way, slot in enumerate(heads):
            last = self.next_seq
            while slot >= 0:
                s = seq[slot]
                if s < oldest or s >= last:
                    break
                found.add(slot)
                last = s
                slot = nxt[slot * BANDS + way]
        if not found:
            return np.empty(0, dtype=np.int64)
        slots = np.fromiter(found, dtype=np.int64, count=len(found))
        # a bucket may hold other keys: keep slots that share a whole band
        rows = self.sig[slots].reshape(-1, BANDS, ROWS) == fp.signature.reshape(BANDS, ROWS)
        slots = slots[rows.all(axis=2).any(axis=1)]
        live: npt.NDArray[np.int64] = slots[np.abs(self.ts[slots] - fp.timestamp) <= self.window_s]
        return live

    # -- the decision ----------------------------------------------------------

    def decide_one(self, fp: Fingerprint) -> Decision:
        same_id = list(self._find(self.by_id, self._id_mv, fp.id_hash))
        for slot in same_id:
            if int(self.content[slot]) == fp.content_hash:
                return self.stored(slot)  # a redelivery: exactly the first answer again
        if same_id:
            decision = self._revision(fp, same_id[0], _REV_SELF)
        else:
            decision = self._match(fp)
        self._insert(fp, decision)
        return decision

    def _match(self, fp: Fingerprint) -> Decision:
        for slot in self._find(self.by_content, self._content_mv, fp.content_hash):
            if self._live(slot, fp.timestamp):
                return self._join(fp, slot, "exact", 1.0)
        if fp.url_hash:
            for slot in self._find(self.by_url, self._url_mv, fp.url_hash):
                if self._live(slot, fp.timestamp):
                    return self._revision(fp, slot, _REV_OTHER)
        best = self._best_near(fp)
        if best is not None:
            slot, matches = best
            sim = similarity(matches, fp.shingles, int(self.shingles[slot]))
            return self._join(fp, slot, "near", sim)
        return Decision("unique", None, None, cluster_id_of(fp.id_hash), None, 1, 1)

    def _best_near(self, fp: Fingerprint) -> tuple[int, int] | None:
        """The candidate with the most agreeing bins, the oldest on a tie."""
        slots = self._candidates(fp)
        if slots.size == 0:
            return None
        matches = np.count_nonzero(self.sig[slots] == fp.signature, axis=1).astype(np.int64)
        if int(matches.max()) < MIN_MATCHES:
            return None  # the usual case for an article without a twin: skip the rule
        ok = near_mask(
            matches, fp.shingles, self.shingles[slots].astype(np.int64),
            fp.numbers, self.numbers[slots],
        )  # fmt: skip
        if not ok.any():
            return None
        slots, matches = slots[ok], matches[ok]
        best = np.lexsort((self.seq[slots], -matches))[0]
        return int(slots[best]), int(matches[best])

    def _join(self, fp: Fingerprint, slot: int, status: str, sim: float) -> Decision:
        key = int(self.cluster[slot])
        cl = self.clusters.get(key)
        if cl is None:  # the first article of the story gets company
            first = self._first_of(slot)
            cl = Cluster(first, 1, {int(self.source_hash[slot])})
            self.clusters[key] = cl
        cl.articles += 1
        cl.sources.add(fp.source_hash)
        cl.last_seq = self.next_seq
        code = STATUS_CODES["exact" if status == "exact" else "near"]
        return Decision(
            STATUS_NAMES[code], cl.first_id, sim, cluster_id_of(key), None,
            cl.articles, len(cl.sources),
        )  # fmt: skip

    def _first_of(self, slot: int) -> str:
        return self.ids.get(slot)

    def _revision(self, fp: Fingerprint, slot: int, kind: int) -> Decision:
        key = int(self.cluster[slot])
        cl = self.clusters.get(key)
        articles, sources = (cl.articles, len(cl.sources)) if cl else (1, 1)
        if cl is not None:
            cl.last_seq = self.next_seq
        of = fp.article_id if kind == _REV_SELF else self.ids.get(slot)
        return Decision("unique", None, None, cluster_id_of(key), of, articles, sources)

    def stored(self, slot: int) -> Decision:
        """The decision an entry got when it was first decided."""
        key = int(self.cluster[slot])
        status = STATUS_NAMES[int(self.status[slot])]
        sim = int(self.sim[slot])
        rev = int(self.revision[slot])
        own = self.ids.get(slot)
        revision_of = {_REV_NONE: None, _REV_SELF: own}.get(rev)
        if rev == _REV_OTHER:
            revision_of = self.revised_from.get(int(self.seq[slot]))
        cl = self.clusters.get(key)
        return Decision(
            status=status,
            duplicate_of=cl.first_id if cl is not None and status != "unique" else None,
            similarity=None if sim == _NO_SIM else sim / 10000,
            cluster_id=cluster_id_of(key),
            revision_of=revision_of,
            articles=int(self.articles[slot]),
            sources=int(self.sources[slot]),
        )

    # -- storage ---------------------------------------------------------------

    def _insert(self, fp: Fingerprint, d: Decision) -> None:
        self._expire(fp.timestamp)
        if self.next_seq - self.oldest >= self.capacity:
            self._drop_oldest()
            self.evictions += 1
        seq = self.next_seq
        slot = seq % self.capacity
        self.seq[slot] = seq
        self.id_hash[slot], self.content[slot] = fp.id_hash, fp.content_hash
        self.url_hash[slot], self.source_hash[slot] = fp.url_hash, fp.source_hash
        self.cluster[slot] = int(d.cluster_id[2:], 16)
        self.ts[slot], self.shingles[slot] = fp.timestamp, fp.shingles
        self.sig[slot], self.numbers[slot] = fp.signature, fp.numbers
        self.status[slot] = STATUS_CODES[d.status]
        self.sim[slot] = _NO_SIM if d.similarity is None else round(d.similarity * 10000)
        self.articles[slot], self.sources[slot] = d.articles, d.sources
        self.revision[slot] = self._revision_code(fp, d, seq)
        self.ids.put(slot, fp.article_id, self._oldest_offset())
        self._link(self.by_id, slot, fp.id_hash)
        self._link(self.by_content, slot, fp.content_hash)
        if fp.url_hash:
            self._link(self.by_url, slot, fp.url_hash)
        ways = np.arange(BANDS)
        buckets = (fp.bands & np.uint64(self.by_band.mask)).astype(np.int64)
        self.by_band.nxt[slot] = self.by_band.head[ways, buckets]
        self.by_band.head[ways, buckets] = slot
        self.next_seq = seq + 1

    def _revision_code(self, fp: Fingerprint, d: Decision, seq: int) -> int:
        if d.revision_of is None:
            return _REV_NONE
        if d.revision_of == fp.article_id:
            return _REV_SELF
        self.revised_from[seq] = d.revision_of
        return _REV_OTHER

    def _oldest_offset(self) -> int:
        if self.next_seq == self.oldest:
            return self.ids.end
        return int(self.ids.off[self.oldest % self.capacity])

    @staticmethod
    def _link(table: Chains, slot: int, key: int) -> None:
        bucket = key & table.mask
        table.nxt[slot, 0] = table.head[0, bucket]
        table.head[0, bucket] = slot

    def _expire(self, ts: float) -> None:
        """Drop entries at the old end that are out of the window of the newest event."""
        self.max_ts = max(self.max_ts, ts)
        horizon = self.max_ts - self.window_s
        while self.oldest < self.next_seq and self.ts[self.oldest % self.capacity] < horizon:
            self._drop_oldest()
            self.expired += 1

    def _drop_oldest(self) -> None:
        slot = self.oldest % self.capacity
        key = int(self.cluster[slot])
        cl = self.clusters.get(key)
        if cl is not None and cl.last_seq <= self.oldest:
            del self.clusters[key]  # its last article leaves
        self.revised_from.pop(self.oldest, None)
        self.oldest += 1

    def stats(self) -> dict[str, int | float | str]:
        return {
            "size": len(self),
            "max_entries": self.max_entries,
            "evictions": self.evictions,
            "expired": self.expired,
            "clusters": len(self.clusters),
            "window_s": self.window_s,
            "inserted": self.next_seq,
        }
