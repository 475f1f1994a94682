"""Follow the enriched topic: one readable line per event (or the JSON itself).

Reads without a consumer group, so it never moves the service's offsets. By
default it starts at the end and waits for new events; --from-beginning reads
the topic's history first. Lines show: processing time, pair, primary sector,
dedup status, title. Article text is untrusted: control characters are
stripped before printing.

examples:
  dyad tail
  dyad tail --from-beginning --pair IR-SY --sector energy
  dyad tail --from-beginning --json --max 100 > events.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from dyad.adapters.kafka import ConfigError, bootstrap_servers, security_kwargs
from dyad.config import Settings

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from-beginning", action="store_true", help="read the topic's history first")
    p.add_argument("--pair", help="only this country pair, e.g. IR-SY (order does not matter)")
    p.add_argument("--sector", help="only events tagged with this sector id, e.g. energy")
    p.add_argument("--json", action="store_true", help="print each event as one JSON line")
    p.add_argument("--duplicates", action="store_true", help="also follow the duplicates topic")
    p.add_argument("--topic", help="topic to follow (default DYAD_OUTPUT_TOPIC)")
    p.add_argument("--max", type=int, default=None, help="exit after printing this many events")
    p.add_argument(
        "--idle-exit", type=float, default=None, help="exit after this many seconds without events"
    )
    p.add_argument("--bootstrap-servers", help="overrides KAFKA_BOOTSTRAP_SERVERS")


def norm_pair(text: str) -> str:
    return "-".join(sorted(part.strip().upper() for part in text.split("-")))


def matches(doc: dict[str, Any], pair: str | None, sector: str | None) -> bool:
    if pair is not None:
        countries = (doc.get("pair") or {}).get("countries") or []
        if "-".join(countries) != pair:
            return False
    if sector is not None:
        return sector in {s.get("id") for s in doc.get("sectors") or []}
    return True


def clean(text: object) -> str:
    return _CONTROL.sub(" ", str(text or "")).strip()


def line_of(doc: dict[str, Any]) -> str:
    art = doc.get("article") or {}
    dd = doc.get("dedup") or {}
    pair = "-".join((doc.get("pair") or {}).get("countries") or []) or "—"
    status = dd.get("status", "?")
    if status != "unique" and dd.get("duplicate_of"):
        status = f"{status} of {clean(dd['duplicate_of'])}"
    title = clean(art.get("title")) or f"({clean(art.get('id'))}, no title)"
    when = clean(doc.get("processed_at"))[:19].replace("T", " ")
    return f"{when}  {pair:<6} {clean(doc.get('primary_sector')) or '—':<13} {status:<10} {title}"


async def follow(settings: Settings, topics: list[str], args: argparse.Namespace) -> int:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if args.from_beginning else "latest",
        **security_kwargs(settings),
    )
    await consumer.start()
    pair = norm_pair(args.pair) if args.pair else None
    printed, idle = 0, 0.0
    try:
        while args.max is None or printed < args.max:
            batch = await consumer.getmany(timeout_ms=500)
            idle = 0.0 if batch else idle + 0.5
            if args.idle_exit is not None and idle >= args.idle_exit:
                break
            for msg in (m for msgs in batch.values() for m in msgs):
                printed += _emit(msg.value, pair, args)
                if args.max is not None and printed >= args.max:
                    break
    finally:
        await consumer.stop()
    return printed


def _emit(value: bytes | None, pair: str | None, args: argparse.Namespace) -> int:
    try:
        doc = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return 0
    if not isinstance(doc, dict) or not matches(doc, pair, args.sector):
        return 0
    print(orjson.dumps(doc).decode() if args.json else line_of(doc), flush=True)
    return 1


def main(args: argparse.Namespace) -> int:
    overrides = {"bootstrap_servers": args.bootstrap_servers} if args.bootstrap_servers else {}
    settings = Settings(**overrides)
    topics = [args.topic or settings.output_topic]
    if args.duplicates:
        topics.append(settings.duplicates_topic)
    try:
        asyncio.run(follow(settings, topics, args))
    except ConfigError as e:
        print(f"dyad tail: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
