"""Publishing a batch's outputs until every one is acked, then committing its offsets.

This is the at-least-once half of the loop: nothing is committed before all the
outputs of what it covers are acked. Transient errors (outage, missing topic,
authorization) are retried with jittered backoff for as long as it takes; an
output the broker refuses for good becomes a dead letter instead of a retry loop.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
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

from dyad import stopping
from dyad.config import Settings
from dyad.core.pipeline import Output, dead_letter_of, dead_letter_output, dump
from dyad.logging import get_logger
from dyad.stats import Stats
from dyad.stopping import Abandoned, StopClock

log = get_logger("dyad.runner")

GROUP_MOVED = (
    CommitFailedError,
    IllegalGenerationError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
# Errors that say the message itself can never be written: it becomes a dead letter.
MESSAGE_REFUSED = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
)
COMMIT_ATTEMPTS = 5


class Delivery:
    def __init__(self, settings: Settings, stats: Stats, stop: StopClock) -> None:
        self.stats = stats
        self.stop = stop
        self.producer: AIOKafkaProducer | None = None
        self.consumer: AIOKafkaConsumer | None = None
        # Where each partition's next commit starts (the probe reads it for the lag).
        self.next_offset: dict[TopicPartition, int] = {}
        self.topic_of = {
            "event": settings.output_topic,
            "duplicate": settings.duplicates_topic,
            "dead_letter": settings.dlq_topic,
        }

    @property
    def kp(self) -> AIOKafkaProducer:
        if self.producer is None:
            raise RuntimeError("the producer is not connected")
        return self.producer

    @property
    def kc(self) -> AIOKafkaConsumer:
        if self.consumer is None:
            raise RuntimeError("the consumer is not connected")
        return self.consumer

    # -- publish -----------------------------------------------------------------------

    async def publish(self, outputs: list[Output]) -> None:
        """Returns once every output is acked; raises Abandoned if a stop gives up first.

        An output the broker refuses for good is replaced in `outputs` by its dead
        letter; anything else is retried: nothing is committed meanwhile.
        """
        pending = list(range(len(outputs)))
        attempt = 0
        while pending:
            results = await self.stop.until_stop(self._send_all([outputs[i] for i in pending]))
            failed: list[int] = []
            for i, res in zip(pending, results, strict=True):
                if isinstance(res, BaseException):
                    outputs[i] = self._unpublishable(outputs[i], res) or outputs[i]
                    failed.append(i)
            if not failed:
                self.stats.health.publish_error = None
                return
            err = next(r for r in results if isinstance(r, BaseException))
            self.publish_failed(err, len(failed), attempt)
            if self.stop.give_up():
                raise Abandoned
            pending = failed
            await self.stop.until_stop(asyncio.sleep(stopping.backoff(attempt, 0.2, 10.0)))
            attempt += 1

    def publish_failed(self, err: BaseException, failed: int, attempt: int) -> None:
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
            return await self.kp.send(self.topic_of[out.kind], out.value, key=out.key)
        except KafkaError as e:
            fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            fut.set_exception(e)
            return fut

    def _unpublishable(self, out: Output, err: BaseException) -> Output | None:
        """An output the broker will never take becomes a dead letter instead of a retry loop."""
        if not isinstance(err, MESSAGE_REFUSED):
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

    # -- commit ------------------------------------------------------------------------

    async def commit(self, offsets: dict[TopicPartition, int]) -> bool:
        """Commits the offsets (their outputs are acked); False if the group moved on."""
        to_commit = {tp: OffsetAndMetadata(off, "") for tp, off in offsets.items()}
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                await self.stop.until_stop(self.kc.commit(to_commit))
            except GROUP_MOVED as e:
                # The group moved on between fetch and commit: the new owner gets the batch.
                self.stats.commit_failures += 1
                self.stats.metrics.commits.labels("rejected").inc()
                log.warning("commit refused: the group rebalanced", error=type(e).__name__)
                return False
            except KafkaError as e:
                self.stats.metrics.commits.labels("error").inc()
                log.warning("commit failed; retrying", error=str(e), attempt=attempt)
                if self.stop.give_up():
                    raise Abandoned from e
                await self.stop.until_stop(asyncio.sleep(stopping.backoff(attempt)))
                continue
            self.next_offset.update(offsets)
            self.stats.metrics.commits.labels("ok").inc()
            return True
        # The outputs are acked: the next commit of these partitions covers them.
        self.stats.commit_failures += 1
        return False
