"""The recent window behind the live page: what flowed in the last minutes.

Stats feeds it per batch; the HTTP layer only reads it. Everything is bounded
(deques and a capped cluster table), so a busy stream cannot grow it.
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict, deque
from typing import Any

import orjson

from dyad.core.dedup import Decision
from dyad.core.models import DeadLetter
from dyad.core.prepared import EventFacts

BUCKET_S = 5
HISTORY_BUCKETS = 120  # ten minutes of five-second buckets
HEAT_WINDOW_S = 15 * 60
MAX_HEAT_ITEMS = 20_000
MAX_CLUSTERS = 500
MAX_EVIDENCE = 4


def event_view(value: bytes) -> dict[str, Any]:
    """The fields the page and /stats show of one published event (untrusted text stays
    text). Built from the event's bytes when read: a busy stream keeps only the last
    few of them, and most are never shown."""
    ev = orjson.loads(value)
    art, d = ev["article"], ev["dedup"]
    return {
        "event_id": ev["event_id"],
        "id": art["id"],
        "title": art["title"],
        "source": art["source"],
        "language": art["language"],
        "time": ev["processed_at"],
        "pair": "-".join(ev["pair"]["countries"]) if ev["pair"] else "none",
        "sector": ev["primary_sector"] or "none",
        "status": d["status"],
        "duplicate_of": d["duplicate_of"],
        "similarity": d["similarity"],
        "cluster_id": d["cluster_id"],
        "coverage": d["coverage"],
        "classifier_version": ev["classifier_version"],
        "sectors": [
            {"id": s["id"], "score": round(s["score"], 3), "evidence": s["evidence"][:MAX_EVIDENCE]}
            for s in ev["sectors"][:MAX_EVIDENCE]
        ],
        "countries": [
            {
                "code": c["code"],
                "name": c["name"],
                "evidence": list(dict.fromkeys(e["text"] for e in c["evidence"]))[:MAX_EVIDENCE],
            }
            for c in ev["countries"][:MAX_EVIDENCE]
        ],
    }


class LiveWindow:
    def __init__(self) -> None:
        self._recent: deque[bytes] = deque(maxlen=50)
        self.dead: deque[dict[str, Any]] = deque(maxlen=20)
        self.clusters: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._heat: deque[tuple[float, str, tuple[str, ...]]] = deque(maxlen=MAX_HEAT_ITEMS)
        # [bucket start (epoch s), messages in so far, messages out so far, total lag]
        self._history: deque[list[float]] = deque(maxlen=HISTORY_BUCKETS + 1)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The last events published, oldest first, as the page shows them."""
        return [event_view(v) for v in self._recent]

    def add_event(self, facts: EventFacts, d: Decision, processed_at: str, value: bytes) -> None:
        self._recent.append(value)
        self._add_cluster(facts, d, processed_at)
        if d.status == "unique":
            self._heat.append((time.time(), facts.pair, facts.sector_ids or ("none",)))

    def _add_cluster(self, facts: EventFacts, d: Decision, processed_at: str) -> None:
        cid = d.cluster_id
        cluster = self.clusters.get(cid)
        if cluster is None:
            cluster = {"cluster_id": cid, "title": facts.title, "pair": facts.pair}
            self.clusters[cid] = cluster
        coverage = {"articles": d.articles, "sources": d.sources}
        cluster.update(coverage=coverage, last_seen=processed_at)
        self.clusters.move_to_end(cid)
        while len(self.clusters) > MAX_CLUSTERS:
            self.clusters.popitem(last=False)

    def add_dead_letter(self, dl: DeadLetter) -> None:
        self.dead.append(
            {
                "time": dl.received_at,
                "reason": dl.error.type,
                "message": dl.error.message[:200],
                "partition": dl.source.partition,
                "offset": dl.source.offset,
            }
        )

    def tick(self, total_in: int, total_out: int, lag: int) -> None:
        start = float(int(time.time() // BUCKET_S) * BUCKET_S)
        if self._history and self._history[-1][0] == start:
            self._history[-1][1:] = [total_in, total_out, lag]
        else:
            self._history.append([start, total_in, total_out, lag])

    def series(self, now: float | None = None) -> list[dict[str, float]]:
        """Dense per-bucket rates (messages/s) and lag over the last ten minutes."""
        if not self._history:
            return []
        end = int((now or time.time()) // BUCKET_S) * BUCKET_S
        first = max(self._history[0][0], end - (HISTORY_BUCKETS - 1) * BUCKET_S)
        known = {int(b[0]): b for b in self._history}
        before = [b for b in self._history if b[0] < first]
        prev = before[-1] if before else self._history[0]
        out: list[dict[str, float]] = []
        for t in range(int(first), end + 1, BUCKET_S):
            cur = known.get(t, [t, prev[1], prev[2], prev[3]])
            out.append(
                {
                    "t": t,
                    "in_per_s": max(0.0, (cur[1] - prev[1]) / BUCKET_S),
                    "out_per_s": max(0.0, (cur[2] - prev[2]) / BUCKET_S),
                    "lag": cur[3],
                }
            )
            prev = cur
        return out

    def heatmap(self, now: float | None = None) -> dict[str, Any]:
        """Unique events per pair x sector in the last HEAT_WINDOW_S (every sector counts)."""
        cutoff = (now or time.time()) - HEAT_WINDOW_S
        cells: Counter[tuple[str, str]] = Counter()
        pairs: Counter[str] = Counter()
        sectors: Counter[str] = Counter()
        for t, pair, secs in self._heat:
            if t < cutoff or pair == "none":
                continue
            pairs[pair] += 1
            for sector in secs:
                cells[pair, sector] += 1
                sectors[sector] += 1
        return {
            "window_s": HEAT_WINDOW_S,
            "pairs": [p for p, _ in pairs.most_common(25)],
            "sectors": [s for s, _ in sectors.most_common()],
            "cells": {f"{p}|{s}": n for (p, s), n in cells.items()},
        }

    def top_clusters(self, n: int = 10) -> list[dict[str, Any]]:
        ranked = sorted(
            self.clusters.values(),
            key=lambda c: (c["coverage"]["sources"], c["coverage"]["articles"]),
            reverse=True,
        )
        return ranked[:n]
