"""Fingerprints for dedup: token hashes, word shingles, b-bit MinHash and LSH band keys.

Everything is vectorised with numpy, in as few passes over the text as possible
(each numpy call costs about half a microsecond however small its array): the
text becomes an array of folded code units (one table lookup does case folding,
digit folding and the word/non-word split), words are the runs of non-zero
units, each word gets a position-free polynomial hash from prefix sums
(arithmetic wraps modulo 2**64 on purpose), shingles combine `SHINGLE`
consecutive word hashes, and `NUM_PERM` bins of one hash (one-permutation
hashing) give the MinHash signature. The LSH band keys are made from 16 bits of each
minimum; only 8 bits are stored (b-bit MinHash, 64 bytes an article): values
equal by chance (probability 1/256) add a quarter of a bin on average to the
agreement count, negligible next to the sampling error of 64 bins.

All constants come from a fixed seed: fingerprints must be stable forever, since
they are persisted and shared between instances. tests/unit/test_dedup_sig.py
holds a plain reference implementation of this recipe (the first one: lower
case the text, then classify code points) that every change must reproduce
bit for bit, or bump the snapshot format.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
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
_KEY_SHIFT = np.uint64(64 - _BIN_BITS - 16)  # a shingle's key: its bin, then 16 bits of value
_BIN_IDS = np.arange(NUM_PERM, dtype=np.int64)
_BIN_EDGES = np.arange(NUM_PERM, dtype=np.uint64) << np.uint64(64 - _BIN_BITS)
_SHINGLE_MUL = _rng.integers(1, 2**63, size=8, dtype=np.uint64) | np.uint64(1)
_BAND_MUL = _rng.integers(1, 2**63, size=ROWS, dtype=np.uint64) | np.uint64(1)
_Q = np.uint64(0x9E3779B97F4A7C15)  # odd, so it has an inverse modulo 2**64
_Q_INV = np.uint64(pow(int(_Q), -1, 2**64))
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_BAND_TAG = np.arange(BANDS, dtype=np.uint64) * _MIX2


def _fold_table() -> npt.NDArray[np.uint16]:
    """Each BMP code point -> its folded unit, as the recipe sees its lower case:
    0 for a non-word character (a word character is `\\w` in a regex, or U+FFFF),
    the decimal digits of any script as ASCII ones, else the lower case itself."""
    table = np.zeros(0x10000, dtype=np.uint16)
    for cp in range(0x10000):
        low = chr(cp).lower()[0]  # one character but for U+0130 (see folded_units)
        if low.isalnum() or low == "_" or cp == 0xFFFF:
            digit = unicodedata.decimal(low, -1)
            table[cp] = 0x30 + digit if digit >= 0 else ord(low)
    return table


_FOLD = _fold_table()
if int(_FOLD[:256].max()) > 0xFF:
    raise RuntimeError("Latin-1 text must fold into Latin-1")
_FOLD_LATIN1 = _FOLD[:256].astype(np.uint8).tobytes()
_IS_DIGIT = np.zeros(0x10000, dtype=np.bool_)
_IS_DIGIT[0x30:0x3A] = True


class _Powers:
    """Q**i and Q**-(i+1) modulo 2**64, grown on demand for longer texts."""

    def __init__(self) -> None:
        self.fwd: U64 = np.ones(1, dtype=np.uint64)
        self.inv: U64 = np.ones(1, dtype=np.uint64)

    def upto(self, n: int) -> tuple[U64, U64]:
        if len(self.fwd) < n:
            size = max(n, 2 * len(self.fwd), 8192)
            self.fwd = np.cumprod(np.full(size, _Q, dtype=np.uint64), dtype=np.uint64) * _Q_INV
            self.inv = np.cumprod(np.full(size, _Q_INV, dtype=np.uint64), dtype=np.uint64)
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


def folded_units(text: str) -> npt.NDArray[np.unsignedinteger]:
    """The folded units of the text between two zeros: one table lookup for what
    `text.lower()` and a code point classification did in the first recipe."""
    if "\u03a3" in text:  # capital sigma: its lower case depends on the next letter
        text = text.lower()
    elif "\u0130" in text:  # the only character whose lower case is two characters
        text = text.replace("\u0130", "i\u0307")
    padded = f"\x00{text}\x00"
    try:  # Latin-1 text (English, French, Spanish...): one bytes.translate
        return np.frombuffer(padded.encode("latin-1").translate(_FOLD_LATIN1), dtype=np.uint8)
    except UnicodeEncodeError:
        pass
    raw = padded.encode("utf-16-le", "surrogatepass")
    if len(raw) == 2 * len(padded):
        return _FOLD.take(np.frombuffer(raw, dtype=np.uint16))
    # beyond the BMP (rare): whole code points, each such one a word character
    cps = np.frombuffer(padded.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.where(cps > 0xFFFF, cps, _FOLD.take(cps, mode="clip"))


def word_hashes(text: str) -> tuple[U64, int]:
    """One 64-bit hash per word (runs of word characters, case-folded, digits folded
    to ASCII), and a 64-bit mask of the numbers in the text (one bit per number).

    The word hashes are raw polynomial values: shingle_hashes mixes them.
    """
    codes = folded_units(text)
    word = codes.astype(np.bool_)
    # edges[2i] is the unit before word i, edges[2i + 1] its last unit
    edges = (word[1:] != word[:-1]).nonzero()[0]
    if edges.size == 0:
        return np.empty(0, dtype=np.uint64), 0
    fwd, inv = _POWERS.upto(codes.size)
    at = np.add.accumulate(codes * fwd[: codes.size]).take(edges)
    before = edges[0::2]
    # sum of c_j Q**(j - start), plus the length: the same word hashes alike wherever it stands
    hashes = at[1::2] - at[0::2]
    np.multiply(hashes, inv.take(before), out=hashes)
    np.add(hashes, edges[1::2] - before, out=hashes, dtype=np.uint64, casting="unsafe")
    numeric = hashes[_IS_DIGIT.take(codes[1:].take(before), mode="clip")]  # digit-led words
    if numeric.size == 0:
        return hashes, 0
    bits = (numeric * _MIX1) >> np.uint64(58)
    return hashes, int(np.bitwise_or.reduce(_ONE << bits))


def shingle_hashes(words: U64, k: int = SHINGLE) -> U64:
    """Hashes of the k-word windows; a text shorter than k is one shingle."""
    n = words.size
    if n == 0:
        return words
    if n < k:
        acc = np.atleast_1d((words * _SHINGLE_MUL[:n]).sum(dtype=np.uint64))
    else:  # a dot product a window: numpy's integer dot wraps like the arithmetic above
        acc = np.convolve(words, _SHINGLE_MUL[k - 1 :: -1], mode="valid")
    return _mix(acc)


def minhash(shingles: U64) -> Minima:
    """One-permutation MinHash with rotation densification, 16 bits kept per bin.

    The top `_BIN_BITS` bits of a shingle hash choose its bin and the next 16 bits
    are its value, so one sort gives every bin's minimum
    (O(n log n), not O(n * NUM_PERM)). An empty bin borrows the value of the next
    non-empty bin, shifted by the distance, so that two texts with the same empty
    bins agree.
    """
    if shingles.size == 0:
        return np.zeros(NUM_PERM, dtype=np.uint16)
    ordered = np.sort(shingles)
    keys = ordered.take(np.searchsorted(ordered, _BIN_EDGES), mode="clip") >> _KEY_SHIFT
    sig: Minima = keys.astype(np.uint16)  # a key is its bin, then 16 bits of value
    nonempty = (keys >> np.uint64(16)) == _BIN_IDS
    return sig if nonempty.all() else densify(sig, nonempty)


def densify(sig: Minima, nonempty: npt.NDArray[np.bool_]) -> Minima:
    """Each empty bin takes the value of the next non-empty one (rotating), shifted by
    the distance; `nonempty` holds at least one True."""
    full = np.flatnonzero(nonempty)
    pos = np.searchsorted(full, _BIN_IDS)
    donor = full[np.where(pos == full.size, 0, pos)]
    dist = ((donor - _BIN_IDS) % NUM_PERM).astype(np.uint16)
    dense: Minima = sig[donor] + dist * np.uint16(0x9E37)  # wraps modulo 2**16
    return dense


def band_keys(sig: Minima) -> U64:
    """One 64-bit key per LSH band, tagged with the band number."""
    rows = sig.astype(np.uint64).reshape(BANDS, ROWS)
    return _mix(rows @ _BAND_MUL + _BAND_TAG)  # integer matmul wraps like the rest


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
    minima: Minima | None = None  # the 16-bit minima, until the band keys are made
    band_cache: U64 | None = None

    @property
    def bands(self) -> U64:
        """The LSH band keys, made on first use (fill_bands makes a batch's at once)."""
        if self.band_cache is None:
            fill_bands([self])
        if self.band_cache is None:
            raise ValueError("a fingerprint needs its minima or its band keys")
        return self.band_cache


def fill_bands(fps: Sequence[Fingerprint]) -> None:
    """Make the band keys of the fingerprints that lack them, in one numpy pass:
    they are the same as band_keys() of each, at a fraction of the per-call cost."""
    todo: list[Fingerprint] = []
    minima: list[Minima] = []
    for fp in fps:
        if fp.band_cache is None and fp.minima is not None:
            todo.append(fp)
            minima.append(fp.minima)
    if not todo:
        return
    rows = np.stack(minima).astype(np.uint64)
    keys = _mix(rows.reshape(len(todo), BANDS, ROWS) @ _BAND_MUL + _BAND_TAG)
    for fp, row in zip(todo, keys, strict=True):
        object.__setattr__(fp, "band_cache", row)


def fingerprint(
    article_id: str, url: str | None, source: str | None, text: str, timestamp: float
) -> Fingerprint:
    """The band keys are left to fill_bands, which the indexes call on each batch."""
    words, numbers = word_hashes(text)
    shingles = shingle_hashes(words, SHINGLE)
    minima = minhash(shingles)
    return assemble(
        article_id, url, source, timestamp, words, minima.astype(np.uint8), minima,
        shingles.size, numbers,
    )  # fmt: skip


def assemble(
    article_id: str,
    url: str | None,
    source: str | None,
    timestamp: float,
    words: U64,
    signature: Signature,
    minima: Minima,
    shingles: int,
    numbers: int,
) -> Fingerprint:
    """A fingerprint from its computed parts (here and in dedup_batch): the content
    hash and the identity hashes (a source falls back to the URL's host, then the id)
    are made in this one place."""
    return Fingerprint(
        article_id=article_id,
        url=url,
        source=source,
        content_hash=xxhash.xxh3_64_intdigest(words.data),
        signature=signature,
        shingles=shingles,
        numbers=numbers,
        timestamp=float(timestamp),
        id_hash=hash_str(article_id),
        url_hash=hash_str(url),
        source_hash=hash_str(source or _host(url) or article_id),
        minima=minima,
    )
