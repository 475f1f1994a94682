"""A TLS-only broker: Debian's stunnel in front of a dedicated tansu broker.

tansu's own TLS options do not work (BROKER-NOTES.md), so stunnel terminates TLS
with a self-signed certificate made here by openssl, and the broker advertises
only the stunnel port: a client that does not speak TLS with the right CA gets
nowhere.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dyad.adapters.broker import EmbeddedBroker, free_port, wait_for_port


def _tool(*names: str) -> str:
    for name in names:
        if found := shutil.which(name):
            return found
    pytest.fail(f"{names[0]} is not installed: run tools/ensure-sysdeps.sh")


def make_ca_and_cert(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA): (cert, key)."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(
        [
            _tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class TlsBroker:
    broker: EmbeddedBroker
    tls_port: int
    cafile: Path
    wrong_cafile: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.tls_port}"


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[TlsBroker]:
    cert, key = make_ca_and_cert(tmp_path, "broker")
    other, _ = make_ca_and_cert(tmp_path, "stranger")
    tls_port = free_port()
    broker = EmbeddedBroker(advertised_port=tls_port, log_path=tmp_path / "tansu.log").start()
    conf = tmp_path / "stunnel.conf"
    conf.write_text(
        f"foreground = yes\npid =\nsyslog = no\ndebug = 3\noutput = {tmp_path / 'stunnel.log'}\n"
        f"[kafka]\naccept = 127.0.0.1:{tls_port}\nconnect = 127.0.0.1:{broker.port}\n"
        f"cert = {cert}\nkey = {key}\n"
    )
    stunnel = [_tool("stunnel4", "stunnel"), str(conf)]
    proc = subprocess.Popen(stunnel, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(tls_port)
        yield TlsBroker(broker, tls_port, cert, other)
    finally:
        proc.terminate()
        proc.wait(10)
        broker.stop()
