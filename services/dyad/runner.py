"""The consume -> process -> publish -> commit loop, at-least-once.

Per batch: fetch raw bytes with getmany, turn them into outputs (batches.py: the
pure pipeline behind a per-message error boundary, the dedup store's decisions),
publish every output and wait for every ack (delivery.py), make the dedup
decisions durable, and only then commit the offsets. A crash anywhere before the
commit means the batch is redelivered; event ids and stored dedup decisions make
the repeat identical, so consumers dedupe on event_id.

Batches overlap: while batch k is acked, checkpointed and committed (a task in
`in_flight`), batch k+1 is published and k+2 fetched and analysed. Each batch
commits only after its own outputs are acked and after the batch before it has
committed, so commits keep their order and an offset never runs ahead of the
outputs it covers; a batch after one that was abandoned or failed does not commit
either. A rebalance and a stop wait for every batch in flight. Stopping on
time lives in stopping.py, the broker probe behind readiness in probing.py.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from dyad import stopping
from dyad.adapters.dedup_store import DedupStore
from dyad.adapters.kafka import diagnose_tls, make_consumer, make_producer
from dyad.batches import BatchAnalyser, records_of
from dyad.config import Settings
from dyad.core.pipeline import Pipeline
from dyad.delivery import Delivery
from dyad.logging import get_logger
from dyad.probing import BrokerProbe
from dyad.stats import Stats
from dyad.stopping import Abandoned, StopClock, quiet_stop

log = get_logger("dyad.runner")

# Batch k is acked and committed while k+1 is published and k+2 analysed.
MAX_IN_FLIGHT = 2


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        # The lock lets the batch being analysed be published; draining lets it and
        # the one before finish and commit before the partitions are given up.
        async with self.runner.batch_lock:
            try:
                await self.runner.drain()
            except Exception:  # noqa: BLE001 - the loop sees it again and stops
                log.exception("the batch in flight failed during a rebalance")
            self.runner.stats.health.assigned -= {(tp.topic, tp.partition) for tp in revoked}
        log.info("partitions revoked", partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.runner.stats.health.assigned = {(tp.topic, tp.partition) for tp in assigned}
        log.info("partitions assigned", partitions=sorted(str(tp) for tp in assigned))


class Runner:
    def __init__(
        self, settings: Settings, pipeline: Pipeline, store: DedupStore, stats: Stats
    ) -> None:
        self.s = settings
        self.store = store
        self.stats = stats
        self.batch_lock = asyncio.Lock()
        self.stop = StopClock()
        self.analyser = BatchAnalyser(settings, pipeline, store)
        self.delivery = Delivery(settings, stats, self.stop)
        self.probe = BrokerProbe(stats, self.stop, self.delivery.next_offset)
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        # Deliveries under way, oldest first: at most MAX_IN_FLIGHT.
        self.in_flight: deque[asyncio.Task[None]] = deque()

    def attach(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        """The connected clients, for the loop, the delivery and the probe."""
        self.consumer, self.producer = consumer, producer
        self.delivery.consumer, self.delivery.producer = consumer, producer
        self.probe.consumer = consumer

    def request_stop(self) -> None:
        if self.stop.request():
            log.info("stop requested: draining the batch in flight")
            self.stats.health.stopping = True

    # -- lifecycle ---------------------------------------------------------------------

    async def run(self) -> None:
        await self.store.start()
        self.analyser.start()
        try:
            await self._connect()
            if self.stop.requested.is_set():
                return
            probe = asyncio.create_task(self.probe.loop(), name="dyad-probe")
            try:
                await self._consume_loop()
            finally:
                probe.cancel()
        finally:
            await self._close()

    async def _connect(self) -> None:
        attempt = 0
        while not self.stop.requested.is_set():
            consumer = make_consumer(
                self.s, self.s.input_topic, rebalance_listener=_Rebalance(self)
            )
            producer = make_producer(self.s)
            try:
                await self.stop.until_stop(producer.start(), grace=False)
                await self.stop.until_stop(consumer.start(), grace=False)
            except Abandoned:
                await quiet_stop(1.0, consumer, producer)
                return
            except KafkaError as e:
                # aiokafka says "Unable to bootstrap"; a TLS handshake says why.
                self.probe.down(await diagnose_tls(self.s) or e)
                await quiet_stop(2.0, consumer, producer)
                await self.stop.sleep(stopping.backoff(attempt, 0.5, 15.0))
                attempt += 1
                continue
            self.attach(consumer, producer)
            self.stats.health.started = True
            self.probe.up()
            log.info("connected", bootstrap=self.s.bootstrap_servers, topic=self.s.input_topic)
            return

    async def _close(self) -> None:
        # After a stop, closing gets what is left of the budget (the consumer's leave
        # and the producer's flush wait for a broker that may be gone).
        await quiet_stop(self.stop.close_budget() / 2, self.consumer, self.producer)
        await self.store.close()
        self.analyser.close()
        log.info("stopped")

    # -- the loop ----------------------------------------------------------------------

    async def _consume_loop(self) -> None:
        try:
            await self._fetch_loop()
        finally:
            await self.drain()

    async def _fetch_loop(self) -> None:
        attempt = 0
        consumer = self.delivery.kc
        while not self.stop.requested.is_set():
            try:
                batch = await consumer.getmany(timeout_ms=500, max_records=self.s.batch_max_records)
            except KafkaError as e:
                log.warning("fetch failed", error=str(e), error_type=type(e).__name__)
                await self.stop.sleep(stopping.backoff(attempt))
                attempt += 1
                continue
            attempt = 0
            self.stats.health.last_poll = time.monotonic()
            if batch:
                async with self.batch_lock:
                    await self.submit(batch)

    async def process(self, batch: dict[TopicPartition, list[Any]]) -> None:
        """One batch from fetch to commit; raises Abandoned if a stop gives it up."""
        await self.submit(batch)
        await self.drain(abandoned_raises=True)

    async def submit(self, batch: dict[TopicPartition, list[Any]]) -> None:
        """Analyses the batch while earlier ones are delivered, then hands it to delivery."""
        records, offsets = records_of(batch, self.delivery.kc.assignment())
        if not records:
            return
        marks = [time.perf_counter()]
        outputs = await self.analyser.outputs(records)
        marks.append(time.perf_counter())
        while len(self.in_flight) >= MAX_IN_FLIGHT:
            await self._settle(self.in_flight[0])
        if self.stop.give_up():
            return  # the drain time is over: not published, not committed, redelivered
        marks.append(time.perf_counter())
        before = self.in_flight[-1] if self.in_flight else None
        task = asyncio.create_task(
            self._deliver(records, outputs, offsets, marks, before), name="dyad-delivery"
        )
        self.in_flight.append(task)

    async def drain(self, abandoned_raises: bool = False) -> None:
        """Waits for every batch being delivered; then raises the first failure, if any."""
        error: Exception | None = None
        while self.in_flight:
            try:
                await self._settle(self.in_flight[0], abandoned_raises)
            except Exception as e:  # noqa: BLE001 - settle the rest first, then raise
                error = error or e
        if error is not None:
            raise error

    async def _settle(self, task: asyncio.Task[None], abandoned_raises: bool = False) -> None:
        try:
            await asyncio.shield(task)
        except Abandoned:
            log.warning("stopping: the batch in flight is abandoned without commit")
            if abandoned_raises:
                raise
        finally:
            if task.done() and self.in_flight and self.in_flight[0] is task:
                self.in_flight.popleft()

    async def _deliver(
        self,
        records: list[Any],
        outputs: list[Any],
        offsets: dict[TopicPartition, int],
        marks: list[float],
        before: asyncio.Task[None] | None,
    ) -> None:
        """Publishes at once (the batch before was published first, so the order of
        first attempts is the order of the input), commits only after the batch
        before has committed: commits stay in order, each after its own acks."""
        await self.delivery.publish(outputs)
        marks.append(time.perf_counter())
        if before is not None:
            try:
                await asyncio.shield(before)
            except Exception:  # noqa: BLE001 - whoever drains `before` reports it
                raise Abandoned from None  # nothing after a batch that did not commit
        marks.append(time.perf_counter())
        await self.analyser.checkpoint(self.stop)
        marks.append(time.perf_counter())
        committed = await self.delivery.commit(offsets)
        marks.append(time.perf_counter())
        acked_at = time.time()
        self.stats.record_outputs(outputs, acked_at)
        self.stats.metrics.batch_seconds.observe(marks[-1] - marks[0])
        self.stats.metrics.last_batch.set(acked_at)
        _log_batch(records, outputs, committed, marks)


def _log_batch(records: list[Any], outputs: list[Any], committed: bool, marks: list[float]) -> None:
    """The canonical line per batch, with where its time went (ms): analysis, waiting
    for a delivery slot, acks, waiting for the batch before to commit, the dedup
    checkpoint, the commit."""
    ms = [round((b - a) * 1000, 1) for a, b in zip(marks, marks[1:], strict=False)]
    log.info(
        "batch",
        records=len(records),
        events=sum(o.kind == "event" for o in outputs),
        duplicates=sum(o.kind == "duplicate" for o in outputs),
        dead_letters=sum(o.kind == "dead_letter" for o in outputs),
        committed=committed,
        ms=round((marks[-1] - marks[0]) * 1000, 1),
        analyse_ms=ms[0],
        slot_ms=ms[1],
        acks_ms=ms[2],
        before_ms=ms[3],
        checkpoint_ms=ms[4],
        commit_ms=ms[5],
    )
