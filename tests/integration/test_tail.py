"""dyad tail reads the enriched topic of a stream as readable lines, filtered, or as JSON."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from dyad.core.dedup import MemoryDedupIndex
from dyad.core.pipeline import InputRecord
from tests.integration.conftest import ROOT, service_env
from tests.integration.kafka_io import produce
from tests.unit.test_http_page import shared_pipeline

EVIL_TITLE = "Iran and Syria \x1b[2J\x1b[31mcleared\x07 screen"


def _events() -> list[dict[str, Any]]:
    lines = (ROOT / "seeds" / "seeds.jsonl").read_bytes().splitlines()
    lines.append(
        orjson.dumps(
            {
                "id": "ctl-1",
                "title": EVIL_TITLE,
                "body": "Iran and Syria agreed on new oil and gas pipeline projects in Damascus.",
            }
        )
    )
    pipeline = shared_pipeline()
    index = MemoryDedupIndex(86400.0, 10_000)
    records = [InputRecord(v, None, "in", 0, i) for i, v in enumerate(lines)]
    outs = pipeline.process_batch(records, index, time.time())
    return [orjson.loads(o.value) for o in outs if o.kind == "event"]


def tail(args: list[str], env: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "dyad", "tail", "--from-beginning", "--idle-exit", "3", *args]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_tail_prints_the_stream(broker: Any, topics: Any, tmp_path: Path) -> None:
    events = _events()
    produce(broker.bootstrap, topics.output, [orjson.dumps(e) for e in events])
    env = service_env(broker.bootstrap, topics, tmp_path)

    lines = tail(["--max", str(len(events))], env)
    assert len(lines) == len(events)
    by_title = {e["article"]["title"]: e for e in events if e["article"]["title"]}
    shown = [t for t in by_title if any(t in line for line in lines)]
    assert len(shown) >= len(by_title) - 1  # only the one with control characters differs
    for line in lines:
        assert "\x1b" not in line and "\x07" not in line
    assert any("cleared" in line and "[2J" in line for line in lines)

    ir_sy = [e for e in events if e["pair"] and e["pair"]["countries"] == ["IR", "SY"]]
    pair_lines = tail(["--pair", "sy-ir"], env)
    assert len(pair_lines) == len(ir_sy) > 0
    assert all(" IR-SY " in line for line in pair_lines)

    sector = next(e["sectors"][0]["id"] for e in events if e["sectors"])
    tagged = [e for e in events if sector in {s["id"] for s in e["sectors"]}]
    as_json = [orjson.loads(x) for x in tail(["--sector", sector, "--json"], env)]
    assert sorted(d["event_id"] for d in as_json) == sorted(d["event_id"] for d in tagged)
