from __future__ import annotations

import orjson

from dyad.core.dedup import MemoryDedupIndex
from dyad.core.pipeline import InputRecord, Pipeline


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
