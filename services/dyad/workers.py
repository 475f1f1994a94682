"""A process pool for the CPU-bound stage (parse, document, fingerprint, countries, sectors).

`DYAD_WORKERS=N` (default 1; 0 keeps everything in the service's own process) gives
the analysis of each batch N helper processes. A batch is cut into contiguous chunks:
the helpers take one each while the service's process analyses the first one
itself, and the results are put back together in input order. The service's
process also decides, publishes and commits, so its share adapts: it shrinks
while the helpers finish first and grows while they wait (see `OwnShare`). Dedup decisions,
outputs and commits then follow exactly as without the pool, batch after batch, so
the order per partition and the at-least-once contract do not change.

Each helper builds its own Pipeline once, from the same settings; only raw records
go in, and what comes out is each event already serialised up to its dedup
decision (core/prepared.py): bytes, a fingerprint and a few strings, cheap to
pickle, instead of the analysis's pydantic models. A record that makes the analysis raise becomes a
Rejected (a dead letter) inside the helper, as it would in the service's process. A
helper that dies takes its chunk back to the service's process and the pool is
rebuilt.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from dyad.config import Settings
from dyad.core.parse import Rejected
from dyad.core.pipeline import InputRecord, Pipeline
from dyad.core.prepared import Prepared
from dyad.logging import get_logger

log = get_logger("dyad.workers")

# Analyses a slice of a batch, one result per record (Pipeline.analyse_many, stage by stage).
Analyse = Callable[[Sequence[InputRecord]], list[Prepared | Rejected]]

_pipeline: Pipeline | None = None
# Tiny batches are analysed in place: a helper's round trip (about a millisecond)
# would cost more than it saves. Since helpers hand back bytes rather than models,
# sharing even a batch of 8 lowered p99 at 250/s (bench/README.md).
MIN_POOLED_BATCH = 8
# About 25 ms of analysis between two turns of the event loop.
YIELD_EVERY = 32
PARENT_CHECK_S = 0.5


def _start_helper(settings: Settings, service_pid: int) -> None:
    global _pipeline
    # Ctrl-C reaches the whole process group; the service decides when helpers stop
    # (after the batch in flight is drained), so they ignore it and SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with_parent, args=(service_pid,), name="dyad-parent-watch", daemon=True
    ).start()
    from dyad.service import build_pipeline  # the same vocabulary files as the service

    _pipeline = build_pipeline(settings)


def _exit_with_parent(parent: int) -> None:
    """A service killed with SIGKILL cannot stop its helpers, and they ignore SIGTERM:
    without this they would wait on their queue forever, each holding a pipeline."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _analyse_chunk(records: Sequence[InputRecord]) -> list[Prepared | Rejected]:
    if _pipeline is None:
        raise RuntimeError("helper process without a pipeline")
    return _pipeline.analyse_many(records, internal_error)


def internal_error(record: InputRecord, e: Exception) -> Rejected:
    """What a record whose analysis raised becomes: a dead letter with the error."""
    return Rejected("internal_error", f"{type(e).__name__}: {e}"[:500])


async def analyse_here(
    analyse: Analyse, records: Sequence[InputRecord], every: int = YIELD_EVERY
) -> list[Prepared | Rejected]:
    """Analyses in the service's process, giving the event loop a turn every few
    records: the previous batch's sends go out and its acks come back meanwhile."""
    out: list[Prepared | Rejected] = []
    for start in range(0, len(records), every):
        if start:
            await asyncio.sleep(0)
        out.extend(analyse(records[start : start + every]))
    return out


def chunks(records: Sequence[InputRecord], parts: int) -> list[Sequence[InputRecord]]:
    """`parts` contiguous slices in order (the last ones may be empty)."""
    size = -(-len(records) // parts)
    return [records[i * size : (i + 1) * size] for i in range(parts)]


class OwnShare:
    """The part of a batch the service's process analyses itself.

    It starts as an equal share. After each batch: if the helpers were done before
    the service's own chunk, the service is the slower side (it also publishes and
    commits the previous batch meanwhile) and takes a little less; if it had to
    wait for them, a little more. It settles where both finish together, and
    follows the machine when other work takes a core away from either side.
    """

    STEP = 0.02
    LOW = 0.05

    def __init__(self, workers: int) -> None:
        self.high = 1.0 / (workers + 1)
        self.value = self.high

    def update(self, helpers_first: bool) -> None:
        step = -self.STEP if helpers_first else self.STEP
        self.value = min(self.high, max(self.LOW, self.value + step))

    def split(self, records: Sequence[InputRecord], workers: int) -> list[Sequence[InputRecord]]:
        """The service's chunk first, then one contiguous chunk per helper, in order."""
        own = round(len(records) * self.value)
        return [records[:own], *chunks(records[own:], workers)]


class AnalysisPool:
    def __init__(self, settings: Settings, inline: Analyse) -> None:
        self.settings = settings
        self.workers = settings.workers
        self.inline = inline
        self._executor: ProcessPoolExecutor | None = None
        self.helped = 0  # records analysed by helpers so far
        self.share = OwnShare(self.workers)

    def start(self) -> None:
        # spawn, not fork: the service's process has an event loop and client threads.
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_helper,
            # The service's pid, not the helper's getppid(): the service may already be
            # gone by the time a helper has imported enough to run this.
            initargs=(self.settings, os.getpid()),
        )
        for _ in range(self.workers):  # start them now, not on the first batch
            self._executor.submit(_analyse_chunk, [])

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def analyse(self, records: Sequence[InputRecord]) -> list[Prepared | Rejected]:
        if self._executor is None or len(records) < MIN_POOLED_BATCH:
            return await analyse_here(self.inline, records)
        loop = asyncio.get_running_loop()
        # The rest of the batch (decide, splice, publish) waits for the slowest chunk,
        # so the analysis phase is what to balance (bench/README.md).
        own, *theirs = self.share.split(records, self.workers)
        futures = [loop.run_in_executor(self._executor, _analyse_chunk, c) for c in theirs]
        results = await analyse_here(self.inline, own)
        await asyncio.sleep(0)  # let results that arrived meanwhile mark their futures
        self.share.update(helpers_first=all(f.done() for f in futures))
        broken = False
        for chunk, fut in zip(theirs, futures, strict=True):
            try:
                results.extend(await fut)
                self.helped += len(chunk)
            except BrokenProcessPool:
                log.warning("an analysis helper died; analysing its chunk here", records=len(chunk))
                broken = True
                results.extend(self.inline(r) for r in chunk)
        if broken:
            self.close()
            self.start()
        return results
