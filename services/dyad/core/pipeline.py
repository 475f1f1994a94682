"""The pure pipeline: input record -> analysis -> (dedup decision) -> event or dead letter.

Split in two steps around the dedup index so that an index behind I/O (Redis)
can decide a whole batch in one round trip:

    analyses = [pipeline.analyse_prepared(r) for r in records]  # pure, stateless
    decisions = index.decide([a.fingerprint for a in ok])        # the only state
    outputs = pipeline.finish(records, analyses, decisions, now)

`analyse_prepared` serialises the event up to the decision (core/prepared.py), so
what crosses from an analysis helper to the service is bytes, not models, and
`finish` only splices the decision and the time in. `Pipeline.process_batch`
chains the three for a synchronous in-process index; `dyad classify` and the
streaming runner share all of it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pydantic_core

from dyad.core.countries import CountryRecognizer, CountryResult, Gazetteer
from dyad.core.dedup import (
    Decision,
    DedupIndex,
    Fingerprint,
    fingerprint,
    in_input_order,
    time_order,
)
from dyad.core.models import (
    ArticleRef,
    DeadLetter,
    EnrichedEvent,
    ErrorInfo,
    RawArticle,
    SourceRef,
)
from dyad.core.parse import DEFAULT_MAX_BYTES, Rejected, parse_article
from dyad.core.prepared import PLACEHOLDER, EventFacts, Prepared, cut, dedup_info, splice
from dyad.core.sectors import SectorClassifier, SectorResult, Taxonomy
from dyad.core.text import Document, make_document

CODE_VERSION = "1"
RAW_KEEP_BYTES = 64 * 1024
OutputKind = Literal["event", "duplicate", "dead_letter"]


@dataclass(frozen=True, slots=True)
class InputRecord:
    value: bytes | None
    key: bytes | None = None
    topic: str = "-"
    partition: int = 0
    offset: int = 0
    timestamp_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    article: RawArticle
    document: Document
    fingerprint: Fingerprint
    countries: CountryResult
    sectors: SectorResult
    event_id: str


@dataclass(frozen=True, slots=True)
class Output:
    """One message to publish: every input record yields exactly one."""

    kind: OutputKind
    key: bytes
    value: bytes
    record: InputRecord
    dead_letter: DeadLetter | None = None
    # Events carry what the counters need; the model itself is parsed back on demand.
    facts: EventFacts | None = None
    decision: Decision | None = None
    processed_at: str | None = None

    @property
    def event(self) -> EnrichedEvent | None:
        if self.facts is None:
            return None
        return EnrichedEvent.model_validate_json(self.value)


def rfc3339(ts: float) -> str:
    return (
        datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def parse_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def event_id_of(article: RawArticle) -> str:
    """Deterministic: the identity of the input (id and content), nothing else."""
    h = hashlib.sha256()
    for part in (article.id, article.title, article.body):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


class Pipeline:
    def __init__(
        self,
        gazetteer: Gazetteer,
        taxonomy: Taxonomy,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.countries = CountryRecognizer(gazetteer)
        self.sectors = SectorClassifier(taxonomy)
        self.max_bytes = max_bytes
        self.classifier_version = f"{CODE_VERSION}.g-{gazetteer.version}.t-{taxonomy.version}"

    @classmethod
    def default(cls, max_bytes: int = DEFAULT_MAX_BYTES) -> Pipeline:
        return cls(Gazetteer.load(), Taxonomy.load(), max_bytes)

    def analyse(self, record: InputRecord) -> Analysis | Rejected:
        parsed = parse_article(record.value, self.max_bytes)
        if isinstance(parsed, Rejected):
            return parsed
        doc = make_document(parsed.title, parsed.body)
        ts = parse_time(parsed.published_at)
        if ts is None and record.timestamp_ms is not None:
            ts = record.timestamp_ms / 1000.0
        dedup_text = "\n".join(p for p in (doc.lead, doc.body) if p)
        fp = fingerprint(parsed.id, parsed.url, parsed.source, dedup_text, ts or 0.0)
        return Analysis(
            article=parsed,
            document=doc,
            fingerprint=fp,
            countries=self.countries.recognise(doc),
            sectors=self.sectors.classify(doc),
            event_id=event_id_of(parsed),
        )

    def event(self, a: Analysis, d: Decision, now: float) -> EnrichedEvent:
        art = a.article
        return EnrichedEvent(
            event_id=a.event_id,
            article=ArticleRef(
                id=art.id,
                url=art.url,
                source=art.source,
                title=art.title,
                published_at=art.published_at,
                language=art.language,
            ),
            dedup=dedup_info(d),
            countries=a.countries.countries,
            pair=a.countries.pair,
            sectors=a.sectors.sectors,
            primary_sector=a.sectors.primary,
            classifier_version=self.classifier_version,
            processed_at=rfc3339(now),
        )

    def prepare(self, a: Analysis) -> Prepared:
        """The event serialised around its decision and its time (core/prepared.py)."""
        ev = self.event(a, PLACEHOLDER, 0.0)
        head, tail = cut(dump(ev))
        key = "-".join(ev.pair.countries) if ev.pair else ev.article.id
        facts = EventFacts(
            article_id=ev.article.id,
            title=ev.article.title,
            source=ev.article.source,
            language=ev.article.language,
            pair="-".join(ev.pair.countries) if ev.pair else "none",
            primary_sector=ev.primary_sector,
            sector_ids=tuple(s.id for s in ev.sectors),
            classifier_version=ev.classifier_version,
        )
        return Prepared(a.fingerprint, key.encode("utf-8"), head, tail, facts)

    def analyse_prepared(self, record: InputRecord) -> Prepared | Rejected:
        a = self.analyse(record)
        return a if isinstance(a, Rejected) else self.prepare(a)

    def dead_letter(self, record: InputRecord, rejected: Rejected, now: float) -> DeadLetter:
        return dead_letter_of(record, rejected.reason, rejected.message, now)

    def finish(
        self,
        records: Sequence[InputRecord],
        analyses: Sequence[Prepared | Analysis | Rejected],
        decisions: Sequence[Decision],
        now: float,
    ) -> list[Output]:
        """Pair each record with its outcome; `decisions` follow the non-rejected analyses."""
        outputs: list[Output] = []
        pending = iter(decisions)
        stamp = rfc3339(now)
        stamp_json = pydantic_core.to_json(stamp)
        for record, analysis in zip(records, analyses, strict=True):
            if isinstance(analysis, Rejected):
                dl = self.dead_letter(record, analysis, now)
                outputs.append(dead_letter_output(record, dl))
                continue
            p = analysis if isinstance(analysis, Prepared) else self.prepare(analysis)
            d = next(pending)
            kind: OutputKind = "event" if d.status == "unique" else "duplicate"
            value = splice(p, d, stamp_json)
            outputs.append(Output(kind, p.key, value, record, None, p.facts, d, stamp))
        return outputs

    def process_batch(
        self, records: Sequence[InputRecord], index: DedupIndex, now: float
    ) -> list[Output]:
        analyses = [self.analyse_prepared(r) for r in records]
        fps = [a.fingerprint for a in analyses if not isinstance(a, Rejected)]
        order = time_order(fps)
        decisions = in_input_order(index.decide([fps[i] for i in order]), order)
        return self.finish(records, analyses, decisions, now)


def dump(model: EnrichedEvent | DeadLetter) -> bytes:
    # pydantic-core writes JSON straight from the model, with no dict in between: the same
    # bytes as orjson over model_dump(mode="json"), about a third cheaper (bench/).
    return pydantic_core.to_json(model)


def dead_letter_output(record: InputRecord, dl: DeadLetter) -> Output:
    key = record.key if record.key is not None else f"{record.partition}-{record.offset}".encode()
    return Output("dead_letter", key, dump(dl), record, dead_letter=dl)


def dead_letter_of(record: InputRecord, reason: str, message: str, now: float) -> DeadLetter:
    value = record.value
    raw: str | None = None
    encoding: Literal["utf-8", "base64"] = "utf-8"
    truncated = False
    if value is not None:
        kept = value[:RAW_KEEP_BYTES]
        truncated = len(value) > RAW_KEEP_BYTES
        try:
            raw = kept.decode("utf-8")
        except UnicodeDecodeError as e:
            if truncated and e.start >= len(kept) - 3:
                raw = kept[: e.start].decode("utf-8")  # the cut split a character
            else:
                raw, encoding = base64.b64encode(kept).decode("ascii"), "base64"
    key_text = None
    if record.key is not None:
        key_text = record.key[:1024].decode("utf-8", "replace")
    return DeadLetter(
        error=ErrorInfo(type=reason, message=message),
        source=SourceRef(topic=record.topic, partition=record.partition, offset=record.offset),
        raw=raw,
        raw_encoding=encoding,
        raw_truncated=truncated,
        raw_size=len(value) if value is not None else 0,
        raw_sha256=hashlib.sha256(value).hexdigest() if value is not None else None,
        key=key_text,
        received_at=rfc3339(now),
    )
