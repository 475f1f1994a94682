from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from dyad.core.dedup import MemoryDedupIndex
from dyad.core.parse import Rejected
from dyad.core.pipeline import Analysis, InputRecord, Pipeline, dump
from dyad.core.text import Document


def _article(i: int, body: str, **extra: object) -> bytes:
    return orjson.dumps({"id": f"a{i}", "title": f"t{i}", "body": body, **extra})


def test_every_record_yields_exactly_one_output(pipeline: Pipeline) -> None:
    records = [
        InputRecord(_article(1, "Iran and Syria signed a trade deal in Damascus."), offset=0),
        InputRecord(b"not json", offset=1),
        InputRecord(None, offset=2),
        InputRecord(b'{"id": 5, "title": "x", "body": "y"}', offset=3),
        InputRecord(b"\xff\xfe", offset=4),
    ]
    outs = pipeline.process_batch(records, MemoryDedupIndex(), now=0.0)
    assert [o.record.offset for o in outs] == [0, 1, 2, 3, 4]
    assert [o.kind for o in outs] == [
        "event",
        "dead_letter",
        "dead_letter",
        "dead_letter",
        "dead_letter",
    ]
    reasons = [o.dead_letter.error.type for o in outs[1:] if o.dead_letter]
    assert reasons == ["invalid_json", "tombstone", "invalid_field", "invalid_utf8"]


def test_event_id_is_deterministic_and_redelivery_repeats_decision(pipeline: Pipeline) -> None:
    rec = InputRecord(_article(1, "Iran and Syria signed a trade deal in Damascus."))
    index = MemoryDedupIndex()
    first = pipeline.process_batch([rec], index, now=1.0)[0]
    again = pipeline.process_batch([rec], index, now=2.0)[0]
    assert first.event and again.event
    assert first.event.event_id == again.event.event_id
    assert again.event.dedup == first.event.dedup
    assert again.event.dedup.status == "unique"


def test_exact_copy_under_another_id_is_a_duplicate(pipeline: Pipeline) -> None:
    body = "Iran and Syria signed a trade deal in Damascus on Monday, officials said."
    index = MemoryDedupIndex()
    outs = pipeline.process_batch(
        [InputRecord(_article(1, body, source="A")), InputRecord(_article(2, body, source="B"))],
        index,
        now=0.0,
    )
    assert outs[1].kind == "duplicate"
    assert outs[1].event and outs[1].event.dedup.status == "exact"
    assert outs[1].event.dedup.duplicate_of == "a1"
    assert outs[1].event.dedup.coverage.sources == 2


def test_too_large_value_is_truncated_in_dead_letter() -> None:
    from dyad.core.pipeline import Pipeline as P

    p = P.default(max_bytes=2048)
    big = b'{"id":"x","title":"t","body":"' + b"a" * 100_000 + b'"}'
    out = p.process_batch([InputRecord(big)], MemoryDedupIndex(), now=0.0)[0]
    assert out.dead_letter is not None
    dl = out.dead_letter
    assert dl.error.type == "too_large"
    assert dl.raw_truncated and dl.raw_size == len(big)
    assert dl.raw is not None and len(dl.raw.encode()) == 64 * 1024


def _dedup_corpus() -> list[InputRecord]:
    path = Path(__file__).resolve().parents[1] / "data" / "dedup" / "corpus.jsonl"
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    return [InputRecord(orjson.dumps(row), offset=i) for i, row in enumerate(rows)]


def test_spliced_events_are_the_models_own_bytes(pipeline: Pipeline) -> None:
    """finish() splices the decision into pre-serialised bytes; they must equal a dump
    of the whole model with that decision, for uniques and every kind of duplicate."""
    records = _dedup_corpus()
    index = MemoryDedupIndex()
    analyses = [pipeline.analyse(r) for r in records]
    ok = [a for a in analyses if isinstance(a, Analysis)]
    decisions = index.decide([a.fingerprint for a in ok])
    outs = pipeline.finish(records, analyses, decisions, now=1_700_000_000.123)
    assert len({d.status for d in decisions}) >= 3  # unique and duplicates of several kinds
    assert any(d.similarity not in (None, 1.0) for d in decisions)
    events = [o for o in outs if o.kind != "dead_letter"]
    assert len(events) == len(ok)
    for out, a, d in zip(events, ok, decisions, strict=True):
        assert out.value == dump(pipeline.event(a, d, 1_700_000_000.123))
        assert out.kind == ("event" if d.status == "unique" else "duplicate")


def test_prepared_and_analysis_finish_alike(pipeline: Pipeline) -> None:
    records = _dedup_corpus()[:60] + [InputRecord(b"{bad", offset=99)]
    via_analysis = pipeline.process_batch(records, MemoryDedupIndex(), now=5.0)
    analyses = [pipeline.analyse(r) for r in records]
    prepared = [a if isinstance(a, Rejected) else pipeline.prepare(a) for a in analyses]
    fps = [a.fingerprint for a in analyses if isinstance(a, Analysis)]
    direct = pipeline.finish(records, prepared, MemoryDedupIndex().decide(fps), now=5.0)
    assert [(o.kind, o.key, o.value) for o in direct] == [
        (o.kind, o.key, o.value) for o in via_analysis
    ]
    assert direct[0].facts is not None and direct[0].facts.article_id == analyses[0].article.id


def test_a_batch_is_decided_in_event_time_whatever_the_interleaving(pipeline: Pipeline) -> None:
    """A batch mixes partitions: an article a month newer, from another partition, must
    not expire the original of a copy that comes after it in the batch."""
    body = (
        "Officials of the two neighbours met at the border crossing on Monday to agree on "
        "new customs procedures for lorries carrying fruit, cement and spare parts. "
    ) * 4
    other = "A separate story about a vaccination campaign for herders in the dry north. " * 4

    def rec(art_id: str, text: str, day: int, offset: int) -> InputRecord:
        value = orjson.dumps(
            {
                "id": art_id,
                "title": "",
                "body": text,
                "published_at": f"2025-03-{day:02d}T09:00:00Z",
            }
        )
        return InputRecord(value, partition=offset % 2, offset=offset)

    batch = [rec("orig", body, 1, 0), rec("later", other, 30, 1), rec("copy", body, 2, 2)]
    outs = pipeline.process_batch(batch, MemoryDedupIndex(), now=0.0)
    assert [o.record.offset for o in outs] == [0, 1, 2]  # outputs stay in input order
    copy = orjson.loads(outs[2].value)
    assert copy["dedup"]["status"] == "exact" and copy["dedup"]["duplicate_of"] == "orig"
    assert orjson.loads(outs[1].value)["dedup"]["status"] == "unique"


def test_a_batch_analysed_stage_by_stage_is_each_record_analysed_alone(
    pipeline: Pipeline,
) -> None:
    records = _dedup_corpus()[:80] + [InputRecord(b"{bad", offset=99)]
    alone = [pipeline.analyse_many([r]) for r in records]
    together = pipeline.analyse_many(records)
    assert len(together) == len(records)
    for [a], b in zip(alone, together, strict=True):
        if isinstance(a, Rejected):
            assert a == b
        else:
            assert not isinstance(b, Rejected)
            assert (a.key, a.head, a.tail, a.facts) == (b.key, b.head, b.tail, b.facts)
            assert a.fingerprint.content_hash == b.fingerprint.content_hash
            assert (a.fingerprint.signature == b.fingerprint.signature).all()


def test_a_record_failing_a_stage_is_rejected_alone(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _dedup_corpus()[:6]
    bad = orjson.loads(records[2].value or b"")["id"]
    real = pipeline.sectors.classify

    def classify(doc: Document) -> object:
        if doc.title == orjson.loads(records[2].value or b"")["title"]:
            raise RuntimeError("boom")
        return real(doc)

    monkeypatch.setattr(pipeline.sectors, "classify", classify)
    failed: list[tuple[int, Exception]] = []

    def on_error(record: InputRecord, e: Exception) -> Rejected:
        failed.append((record.offset, e))
        return Rejected("internal_error", str(e))

    out = pipeline.analyse_many(records, on_error)
    assert [(o, str(e)) for o, e in failed] == [(2, "boom")]
    assert out[2] == Rejected("internal_error", "boom")
    assert [isinstance(o, Rejected) for o in out] == [False, False, True, False, False, False]
    assert bad not in [o.facts.article_id for o in out if not isinstance(o, Rejected)]
    with pytest.raises(RuntimeError, match="boom"):
        pipeline.analyse_many(records)  # without a handler the error propagates
