"""Dedup stores: where the index lives. The runner only sees the DedupStore protocol.

The runner calls, per batch: `decide(fingerprints)` (check-and-insert in input
order), then publishes the outputs, then `checkpoint()` (every decision so far is
durable), and only then commits the Kafka offsets. So the index is never behind
the committed offsets; when it is ahead (a crash between checkpoint and commit),
the redelivered records are recognised by id and content and get their first
decision back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dyad.config import Settings
from dyad.core.dedup import Decision, Fingerprint, MemoryDedupIndex


class DedupStore(Protocol):
    async def start(self) -> None: ...
    async def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]: ...
    async def checkpoint(self) -> None: ...
    async def close(self) -> None: ...
    def stats(self) -> dict[str, int | float | str]: ...


class LocalStore:
    """In-process index. First cut: not yet persisted (the dedup work adds that)."""

    def __init__(self, settings: Settings) -> None:
        self.index = MemoryDedupIndex(settings.dedup_window_s, settings.dedup_max_entries)
        self.max_entries = settings.dedup_max_entries

    async def start(self) -> None:
        return None

    async def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]:
        return self.index.decide(fps)

    async def checkpoint(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def stats(self) -> dict[str, int | float | str]:
        return {
            "backend": "local",
            "size": len(self.index),
            "max_entries": self.max_entries,
            "evictions": self.index.evictions,
        }


def make_store(settings: Settings) -> DedupStore:
    if settings.dedup_backend == "redis":
        raise NotImplementedError("the redis dedup backend is not built yet")
    return LocalStore(settings)
