"""The limit: a plain consume-and-republish loop with dyad's client settings, no processing.

It reads the same environment as `dyad run` (KAFKA_BOOTSTRAP_SERVERS, DYAD_INPUT_TOPIC,
DYAD_OUTPUT_TOPIC, DYAD_GROUP_ID, DYAD_FETCH_MAX_WAIT_MS, DYAD_BATCH_MAX_RECORDS,
DYAD_LINGER_MS, DYAD_COMPRESSION, ...), builds its clients with the same factory
(dyad.adapters.kafka), and per getmany batch: republishes every value to the output
topic, waits for every ack, commits the offsets. Nothing else. With --peer it runs
the comparison peer (bench/peer_pipeline.py) on each value instead of copying it.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 DYAD_INPUT_TOPIC=in DYAD_OUTPUT_TOPIC=out \\
        python bench/limit_loop.py
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Callable
from typing import Any

import common  # noqa: F401 - puts this checkout's services/ on the path
from dyad.adapters.kafka import make_consumer, make_producer
from dyad.commands.run import install_uvloop
from dyad.config import Settings


async def loop(s: Settings, transform: Callable[[bytes], bytes] | None) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    consumer = make_consumer(s, s.input_topic)
    producer = make_producer(s)
    await producer.start()
    await consumer.start()
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=500, max_records=s.batch_max_records)
            if not batch:
                continue
            futures: list[Any] = []
            for msgs in batch.values():
                for m in msgs:
                    value = m.value if transform is None else transform(m.value)
                    futures.append(await producer.send(s.output_topic, value, key=m.key))
            await asyncio.gather(*futures)
            await consumer.commit({tp: msgs[-1].offset + 1 for tp, msgs in batch.items()})
    finally:
        await consumer.stop()
        await producer.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--peer", action="store_true", help="run the comparison peer on each value")
    args = p.parse_args()
    transform = None
    if args.peer:
        from peer_pipeline import PeerPipeline

        peer = PeerPipeline()

        def transform(value: bytes) -> bytes:
            return peer.process(value)[1]

    install_uvloop()
    asyncio.run(loop(Settings(), transform))


if __name__ == "__main__":
    main()
