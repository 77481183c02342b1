"""Docker Engine API JSON as the facts doctor reasons with: pure parsing, no I/O.

The shapes are those of ``GET /containers/json`` (a summary per container) and
``GET /containers/{id}/json`` (inspect). Missing keys are tolerated: older daemons and
Podman's compatible API leave some out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from foundry_discover.checks.docker.logs import LogTail

SERVICE_LABEL = "com.docker.compose.service"
PROJECT_LABEL = "com.docker.compose.project"
#: The longest healthcheck output kept: the tail holds the error, the rest is noise.
OUTPUT_LIMIT = 300


@dataclass(frozen=True)
class Summary:
    """One row of ``GET /containers/json?all=1``: enough to pick candidates."""

    id: str
    names: tuple[str, ...]
    service: str | None
    project: str | None
    state: str
    #: Network names only: the list leaves the aliases out.
    networks: tuple[str, ...] = ()
    #: The host ports it publishes (TCP).
    published: tuple[int, ...] = ()


@dataclass(frozen=True)
class Network:
    name: str
    aliases: tuple[str, ...]
    ip: str | None


@dataclass(frozen=True)
class Port:
    container_port: int
    protocol: str
    #: None: exposed but not published on the host.
    host_ip: str | None = None
    host_port: int | None = None


@dataclass(frozen=True)
class Health:
    status: str
    failing_streak: int = 0
    last_exit_code: int | None = None
    last_output: str | None = None


@dataclass(frozen=True)
class Container:
    id: str
    name: str
    service: str | None
    project: str | None
    state: str
    exit_code: int | None
    restart_count: int
    oom_killed: bool
    health: Health | None
    network_mode: str
    networks: tuple[Network, ...]
    ports: tuple[Port, ...]
    extra_hosts: tuple[str, ...] = field(default=())
    hostname: str | None = None
    error: str | None = None
    #: When its process last started, in seconds since the epoch (None: never, or unreadable).
    started_at: float | None = None
    image: str | None = None
    #: Its output is a terminal's: the logs endpoint answers raw, not multiplexed.
    tty: bool = False
    #: Its memory limit in bytes (HostConfig.Memory), None when it has none.
    memory: int | None = None

    @property
    def label(self) -> str:
        """How to name it to a person: the container, and its Compose service when it has one."""
        return f"container {self.name} (service {self.service})" if self.service else f"container {self.name}"

    @property
    def network_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.networks)

    def names_on(self, network: str) -> tuple[str, ...]:
        """The names other containers on ``network`` reach it by: its name, service and aliases."""
        found = [n for n in self.networks if n.name == network]
        names = [self.name, *([self.service] if self.service else []), *(a for n in found for a in n.aliases)]
        return tuple(dict.fromkeys(names))

    def published(self, container_port: int) -> Port | None:
        return next(
            (p for p in self.ports if p.container_port == container_port and p.host_port and p.protocol == "tcp"),
            None,
        )

    def published_as(self, host_port: int) -> Port | None:
        return next((p for p in self.ports if p.host_port == host_port and p.protocol == "tcp"), None)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def summary(row: dict[str, Any]) -> Summary:
    labels = _dict(row.get("Labels"))
    names = tuple(str(n).lstrip("/") for n in _list(row.get("Names")))
    networks = tuple(sorted(_dict(_dict(row.get("NetworkSettings")).get("Networks"))))
    service, project = _str(labels.get(SERVICE_LABEL)), _str(labels.get(PROJECT_LABEL))
    published = tuple(
        sorted(
            {
                p["PublicPort"]
                for p in _list(row.get("Ports"))
                if isinstance(p, dict) and _int(p.get("PublicPort")) and p.get("Type", "tcp") == "tcp"
            }
        )
    )
    return Summary(str(row.get("Id", "")), names, service, project, str(row.get("State", "")), networks, published)


def container(doc: dict[str, Any]) -> Container:
    config, state, host = _dict(doc.get("Config")), _dict(doc.get("State")), _dict(doc.get("HostConfig"))
    settings = _dict(doc.get("NetworkSettings"))
    labels = _dict(config.get("Labels"))
    networks = []
    for name, endpoint in sorted(_dict(settings.get("Networks")).items()):
        endpoint = _dict(endpoint)
        # Aliases hold the service name and short id on user-defined networks; API 1.44
        # moved the short id to DNSNames. Both are names DNS answers for.
        aliases = [str(a) for a in _list(endpoint.get("Aliases")) + _list(endpoint.get("DNSNames"))]
        networks.append(Network(name, tuple(dict.fromkeys(aliases)), _str(endpoint.get("IPAddress"))))
    status = str(state.get("Status", "")) or ("running" if state.get("Running") else "unknown")
    return Container(
        id=str(doc.get("Id", "")),
        name=str(doc.get("Name", "")).lstrip("/"),
        service=_str(labels.get(SERVICE_LABEL)),
        project=_str(labels.get(PROJECT_LABEL)),
        state=status,
        exit_code=_int(state.get("ExitCode")),
        restart_count=_int(doc.get("RestartCount")) or 0,
        oom_killed=bool(state.get("OOMKilled")),
        health=_health(state.get("Health")),
        network_mode=str(host.get("NetworkMode", "")),
        networks=tuple(networks),
        ports=_ports(settings.get("Ports"), config.get("ExposedPorts")),
        extra_hosts=tuple(str(h) for h in _list(host.get("ExtraHosts"))),
        hostname=_str(config.get("Hostname")),
        error=_str(state.get("Error")),
        started_at=_timestamp(state.get("StartedAt")),
        image=_str(config.get("Image")),
        tty=config.get("Tty") is True,
        memory=_int(host.get("Memory")) or None,
    )


def _timestamp(value: Any) -> float | None:
    """Docker's RFC 3339 time with nanoseconds; its zero time (year 1) means never."""
    from datetime import datetime

    text = _str(value)
    if text is None or text.startswith("0001-"):
        return None
    whole, _, fraction = text.rstrip("Z").partition(".")
    try:
        stamp = datetime.fromisoformat(f"{whole}.{(fraction + '000000')[:6]}+00:00")
    except ValueError:
        return None
    return stamp.timestamp()


def _health(raw: Any) -> Health | None:
    health = _dict(raw)
    if not health.get("Status"):
        return None
    log = [entry for entry in _list(health.get("Log")) if isinstance(entry, dict)]
    last = log[-1] if log else {}
    output = _str(last.get("Output"))
    if output is not None:
        output = " ".join(output.split())
        output = output if len(output) <= OUTPUT_LIMIT else "..." + output[-OUTPUT_LIMIT:]
    return Health(str(health["Status"]), _int(health.get("FailingStreak")) or 0, _int(last.get("ExitCode")), output)


def _ports(published: Any, exposed: Any) -> tuple[Port, ...]:
    ports: list[Port] = []
    seen: set[str] = set()
    for key, bindings in sorted(_dict(published).items()):
        number, _, protocol = str(key).partition("/")
        if not number.isdigit():
            continue
        seen.add(key)
        binds = [b for b in _list(bindings) if isinstance(b, dict)]
        if not binds:
            ports.append(Port(int(number), protocol or "tcp"))
        for bind in binds:
            host_port = str(bind.get("HostPort", ""))
            ports.append(
                Port(
                    int(number),
                    protocol or "tcp",
                    _str(bind.get("HostIp")),
                    int(host_port) if host_port.isdigit() else None,
                )
            )
    for key in sorted(_dict(exposed)):
        number, _, protocol = str(key).partition("/")
        if key not in seen and number.isdigit():
            ports.append(Port(int(number), protocol or "tcp"))
    # Docker lists a binding once for 0.0.0.0 and once for ::; one is enough to show.
    return tuple(
        dict.fromkeys(
            p if p.host_ip not in ("::",) else Port(p.container_port, p.protocol, "0.0.0.0", p.host_port) for p in ports
        )
    )


@dataclass(frozen=True)
class Cause:
    """A known reason a container stopped (``causes``), with its fix."""

    kind: str
    cause: str
    fix: str | None
    #: The log line or State.Error that shows it (masked).
    evidence: str | None = None


@dataclass(frozen=True)
class Similar:
    """A name near the one asked for (``similar``): a Compose service, container name or network alias."""

    name: str
    #: "Compose service", "container name" or "network alias".
    how: str
    container: str
    project: str | None
    networks: tuple[str, ...]
    state: str
    #: How it differs: only separators or case, N edits away, or a word of the other.
    differs: str
    #: On a network this process's container is on too (None: this process is in no known container).
    shared: bool | None = None


@dataclass
class ContainerTarget:
    """The container a registry service's host names, and how it was found."""

    host: str
    container: Container | None = None
    #: "Compose service label", "container name" or "network alias" (or None: not found).
    found_by: str | None = None
    #: Containers that matched; more than one means the choice was a guess (same project first).
    matches: int = 0
    #: A stopped or unhealthy container's last lines; shown under the failing step, not here.
    logs: LogTail | None = field(default=None, repr=False)
    #: Why it stopped, when its state and logs tell.
    cause: Cause | None = None
    #: Not found: the names near the host, on any network.
    similar: tuple[Similar, ...] = ()


@dataclass
class DockerFacts:
    """What the Engine API said, for doctor's verdicts and its ``--json`` evidence."""

    #: The endpoint asked (``unix:///var/run/docker.sock``), or None when there is none.
    endpoint: str | None
    endpoint_source: str | None
    reachable: bool
    #: One line for the reader: the engine and where this process runs, or why there are no facts.
    note: str
    version: str | None = None
    api_version: str | None = None
    error: str | None = None
    #: The container this process runs in, and the signal that identified it.
    self: Container | None = None
    self_evidence: str | None = None
    targets: dict[str, ContainerTarget] = field(default_factory=dict)
    elapsed_ms: float = 0.0
