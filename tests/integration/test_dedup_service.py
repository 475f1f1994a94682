"""Dedup through the real service: a kill -9 mid-stream replays to the same
decisions, and two instances sharing Redis call each story unique once."""

from __future__ import annotations

import importlib.util
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

from tests.integration.kafka_io import consume, produce
from tests.integration.redis_fixture import redis_url  # noqa: F401 - the fixture

DATA = Path(__file__).resolve().parents[1] / "data" / "dedup"
SLOW = {"DYAD_BATCH_MAX_RECORDS": "4"}  # many small batches: the kill lands mid-stream


def _corpus() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("dedup_evaluate", DATA / "evaluate.py")
    assert spec and spec.loader
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules["dedup_evaluate"] = module
    spec.loader.exec_module(module)
    articles: list[dict[str, Any]] = module.load()
    return articles


def _values(articles: list[dict[str, Any]]) -> list[bytes]:
    keep = ("id", "title", "body", "url", "source", "published_at", "language")
    return [orjson.dumps({k: a[k] for k in keep}) for a in articles]


def _events(records: list[Any]) -> dict[str, list[dict[str, Any]]]:
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        ev = orjson.loads(r.value)
        if "article" in ev:
            by_id[ev["article"]["id"]].append(ev)
    return by_id


def _wait_for_outputs(bootstrap: str, topics: Any, count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        seen = len(consume(bootstrap, topics.outputs, count, timeout=0.5, settle=0))
        if seen >= count:
            break
    return seen


def test_kill_9_mid_stream_replays_the_same_decisions(
    broker: Any, topics: Any, start_service: Any, tmp_path: Path
) -> None:
    articles = _corpus()
    produce(broker.bootstrap, topics.input, _values(articles))
    state = tmp_path / "dedup-state"
    svc = start_service(topics, env=SLOW, state_dir=state)
    svc.wait_ready(40)
    assert _wait_for_outputs(broker.bootstrap, topics, 30, 60) >= 30
    svc.kill()  # SIGKILL: no drain, no snapshot, no commit of the batch in flight
    before = _events(consume(broker.bootstrap, topics.outputs, 1, timeout=5, settle=1))
    assert 0 < len(before) < len(articles), "the kill did not land mid-stream"

    again = start_service(topics, env=SLOW, state_dir=state)
    again.wait_ready(60)
    records = consume(broker.bootstrap, topics.outputs, len(articles), timeout=120, settle=3)
    events = _events(records)
    missing = [a["id"] for a in articles if a["id"] not in events]
    assert not missing, f"{len(missing)} inputs without output, e.g. {missing[:5]}"
    repeated = 0
    for aid, evs in events.items():
        first = evs[0]
        for ev in evs[1:]:  # a redelivery after the kill: exactly the first answer
            repeated += 1
            assert ev["event_id"] == first["event_id"], aid
            assert ev["dedup"] == first["dedup"], (aid, first["dedup"], ev["dedup"])
    group = {a["id"]: a["group"] for a in articles}
    clusters: dict[str, set[str]] = defaultdict(set)
    for aid, evs in events.items():
        clusters[evs[0]["dedup"]["cluster_id"]].add(group[aid])
    merged = {c: g for c, g in clusters.items() if len(g) > 1}
    assert not merged, f"different stories in one cluster: {list(merged.values())[:3]}"
    # the index survived the kill: the answered articles sent again (a replay of
    # an uncommitted tail) get exactly their first decisions back
    answered = [a for a in articles if a["id"] in before]
    produce(broker.bootstrap, topics.input, _values(answered))
    total = len(records) + len(answered)
    replayed = _events(consume(broker.bootstrap, topics.outputs, total, timeout=90, settle=2))
    for a in answered:
        evs = replayed[a["id"]]
        assert len(evs) >= 2, a["id"]
        assert all(ev["dedup"] == evs[0]["dedup"] for ev in evs), (a["id"], evs)
        assert len({ev["event_id"] for ev in evs}) == 1
    print(f"\nkill -9: {len(before)} answered before, {repeated} twice, {len(answered)} replayed")
    again.terminate()
    assert again.wait(20) == 0


def test_two_instances_sharing_redis_call_each_story_unique_once(
    broker: Any,
    topics: Any,
    start_service: Any,
    tmp_path: Path,
    redis_url: str,  # noqa: F811
) -> None:
    articles = _corpus()
    env = {"DYAD_DEDUP_BACKEND": "redis", "DYAD_REDIS_URL": redis_url, **SLOW}
    a = start_service(topics, env=env, state_dir=tmp_path / "a")
    b = start_service(topics, env=env, state_dir=tmp_path / "b")
    a.wait_ready(60)
    b.wait_ready(60)
    time.sleep(8)  # let the group settle on two members before the stream starts
    # keys spread the members of one story over the three partitions
    keys = [f"k{i}".encode() for i in range(len(articles))]
    produce(broker.bootstrap, topics.input, _values(articles), keys=keys)
    records = consume(broker.bootstrap, topics.outputs, len(articles), timeout=120, settle=3)
    events = {aid: evs[0] for aid, evs in _events(records).items()}
    assert len(events) == len(articles)
    group = {x["id"]: x["group"] for x in articles}
    uniques: Counter[str] = Counter()
    cluster_groups: dict[str, set[str]] = defaultdict(set)
    for aid, ev in events.items():
        d = ev["dedup"]
        cluster_groups[d["cluster_id"]].add(group[aid])
        if d["status"] == "unique" and not d["revision_of"]:
            uniques[d["cluster_id"]] += 1
    assert all(len(g) == 1 for g in cluster_groups.values()), "stories merged"
    assert all(n == 1 for n in uniques.values()), [c for c, n in uniques.items() if n > 1]
    assert set(uniques) == set(cluster_groups)  # every cluster has its one original
    stories = Counter(next(iter(g)) for g in cluster_groups.values())
    split = [g for g, n in stories.items() if n > 1]
    assert len(split) <= 0.05 * len(stories), f"stories split in two: {split}"
    trips = [svc.stats()["dedup"].get("round_trips", 0) for svc in (a, b)]
    assert all(t > 0 for t in trips), f"one instance decided nothing: {trips}"
    for svc in (a, b):
        svc.terminate()
        assert svc.wait(20) == 0
