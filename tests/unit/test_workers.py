"""The analysis pool gives the same analyses, in the same order, as the service's own process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from dyad.config import Settings
from dyad.core.parse import Rejected
from dyad.core.pipeline import InputRecord, Pipeline
from dyad.core.prepared import Prepared
from dyad.workers import MIN_POOLED_BATCH, AnalysisPool, OwnShare, chunks

BODIES = [
    "Iran and Syria signed a trade deal in Damascus on Monday, officials said.",
    "Turkey will export more electricity to Iraq under a new grid agreement.",
    "Russia and China discussed a gas pipeline during talks in Beijing.",
]


def _records(n: int) -> list[InputRecord]:
    out = []
    for i in range(n):
        if i % 7 == 3:
            value = b"not json"
        else:
            body = f"{BODIES[i % len(BODIES)]} Item {i}."
            value = orjson.dumps({"id": f"a{i}", "title": f"t{i}", "body": body})
        out.append(InputRecord(value, None, "in", i % 3, i, 1_700_000_000_000))
    return out


def _summary(a: Prepared | Rejected) -> tuple[object, ...]:
    if isinstance(a, Rejected):
        return ("rejected", a.reason)
    return (a.head, a.tail, a.key, a.fingerprint.content_hash, a.fingerprint.bands.tobytes())


def test_small_batches_stay_in_process(pipeline: Pipeline) -> None:
    pool = AnalysisPool(Settings(workers=1), pipeline.analyse_many)
    pool.start()
    try:
        out = asyncio.run(pool.analyse(_records(MIN_POOLED_BATCH - 1)))
    finally:
        pool.close()
    assert len(out) == MIN_POOLED_BATCH - 1
    assert pool.helped == 0


def test_chunks_are_contiguous_and_complete() -> None:
    records = _records(10)
    parts = chunks(records, 3)
    assert len(parts) == 3
    assert [r for part in parts for r in part] == records


def test_pool_matches_inline_analysis_in_order(pipeline: Pipeline) -> None:
    records = _records(100)
    pool = AnalysisPool(Settings(workers=1), pipeline.analyse_many)
    pool.start()
    try:
        pooled = asyncio.run(pool.analyse(records))
    finally:
        pool.close()
    assert pool.helped == len(records) // 2  # the helper did its share
    inline = [pipeline.analyse_prepared(r) for r in records]
    assert [_summary(a) for a in pooled] == [_summary(a) for a in inline]
    assert sum(isinstance(a, Rejected) for a in pooled) == 14


def test_own_share_follows_the_slower_side() -> None:
    share = OwnShare(workers=1)
    assert share.value == 0.5
    for _ in range(10):
        share.update(helpers_first=True)  # the service's process is the slower side
    assert 0.25 < share.value < 0.35
    for _ in range(100):
        share.update(helpers_first=True)
    assert share.value == OwnShare.LOW  # never hands everything away
    for _ in range(100):
        share.update(helpers_first=False)
    assert share.value == 0.5  # never more than an equal share


def test_own_share_splits_contiguously_in_order() -> None:
    records = _records(100)
    share = OwnShare(workers=2)
    share.value = 0.2
    parts = share.split(records, 2)
    assert [len(p) for p in parts] == [20, 40, 40]
    assert [r for p in parts for r in p] == records


POOL_THEN_WAIT = """
import sys, time
from dyad.config import Settings
from dyad.workers import AnalysisPool
pool = AnalysisPool(Settings(workers=1), lambda r: r)
pool.start()
print("started", flush=True)
time.sleep(120)
"""


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _helper_of(pid: int) -> int | None:
    for child in _children(pid):
        cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in cmd:
            return child
    return None


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc (Linux)")
def test_helpers_exit_when_the_service_is_killed() -> None:
    """kill -9 of the service leaves no helper behind (they ignore SIGTERM)."""
    proc = subprocess.Popen([sys.executable, "-c", POOL_THEN_WAIT], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"started"
        deadline = time.monotonic() + 30
        helper = _helper_of(proc.pid)
        while helper is None and time.monotonic() < deadline:
            time.sleep(0.1)
            helper = _helper_of(proc.pid)
        assert helper is not None
        proc.kill()
        proc.wait(5)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{helper}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(helper, os.WNOHANG)  # not our child: reaped by init
        assert not Path(f"/proc/{helper}").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
