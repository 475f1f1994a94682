"""Kafka security settings at the configuration level (the test broker has no SASL)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from dyad.adapters.kafka import ConfigError, make_consumer, make_producer, security_kwargs
from dyad.config import Settings

SECRET = "marker-password-0xC0FFEE"  # noqa: S105 - a marker to search for


def _settings(**kw: object) -> Settings:
    return Settings(bootstrap_servers="broker:9093", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
async def test_sasl_ssl_settings_reach_the_clients(mechanism: str) -> None:
    s = _settings(
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="dyad",
        sasl_password=SECRET,
    )
    kw = security_kwargs(s)
    assert kw["security_protocol"] == "SASL_SSL" and kw["sasl_mechanism"] == mechanism
    assert kw["sasl_plain_username"] == "dyad" and kw["sasl_plain_password"] == SECRET
    assert isinstance(kw["ssl_context"], ssl.SSLContext)
    assert kw["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    producer, consumer = make_producer(s), make_consumer(s, "t")
    assert producer.client._sasl_mechanism == mechanism
    assert consumer._client._sasl_plain_password == SECRET
    await producer.stop()
    await consumer.stop()


def test_sasl_without_credentials_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="KAFKA_SASL_PASSWORD"):
        security_kwargs(_settings(security_protocol="SASL_PLAINTEXT", sasl_username="dyad"))


def test_missing_tls_files_are_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TLS"):
        security_kwargs(_settings(security_protocol="SSL", ssl_cafile=tmp_path / "none.pem"))


def test_secrets_are_masked_wherever_settings_are_shown() -> None:
    s = _settings(sasl_username="dyad", sasl_password=SECRET, http_token=SECRET + "t")
    for text in (repr(s), str(s), str(s.public()), s.model_dump_json()):
        assert SECRET not in text


def test_http_binds_loopback_by_default() -> None:
    assert Settings().http_host == "127.0.0.1"


async def test_static_membership_reaches_the_consumer() -> None:
    consumer = make_consumer(_settings(group_instance_id="pod-7"), "t")
    assert consumer._group_instance_id == "pod-7"
    await consumer.stop()
