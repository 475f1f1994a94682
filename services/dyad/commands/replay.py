"""Move a consumer group's committed offsets back to a point in time, to reprocess.

For every partition of the input topic, the new offset is the first message at
or after TIME (Kafka's offsets-for-times; where the broker cannot answer that,
a binary search over record timestamps). Partitions with nothing after TIME go
to their end. The moves are printed before anything changes; --dry-run stops
there. The group must have no live members: stop or scale the service to zero
first (a running member would overwrite the offsets with its next commit).
The commit is made as the group's only member, which proves nobody else joined.

TIME is RFC 3339 (2026-05-01T12:00:00Z; no offset means UTC) or a duration
back from now (90m, 6h, 2d).

examples:
  dyad replay --since 2026-05-01T00:00:00Z --dry-run
  kubectl scale statefulset/dyad --replicas=0 && dyad replay --since 6h && \\
    kubectl scale statefulset/dyad --replicas=3
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from dyad.adapters.kafka import ConfigError, bootstrap_servers, make_admin, security_kwargs
from dyad.config import Settings, parse_duration

REFUSED = 3


class Refused(RuntimeError):
    """The group has live members: moving its offsets now would be overwritten."""


@dataclass
class Move:
    partition: int
    committed: int | None
    target: int
    end: int

    @property
    def again(self) -> int:
        """Messages the group had already processed that it will process once more."""
        return max(0, (self.committed or 0) - self.target)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", required=True, help="RFC 3339 time, or a duration back (6h, 2d)")
    p.add_argument("--group", help="consumer group (default DYAD_GROUP_ID)")
    p.add_argument("--topic", help="input topic (default DYAD_INPUT_TOPIC)")
    p.add_argument("--dry-run", action="store_true", help="print the moves, change nothing")
    p.add_argument("--join-timeout", type=float, default=60.0, help="seconds to join the group")
    p.add_argument("--bootstrap-servers", help="overrides KAFKA_BOOTSTRAP_SERVERS")


def parse_since(text: str, now: float | None = None) -> int:
    """-> epoch milliseconds."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        seconds = parse_duration(text)  # raises ValueError with a clear message
        return int(((now if now is not None else time.time()) - seconds) * 1000)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


async def live_members(settings: Settings, group: str) -> list[str]:
    admin = make_admin(settings)
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    members: list[str] = []
    for resp in responses:
        for g in resp.to_object()["groups"]:
            if g["state"] not in ("Empty", "Dead", ""):
                members += [f"{m['member_id']} ({m['client_host']})" for m in g["members"]]
    return members


async def _first_at_or_after(
    c: AIOKafkaConsumer, tp: TopicPartition, ts: int, lo: int, hi: int
) -> int:
    """Binary search over record timestamps, for brokers without a time index."""
    while lo < hi:
        mid = (lo + hi) // 2
        c.seek(tp, mid)
        got = (await c.getmany(tp, timeout_ms=3000, max_records=1)).get(tp, [])
        if not got:
            hi = mid
        elif got[0].timestamp >= ts:
            hi = mid
        else:
            lo = got[0].offset + 1
    return lo


async def _true_end(c: AIOKafkaConsumer, tp: TopicPartition, start: int) -> int:
    end = start
    while True:
        c.seek(tp, end)
        got = (await c.getmany(tp, timeout_ms=1000)).get(tp, [])
        if not got:
            return end
        end = got[-1].offset + 1


async def plan(settings: Settings, topic: str, group: str, since_ms: int) -> list[Move]:
    kw = security_kwargs(settings)
    c = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None, **kw)
    g = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, group_id=group, enable_auto_commit=False, **kw
    )
    await c.start()
    await g.start()
    try:
        parts = await _partitions(c, topic)
        tps = [TopicPartition(topic, p) for p in parts]
        c.assign(tps)
        begins, ends = await c.beginning_offsets(tps), await c.end_offsets(tps)
        found = await c.offsets_for_times({tp: since_ms for tp in tps})
        moves = []
        for tp in tps:
            committed = await g.committed(tp)
            end = ends[tp]
            if committed is not None and committed > end:  # a broker that misreports its end
                end = await _true_end(c, tp, committed)
            hit = found.get(tp)
            if hit is None:
                target = end
            elif hit.timestamp >= since_ms:
                target = hit.offset
            else:  # an answer no Kafka gives (tansu: offset 0, timestamp -1): search ourselves
                target = await _first_at_or_after(c, tp, since_ms, begins[tp], end)
            moves.append(Move(tp.partition, committed, target, end))
        return moves
    finally:
        await c.stop()
        await g.stop()


async def _partitions(c: AIOKafkaConsumer, topic: str) -> list[int]:
    await c.topics()
    parts = c.partitions_for_topic(topic)
    if not parts:
        raise ConfigError(f"topic {topic!r} does not exist")
    return sorted(parts)


async def apply(
    settings: Settings, topic: str, group: str, moves: list[Move], join_s: float
) -> None:
    """Joins the group, and commits only once it holds every partition (no one else is in)."""
    c = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=min(settings.heartbeat_interval_ms, settings.session_timeout_ms // 3),
        **security_kwargs(settings),
    )
    await c.start()
    try:
        wanted = {TopicPartition(topic, m.partition) for m in moves}
        deadline = time.monotonic() + join_s
        while c.assignment() != wanted:
            if time.monotonic() > deadline:
                raise Refused(
                    f"could not hold all partitions of {topic} within {join_s:.0f}s: "
                    "another member is in the group"
                )
            c.pause(*c.assignment())  # join and heartbeat, but fetch nothing
            await c.getmany(timeout_ms=200)
        await c.commit(
            {
                TopicPartition(topic, m.partition): OffsetAndMetadata(m.target, "dyad replay")
                for m in moves
            }
        )
    finally:
        await c.stop()


def print_moves(moves: list[Move], topic: str, group: str, since_ms: int) -> None:
    when = datetime.fromtimestamp(since_ms / 1000, tz=UTC).isoformat(timespec="seconds")
    print(f"group {group}, topic {topic}: first message at or after {when}")
    print(f"{'partition':>9}  {'committed':>10}  {'new offset':>10}  {'again':>8}  {'end':>8}")
    for m in moves:
        committed = "none" if m.committed is None else str(m.committed)
        print(f"{m.partition:>9}  {committed:>10}  {m.target:>10}  {m.again:>8}  {m.end:>8}")
    print(f"{sum(m.again for m in moves)} messages will be processed again")


async def replay(settings: Settings, args: argparse.Namespace) -> int:
    topic = args.topic or settings.input_topic
    group = args.group or settings.group_id
    since_ms = parse_since(args.since)
    bootstrap_servers(settings)
    members = await live_members(settings, group)
    if members:
        raise Refused(
            f"group {group} has {len(members)} live member(s): {', '.join(members[:5])}. "
            "Stop the service (e.g. scale it to zero) and run replay again."
        )
    moves = await plan(settings, topic, group, since_ms)
    print_moves(moves, topic, group, since_ms)
    if args.dry_run:
        print("dry run: nothing changed")
        return 0
    await apply(settings, topic, group, moves, args.join_timeout)
    print(f"committed the new offsets for group {group}; start the service to reprocess")
    return 0


def main(args: argparse.Namespace) -> int:
    overrides = {"bootstrap_servers": args.bootstrap_servers} if args.bootstrap_servers else {}
    settings = Settings(**overrides)
    try:
        parse_since(args.since)
        return asyncio.run(replay(settings, args))
    except ValueError as e:
        print(f"dyad replay: --since: {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"dyad replay: {e}", file=sys.stderr)
        return 2
    except Refused as e:
        print(f"dyad replay: refused: {e}", file=sys.stderr)
        return REFUSED
    except KafkaError as e:
        print(f"dyad replay: Kafka error: {e}", file=sys.stderr)
        return 1
