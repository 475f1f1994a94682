"""One frozen Settings object, read from the environment (CONTRACT.md) in main, never at import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(text: str | float | int) -> float:
    """'7d', '36h', '90s', '250ms' or plain seconds -> seconds."""
    if isinstance(text, int | float):
        return float(text)
    m = _DURATION_RE.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 7d, 36h, 90s)")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    bootstrap_servers: str | None = Field(None, validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS"))
    input_topic: str = Field("articles.raw", validation_alias=_env("DYAD_INPUT_TOPIC"))
    output_topic: str = Field("articles.enriched", validation_alias=_env("DYAD_OUTPUT_TOPIC"))
    duplicates_topic: str = Field(
        "articles.duplicates", validation_alias=_env("DYAD_DUPLICATES_TOPIC")
    )
    dlq_topic: str = Field("articles.dlq", validation_alias=_env("DYAD_DLQ_TOPIC"))
    group_id: str = Field("dyad", validation_alias=_env("DYAD_GROUP_ID"))
    group_instance_id: str | None = Field(None, validation_alias=_env("DYAD_GROUP_INSTANCE_ID"))

    http_host: str = Field("127.0.0.1", validation_alias=_env("DYAD_HTTP_HOST"))
    http_port: int = Field(8000, ge=0, le=65535, validation_alias=_env("DYAD_HTTP_PORT"))
    http_token: SecretStr | None = Field(None, validation_alias=_env("DYAD_HTTP_TOKEN"))

    state_dir: Path = Field(Path("./.dyad-state"), validation_alias=_env("DYAD_STATE_DIR"))
    dedup_backend: Literal["local", "redis"] = Field(
        "local", validation_alias=_env("DYAD_DEDUP_BACKEND")
    )
    redis_url: str | None = Field(None, validation_alias=_env("DYAD_REDIS_URL"))
    dedup_window_s: float = Field(7 * 86400.0, validation_alias=_env("DYAD_DEDUP_WINDOW"))
    dedup_max_entries: int = Field(1_000_000, ge=1, validation_alias=_env("DYAD_DEDUP_MAX_ENTRIES"))
    max_message_bytes: int = Field(
        1_048_576, ge=1024, validation_alias=_env("DYAD_MAX_MESSAGE_BYTES")
    )
    log_level: str = Field("INFO", validation_alias=_env("DYAD_LOG_LEVEL"))

    # Extra vocabulary files, with no code change (comma-separated paths).
    gazetteer_files: str = Field("", validation_alias=_env("DYAD_GAZETTEER_FILES"))
    taxonomy_files: str = Field("", validation_alias=_env("DYAD_TAXONOMY_FILES"))

    # Kafka client tuning: chosen by measurement (bench/), overridable.
    batch_max_records: int = Field(500, ge=1, validation_alias=_env("DYAD_BATCH_MAX_RECORDS"))
    batch_max_bytes: int = Field(
        16 * 1_048_576, ge=1024, validation_alias=_env("DYAD_BATCH_MAX_BYTES")
    )
    fetch_max_wait_ms: int = Field(25, ge=0, validation_alias=_env("DYAD_FETCH_MAX_WAIT_MS"))
    session_timeout_ms: int = Field(
        10_000, ge=1000, validation_alias=_env("DYAD_SESSION_TIMEOUT_MS")
    )
    heartbeat_interval_ms: int = Field(
        3_000, ge=100, validation_alias=_env("DYAD_HEARTBEAT_INTERVAL_MS")
    )
    linger_ms: int = Field(2, ge=0, validation_alias=_env("DYAD_LINGER_MS"))
    # Helper processes for the CPU-bound analysis (dyad.workers); 0: all in one process.
    workers: int = Field(0, ge=0, le=64, validation_alias=_env("DYAD_WORKERS"))
    compression: Literal["none", "gzip", "lz4", "zstd", "snappy"] = Field(
        "lz4", validation_alias=_env("DYAD_COMPRESSION")
    )
    idempotence: bool = Field(False, validation_alias=_env("DYAD_PRODUCER_IDEMPOTENCE"))
    request_timeout_ms: int = Field(
        40_000, ge=1000, validation_alias=_env("DYAD_REQUEST_TIMEOUT_MS")
    )
    max_request_bytes: int = Field(
        1_048_576, ge=1024, validation_alias=_env("DYAD_MAX_REQUEST_BYTES")
    )

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", validation_alias=_env("KAFKA_SECURITY_PROTOCOL")
    )
    ssl_cafile: Path | None = Field(None, validation_alias=_env("KAFKA_SSL_CAFILE"))
    ssl_certfile: Path | None = Field(None, validation_alias=_env("KAFKA_SSL_CERTFILE"))
    ssl_keyfile: Path | None = Field(None, validation_alias=_env("KAFKA_SSL_KEYFILE"))
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "PLAIN", validation_alias=_env("KAFKA_SASL_MECHANISM")
    )
    sasl_username: str | None = Field(None, validation_alias=_env("KAFKA_SASL_USERNAME"))
    sasl_password: SecretStr | None = Field(None, validation_alias=_env("KAFKA_SASL_PASSWORD"))

    @field_validator("dedup_window_s", mode="before")
    @classmethod
    def _window(cls, v: object) -> float:
        if isinstance(v, str | int | float):
            return parse_duration(v)
        raise ValueError("DYAD_DEDUP_WINDOW must be a duration such as 7d")

    @property
    def extra_gazetteers(self) -> list[Path]:
        return [Path(p) for p in self.gazetteer_files.split(",") if p.strip()]

    @property
    def extra_taxonomies(self) -> list[Path]:
        return [Path(p) for p in self.taxonomy_files.split(",") if p.strip()]

    def public(self) -> dict[str, object]:
        """Settings safe to show (secrets masked) for /stats and the start-up log."""
        return self.model_dump(mode="json", exclude={"sasl_password", "http_token"}) | {
            "sasl_password": "***" if self.sasl_password else None,
            "http_token": "***" if self.http_token else None,
        }
