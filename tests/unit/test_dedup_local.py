"""The local store survives restarts and crashes with the same decisions."""

from __future__ import annotations

import os
from pathlib import Path

from dyad.adapters.dedup_local import LocalStore
from dyad.core.dedup import CompactIndex, fingerprint


def _fps(n: int, start: int = 0):  # type: ignore[no-untyped-def]
    out = []
    for i in range(start, start + n):
        story = i // 3  # three articles a story: original, copy, edited copy
        words = " ".join(f"s{story}w{j}" for j in range(60))
        text = words if i % 3 < 2 else words.replace(f"s{story}w7 ", "changed ")
        out.append(fingerprint(f"id{i}", f"https://o{i % 5}.example/{i}", f"o{i % 5}", text, i))
    return out


def _die(store: LocalStore) -> None:
    """What the kernel does at a kill -9: close the descriptors, nothing else."""
    assert store.log is not None
    os.close(store.log.fd)
    os.close(store._lock_fd)


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(root.glob(pattern))


def _tear(segment: Path) -> None:
    with segment.open("ab") as f:
        f.write(b"\x50\x01\x00\x00garbage")  # a record cut short by a kill -9


async def _store(root: Path, every: int = 1_000_000) -> LocalStore:
    store = LocalStore(root, 7 * 86400, 500, snapshot_every=every)
    await store.start()
    return store


async def test_restart_from_log_and_snapshot_decides_alike(tmp_path: Path) -> None:
    fps = _fps(300)
    reference = CompactIndex(7 * 86400, 500).decide(fps)
    store = await _store(tmp_path, every=100)
    got = []
    for i in range(0, 200, 25):
        got += await store.decide(fps[i : i + 25])
        await store.checkpoint()
    assert _files(tmp_path, "dedup/snap-*")
    _die(store)  # the next process replays the log after the snapshot
    again = await _store(tmp_path, every=100)
    assert again.stats()["size"] == 200
    assert await again.decide(fps[150:200]) == got[150:200]  # redelivered
    got += await again.decide(fps[200:])
    assert got == reference
    await again.close()
    third = await _store(tmp_path)
    assert third.replayed == 0 and third.stats()["size"] == 300
    assert await third.decide(fps[:300]) == reference
    await third.close()


async def test_torn_log_tail_is_cut_and_replay_repeats(tmp_path: Path) -> None:
    fps = _fps(60)
    store = await _store(tmp_path)
    first = await store.decide(fps[:40])
    await store.checkpoint()
    _die(store)
    _tear(_files(tmp_path, "dedup/log-*.bin")[0])
    again = await _store(tmp_path)
    assert again.replayed == 40
    assert await again.decide(fps[:60]) == first + CompactIndex(7 * 86400, 500).decide(fps)[40:]


async def test_other_capacity_starts_empty(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    await store.decide(_fps(10))
    await store.close()
    other = LocalStore(tmp_path, 7 * 86400, 800)
    await other.start()
    assert other.stats()["size"] == 0


async def test_second_process_on_one_state_dir_is_refused(tmp_path: Path) -> None:
    import pytest

    first = await _store(tmp_path)
    with pytest.raises(RuntimeError, match="another dyad process"):
        await _store(tmp_path)
    await first.close()
    again = await _store(tmp_path)  # the lock went with the first store
    await again.close()
