"""Dedup stores: where the index lives. The runner only sees the DedupStore protocol.

The runner calls, per batch: `decide(fingerprints)` (check-and-insert in input
order), then publishes the outputs, then `checkpoint()` (every decision so far is
durable), and only then commits the Kafka offsets. So the index is never behind
the committed offsets; when it is ahead (a crash between checkpoint and commit),
the redelivered records are recognised by id and content and get their first
decision back.

Backends: `local` (dedup_local: in-process, persisted in DYAD_STATE_DIR) and
`redis` (dedup_redis: shared by every instance of the consumer group).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dyad.config import Settings
from dyad.core.dedup import Decision, Fingerprint


class DedupStore(Protocol):
    async def start(self) -> None: ...
    async def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]: ...
    async def checkpoint(self) -> None: ...
    async def close(self) -> None: ...
    def stats(self) -> dict[str, int | float | str]: ...


def make_store(settings: Settings) -> DedupStore:
    if settings.dedup_backend == "redis":
        from dyad.adapters.dedup_redis import RedisStore

        if not settings.redis_url:
            raise ValueError("DYAD_DEDUP_BACKEND=redis needs DYAD_REDIS_URL (redis://host:6379/0)")
        return RedisStore(
            settings.redis_url, settings.dedup_window_s, settings.dedup_max_entries,
            prefix=settings.group_id,
        )  # fmt: skip
    from dyad.adapters.dedup_local import LocalStore

    return LocalStore(settings.state_dir, settings.dedup_window_s, settings.dedup_max_entries)
