"""Shared helpers for the benchmarks: import path, machine facts, figures out, the
service under test (its environment, start and stop, readiness, CPU and memory)."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The benchmarks measure this checkout's code, not whatever `dyad` is installed.
if str(ROOT / "services") not in sys.path:
    sys.path.insert(0, str(ROOT / "services"))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))
if str(ROOT) not in sys.path:  # tests.integration.kafka_io: the topic helpers
    sys.path.append(str(ROOT))


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


CPU_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CPU_TICKS


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


DYAD_RUN = [sys.executable, "-m", "dyad", "run"]


@contextmanager
def service_process(
    env: dict[str, str], log_path: Path, cmd: list[str] | None = None, stop_children: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """`dyad run` (or `cmd`) with its output in `log_path`; the log's tail is printed if
    the body fails, and the process is stopped (SIGTERM, then SIGKILL) on the way out.
    `stop_children`: signal the process's children instead (dyad under py-spy)."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd or DYAD_RUN, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        try:
            yield proc
        except BaseException:
            print(log_path.read_text("utf-8", "replace")[-3000:], file=sys.stderr)
            raise
        finally:
            for pid in children(proc.pid) if stop_children else [proc.pid]:
                os.kill(pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


async def wait_ready(port: int, proc: subprocess.Popen[bytes], limit_s: float = 60.0) -> None:
    """Until the service's /health/ready says 200 (its group is joined)."""
    import httpx

    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"dyad exited with {proc.returncode}")
            try:
                r = await client.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("dyad did not become ready")


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
    """The environment for `dyad run` as the benchmarks start it (the tests' own, quieter)."""
    from tests.integration.kafka_io import dyad_env  # after the path set-up above

    return dyad_env(bootstrap, **{"DYAD_LOG_LEVEL": "WARNING", **extra})
