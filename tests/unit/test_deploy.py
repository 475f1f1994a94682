"""Deployment files: Kubernetes manifests validate and render, promtool accepts the alert
rules, and the dashboard is well formed. (The integration test test_ops_metrics checks
that every metric named here exists on a running service's /metrics.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import orjson
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
RULES = ROOT / "deploy" / "prometheus" / "dyad-rules.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dyad-dashboard.json"
OVERLAYS = ["base", "overlays/redis", "overlays/redis-keda"]
K8S_VERSION = "1.30.0"
CRD_KINDS = {"ScaledObject", "TriggerAuthentication"}  # KEDA's: not in the Kubernetes schemas
METRIC = re.compile(r"\bdyad_[a-z0-9_]+\b")


def expressions() -> list[str]:
    rules = yaml.safe_load(RULES.read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dash = orjson.loads(DASHBOARD.read_bytes())
    exprs += [t["expr"] for p in dash["panels"] for t in p["targets"]]
    return exprs


def referenced_metrics() -> set[str]:
    return {m for e in expressions() for m in METRIC.findall(e)}


def _resource_files() -> list[Path]:
    files = []
    for kfile in K8S.rglob("kustomization.yaml"):
        doc = yaml.safe_load(kfile.read_text())
        files += [kfile.parent / r for r in doc.get("resources", []) if r.endswith(".yaml")]
    return sorted(set(files))


def _validate(doc: dict[str, Any], where: str) -> None:
    if doc["kind"] in CRD_KINDS:
        assert doc["apiVersion"] == "keda.sh/v1alpha1", where
        return
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_every_manifest_file_validates() -> None:
    files = _resource_files()
    assert len(files) >= 9
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            _validate(doc, str(path))


def _render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        message = "kubectl is not installed: `kubectl kustomize` rendering was NOT checked"
        if os.environ.get("CI") == "true" or os.environ.get("DYAD_REQUIRE_KUBECTL"):
            pytest.fail(message)
        pytest.skip(message)
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / overlay)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def _pod_spec(docs: list[dict[str, Any]]) -> dict[str, Any]:
    workload = next(d for d in docs if d["kind"] in ("StatefulSet", "Deployment"))
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_valid_and_hardened(overlay: str) -> None:
    docs = _render(overlay)
    for doc in docs:
        _validate(doc, f"{overlay}: {doc['kind']}")
    kinds = {d["kind"] for d in docs}
    assert {"ConfigMap", "Secret", "PodDisruptionBudget", "Service"} <= kinds
    workload = "StatefulSet" if overlay == "base" else "Deployment"
    assert workload in kinds and ({"StatefulSet", "Deployment"} - {workload}).isdisjoint(kinds)
    pod = _pod_spec(docs)
    assert pod["securityContext"]["runAsNonRoot"] is True
    (c,) = pod["containers"]
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"]
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert c["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]
    refs = {next(iter(r.values()))["name"] for r in c["envFrom"]}
    assert refs == {"dyad-config", "dyad-kafka"}
    workload_doc = next(d for d in docs if d["kind"] == workload)
    annotations = workload_doc["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    assert config["DYAD_DEDUP_BACKEND"] == ("local" if overlay == "base" else "redis")
    if overlay == "base":
        mounts = {m["mountPath"] for m in c["volumeMounts"]}
        assert config["DYAD_STATE_DIR"] in mounts and workload_doc["spec"]["volumeClaimTemplates"]
    if overlay.endswith("keda"):
        so = next(d for d in docs if d["kind"] == "ScaledObject")
        assert so["spec"]["scaleTargetRef"]["name"] == "dyad"
        (trigger,) = so["spec"]["triggers"]
        assert trigger["type"] == "kafka" and trigger["metadata"]["allowIdleConsumers"] == "false"
        assert trigger["metadata"]["topic"] == config["DYAD_INPUT_TOPIC"]
        assert so["spec"]["maxReplicaCount"] >= so["spec"]["minReplicaCount"] >= 1
        assert "replicas" not in next(d for d in docs if d["kind"] == "Deployment")["spec"]


def test_promtool_accepts_the_rules() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: run tools/ensure-sysdeps.sh (Debian package prometheus)"
    out = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    names = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    assert len(names) == 5
    # every alert fires on its synthetic series and stays quiet on a healthy pod
    cases = RULES.with_name("dyad-rules.test.yaml")
    tested = {
        t["alertname"]
        for c in yaml.safe_load(cases.read_text())["tests"]
        for t in c["alert_rule_test"]
    }
    assert tested == names
    out = subprocess.run(
        [promtool, "test", "rules", str(cases)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_dashboard_is_well_formed() -> None:
    dash = orjson.loads(DASHBOARD.read_bytes())
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)) and dash["uid"]
    titles = " ".join(p["title"].lower() for p in dash["panels"])
    for needed in (
        "throughput",
        "lag",
        "latency",
        "dead letters",
        "duplicates",
        "pairs",
        "sectors",
    ):
        assert needed in titles
    assert {"dyad_messages_in_total", "dyad_consumer_lag"} <= referenced_metrics()
