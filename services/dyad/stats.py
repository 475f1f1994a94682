"""Counters the runner updates and the HTTP layer only reads (an observer, as in faust).

One object holds both the JSON view for /stats and the Prometheus collectors for
/metrics, so the two can never disagree about what was counted.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as PCounter

from dyad.core.pipeline import Output
from dyad.live_window import LiveWindow

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60)
_RATE_WINDOW_S = 60.0


@dataclass
class Health:
    """Real state that readiness is computed from."""

    assigned: set[tuple[str, int]] = field(default_factory=set)
    broker_ok: bool = False
    broker_error: str | None = "not connected yet"
    last_poll: float = 0.0  # monotonic
    started: bool = False
    stopping: bool = False
    publish_error: str | None = None  # outputs keep failing (outage, missing topic, ACL)

    def readiness(self, max_poll_age_s: float) -> tuple[bool, str]:
        if self.stopping:
            return False, "stopping"
        if not self.started:
            if self.broker_error and self.broker_error != "not connected yet":
                return False, f"starting: broker unreachable: {self.broker_error}"
            return False, "starting"
        if not self.broker_ok:
            return False, f"broker unreachable: {self.broker_error}"
        if self.publish_error:
            return False, f"publishing failed: {self.publish_error}"
        if not self.assigned:
            return False, "no partitions assigned (joining the group or rebalancing)"
        age = time.monotonic() - self.last_poll
        if age > max_poll_age_s:
            return False, f"consumer loop stalled: last poll {age:.0f}s ago"
        return True, "ok"


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.messages_in = PCounter("dyad_messages_in", "Input messages consumed", registry=r)
        self.messages_out = PCounter(
            "dyad_messages_out", "Messages published and acked", ["kind"], registry=r
        )
        self.duplicates = PCounter(
            "dyad_duplicates", "Duplicate articles by kind", ["status"], registry=r
        )
        self.revisions = PCounter("dyad_revisions", "Articles revising an earlier one", registry=r)
        self.dead_letters = PCounter(
            "dyad_dead_letters", "Dead letters by reason", ["reason"], registry=r
        )
        self.events_by_pair = PCounter(
            "dyad_events_by_pair", "Unique events by country pair", ["pair"], registry=r
        )
        self.events_by_sector = PCounter(
            "dyad_events_by_sector", "Unique events by primary sector", ["sector"], registry=r
        )
        self.latency = Histogram(
            "dyad_end_to_end_latency_seconds",
            "From the input message timestamp to the output acknowledgement",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_seconds = Histogram(
            "dyad_batch_duration_seconds",
            "Processing, publishing and committing one batch",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.lag = Gauge(
            "dyad_consumer_lag",
            "Messages behind the end of each partition",
            ["partition"],
            registry=r,
        )
        self.commits = PCounter("dyad_commits", "Offset commits", ["result"], registry=r)
        self.produce_retries = PCounter(
            "dyad_produce_retries", "Publish attempts retried after an error", registry=r
        )
        self.ready = Gauge("dyad_ready", "1 when /health/ready says ready", registry=r)
        self.broker_up = Gauge("dyad_broker_up", "1 when the broker answers", registry=r)
        self.dedup_size = Gauge("dyad_dedup_index_size", "Articles in the dedup index", registry=r)
        self.dedup_capacity = Gauge(
            "dyad_dedup_index_capacity", "Cap on articles in the dedup index", registry=r
        )
        self.dedup_evictions = Gauge(
            "dyad_dedup_evictions", "Articles evicted from the dedup index so far", registry=r
        )
        self.last_batch = Gauge(
            "dyad_last_batch_timestamp_seconds", "When the last batch was committed", registry=r
        )
        self.end_offset = Gauge(
            "dyad_input_end_offset",
            "End offset (high-water mark) of each assigned input partition: grows with input",
            ["partition"],
            registry=r,
        )
        self.classifier = Gauge(
            "dyad_classifier_info",
            "1 for the classifier version of the latest event",
            ["version"],
            registry=r,
        )


class Stats:
    def __init__(self, dedup_stats: Callable[[], dict[str, Any]] | None = None) -> None:
        self.metrics = Metrics()
        self.health = Health()
        self.live = LiveWindow()
        self.dedup_stats = dedup_stats or (lambda: {})
        self.started_at = time.time()
        self.count_in = 0
        self.count_out: Counter[str] = Counter()
        self.dup_kinds: Counter[str] = Counter()
        self.dead_reasons: Counter[str] = Counter()
        self.pairs: Counter[str] = Counter()
        self.sectors: Counter[str] = Counter()
        self.lag: dict[int, int] = {}
        self.commit_failures = 0
        self.produce_retries = 0
        self.classifier_version: str | None = None
        self.latencies: deque[float] = deque(maxlen=10_000)
        self._rate_samples: deque[tuple[float, int, int]] = deque()

    @property
    def recent(self) -> list[dict[str, Any]]:
        return self.live.events

    def record_outputs(self, outputs: list[Output], acked_at: float) -> None:
        """Called once per batch after every output of it was acked."""
        m = self.metrics
        self.count_in += len(outputs)
        m.messages_in.inc(len(outputs))
        for out in outputs:
            self.count_out[out.kind] += 1
            m.messages_out.labels(out.kind).inc()
            ts = out.record.timestamp_ms
            if ts is not None:
                latency = max(0.0, acked_at - ts / 1000.0)
                self.latencies.append(latency)
                m.latency.observe(latency)
            if out.dead_letter is not None:
                reason = out.dead_letter.error.type
                self.dead_reasons[reason] += 1
                m.dead_letters.labels(reason).inc()
                self.live.add_dead_letter(out.dead_letter)
            elif out.facts is not None:
                self._record_event(out)
        self._sample_rate()
        self.live.tick(self.count_in, sum(self.count_out.values()), sum(self.lag.values()))

    def _record_event(self, out: Output) -> None:
        m = self.metrics
        facts, d = out.facts, out.decision
        if facts is None or d is None:
            return
        if d.revision_of:
            m.revisions.inc()
        if facts.classifier_version != self.classifier_version:
            if self.classifier_version is not None:
                m.classifier.remove(self.classifier_version)
            self.classifier_version = facts.classifier_version
            m.classifier.labels(facts.classifier_version).set(1)
        self.live.add_event(facts, d, out.processed_at or "", out.value)
        if out.kind == "duplicate":
            self.dup_kinds[d.status] += 1
            m.duplicates.labels(d.status).inc()
            return
        pair = facts.pair
        sector = facts.primary_sector or "none"
        self.pairs[pair] += 1
        self.sectors[sector] += 1
        m.events_by_pair.labels(pair).inc()
        m.events_by_sector.labels(sector).inc()

    def _sample_rate(self) -> None:
        now = time.monotonic()
        total_out = sum(self.count_out.values())
        self._rate_samples.append((now, self.count_in, total_out))
        while self._rate_samples and now - self._rate_samples[0][0] > _RATE_WINDOW_S:
            self._rate_samples.popleft()

    def rates(self) -> dict[str, float]:
        if len(self._rate_samples) < 2:
            return {"in_per_s": 0.0, "out_per_s": 0.0}
        (t0, i0, o0), (t1, i1, o1) = self._rate_samples[0], self._rate_samples[-1]
        span = max(t1 - t0, 1e-3)
        return {"in_per_s": round((i1 - i0) / span, 2), "out_per_s": round((o1 - o0) / span, 2)}

    def set_lag(self, lag: dict[int, int]) -> None:
        self.lag = lag
        for partition, value in lag.items():
            self.metrics.lag.labels(str(partition)).set(value)
        self.live.tick(self.count_in, sum(self.count_out.values()), sum(lag.values()))

    def set_end_offsets(self, ends: dict[int, int]) -> None:
        """High-water marks of the assigned input partitions (they grow with the input)."""
        for partition, value in ends.items():
            self.metrics.end_offset.labels(str(partition)).set(value)

    def refresh_gauges(self, ready: bool) -> None:
        m = self.metrics
        m.ready.set(1 if ready else 0)
        m.broker_up.set(1 if self.health.broker_ok else 0)
        d = self.dedup_stats()
        m.dedup_size.set(float(d.get("size", 0)))
        m.dedup_capacity.set(float(d.get("max_entries", 0)))
        m.dedup_evictions.set(float(d.get("evictions", 0)))

    def percentiles(self) -> dict[str, float | None]:
        if not self.latencies:
            return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
        data = sorted(self.latencies)

        def pick(q: float) -> float:
            return round(data[min(len(data) - 1, int(q * len(data)))] * 1000, 2)

        return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}

    def snapshot(self, ready: bool, reason: str) -> dict[str, Any]:
        return {
            "ready": ready,
            "reason": reason,
            "uptime_s": round(time.time() - self.started_at, 1),
            "classifier_version": self.classifier_version,
            "counts": {
                "in": self.count_in,
                "out": sum(self.count_out.values()),
                "events": self.count_out["event"],
                "duplicates": self.count_out["duplicate"],
                "dead_letters": self.count_out["dead_letter"],
            },
            "duplicates_by_kind": dict(self.dup_kinds),
            "dead_letters_by_reason": dict(self.dead_reasons),
            "rates": self.rates(),
            "lag": {str(p): v for p, v in sorted(self.lag.items())},
            "assignment": sorted(f"{t}:{p}" for t, p in self.health.assigned),
            "pairs": dict(self.pairs.most_common(50)),
            "sectors": dict(self.sectors.most_common()),
            "dedup": self.dedup_stats(),
            "latency": self.percentiles(),
            "commit_failures": self.commit_failures,
            "produce_retries": self.produce_retries,
            "recent": list(self.live.events)[-20:],
        }
