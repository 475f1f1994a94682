from __future__ import annotations

import pytest
from pydantic import ValidationError

from dyad.config import Settings, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("7d", 604800.0),
        ("36h", 129600.0),
        ("90s", 90.0),
        ("250ms", 0.25),
        ("2w", 1209600.0),
        ("15", 15.0),
        ("1.5h", 5400.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_bad_duration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYAD_DEDUP_WINDOW", "a week")
    with pytest.raises(ValidationError):
        Settings()


def test_contract_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    monkeypatch.setenv("DYAD_INPUT_TOPIC", "raw")
    monkeypatch.setenv("DYAD_DEDUP_WINDOW", "36h")
    monkeypatch.setenv("DYAD_DEDUP_BACKEND", "redis")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "marker-secret-42")
    monkeypatch.setenv("DYAD_HTTP_TOKEN", "token-secret-43")
    s = Settings()
    assert s.bootstrap_servers == "k1:9092,k2:9092"
    assert s.input_topic == "raw" and s.output_topic == "articles.enriched"
    assert s.dedup_window_s == 129600.0
    assert s.dedup_backend == "redis"
    shown = repr(s.public()) + repr(s)
    assert "marker-secret-42" not in shown and "token-secret-43" not in shown


def test_defaults_match_the_contract() -> None:
    s = Settings()
    assert (s.input_topic, s.output_topic, s.duplicates_topic, s.dlq_topic) == (
        "articles.raw",
        "articles.enriched",
        "articles.duplicates",
        "articles.dlq",
    )
    assert (s.group_id, s.http_host, s.http_port) == ("dyad", "127.0.0.1", 8000)
    assert s.dedup_window_s == 7 * 86400 and s.dedup_max_entries == 1_000_000
    assert s.max_message_bytes == 1_048_576 and s.security_protocol == "PLAINTEXT"
