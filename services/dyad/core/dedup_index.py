"""The in-process dedup index: check-and-insert over a bounded ring of slots.

Storage is in dedup_slots (flat numpy arrays and chained hash tables). A story
(cluster) has no record of its own: each member stores the coverage counts and
the story's first id as they were when it was decided, so the newest live
member of a cluster holds the cluster's current state. Distinct sources are
counted over the live members.

The window is measured in event time (the articles' own timestamps), so a
backfill or a replay decides exactly as the live stream did.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

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
from dyad.core.dedup_sig import BANDS, NUM_PERM, ROWS, Fingerprint, fill_bands
from dyad.core.dedup_slots import Chains, Slots

_NO_SIM = 0xFFFF
_NONE = np.empty(0, dtype=np.int64)
if ROWS != 2:
    raise ImportError("CompactIndex._candidates compares bands of two rows")
_Buckets = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], list[int]]


def _positions(a: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return np.arange(a.size, dtype=np.int64)


_REV_NONE, _REV_SELF, _REV_OTHER = 0, 1, 2


class CompactIndex:
    """Check-and-insert over a bounded ring; `decide` keeps input order."""

    def __init__(self, window_s: float = 7 * 86400, max_entries: int = 1_000_000) -> None:
        self.capacity = self.max_entries = int(max_entries)
        self.window_s = float(window_s)
        self.next_seq = 0  # insertion number of the next entry
        self.oldest = 0  # insertion number of the oldest live entry
        self.max_ts = float("-inf")
        self.evictions = 0  # dropped for the cap
        self.expired = 0  # dropped for the window
        self.counts = {"unique": 0, "exact": 0, "near": 0, "revisions": 0, "redeliveries": 0}
        self.s = Slots(self.capacity)
        self.revised_from: dict[int, str] = {}  # seq -> the id an url revision revised
        self._buckets_of: Fingerprint | None = None
        self._buckets: _Buckets = (_NONE, np.empty(0, dtype=np.int32), [])

    def __len__(self) -> int:
        return self.next_seq - self.oldest

    def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]:
        fill_bands(fps)
        return [self.decide_one(fp) for fp in fps]

    # -- lookups ---------------------------------------------------------------

    def _chain(self, table: Chains, keys: memoryview[int], key: int) -> Iterator[int]:
        """Live slots whose key is `key`, newest first."""
        seq, nxt = self.s.seq_mv, table.nxt_mv
        slot = table.head_mv[key & table.mask] - 1
        last = self.next_seq
        while slot >= 0:
            s = seq[slot]
            if s < self.oldest or s >= last:
                return
            if keys[slot] == key:
                yield slot
            last = s
            slot = nxt[slot] - 1

    def _live(self, slot: int, ts: float) -> bool:
        return abs(self.s.ts_mv[slot] - ts) <= self.window_s

    def _band_buckets(self, fp: Fingerprint) -> _Buckets:
        """The flat bucket of each band of `fp` and its head (slot + 1, 0 if empty),
        computed once a decision: the search and the insertion both need them."""
        if self._buckets_of is not fp:
            table = self.s.by_band
            flat = (fp.bands.view(np.int64) & table.mask) + table.way_base
            heads = table.head_flat.take(flat)
            self._buckets = (flat, heads, heads.tolist())
            self._buckets_of = fp
        return self._buckets

    def _candidates(self, fp: Fingerprint) -> npt.NDArray[np.int64]:
        """Live slots in the window that share a band with `fp` (its bucket and its
        stored bytes: a bucket holds other keys too).

        A plain loop over memoryviews: chains are short (a few links), and numpy's
        per-call cost would dominate.
        """
        _, array, heads = self._band_buckets(fp)
        if not any(heads):
            return _NONE
        seq, nxt, oldest = self.s.seq_mv, self.s.by_band.nxt_mv, self.oldest
        sig, ts, t, window = self.s.sig_mv, self.s.ts_mv, fp.timestamp, self.window_s
        own = fp.signature.tobytes()
        found: set[int] = set()
        for way in array.nonzero()[0].tolist():
            slot, last, at = heads[way] - 1, self.next_seq, way * 2
            low, high = own[at], own[at + 1]  # the band's two rows (ROWS == 2)
            while slot >= 0:
                s = seq[slot]
                if s < oldest or s >= last:
                    break
                row = slot * NUM_PERM + at
                if sig[row] == low and sig[row + 1] == high and abs(ts[slot] - t) <= window:
                    found.add(slot)
                last = s
                slot = nxt[slot * BANDS + way] - 1
        return np.fromiter(found, dtype=np.int64, count=len(found)) if found else _NONE

    # -- the decision ----------------------------------------------------------

    def decide_one(self, fp: Fingerprint) -> Decision:
        same_id = list(self._chain(self.s.by_id, self.s.id_mv, fp.id_hash))
        for slot in same_id:
            if self.s.content_mv[slot] == fp.content_hash:
                self.counts["redeliveries"] += 1
                return self.stored(slot)  # a redelivery: exactly the first answer again
        if same_id:
            decision = self._revision(fp, same_id[0], _REV_SELF)
        else:
            decision = self._match(fp)
        self._insert(fp, decision)
        self.counts["revisions" if decision.revision_of else decision.status] += 1
        return decision

    def restore(self, fp: Fingerprint, decision: Decision) -> None:
        """Insert an entry with the decision it got before (a log replay)."""
        self._insert(fp, decision)
        self.counts["revisions" if decision.revision_of else decision.status] += 1

    def _match(self, fp: Fingerprint) -> Decision:
        for slot in self._chain(self.s.by_content, self.s.content_mv, fp.content_hash):
            if self._live(slot, fp.timestamp):
                return self._join(fp, slot, "exact", 1.0)
        if fp.url_hash:
            for slot in self._chain(self.s.by_url, self.s.url_mv, fp.url_hash):
                if self._live(slot, fp.timestamp):
                    return self._revision(fp, slot, _REV_OTHER)
        best = self._best_near(fp)
        if best is not None:
            slot, matches = best
            sim = similarity(matches, fp.shingles, int(self.s.shingles[slot]))
            return self._join(fp, slot, "near", sim)
        return Decision("unique", None, None, cluster_id_of(fp.id_hash), None, 1, 1)

    def _best_near(self, fp: Fingerprint) -> tuple[int, int] | None:
        """The candidate with the most agreeing bins, the oldest on a tie."""
        slots = self._candidates(fp)
        if slots.size == 0:
            return None
        matches = np.count_nonzero(self.s.sig[slots] == fp.signature, axis=1).astype(np.int64)
        if int(matches.max()) < MIN_MATCHES:
            return None  # the usual case for an article without a twin: skip the rule
        ok = near_mask(
            matches, fp.shingles, self.s.shingles[slots].astype(np.int64),
            fp.numbers, self.s.numbers[slots],
        )  # fmt: skip
        if not ok.any():
            return None
        slots, matches = slots[ok], matches[ok]
        best = np.lexsort((self.s.seq[slots], -matches))[0]
        return int(slots[best]), int(matches[best])

    def _newest_member(self, slot: int) -> tuple[int, int]:
        """(cluster key, the newest live slot of the cluster of `slot`)."""
        key = self.s.cluster_mv[slot]
        return key, next(self._chain(self.s.by_cluster, self.s.cluster_mv, key), slot)

    def _join(self, fp: Fingerprint, slot: int, status: str, sim: float) -> Decision:
        key, newest = self._newest_member(slot)
        known = any(
            self.s.source_mv[m] == fp.source_hash
            for m in self._chain(self.s.by_cluster, self.s.cluster_mv, key)
        )
        code = STATUS_CODES["exact" if status == "exact" else "near"]
        return Decision(
            STATUS_NAMES[code], self.first_of(newest), sim, cluster_id_of(key), None,
            int(self.s.articles[newest]) + 1, int(self.s.sources[newest]) + (not known),
        )  # fmt: skip

    def first_of(self, slot: int) -> str:
        """The id of the first article of the story `slot` belongs to."""
        if self.s.firsts.length_mv[slot]:
            return self.s.firsts.get(slot)
        return self.s.ids.get(slot)

    def _revision(self, fp: Fingerprint, slot: int, kind: int) -> Decision:
        key, newest = self._newest_member(slot)
        of = fp.article_id if kind == _REV_SELF else self.s.ids.get(slot)
        articles, sources = int(self.s.articles[newest]), int(self.s.sources[newest])
        return Decision("unique", None, None, cluster_id_of(key), of, articles, sources)

    def stored(self, slot: int) -> Decision:
        """The decision an entry got when it was first decided."""
        status = STATUS_NAMES[int(self.s.status[slot])]
        sim = int(self.s.sim[slot])
        rev = int(self.s.revision[slot])
        revision_of = self.s.ids.get(slot) if rev == _REV_SELF else None
        if rev == _REV_OTHER:
            revision_of = self.revised_from.get(int(self.s.seq[slot]))
        return Decision(
            status=status,
            duplicate_of=None if status == "unique" else self.first_of(slot),
            similarity=None if sim == _NO_SIM else sim / 10000,
            cluster_id=cluster_id_of(int(self.s.cluster[slot])),
            revision_of=revision_of,
            articles=int(self.s.articles[slot]),
            sources=int(self.s.sources[slot]),
        )

    # -- storage ---------------------------------------------------------------

    def _insert(self, fp: Fingerprint, d: Decision) -> None:
        flat, heads, _ = self._band_buckets(fp)
        self._expire(fp.timestamp)
        if self.next_seq - self.oldest >= self.capacity:
            self._drop_oldest()
            self.evictions += 1
        seq = self.next_seq
        slot = seq % self.capacity
        s = self.s
        s.seq_mv[slot] = seq
        s.id_mv[slot], s.content_mv[slot] = fp.id_hash, fp.content_hash
        s.url_mv[slot], s.source_mv[slot] = fp.url_hash, fp.source_hash
        cluster = int(d.cluster_id[2:], 16)
        s.cluster_mv[slot], s.ts_mv[slot], s.shingles_mv[slot] = cluster, fp.timestamp, fp.shingles
        s.sig_mv[slot * NUM_PERM : (slot + 1) * NUM_PERM] = fp.signature.data
        s.numbers_mv[slot] = fp.numbers
        s.status_mv[slot] = STATUS_CODES[d.status]
        s.sim_mv[slot] = _NO_SIM if d.similarity is None else round(d.similarity * 10000)
        s.articles_mv[slot], s.sources_mv[slot] = d.articles, d.sources
        s.revision_mv[slot] = self._revision_code(fp, d, seq)
        first = d.duplicate_of or self._first_for_revision(d, cluster)
        s.ids.put(slot, fp.article_id, self._oldest_offset(s.ids))
        s.firsts.put(slot, first or "", self._oldest_offset(s.firsts))
        s.by_id.link(slot, fp.id_hash)
        s.by_content.link(slot, fp.content_hash)
        s.by_cluster.link(slot, cluster)
        if fp.url_hash:
            s.by_url.link(slot, fp.url_hash)
        s.by_band.nxt_mv[slot * BANDS : (slot + 1) * BANDS] = heads.data
        s.by_band.head_flat[flat] = slot + 1
        self._buckets_of = None
        self.next_seq = seq + 1

    def _first_for_revision(self, d: Decision, cluster: int) -> str | None:
        if d.revision_of is None:
            return None
        newest = next(self._chain(self.s.by_cluster, self.s.cluster_mv, cluster), None)
        return None if newest is None else self.first_of(newest)

    def _revision_code(self, fp: Fingerprint, d: Decision, seq: int) -> int:
        if d.revision_of is None:
            return _REV_NONE
        if d.revision_of == fp.article_id:
            return _REV_SELF
        self.revised_from[seq] = d.revision_of
        return _REV_OTHER

    def _oldest_offset(self, arena: IdArena) -> int:
        if self.next_seq == self.oldest:
            return 1 << 62
        return arena.off_mv[self.oldest % self.capacity]

    def _expire(self, ts: float) -> None:
        """Drop entries at the old end that are out of the window of the newest event."""
        self.max_ts = max(self.max_ts, ts)
        horizon = self.max_ts - self.window_s
        times = self.s.ts_mv
        while self.oldest < self.next_seq and times[self.oldest % self.capacity] < horizon:
            self._drop_oldest()
            self.expired += 1

    def _drop_oldest(self) -> None:
        self.revised_from.pop(self.oldest, None)
        self.oldest += 1

    def stats(self) -> dict[str, int | float | str]:
        seq = self.s.seq
        live = (
            (seq >= self.oldest) & (seq < self.next_seq) & (seq % self.capacity == _positions(seq))
        )
        stories = int(np.count_nonzero(live & (self.s.status == 0) & (self.s.revision == 0)))
        shared = np.unique(self.s.cluster[live & (self.s.articles >= 2)]).size
        out: dict[str, int | float | str] = {
            "size": len(self),
            "max_entries": self.max_entries,
            "evictions": self.evictions,
            "expired": self.expired,
            "stories": stories,  # live first articles of a story
            "clusters": shared,  # live stories carried by two or more articles
            "window_s": self.window_s,
            "inserted": self.next_seq,
        }
        return out | {f"decided_{k}": v for k, v in self.counts.items()}
