"""kill -9 at random moments during a stream: nothing lost, every repeat identical.

Fast by default (a few kills in a short stream); DYAD_SOAK_KILL=1 runs the issue's
version: 20 kills during a 20,000-article stream. Outputs are grouped by the input
they answer; an input answered twice must be answered identically (event_id,
dedup decision, pair, sectors: everything but processed_at), never "a duplicate
of itself".
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.kafka_io import audit, consume_until, produce
from tests.integration.redis_fixture import redis_url  # noqa: F401 - the fixture
from tests.integration.test_end_to_end import make_stream

SOAK = os.environ.get("DYAD_SOAK_KILL") == "1"
ARTICLES = 20_000 if SOAK else 1_500
KILLS = 20 if SOAK else 2
pytestmark = pytest.mark.timeout(1800 if SOAK else 300)


def run_with_kills(
    start: Any, topics: Any, env: dict[str, str], state: Path, stream: Any, rng: random.Random
) -> Any:
    """Each round: start, publish the next part of the stream, let it work a random while,
    kill -9. Returns the instance started after the last kill."""
    for _ in range(KILLS):
        svc = start(topics, env=env, state_dir=state)
        svc.wait_ready(90)
        stream.publish_next()
        time.sleep(rng.uniform(0.2, 2.5))
        assert svc.proc.poll() is None, svc.logs()[-2000:]
        svc.kill()
    final = start(topics, env=env, state_dir=state)
    final.wait_ready(90)
    stream.publish_next()
    return final


class Stream:
    """The stream published in KILLS + 1 parts, one each round, so kills land mid-stream."""

    def __init__(self, bootstrap: str, topic: str, values: list[bytes | None]) -> None:
        self.bootstrap, self.topic, self.values = bootstrap, topic, values
        self.positions: list[tuple[int, int]] = []
        self.step = -(-len(values) // (KILLS + 1))

    def publish_next(self) -> None:
        done = len(self.positions)
        part = self.values[done : done + self.step]
        if part:
            self.positions += produce(self.bootstrap, self.topic, part)


def check(
    broker: Any, topics: Any, values: list[bytes | None], positions: Any, repeats: int = 0
) -> dict[str, Any]:
    def finished(records: list[Any]) -> bool:
        return (
            len(records) >= len(values) + repeats
            and not audit(values, positions, records, topics.input, topics.dlq)["lost"]
        )

    timeout = 600 if SOAK else 120
    records = consume_until(broker.bootstrap, topics.outputs, finished, timeout, settle=2)
    result = audit(values, positions, records, topics.input, topics.dlq)
    print(
        f"kills={KILLS} articles={len(values)} outputs={len(records)} lost={len(result['lost'])}"
        f" inconsistent={len(result['inconsistent'])} repeated={len(result['repeated'])}"
    )
    assert not result["lost"], f"{len(result['lost'])} inputs lost, e.g. {result['lost'][:5]}"
    assert not result["unknown"], result["unknown"][:2]
    assert not result["inconsistent"], result["inconsistent"][:2]
    return result


def test_kill_9_alone(broker: Any, topics: Any, start_service: Any, tmp_path: Path) -> None:
    values = make_stream(ARTICLES, seed=21, prefix="k")
    stream = Stream(broker.bootstrap, topics.input, values)
    env = {"DYAD_GROUP_INSTANCE_ID": "dyad-a", "DYAD_BATCH_MAX_RECORDS": "50"}
    state = tmp_path / "state-a"
    final = run_with_kills(start_service, topics, env, state, stream, random.Random(21))
    check(broker, topics, values, stream.positions)
    # The worst case for the dedup index: far ahead of the offsets. Kill, then read
    # the whole input again with the same state (a new group starts from the
    # beginning): every input is redelivered, and each must be answered exactly as
    # the first time, dedup decisions included.
    final.kill()
    replay = {**env, "DYAD_GROUP_ID": f"{topics.group}-replay"}
    again = start_service(topics, env=replay, state_dir=state)
    again.wait_ready(90)
    result = check(broker, topics, values, stream.positions, repeats=len(values))
    assert len(result["repeated"]) == len(values), "the rewind should redeliver every input"
    again.terminate()
    assert again.wait(15) == 0


def test_kill_9_beside_a_steady_instance(
    broker: Any,
    topics: Any,
    start_service: Any,
    tmp_path: Path,
    redis_url: str,  # noqa: F811 - the fixture
) -> None:
    """Partitions move between the killed instance and a steady one; both share Redis."""
    values = make_stream(ARTICLES, seed=22, prefix="m")
    stream = Stream(broker.bootstrap, topics.input, values)
    shared = {
        "DYAD_BATCH_MAX_RECORDS": "50",
        "DYAD_DEDUP_BACKEND": "redis",
        "DYAD_REDIS_URL": redis_url,
    }
    steady = start_service(
        topics, env={**shared, "DYAD_GROUP_INSTANCE_ID": "dyad-b"}, state_dir=tmp_path / "b"
    )
    steady.wait_ready(90)
    env = {**shared, "DYAD_GROUP_INSTANCE_ID": "dyad-a"}
    final = run_with_kills(start_service, topics, env, tmp_path / "a", stream, random.Random(22))
    check(broker, topics, values, stream.positions)
    assert steady.proc.poll() is None, "the steady instance must survive the rebalances"
    for svc in (steady, final):
        svc.terminate()
        assert svc.wait(15) == 0
