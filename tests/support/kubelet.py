"""What a kubelet puts into a pod's environment, for tests that imitate a pod (pkg/kubelet/envvars)."""

from __future__ import annotations

#: What a kubelet injects into every pod (the `kubernetes` Service), links on or off.
POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


def kubelet_links(service: str, cluster_ip: str, port: int) -> dict[str, str]:
    """The variables a kubelet injects for a Service with one TCP port."""
    prefix = service.upper().replace("-", "_")
    base = f"{prefix}_PORT_{port}_TCP"
    url = f"tcp://{cluster_ip}:{port}"
    return {
        f"{prefix}_SERVICE_HOST": cluster_ip,
        f"{prefix}_SERVICE_PORT": str(port),
        f"{prefix}_PORT": url,
        base: url,
        f"{base}_PROTO": "tcp",
        f"{base}_PORT": str(port),
        f"{base}_ADDR": cluster_ip,
    }
