"""Fingerprints for dedup: token hashes, word shingles, b-bit MinHash and LSH band keys.

Everything is vectorised with numpy so that a 4 KB article costs well under a
tenth of a millisecond: the text becomes an array of code points, words are the
runs of word characters, each word gets a position-free polynomial hash from
prefix sums (arithmetic wraps modulo 2**64 on purpose), shingles combine
`SHINGLE` consecutive word hashes, and `NUM_PERM` bins of one hash (one-permutation
hashing) give the MinHash signature. The LSH band keys are made from 16 bits of each
minimum; only 8 bits are stored (b-bit MinHash, 64 bytes an article): values
equal by chance (probability 1/256) add a quarter of a bin on average to the
agreement count, negligible next to the sampling error of 64 bins.

All constants come from a fixed seed: fingerprints must be stable forever, since
they are persisted and shared between instances.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
import xxhash

SHINGLE = 3
NUM_PERM = 64
BANDS = 32
ROWS = NUM_PERM // BANDS

U64 = npt.NDArray[np.uint64]
Signature = npt.NDArray[np.uint8]
Minima = npt.NDArray[np.uint16]

_rng = np.random.default_rng(0x5EED_D7AD)  # fixed seed: signatures must be stable forever
_BIN_BITS = NUM_PERM.bit_length() - 1
_VAL_SHIFT = np.uint64(64 - _BIN_BITS - 16)
_BIN_IDS = np.arange(NUM_PERM, dtype=np.int64)
_BIN_EDGES = _BIN_IDS.astype(np.uint64) << np.uint64(64 - _BIN_BITS)
_SHINGLE_MUL = _rng.integers(1, 2**63, size=8, dtype=np.uint64) | np.uint64(1)
_BAND_MUL = _rng.integers(1, 2**63, size=ROWS, dtype=np.uint64) | np.uint64(1)
_Q = np.uint64(0x9E3779B97F4A7C15)  # odd, so it has an inverse modulo 2**64
_Q_INV = np.uint64(pow(int(_Q), -1, 2**64))
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _word_table() -> npt.NDArray[np.bool_]:
    """Word characters of the Basic Multilingual Plane, like the regex `\\w`."""
    chars = "".join(map(chr, range(0x10000)))
    flags = [c.isalnum() or c == "_" for c in chars]
    table = np.array(flags, dtype=np.bool_)
    table[0xFFFF] = True  # a non-character: stands for everything beyond the BMP
    return table


def _digit_table() -> npt.NDArray[np.int8]:
    """The value of each decimal digit of the BMP (Arabic-Indic, Persian...), else -1."""
    values = [unicodedata.decimal(chr(i), -1) for i in range(0x10000)]
    return np.array(values, dtype=np.int8)


_WORD = _word_table()
_DIGIT = _digit_table()


class _Powers:
    """Q**i and Q**-i modulo 2**64, grown on demand for longer texts."""

    def __init__(self) -> None:
        self.fwd: U64 = np.ones(1, dtype=np.uint64)
        self.inv: U64 = np.ones(1, dtype=np.uint64)

    def upto(self, n: int) -> tuple[U64, U64]:
        if len(self.fwd) < n:
            size = max(n, 2 * len(self.fwd), 8192)
            self.fwd = np.concatenate(
                ([np.uint64(1)], np.cumprod(np.full(size - 1, _Q, dtype=np.uint64)))
            )
            self.inv = np.concatenate(
                ([np.uint64(1)], np.cumprod(np.full(size - 1, _Q_INV, dtype=np.uint64)))
            )
        return self.fwd, self.inv


_POWERS = _Powers()
_POWERS.upto(8192)


def _mix(x: U64) -> U64:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


def word_hashes(text: str) -> tuple[U64, int]:
    """One 64-bit hash per word (runs of word characters, case-folded, digits folded
    to ASCII), and a 64-bit mask of the numbers in the text (one bit per number).

    The word hashes are raw polynomial values: shingle_hashes mixes them.
    """
    cps = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if cps.size == 0:
        return np.empty(0, dtype=np.uint64), 0
    digit = _DIGIT.take(cps, mode="clip")
    is_digit = digit >= 0
    codes = cps.astype(np.uint64)
    other = is_digit & (cps > 0x39)
    if other.any():  # Arabic-Indic, Persian... digits count as the ASCII ones
        codes[other] = digit[other].astype(np.uint64) + np.uint64(0x30)
    word = np.zeros(cps.size + 2, dtype=np.bool_)
    word[1:-1] = _WORD.take(cps, mode="clip")  # beyond the BMP counts as a word character
    edges = np.flatnonzero(word[1:] != word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if starts.size == 0:
        return np.empty(0, dtype=np.uint64), 0
    fwd, inv = _POWERS.upto(cps.size + 1)
    prefix = np.zeros(cps.size + 1, dtype=np.uint64)
    np.cumsum(codes * fwd[: cps.size], out=prefix[1:])
    # sum c_j Q**(j - start): the same word hashes alike wherever it stands
    hashes = (prefix[ends] - prefix[starts]) * inv[starts] + (ends - starts).astype(np.uint64)
    numeric = hashes[is_digit[starts]]  # words that start with a digit
    if numeric.size == 0:
        return hashes, 0
    bits = (numeric * _MIX1) >> np.uint64(58)
    return hashes, int(np.bitwise_or.reduce(np.uint64(1) << bits))


def shingle_hashes(words: U64, k: int = SHINGLE) -> U64:
    """Hashes of the k-word windows; a text shorter than k is one shingle."""
    n = words.size
    if n == 0:
        return words
    if n < k:
        acc = (words * _SHINGLE_MUL[:n]).sum(dtype=np.uint64)
        return _mix(np.array([acc], dtype=np.uint64))
    acc = words[: n - k + 1] * _SHINGLE_MUL[0]
    for i in range(1, k):
        acc = acc + words[i : n - k + 1 + i] * _SHINGLE_MUL[i]
    return _mix(acc)


def minhash(shingles: U64) -> Minima:
    """One-permutation MinHash with rotation densification, 16 bits kept per bin.

    The top `_BIN_BITS` bits of a shingle hash choose its bin and the next 16 bits
    are its value, so one sort gives every bin's minimum (O(n log n), not
    O(n * NUM_PERM)). An empty bin borrows the value of the next non-empty bin,
    shifted by the distance, so that two texts with the same empty bins agree.
    """
    n = shingles.size
    if n == 0:
        return np.zeros(NUM_PERM, dtype=np.uint16)
    ordered = np.sort(shingles)
    starts = np.searchsorted(ordered, _BIN_EDGES)
    nonempty = starts < np.append(starts[1:], n)
    vals = (ordered[np.minimum(starts, n - 1)] >> _VAL_SHIFT) & np.uint64(0xFFFF)
    if not nonempty.all():
        full = np.flatnonzero(nonempty)
        pos = np.searchsorted(full, _BIN_IDS)
        donor = full[np.where(pos == full.size, 0, pos)]
        dist = (donor - _BIN_IDS) % NUM_PERM
        vals = (vals[donor] + dist.astype(np.uint64) * np.uint64(0x9E37)) & np.uint64(0xFFFF)
    sig: Minima = vals.astype(np.uint16)
    return sig


def band_keys(sig: Minima) -> U64:
    """One 64-bit key per LSH band, tagged with the band number."""
    rows = sig.reshape(BANDS, ROWS).astype(np.uint64)
    acc = (rows * _BAND_MUL).sum(axis=1, dtype=np.uint64)
    return _mix(acc + np.arange(BANDS, dtype=np.uint64) * _MIX2)


def hash_str(text: str | None) -> int:
    """64-bit id of a string; 0 stands for 'absent'."""
    if not text:
        return 0
    return int(xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))) or 1


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    article_id: str
    url: str | None
    source: str | None
    content_hash: int  # of the word sequence: the same normalised body, the same hash
    signature: Signature  # the low 8 bits of each bin's minimum (b-bit MinHash)
    shingles: int  # number of shingles, for containment estimates
    numbers: int  # 64-bit mask of the numbers in the text
    timestamp: float  # seconds since the epoch: published_at, else the record time
    id_hash: int
    url_hash: int
    source_hash: int
    bands: U64


def fingerprint(
    article_id: str, url: str | None, source: str | None, text: str, timestamp: float
) -> Fingerprint:
    words, numbers = word_hashes(text)
    shingles = shingle_hashes(words, SHINGLE)
    minima = minhash(shingles)
    content = int(xxhash.xxh3_64_intdigest(words.tobytes()))
    return Fingerprint(
        article_id=article_id,
        url=url,
        source=source,
        content_hash=content,
        signature=(minima & 0xFF).astype(np.uint8),
        shingles=int(shingles.size),
        numbers=numbers,
        timestamp=float(timestamp),
        id_hash=hash_str(article_id),
        url_hash=hash_str(url),
        source_hash=hash_str(source or _host(url) or article_id),
        bands=band_keys(minima),
    )
