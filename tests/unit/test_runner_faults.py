"""The runner's publish and commit under output failures, with fake Kafka clients."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    CommitFailedError,
    KafkaError,
    MessageSizeTooLargeError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)

from dyad import stopping
from dyad.adapters.dedup_store import make_store
from dyad.config import Settings
from dyad.core.pipeline import Pipeline
from dyad.runner import Abandoned, Runner
from dyad.stats import Stats

TP = TopicPartition("in", 0)
Fail = Callable[[str, bytes, int], BaseException | None]


class FakeProducer:
    def __init__(self, fail: Fail) -> None:
        self.fail, self.calls, self.acked = fail, 0, []

    async def send(self, topic: str, value: bytes, key: bytes | None = None) -> Any:
        self.calls += 1
        fut = asyncio.get_running_loop().create_future()
        err = self.fail(topic, value, self.calls)
        if isinstance(err, MessageSizeTooLargeError):
            raise err  # aiokafka refuses an oversized message before sending it
        if err is None:
            self.acked.append((topic, value, key))
            fut.set_result(None)
        else:
            fut.set_exception(err)
        return fut


class FakeConsumer:
    def __init__(self, commit_error: BaseException | None = None) -> None:
        self.commits: list[Any] = []
        self.commit_error = commit_error

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    async def commit(self, offsets: Any) -> None:
        if self.commit_error is not None:
            raise self.commit_error
        self.commits.append(offsets)


class Msg:
    def __init__(self, value: bytes | None, offset: int, key: bytes | None = None) -> None:
        self.value, self.key, self.offset = value, key, offset
        self.topic, self.partition, self.timestamp = "in", 0, int(time.time() * 1000)


def _runner(tmp_path: Any, pipeline: Pipeline, producer: Any, consumer: Any) -> Runner:
    s = Settings(bootstrap_servers="x:1", state_dir=tmp_path, dedup_max_entries=1000)
    r = Runner(s, pipeline, make_store(s), Stats())
    r.attach(consumer, producer)
    return r


def _article(i: int, **extra: object) -> bytes:
    return orjson.dumps({"id": f"a{i}", "title": "t", "body": "Iran and Syria trade.", **extra})


@pytest.fixture(autouse=True)
def _no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stopping, "backoff", lambda *a, **k: 0.0)


async def test_refused_output_becomes_a_dead_letter(tmp_path: Any, pipeline: Pipeline) -> None:
    def fail(topic: str, value: bytes, n: int) -> BaseException | None:
        return MessageSizeTooLargeError() if b"huge" in value and topic != "articles.dlq" else None

    r = _runner(tmp_path, pipeline, FakeProducer(fail), FakeConsumer())
    await r.store.start()
    await r.process({TP: [Msg(_article(1, title="huge"), 0), Msg(_article(2), 1)]})
    acked = r.delivery.kp.acked
    assert [t for t, _, _ in acked].count("articles.dlq") == 1
    dl = orjson.loads(next(v for t, v, _ in acked if t == "articles.dlq"))
    assert dl["error"]["type"] == "output_too_large" and dl["source"]["offset"] == 0
    assert r.delivery.kc.commits and r.delivery.kc.commits[0][TP].offset == 2


async def test_refused_dead_letter_drops_raw_and_key(tmp_path: Any, pipeline: Pipeline) -> None:
    def fail(topic: str, value: bytes, n: int) -> BaseException | None:
        return MessageSizeTooLargeError() if n == 1 else None

    r = _runner(tmp_path, pipeline, FakeProducer(fail), FakeConsumer())
    await r.store.start()
    await r.process({TP: [Msg(b"{bad", 7, key=b"K" * 100)]})
    ((topic, value, key),) = r.delivery.kp.acked
    dl = orjson.loads(value)
    assert topic == "articles.dlq" and key == b"0-7"
    assert dl["raw"] is None and dl["key"] is None and dl["raw_size"] == 4
    assert dl["error"]["type"] == "invalid_json"


@pytest.mark.parametrize(
    "error", [UnknownTopicOrPartitionError(), TopicAuthorizationFailedError(), KafkaError()]
)
async def test_output_errors_retry_and_never_commit_early(
    tmp_path: Any, pipeline: Pipeline, error: BaseException
) -> None:
    seen_ready: list[tuple[bool, str]] = []

    def fail(topic: str, value: bytes, n: int) -> BaseException | None:
        return error if n <= 6 else None  # three rounds of two sends fail

    r = _runner(tmp_path, pipeline, FakeProducer(fail), FakeConsumer())
    h = r.stats.health
    h.started, h.broker_ok, h.assigned, h.last_poll = True, True, {("in", 0)}, time.monotonic()
    original = r.delivery.publish_failed

    def spy(err: BaseException, failed: int, attempt: int) -> None:
        original(err, failed, attempt)
        seen_ready.append(r.stats.health.readiness(60))

    r.delivery.publish_failed = spy  # type: ignore[method-assign]
    await r.store.start()
    await r.process({TP: [Msg(_article(1), 0), Msg(_article(2), 1)]})
    assert len(r.delivery.kp.acked) == 2 and len(r.delivery.kc.commits) == 1
    assert r.stats.produce_retries == 6
    assert r.stats.metrics.produce_retries._value.get() == 6
    assert seen_ready[0][0] and not seen_ready[-1][0]  # one failed round is a blip
    assert type(error).__name__ in seen_ready[-1][1]
    assert r.stats.health.readiness(60) == (True, "ok")  # cleared once published


async def test_stop_abandons_a_batch_that_cannot_publish(
    tmp_path: Any, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stopping, "DRAIN_GRACE_S", 0.5)
    r = _runner(tmp_path, pipeline, FakeProducer(lambda *a: KafkaError()), FakeConsumer())
    await r.store.start()
    task = asyncio.create_task(r.process({TP: [Msg(_article(1), 0)]}))
    await asyncio.sleep(0.2)
    r.request_stop()
    t0 = time.monotonic()
    with pytest.raises(Abandoned):
        await task
    assert time.monotonic() - t0 < 2
    assert r.delivery.kc.commits == []


async def test_stop_does_not_wait_for_a_hung_send(
    tmp_path: Any, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Hung(FakeProducer):
        async def send(self, topic: str, value: bytes, key: bytes | None = None) -> Any:
            await asyncio.sleep(3600)  # a full buffer during an outage

    monkeypatch.setattr(stopping, "DRAIN_GRACE_S", 0.3)
    r = _runner(tmp_path, pipeline, Hung(lambda *a: None), FakeConsumer())
    await r.store.start()
    task = asyncio.create_task(r.process({TP: [Msg(_article(1), 0)]}))
    await asyncio.sleep(0.1)
    r.request_stop()
    with pytest.raises(Abandoned):
        await asyncio.wait_for(task, 2)
    assert r.delivery.kc.commits == []


async def test_commit_refused_by_a_rebalance_is_not_fatal(
    tmp_path: Any, pipeline: Pipeline
) -> None:
    consumer = FakeConsumer(commit_error=CommitFailedError("rebalanced"))
    r = _runner(tmp_path, pipeline, FakeProducer(lambda *a: None), consumer)
    await r.store.start()
    await r.process({TP: [Msg(_article(1), 0)]})
    assert r.stats.commit_failures == 1 and len(r.delivery.kp.acked) == 1


class LagConsumer(FakeConsumer):
    """Reports offsets as a broker would: the end, the start, the group's commit."""

    def __init__(self, end: int, start: int, committed: int | None) -> None:
        super().__init__()
        self.end, self.start, self._committed = end, start, committed

    async def end_offsets(self, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.end for tp in parts}

    async def beginning_offsets(self, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.start for tp in parts}

    async def committed(self, tp: TopicPartition) -> int | None:
        return self._committed


@pytest.mark.parametrize(("committed", "lag"), [(None, 90), (40, 60)])
async def test_lag_before_the_first_commit_is_the_backlog(
    tmp_path: Any, pipeline: Pipeline, committed: int | None, lag: int
) -> None:
    r = _runner(
        tmp_path,
        pipeline,
        FakeProducer(lambda *_: None),
        LagConsumer(end=100, start=10, committed=committed),
    )
    await r.probe.once()
    assert r.stats.lag == {0: lag}
    r.delivery.next_offset[TP] = 95  # after our own commit, that is what counts
    await r.probe.once()
    assert r.stats.lag == {0: 5}
