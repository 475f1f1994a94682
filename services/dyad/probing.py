"""What readiness looks at about the broker: is it reachable, and how far behind are we.

A probe asks the broker for end offsets every few seconds: an answer proves the
broker is there (or says why it is not) and yields the lag per partition.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from dyad.logging import get_logger
from dyad.stats import Stats
from dyad.stopping import StopClock

log = get_logger("dyad.runner")

PROBE_INTERVAL_S = 2.0
PROBE_TIMEOUT_S = 4.0


class BrokerProbe:
    def __init__(self, stats: Stats, stop: StopClock, next_offset: dict[TopicPartition, int]):
        self.stats = stats
        self.stop = stop
        # Offsets we committed, by partition: shared with the commit (it writes them).
        self.next_offset = next_offset
        self.consumer: AIOKafkaConsumer | None = None

    def down(self, err: BaseException | str) -> None:
        h = self.stats.health
        text = err if isinstance(err, str) else str(err) or type(err).__name__
        if h.broker_ok or h.broker_error != text:
            log.warning("broker unreachable", error=text)
        h.broker_ok = False
        h.broker_error = text

    def up(self) -> None:
        h = self.stats.health
        if not h.broker_ok and h.started:
            log.info("broker reachable")
        h.broker_ok, h.broker_error = True, None

    async def loop(self) -> None:
        """Asks the broker for end offsets: proves it answers, and yields the lag."""
        while not self.stop.requested.is_set():
            await self.once()
            await self.stop.sleep(PROBE_INTERVAL_S)

    async def once(self) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        parts = list(consumer.assignment())
        try:
            if parts:
                ends = await asyncio.wait_for(consumer.end_offsets(parts), PROBE_TIMEOUT_S)
                done = await asyncio.wait_for(self.positions(consumer, parts), PROBE_TIMEOUT_S)
                self.stats.set_end_offsets({tp.partition: end for tp, end in ends.items()})
                self.stats.set_lag(
                    {tp.partition: max(0, end - done[tp]) for tp, end in ends.items()}
                )
            else:
                await asyncio.wait_for(consumer.topics(), PROBE_TIMEOUT_S)
        except (KafkaError, TimeoutError, OSError) as e:
            self.down(e if str(e) else TimeoutError("no answer from the broker"))
            return
        self.up()

    async def positions(self, consumer: Any, parts: list[TopicPartition]) -> dict[Any, int]:
        """Where each partition's processing stands: our last commit, else the group's
        committed offset, else the partition's start; so a service stuck before its
        first commit shows its whole backlog as lag, not zero."""
        done: dict[Any, int] = {tp: self.next_offset[tp] for tp in parts if tp in self.next_offset}
        unknown = [tp for tp in parts if tp not in done]
        if unknown:
            starts = await consumer.beginning_offsets(unknown)
            for tp in unknown:
                committed = await consumer.committed(tp)
                done[tp] = committed if committed is not None else starts[tp]
        return done
