"""Latency at a fixed input rate: p50/p95/p99 from the input's timestamp to the output's.

`dyad run` is started and waits ready (group joined); then a feeder publishes corpus
articles at --rate per second, evenly spaced, each stamped with its send time (as
a scraper publishing live). Every output event is matched to its input by article
id; latency is the output message's timestamp minus the input's. The first
--warmup seconds are left out. With --sweep, each DYAD_FETCH_MAX_WAIT_MS /
DYAD_LINGER_MS pair of the grid gets its own fresh service and topics. With
--with-limit, the consume-and-republish loop (bench/limit_loop.py, same client
settings) is measured first the same way: the floor this broker sets.

    python bench/bench_latency.py                       # 500/s for 15 s, default settings
    python bench/bench_latency.py --sweep --duration 20 # the grid, to choose the defaults
    python bench/bench_latency.py --env DYAD_FETCH_MAX_WAIT_MS=10
    python bench/bench_latency.py --with-limit         # the broker's floor, then dyad
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

import common
import kafka_util
from corpus import Generator
from dyad.adapters.broker import EmbeddedBroker, free_port

SWEEP_FETCH_WAIT_MS = (5, 10, 25, 50, 100)
SWEEP_LINGER_MS = (0, 2, 5)


async def feed(
    bootstrap: str, topic: str, rate: float, duration: float, seed: int
) -> dict[str, int]:
    """Publishes at `rate`/s for `duration` s; returns article id -> input timestamp (ms)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    sent: dict[str, int] = {}
    gen = Generator(seed)
    total = int(rate * duration)
    pending = []
    try:
        start = time.perf_counter()
        i = 0
        while i < total:
            due = min(total, int((time.perf_counter() - start) * rate) + 1)
            while i < due:
                item = gen.item(i)
                ts = int(time.time() * 1000)
                pending.append(await producer.send(topic, item.value, timestamp_ms=ts))
                if item.kind != "malformed":
                    sent[orjson.loads(item.value)["id"]] = ts
                i += 1
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


LIMIT_LOOP = [sys.executable, str(common.ROOT / "bench" / "limit_loop.py")]


def article_id(value: bytes) -> str | None:
    """The article id of an output: an event's, or the raw article the limit loop copies."""
    try:
        doc = orjson.loads(value)
        return str(doc["article"]["id"] if "article" in doc else doc["id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None


async def wait_flowing(bootstrap: str, topics: kafka_util.Topics, seed: int) -> None:
    """Ready without a health endpoint: one probe article has come out the other end."""
    probe = Generator(seed + 1).item(0).value
    await kafka_util.produce_all(bootstrap, topics.input, [probe])
    rb = await kafka_util.read_all(bootstrap, [topics.output], 1, idle_s=60.0, timeout_s=60.0)
    if rb.count < 1:
        raise TimeoutError("the limit loop did not republish the probe article")


async def one_setting(
    bootstrap: str,
    args: argparse.Namespace,
    extra_env: dict[str, str],
    workdir: Path,
    limit: bool = False,
) -> dict[str, Any]:
    input_topic = f"lat-in-{time.time_ns()}"
    await kafka_util.create_topics(bootstrap, [input_topic], args.partitions)
    topics = await kafka_util.make_topics(bootstrap, input_topic, args.partitions, "lat")
    port = free_port()
    env = common.service_env(
        bootstrap,
        **topics.env(),
        DYAD_HTTP_PORT=str(port),
        DYAD_STATE_DIR=str(workdir / f"state-{topics.group}"),
        **extra_env,
    )
    log_path = workdir / f"dyad-{topics.group}.log"
    with common.service_process(env, log_path, LIMIT_LOOP if limit else None) as proc:
        if limit:
            await wait_flowing(bootstrap, topics, args.seed)
        else:
            await common.wait_ready(port, proc)
        sent = await feed(bootstrap, input_topic, args.rate, args.duration, args.seed)
        latencies: list[float] = []
        timed: list[tuple[float, float]] = []  # (input time, latency), for the quarters
        cutoff = min(sent.values(), default=0) + args.warmup * 1000

        def on_record(m: Any) -> None:
            ts_in = sent.get(article_id(m.value) or "")
            if ts_in is not None and ts_in >= cutoff:
                latencies.append(m.timestamp - ts_in)
                timed.append((ts_in, m.timestamp - ts_in))

        rb = await kafka_util.read_all(
            bootstrap, [topics.output, topics.duplicates], len(sent), on_record
        )
    latencies.sort()
    return {
        "env": extra_env,
        "inputs": len(sent),
        "outputs": rb.count,
        "measured": len(latencies),
        "p50_ms": common.percentile(latencies, 50),
        "p95_ms": common.percentile(latencies, 95),
        "p99_ms": common.percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else None,
        "p99_ms_by_quarter": by_quarter(timed),
    }


def by_quarter(timed: list[tuple[float, float]]) -> list[float | None]:
    """p99 of the inputs sent in each quarter of the run: does latency grow as it goes?"""
    if not timed:
        return []
    start, end = min(t for t, _ in timed), max(t for t, _ in timed)
    span = max(end - start, 1e-9)
    quarters: list[list[float]] = [[], [], [], []]
    for t, lat in timed:
        quarters[min(3, int(4 * (t - start) / span))].append(lat)
    return [common.percentile(sorted(q), 99) if q else None for q in quarters]


async def bench(bootstrap: str, args: argparse.Namespace) -> dict[str, Any]:
    base = dict(kv.split("=", 1) for kv in args.env)
    grid = [base]
    if args.sweep:
        grid = [
            base | {"DYAD_FETCH_MAX_WAIT_MS": str(f), "DYAD_LINGER_MS": str(lg)}
            for f in SWEEP_FETCH_WAIT_MS
            for lg in SWEEP_LINGER_MS
        ]
    results = []
    limit: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="dyad-lat-") as tmp:
        if args.with_limit:
            limit = await one_setting(bootstrap, args, base, Path(tmp), limit=True)
            print(
                f"limit loop: p50 {limit['p50_ms']} ms, p95 {limit['p95_ms']} ms, "
                f"p99 {limit['p99_ms']} ms, max {limit['max_ms']} ms; "
                f"p99 by quarter {limit['p99_ms_by_quarter']}",
                flush=True,
            )
        for env in grid:
            res = await one_setting(bootstrap, args, env, Path(tmp))
            results.append(res)
            print(
                f"{env or 'defaults'}: p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, "
                f"p99 {res['p99_ms']} ms, max {res['max_ms']} ms ({res['measured']} measured); "
                f"p99 by quarter {res['p99_ms_by_quarter']}",
                flush=True,
            )
    return {
        "bench": "latency",
        "rate_per_s": args.rate,
        "duration_s": args.duration,
        "partitions": args.partitions,
        "results": results,
        "best_p99": min(results, key=lambda r: r["p99_ms"]),
        "limit": limit,
        "machine": common.machine(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--full", action="store_true", help="60 s per setting")
    p.add_argument("--tiny", action="store_true", help="2 s at 100/s (smoke test)")
    p.add_argument("--rate", type=float, default=500.0)
    p.add_argument("--duration", type=float)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--sweep", action="store_true", help="try the fetch-wait x linger grid")
    p.add_argument("--with-limit", action="store_true", help="measure the limit loop first")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--bootstrap")
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for the service")
    p.add_argument("--json")
    args = p.parse_args(argv)
    if args.tiny:
        args.rate, args.warmup = 100.0, 0.0
    args.duration = args.duration or (2.0 if args.tiny else 60.0 if args.full else 15.0)
    with ExitStack() as stack:
        bootstrap = args.bootstrap or stack.enter_context(EmbeddedBroker()).bootstrap
        fig = asyncio.run(bench(bootstrap, args))
    common.emit(fig, args.json)
    return fig


if __name__ == "__main__":
    main()
