"""aiokafka clients built from Settings: security, tuning, and the admin helpers."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from dyad.config import Settings


class ConfigError(RuntimeError):
    """A setting that cannot work; the message says which and why."""


def security_kwargs(s: Settings) -> dict[str, Any]:
    kw: dict[str, Any] = {"security_protocol": s.security_protocol}
    if s.security_protocol in ("SSL", "SASL_SSL"):
        kw["ssl_context"] = ssl_context(s)
    if s.security_protocol.startswith("SASL"):
        if not s.sasl_username or s.sasl_password is None:
            raise ConfigError(
                f"KAFKA_SECURITY_PROTOCOL={s.security_protocol} needs KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD"
            )
        kw["sasl_mechanism"] = s.sasl_mechanism
        kw["sasl_plain_username"] = s.sasl_username
        kw["sasl_plain_password"] = s.sasl_password.get_secret_value()
    return kw


def ssl_context(s: Settings) -> ssl.SSLContext:
    try:
        ctx = ssl.create_default_context(cafile=str(s.ssl_cafile) if s.ssl_cafile else None)
        if s.ssl_certfile:
            ctx.load_cert_chain(str(s.ssl_certfile), str(s.ssl_keyfile) if s.ssl_keyfile else None)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load TLS files: {e}") from e
    return ctx


async def diagnose_tls(s: Settings, timeout_s: float = 5.0) -> str | None:
    """Why a TLS connection to the first bootstrap server fails, or None.

    aiokafka reports a failed handshake as "Unable to bootstrap"; an operator needs
    "certificate verify failed" instead, on /health/ready and in the log.
    """
    if s.security_protocol not in ("SSL", "SASL_SSL") or not s.bootstrap_servers:
        return None
    first = s.bootstrap_servers.split(",")[0].strip()
    host, _, port = first.rpartition(":")
    host = host.strip("[]")
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, int(port), ssl=ssl_context(s)), timeout_s
        )
    except ssl.SSLError as e:
        return f"TLS handshake with {first} failed: {e}"
    except (OSError, TimeoutError, ValueError, ConfigError):
        return None  # not a TLS problem: the caller reports its own error
    writer.close()
    return None


def bootstrap_servers(s: Settings) -> str:
    """The brokers, or a ConfigError that tells the user what to set."""
    if not s.bootstrap_servers:
        raise ConfigError(
            "KAFKA_BOOTSTRAP_SERVERS is not set: point it at your Kafka brokers "
            "(e.g. KAFKA_BOOTSTRAP_SERVERS=localhost:9092), or run `dyad demo` for a local one"
        )
    return s.bootstrap_servers


def make_consumer(s: Settings, *topics: str, rebalance_listener: Any = None) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(s),
        group_id=s.group_id,
        group_instance_id=s.group_instance_id,
        client_id=f"dyad-{s.group_instance_id or 'consumer'}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        fetch_max_wait_ms=s.fetch_max_wait_ms,
        max_partition_fetch_bytes=min(s.batch_max_bytes, 8 * 1_048_576),
        fetch_max_bytes=s.batch_max_bytes,
        max_poll_records=s.batch_max_records,
        session_timeout_ms=s.session_timeout_ms,
        heartbeat_interval_ms=min(s.heartbeat_interval_ms, s.session_timeout_ms // 3),
        **security_kwargs(s),
    )
    if topics:
        consumer.subscribe(list(topics), listener=rebalance_listener)
    return consumer


def make_producer(s: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers(s),
        client_id="dyad-producer",
        acks="all",
        enable_idempotence=s.idempotence,
        compression_type=None if s.compression == "none" else s.compression,
        linger_ms=s.linger_ms,
        max_batch_size=256 * 1024,
        max_request_size=s.max_request_bytes,
        request_timeout_ms=s.request_timeout_ms,
        retry_backoff_ms=200,
        **security_kwargs(s),
    )


def make_admin(s: Settings) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers(s), client_id="dyad-admin", **security_kwargs(s)
    )


async def ensure_topics(s: Settings, partitions: int = 3, replication: int = 1) -> list[str]:
    """Creates the four topics when missing (demo and tests; production creates them ahead)."""
    admin = make_admin(s)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [s.input_topic, s.output_topic, s.duplicates_topic, s.dlq_topic]
        missing = [t for t in wanted if t not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(t, partitions, replication) for t in missing])
            except TopicAlreadyExistsError:
                pass  # another instance won the race
        return missing
    finally:
        await admin.close()


async def read_topics(
    s: Settings, topics: list[str], count: int, timeout_s: float = 30.0
) -> list[Any]:
    """Reads `count` records from the start of `topics` (no group, nothing committed)."""
    import asyncio
    import time

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(s),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        group_id=None,
        **security_kwargs(s),
    )
    await consumer.start()
    records: list[Any] = []
    try:
        consumer.subscribe(topics)
        deadline = time.monotonic() + timeout_s
        while len(records) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for msgs in batch.values():
                records.extend(msgs)
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return records
