"""The live page's view model: one dict that both the Jinja template and /api/live carry.

The browser script only copies these values into the DOM as text (and SVG
points, class names), so the server decides every number and no markup ever
travels inside JSON.
"""

from __future__ import annotations

from typing import Any

from dyad.stats import Stats

CHART_W, CHART_H = 600, 140
HEAT_LEVELS = 8


def _points(values: list[float], top: float) -> str:
    if not values:
        return ""
    if len(values) == 1:  # one bucket so far: a level line across the chart
        values = values * 2
    step = CHART_W / max(1, len(values) - 1)
    scale = (CHART_H - 6) / top if top > 0 else 0.0
    return " ".join(f"{i * step:.1f},{CHART_H - 3 - v * scale:.1f}" for i, v in enumerate(values))


def _charts(stats: Stats) -> dict[str, Any]:
    series = stats.live.series()
    ins = [p["in_per_s"] for p in series]
    outs = [p["out_per_s"] for p in series]
    lags = [p["lag"] for p in series]
    rate_top = max([1.0, *ins, *outs])
    lag_top = max([1.0, *lags])
    minutes = (len(series) * 5) / 60
    return {
        "span": f"last {minutes:.1f} min" if series else "no data yet",
        "rate_top": f"{rate_top:.1f}/s",
        "lag_top": f"{lag_top:.0f}",
        "in_points": _points(ins, rate_top),
        "out_points": _points(outs, rate_top),
        "lag_points": _points(lags, lag_top),
        "lag_now": f"{lags[-1]:.0f}" if lags else "0",
    }


def _heatmap(stats: Stats) -> dict[str, Any]:
    heat = stats.live.heatmap()
    cells = heat["cells"]
    top = max(cells.values(), default=0)
    rows = []
    for pair in heat["pairs"]:
        row = []
        for sector in heat["sectors"]:
            n = cells.get(f"{pair}|{sector}", 0)
            level = 0 if n == 0 else 1 + (HEAT_LEVELS - 1) * (n - 1) // max(1, top - 1)
            row.append({"n": n, "level": min(level, HEAT_LEVELS)})
        rows.append({"pair": pair, "cells": row})
    return {"window_min": heat["window_s"] // 60, "sectors": heat["sectors"], "rows": rows}


def live_view(stats: Stats, ready: bool, reason: str) -> dict[str, Any]:
    snap = stats.snapshot(ready, reason)
    counts = snap["counts"]
    latency = snap["latency"]
    return {
        "ready": ready,
        "reason": reason,
        "uptime_s": snap["uptime_s"],
        "classifier_version": snap["classifier_version"] or "—",
        "cards": [
            {"label": "in", "value": str(counts["in"])},
            {"label": "unique events", "value": str(counts["events"])},
            {"label": "duplicates", "value": str(counts["duplicates"])},
            {"label": "dead letters", "value": str(counts["dead_letters"])},
            {"label": "in/s (60 s)", "value": str(snap["rates"]["in_per_s"])},
            {"label": "lag", "value": str(sum(snap["lag"].values()))},
            {"label": "p95 latency", "value": _ms(latency["p95_ms"])},
            {"label": "dedup index", "value": _index(snap["dedup"])},
        ],
        "charts": _charts(stats),
        "heatmap": _heatmap(stats),
        "events": list(reversed(stats.live.events))[:15],
        "dead_by_reason": sorted(
            snap["dead_letters_by_reason"].items(), key=lambda kv: kv[1], reverse=True
        ),
        "dead_recent": list(reversed(stats.live.dead))[:8],
        "duplicates_by_kind": sorted(snap["duplicates_by_kind"].items()),
        "clusters": stats.live.top_clusters(10),
    }


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _index(dedup: dict[str, Any]) -> str:
    size, cap = dedup.get("size"), dedup.get("max_entries")
    if size is None:
        return "—"
    return f"{size} / {cap}" if cap else str(size)
