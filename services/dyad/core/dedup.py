"""Exact and near-duplicate detection: fingerprints, the index protocol, the decision.

Exact duplicates share a hash of the normalised, boilerplate-free word sequence.
Near duplicates are found by MinHash-LSH over word shingles (dedup_sig) and
confirmed by the integer rule in dedup_rule (resemblance, or containment for a
short version of a longer story). Every decision is stored with its article id
and content hash, so a redelivered message (same id, same content) gets back
exactly the decision it got the first time: replaying the uncommitted tail of a
partition after a crash reproduces the same outputs.

Modules: dedup_sig (fingerprints), dedup_rule (rule and Decision), dedup_index
(the compact in-process index), dedup_arena (ids as bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dyad.core.dedup_index import CompactIndex
from dyad.core.dedup_rule import Decision, is_near, similarity
from dyad.core.dedup_sig import BANDS, NUM_PERM, ROWS, SHINGLE, Fingerprint, fingerprint

__all__ = [
    "BANDS",
    "NUM_PERM",
    "ROWS",
    "SHINGLE",
    "CompactIndex",
    "Decision",
    "DedupIndex",
    "Fingerprint",
    "MemoryDedupIndex",
    "fingerprint",
    "is_near",
    "similarity",
]


class DedupIndex(Protocol):
    """Check-and-insert, one batch at a time, in input order."""

    def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]: ...


MemoryDedupIndex = CompactIndex
