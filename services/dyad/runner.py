"""The consume -> process -> publish -> commit loop, at-least-once.

Per batch: fetch raw bytes with getmany, run the pure pipeline (a per-message
error boundary turns any surprise into a dead letter), let the dedup store
decide, publish every output and wait for every ack, make the dedup decisions
durable, and only then commit the offsets. A crash anywhere before the commit
means the batch is redelivered; event ids and stored dedup decisions make the
repeat identical, so consumers dedupe on event_id.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import (
    CommitFailedError,
    CorruptRecordException,
    IllegalGenerationError,
    KafkaError,
    MessageSizeTooLargeError,
    RebalanceInProgressError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnknownMemberIdError,
)
from aiokafka.structs import OffsetAndMetadata

from dyad.adapters.dedup_store import DedupStore
from dyad.adapters.kafka import diagnose_tls, make_consumer, make_producer
from dyad.config import Settings
from dyad.core.parse import Rejected
from dyad.core.pipeline import (
    Analysis,
    InputRecord,
    Output,
    Pipeline,
    dead_letter_of,
    dead_letter_output,
    dump,
)
from dyad.logging import get_logger
from dyad.stats import Stats
from dyad.workers import AnalysisPool

log = get_logger("dyad.runner")

_GROUP_MOVED = (
    CommitFailedError,
    IllegalGenerationError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
_PROBE_INTERVAL_S = 2.0
_PROBE_TIMEOUT_S = 4.0
# SIGTERM -> exit 0 within 10 s: the batch in flight gets this long to be acked and
# committed, closing the clients gets what is left of _STOP_BUDGET_S.
_DRAIN_GRACE_S = 6.0
_STOP_BUDGET_S = 8.5
_POLL_S = 0.25
# Errors that say the message itself can never be written: it becomes a dead letter.
_MESSAGE_REFUSED = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
)
T = TypeVar("T")


class Abandoned(Exception):
    """The stop's drain time ran out: the batch in flight is given up without a commit."""


def backoff(attempt: int, base: float = 0.2, cap: float = 10.0) -> float:
    """Exponential backoff with full jitter."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 - jitter, not crypto


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        # Waiting for the lock lets the batch in flight finish and commit before
        # the partitions are given up.
        async with self.runner.batch_lock:
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
        self.pipeline = pipeline
        self.store = store
        self.stats = stats
        self.batch_lock = asyncio.Lock()
        self.stop_requested = asyncio.Event()
        self._stop_deadline: float | None = None
        self.pool = AnalysisPool(settings, self._safe_analyse) if settings.workers else None
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self._next_offset: dict[TopicPartition, int] = {}
        self._topic_of = {
            "event": settings.output_topic,
            "duplicate": settings.duplicates_topic,
            "dead_letter": settings.dlq_topic,
        }

    @property
    def _kc(self) -> AIOKafkaConsumer:
        if self.consumer is None:
            raise RuntimeError("the consumer is not connected")
        return self.consumer

    @property
    def _kp(self) -> AIOKafkaProducer:
        if self.producer is None:
            raise RuntimeError("the producer is not connected")
        return self.producer

    def request_stop(self) -> None:
        if not self.stop_requested.is_set():
            log.info("stop requested: draining the batch in flight")
            self._stop_deadline = time.monotonic() + _DRAIN_GRACE_S
            self.stats.health.stopping = True
            self.stop_requested.set()

    def _give_up(self, grace: bool = True) -> bool:
        if self._stop_deadline is None:
            return False
        return not grace or time.monotonic() > self._stop_deadline

    async def _until_stop(self, aw: Awaitable[T], grace: bool = True) -> T:
        """Awaits `aw`, but raises Abandoned once a stop's drain time is over.

        Sends, commits and connects can each wait for the broker up to the request
        timeout (40 s by default); a stop must not wait that long.
        """
        task = asyncio.ensure_future(aw)
        while True:
            done, _ = await asyncio.wait({task}, timeout=_POLL_S)
            if done:
                return task.result()
            if self._give_up(grace):
                task.cancel()
                raise Abandoned

    # -- lifecycle ---------------------------------------------------------------------

    async def run(self) -> None:
        await self.store.start()
        if self.pool is not None:
            self.pool.start()
        try:
            await self._connect()
            if self.stop_requested.is_set():
                return
            probe = asyncio.create_task(self._probe_loop(), name="dyad-probe")
            try:
                await self._consume_loop()
            finally:
                probe.cancel()
        finally:
            await self._close()

    async def _connect(self) -> None:
        attempt = 0
        while not self.stop_requested.is_set():
            consumer = make_consumer(
                self.s, self.s.input_topic, rebalance_listener=_Rebalance(self)
            )
            producer = make_producer(self.s)
            try:
                await self._until_stop(producer.start(), grace=False)
                await self._until_stop(consumer.start(), grace=False)
            except Abandoned:
                await _quiet_stop(1.0, consumer, producer)
                return
            except KafkaError as e:
                # aiokafka says "Unable to bootstrap"; a TLS handshake says why.
                self._broker_down(await diagnose_tls(self.s) or e)
                await _quiet_stop(2.0, consumer, producer)
                await self._sleep(backoff(attempt, 0.5, 15.0))
                attempt += 1
                continue
            self.consumer, self.producer = consumer, producer
            self.stats.health.started = True
            self._broker_up()
            log.info("connected", bootstrap=self.s.bootstrap_servers, topic=self.s.input_topic)
            return

    async def _close(self) -> None:
        # After a stop, closing gets what is left of the budget (the consumer's leave
        # and the producer's flush wait for a broker that may be gone).
        budget = 10.0
        if self._stop_deadline is not None:
            end = self._stop_deadline - _DRAIN_GRACE_S + _STOP_BUDGET_S
            budget = max(0.5, end - time.monotonic())
        await _quiet_stop(budget / 2, self.consumer, self.producer)
        await self.store.close()
        if self.pool is not None:
            self.pool.close()
        log.info("stopped")

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stop_requested.wait(), seconds)
        except TimeoutError:
            pass

    # -- health ------------------------------------------------------------------------

    def _broker_down(self, err: BaseException | str) -> None:
        h = self.stats.health
        text = err if isinstance(err, str) else str(err) or type(err).__name__
        if h.broker_ok or h.broker_error != text:
            log.warning("broker unreachable", error=text)
        h.broker_ok = False
        h.broker_error = text

    def _broker_up(self) -> None:
        h = self.stats.health
        if not h.broker_ok and h.started:
            log.info("broker reachable")
        h.broker_ok, h.broker_error = True, None

    async def _probe_loop(self) -> None:
        """Asks the broker for end offsets: proves it answers, and yields the lag."""
        while not self.stop_requested.is_set():
            await self._probe_once()
            await self._sleep(_PROBE_INTERVAL_S)

    async def _probe_once(self) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        parts = list(consumer.assignment())
        try:
            if parts:
                ends = await asyncio.wait_for(consumer.end_offsets(parts), _PROBE_TIMEOUT_S)
                done = await asyncio.wait_for(self._positions(consumer, parts), _PROBE_TIMEOUT_S)
                self.stats.set_end_offsets({tp.partition: end for tp, end in ends.items()})
                self.stats.set_lag(
                    {tp.partition: max(0, end - done[tp]) for tp, end in ends.items()}
                )
            else:
                await asyncio.wait_for(consumer.topics(), _PROBE_TIMEOUT_S)
        except (KafkaError, TimeoutError, OSError) as e:
            self._broker_down(e if str(e) else TimeoutError("no answer from the broker"))
            return
        self._broker_up()

    async def _positions(self, consumer: Any, parts: list[TopicPartition]) -> dict[Any, int]:
        """Where each partition's processing stands: our last commit, else the group's
        committed offset, else the partition's start; so a service stuck before its
        first commit shows its whole backlog as lag, not zero."""
        done: dict[Any, int] = {
            tp: self._next_offset[tp] for tp in parts if tp in self._next_offset
        }
        unknown = [tp for tp in parts if tp not in done]
        if unknown:
            starts = await consumer.beginning_offsets(unknown)
            for tp in unknown:
                committed = await consumer.committed(tp)
                done[tp] = committed if committed is not None else starts[tp]
        return done

    # -- the loop ----------------------------------------------------------------------

    async def _consume_loop(self) -> None:
        attempt = 0
        while not self.stop_requested.is_set():
            try:
                batch = await self._kc.getmany(timeout_ms=500, max_records=self.s.batch_max_records)
            except KafkaError as e:
                log.warning("fetch failed", error=str(e), error_type=type(e).__name__)
                await self._sleep(backoff(attempt))
                attempt += 1
                continue
            attempt = 0
            self.stats.health.last_poll = time.monotonic()
            if batch:
                async with self.batch_lock:
                    try:
                        await self._process(batch)
                    except Abandoned:
                        log.warning("stopping: the batch in flight is abandoned without commit")

    async def _process(self, batch: dict[TopicPartition, list[Any]]) -> None:
        owned = self._kc.assignment()
        records: list[InputRecord] = []
        last: dict[TopicPartition, int] = {}
        for tp, messages in batch.items():
            if tp not in owned:
                continue  # revoked between fetch and now: the new owner gets them
            for m in messages:
                records.append(
                    InputRecord(m.value, m.key, m.topic, m.partition, m.offset, m.timestamp)
                )
            last[tp] = messages[-1].offset
        if not records:
            return
        started = time.perf_counter()
        outputs = await self._outputs(records)
        await self._publish(outputs)
        await self._until_stop(self.store.checkpoint())
        committed = await self._commit({tp: off + 1 for tp, off in last.items()})
        acked_at = time.time()
        self.stats.record_outputs(outputs, acked_at)
        self.stats.metrics.batch_seconds.observe(time.perf_counter() - started)
        self.stats.metrics.last_batch.set(acked_at)
        log.info(
            "batch",
            records=len(records),
            events=sum(o.kind == "event" for o in outputs),
            duplicates=sum(o.kind == "duplicate" for o in outputs),
            dead_letters=sum(o.kind == "dead_letter" for o in outputs),
            committed=committed,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )

    async def _outputs(self, records: Sequence[InputRecord]) -> list[Output]:
        now = time.time()
        if self.pool is not None:
            analyses = await self.pool.analyse(records)
        else:
            analyses = [self._safe_analyse(r) for r in records]
        fps = [a.fingerprint for a in analyses if isinstance(a, Analysis)]
        decisions = await self.store.decide(fps)
        try:
            return self.pipeline.finish(records, analyses, decisions, now)
        except Exception:  # noqa: BLE001 - fall back to one record at a time below
            log.exception("batch finish failed; isolating the record at fault")
        outputs: list[Output] = []
        pending = iter(decisions)
        for record, analysis in zip(records, analyses, strict=True):
            dec = [] if isinstance(analysis, Rejected) else [next(pending)]
            try:
                outputs.extend(self.pipeline.finish([record], [analysis], dec, now))
            except Exception as e:  # noqa: BLE001 - one bad record must not stop the stream
                dl = dead_letter_of(record, "internal_error", f"{type(e).__name__}: {e}", now)
                outputs.append(dead_letter_output(record, dl))
        return outputs

    def _safe_analyse(self, record: InputRecord) -> Analysis | Rejected:
        try:
            return self.pipeline.analyse(record)
        except Exception as e:  # noqa: BLE001 - the per-message error boundary
            log.exception(
                "analysis failed",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            return Rejected("internal_error", f"{type(e).__name__}: {e}"[:500])

    # -- publish and commit ------------------------------------------------------------

    async def _publish(self, outputs: list[Output]) -> None:
        """Returns once every output is acked; raises Abandoned if a stop gives up first.

        An output the broker refuses for good is replaced in `outputs` by its dead
        letter; anything else (outage, missing topic, authorization) is retried with
        jittered backoff for as long as it takes: nothing is committed meanwhile.
        """
        pending = list(range(len(outputs)))
        attempt = 0
        while pending:
            results = await self._until_stop(self._send_all([outputs[i] for i in pending]))
            failed: list[int] = []
            for i, res in zip(pending, results, strict=True):
                if isinstance(res, BaseException):
                    outputs[i] = self._unpublishable(outputs[i], res) or outputs[i]
                    failed.append(i)
            if not failed:
                self.stats.health.publish_error = None
                return
            err = next(r for r in results if isinstance(r, BaseException))
            self._publish_failed(err, len(failed), attempt)
            if self._give_up():
                raise Abandoned
            pending = failed
            delay = backoff(attempt, 0.2, 10.0)
            await self._until_stop(asyncio.sleep(delay))
            attempt += 1

    def _publish_failed(self, err: BaseException, failed: int, attempt: int) -> None:
        text = str(err) or type(err).__name__
        log.warning(
            "publish failed; retrying",
            error=text,
            error_type=type(err).__name__,
            failed=failed,
            attempt=attempt,
        )
        self.stats.produce_retries += failed
        self.stats.metrics.produce_retries.inc(failed)
        if attempt >= 1:  # one failed round is a blip; two say so on /health/ready
            self.stats.health.publish_error = f"{type(err).__name__}: {text}"[:300]

    async def _send_all(self, outs: list[Output]) -> list[Any]:
        futures = [await self._send(out) for out in outs]
        return list(await asyncio.gather(*futures, return_exceptions=True))

    async def _send(self, out: Output) -> asyncio.Future[Any]:
        try:
            return await self._kp.send(self._topic_of[out.kind], out.value, key=out.key)
        except KafkaError as e:
            fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            fut.set_exception(e)
            return fut

    def _unpublishable(self, out: Output, err: BaseException) -> Output | None:
        """An output the broker will never take becomes a dead letter instead of a retry loop."""
        if not isinstance(err, _MESSAGE_REFUSED):
            return None
        if out.kind == "dead_letter" and out.dead_letter is not None:
            # Even the dead letter is refused (a huge key, a low broker limit): keep the
            # reason, the position, the size and the hash, drop the raw text and the key.
            dl = out.dead_letter.model_copy(update={"raw": None, "key": None})
            key = f"{out.record.partition}-{out.record.offset}".encode()
            return Output("dead_letter", key, dump(dl), out.record, dead_letter=dl)
        dl = dead_letter_of(
            out.record,
            "output_too_large",
            f"the {out.kind} ({len(out.value)} bytes) was refused: {type(err).__name__}",
            time.time(),
        )
        return dead_letter_output(out.record, dl)

    async def _commit(self, offsets: dict[TopicPartition, int]) -> bool:
        to_commit = {tp: OffsetAndMetadata(off, "") for tp, off in offsets.items()}
        for attempt in range(5):
            try:
                await self._until_stop(self._kc.commit(to_commit))
            except _GROUP_MOVED as e:
                # The group moved on between fetch and commit: the new owner gets the batch.
                self.stats.commit_failures += 1
                self.stats.metrics.commits.labels("rejected").inc()
                log.warning("commit refused: the group rebalanced", error=type(e).__name__)
                return False
            except KafkaError as e:
                self.stats.metrics.commits.labels("error").inc()
                log.warning("commit failed; retrying", error=str(e), attempt=attempt)
                if self._give_up():
                    raise Abandoned from e
                await self._until_stop(asyncio.sleep(backoff(attempt)))
                continue
            self._next_offset.update(offsets)
            self.stats.metrics.commits.labels("ok").inc()
            return True
        # The outputs are acked: the next commit of these partitions covers them.
        self.stats.commit_failures += 1
        return False


async def _quiet_stop(seconds: float, *clients: Any) -> None:
    for client in clients:
        if client is None:
            continue
        try:
            await asyncio.wait_for(client.stop(), seconds)
        except Exception as e:  # noqa: BLE001 - closing is best effort
            log.debug("close failed", error=str(e) or type(e).__name__)
