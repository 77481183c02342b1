"""audit's Kubernetes rules on manifests as `helm template` prints them, read from stdin."""

from __future__ import annotations

import json
from pathlib import Path

from foundry_discover.checks.audit.kube_rules import split_host
from tests.audit_support import DATA, positions, run_audit
from tests.conftest import run_cli

STACK = (DATA / "k8s-broken" / "stack.yaml").read_text()

EXPECTED = [
    ("-", "FD304", 13, 19),  # targetPort: gateway, but the container names its port edge
    ("-", "FD303", 21, 3),  # selector app=cache: no such pods
    ("-", "FD305", 63, 11),  # Service redis -> REDIS_PORT=tcp://..., not set in backend
    ("-", "FD302", 69, 22),  # LOCALSTACK_PORT=4566, the Service serves 4567
    ("-", "FD301", 71, 22),  # SVC_POSTGRES_HOST=postgres-primary: no such Service
]


def test_manifests_on_stdin_through_the_cli() -> None:
    proc = run_cli("audit", "--json", "-", input=STACK)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["command"] == "audit" and doc["exit_code"] == 1 and doc["ok"] is False
    found = [(f["file"], f["rule"], f["line"], f["column"]) for f in doc["result"]["findings"]]
    assert found == EXPECTED
    collision = next(f for f in doc["result"]["findings"] if f["rule"] == "FD305")
    assert "REDIS_PORT=tcp://" in collision["message"]
    assert collision["fix"].startswith('Set REDIS_PORT: "6379"')


def test_the_same_manifests_from_a_file_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "rendered.yaml").write_text(STACK)
    assert positions(run_audit(tmp_path)) == [("rendered.yaml", *p[1:]) for p in EXPECTED]


def test_service_links_off_or_port_set_means_no_collision() -> None:
    off = STACK.replace(
        "    spec:\n      containers:\n        - name: backend",
        ("    spec:\n      enableServiceLinks: false\n      containers:\n        - name: backend"),
    )
    assert "FD305" not in [f.rule for f in run_audit("-", stdin_text=off).findings]
    set_port = STACK.replace(
        "            - name: SVC_POSTGRES_HOST",
        '            - name: REDIS_PORT\n              value: "6379"\n            - name: SVC_POSTGRES_HOST',
    )
    assert "FD305" not in [f.rule for f in run_audit("-", stdin_text=set_port).findings]


def test_hosts_are_read_the_way_cluster_dns_reads_them() -> None:
    assert split_host("localstack", "dev") == ("localstack", "dev")
    assert split_host("localstack.dev", "app") == ("localstack", "dev")
    assert split_host("localstack.dev.svc.cluster.local.", "app") == ("localstack", "dev")
    assert split_host("db.example.com", "dev") is None
    assert split_host("10.0.0.7", "dev") is None


def test_a_host_in_another_namespace(tmp_path: Path) -> None:
    other = STACK.replace("value: localstack.dev.svc.cluster.local", "value: localstack.infra")
    # No manifest declares namespace infra: the audit cannot tell, and says nothing.
    assert "FD301" not in [f.rule for f in run_audit("-", stdin_text=other).findings if f.line == 67]
    wrong = STACK.replace("value: localstack.dev.svc.cluster.local", "value: locaistack.dev")
    found = [f for f in run_audit("-", stdin_text=wrong).findings if f.rule == "FD301"]
    assert [(f.line, f.column) for f in found] == [(67, 22), (71, 22)]
    assert "did you mean localstack?" in found[0].message


def test_a_list_document_and_a_numbered_target_port() -> None:
    text = """apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports:
        - port: 80
          targetPort: 8081
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web}
    spec:
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: web
              image: nginx:1.27
              ports: [{containerPort: 8080}]
"""
    assert positions(run_audit("-", stdin_text=text)) == [("-", "FD304", 11, 23)]


def test_yaml_error_on_stdin_is_a_finding() -> None:
    broken = STACK + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n"
    report = run_audit("-", stdin_text=broken)
    # The flow sequence is never closed: libyaml stops at the end of the text, line 77.
    assert positions(report)[-1] == ("-", "FD001", 77, 1)
    assert positions(report)[:-1] == EXPECTED
