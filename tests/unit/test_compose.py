"""docker-compose.yml and the Dockerfile: the shape operators rely on.

No Docker engine runs here; `docker compose config -q` (or docker-compose) validates
the file against the Compose specification when a client with compose is present.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_has_healthchecks_and_ordered_start() -> None:
    doc = yaml.safe_load(COMPOSE.read_text("utf-8"))
    services = doc["services"]
    assert {"kafka", "topics", "dyad"} <= set(services)
    kafka, dyad = services["kafka"], services["dyad"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    assert "healthcheck" in kafka and "healthcheck" in dyad
    assert dyad["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert dyad["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert dyad["build"]["dockerfile"] == "deploy/Dockerfile"
    assert dyad["read_only"] is True
    created = services["topics"]["command"][0]
    for topic in ("articles.raw", "articles.enriched", "articles.duplicates", "articles.dlq"):
        assert topic in created


def test_dockerfile_is_slim_non_root_with_healthcheck() -> None:
    text = DOCKERFILE.read_text("utf-8")
    assert "-slim" in text
    user_lines = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1].split()[1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/health/live" in text


def test_compose_config_validates_with_a_compose_client() -> None:
    cmd = _compose_command()
    if cmd is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must validate docker-compose.yml: install docker-compose")
        pytest.skip(
            "no docker compose client on this machine (tools/ensure-sysdeps.sh installs one)"
        )
    result = subprocess.run(
        [*cmd, "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
