"""Where it runs, from a fake filesystem: the answer and the evidence behind it."""

from __future__ import annotations

from pathlib import Path

from foundry_discover.checks.runtime import SA_NAMESPACE, detect


def fake_root(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_compose_container_with_docker_dns(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"etc/resolv.conf": "nameserver 127.0.0.11\noptions ndots:0\n", ".dockerenv": ""})
    rt = detect(root, {})
    assert (rt.kind, rt.docker_dns) == ("container", True)
    assert "Docker's embedded DNS" in rt.summary()


def test_kubernetes_namespace_from_service_account_wins(tmp_path: Path) -> None:
    root = fake_root(
        tmp_path,
        {
            SA_NAMESPACE: "payments\n",
            "etc/resolv.conf": "nameserver 10.96.0.10\nsearch other.svc.cluster.local svc.cluster.local cluster.local\n"
            "options ndots:5\n",
        },
    )
    rt = detect(root, {"KUBERNETES_SERVICE_HOST": "10.96.0.1"})
    assert (rt.kind, rt.namespace, rt.namespace_source) == ("kubernetes", "payments", "the service account")
    assert len(rt.evidence) == 3


def test_kubernetes_namespace_from_search_list(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"etc/resolv.conf": "nameserver 10.96.0.10\nsearch dev.svc.cluster.local\n"})
    rt = detect(root, {})
    assert (rt.kind, rt.namespace) == ("kubernetes", "dev")
    assert rt.summary() == "inside Kubernetes (namespace dev, from the resolver's search list)"


def test_dockerenv_alone_is_weak_evidence_not_a_verdict(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"etc/resolv.conf": "nameserver 192.0.2.53\n", ".dockerenv": ""})
    rt = detect(root, {})
    assert rt.kind == "host"
    assert any("weak" in e for e in rt.evidence)
    assert "without clear signals" in rt.summary()


def test_cgroup_marks_a_container(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"proc/1/cgroup": "0::/system.slice/containerd.service/kubepods-x\n"})
    rt = detect(root, {})
    assert rt.kind == "container"
    assert "containerd, kubepods" in rt.evidence[0]


def test_bare_host(tmp_path: Path) -> None:
    rt = detect(fake_root(tmp_path, {"etc/resolv.conf": "nameserver 192.0.2.53\n"}), {})
    assert (rt.kind, rt.evidence) == ("host", ())
