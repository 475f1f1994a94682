"""Publish a JSON Lines file of raw articles to a topic (replays, backfills, tests).

Every non-blank line is published as it is (malformed lines too: the service
turns them into dead letters). The key is the article id when the line parses.

example:
  KAFKA_BOOTSTRAP_SERVERS=localhost:9092 dyad publish backfill.jsonl --topic articles.raw
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import orjson

from dyad.adapters.kafka import ConfigError, make_producer
from dyad.commands.progress import Reporter
from dyad.config import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="JSON Lines file of raw articles")
    p.add_argument("--topic", help="target topic (default DYAD_INPUT_TOPIC)")
    p.add_argument("--bootstrap-servers", help="overrides KAFKA_BOOTSTRAP_SERVERS")


def key_of(value: bytes) -> bytes | None:
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("id"), str):
        return str(doc["id"]).encode("utf-8")
    return None


def read_lines(path: Path) -> list[bytes]:
    with path.open("rb") as f:
        return [line.rstrip(b"\r\n") for line in f if line.strip()]


async def publish(
    settings: Settings, topic: str, values: list[bytes], progress: Reporter | None = None
) -> int:
    producer = make_producer(settings)
    await producer.start()
    try:
        futures = []
        for v in values:
            fut = await producer.send(topic, v, key=key_of(v))
            if progress is not None:
                fut.add_done_callback(lambda _f: progress.advance())
            futures.append(fut)
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(values)


def main(args: argparse.Namespace) -> int:
    overrides = {"bootstrap_servers": args.bootstrap_servers} if args.bootstrap_servers else {}
    settings = Settings(**overrides)
    topic = args.topic or settings.input_topic
    values = read_lines(args.file)
    try:
        with Reporter("publish", len(values), "msg") as progress:
            n = asyncio.run(publish(settings, topic, values, progress))
    except ConfigError as e:
        print(f"dyad: {e}", file=sys.stderr)
        return 2
    progress.summary(f"published {n} messages (all acknowledged) to {topic}")
    return 0
