"""An event serialised before its dedup decision: cheap to hand between processes.

Only two parts of an event depend on state the analysis does not have: the
`dedup` object (the index's decision) and `processed_at` (the clock). The rest is
serialised once, as the two byte strings around them; finishing the event is then
a concatenation. The bytes are pydantic-core's own (the event is built with a
placeholder decision and cut), so a spliced event is byte for byte what
`dump(EnrichedEvent(...))` gives with the real decision: tests/unit/test_pipeline.py
checks it over a corpus.

Between processes this hands over bytes, a fingerprint and a few strings instead
of pickled pydantic models (measured: an Analysis pickles to ~10 KB, 90 µs to
pickle and 200 µs to unpickle; see bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pydantic_core

from dyad.core.dedup import Decision, Fingerprint
from dyad.core.models import Coverage, DedupInfo

# Any decision serves as the placeholder: only its position in the bytes matters.
PLACEHOLDER = Decision("unique", None, None, "placeholder", None, 1, 1)
PLACEHOLDER_TIME = "1970-01-01T00:00:00.000Z"
_TIME_END = b',"processed_at":"' + PLACEHOLDER_TIME.encode() + b'"}'


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What the counters and the live page need of an event, without parsing it."""

    article_id: str
    title: str
    source: str | None
    language: str | None
    pair: str  # "IR-SY", or "none"
    primary_sector: str | None
    sector_ids: tuple[str, ...]
    classifier_version: str


@dataclass(frozen=True, slots=True)
class Prepared:
    fingerprint: Fingerprint
    key: bytes
    head: bytes  # the event's JSON up to and including '"dedup":'
    tail: bytes  # from the comma after the dedup object up to and including '"processed_at":'
    facts: EventFacts


def dedup_info(d: Decision) -> DedupInfo:
    return DedupInfo(
        status=d.status,
        duplicate_of=d.duplicate_of,
        similarity=d.similarity,
        cluster_id=d.cluster_id,
        revision_of=d.revision_of,
        coverage=Coverage(articles=d.articles, sources=d.sources),
    )


def dedup_json(d: Decision) -> bytes:
    # A dict in DedupInfo's field order, written by the same serialiser as the model.
    return pydantic_core.to_json(
        {
            "status": d.status,
            "duplicate_of": d.duplicate_of,
            "similarity": d.similarity,
            "cluster_id": d.cluster_id,
            "revision_of": d.revision_of,
            "coverage": {"articles": d.articles, "sources": d.sources},
        }
    )


_PLACEHOLDER_DEDUP = b'"dedup":' + dedup_json(PLACEHOLDER)


def cut(value: bytes) -> tuple[bytes, bytes]:
    """Splits an event serialised with PLACEHOLDER and PLACEHOLDER_TIME into head and tail.

    The dedup object follows the article, whose strings cannot hold an unescaped
    quote, so the first '"dedup":{...' at this spot is the event's own.
    """
    at = value.index(_PLACEHOLDER_DEDUP)
    if not value.endswith(_TIME_END):
        raise ValueError("the event does not end with the placeholder time")
    head = value[: at + len(b'"dedup":')]
    tail = value[at + len(_PLACEHOLDER_DEDUP) : len(value) - len(_TIME_END)]
    return head, tail + b',"processed_at":'


def splice(p: Prepared, d: Decision, processed_at_json: bytes) -> bytes:
    """The finished event: `processed_at_json` is the time as a JSON string, quotes included."""
    return b"".join((p.head, dedup_json(d), p.tail, processed_at_json, b"}"))
