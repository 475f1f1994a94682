"""Memory over a long run: the service's RSS while it works through many articles.

`dyad run` starts with a dedup index capped at --index-cap entries (a quarter of
the run by default, so the index is full by the first quarter); the corpus is
published as fast as the broker takes it, and the service's RSS (from /proc) is
sampled against the number of articles it has committed. After the index is
full, RSS should stay flat: growth in the second half is the figure to watch.

    python bench/bench_memory.py            # 20,000 articles
    python bench/bench_memory.py --full     # 100,000 articles
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import common
import kafka_util
from corpus import Generator
from dyad.adapters.broker import EmbeddedBroker, free_port


async def sample(
    bootstrap: str, group: str, topic: str, proc: subprocess.Popen[bytes], n: int, every: float
) -> list[tuple[int, float]]:
    """(committed articles, RSS MB) pairs until every article is committed."""
    series: list[tuple[int, float]] = []
    deadline = time.monotonic() + 3600
    async with kafka_util.GroupProgress(bootstrap, group, topic) as progress:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"dyad exited with {proc.returncode}")
            done = await progress.committed()
            series.append((done, common.rss_mb(proc.pid)))
            if done >= n:
                return series
            await asyncio.sleep(every)
    raise TimeoutError("the run did not finish within an hour")


def rss_at(series: list[tuple[int, float]], done: int) -> float:
    return next((rss for d, rss in series if d >= done), series[-1][1])


async def bench(bootstrap: str, args: argparse.Namespace) -> dict[str, Any]:
    cap = args.index_cap or max(1000, args.n // 4)
    topic = f"mem-in-{time.time_ns()}"
    await kafka_util.create_topics(bootstrap, [topic], args.partitions)
    topics = await kafka_util.make_topics(bootstrap, topic, args.partitions, "mem")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dyad-mem-") as tmp:
        env = common.service_env(
            bootstrap,
            **topics.env(),
            DYAD_HTTP_PORT=str(port),
            DYAD_STATE_DIR=str(Path(tmp) / "state"),
            DYAD_DEDUP_MAX_ENTRIES=str(cap),
        )
        with common.service_process(env, Path(tmp) / "dyad.log") as proc:
            await common.wait_ready(port, proc)
            idle_rss = common.rss_mb(proc.pid)
            gen = Generator(args.seed)
            values = (gen.item(i).value for i in range(args.n))
            feeder = asyncio.create_task(kafka_util.produce_all(bootstrap, topic, values))
            series = await sample(bootstrap, topics.group, topic, proc, args.n, args.every)
            await feeder
    n = args.n
    marks = {f"{q}%": round(rss_at(series, n * q // 100), 1) for q in (10, 25, 50, 75, 100)}
    half, end = rss_at(series, n // 2), rss_at(series, n)
    return {
        "bench": "memory",
        "articles": n,
        "index_cap": cap,
        "idle_rss_mb": round(idle_rss, 1),
        "rss_mb_at": marks,
        "peak_rss_mb": round(max(r for _, r in series), 1),
        "second_half_growth_mb": round(end - half, 1),
        "flat": end - half <= max(10.0, 0.05 * half),
        "machine": common.machine(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--full", action="store_true", help="100,000 articles")
    p.add_argument("--tiny", action="store_true", help="a few hundred articles (smoke test)")
    p.add_argument("-n", type=int)
    p.add_argument("--index-cap", type=int, help="DYAD_DEDUP_MAX_ENTRIES (default n/4)")
    p.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--bootstrap")
    p.add_argument("--json")
    args = p.parse_args(argv)
    args.n = args.n or (400 if args.tiny else 100_000 if args.full else 20_000)
    with ExitStack() as stack:
        bootstrap = args.bootstrap or stack.enter_context(EmbeddedBroker()).bootstrap
        fig = asyncio.run(bench(bootstrap, args))
    print(
        f"memory: idle {fig['idle_rss_mb']} MB, RSS at {fig['rss_mb_at']}, "
        f"second-half growth {fig['second_half_growth_mb']} MB (flat: {fig['flat']})"
    )
    common.emit(fig, args.json)
    return fig


if __name__ == "__main__":
    main()
