"""Synthetic news-like articles and fingerprints for the dedup benchmarks.

Words follow a Zipf law over a 50,000-word vocabulary (like news text: a few
very common words, a long tail), so shingles repeat across articles the way
stock phrases do. A share of articles are lightly edited copies of earlier ones.
"""

from __future__ import annotations

import numpy as np

from dyad.core.dedup_sig import Fingerprint, band_keys, fingerprint, hash_str

VOCAB = np.array([f"w{i:x}" for i in range(50_000)])


def article_text(rng: np.random.Generator, size: int = 4096) -> str:
    words = VOCAB[np.minimum(rng.zipf(1.15, size // 3), VOCAB.size) - 1]
    return " ".join(words.tolist())[:size]


def edited(rng: np.random.Generator, text: str) -> str:
    words = text.split()
    for i in rng.choice(len(words), size=max(1, len(words) // 25), replace=False):
        words[i] = "edit"
    return " ".join(words[: len(words) - len(words) // 10])


def texts(n: int, dup_share: float = 0.3, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    out: list[str] = []
    for _ in range(n):
        if out and rng.random() < dup_share:
            out.append(edited(rng, out[int(rng.integers(len(out)))]))
        else:
            out.append(article_text(rng))
    return out


def fingerprints(
    n: int, start: int = 0, dup_share: float = 0.3, seed: int = 11
) -> list[Fingerprint]:
    """Cheap fingerprints with random signatures (for the 1M-entry benchmarks):
    a `dup_share` of them repeat an earlier signature under a new id and source."""
    rng = np.random.default_rng(seed)
    minima = rng.integers(0, 1 << 16, size=(n, 64), dtype=np.uint16)
    dup = rng.random(n) < dup_share
    src = rng.integers(0, max(1, min(n, 1 << 16)), size=n)
    for i in np.flatnonzero(dup)[1:]:
        minima[i] = minima[int(rng.integers(i))]
    out = []
    for i in range(n):
        aid = f"article-{start + i:09d}-{src[i]:x}"
        m = minima[i]
        out.append(
            Fingerprint(
                article_id=aid,
                url=None,
                source=f"s{src[i]}",
                content_hash=hash_str(aid),
                signature=(m & 0xFF).astype(np.uint8),
                shingles=700,
                numbers=0,
                timestamp=(start + i) * 0.5,  # a million within the 7-day window
                id_hash=hash_str(aid),
                url_hash=0,
                source_hash=hash_str(f"s{src[i]}"),
                band_cache=band_keys(m),
            )
        )
    return out


def fingerprint_text(i: int, text: str) -> Fingerprint:
    return fingerprint(f"t{i}", None, f"s{i % 500}", text, float(i))
