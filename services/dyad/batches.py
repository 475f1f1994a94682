"""From a fetched batch to its outputs: records, analysis, dedup decisions, one output each.

The per-message error boundary lives here: an analysis that raises becomes a
Rejected (a dead letter), and a batch whose finishing step fails is finished again
one record at a time, so one bad record never stops the stream or loses the rest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import TopicPartition

from dyad.adapters.dedup_store import DedupStore
from dyad.config import Settings
from dyad.core.dedup import in_input_order, time_order
from dyad.core.parse import Rejected
from dyad.core.pipeline import (
    InputRecord,
    Output,
    Pipeline,
    dead_letter_of,
    dead_letter_output,
)
from dyad.core.prepared import Prepared
from dyad.logging import get_logger
from dyad.stopping import StopClock
from dyad.workers import AnalysisPool, analyse_here, internal_error

log = get_logger("dyad.runner")


def records_of(
    batch: dict[TopicPartition, list[Any]], owned: set[TopicPartition]
) -> tuple[list[InputRecord], dict[TopicPartition, int]]:
    """The batch's records of partitions still owned, and the offset to commit for each."""
    records: list[InputRecord] = []
    next_offsets: dict[TopicPartition, int] = {}
    for tp, messages in batch.items():
        if tp not in owned:
            continue  # revoked between fetch and now: the new owner gets them
        for m in messages:
            records.append(InputRecord(m.value, m.key, m.topic, m.partition, m.offset, m.timestamp))
        next_offsets[tp] = messages[-1].offset + 1
    return records, next_offsets


class BatchAnalyser:
    def __init__(self, settings: Settings, pipeline: Pipeline, store: DedupStore) -> None:
        self.pipeline = pipeline
        self.store = store
        self.pool = AnalysisPool(settings, self.safe_analyse) if settings.workers else None
        # Batches overlap (runner.py): one batch's decisions must not interleave with
        # the previous batch's checkpoint (a snapshot reads the index in a thread).
        self.store_lock = asyncio.Lock()

    def start(self) -> None:
        if self.pool is not None:
            self.pool.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    async def outputs(self, records: Sequence[InputRecord]) -> list[Output]:
        now = time.time()
        if self.pool is not None:
            analyses = await self.pool.analyse(records)
        else:
            analyses = await analyse_here(self.safe_analyse, records)
        fps = [a.fingerprint for a in analyses if not isinstance(a, Rejected)]
        order = time_order(fps)  # the same answers whatever the partitions' interleaving
        async with self.store_lock:
            decisions = in_input_order(await self.store.decide([fps[i] for i in order]), order)
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

    async def checkpoint(self, stop: StopClock) -> None:
        """Makes the decisions so far durable (before any offset covering them is committed)."""
        async with self.store_lock:
            await stop.until_stop(self.store.checkpoint())

    def safe_analyse(self, records: Sequence[InputRecord]) -> list[Prepared | Rejected]:
        return self.pipeline.analyse_many(records, self._failed)

    @staticmethod
    def _failed(record: InputRecord, e: Exception) -> Rejected:
        """The per-message error boundary (called while `e` is handled)."""
        log.exception(
            "analysis failed",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        return internal_error(record, e)
