"""The Redis dedup store: one index shared by every instance of the consumer group.

Each batch is one EVALSHA of the script in dedup_redis_lua: check-and-insert of
the whole batch, atomic (Redis runs a script alone), so two instances deciding
near duplicates at the same moment cannot both call theirs the original. The
decisions are the same as the local backend's on the same input.

Durability is Redis's own: run it with `appendonly yes` (and `appendfsync
always` for the strictest reading of "checkpoint"); `checkpoint` has nothing
left to do once the script has returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from dyad.adapters.dedup_redis_lua import SCRIPT
from dyad.core import dedup_rule as rule
from dyad.core.dedup import Decision, Fingerprint
from dyad.core.dedup_rule import STATUS_NAMES, cluster_id_of, similarity
from dyad.core.dedup_sig import BANDS, NUM_PERM, fill_bands

_DAY = 86400


def _args(fp: Fingerprint) -> list[bytes | str | int]:
    return [
        fp.article_id,
        f"{fp.id_hash:016x}",
        f"{fp.content_hash:016x}",
        f"{fp.url_hash:016x}" if fp.url_hash else "",
        f"{fp.source_hash:016x}",
        repr(fp.timestamp),
        fp.shingles,
        fp.numbers >> 32,
        fp.numbers & 0xFFFFFFFF,
        fp.signature.tobytes(),
        "".join(f"{int(b):016x}" for b in fp.bands.tolist()),
    ]


def _text(v: Any) -> str:
    return v.decode("utf-8", "surrogatepass") if isinstance(v, bytes) else str(v)


def _decision(row: list[Any]) -> Decision:
    status, first, cluster, rev, articles, sources, m, nb, own = row
    code, m = int(status), int(m)
    sim = 1.0 if m == -1 else None if m == -2 else similarity(m, int(own), int(nb))
    return Decision(
        status=STATUS_NAMES[code],
        duplicate_of=_text(first) or None,
        similarity=sim,
        cluster_id=cluster_id_of(int(_text(cluster), 16)),
        revision_of=_text(rev) or None,
        articles=int(articles),
        sources=int(sources),
    )


class RedisStore:
    def __init__(self, url: str, window_s: float, max_entries: int, prefix: str = "dyad") -> None:
        self.url, self.window_s, self.max_entries = url, window_s, max_entries
        self.prefix = f"{{{prefix}:dedup}}:"  # one hash tag: one cluster slot
        self.ttl = int(2 * window_s + _DAY)  # a safety net; the ring decides what is live
        self.client: aioredis.Redis | None = None
        self.last: dict[str, int] = {"size": 0, "evictions": 0, "expired": 0, "inserted": 0}
        self.round_trips = 0

    async def start(self) -> None:
        self.client = aioredis.from_url(self.url)
        await self.client.ping()
        self.script = self.client.register_script(SCRIPT)

    def _params(self) -> list[bytes | str | int]:
        return [
            self.prefix, repr(self.window_s), self.max_entries, self.ttl,
            rule.NEAR_MATCHES, rule.CONTAIN_PCT, rule.CONTAIN_MIN_SHINGLES,
            rule.CONTAIN_MIN_MATCHES, rule.NUMBER_VETO, NUM_PERM, BANDS,
        ]  # fmt: skip

    async def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]:
        if not fps:
            return []
        args = self._params()
        fill_bands(fps)
        for fp in fps:
            args += _args(fp)
        rows, size, evictions, expired, inserted = await self.script(keys=[], args=args)
        self.round_trips += 1
        self.last = {
            "size": int(size), "evictions": int(evictions),
            "expired": int(expired), "inserted": int(inserted),
        }  # fmt: skip
        return [_decision(r) for r in rows]

    async def checkpoint(self) -> None:
        return None  # the script's writes are Redis's to keep (appendonly)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    def stats(self) -> dict[str, int | float | str]:
        return {
            "backend": "redis",
            "max_entries": self.max_entries,
            "window_s": self.window_s,
            "round_trips": self.round_trips,
            **self.last,
        }
