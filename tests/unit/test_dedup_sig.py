"""The fingerprint recipe is persisted and shared: the fast code must reproduce the
plain reference below (the recipe as first written) bit for bit on any text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dyad.adapters.dedup_persist import FORMAT, encode, read_log
from dyad.core import dedup_sig as sig
from dyad.core.dedup import MemoryDedupIndex
from dyad.core.dedup_sig import NUM_PERM, SHINGLE, fingerprint

U64 = npt.NDArray[np.uint64]


def _tables() -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int8]]:
    chars = [chr(i) for i in range(0x10000)]
    word = np.array([c.isalnum() or c == "_" for c in chars], dtype=np.bool_)
    word[0xFFFF] = True  # stands for everything beyond the BMP
    digit = np.array([unicodedata.decimal(c, -1) for c in chars], dtype=np.int8)
    return word, digit


_WORD, _DIGIT = _tables()


def ref_word_hashes(text: str) -> tuple[U64, int]:
    cps = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if cps.size == 0:
        return np.empty(0, dtype=np.uint64), 0
    digit = _DIGIT.take(cps, mode="clip")
    is_digit = digit >= 0
    codes = cps.astype(np.uint64)
    codes[is_digit] = digit[is_digit].astype(np.uint64) + np.uint64(0x30)
    word = np.zeros(cps.size + 2, dtype=np.bool_)
    word[1:-1] = _WORD.take(cps, mode="clip")
    edges = np.flatnonzero(word[1:] != word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if starts.size == 0:
        return np.empty(0, dtype=np.uint64), 0
    q = int(sig._Q)
    fwd = np.array([pow(q, i, 2**64) for i in range(cps.size + 1)], dtype=np.uint64)
    inv = np.array([pow(q, -i, 2**64) for i in range(cps.size + 1)], dtype=np.uint64)
    prefix = np.zeros(cps.size + 1, dtype=np.uint64)
    np.cumsum(codes * fwd[: cps.size], out=prefix[1:])
    hashes = (prefix[ends] - prefix[starts]) * inv[starts] + (ends - starts).astype(np.uint64)
    numeric = hashes[is_digit[starts]]
    bits = (numeric * sig._MIX1) >> np.uint64(58)
    return hashes, int(np.bitwise_or.reduce(np.uint64(1) << bits)) if numeric.size else 0


def ref_shingles(words: U64, k: int) -> U64:
    n = words.size
    if n == 0:
        return words
    if n < k:
        return sig._mix(np.array([(words * sig._SHINGLE_MUL[:n]).sum(dtype=np.uint64)]))
    acc = words[: n - k + 1] * sig._SHINGLE_MUL[0]
    for i in range(1, k):
        acc = acc + words[i : n - k + 1 + i] * sig._SHINGLE_MUL[i]
    return sig._mix(acc)


def ref_minhash(shingles: U64) -> npt.NDArray[np.uint16]:
    out = []
    for b in range(NUM_PERM):  # each bin's smallest 16-bit value, by brute force
        vals = [int(x) >> 42 & 0xFFFF for x in shingles.tolist() if int(x) >> 58 == b]
        out.append(min(vals) if vals else None)
    if all(v is None for v in out):
        return np.zeros(NUM_PERM, dtype=np.uint16)
    dense = []
    for b in range(NUM_PERM):  # an empty bin borrows from the next full one, rotating
        d = next(d for d in range(NUM_PERM) if out[(b + d) % NUM_PERM] is not None)
        dense.append((out[(b + d) % NUM_PERM] + d * 0x9E37) & 0xFFFF)
    return np.array(dense, dtype=np.uint16)


def ref_band_keys(minima: npt.NDArray[np.uint16]) -> U64:
    rows = minima.reshape(sig.BANDS, sig.ROWS).astype(np.uint64)
    acc = (rows * sig._BAND_MUL).sum(axis=1, dtype=np.uint64)
    return sig._mix(acc + np.arange(sig.BANDS, dtype=np.uint64) * sig._MIX2)


def _check(text: str) -> None:
    words, numbers = sig.word_hashes(text)
    ref_words, ref_numbers = ref_word_hashes(text)
    assert np.array_equal(words, ref_words) and numbers == ref_numbers
    shingles = sig.shingle_hashes(words, SHINGLE)
    assert np.array_equal(shingles, ref_shingles(ref_words, SHINGLE))
    minima = sig.minhash(shingles)
    assert np.array_equal(minima, ref_minhash(shingles))
    assert np.array_equal(sig.band_keys(minima), ref_band_keys(minima))


SAMPLES = [
    "",
    "   ",
    "one",
    "two words",
    "Trade rose 12.5 percent to 1,200 tonnes in 2024",
    "Ankara'da İran ve Türkiye İÇİŞLERİ bakanları görüştü; ISPARTA 3 ılık",
    "ΟΔΟΣ ΣΑΣ Σ σ. ΣΟΦΙΑ",
    "تجارت ۱۲ درصد افزایش یافت و ٣٤ میلیون",
    "Москва, 15 марта — ВВП вырос на 2%",
    "emoji \U0001f600 and \U00010400\U00010428 Deseret, math \U0001d7ce digits",
    "lone \ud800 surrogate and \uffff non-character, under_score",
    "café NAÏVE Ñandú Straße ÆØÅ µ ÿ",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_fast_recipe_matches_the_reference(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ 9.,\n_İIıΣσςé٣۱Ж\U0001f600\ud800\uffff"))))
def test_fast_recipe_matches_on_any_text(text: str) -> None:
    _check(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_fast_recipe_matches_on_any_unicode(text: str) -> None:
    _check(text)


def test_fingerprint_of_a_long_text_matches() -> None:
    text = " ".join(f"w{i % 97} {i}" for i in range(3000))  # longer than the cached powers
    _check(text)
    fp = fingerprint("a", None, None, text, 0.0)
    assert fp.content_hash == sig.xxhash.xxh3_64_intdigest(ref_word_hashes(text)[0].tobytes())


def test_band_keys_made_for_a_batch_are_those_of_each() -> None:
    fps = [fingerprint(f"a{i}", None, None, text, 0.0) for i, text in enumerate(SAMPLES)]
    alone = [ref_band_keys(fp.minima) for fp in fps if fp.minima is not None]
    sig.fill_bands(fps[1:])
    assert fps[0].band_cache is None and fps[1].band_cache is not None
    assert len(alone) == len(fps)
    assert all(np.array_equal(fp.bands, keys) for fp, keys in zip(fps, alone, strict=True))


# Two log records written by the code before the fast recipe (the first one's text
# below, the second's with " more words here" added): today's code must write the
# same bytes and read the same fingerprints back, or bump dedup_persist.FORMAT.
GOLDEN_TEXT = (
    "Iran and Syria signed a trade agreement in Damascus on Monday: 12 ministers, 3 days. "
    "İstanbul ΟΔΟΣ café"
)
GOLDEN_LOG = (
    "90010000820bb40f986a47080c1d83f7a0377018f460f7386364dfa203274f8dbc0e4e79fd4f08e2a0377018f4"
    "60f73800002040fc54d941110000000100000000008000030000ffff0100000001000000000000002af3bc854e"
    "17e0a9723b04c910d99a63fe13dca526ef854e17e0a9f3bc855821af4811daa36c35fec790597e4b14ddc68f63"
    "2cf5be875019e2ab743d06cf9861f16cd49fa8dd6cd4decc9694556a133bef6b7877dcc61276661f1f417f4594"
    "93fd513d42638207efe9bfb6616306197ec6efc778fe0394b961fcc7d857d547e148081aa9c1502500efbc6eed"
    "651f1dc6de4c55c5325f142cf6128c398f3f76fef17acc76a45d18ffc3ca3f15133b17d968c53ba0e52bca5497"
    "589d5aff9b119c991c9eb5524d32e3d870d5bb78eeaaedb741f703ab9f58f9a08802a1e631ed1af57ef163d254"
    "c5ab0648a2e9c4b6c7e14f4f72310f344c72edc9454cc7773dd98d4892b61082c680367788d3c068e174202b19"
    "a72c9a5dc1d966b5dd3ea1d2e2b54bce692d5a659eafd2619b6fff02df0378e878722e5897c903484513f7fb70"
    "612d31"
    "93010000f7784cae618609c7ff3dcaa8e22c761ec45aa15a0000000000000000e22c761ec45aa15aa0377018f4"
    "60f73800000059fc54d9411400000001000000000080000300025d1502000000020000000300000027f0b9824e"
    "17e0a9723b04c910d99a63fe13dca526ef854e17e0a9f3bc855821af21eab37c450ed7a069327e4b14ddc68f2e"
    "f7f2bb844d16dfa8713a03cc955e6a194dc0f7b3d7176335525fa48d3fa7ef6b7877dcc61276661f1f417f4594"
    "93fd513d42638207efe9bfb6616306197ec6efc778fe0394b961fcc7d857d547e148081aa9c1502500efbc6eed"
    "651f1dc6de4c55c5325f142cf6128c398f3f76fef17acc76a45d18ffc3ca3f15133b17d968c53ba0e52bca5497"
    "589d5aff9b119cda54bd1cf89cc50b1065dc350a553b7c66f097918a5e0605c1ab802f10206394216ee02e74b5"
    "62ea30ed416e8a90d5d94f4f72310f344c72edc9454cc7773dd9eabb13c2ab92779aad47a0f6cf76545463a1c0"
    "6c04265adf8966ef233ed85296907e1195fc14e3973f145a6d0dcbc64fbfe7f7fd23f990d31dd1ded8d4bc886a"
    "622d32612d31"
)


def test_logs_written_before_are_written_and_read_alike(tmp_path: Path) -> None:
    fps = [
        fingerprint("a-1", "https://x.example/1", "Wire", GOLDEN_TEXT, 1700000000.5),
        fingerprint("b-2", None, None, GOLDEN_TEXT + " more words here", 1700000100.0),
    ]
    decisions = MemoryDedupIndex().decide(fps)
    assert FORMAT == "dedup-v2-s3-p64-b32"
    golden = bytes.fromhex(GOLDEN_LOG)
    assert b"".join(encode(fp, d) for fp, d in zip(fps, decisions, strict=True)) == golden
    log = tmp_path / "log.bin"
    log.write_bytes(golden)
    for (old, d_old), fp, d in zip(read_log(log), fps, decisions, strict=True):
        assert d_old == d and old.content_hash == fp.content_hash
        assert np.array_equal(old.signature, fp.signature)
        assert np.array_equal(old.bands, fp.bands)
