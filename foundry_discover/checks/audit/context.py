"""What every rule may ask: the registry's services, the Compose projects, the manifests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from foundry_discover.checks.audit.compose_model import ComposeProject
from foundry_discover.checks.audit.kube import KubeModel
from foundry_discover.lite.specs import ServiceSpec

_URL_RE = re.compile(
    r"^([A-Za-z][A-Za-z0-9+.\-]*)://(?:[^@/\s?#]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/\s?#\[\]]+)(?::(\d{1,5}))?"
)
_HOST_PORT_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9.\-]*|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$")
_HOST_VAR_RE = re.compile(r"^SVC_([A-Z][A-Z0-9_]*)_HOST$")
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost"})


@dataclass(frozen=True)
class Endpoint:
    scheme: str | None
    host: str
    port: int | None

    def show(self) -> str:
        """scheme://host:port only: never a user, password, path or query of the original."""
        port = f":{self.port}" if self.port is not None else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}" if self.scheme else f"{host}{port}"


def parse_url(text: str) -> Endpoint | None:
    match = _URL_RE.match(text.strip())
    if not match:
        return None
    host = match.group(2).strip("[]").lower()
    return Endpoint(match.group(1).lower(), host, int(match.group(3)) if match.group(3) else None)


def parse_endpoint(text: str) -> Endpoint | None:
    """A URL, or a bare ``host:port``."""
    found = parse_url(text)
    if found is not None:
        return found
    match = _HOST_PORT_RE.match(text.strip())
    if not match:
        return None
    return Endpoint(None, match.group(1).strip("[]").lower(), int(match.group(2)))


def is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in LOOPBACK or host.startswith("127.") or (host.endswith(".localhost") and host.count(".") == 1)


def host_var_name(variable: str) -> str | None:
    """``SVC_LOCALSTACK_HOST`` -> ``LOCALSTACK``."""
    match = _HOST_VAR_RE.match(variable)
    return match.group(1) if match else None


@dataclass
class Context:
    specs: dict[str, ServiceSpec]
    compose: list[ComposeProject] = field(default_factory=list)
    kube: KubeModel = field(default_factory=KubeModel)

    @cached_property
    def ports(self) -> dict[int, str]:
        return self.registry_ports()

    def registry_ports(self) -> dict[int, str]:
        ports: dict[int, str] = {}
        for spec in self.specs.values():
            if spec.port is not None:
                ports.setdefault(spec.port, spec.name)
        return ports

    @cached_property
    def names(self) -> dict[str, str]:
        return self.service_names()

    def service_names(self) -> dict[str, str]:
        """Host names that point at a service -> the registry name it goes by."""
        names: dict[str, str] = {}
        for project in self.compose:
            for svc in project.services.values():
                for aliases in svc.aliases().values():
                    for alias in aliases:
                        names.setdefault(alias.lower(), alias.upper().replace("-", "_").replace(".", "_"))
        for service in self.kube.services:
            names.setdefault(service.name.lower(), service.name.upper().replace("-", "_"))
        for spec in self.specs.values():
            if spec.host:
                names[spec.host.lower()] = spec.name
        return names

    def points_at_service(self, endpoint: Endpoint) -> str | None:
        """The registry name an endpoint reaches, or None when it is no service of ours."""
        host = endpoint.host.rstrip(".")
        if is_loopback(host):
            if endpoint.port is None:
                return None
            return self.ports.get(endpoint.port)
        names = self.names
        if host in names:
            return names[host]
        labels = host.split(".")
        # Cluster DNS forms: name.namespace, name.namespace.svc[.cluster.local]
        if len(labels) >= 2 and labels[0] in names and (len(labels) == 2 or labels[2] == "svc"):
            known = {s.namespace for s in self.kube.services} | {"default"}
            if labels[1] in known:
                return names[labels[0]]
        return None

    def fix_for(self, name: str) -> str:
        if name in self.specs:
            return f'Use SERVICES.get_service_url("{name}")'
        return f'Declare {name.lower()} in the registry file, then use SERVICES.get_service_url("{name}")'
