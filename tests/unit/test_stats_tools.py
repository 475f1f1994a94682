"""Unit checks for the operator tools: progress reporting, classify's streams, the live
window's series and heatmap, replay's time parsing and tail's formatting."""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from dyad.commands import classify, replay, tail
from dyad.commands.progress import Reporter
from dyad.live_window import BUCKET_S, LiveWindow
from tests.unit.test_http_page import shared_pipeline

ROOT = Path(__file__).resolve().parents[2]


def test_reporter_prints_periodic_lines_and_a_summary_when_not_a_terminal() -> None:
    out = io.StringIO()
    with Reporter("publish", 3, "msg", stream=out, interval_s=0.0, tty=False) as r:
        for _ in range(3):
            r.advance()
            time.sleep(0.001)
    r.summary("published 3 messages")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("publish: 1/3 (33%) msg, ")
    assert lines[2].startswith("publish: 3/3 (100%)")
    assert lines[-1].startswith("published 3 messages in ") and lines[-1].endswith("msg/s)")


def test_classify_keeps_events_on_stdout_and_dead_letters_on_stderr(
    capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = ROOT / "seeds" / "seeds.jsonl"
    monkeypatch.setattr(classify, "build_pipeline", lambda _settings: shared_pipeline())
    assert classify.main(argparse.Namespace(input=str(seeds), output="-")) == 0
    out, err_bytes = capsysbinary.readouterr()
    events = [orjson.loads(x) for x in out.splitlines()]
    assert events and all("event_id" in e for e in events)
    err = err_bytes.decode().splitlines()
    dead = [orjson.loads(x) for x in err if x.startswith("{")]
    assert dead and all("error" in d for d in dead)
    n = len([x for x in seeds.read_bytes().splitlines() if x.strip()])
    assert len(events) + len(dead) == n
    assert err[-1].startswith(f"classified {n} records: ") and "records/s" in err[-1]


def test_live_window_series_is_dense_and_rates_are_per_second(monkeypatch: Any) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr("dyad.live_window.time.time", lambda: clock[0])
    w = LiveWindow()
    w.tick(0, 0, 10)
    clock[0] += BUCKET_S
    w.tick(50, 40, 20)
    clock[0] += 3 * BUCKET_S  # two idle buckets in between
    w.tick(60, 60, 5)
    series = w.series()
    assert [p["t"] for p in series] == [1_000_000 + i * BUCKET_S for i in range(5)]
    assert series[1]["in_per_s"] == 50 / BUCKET_S and series[1]["out_per_s"] == 40 / BUCKET_S
    assert series[2]["in_per_s"] == 0 and series[2]["lag"] == 20
    assert series[4]["in_per_s"] == 10 / BUCKET_S and series[4]["lag"] == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01T12:00:00Z", 1_777_636_800_000),
        ("2026-05-01T14:00:00+02:00", 1_777_636_800_000),
        ("2026-05-01T12:00:00", 1_777_636_800_000),
        ("2h", 1_000_000_000_000 - 7_200_000),
    ],
)
def test_replay_since_accepts_rfc3339_and_durations(text: str, expected: int) -> None:
    assert replay.parse_since(text, now=1_000_000_000.0) == expected


def test_replay_since_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        replay.parse_since("yesterday-ish")


def test_replay_counts_only_messages_processed_again() -> None:
    assert replay.Move(0, committed=120, target=100, end=130).again == 20
    assert replay.Move(1, committed=None, target=5, end=9).again == 0
    assert replay.Move(2, committed=3, target=7, end=9).again == 0


def test_tail_filters_and_formats_untrusted_text() -> None:
    doc = {
        "processed_at": "2026-05-01T12:00:01.5Z",
        "pair": {"countries": ["IR", "SY"], "score": 0.9},
        "primary_sector": "energy",
        "sectors": [{"id": "energy"}, {"id": "trade"}],
        "dedup": {"status": "near", "duplicate_of": "a-1"},
        "article": {"id": "a-2", "title": "Oil \x1b[31mdeal\u202e signed"},
    }
    assert tail.matches(doc, tail.norm_pair("sy-ir"), "trade")
    assert not tail.matches(doc, "IR-IQ", None) and not tail.matches(doc, None, "health")
    line = tail.line_of(doc)
    assert "\x1b" not in line and "\u202e" not in line
    assert line.startswith("2026-05-01 12:00:01  IR-SY  energy") and "near of a-1" in line
