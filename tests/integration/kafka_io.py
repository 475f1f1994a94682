"""An independent Kafka client for the tests: publish inputs, read outputs back.

It uses aiokafka directly (not dyad's adapters), with no consumer group, so what
it reads is what any downstream consumer would see. The benchmarks share its
topic helpers (bench/kafka_util.py).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


def run(coro: Any) -> Any:
    return asyncio.run(coro)


ROOT = Path(__file__).resolve().parents[2]


def dyad_env(bootstrap: str, **settings: str) -> dict[str, str]:
    """The environment of a `dyad run` subprocess against the test broker (for the
    integration tests and the benchmarks): none of the caller's DYAD_/KAFKA_ settings,
    this checkout's code, `settings` over the defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYAD_", "KAFKA_"))}
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            # tansu holds a first group join for about half the session timeout.
            "DYAD_SESSION_TIMEOUT_MS": "6000",
            "DYAD_HEARTBEAT_INTERVAL_MS": "1000",
            "PYTHONPATH": str(ROOT / "services") + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.update(settings)
    return env


@dataclass
class Topics:
    """The four topics and the group of one service under test."""

    input: str
    output: str
    duplicates: str
    dlq: str
    group: str

    @property
    def outputs(self) -> list[str]:
        return [self.output, self.duplicates, self.dlq]

    def env(self) -> dict[str, str]:
        return {
            "DYAD_INPUT_TOPIC": self.input,
            "DYAD_OUTPUT_TOPIC": self.output,
            "DYAD_DUPLICATES_TOPIC": self.duplicates,
            "DYAD_DLQ_TOPIC": self.dlq,
            "DYAD_GROUP_ID": self.group,
        }


async def create_topics_async(bootstrap: str, names: Sequence[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


def create_topics(bootstrap: str, names: Sequence[str], partitions: int = 3) -> None:
    run(create_topics_async(bootstrap, names, partitions))


async def _produce(
    bootstrap: str, topic: str, values: Sequence[bytes | None], keys: Sequence[bytes | None] | None
) -> list[tuple[int, int]]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=16 << 20)
    await producer.start()
    try:
        futures = []
        for i, value in enumerate(values):
            key = keys[i] if keys is not None else None
            if value is None and key is None:
                key = f"tombstone-{i}".encode()  # Kafka needs a key or a value
            futures.append(await producer.send(topic, value, key=key))
        metas = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return [(m.partition, m.offset) for m in metas]


def produce(
    bootstrap: str,
    topic: str,
    values: Sequence[bytes | None],
    keys: Sequence[bytes | None] | None = None,
) -> list[tuple[int, int]]:
    """Publishes and returns each value's (partition, offset)."""
    return run(_produce(bootstrap, topic, values, keys))


def consume(
    bootstrap: str, topics: Sequence[str], count: int, timeout: float = 60.0, settle: float = 1.0
) -> list[Any]:
    """Reads from the beginning until `count` records arrived (or timeout), then settles."""
    return run(
        _consume_until(bootstrap, topics, lambda out: len(out) >= count, timeout, settle, 0.0)
    )


def article(i: int, body: str, title: str = "", **extra: object) -> bytes:
    return orjson.dumps({"id": f"art-{i}", "title": title, "body": body, **extra})


def _stable(doc: dict[str, Any]) -> bytes:
    """An output without the fields that are allowed to change on a repeat."""
    doc = {k: v for k, v in doc.items() if k not in ("processed_at", "received_at")}
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def audit(
    values: Sequence[bytes | None],
    positions: Sequence[tuple[int, int]],
    records: Sequence[Any],
    input_topic: str,
    dlq_topic: str,
) -> dict[str, list[Any]]:
    """Groups outputs by the input they answer (article id, or the dead letter's source).

    Returns `lost` (inputs without output), `unknown` (outputs that match no input),
    `inconsistent` (inputs whose repeats differ beyond processed_at/received_at, or
    that are "a duplicate of themselves") and `repeated` (inputs answered twice).
    """
    by_position = {pos: i for i, pos in enumerate(positions)}
    by_id: dict[str, int] = {}
    for i, v in enumerate(values):
        try:
            doc = orjson.loads(v.removeprefix(b"\xef\xbb\xbf")) if v else None
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("id"), str):
            by_id.setdefault(doc["id"], i)
    answers: dict[int, list[tuple[str, bytes]]] = {}
    unknown: list[Any] = []
    inconsistent: list[Any] = []
    for rec in records:
        doc = orjson.loads(rec.value)
        if rec.topic == dlq_topic:
            src = doc["source"]
            ok = src["topic"] == input_topic
            idx = by_position.get((src["partition"], src["offset"])) if ok else None
        else:
            idx = by_id.get(doc["article"]["id"])
            if doc["dedup"]["duplicate_of"] == doc["article"]["id"]:
                inconsistent.append(("a duplicate of itself", doc["article"]["id"]))
        if idx is None:
            unknown.append(doc)
            continue
        answers.setdefault(idx, []).append((rec.topic, _stable(doc)))
    for idx, outs in answers.items():
        if len(set(outs)) > 1:
            inconsistent.append((idx, [o[1][:300] for o in outs]))
    return {
        "lost": [i for i in range(len(values)) if i not in answers],
        "unknown": unknown,
        "inconsistent": inconsistent,
        "repeated": [i for i, outs in answers.items() if len(outs) > 1],
    }


async def _consume_until(
    bootstrap: str,
    topics: Sequence[str],
    done: Any,
    wait_s: float,
    settle: float,
    check_every_s: float = 1.0,
) -> list[Any]:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    out: list[Any] = []
    try:
        deadline = time.monotonic() + wait_s
        next_check = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_check:
                if done(out):
                    break
                next_check = time.monotonic() + check_every_s
            batch = await consumer.getmany(timeout_ms=200)
            for msgs in batch.values():
                out.extend(msgs)
        # Keep reading a little: anything beyond what `done` wanted is an extra output.
        settle_end = time.monotonic() + settle
        while time.monotonic() < settle_end:
            batch = await consumer.getmany(timeout_ms=100)
            for msgs in batch.values():
                out.extend(msgs)
    finally:
        await consumer.stop()
    return out


def consume_until(
    bootstrap: str, topics: Sequence[str], done: Any, timeout: float = 60.0, settle: float = 1.0
) -> list[Any]:
    """Reads from the beginning until done(records) (checked about once a second)."""
    return run(_consume_until(bootstrap, topics, done, timeout, settle))
