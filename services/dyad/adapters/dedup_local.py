"""The local dedup store: the in-process index, persisted in DYAD_STATE_DIR.

Consistency with Kafka offsets: `decide` writes every new entry (fingerprint
and decision) to the log as it is decided (os.write: a kill -9 keeps it),
`checkpoint` fsyncs the log, and the runner commits offsets only after
`checkpoint`. So the durable index is never behind the committed offsets;
when it is ahead, the redelivered records are recognised by id and content and
get their stored decisions back.

A snapshot is taken every `snapshot_every` records (in a worker thread, between
batches) and on close, so a restart loads one snapshot and replays at most that
many records: with 1,000,000 entries the store is ready in a few seconds
(bench/bench_dedup_restart.py).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from dyad.adapters.dedup_persist import (
    LogWriter,
    latest_snapshot,
    load_snapshot,
    read_log,
    save_snapshot,
)
from dyad.core.dedup import CompactIndex, Decision, Fingerprint
from dyad.core.dedup_sig import fill_bands
from dyad.logging import get_logger

log = get_logger("dyad.dedup")
SNAPSHOT_EVERY = 32_768


class LocalStore:
    def __init__(
        self, root: Path, window_s: float, max_entries: int, snapshot_every: int = SNAPSHOT_EVERY
    ) -> None:
        self.root = Path(root) / "dedup"
        self.window_s, self.max_entries = window_s, max_entries
        self.snapshot_every = snapshot_every
        # until start(): a snapshot, or this fresh index (zeros, free until used)
        self.index = CompactIndex(window_s, max_entries)
        self.records = 0  # fingerprints logged since the very start
        self.snap_records = 0  # records covered by the latest snapshot
        self.log: LogWriter | None = None
        self.load_s = 0.0
        self.replayed = 0

    async def start(self) -> None:
        await asyncio.to_thread(self._load)

    def _lock(self) -> None:
        """One process a state dir: two writers would interleave their logs."""
        self._lock_fd = os.open(self.root / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise RuntimeError(
                f"{self.root} is used by another dyad process: give each instance its own "
                "DYAD_STATE_DIR, or share the index with DYAD_DEDUP_BACKEND=redis"
            ) from None

    def _load(self) -> None:
        t0 = time.perf_counter()
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock()
        for tmp in self.root.glob("tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)  # a snapshot cut short by a crash
        snap = latest_snapshot(self.root)
        loaded = load_snapshot(snap, self.window_s) if snap else None
        if loaded and loaded[0].capacity == self.max_entries:
            self.index, self.snap_records = loaded
        else:
            self.index = CompactIndex(self.window_s, self.max_entries)
            if snap:
                log.warning("dedup_snapshot_ignored", path=str(snap), reason="format or capacity")
                self.snap_records = 0
                self._remove_segments(drop_all=True)
        self.records = self.snap_records
        for seg in self._segments():
            for fp, decision in read_log(seg):
                self.index.restore(fp, decision)
                self.records += 1
        self.replayed = self.records - self.snap_records
        self.log = LogWriter(self._segment_path(self.records))
        self.load_s = time.perf_counter() - t0
        log.info("dedup_ready", entries=len(self.index), replayed=self.replayed, s=self.load_s)

    def _segment_path(self, start: int) -> Path:
        return self.root / f"log-{start:015d}.bin"

    def _segments(self) -> list[Path]:
        segs = sorted(self.root.glob("log-*.bin"))
        return [p for p in segs if int(p.stem[4:]) >= self.snap_records]

    def _remove_segments(self, drop_all: bool = False) -> None:
        for p in self.root.glob("log-*.bin"):
            if drop_all or int(p.stem[4:]) < self.snap_records:
                p.unlink(missing_ok=True)

    async def decide(self, fps: Sequence[Fingerprint]) -> list[Decision]:
        if self.log is None:
            raise RuntimeError("LocalStore.decide before start")
        decisions, inserted = [], []
        fill_bands(fps)
        for fp in fps:
            before = self.index.next_seq
            d = self.index.decide_one(fp)
            decisions.append(d)
            if self.index.next_seq != before:  # not a redelivery: a new entry to log
                inserted.append((fp, d))
        self.log.append(inserted)
        self.records += len(inserted)
        return decisions

    async def checkpoint(self) -> None:
        if self.log is None:
            return
        await asyncio.to_thread(self.log.sync)
        if self.records - self.snap_records >= self.snapshot_every:
            await asyncio.to_thread(self._snapshot)

    def _snapshot(self) -> None:
        """Rotate the log, write the snapshot, then drop what it covers."""
        if self.log is None:
            return
        self.log.sync()
        self.log.close()
        self.log = LogWriter(self._segment_path(self.records))
        old = self.root.glob("snap-*")
        save_snapshot(self.index, self.root, self.records)
        self.snap_records = self.records
        for p in old:
            if p.name != f"snap-{self.records:015d}":
                shutil.rmtree(p, ignore_errors=True)
        self._remove_segments()

    async def close(self) -> None:
        if self.log is None:
            return
        if self.records > self.snap_records:
            await asyncio.to_thread(self._snapshot)
        self.log.close()
        self.log = None
        os.close(self._lock_fd)  # closing the descriptor releases the lock

    def stats(self) -> dict[str, int | float | str]:
        return {
            "backend": "local",
            **self.index.stats(),
            "log_records": self.records - self.snap_records,
            "restart_load_s": round(self.load_s, 3),
            "restart_replayed": self.replayed,
        }
