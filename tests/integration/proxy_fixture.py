"""A TCP proxy (Debian's socat) between dyad and a dedicated broker, to cut the network.

The broker advertises the proxy's port, so every client (dyad and the test's own)
reaches it only through the proxy; stopping the proxy is a network cut that loses
no data (tansu keeps its topics in memory), starting it again ends the cut.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dyad.adapters.broker import EmbeddedBroker, free_port, wait_for_port


class Proxy:
    def __init__(self, listen_port: int, target_port: int) -> None:
        binary = shutil.which("socat")
        if binary is None:
            pytest.fail("socat is not installed: run tools/ensure-sysdeps.sh")
        self.binary = binary
        self.listen_port = listen_port
        self.target_port = target_port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proxy:
        cmd = [
            self.binary,
            f"TCP-LISTEN:{self.listen_port},bind=127.0.0.1,reuseaddr,fork",
            f"TCP:127.0.0.1:{self.target_port}",
        ]
        # Its own session: a cut kills the listener and every forked connection at once.
        self.proc = subprocess.Popen(cmd, start_new_session=True)
        wait_for_port(self.listen_port)
        return self

    def cut(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.proc = None

    restore = start


@dataclass
class ProxiedBroker:
    broker: EmbeddedBroker
    proxy: Proxy

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.proxy.listen_port}"


@pytest.fixture
def proxied_broker(tmp_path: Path) -> Iterator[ProxiedBroker]:
    """A dedicated tansu broker that advertises a socat proxy in front of it."""
    proxy_port = free_port()
    broker = EmbeddedBroker(advertised_port=proxy_port, log_path=tmp_path / "tansu.log").start()
    proxy = Proxy(proxy_port, broker.port).start()
    try:
        yield ProxiedBroker(broker, proxy)
    finally:
        proxy.cut()
        broker.stop()
