"""Fingerprints of many texts at once: dedup_sig's recipe over a batch, bit for bit.

One text at a time, a fingerprint is about thirty numpy calls on arrays of a few
thousand items: the cost per call dominates, and in the pipeline the stages in
between push numpy's code and tables out of the CPU caches (measured: 55 µs an
article alone, 115 µs inside the pipeline). Here the texts of a group are joined
with a NUL between them, a non-word unit, so no word crosses two texts, and each
step runs once for the whole group:

- word hashes are position-free (the prefix sums are divided by the power of the
  word's start), so they are the same in the joined units as in each text's own;
- shingles are the windows of three words that stay inside one text;
- each text's bin minima come from one `np.minimum.at` over (text, bin) cells.

A text with fewer than `SHINGLE` words, or a group with a character beyond the
BMP, goes through dedup_sig.fingerprint itself (both are rare).
tests/unit/test_dedup_batch.py checks every field against that function.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dyad.core.dedup_sig import (
    _FOLD,
    _FOLD_LATIN1,
    _IS_DIGIT,
    _MIX1,
    _ONE,
    _POWERS,
    _SHINGLE_MUL,
    NUM_PERM,
    SHINGLE,
    U64,
    Fingerprint,
    _mix,
    assemble,
    densify,
    fingerprint,
)

# (article_id, url, source, text, timestamp), as fingerprint() takes them
Item = tuple[str, str | None, str | None, str, float]

# Texts are grouped up to about this many units, so that the group's arrays
# (8 bytes a unit) stay in the CPU's second-level cache.
GROUP_UNITS = 1 << 15
_BIN_VALUE = np.uint64(64 - (NUM_PERM.bit_length() - 1))  # a shingle's bin: its top bits
_VALUE_SHIFT = np.uint64(64 - (NUM_PERM.bit_length() - 1) - 16)  # then 16 bits of value
_EMPTY = 0x10000


def fingerprints(items: Sequence[Item]) -> list[Fingerprint]:
    """fingerprint(*item) for each item, in order, at a fraction of the cost."""
    out: list[Fingerprint] = []
    start, units = 0, 0
    for end, item in enumerate(items, 1):
        units += len(item[3]) + 1
        if units >= GROUP_UNITS or end == len(items):
            out.extend(_group(items[start:end]))
            start, units = end, 0
    return out


def _text(text: str) -> str:
    # folded_units' own special cases, which change the text before the table lookup
    if "\u03a3" in text:
        return text.lower()
    if "\u0130" in text:
        return text.replace("\u0130", "i\u0307")
    return text


def _units(joined: str) -> npt.NDArray[np.unsignedinteger] | None:
    """The folded units of the joined texts (as folded_units), None beyond the BMP."""
    try:
        return np.frombuffer(joined.encode("latin-1").translate(_FOLD_LATIN1), dtype=np.uint8)
    except UnicodeEncodeError:
        pass
    raw = joined.encode("utf-16-le", "surrogatepass")
    if len(raw) != 2 * len(joined):
        return None
    units: npt.NDArray[np.unsignedinteger] = _FOLD.take(np.frombuffer(raw, dtype=np.uint16))
    return units


def _group(items: Sequence[Item]) -> list[Fingerprint]:
    texts = [_text(item[3]) for item in items]
    codes = _units("\x00" + "\x00".join(texts) + "\x00")
    if codes is None:
        return [fingerprint(*item) for item in items]
    word = codes.astype(np.bool_)
    edges = (word[1:] != word[:-1]).nonzero()[0]
    before = edges[0::2]  # the unit before each word
    fwd, inv = _POWERS.upto(codes.size)
    at = np.add.accumulate(codes * fwd[: codes.size]).take(edges)
    hashes = at[1::2] - at[0::2]
    np.multiply(hashes, inv.take(before), out=hashes)
    np.add(hashes, edges[1::2] - before, out=hashes, dtype=np.uint64, casting="unsafe")
    digit = _IS_DIGIT.take(codes[1:].take(before), mode="clip")
    marks = np.where(digit, _ONE << ((hashes * _MIX1) >> np.uint64(58)), np.uint64(0))
    # each text's first word: the first whose unit before is the NUL before the text
    nuls = np.cumsum([0] + [len(t) + 1 for t in texts], dtype=np.int64)[:-1]
    bounds = [*np.searchsorted(before, nuls).tolist(), hashes.size]
    counts = np.diff(bounds)
    numbers = np.zeros(len(items), dtype=np.uint64)
    if hashes.size:
        with_words = np.flatnonzero(counts)
        numbers[with_words] = np.bitwise_or.reduceat(marks, np.asarray(bounds)[with_words])
    minima = _minima(hashes, counts)
    signatures = minima.astype(np.uint8)
    out = []
    sizes, masks = counts.tolist(), numbers.tolist()  # Python ints: cheaper one by one
    for k, item in enumerate(items):
        n = sizes[k]
        if n < SHINGLE:
            out.append(fingerprint(*item))
            continue
        article_id, url, source, _, timestamp = item
        words = hashes[bounds[k] : bounds[k + 1]]
        out.append(
            assemble(
                article_id,
                url,
                source,
                timestamp,
                words,
                signatures[k],
                minima[k],
                n - SHINGLE + 1,
                masks[k],
            )  # fmt: skip
        )
    return out


def _minima(hashes: U64, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.uint16]:
    """dedup_sig.minhash of each text's shingles, a row per text (rows of texts with
    fewer than SHINGLE words are left empty: those texts are done one by one)."""
    if hashes.size < SHINGLE:
        return np.zeros((counts.size, NUM_PERM), dtype=np.uint16)
    # the text of each word; a window is a shingle when its three words share a text
    owner = np.repeat(np.arange(counts.size, dtype=np.intp), counts)
    inside = owner[: 1 - SHINGLE] == owner[SHINGLE - 1 :]
    windows = np.convolve(hashes, _SHINGLE_MUL[SHINGLE - 1 :: -1], mode="valid")
    shingles = _mix(windows[inside])
    # a shingle's bin is its top bits and its value the next 16 (as dedup_sig.minhash):
    # each (text, bin) keeps its smallest value; EMPTY marks a bin with none
    cells = owner[: 1 - SHINGLE][inside] * NUM_PERM + (shingles >> _BIN_VALUE).astype(np.intp)
    values = ((shingles >> _VALUE_SHIFT) & np.uint64(0xFFFF)).astype(np.uint32)
    flat = np.full(counts.size * NUM_PERM, _EMPTY, dtype=np.uint32)
    np.minimum.at(flat, cells, values)
    best = flat.reshape(counts.size, NUM_PERM)
    minima: npt.NDArray[np.uint16] = best.astype(
        np.uint16
    )  # an empty bin's value is never read (densify)
    nonempty = best != _EMPTY
    for row in np.flatnonzero((counts >= SHINGLE) & ~nonempty.all(axis=1)).tolist():
        minima[row] = densify(minima[row], nonempty[row])
    return minima
