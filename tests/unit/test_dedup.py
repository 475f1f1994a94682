"""Dedup decisions: redelivery, revisions, coverage, window, cap, fingerprints."""

from __future__ import annotations

import numpy as np

from dyad.core.dedup import MemoryDedupIndex, fingerprint
from dyad.core.dedup_sig import word_hashes

STORY = (
    "Iran and Syria signed a trade agreement in Damascus on Monday covering cement, grain and "
    "electricity. The deal was announced by the two trade ministers after three days of talks, "
    "officials said. It foresees a joint committee meeting every quarter and lower tariffs on "
    "forty products, including textiles, medicines and spare parts for power stations. Traders "
    "in Aleppo welcomed the news but asked for faster customs checks at the Iraqi border."
)
OTHER = (
    "Kenya has started importing electricity from Ethiopia over a new high-voltage line that "
    "runs from the Ethiopian highlands to the outskirts of Nairobi. Initial imports are limited, "
    "and officials said the cheaper hydropower would help lower tariffs for industry."
)
DAY = 86400.0


def fp(aid: str, text: str, ts: float = 0.0, source: str | None = None, url: str | None = None):  # type: ignore[no-untyped-def]
    return fingerprint(aid, url, source or f"outlet-{aid}", text, ts)


def test_redelivery_returns_the_first_decision_exactly() -> None:
    ix = MemoryDedupIndex()
    first = ix.decide([fp("a", STORY), fp("b", STORY)])
    ix.decide([fp("c", STORY.replace("officials said", "according to officials"))])
    again = ix.decide([fp("b", STORY), fp("a", STORY)])
    assert again == [first[1], first[0]]
    assert again[1].status == "unique" and again[1].duplicate_of is None
    assert len(ix) == 3


def test_exact_near_and_coverage_count_distinct_sources() -> None:
    ix = MemoryDedupIndex()
    reworded = STORY.replace("signed", "concluded").replace("welcomed", "praised")
    d = ix.decide(
        [
            fp("a", STORY, source="Wire"),
            fp("b", STORY, source="Wire"),  # same outlet again
            fp("c", reworded, source="Herald"),
            fp("d", OTHER, source="Herald"),
        ]
    )
    assert [x.status for x in d] == ["unique", "exact", "near", "unique"]
    assert d[1].duplicate_of == d[2].duplicate_of == "a"
    assert d[0].cluster_id == d[1].cluster_id == d[2].cluster_id != d[3].cluster_id
    assert (d[1].articles, d[1].sources) == (2, 1)
    assert (d[2].articles, d[2].sources) == (3, 2)
    assert d[2].similarity is not None and 0.3 < d[2].similarity < 1.0
    assert ix.stats()["clusters"] == 1 and ix.stats()["stories"] == 2


def test_revision_by_id_or_url_is_never_a_duplicate() -> None:
    ix = MemoryDedupIndex()
    update = STORY + " Talks will resume in Tehran next month, the ministry added."
    d = ix.decide(
        [
            fp("a", STORY, url="https://x.example/1"),
            fp("a", update, url="https://x.example/1"),  # same id, new content
            fp("z", OTHER, url="https://x.example/2"),
            fp("z2", OTHER + " Updated at noon.", url="https://x.example/2"),  # same url
        ]
    )
    assert d[1].status == "unique" and d[1].revision_of == "a" and d[1].duplicate_of is None
    assert d[1].cluster_id == d[0].cluster_id
    assert d[3].status == "unique" and d[3].revision_of == "z"
    assert ix.decide([fp("a", update, url="https://x.example/1")]) == [d[1]]  # redelivered
    assert ix.decide([fp("a", STORY, url="https://x.example/1")]) == [d[0]]  # old version


def test_short_version_inside_long_one_is_near() -> None:
    ix = MemoryDedupIndex()
    short = " ".join(STORY.split(". ")[:2]) + "."
    d = ix.decide([fp("long", STORY), fp("short", short)])
    assert d[1].status == "near" and d[1].duplicate_of == "long"


def test_template_twins_with_other_figures_stay_unique() -> None:
    a = (
        "Turkey's exports to Iraq rose by 12 percent in March compared with the same month "
        "last year, reaching 1.14 billion dollars, according to the exporters assembly. Iraq "
        "was the fifth largest market for Turkish goods during the month."
    )
    b = (
        "Turkey's exports to Iraq fell by 4 percent in April compared with the same month "
        "last year, reaching 0.92 billion dollars, according to the exporters assembly. Iraq "
        "was the seventh largest market for Turkish goods during the month."
    )
    d = MemoryDedupIndex().decide([fp("m", a), fp("n", b, ts=6 * DAY)])
    assert d[1].status == "unique"


def test_window_is_event_time_and_expiry_is_counted() -> None:
    ix = MemoryDedupIndex(window_s=7 * DAY)
    d = ix.decide([fp("a", STORY, ts=0), fp("b", STORY, ts=8 * DAY), fp("c", STORY, ts=8 * DAY)])
    assert d[1].status == "unique"  # the original is out of the window
    assert d[2].status == "exact" and d[2].duplicate_of == "b"
    assert ix.stats()["expired"] == 1 and len(ix) == 2


def test_cap_evicts_oldest_first_and_counts() -> None:
    ix = MemoryDedupIndex(max_entries=3)
    for i in range(5):
        ix.decide([fp(f"x{i}", f"article number {i} on subject {i * 7} in town {i * 13}")])
    assert len(ix) == 3 and ix.stats()["evictions"] == 2
    d = ix.decide([fp("copy0", "article number 0 on subject 0 in town 0")])
    assert d[0].status == "unique"  # x0 was evicted
    d = ix.decide([fp("copy4", "article number 4 on subject 28 in town 52")])
    assert d[0].status == "exact" and d[0].duplicate_of == "x4"


def test_ring_reuse_keeps_lookups_right() -> None:
    ix = MemoryDedupIndex(max_entries=50)
    texts = [f"story {i} " + " ".join(f"w{i}x{j}" for j in range(30)) for i in range(400)]
    for i, t in enumerate(texts):
        assert ix.decide([fp(f"id{i}", t)])[0].status == "unique"
    for i in range(350, 400):  # still indexed: redelivery and copies are recognised
        assert ix.decide([fp(f"id{i}", texts[i])])[0].status == "unique"
        assert ix.decide([fp(f"cp{i}", texts[i])])[0].duplicate_of == f"id{i}"


def test_word_hashes_fold_case_and_digit_scripts() -> None:
    a, na = word_hashes("Trade rose 12 percent")
    b, nb = word_hashes("trade ROSE ١٢ percent")
    assert np.array_equal(a, b) and na == nb != 0
    c, nc = word_hashes("تجارت ۱۲ درصد")
    assert nc == na and c.size == 3


def test_boilerplate_free_text_decides_alike() -> None:
    from dyad.core.text import make_document

    def dedup_text(body: str) -> str:
        doc = make_document("t", body)
        return "\n".join(p for p in (doc.lead, doc.body) if p)

    footer = "\nRelated news\nOil prices edge higher\nCentral bank holds rates steady"
    d = MemoryDedupIndex().decide(
        [
            fp("a", dedup_text(STORY)),
            fp("b", dedup_text(STORY + footer)),
            fp("c", dedup_text(OTHER + footer)),
        ]
    )
    assert [x.status for x in d] == ["unique", "exact", "unique"]


def test_seed_articles_and_their_reprints() -> None:
    """The shared seed articles: distinct stories stay apart; a reprint of each
    (dateline added, a sentence dropped, another outlet's footer) joins it."""
    import json
    import re
    from pathlib import Path

    import pytest

    from dyad.core.text import make_document

    seeds = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "seeds.jsonl"
    if not seeds.exists():
        pytest.skip("the shared seeds folder is absent")

    def text(body: str) -> str:
        doc = make_document("", body)
        return "\n".join(p for p in (doc.lead, doc.body) if p)

    articles = [json.loads(line) for line in seeds.read_text("utf-8").splitlines() if line]
    ix = MemoryDedupIndex()
    for a in articles:
        assert ix.decide([fp(a["id"], text(a["body"]))])[0].status == "unique"
    for a in articles:
        sentences = re.split(r"(?<=[.!?])\s+", a["body"])
        del sentences[len(sentences) // 2]
        reprint = "CAPITAL (Wire) - " + " ".join(sentences) + "\nRelated news\nOther headline"
        d = ix.decide([fp("re-" + a["id"], text(reprint))])[0]
        assert d.status == "near" and d.duplicate_of == a["id"], (a["id"], d)
