"""Broker helpers for the benchmarks: topics, bulk produce, read back, group progress.

An independent aiokafka client (no dyad code), so that what it measures is what
any producer or downstream consumer would see. Topics and their creation are the
integration tests' own (tests/integration/kafka_io.py).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

# isort: off
import common  # noqa: F401 - puts the checkout on the path, for tests.integration below
from tests.integration.kafka_io import Topics
from tests.integration.kafka_io import create_topics_async as create_topics

# isort: on


async def make_topics(bootstrap: str, input_topic: str, partitions: int, tag: str) -> Topics:
    """Output topics and a group for one run over an existing (or new) input topic."""
    suffix = f"{tag}-{uuid.uuid4().hex[:8]}"
    t = Topics(input_topic, f"out-{suffix}", f"dup-{suffix}", f"dlq-{suffix}", f"grp-{suffix}")
    await create_topics(bootstrap, t.outputs, partitions)
    return t


async def produce_all(
    bootstrap: str, topic: str, values: Iterable[bytes], compression: str | None = "lz4"
) -> float:
    """Publishes every value as fast as the broker takes them; returns the seconds taken."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=20,
        max_batch_size=1 << 20,
        max_request_size=16 << 20,
        compression_type=compression,
    )
    await producer.start()
    started = time.perf_counter()
    try:
        pending: list[asyncio.Future[Any]] = []
        for value in values:
            pending.append(await producer.send(topic, value))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


@dataclass
class ReadBack:
    count: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    by_topic: dict[str, int] = field(default_factory=dict)


async def read_all(
    bootstrap: str,
    topics: Sequence[str],
    expected: int,
    on_record: Callable[[Any], None] | None = None,
    idle_s: float = 3.0,
    timeout_s: float = 300.0,
) -> ReadBack:
    """Reads the topics from the start until `expected` records (then a short settle)."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=8 << 20,
        fetch_max_bytes=32 << 20,
    )
    await consumer.start()
    rb = ReadBack()
    try:
        deadline = time.monotonic() + timeout_s
        last_seen = time.monotonic()
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for tp, msgs in batch.items():
                rb.by_topic[tp.topic] = rb.by_topic.get(tp.topic, 0) + len(msgs)
                for m in msgs:
                    rb.count += 1
                    ts = m.timestamp
                    rb.first_ms = ts if rb.first_ms is None else min(rb.first_ms, ts)
                    rb.last_ms = ts if rb.last_ms is None else max(rb.last_ms, ts)
                    if on_record:
                        on_record(m)
            if batch:
                last_seen = time.monotonic()
            settle = 1.0 if rb.count >= expected else idle_s
            if time.monotonic() - last_seen > settle and (rb.count >= expected or rb.count):
                break
    finally:
        await consumer.stop()
    return rb


class GroupProgress:
    """Reads a group's committed offsets (OffsetFetch through a consumer, without joining)."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.topic = topic
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
        )

    async def __aenter__(self) -> GroupProgress:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def committed(self) -> int:
        """Sum of the committed offsets: the number of input records the group finished."""
        parts = self.consumer.partitions_for_topic(self.topic) or set()
        if not parts:
            await self.consumer.topics()
            parts = self.consumer.partitions_for_topic(self.topic) or set()
        total = 0
        for p in parts:
            off = await self.consumer.committed(TopicPartition(self.topic, p))
            total += max(0, off or 0)
        return total


async def wait_committed(
    bootstrap: str,
    group: str,
    topic: str,
    target: int,
    proc: subprocess.Popen[bytes] | None = None,
    timeout_s: float = 900.0,
    every_s: float = 0.5,
) -> int:
    """Polls the group's progress until `target` records are committed."""
    deadline = time.monotonic() + timeout_s
    done = 0
    async with GroupProgress(bootstrap, group, topic) as progress:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"the process under test exited with {proc.returncode}")
            done = await progress.committed()
            if done >= target:
                return done
            await asyncio.sleep(every_s)
    raise TimeoutError(f"group {group} committed {done} of {target} after {timeout_s:.0f}s")
