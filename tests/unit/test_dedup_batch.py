"""fingerprints() of a batch must be fingerprint() of each text, field for field."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dyad.core import dedup_batch
from dyad.core.dedup_batch import fingerprints
from dyad.core.dedup_sig import Fingerprint, fingerprint

_WORDS = st.sampled_from(
    ["Trade", "rose", "12", "١٢", "percent", "تجارت", "درصد", "ΟΔΟΣ", "Σ", "İstanbul", "ß",
     "Ёлка", "\U0001f600", "\x00", " ", "\n", ".", "a_b", "\ufb01", "Ⅻ", "\ud800", "9.5"]
)  # fmt: skip
_TEXTS = st.lists(_WORDS | st.text(max_size=6), max_size=40).map(" ".join)
_ITEMS = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=5),
        st.none() | st.just("https://example.invalid/a/b"),
        st.none() | st.sampled_from(["Agency", "Wire"]),
        _TEXTS | st.sampled_from(["", "one", "one two", "one two three"]),
        st.floats(0, 2e9),
    ),
    max_size=12,
)


def same(a: Fingerprint, b: Fingerprint) -> bool:
    return (
        (a.article_id, a.url, a.source, a.content_hash, a.shingles, a.numbers, a.timestamp)
        == (b.article_id, b.url, b.source, b.content_hash, b.shingles, b.numbers, b.timestamp)
        and (a.id_hash, a.url_hash, a.source_hash) == (b.id_hash, b.url_hash, b.source_hash)
        and np.array_equal(a.signature, b.signature)
        and a.signature.dtype == b.signature.dtype
        and a.minima is not None
        and b.minima is not None
        and np.array_equal(a.minima, b.minima)
        and np.array_equal(a.bands, b.bands)
    )


@settings(max_examples=300, deadline=None)
@given(_ITEMS, st.sampled_from([8, 64, 1 << 15]))
def test_a_batch_gives_each_text_its_own_fingerprint(items: list, group: int) -> None:
    old = dedup_batch.GROUP_UNITS
    dedup_batch.GROUP_UNITS = group  # small groups too: texts cut across several
    try:
        batch = fingerprints(items)
    finally:
        dedup_batch.GROUP_UNITS = old
    assert len(batch) == len(items)
    for item, fp in zip(items, batch, strict=True):
        assert same(fp, fingerprint(*item))


def test_long_texts_with_empty_bins_match() -> None:
    words = [f"w{i}" for i in range(4000)]
    items = [
        ("a", None, None, " ".join(words[:5]), 1.0),  # a few shingles: empty bins
        ("b", None, None, " ".join(words), 2.0),  # more units than a group
        ("c", None, None, "تجارت " * 50 + "Trade 12 rose", 3.0),
    ]
    for item, fp in zip(items, fingerprints(items), strict=True):
        assert same(fp, fingerprint(*item))
