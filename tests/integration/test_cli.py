"""The command line as users run it: demo, classify, run's refusal, classify == run."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import orjson
import pytest

from dyad.adapters.broker import free_port
from tests.conftest import ROOT, SHARED_SEEDS
from tests.integration.conftest import make_topics
from tests.integration.kafka_io import consume, produce


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYAD_", "KAFKA_"))}
    env["PYTHONPATH"] = str(ROOT / "services")
    env.update(extra)
    return env


def _dyad(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "dyad", *args],
        input=stdin,
        capture_output=True,
        env=env or _env(),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def test_run_refuses_without_bootstrap_servers() -> None:
    result = _dyad("run", timeout=30)
    assert result.returncode == 2
    assert b"KAFKA_BOOTSTRAP_SERVERS is not set" in result.stderr


def test_demo_once_processes_the_seeds() -> None:
    result = _dyad(
        "demo", "--once", "--http-port", str(free_port()), env=_env(COLUMNS="200"), timeout=180
    )
    out = result.stdout.decode()
    assert result.returncode == 0, out + result.stderr.decode()
    lines = [
        line for line in (ROOT / "seeds" / "seeds.jsonl").read_bytes().splitlines() if line.strip()
    ]
    assert f"published {len(lines)} lines" in out
    assert "dead letter" in out and "unique" in out
    assert f"{len(lines)} outputs" in out


def test_classify_reports_dead_letters_on_stderr() -> None:
    lines = b'{"id": "a", "title": "", "body": "Iran and Syria met in Damascus."}\n{oops\n'
    result = _dyad("classify", "-", stdin=lines, timeout=60)
    assert result.returncode == 0
    events = [orjson.loads(x) for x in result.stdout.splitlines()]
    dead = [orjson.loads(x) for x in result.stderr.splitlines() if x.startswith(b"{")]
    assert [e["article"]["id"] for e in events] == ["a"]
    assert [d["error"]["type"] for d in dead] == ["invalid_json"]


def _comparable(doc: dict[str, Any]) -> tuple[Any, ...]:
    return (
        doc["event_id"],
        doc["dedup"]["status"],
        doc["dedup"]["duplicate_of"],
        doc["pair"],
        [s["id"] for s in doc["sectors"]],
        doc["primary_sector"],
    )


def test_classify_and_run_agree(broker: Any, start_service: Any) -> None:
    """One partition keeps the order, so the streaming decisions equal the offline ones."""
    corpus = [
        line for line in (ROOT / "seeds" / "seeds.jsonl").read_bytes().splitlines() if line.strip()
    ]
    offline = _dyad("classify", "-", stdin=b"\n".join(corpus) + b"\n", timeout=60)
    assert offline.returncode == 0
    expected = sorted(_comparable(orjson.loads(x)) for x in offline.stdout.splitlines())
    topics = make_topics(broker.bootstrap, input_partitions=1)
    produce(broker.bootstrap, topics.input, corpus)
    svc = start_service(topics)
    svc.wait_ready(30)
    records = consume(broker.bootstrap, topics.outputs, len(corpus), timeout=60, settle=1)
    streamed = sorted(_comparable(orjson.loads(r.value)) for r in records if r.topic != topics.dlq)
    assert streamed == expected
    svc.terminate()
    assert svc.wait(15) == 0


@pytest.mark.skipif(not SHARED_SEEDS.exists(), reason="the shared seeds folder is absent")
def test_classify_shared_seeds_all_iran_syria() -> None:
    result = _dyad("classify", str(SHARED_SEEDS), timeout=60)
    assert result.returncode == 0
    events = [orjson.loads(x) for x in result.stdout.splitlines()]
    assert len(events) == 5
    assert {tuple(e["pair"]["countries"]) for e in events} == {("IR", "SY")}
    primaries = {e["article"]["id"]: e["primary_sector"] for e in events}
    assert primaries == {
        "seed-000": "trade",
        "seed-001": "diplomacy",
        "seed-002": "telecom",
        "seed-003": "sanctions",
        "seed-004": "diplomacy",
    }
