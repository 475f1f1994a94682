"""A TLS-only broker (stunnel in front of tansu, only the TLS port advertised).

dyad with KAFKA_SECURITY_PROTOCOL=SSL and the right CA processes a stream; with the
wrong CA it stays up, not ready, and says why (the certificate check failed) on
/health/ready and in its log, rather than hanging or exiting: a certificate
rotated on the broker side can be fixed without restarting every pod.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.integration.conftest import Topics
from tests.integration.kafka_io import audit
from tests.integration.test_end_to_end import make_stream


def _tls(cafile: Path) -> dict[str, Any]:
    return {"security_protocol": "SSL", "ssl_context": ssl.create_default_context(cafile=cafile)}


async def _setup(bootstrap: str, cafile: Path, topics: Topics, values: list[Any]) -> list[Any]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **_tls(cafile))
    await admin.start()
    try:
        names = [topics.input, *topics.outputs]
        await admin.create_topics([NewTopic(n, 3, 1) for n in names])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **_tls(cafile))
    await producer.start()
    try:
        futures = [await producer.send(topics.input, v, key=b"k") for v in values]
        metas = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return [(m.partition, m.offset) for m in metas]


async def _read(bootstrap: str, cafile: Path, topics: list[str], count: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", **_tls(cafile)
    )
    await consumer.start()
    out: list[Any] = []
    try:
        deadline = time.monotonic() + 90
        while len(out) < count and time.monotonic() < deadline:
            for msgs in (await consumer.getmany(timeout_ms=200)).values():
                out.extend(msgs)
    finally:
        await consumer.stop()
    return out


def _topics(tag: str) -> Topics:
    return Topics(f"in-{tag}", f"out-{tag}", f"dup-{tag}", f"dlq-{tag}", f"group-{tag}")


def test_stream_through_a_tls_only_broker(tls_broker: Any, start_service: Any) -> None:
    tb = tls_broker
    topics = _topics(f"tls{time.time_ns() % 10**9}")
    values = make_stream(300, seed=31, prefix="s")
    positions = asyncio.run(_setup(tb.bootstrap, tb.cafile, topics, values))
    env = {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": str(tb.cafile)}
    svc = start_service(topics, env=env, bootstrap=tb.bootstrap)
    svc.wait_ready(90)
    records = asyncio.run(_read(tb.bootstrap, tb.cafile, topics.outputs, len(values)))
    result = audit(values, positions, records, topics.input, topics.dlq)
    assert not result["lost"] and not result["unknown"], result["lost"][:5]
    assert len(records) == len(values)
    svc.terminate()
    assert svc.wait(15) == 0


def test_wrong_ca_says_why_and_does_not_hang(tls_broker: Any, start_service: Any) -> None:
    tb = tls_broker
    topics = _topics(f"tlsbad{time.time_ns() % 10**9}")
    env = {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": str(tb.wrong_cafile)}
    svc = start_service(topics, env=env, bootstrap=tb.bootstrap)
    deadline = time.monotonic() + 90
    reason = ""
    while time.monotonic() < deadline:
        assert svc.proc.poll() is None, svc.logs()[-2000:]
        ok, reason = svc.ready()
        assert not ok, "must never be ready with a CA that does not match"
        if "certificate verify failed" in reason.lower():
            break
        time.sleep(0.5)
    assert "certificate verify failed" in reason.lower(), reason
    assert "certificate verify failed" in svc.logs().lower()
    svc.terminate()
    assert svc.wait(15) == 0
