"""Runs every benchmark, each in its own process, and prints the targets side by side.

python bench/run_all.py            # quick (a few minutes), `make bench`
python bench/run_all.py --full     # the figures for bench/README.md (about half an hour)
python bench/run_all.py --tiny     # seconds per benchmark: they still run (smoke test)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import common

BENCHES = ("bench_core", "peer_pipeline", "bench_e2e", "bench_latency", "bench_memory")


def run_bench(name: str, mode: list[str], out: Path, extra: list[str]) -> dict[str, Any]:
    path = out / f"{name}.json"
    cmd = [sys.executable, str(common.ROOT / "bench" / f"{name}.py"), *mode, "--json", str(path)]
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    subprocess.run([*cmd, *extra], check=True, cwd=common.ROOT)
    return dict(json.loads(path.read_text("utf-8")))


def summary(figs: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, bool | None]]:
    """(what, measured, target, met) rows."""
    core, peer, e2e = figs["bench_core"], figs["peer_pipeline"], figs["bench_e2e"]
    lat, mem = figs["bench_latency"], figs["bench_memory"]
    core_rate, peer_rate = core["articles_per_s"], peer["peer_articles_per_s"]
    ratio_peer = core_rate / max(1, peer_rate)
    acc = peer["pair_accuracy"]
    p99 = lat["results"][0]["p99_ms"]
    rows: list[tuple[str, str, str, bool | None]] = [
        ("offline core, one core", f"{core_rate:,} articles/s", ">= 5,000", core_rate >= 5000),
        (
            "end to end / limit (same run)",
            f"{e2e['ratio_dyad_over_limit']} ({e2e['dyad']['articles_per_s']:,} / "
            f"{e2e['limit']['articles_per_s']:,} articles/s; steady "
            f"{e2e['ratio_dyad_over_limit_steady']})",
            ">= 0.5",
            e2e["ratio_dyad_over_limit"] >= 0.5,
        ),
        (
            "dyad / peer, offline",
            f"{ratio_peer:.1f}x ({core_rate:,} / {peer_rate:,} articles/s)",
            ">= 10x",
            ratio_peer >= 10,
        ),
    ]
    if "ratio_dyad_over_peer" in e2e:
        rows.append(
            (
                "dyad / peer, through the broker",
                f"{e2e['ratio_dyad_over_peer']}x ({e2e['dyad']['articles_per_s']:,} / "
                f"{e2e['peer']['articles_per_s']:,} articles/s)",
                ">= 10x",
                e2e["ratio_dyad_over_peer"] >= 10,
            )
        )
    if acc.get("articles"):
        rows.append(
            (
                f"pair accuracy, labeled ({acc['articles']} articles)",
                f"dyad {acc['dyad']} vs peer {acc['peer']}",
                ">= peer",
                acc["dyad"] >= acc["peer"],
            )
        )
    rows += [
        (
            f"latency at {lat['rate_per_s']:.0f}/s",
            f"p50 {lat['results'][0]['p50_ms']} / p95 {lat['results'][0]['p95_ms']} / p99 {p99} ms",
            "p99 <= 50 ms",
            p99 <= 50,
        ),
        (
            f"RSS over {mem['articles']:,} articles",
            f"{mem['rss_mb_at']['25%']} -> {mem['rss_mb_at']['100%']} MB "
            f"(2nd half {mem['second_half_growth_mb']:+} MB)",
            "flat",
            bool(mem["flat"]),
        ),
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true")
    mode.add_argument("--tiny", action="store_true")
    p.add_argument("--only", action="append", choices=BENCHES, help="run just these")
    p.add_argument("--json", help="write every figure and the summary to this file")
    args = p.parse_args(argv)
    flag = ["--full"] if args.full else ["--tiny"] if args.tiny else []
    figs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="dyad-bench-") as tmp:
        for name in args.only or BENCHES:
            figs[name] = run_bench(name, flag, Path(tmp), [])
    result: dict[str, Any] = {"mode": flag[0][2:] if flag else "quick", "figures": figs}
    if set(BENCHES) <= set(figs):
        rows = summary(figs)
        result["summary"] = [
            dict(zip(("what", "measured", "target", "met"), r, strict=True)) for r in rows
        ]
        print("\n| what | measured | target | met |\n| --- | --- | --- | --- |")
        for what, measured, target, met in rows:
            print(f"| {what} | {measured} | {target} | {'yes' if met else 'NO'} |")
    print(f"\nmachine: {common.machine()}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
