"""Shared helpers for the benchmarks: import path, machine facts, figures out, broker."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The benchmarks measure this checkout's code, not whatever `dyad` is installed.
if str(ROOT / "services") not in sys.path:
    sys.path.insert(0, str(ROOT / "services"))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem_gb = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        # Other work on the machine skews every figure: say how busy it was.
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def emit(figures: dict[str, Any], json_path: str | None) -> None:
    """Prints the figures as JSON on the last line; optionally writes them to a file."""
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True)
    if json_path:
        Path(json_path).write_text(text + "\n", "utf-8")
    print("FIGURES " + text)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def service_env(bootstrap: str, **extra: str) -> dict[str, str]:
    """The environment for `dyad run` as the benchmarks start it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYAD_", "KAFKA_"))}
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            # tansu holds a first group join for about half the session timeout.
            "DYAD_SESSION_TIMEOUT_MS": "6000",
            "DYAD_HEARTBEAT_INTERVAL_MS": "1000",
            "DYAD_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT / "services") + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.update(extra)
    return env
