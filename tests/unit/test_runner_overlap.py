"""Two batches overlap: the next is analysed while the previous is acked and committed,
yet no offset is committed before its outputs are acked, commits keep their order, and
a rebalance waits for every batch in flight."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import TopicPartition

from dyad.core.pipeline import Pipeline
from dyad.runner import Runner, _Rebalance
from tests.unit.test_runner_faults import TP, FakeConsumer, Msg, _article, _runner

ACK_DELAY_S = 0.05


class SlowAcks:
    """Acks every send ACK_DELAY_S later, as a broker across a network would."""

    def __init__(self, log: list[tuple[str, Any]] | None = None) -> None:
        self.sent = 0
        self.acked = 0
        self.log = log if log is not None else []

    async def send(self, topic: str, value: bytes, key: bytes | None = None) -> Any:
        self.sent += 1
        self.log.append(("send", self.sent))
        fut = asyncio.get_running_loop().create_future()

        def ack() -> None:
            self.acked += 1
            fut.set_result(None)

        asyncio.get_running_loop().call_later(ACK_DELAY_S, ack)
        return fut


class WatchedConsumer(FakeConsumer):
    def __init__(self, producer: SlowAcks, log: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.producer, self.log = producer, log

    async def commit(self, offsets: Any) -> None:
        self.log.append(("commit", (offsets[TP].offset, self.producer.acked)))
        await super().commit(offsets)


def _batch(first: int, n: int) -> dict[TopicPartition, list[Any]]:
    return {TP: [Msg(_article(i), i) for i in range(first, first + n)]}


@pytest.fixture
def watched(tmp_path: Any, pipeline: Pipeline) -> tuple[Runner, list[tuple[str, Any]]]:
    log: list[tuple[str, Any]] = []
    producer = SlowAcks(log)
    r = _runner(tmp_path, pipeline, producer, WatchedConsumer(producer, log))
    outputs = r.analyser.outputs

    async def traced(records: Any) -> Any:
        log.append(("analyse", records[0].offset))
        return await outputs(records)

    r.analyser.outputs = traced  # type: ignore[method-assign]
    return r, log


async def test_next_batch_is_analysed_while_the_previous_is_acked(
    watched: tuple[Runner, list[tuple[str, Any]]],
) -> None:
    r, log = watched
    await r.store.start()
    await r.submit(_batch(0, 3))
    await r.submit(_batch(3, 3))
    await r.drain()
    assert [e for e in log if e[0] == "analyse"] == [("analyse", 0), ("analyse", 3)]
    # The second batch was published before the first one's commit: it did not wait
    # for the acks of the batch before, only its commit does.
    first_commit = next(i for i, e in enumerate(log) if e[0] == "commit")
    assert ("send", 4) in log[:first_commit]
    # The second analysis started before the first batch's commit.
    assert log.index(("analyse", 3)) < next(i for i, e in enumerate(log) if e[0] == "commit")
    commits = [e[1] for e in log if e[0] == "commit"]
    assert [off for off, _ in commits] == [3, 6]  # in order
    assert [acked >= off for off, acked in commits] == [True, True]  # never before the acks


async def test_rebalance_waits_for_the_batch_in_flight(
    watched: tuple[Runner, list[tuple[str, Any]]],
) -> None:
    r, log = watched
    await r.store.start()
    r.stats.health.assigned = {("in", 0)}
    await r.submit(_batch(0, 4))
    assert not any(e[0] == "commit" for e in log)  # still waiting for its acks
    await _Rebalance(r).on_partitions_revoked([TP])
    assert [e[1] for e in log if e[0] == "commit"] == [(4, 4)]
    assert r.stats.health.assigned == set()
    assert not r.in_flight


async def test_stop_drains_the_batch_in_flight(
    watched: tuple[Runner, list[tuple[str, Any]]],
) -> None:
    r, log = watched
    await r.store.start()
    await r.submit(_batch(0, 2))
    r.request_stop()
    await r.drain()
    assert [e[1] for e in log if e[0] == "commit"] == [(2, 2)]


async def test_a_batch_after_one_that_did_not_commit_does_not_commit(
    watched: tuple[Runner, list[tuple[str, Any]]],
) -> None:
    r, log = watched
    await r.store.start()
    r.delivery.commit = _refuse_first(r.delivery.commit)  # type: ignore[method-assign]
    await r.submit(_batch(0, 2))
    await r.submit(_batch(2, 2))
    with pytest.raises(RuntimeError):
        await r.drain()
    assert not r.in_flight
    assert [e for e in log if e[0] == "commit"] == []  # neither: the second waits on the first
    assert sum(e[0] == "send" for e in log) == 4  # both were published (at least once)


def _refuse_first(commit: Any) -> Any:
    calls = 0

    async def refusing(offsets: Any) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the first commit fails unexpectedly")
        return bool(await commit(offsets))

    return refusing
