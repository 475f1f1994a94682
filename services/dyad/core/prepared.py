"""An event serialised before its dedup decision: cheap to hand between processes.

Only two parts of an event depend on state the analysis does not have: the
`dedup` object (the index's decision) and `processed_at` (the clock). The rest is
serialised once, as the two byte strings around them; finishing the event is then
a concatenation. The bytes are pydantic-core's own (the fields before and after
the dedup object are written by the same serialiser, in the model's order), so a
spliced event is byte for byte what `dump(EnrichedEvent(...))` gives with the real
decision: tests/unit/test_pipeline.py checks it over a corpus.

Between processes this hands over bytes, a fingerprint and a few strings instead
of pickled pydantic models (measured: an Analysis pickles to ~10 KB, 90 µs to
pickle and 200 µs to unpickle; see bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pydantic_core

from dyad.core.dedup import Decision, Fingerprint
from dyad.core.models import ArticleRef, Coverage, DedupInfo, EnrichedEvent

# around() writes the fields in this order: a change to the models must change it too
_EVENT_FIELDS = (
    *("schema_version", "event_id", "article", "dedup", "countries", "pair"),
    *("sectors", "primary_sector", "classifier_version", "processed_at"),
)
_ARTICLE_FIELDS = ("id", "url", "source", "title", "published_at", "language")
if (
    tuple(EnrichedEvent.model_fields) != _EVENT_FIELDS
    or tuple(ArticleRef.model_fields) != _ARTICLE_FIELDS
):
    raise ImportError("prepared.around writes another field order than the event model's")


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


def around(head: dict[str, object], rest: dict[str, object]) -> tuple[bytes, bytes]:
    """An event's bytes before and after its dedup object, written from its fields:
    `head` holds those before (schema_version, event_id, article), `rest` those from
    countries to classifier_version, each in the model's field order.

    The serialiser is the model's own (pydantic-core), nested models included, so the
    bytes are those the whole event's dump holds there, without building the event
    (its models cost more than writing it); tests/unit/test_pipeline.py checks it.
    """
    before = pydantic_core.to_json(head)
    after = pydantic_core.to_json(rest)
    return before[:-1] + b',"dedup":', b"," + after[1:-1] + b',"processed_at":'


def splice(p: Prepared, d: Decision, processed_at_json: bytes) -> bytes:
    """The finished event: `processed_at_json` is the time as a JSON string, quotes included."""
    return b"".join((p.head, dedup_json(d), p.tail, processed_at_json, b"}"))
