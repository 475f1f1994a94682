"""Durable state of the in-process dedup index: snapshots plus an append-only log.

* The log holds every entry inserted since the last snapshot (fingerprint and
  decision), one record each (length, CRC-32, payload), written with os.write
  when decided, so a kill -9 loses nothing that reached the kernel; `sync`
  fsyncs it. Replaying the records re-inserts them with their logged decisions
  (no search), which rebuilds exactly the same state.
* A snapshot is one .npy file per array plus meta.json, written to a temporary
  directory, fsynced, then renamed (atomic); older snapshots and log segments
  are removed only after that.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dyad.core.dedup_index import CompactIndex
from dyad.core.dedup_rule import STATUS_CODES, STATUS_NAMES, Decision, cluster_id_of
from dyad.core.dedup_sig import BANDS, NUM_PERM, SHINGLE, Fingerprint

FORMAT = f"dedup-v2-s{SHINGLE}-p{NUM_PERM}-b{BANDS}"
_HEAD = struct.Struct("<II")  # payload length, crc32
_FIXED = struct.Struct("<QQQQQdiQH")  # hashes..., ts, shingles, numbers, id length
_DECISION = struct.Struct("<BHiiHH")  # status, sim, articles, sources, two string lengths
_NO_SIM = 0xFFFF
_SIG_BYTES = NUM_PERM
_BAND_BYTES = BANDS * 8


def _utf8(text: str | None) -> bytes:
    return (text or "").encode("utf-8", "surrogatepass")


def encode(fp: Fingerprint, d: Decision) -> bytes:
    aid, first, rev = _utf8(fp.article_id), _utf8(d.duplicate_of), _utf8(d.revision_of)
    sim = _NO_SIM if d.similarity is None else round(d.similarity * 10000)
    hashes = (fp.content_hash, fp.id_hash, fp.url_hash, fp.source_hash, int(d.cluster_id[2:], 16))
    fixed = _FIXED.pack(*hashes, fp.timestamp, fp.shingles, fp.numbers, len(aid))
    code = STATUS_CODES[d.status]
    decision = _DECISION.pack(code, sim, d.articles, d.sources, len(first), len(rev))
    payload = b"".join(
        (fixed, decision, fp.signature.tobytes(), fp.bands.tobytes(), aid, first, rev)
    )
    return _HEAD.pack(len(payload), zlib.crc32(payload)) + payload


def decode(payload: bytes) -> tuple[Fingerprint, Decision]:
    content, id_h, url_h, src_h, cluster, ts, shingles, numbers, n = _FIXED.unpack_from(payload)
    status, sim, articles, sources, nf, nr = _DECISION.unpack_from(payload, _FIXED.size)
    at = _FIXED.size + _DECISION.size
    sig = np.frombuffer(payload, np.uint8, _SIG_BYTES, at).copy()
    bands = np.frombuffer(payload, np.uint64, BANDS, at + _SIG_BYTES).copy()
    at += _SIG_BYTES + _BAND_BYTES
    aid, first, rev = (
        payload[x:y].decode("utf-8", "surrogatepass")
        for x, y in ((at, at + n), (at + n, at + n + nf), (at + n + nf, at + n + nf + nr))
    )
    hashes = dict(id_hash=id_h, url_hash=url_h, source_hash=src_h, band_cache=bands)
    fp = Fingerprint(aid, None, None, content, sig, shingles, numbers, ts, **hashes)
    similarity = None if sim == _NO_SIM else sim / 10000
    d = Decision(
        STATUS_NAMES[status], first or None, similarity, cluster_id_of(cluster), rev or None,
        articles, sources,
    )  # fmt: skip
    return fp, d


def read_log(path: Path) -> Iterator[tuple[Fingerprint, Decision]]:
    """Records of a log segment; a torn or corrupt tail is cut off the file."""
    data = path.read_bytes()
    at = 0
    while at + _HEAD.size <= len(data):
        size, crc = _HEAD.unpack_from(data, at)
        payload = data[at + _HEAD.size : at + _HEAD.size + size]
        if len(payload) < size or zlib.crc32(payload) != crc:
            break
        yield decode(payload)
        at += _HEAD.size + size
    if at < len(data):
        with path.open("r+b") as f:
            f.truncate(at)


class LogWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def append(self, entries: list[tuple[Fingerprint, Decision]]) -> None:
        if entries:
            os.write(self.fd, b"".join(encode(fp, d) for fp, d in entries))

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


def _arrays(index: CompactIndex) -> dict[str, np.ndarray[Any, Any]]:
    s = index.s
    out = {name: getattr(s, name) for name in _column_names()}
    for name, table in s.tables().items():
        out[f"{name}.head"], out[f"{name}.nxt"] = table.head, table.nxt
    for name, arena in (("ids", s.ids), ("firsts", s.firsts)):
        out[f"{name}.off"], out[f"{name}.length"] = arena.off, arena.length
        out[f"{name}.buf"] = arena.buf[: arena.end - arena.base]
    return out


def _column_names() -> list[str]:
    from dyad.core.dedup_slots import COLUMNS

    return list(COLUMNS)


def _meta(index: CompactIndex, records: int) -> dict[str, Any]:
    s = index.s
    return {
        "format": FORMAT,
        "records": records,
        "capacity": index.capacity,
        "next_seq": index.next_seq,
        "oldest": index.oldest,
        "max_ts": index.max_ts if index.max_ts != float("-inf") else None,
        "evictions": index.evictions,
        "expired": index.expired,
        "counts": index.counts,
        "revised_from": [[k, v] for k, v in index.revised_from.items()],
        "arenas": {n: [a.base, a.end] for n, a in (("ids", s.ids), ("firsts", s.firsts))},
    }


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_snapshot(index: CompactIndex, root: Path, records: int) -> Path:
    final = root / f"snap-{records:015d}"
    tmp = root / f"tmp-{records:015d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, arr in _arrays(index).items():
        with (tmp / f"{name}.npy").open("wb") as f:
            np.save(f, arr, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
    meta = tmp / "meta.json"
    meta.write_text(json.dumps(_meta(index, records)))
    with meta.open("rb") as f:
        os.fsync(f.fileno())
    _fsync_dir(tmp)
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    _fsync_dir(root)
    return final


def latest_snapshot(root: Path) -> Path | None:
    snaps = sorted(p for p in root.glob("snap-*") if (p / "meta.json").exists())
    return snaps[-1] if snaps else None


def load_snapshot(path: Path, window_s: float) -> tuple[CompactIndex, int] | None:
    """(index, records covered) or None when the snapshot does not fit this code."""
    meta = json.loads((path / "meta.json").read_text())
    if meta.get("format") != FORMAT:
        return None
    index = CompactIndex(window_s, meta["capacity"])  # zeros: costs nothing until used
    s = index.s

    def load(name: str) -> np.ndarray[Any, Any]:
        # copy-on-write maps: ready at once, pages come in from the page cache
        # as they are touched, and the snapshot files are never written
        mapped = np.load(path / f"{name}.npy", mmap_mode="c", allow_pickle=False)
        return mapped.view(np.ndarray)  # a plain array: np.memmap indexing is slow

    for name in _column_names():
        setattr(s, name, load(name))
    for name, table in s.tables().items():
        table.head, table.nxt = load(f"{name}.head"), load(f"{name}.nxt")
    for name, arena in (("ids", s.ids), ("firsts", s.firsts)):
        arena.off, arena.length = load(f"{name}.off"), load(f"{name}.length")
        buf = load(f"{name}.buf")
        arena.base, arena.end = meta["arenas"][name]
        arena.buf = np.zeros(max(arena.buf.size, 2 * buf.size), dtype=np.uint8)
        arena.buf[: buf.size] = buf
    s.views()
    index.next_seq, index.oldest = meta["next_seq"], meta["oldest"]
    index.max_ts = float("-inf") if meta["max_ts"] is None else meta["max_ts"]
    index.evictions, index.expired = meta["evictions"], meta["expired"]
    index.counts.update(meta["counts"])
    index.revised_from = {int(k): v for k, v in meta["revised_from"]}
    return index, int(meta["records"])
