"""Repeated library warnings (aiokafka during an outage) are summarised, not repeated."""

from __future__ import annotations

import logging

from dyad.logging import RepeatSummariser


def _record(name: str, msg: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, ("127.0.0.1:9092",), None)


def test_a_burst_of_one_warning_passes_once_then_carries_the_count() -> None:
    now = [100.0]
    f = RepeatSummariser(interval_s=0.05, clock=lambda: now[0])
    template = "Unable connect to node %s"
    passed = sum(f.filter(_record("aiokafka", template)) for _ in range(5000))
    assert passed == 1
    now[0] += 0.06
    nxt = _record("aiokafka", template)
    assert f.filter(nxt) and nxt.suppressed_repeats == 4999


def test_different_messages_and_dyad_errors_are_not_merged() -> None:
    f = RepeatSummariser(interval_s=60)
    assert f.filter(_record("aiokafka", "a %s")) and f.filter(_record("aiokafka", "b %s"))
    assert all(f.filter(_record("dyad.runner", "boom", logging.ERROR)) for _ in range(3))
