"""Every metric the dashboard and the alert rules name exists on a running service's /metrics;
`dyad stats` shows that service's /stats as tables."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from tests.integration.conftest import ROOT
from tests.integration.kafka_io import article, consume, produce
from tests.unit.test_deploy import referenced_metrics

BODY = (
    "Iran and Syria signed an agreement in Damascus on electricity exports and a new gas "
    "pipeline, the two energy ministers said after talks on {}."
)


def exposed(text: str) -> set[str]:
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1].isalpha()}


def test_dashboard_and_alerts_name_only_exposed_metrics(
    broker: Any, topics: Any, start_service: Any
) -> None:
    values: list[bytes | None] = [article(i, BODY.format(f"day {i}")) for i in range(4)]
    values.append(article(9, BODY.format("day 0")))  # an exact duplicate of art-0
    values.append(b"{not json")  # a dead letter
    produce(broker.bootstrap, topics.input, values)
    svc = start_service(topics)
    svc.wait_ready(40)
    assert len(consume(broker.bootstrap, topics.outputs, len(values), timeout=60)) == len(values)
    time.sleep(2.5)  # one probe interval: lag and end offsets are reported
    names = exposed(svc.get("/metrics").text)
    missing = sorted(referenced_metrics() - names)
    assert not missing, f"named by the dashboard or alerts but not on /metrics: {missing}"
    stats = svc.stats()
    assert stats["counts"]["dead_letters"] == 1 and stats["duplicates_by_kind"]["exact"] >= 1
    assert len(referenced_metrics()) >= 12
    table = subprocess.run(
        [sys.executable, "-m", "dyad", "stats", "--url", svc.url],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "services"), "COLUMNS": "120"},
    )
    assert table.returncode == 0, table.stderr
    for heading in ("lag per partition", "dead letters by reason", "top pairs", "sectors"):
        assert heading in table.stdout
    assert "IR-SY" in table.stdout and "invalid_json" in table.stdout
    svc.terminate()
    assert svc.wait(20) == 0
