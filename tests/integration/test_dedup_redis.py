"""The Redis backend against a real redis-server: same decisions as the local
index, one round trip a batch, atomic between instances."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType

from dyad.adapters.dedup_redis import RedisStore
from dyad.core.dedup import CompactIndex, fingerprint
from tests.integration.redis_fixture import redis_url  # noqa: F401 - the fixture

DATA = Path(__file__).resolve().parents[1] / "data" / "dedup"


def _evaluate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dedup_evaluate", DATA / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_evaluate"] = module
    spec.loader.exec_module(module)
    return module


async def _store(url: str, window: float = 7 * 86400, cap: int = 100_000) -> RedisStore:
    store = RedisStore(url, window, cap, prefix=f"t-{uuid.uuid4().hex[:8]}")
    await store.start()
    return store


async def test_same_decisions_as_local_on_the_corpus(redis_url: str) -> None:  # noqa: F811
    ev = _evaluate()
    articles = ev.load()
    fps = [ev.fingerprint_of(a) for a in articles]
    local = CompactIndex().decide(fps)
    store = await _store(redis_url)
    got = []
    for i in range(0, len(fps), 50):
        got += await store.decide(fps[i : i + 50])
    assert store.round_trips == (len(fps) + 49) // 50
    assert got == local
    score = ev.score(articles, got)
    assert score.precision >= 0.99 and score.recall >= 0.95
    assert await store.decide(fps[:50]) == local[:50]  # redelivery
    await store.close()


async def test_revisions_window_and_cap_match_local(redis_url: str) -> None:  # noqa: F811
    fps = []
    for i in range(120):
        story = i // 4
        text = " ".join(f"s{story}w{j}" for j in range(50))
        if i % 4 == 3:
            text = text.replace(f"s{story}w9 ", "edited ")
        aid = f"a{i}" if i % 10 else f"a{i - 1}"  # every tenth revises the one before
        url = f"https://o.example/{i // 2}"  # pairs share a url
        fps.append(fingerprint(aid, url, f"o{i % 3}", text, i * 7200.0))
    local = CompactIndex(window_s=86400, max_entries=40).decide(fps)
    store = await _store(redis_url, window=86400, cap=40)
    assert await store.decide(fps) == local
    idx = CompactIndex(window_s=86400, max_entries=40)
    idx.decide(fps)
    stats = idx.stats()
    assert store.stats()["size"] == stats["size"]
    assert store.stats()["evictions"] + store.stats()["expired"] > 0
    await store.close()


async def test_two_instances_racing_agree_on_one_original(redis_url: str) -> None:  # noqa: F811
    base = " ".join(f"story word {j} here" for j in range(40))
    variants = [base.replace(f"word {k} ", f"term {k} ") for k in range(20)]
    a, b = await _store(redis_url), await _store(redis_url)
    b.prefix = a.prefix  # the same shared index
    fa = [fingerprint(f"x{k}", None, f"o{k}", t, 1.0) for k, t in enumerate(variants[::2])]
    fb = [fingerprint(f"y{k}", None, f"p{k}", t, 1.0) for k, t in enumerate(variants[1::2])]
    da, db = await asyncio.gather(a.decide(fa), b.decide(fb))
    decisions = da + db
    assert sum(d.status == "unique" for d in decisions) == 1
    assert len({d.cluster_id for d in decisions}) == 1
    assert max(d.articles for d in decisions) == 20
    await a.close()
    await b.close()
