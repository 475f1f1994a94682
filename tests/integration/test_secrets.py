"""A marker password and a marker HTTP token are searched for in everything dyad emits:
its log (at DEBUG), every output topic (values and keys, dead letters included),
/health, /stats and /metrics, and the answers to unauthorised requests."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.integration.kafka_io import consume, produce
from tests.integration.test_end_to_end import make_stream


def _emitted(svc: Any, token: str) -> dict[str, str]:
    auth = {"Authorization": f"Bearer {token}"}
    return {
        "log": svc.logs(),
        "ready": svc.get("/health/ready").text,
        "live": svc.get("/health/live").text,
        "stats": svc.get("/stats", headers=auth).text,
        "metrics": svc.get("/metrics", headers=auth).text,
        "stats unauthorised": svc.get("/stats").text,
        "metrics wrong token": svc.get("/metrics", headers={"Authorization": "Bearer x"}).text,
    }


def _assert_absent(secrets: list[str], emitted: dict[str, str]) -> None:
    for where, text in emitted.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"


def test_secrets_never_appear_in_outputs(broker: Any, topics: Any, start_service: Any) -> None:
    password, token = f"pw-{uuid.uuid4().hex}", f"tok-{uuid.uuid4().hex}"
    values = make_stream(200, seed=41, prefix="z")
    produce(broker.bootstrap, topics.input, values)
    env = {
        "KAFKA_SASL_USERNAME": "dyad",
        "KAFKA_SASL_PASSWORD": password,  # set, unused: PLAINTEXT
        "DYAD_HTTP_TOKEN": token,
        "DYAD_LOG_LEVEL": "DEBUG",
    }
    svc = start_service(topics, env=env)
    svc.wait_ready(90)
    records = consume(broker.bootstrap, topics.outputs, len(values), timeout=90, settle=1)
    assert len(records) == len(values)
    assert svc.get("/stats").status_code == 401
    assert svc.get("/metrics").status_code == 401
    assert svc.get("/stats", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert svc.get("/health/ready").status_code == 200  # probes need no token
    emitted = _emitted(svc, token)
    for rec in records:
        emitted[f"{rec.topic}@{rec.offset}"] = (rec.value + (rec.key or b"")).decode("utf-8")
    svc.terminate()
    assert svc.wait(15) == 0
    emitted["log after stop"] = svc.logs()
    _assert_absent([password, token], emitted)


def test_sasl_failure_does_not_leak_the_password(
    broker: Any, topics: Any, start_service: Any
) -> None:
    """The test broker answers no SASL: the connection fails, and the errors say so
    without the password (SASL itself is tested at the configuration level)."""
    password, token = f"pw-{uuid.uuid4().hex}", f"tok-{uuid.uuid4().hex}"
    env = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "dyad",
        "KAFKA_SASL_PASSWORD": password,
        "DYAD_HTTP_TOKEN": token,
        "DYAD_LOG_LEVEL": "DEBUG",
    }
    svc = start_service(topics, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and svc.ready()[1].startswith("http"):
        time.sleep(0.5)  # until HTTP answers
    time.sleep(8)  # a few failed connection attempts
    assert svc.proc.poll() is None
    ok, reason = svc.ready()
    assert not ok, reason
    _assert_absent([password, token], _emitted(svc, token))
    svc.terminate()
    assert svc.wait(15) == 0
    assert password not in svc.logs()
