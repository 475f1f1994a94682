"""The fingerprint recipe is persisted and shared: the fast code must reproduce the
plain reference below (the recipe as first written) bit for bit on any text."""

from __future__ import annotations

import unicodedata

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dyad.core import dedup_sig as sig
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
