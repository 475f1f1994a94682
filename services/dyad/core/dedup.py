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
    "in_input_order",
    "is_near",
    "similarity",
    "time_order",
]


class DedupIndex(Protocol):
    """Check-and-insert, one batch at a time, in the order given."""

    def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]: ...


def time_order(fps: Sequence[Fingerprint]) -> list[int]:
    """The batch's positions by event time (stable: ties keep input order).

    A batch mixes partitions, and the index expires what is older than the window of
    the newest article it has seen: deciding a batch in input order would let a later
    article from one partition expire the original of an earlier copy from another.
    Deciding it in event time gives the same answers whatever the interleaving."""
    return sorted(range(len(fps)), key=lambda i: fps[i].timestamp)


def in_input_order(decisions: Sequence[Decision], order: Sequence[int]) -> list[Decision]:
    """Decisions made in `order` (time_order) back in the batch's input order."""
    out: list[Decision | None] = [None] * len(order)
    for decision, i in zip(decisions, order, strict=True):
        out[i] = decision
    return [d for d in out if d is not None]


MemoryDedupIndex = CompactIndex
