"""dyad run against a real broker: every input ends as exactly one output."""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

import orjson

from tests.integration.kafka_io import article, consume, produce

STORIES = [
    ("Iran and Syria agreed in Damascus to expand trade and customs cooperation.", "IR-SY"),
    ("India and Japan signed a deal on high-speed railway financing in Tokyo.", "IN-JP"),
    ("Egypt and Saudi Arabia discussed electricity grid links and power plants.", "EG-SA"),
    ("France and Germany launched a joint satellite and telecom programme.", "DE-FR"),
]
MALFORMED: list[bytes | None] = [
    b"{not json",
    b'{"id": 1, "title": "t", "body": "b"}',
    b'{"title": "no id", "body": "b"}',
    b"[1, 2, 3]",
    b"\xff\xfe\x00garbage",
    None,
    b"",
]


WORDS = (
    "minister delegation agreement talks cooperation project market company official ministry "
    "council committee plan investment programme summit week statement capital region contract "
    "border agency network share price growth meeting visit budget report season farmers factory "
    "students hospital port railway cement pipeline bank loan aid drought tourists"
).split()


def make_body(rng: random.Random, i: int) -> str:
    """A distinct article: a story lead and a paragraph of varied words."""
    text, _ = STORIES[i % len(STORIES)]
    filler = " ".join(rng.choice(WORDS) for _ in range(60))
    return f"{text} {filler.capitalize()}."


def make_stream(n: int, seed: int = 7, prefix: str = "") -> list[bytes | None]:
    """n values: mostly distinct articles, some exact republications, some malformed."""
    rng = random.Random(seed)
    values: list[bytes | None] = []
    bodies: list[str] = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.05:
            values.append(MALFORMED[i % len(MALFORMED)])
            continue
        if roll < 0.12 and bodies:
            body = rng.choice(bodies)  # an exact republication under a new id and outlet
        else:
            body = make_body(rng, i)
            bodies.append(body)
        values.append(article(i, body, source=f"outlet-{i % 9}", id=f"{prefix}art-{i}"))
    return values


def account(
    values: list[bytes | None], positions: list[tuple[int, int]], records: list[Any], topics: Any
) -> tuple[Counter[str], list[str]]:
    """Maps outputs back to inputs; returns how often each input was answered, and problems."""
    answered: Counter[str] = Counter()
    problems: list[str] = []
    by_position = {pos: i for i, pos in enumerate(positions)}
    ids = {}
    for i, v in enumerate(values):
        try:
            doc = orjson.loads(v) if v else None
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("id"), str) and "body" in doc:
            ids[doc["id"]] = i
    for rec in records:
        doc = orjson.loads(rec.value)
        if rec.topic == topics.dlq:
            src = doc["source"]
            idx = by_position.get((src["partition"], src["offset"]))
            if idx is None or src["topic"] != topics.input:
                problems.append(f"dead letter for an unknown input: {src}")
                continue
            if not doc["error"]["type"] or not doc["error"]["message"]:
                problems.append(f"dead letter without a reason: {doc['error']}")
            answered[f"#{idx}"] += 1
        else:
            idx = ids.get(doc["article"]["id"])
            if idx is None:
                problems.append(f"event for an unknown article {doc['article']['id']}")
                continue
            answered[f"#{idx}"] += 1
    return answered, problems


def test_stream_every_input_exactly_once(broker: Any, topics: Any, start_service: Any) -> None:
    values = make_stream(600)
    positions = produce(broker.bootstrap, topics.input, values)
    svc = start_service(topics)
    svc.wait_ready(30)
    records = consume(broker.bootstrap, topics.outputs, len(values), timeout=90, settle=2)
    answered, problems = account(values, positions, records, topics)
    assert not problems, problems[:5]
    missing = [i for i in range(len(values)) if answered[f"#{i}"] == 0]
    extra = {k: n for k, n in answered.items() if n > 1}
    assert not missing, f"{len(missing)} inputs without output, e.g. {missing[:5]}"
    assert not extra, f"inputs answered more than once: {list(extra.items())[:5]}"
    assert len(records) == len(values)
    by_topic = Counter(r.topic for r in records)
    assert by_topic[topics.dlq] == sum(1 for v in values if v in MALFORMED)
    assert by_topic[topics.duplicates] > 0
    dup = next(orjson.loads(r.value) for r in records if r.topic == topics.duplicates)
    assert dup["dedup"]["status"] == "exact" and dup["dedup"]["duplicate_of"]
    ev = next(orjson.loads(r.value) for r in records if r.topic == topics.output)
    key = next(r.key for r in records if r.topic == topics.output)
    assert ev["pair"] is not None and key == "-".join(ev["pair"]["countries"]).encode()
    stats = svc.stats()
    assert stats["counts"]["in"] == len(values)
    assert stats["counts"]["dead_letters"] == by_topic[topics.dlq]
    metrics = svc.get("/metrics").text
    assert f"dyad_messages_in_total {float(len(values))}" in metrics
    svc.terminate()
    assert svc.wait(15) == 0


def test_restart_resumes_from_committed_offsets(
    broker: Any, topics: Any, start_service: Any
) -> None:
    first = make_stream(150, seed=1, prefix="a")
    pos1 = produce(broker.bootstrap, topics.input, first)
    svc = start_service(topics)
    svc.wait_ready(30)
    consume(broker.bootstrap, topics.outputs, len(first), timeout=60, settle=0)
    svc.terminate()
    assert svc.wait(15) == 0
    second = make_stream(150, seed=2, prefix="b")
    pos2 = produce(broker.bootstrap, topics.input, second)
    svc2 = start_service(topics)
    svc2.wait_ready(30)
    total = len(first) + len(second)
    records = consume(broker.bootstrap, topics.outputs, total, timeout=60, settle=2)
    answered, problems = account(first + second, pos1 + pos2, records, topics)
    assert not problems, problems[:5]
    assert all(answered[f"#{i}"] == 1 for i in range(total)), "lost or repeated across restart"
    svc2.terminate()
    assert svc2.wait(15) == 0


def test_sigterm_mid_stream_loses_nothing(broker: Any, topics: Any, start_service: Any) -> None:
    values = make_stream(3000, seed=3, prefix="c")
    positions = produce(broker.bootstrap, topics.input, values)
    svc = start_service(topics, env={"DYAD_BATCH_MAX_RECORDS": "50"})
    svc.wait_ready(30)
    deadline = time.monotonic() + 30
    while svc.stats()["counts"]["in"] < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    svc.terminate()
    t0 = time.monotonic()
    assert svc.wait(15) == 0
    assert time.monotonic() - t0 < 10, "SIGTERM must drain and exit within 10 s"
    partial = consume(broker.bootstrap, topics.outputs, 1, timeout=10, settle=1)
    assert 0 < len(partial) < len(values), "the stop should land mid-stream"
    svc2 = start_service(topics)
    svc2.wait_ready(30)
    records = consume(broker.bootstrap, topics.outputs, len(values), timeout=120, settle=2)
    answered, problems = account(values, positions, records, topics)
    assert not problems, problems[:5]
    missing = [i for i in range(len(values)) if answered[f"#{i}"] == 0]
    assert not missing, f"{len(missing)} lost"
    # A graceful stop commits what it published: nothing is answered twice.
    assert len(records) == len(values)
    svc2.terminate()
    assert svc2.wait(15) == 0
