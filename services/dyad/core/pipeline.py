"""The pure pipeline: input record -> analysis -> (dedup decision) -> event or dead letter.

Split in two steps around the dedup index so that an index behind I/O (Redis)
can decide a whole batch in one round trip:

    analyses = pipeline.analyse_many(records)               # pure, stateless
    decisions = index.decide([a.fingerprint for a in ok])   # the only state
    outputs = pipeline.finish(records, analyses, decisions, now)

`analyse_many` runs the analysis stage by stage over the records (core/stages.py:
each stage's tables stay in the CPU caches, the fingerprints are made together)
and serialises each event up to the decision (core/prepared.py), so what crosses
from an analysis helper to the service is bytes, not models, and `finish` only
splices the decision and the time in. `Pipeline.process_batch` chains the three
for a synchronous in-process index; `dyad classify` and the streaming runner
share all of it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pydantic_core

from dyad.core.countries import METHOD_VERSION as COUNTRY_METHOD
from dyad.core.countries import CountryRecognizer, CountryResult, Gazetteer
from dyad.core.dedup import (
    Decision,
    DedupIndex,
    Fingerprint,
    fingerprint,
    in_input_order,
    time_order,
)
from dyad.core.dedup_batch import Item, fingerprints
from dyad.core.models import (
    SCHEMA_VERSION,
    ArticleRef,
    DeadLetter,
    EnrichedEvent,
    ErrorInfo,
    RawArticle,
    SourceRef,
)
from dyad.core.parse import DEFAULT_MAX_BYTES, Rejected, parse_article
from dyad.core.prepared import EventFacts, Prepared, around, dedup_info, splice
from dyad.core.sectors import SectorClassifier, SectorResult, Taxonomy
from dyad.core.stages import OnError, StageRun
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


def _dedup_item(record: InputRecord, art: RawArticle, doc: Document) -> Item:
    """fingerprint()'s arguments: the time is published_at, else the record's."""
    ts = parse_time(art.published_at)
    if ts is None and record.timestamp_ms is not None:
        ts = record.timestamp_ms / 1000.0
    text = "\n".join(p for p in (doc.lead, doc.body) if p)
    return (art.id, art.url, art.source, text, ts or 0.0)


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
        self.classifier_version = (
            f"{CODE_VERSION}.g-{gazetteer.version}-m{COUNTRY_METHOD}.t-{taxonomy.version}"
        )

    @classmethod
    def default(cls, max_bytes: int = DEFAULT_MAX_BYTES) -> Pipeline:
        return cls(Gazetteer.load(), Taxonomy.load(), max_bytes)

    def analyse(self, record: InputRecord) -> Analysis | Rejected:
        return self.analyse_batch([record])[0]

    def analyse_batch(
        self, records: Sequence[InputRecord], failed: OnError | None = None
    ) -> list[Analysis | Rejected]:
        """analyse() of each record, one stage after the other over the whole batch: a
        stage's tables stay in the CPU caches from one record to the next, and the
        fingerprints are made together (core/dedup_batch.py). `failed` turns a record's
        exception into its rejection; without it, the exception propagates."""
        run = StageRun(records, failed)
        arts = run.each(lambda i: parse_article(records[i].value, self.max_bytes), run.todo)
        docs = run.each(lambda i: make_document(arts[i].title, arts[i].body), arts)
        items = run.each(lambda i: _dedup_item(records[i], arts[i], docs[i]), docs)
        try:
            fps = dict(zip(items, fingerprints(list(items.values())), strict=True))
        except Exception:
            if failed is None:
                raise
            fps = run.each(lambda i: fingerprint(*items[i]), items)  # find the one at fault
        countries = run.each(lambda i: self.countries.recognise(docs[i]), fps)
        sectors = run.each(lambda i: self.sectors.classify(docs[i]), countries)
        done = run.each(
            lambda i: Analysis(
                arts[i], docs[i], fps[i], countries[i], sectors[i], event_id_of(arts[i])
            ),
            sectors,
        )
        return run.results(done)

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
        """The event serialised around its decision and its time (core/prepared.py),
        written from its parts without building the event (the same bytes)."""
        art = a.article
        pair = a.countries.pair
        head, tail = around(
            {
                "schema_version": SCHEMA_VERSION,
                "event_id": a.event_id,
                "article": {  # ArticleRef's fields, in order
                    "id": art.id,
                    "url": art.url,
                    "source": art.source,
                    "title": art.title,
                    "published_at": art.published_at,
                    "language": art.language,
                },
            },
            {
                "countries": a.countries.countries,
                "pair": pair,
                "sectors": a.sectors.sectors,
                "primary_sector": a.sectors.primary,
                "classifier_version": self.classifier_version,
            },
        )
        key = "-".join(pair.countries) if pair else art.id
        facts = EventFacts(
            article_id=art.id,
            title=art.title,
            source=art.source,
            language=art.language,
            pair="-".join(pair.countries) if pair else "none",
            primary_sector=a.sectors.primary,
            sector_ids=tuple(s.id for s in a.sectors.sectors),
            classifier_version=self.classifier_version,
        )
        return Prepared(a.fingerprint, key.encode("utf-8"), head, tail, facts)

    def analyse_prepared(self, record: InputRecord) -> Prepared | Rejected:
        return self.analyse_many([record])[0]

    def analyse_many(
        self, records: Sequence[InputRecord], failed: OnError | None = None
    ) -> list[Prepared | Rejected]:
        """analyse_prepared() of each record, stage by stage (see analyse_batch)."""
        analyses = self.analyse_batch(records, failed)
        run = StageRun(records, failed)
        ok = {i: a for i, a in enumerate(analyses) if not isinstance(a, Rejected)}
        run.rejected = {i: a for i, a in enumerate(analyses) if isinstance(a, Rejected)}
        return run.results(run.each(lambda i: self.prepare(ok[i]), ok))

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
        analyses = self.analyse_many(records)
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
