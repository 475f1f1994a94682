"""dyad replay on a real broker: refuses a live group, dry run changes nothing, and a
real replay makes the service emit the same events again (same event ids)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.integration.conftest import ROOT, service_env
from tests.integration.kafka_io import consume, produce
from tests.integration.test_end_to_end import make_stream


def dyad(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dyad", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _committed(bootstrap: str, topic: str, group: str) -> dict[int, int | None]:
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await c.start()
    try:
        return {p: await c.committed(TopicPartition(topic, p)) for p in range(3)}
    finally:
        await c.stop()


async def _join_and_leave(bootstrap: str, topic: str, group: str) -> None:
    # tansu never drops the first member a group ever had (measured: describe still lists it
    # after LeaveGroup); later members leave as on Kafka. A throwaway first member makes the
    # service's own leave visible to replay's live-member check.
    c = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await c.start()
    while not c.assignment():
        await c.getmany(timeout_ms=100)
    await c.stop()


def events_by_id(records: list[Any], topics: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in records:
        if r.topic != topics.dlq:
            eid = orjson.loads(r.value)["event_id"]
            out[eid] = out.get(eid, 0) + 1
    return out


def test_replay_refuses_live_group_dry_runs_and_reprocesses(
    broker: Any, topics: Any, start_service: Any, tmp_path: Any
) -> None:
    bs = broker.bootstrap
    asyncio.run(_join_and_leave(bs, topics.input, topics.group))
    old = make_stream(40, seed=3, prefix="old-")
    produce(bs, topics.input, old)
    time.sleep(1.2)
    since = datetime.now(tz=UTC).isoformat(timespec="milliseconds")
    new = make_stream(60, seed=4, prefix="new-")
    produce(bs, topics.input, new)
    svc = start_service(topics)
    svc.wait_ready(40)
    first = consume(bs, topics.outputs, len(old) + len(new), timeout=60, settle=1)
    assert len(first) == len(old) + len(new)
    env = service_env(bs, topics, tmp_path / "cli")

    live = dyad(["replay", "--since", since], env)
    assert live.returncode == 3 and "live member" in live.stderr, live.stderr

    svc.terminate()
    assert svc.wait(20) == 0
    before = asyncio.run(_committed(bs, topics.input, topics.group))
    assert sum(v or 0 for v in before.values()) == len(old) + len(new)

    dry = dyad(["replay", "--since", since, "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert f"{len(new)} messages will be processed again" in dry.stdout, dry.stdout
    for p in range(3):
        assert f"{p:>9}  {before[p]:>10}" in dry.stdout
    assert asyncio.run(_committed(bs, topics.input, topics.group)) == before

    real = dyad(["replay", "--since", since], env)
    assert real.returncode == 0, real.stdout + real.stderr
    after = asyncio.run(_committed(bs, topics.input, topics.group))
    assert sum(before[p] - (after[p] or 0) for p in range(3)) == len(new)

    svc2 = start_service(topics)
    svc2.wait_ready(40)
    total = len(old) + 2 * len(new)
    records = consume(bs, topics.outputs, total, timeout=60, settle=1)
    assert len(records) == total
    again = records_after(records, first)
    replayed = {
        orjson.loads(r.value)["event_id"]
        for r in first
        if r.topic != topics.dlq and orjson.loads(r.value)["article"]["id"].startswith("new-")
    }
    assert len(replayed) > 40
    assert events_by_id(again, topics) == dict.fromkeys(replayed, 1)
    # the persisted dedup index gives replayed articles their first decision back
    status = {
        orjson.loads(r.value)["event_id"]: orjson.loads(r.value)["dedup"]["status"]
        for r in first
        if r.topic != topics.dlq
    }
    for r in again:
        if r.topic != topics.dlq:
            doc = orjson.loads(r.value)
            assert doc["dedup"]["status"] == status[doc["event_id"]], doc["article"]["id"]
    dead_again = [r for r in again if r.topic == topics.dlq]
    assert len(dead_again) == sum(r.topic == topics.dlq and not _is_old(r, after) for r in first)
    svc2.terminate()
    assert svc2.wait(20) == 0


def records_after(records: list[Any], first: list[Any]) -> list[Any]:
    seen = {(r.topic, r.partition, r.offset) for r in first}
    return [r for r in records if (r.topic, r.partition, r.offset) not in seen]


def _is_old(r: Any, after: dict[int, int | None]) -> bool:
    src = orjson.loads(r.value)["source"]
    return src["offset"] < (after[src["partition"]] or 0)
