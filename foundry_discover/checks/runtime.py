"""Where foundry-discover runs: a Kubernetes pod, a Docker container, or a host.

No single signal is reliable (``/.dockerenv`` exists on some hosts that are not
containers, and is missing from Podman containers), so the answer comes with the
evidence behind it and the reader can weigh it. Every file is read under ``root`` so
tests can build a fake filesystem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from foundry_discover.checks.dns.conf import ResolverConfig, parse_resolv_conf

DOCKER_DNS = "127.0.0.11"
SA_NAMESPACE = "var/run/secrets/kubernetes.io/serviceaccount/namespace"
_CGROUP_MARKERS = ("docker", "containerd", "kubepods", "libpod", "crio", "lxc")

Kind = Literal["kubernetes", "container", "host"]


@dataclass(frozen=True)
class Runtime:
    kind: Kind
    #: Docker's embedded DNS answers (nameserver 127.0.0.11): names are Compose services.
    docker_dns: bool
    namespace: str | None
    namespace_source: str | None
    evidence: tuple[str, ...] = field(default=())
    #: The container's id when a bind mount or the cgroup path names it (Docker, Podman).
    container_id: str | None = None
    #: Which signal gave ``container_id``: shown, so the reader can weigh it.
    container_id_source: str | None = None

    def summary(self) -> str:
        if self.kind == "kubernetes":
            where = f" (namespace {self.namespace}, from {self.namespace_source})" if self.namespace else ""
            return f"inside Kubernetes{where}"
        if self.kind == "container":
            dns = "Docker's embedded DNS (127.0.0.11)" if self.docker_dns else "no Docker embedded DNS"
            return f"inside a container, {dns}"
        return (
            "on a host (no container signals)"
            if not self.evidence
            else "on a host, or a container without clear signals"
        )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def detect(root: Path = Path("/"), env: Mapping[str, str] | None = None) -> Runtime:
    import os

    env = os.environ if env is None else env
    resolver = parse_resolv_conf(_read(root / "etc/resolv.conf"), env)
    evidence: list[str] = []

    namespace, ns_source = _k8s_namespace(root, env, resolver)
    k8s = False
    if env.get("KUBERNETES_SERVICE_HOST"):
        evidence.append("KUBERNETES_SERVICE_HOST is set")
        k8s = True
    if (root / SA_NAMESPACE).exists():
        evidence.append(f"/{SA_NAMESPACE} exists")
        k8s = True
    if any(d.endswith("svc.cluster.local") for d in resolver.search):
        evidence.append("search list holds svc.cluster.local")
        k8s = True

    docker_dns = any(ns.address == DOCKER_DNS for ns in resolver.nameservers)
    container = False
    if docker_dns:
        evidence.append(f"nameserver {DOCKER_DNS} (Docker's embedded DNS)")
        container = True
    cgroup = _read(root / "proc/1/cgroup") or ""
    markers = sorted({m for m in _CGROUP_MARKERS if m in cgroup})
    if markers:
        evidence.append(f"/proc/1/cgroup mentions {', '.join(markers)}")
        container = True
    if (root / ".dockerenv").exists():
        # Weak on its own: some sandboxes and hosts carry the file. It counts only as
        # support, and the evidence list says so.
        evidence.append("/.dockerenv exists (weak: some hosts have it too)")
    if (root / "run/.containerenv").exists():
        evidence.append("/run/.containerenv exists (Podman)")
        container = True
    found = container_id_from_mountinfo(_read(root / "proc/self/mountinfo") or "")
    if found is None:
        found = container_id_from_cgroup(_read(root / "proc/self/cgroup") or "")
    if found is not None:
        # cgroup v2 with a private cgroup namespace shows only "0::/", so the bind mounts
        # Docker makes for /etc/resolv.conf, /etc/hostname and /etc/hosts are the signal
        # that survives every setup.
        evidence.append(f"{found[1]} names container {found[0][:12]}")
        container = True

    kind: Kind = "kubernetes" if k8s else "container" if container else "host"
    cid, cid_source = found if found else (None, None)
    return Runtime(kind, docker_dns, namespace, ns_source, tuple(evidence), cid, cid_source)


_ID = r"[0-9a-f]{64}"


def container_id_from_mountinfo(text: str) -> tuple[str, str] | None:
    """The container id in the source of the /etc/hostname (resolv.conf, hosts) bind mount.

    Docker: ``.../containers/<id>/hostname``; Podman: ``.../overlay-containers/<id>/userdata/hostname``.
    """
    import re

    for raw in text.splitlines():
        fields = raw.split()
        if len(fields) < 5 or fields[4] not in ("/etc/hostname", "/etc/resolv.conf", "/etc/hosts"):
            continue
        match = re.search(rf"containers/({_ID})/", fields[3])
        if match:
            return match.group(1), f"/proc/self/mountinfo ({fields[4]} is mounted from {fields[3]})"
    return None


def container_id_from_cgroup(text: str) -> tuple[str, str] | None:
    """The id in a cgroup path: ``/docker/<id>``, ``docker-<id>.scope``, ``libpod-<id>.scope``."""
    import re

    for raw in text.splitlines():
        match = re.search(rf"(?:docker|libpod|crio|cri-containerd)[-/]({_ID})(?:\.scope)?(?:/|$)", raw)
        if match:
            return match.group(1), f"/proc/self/cgroup ({raw.strip()})"
    return None


def _k8s_namespace(root: Path, env: Mapping[str, str], resolver: ResolverConfig) -> tuple[str | None, str | None]:
    text = _read(root / SA_NAMESPACE)
    if text and text.strip():
        return text.strip(), "the service account"
    for domain in resolver.search:
        parts = domain.split(".")
        # A pod's first search domain is <namespace>.svc.cluster.local (or another cluster domain).
        if len(parts) >= 3 and parts[1] == "svc":
            return parts[0], "the resolver's search list"
    if env.get("POD_NAMESPACE"):
        return env["POD_NAMESPACE"], "POD_NAMESPACE"
    return None, None
