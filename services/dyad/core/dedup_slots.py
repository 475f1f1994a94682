"""The storage of the in-process dedup index: flat numpy arrays, one row per slot.

An entry is a row of flat arrays (hashes, event time, the 64-byte signature, the
stored decision), never a Python object: a million entries fit in about 400 MB.
Lookups go through chained hash tables made of two int32 arrays each:
`head[bucket]` holds the newest slot of a bucket and `nxt[slot]` the next older
one, both stored as slot + 1 so that 0 means "none": every array starts as
zeros, which the kernel maps lazily, so an index costs only what it holds.
Slots are reused oldest first, so a chain is valid while its insertion numbers
keep decreasing and stay >= the oldest live entry; nothing is ever
deleted from a chain, a stale link simply ends it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dyad.core.dedup_arena import IdArena
from dyad.core.dedup_sig import BANDS, NUM_PERM

I32 = npt.NDArray[np.int32]


class Chains:
    """A chained hash table from 64-bit keys to slots (see the module docstring)."""

    def __init__(self, slots: int, bits: int, ways: int = 1) -> None:
        self.mask = (1 << bits) - 1
        self.way_base = np.arange(ways, dtype=np.int64) << bits  # first bucket of each way
        self.head: I32 = np.zeros((ways, 1 << bits), dtype=np.int32)
        self.nxt: I32 = np.zeros((slots, ways), dtype=np.int32)
        self.views()

    def views(self) -> None:
        # flat views: indexing a memoryview gives a Python int, ten times faster
        self.head_mv = self.head.data.cast("B").cast("i")
        self.nxt_mv = self.nxt.data.cast("B").cast("i")
        self.head_flat = self.head.reshape(-1)  # a view: [way * buckets + bucket]

    def link(self, slot: int, key: int) -> None:
        bucket = key & self.mask
        self.nxt_mv[slot] = self.head_mv[bucket]
        self.head_mv[bucket] = slot + 1


def bits_for(slots: int, load: float) -> int:
    return max(10, int(np.ceil(np.log2(max(2.0, slots / load)))))


# Array name -> (dtype, columns); every array has one row per slot.
COLUMNS: dict[str, tuple[type[np.generic], int]] = {
    "seq": (np.int64, 1),  # insertion number of the slot's entry
    "id_hash": (np.uint64, 1),
    "content": (np.uint64, 1),
    "url_hash": (np.uint64, 1),
    "source_hash": (np.uint64, 1),
    "cluster": (np.uint64, 1),
    "ts": (np.float64, 1),
    "shingles": (np.int32, 1),
    "numbers": (np.uint64, 1),
    "sig": (np.uint8, NUM_PERM),
    # the stored decision, returned as is on redelivery
    "status": (np.uint8, 1),
    "sim": (np.uint16, 1),
    "articles": (np.int32, 1),
    "sources": (np.int32, 1),
    "revision": (np.uint8, 1),
}


class Slots:
    """All per-slot arrays, the id arenas and the lookup tables of one index."""

    def __init__(self, n: int) -> None:
        self.n = n
        for name, (dtype, cols) in COLUMNS.items():
            shape = (n, cols) if cols > 1 else (n,)
            setattr(self, name, np.zeros(shape, dtype=dtype))
        self.ids = IdArena(n, 32)  # the article ids
        self.firsts = IdArena(n, 8)  # the story's first id, for duplicates and revisions
        self.by_id = Chains(n, bits_for(n, 1.0))
        self.by_content = Chains(n, bits_for(n, 1.0))
        self.by_url = Chains(n, bits_for(n, 1.0))
        self.by_cluster = Chains(n, bits_for(n, 1.0))
        # four slots a bucket on average: the heads cost 32 MB a million, not 128
        self.by_band = Chains(n, bits_for(n, 4.0), BANDS)
        self.views()

    seq: npt.NDArray[np.int64]
    id_hash: npt.NDArray[np.uint64]
    content: npt.NDArray[np.uint64]
    url_hash: npt.NDArray[np.uint64]
    source_hash: npt.NDArray[np.uint64]
    cluster: npt.NDArray[np.uint64]
    ts: npt.NDArray[np.float64]
    shingles: npt.NDArray[np.int32]
    numbers: npt.NDArray[np.uint64]
    sig: npt.NDArray[np.uint8]
    status: npt.NDArray[np.uint8]
    sim: npt.NDArray[np.uint16]
    articles: npt.NDArray[np.int32]
    sources: npt.NDArray[np.int32]
    revision: npt.NDArray[np.uint8]

    def views(self) -> None:
        """Flat memoryviews of the arrays: reading or writing one element through
        them is several times cheaper than numpy's scalar indexing."""
        self.seq_mv = self.seq.data.cast("B").cast("q")
        self.id_mv = self.id_hash.data.cast("B").cast("Q")
        self.content_mv = self.content.data.cast("B").cast("Q")
        self.url_mv = self.url_hash.data.cast("B").cast("Q")
        self.cluster_mv = self.cluster.data.cast("B").cast("Q")
        self.source_mv = self.source_hash.data.cast("B").cast("Q")
        self.ts_mv = self.ts.data.cast("B").cast("d")
        self.shingles_mv = self.shingles.data.cast("B").cast("i")
        self.numbers_mv = self.numbers.data.cast("B").cast("Q")
        self.sig_mv = self.sig.data.cast("B")
        self.status_mv = self.status.data.cast("B")
        self.sim_mv = self.sim.data.cast("B").cast("H")
        self.articles_mv = self.articles.data.cast("B").cast("i")
        self.sources_mv = self.sources.data.cast("B").cast("i")
        self.revision_mv = self.revision.data.cast("B")
        for table in self.tables().values():
            table.views()
        self.ids.views()
        self.firsts.views()

    def tables(self) -> dict[str, Chains]:
        return {
            "by_id": self.by_id,
            "by_content": self.by_content,
            "by_url": self.by_url,
            "by_cluster": self.by_cluster,
            "by_band": self.by_band,
        }
