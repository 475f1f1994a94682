"""The benchmarks still run: each in its tiny mode, figures checked for sense, never timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_all(tmp_path: Path, *only: str) -> dict[str, Any]:
    out = tmp_path / "figures.json"
    picks = [arg for name in only for arg in ("--only", name)]
    proc = subprocess.run(
        [sys.executable, "bench/run_all.py", "--tiny", *picks, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return dict(json.loads(out.read_text("utf-8"))["figures"])


def test_offline_benchmarks_run(tmp_path: Path) -> None:
    figs = run_all(tmp_path, "bench_core", "peer_pipeline")
    core = figs["bench_core"]
    assert core["outputs"] == core["articles"]  # one output per input, malformed lines too
    assert core["articles_per_s"] > 0
    stages = core["us_per_article"]
    assert all(stages[s] > 0 for s in ("parse", "document", "fingerprint", "countries"))
    assert figs["peer_pipeline"]["peer_articles_per_s"] > 0
    assert figs["peer_pipeline"]["pair_accuracy"]["articles"] > 0


@pytest.mark.integration
def test_broker_benchmarks_run(tmp_path: Path) -> None:
    figs = run_all(tmp_path, "bench_e2e", "bench_latency", "bench_memory")
    e2e = figs["bench_e2e"]
    for who in ("limit", "dyad"):
        assert e2e[who]["outputs"] == e2e[who]["inputs"] == e2e["articles"], e2e[who]
    assert e2e["peer"]["outputs"] > 0
    lat = figs["bench_latency"]["results"][0]
    assert lat["outputs"] == lat["inputs"] and lat["measured"] > 0
    assert 0 <= lat["p50_ms"] <= lat["p99_ms"]
    mem = figs["bench_memory"]
    assert mem["peak_rss_mb"] >= mem["idle_rss_mb"] > 0
