"""End to end through a real broker, side by side with the limit and the peer, in one run.

A topic is preloaded with N corpus articles. Then, one after the other, each reads
all of it with its own consumer group and its own output topics:
  limit  bench/limit_loop.py: consume and republish, no processing, dyad's client settings
  dyad   `python -m dyad run`, the service as deployed
  peer   bench/limit_loop.py --peer: the datasketch + regex pipeline (first --peer-n articles)
Each is timed from its process start to the timestamp of its last output ("wall"),
and from its first output to its last ("steady"). Both go through the same broker
(tansu, started here unless --bootstrap) with the same DYAD_* settings.

    python bench/bench_e2e.py            # quick: 20,000 articles, no peer over the broker
    python bench/bench_e2e.py --full     # 100,000 articles, peer over 2,000
    python bench/bench_e2e.py --env DYAD_BATCH_MAX_RECORDS=2000 --env DYAD_LINGER_MS=10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import common
import kafka_util
from corpus import Generator
from dyad.adapters.broker import EmbeddedBroker, free_port


class Contender:
    def __init__(self, name: str, cmd: list[str], outputs: str = "all") -> None:
        self.name, self.cmd, self.outputs = name, cmd, outputs


LIMIT = Contender("limit", [sys.executable, str(common.ROOT / "bench" / "limit_loop.py")], "one")
DYAD = Contender("dyad", common.DYAD_RUN)
PEER = Contender(
    "peer", [sys.executable, str(common.ROOT / "bench" / "limit_loop.py"), "--peer"], "one"
)


def profiled(cmd: list[str], out: Path) -> list[str]:
    """The command under py-spy (helper processes too), writing folded stacks to `out`."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return [
        exe,
        "record",
        "--format",
        "raw",
        "-r",
        "100",
        "--subprocesses",
        "-o",
        str(out),
        "--",
    ] + cmd


def print_profile(path: Path, top: int = 15) -> None:
    from profile_core import fold

    own, total, samples = fold(path.read_text("utf-8"))
    print(f"dyad profile: {samples:,} samples; self time:")
    for f, c in own.most_common(top):
        print(f"  {c / samples * 100:5.1f}%  {f}")
    print("total time, dyad functions:")
    for f, c in total.most_common(top):
        print(f"  {c / samples * 100:5.1f}%  {f}")


async def run_one(
    c: Contender,
    bootstrap: str,
    input_topic: str,
    partitions: int,
    target: int,
    extra_env: dict[str, str],
    workdir: Path,
    broker_pid: int | None,
    profile: Path | None = None,
) -> dict[str, Any]:
    topics = await kafka_util.make_topics(bootstrap, input_topic, partitions, c.name)
    env = common.service_env(
        bootstrap,
        **topics.env(),
        DYAD_HTTP_PORT=str(free_port()),
        DYAD_STATE_DIR=str(workdir / f"state-{topics.group}"),
        **extra_env,
    )
    log_path = workdir / f"{c.name}-{topics.group}.log"
    broker_cpu0 = common.cpu_seconds(broker_pid) if broker_pid else 0.0
    load_before = round(os.getloadavg()[0], 2)  # other work on the machine skews the figures
    started = time.time()
    cmd = profiled(c.cmd, profile) if profile else c.cmd
    # Under py-spy, stop dyad itself: py-spy then writes its stacks and exits.
    with common.service_process(env, log_path, cmd, stop_children=bool(profile)) as proc:
        await kafka_util.wait_committed(bootstrap, topics.group, input_topic, target, proc)
        cpu, helpers_cpu = float("nan"), float("nan")
        if not profile:  # the analysis helpers are the service's children
            cpu = common.cpu_seconds(proc.pid)
            helpers_cpu = sum(common.cpu_seconds(k) for k in common.children(proc.pid))
        broker_cpu = common.cpu_seconds(broker_pid) - broker_cpu0 if broker_pid else None
    outputs = topics.outputs if c.outputs == "all" else [topics.output]
    rb = await kafka_util.read_all(bootstrap, outputs, target)
    if rb.last_ms is None or rb.first_ms is None:
        raise RuntimeError(f"{c.name}: no outputs")
    wall = rb.last_ms / 1000 - started
    span = max(1e-3, (rb.last_ms - rb.first_ms) / 1000)
    # The peer is stopped after `target` inputs but may have gone past: count its outputs.
    done = rb.count if c is PEER else target
    return {
        "inputs": done,
        "outputs": rb.count,
        "by_topic": {t.split("-", 1)[0]: n for t, n in rb.by_topic.items()},
        "wall_s": round(wall, 2),
        "articles_per_s": round(done / wall),
        "steady_articles_per_s": round((rb.count - 1) / span),
        "cpu_s": round(cpu, 1),
        "helpers_cpu_s": round(helpers_cpu, 1),
        "broker_cpu_s": round(broker_cpu, 1) if broker_cpu is not None else None,
        "load_avg_1m": [load_before, round(os.getloadavg()[0], 2)],
    }


async def bench(args: argparse.Namespace, bootstrap: str, broker_pid: int | None) -> dict[str, Any]:
    extra_env = dict(kv.split("=", 1) for kv in args.env)
    input_topic = f"bench-in-{os.getpid()}-{int(time.time())}"
    await kafka_util.create_topics(bootstrap, [input_topic], args.partitions)
    gen = Generator(args.seed)
    values = (gen.item(i).value for i in range(args.n))
    preload_s = await kafka_util.produce_all(bootstrap, input_topic, values)
    print(f"preloaded {args.n:,} articles in {preload_s:.1f}s", flush=True)
    fig: dict[str, Any] = {
        "bench": "e2e",
        "articles": args.n,
        "partitions": args.partitions,
        "env": extra_env,
        "preload_s": round(preload_s, 1),
    }
    with tempfile.TemporaryDirectory(prefix="dyad-bench-") as tmp:
        runs = [(LIMIT, args.n), (DYAD, args.n)]
        if args.peer_n:
            runs.append((PEER, min(args.peer_n, args.n)))
        for c, target in runs:
            profile = Path(tmp) / "dyad.stacks" if args.profile and c is DYAD else None
            res = await run_one(
                c, bootstrap, input_topic, args.partitions, target, extra_env, Path(tmp),
                broker_pid, profile,
            )  # fmt: skip
            fig[c.name] = res
            print(f"{c.name:<6} {res}", flush=True)
            if profile is not None:
                print_profile(profile)
                if args.stacks:
                    shutil.copy(profile, args.stacks)
    fig["ratio_dyad_over_limit"] = round(
        fig["dyad"]["articles_per_s"] / fig["limit"]["articles_per_s"], 3
    )
    fig["ratio_dyad_over_limit_steady"] = round(
        fig["dyad"]["steady_articles_per_s"] / fig["limit"]["steady_articles_per_s"], 3
    )
    if "peer" in fig:
        fig["ratio_dyad_over_peer"] = round(
            fig["dyad"]["articles_per_s"] / fig["peer"]["articles_per_s"], 1
        )
    fig["machine"] = common.machine()
    return fig


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--full", action="store_true", help="100,000 articles; the peer over 2,000")
    p.add_argument("--tiny", action="store_true", help="a few hundred articles (smoke test)")
    p.add_argument("-n", type=int)
    p.add_argument("--peer-n", type=int, help="articles for the peer over the broker (0: skip)")
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bootstrap", help="use this broker instead of starting tansu")
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for both loops")
    p.add_argument("--profile", action="store_true", help="run dyad under py-spy, print the top")
    p.add_argument("--stacks", help="with --profile: keep py-spy's folded stacks in this file")
    p.add_argument("--json")
    args = p.parse_args(argv)
    args.n = args.n or (200 if args.tiny else 100_000 if args.full else 20_000)
    if args.peer_n is None:
        args.peer_n = 50 if args.tiny else 2_000 if args.full else 0
    with ExitStack() as stack:
        if args.bootstrap:
            bootstrap, broker_pid = args.bootstrap, None
        else:
            broker = stack.enter_context(EmbeddedBroker())
            bootstrap = broker.bootstrap
            broker_pid = broker.proc.pid if broker.proc else None
        fig = asyncio.run(bench(args, bootstrap, broker_pid))
    dyad, limit = fig["dyad"]["articles_per_s"], fig["limit"]["articles_per_s"]
    print(
        f"e2e: dyad {dyad:,}/s, limit {limit:,}/s -> dyad/limit {fig['ratio_dyad_over_limit']}"
        f" (steady {fig['ratio_dyad_over_limit_steady']})"
    )
    common.emit(fig, args.json)
    return fig


if __name__ == "__main__":
    main()
