"""A few thousand hostile messages through the running service: each gets exactly one
outcome, on the right side (an event for a valid article, a dead letter with the
expected reason for anything else), and the service neither crashes nor stalls."""

from __future__ import annotations

import json
import random
from typing import Any

import orjson

from tests.integration.kafka_io import audit, consume_until, produce

MB = 1_048_576
EVENT = "event"


def _art(i: int, body: str, title: str = "t", **extra: object) -> bytes:
    return orjson.dumps({"id": f"h-{i}", "title": title, "body": body, **extra})


def hostile_case(i: int, rng: random.Random) -> tuple[bytes | None, bytes | None, str]:
    """(value, key, expected outcome: "event" or the dead letter's reason)."""
    kind = i % 24
    cases: dict[int, tuple[bytes | None, str]] = {
        0: (b"{not json " + str(i).encode(), "invalid_json"),
        1: (b"\xff\xfe" + rng.randbytes(40), "invalid_utf8"),
        2: (b"\xef\xbb\xbf" + _art(i, "Iran and Syria signed a trade deal."), EVENT),
        3: (_art(i, "Iran\x00 and\x01 Syria\x7f met \x1b[31m in Damascus."), EVENT),
        4: (b"[" * 10_000 + b"]" * 10_000, "invalid_json"),
        5: (b'{"id": %d, "title": "t", "body": "b"}' % i, "invalid_field"),
        6: (b"", "empty"),
        7: (None, "tombstone"),
        8: (_art(i, "b").replace(b'"h-', b'"' + b"x" * 100_000), "invalid_field"),
        9: (b'{"id": "h-%d", "title": "t", "body": NaN}' % i, "invalid_json"),
        10: (b'{"id": "h-%d", "title": "", "body": "", "n": ' % i + b"9" * 10_000 + b"}", ""),
        11: (b'{"id": "h-%d", "id": "z", "title": "t", "body": "b"}' % i, "duplicate_key"),
        12: (_art(i, "\u202eairyS dna narI\u202c signed \u2067a deal\u2069."), EVENT),
        13: (_art(i, "<script>alert('Iran')</script> '; DROP TABLE x;-- Syria"), EVENT),
        14: (_art(i, "", title=""), EVENT),
        15: (b'{"id": "h-%d", "title": null, "body": "b"}' % i, "invalid_field"),
        16: (b'"a string"', "not_an_object"),
        17: (_art(i, "France " * 20_000), EVENT),
        18: (_art(i, "Iran " + "\u0301" * 5000 + " Syria"), EVENT),
        19: (b'{"id": "h-%d", "title": "t", "body": "\\ud800"}' % i, "invalid_json"),
        20: (b"\x00" * 64, "invalid_json"),
        21: (_art(i, f"Egypt and Saudi Arabia {rng.random()} \U0001f600" * 5), EVENT),
        22: (b'{"title": "no id", "body": "b"}', "missing_field"),
        23: (_art(i, "metadata", metadata={"deep": [[[[{"k": [1, 2, None]}]]]]}), EVENT),
    }
    value, expected = cases[kind]
    key = b"k" * 100_000 if i % 97 == 0 else None  # a huge key now and then
    return value, key, expected


def big_values() -> list[tuple[bytes | None, bytes | None, str]]:
    """Values of 1 to 8 MB (over DYAD_MAX_MESSAGE_BYTES), and a huge key on a bad value."""
    out: list[tuple[bytes | None, bytes | None, str]] = []
    for size in (MB + 1, 2 * MB, 4 * MB, 8 * MB - 4096):
        body = "é" * (size // 2)  # two bytes each: the value is a little over `size`
        out.append(
            (
                json.dumps(
                    {"id": f"big-{size}", "title": "", "body": body}, ensure_ascii=False
                ).encode(),
                None,
                "too_large",
            )
        )
    out.append((b"{bad", b"K" * (2 * MB), "invalid_json"))  # its dead letter drops the key
    return out


def test_hostile_stream_each_value_one_outcome(
    broker: Any, topics: Any, start_service: Any
) -> None:
    rng = random.Random(5)
    cases = [hostile_case(i, rng) for i in range(2400)] + big_values()
    values = [c[0] for c in cases]
    keys = [c[1] for c in cases]
    positions = produce(broker.bootstrap, topics.input, values, keys)
    svc = start_service(topics, env={"DYAD_BATCH_MAX_RECORDS": "200"})
    svc.wait_ready(90)

    def finished(records: list[Any]) -> bool:
        return not audit(values, positions, records, topics.input, topics.dlq)["lost"]

    records = consume_until(broker.bootstrap, topics.outputs, finished, timeout=180, settle=2)
    result = audit(values, positions, records, topics.input, topics.dlq)
    assert not result["lost"], f"{len(result['lost'])} without outcome: {result['lost'][:5]}"
    assert not result["unknown"] and not result["repeated"] and not result["inconsistent"]
    assert len(records) == len(values), "exactly one outcome each"

    by_position = {pos: i for i, pos in enumerate(positions)}
    wrong: list[tuple[int, str, str]] = []
    for rec in records:
        doc = orjson.loads(rec.value)
        assert len(rec.value) + len(rec.key or b"") < MB, "every output fits the output limit"
        if rec.topic == topics.dlq:
            i = by_position[(doc["source"]["partition"], doc["source"]["offset"])]
            got = doc["error"]["type"]
            assert doc["error"]["message"], doc["error"]
            if cases[i][0] is not None and len(cases[i][0]) > MB:
                assert doc["raw_truncated"] and doc["raw_size"] == len(cases[i][0])
                assert len(doc["raw_sha256"]) == 64
        else:
            aid = doc["article"]["id"]
            i = int(aid.removeprefix("h-")) if aid.startswith("h-") else -1
            got = EVENT
        expected = cases[i][2] if i >= 0 else "too_large"
        if expected and got != expected:
            wrong.append((i, expected, got))
    assert not wrong, f"{len(wrong)} on the wrong side, e.g. {wrong[:5]}"
    assert svc.proc.poll() is None
    svc.terminate()
    assert svc.wait(15) == 0
