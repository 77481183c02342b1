"""The Docker verdicts: why a service's chain broke, from where this runs and what Docker says.

Pure functions: the failing step, the service as the registry resolved it, the runtime
(resolv.conf and container signals) and, when the Engine API answered, its facts. The
rules that need no API (default bridge, ``localhost``, ``host.docker.internal``) work
from the runtime alone; the API makes their fix name the real network and service.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from foundry_discover.checks.docker.facts import Container, DockerFacts, Port
from foundry_discover.checks.docker.home import home_words
from foundry_discover.checks.loopback import HomeRoute, is_home_name
from foundry_discover.checks.runtime import Runtime
from foundry_discover.lite.errors import suggest
from foundry_discover.lite.registry import Service

HOST_GATEWAY = "host.docker.internal"
#: Networks that are not a network one can share with another container.
NO_SHARING = ("host", "none")
EXTRA_HOSTS = '`extra_hosts: ["host.docker.internal:host-gateway"]`'
#: A container that restarted this often and started this recently (seconds) is in a restart loop.
FLAPPING_RESTARTS = 3
FLAPPING_AGE = 60.0


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    cause: str
    fix: str


def is_loopback(host: str) -> bool:
    """Leads home by its spelling alone (``checks.loopback``); a name that resolves there is a ``route``."""
    return is_home_name(host)


def diagnose(
    service: Service,
    step: str,
    runtime: Runtime,
    found: DockerFacts | None,
    *,
    default_host: str | None = None,
    platform: str = sys.platform,
    route: HomeRoute | None = None,
) -> Diagnosis | None:
    """The Docker cause of ``service`` failing at ``step``, or None when Docker is not it.

    ``route``: how the host leads back to this machine (checks.loopback), from its resolved addresses.
    """
    target = found.targets.get(service.name) if found else None
    me = found.self if found else None
    them = target.container if target else None
    if them is not None and me is not None and them.id == me.id:
        them = None  # its own container: doctor runs there, so it is running
    inside = me is not None or runtime.kind == "container"
    pod = runtime.kind == "kubernetes" and not inside
    host = service.host
    home = is_loopback(host) or route is not None
    # From the host, localhost and the published port lead to the container guessed by
    # name; inside a container, an address that leads home is the cause itself.
    if them is not None and not (inside and home):
        stopped = container_state(them)
        if stopped is not None:
            return stopped
    if step == "resolve":
        asked = me is not None and any(h.startswith(f"{HOST_GATEWAY}:") for h in me.extra_hosts)
        if host == HOST_GATEWAY and platform.startswith("linux") and inside and not asked:
            return host_gateway(service)
        if inside and "." not in host and not is_loopback(host):
            bridge = default_bridge(service, runtime, me, them)
            if bridge is not None:
                return bridge
            if me is not None and them is not None:
                apart = other_network(service, me, them)
                if apart is not None:
                    return apart
        if not inside and them is not None:
            return host_against_service(service, them)
    if step == "connect" and (inside or pod) and home:
        return localhost_inside(service, them, default_host, route, pod=pod)
    if step == "connect" and inside and them is not None:
        return published_port_inside(service, them)
    return None


def container_state(c: Container, now: float | None = None) -> Diagnosis | None:
    """Not running, restarting, or running but unhealthy or still starting."""
    how = f"`docker compose logs {c.service}`" if c.service else f"`docker logs {c.name}`"
    start = f"`docker compose up -d {c.service}`" if c.service else f"`docker start {c.name}`"
    # Between two crashes a restart loop is "running" for a moment: a fresh start after
    # several restarts is the same loop, caught in its brief up phase.
    age = (time.time() if now is None else now) - c.started_at if c.started_at is not None else None
    flapping = c.state == "running" and c.restart_count >= FLAPPING_RESTARTS and age is not None and age < FLAPPING_AGE
    if c.state == "restarting" or flapping:
        code = f", last exit code {c.exit_code}" if c.exit_code and c.state == "restarting" else ""
        return Diagnosis(
            "container-restarting",
            f"{c.label} keeps restarting ({c.restart_count} restart(s){code})",
            f"{how} shows why it exits; it must stay up before anything can reach it",
        )
    if c.state in ("exited", "dead"):
        why = " (killed: out of memory)" if c.oom_killed else f": {c.error}" if c.error else ""
        return Diagnosis(
            "container-exited",
            f"{c.label} is not running: it exited with code {c.exit_code}{why}",
            f"{how} says why it stopped; start it again with {start}",
        )
    if c.state == "created":
        why = f": {c.error}" if c.error else ""
        return Diagnosis("container-not-started", f"{c.label} was created but never started{why}", f"Start it: {start}")
    if c.state == "paused":
        unpause = f"`docker compose unpause {c.service}`" if c.service else f"`docker unpause {c.name}`"
        return Diagnosis("container-paused", f"{c.label} is paused", f"Unpause it: {unpause}")
    if c.state != "running" or c.health is None:
        return None
    if c.health.status == "unhealthy":
        output = f": {c.health.last_output}" if c.health.last_output else ""
        code = f" (exit {c.health.last_exit_code})" if c.health.last_exit_code is not None else ""
        return Diagnosis(
            "container-unhealthy",
            f"{c.label} is unhealthy: its healthcheck failed {c.health.failing_streak} time(s) in a row, "
            f"last{code}{output}",
            f"Fix what its healthcheck reports; `docker inspect --format '{{{{json .State.Health}}}}' {c.name}` "
            "shows the last probes",
        )
    if c.health.status == "starting":
        return Diagnosis(
            "container-starting",
            f"{c.label} is still starting: its healthcheck has not passed yet",
            f"Wait for it: `{suggest('doctor --wait')}`, or `depends_on: {{condition: service_healthy}}` in Compose",
        )
    return None


def default_bridge(
    service: Service, runtime: Runtime, me: Container | None, them: Container | None
) -> Diagnosis | None:
    """Docker's default bridge (``docker run`` without ``--network``, ``network_mode: bridge``) has no DNS."""
    if me is not None:
        on_bridge = me.network_mode in ("default", "bridge") and set(me.network_names) <= {"bridge"}
        if me.network_mode == "host":
            where, on_bridge = "the host's network (network_mode: host), where Docker's DNS does not answer", True
        else:
            where = "Docker's default bridge network"
        evidence = f"the Docker API says {me.label} uses network mode {me.network_mode}"
    else:
        on_bridge = runtime.kind == "container" and not runtime.docker_dns
        where = "Docker's default bridge network (or the host network)"
        evidence = "resolv.conf has no nameserver 127.0.0.11 (Docker's embedded DNS), and this is a container"
    if not on_bridge:
        return None
    network = _shared_candidate(them)
    if network and them is not None:
        fix = (
            f"Give service {me.service} `networks: [{_compose_key(network, me.project)}]` instead of "
            "`network_mode: bridge`"
            if me is not None and me.service
            else f"Run this container on {them.label}'s network: `docker run --network {network} ...`"
        )
    elif me is not None and me.service:
        fix = f"Remove `network_mode: bridge` from service {me.service}: Compose then puts it on the project's network"
    else:
        fix = (
            "Put both containers on a user-defined network: `docker network create foundry`, then "
            "`docker run --network foundry ...` for each (in Compose, remove `network_mode: bridge`)"
        )
    return Diagnosis(
        "docker-default-bridge",
        f"this container is on {where}: container names never resolve there, however they are spelled ({evidence})",
        fix,
    )


def other_network(service: Service, me: Container, them: Container) -> Diagnosis | None:
    mine = [n for n in me.network_names if n not in NO_SHARING]
    theirs = [n for n in them.network_names if n not in NO_SHARING]
    if not mine or not theirs or set(mine) & set(theirs):
        return None
    net = theirs[0]
    if me.service and me.project and me.project == them.project:
        fix = f"add `{_compose_key(net, me.project)}` to the `networks:` of service {me.service} in the Compose file"
    elif me.service:
        fix = (
            f"declare `{net}` as an external network (`networks: {{{net}: {{external: true}}}}`) in project "
            f"{me.project}'s Compose file and add it to the `networks:` of service {me.service}"
        )
    else:
        fix = f"`docker network connect {net} {me.name}` (or start it with `--network {net}`)"
    return Diagnosis(
        "docker-other-network",
        f"{them.label} is on network {', '.join(theirs)}, but this {me.label} is on {', '.join(mine)}: "
        "names resolve only between containers that share a network",
        f"Put both on one network: {fix}",
    )


def host_against_service(service: Service, them: Container) -> Diagnosis:
    published = them.published(service.port) or next(
        (p for p in them.ports if p.host_port and p.protocol == "tcp"), None
    )
    cause = (
        f"{service.host} is {them.label}: the name resolves only inside its Docker network, and this runs on the host"
    )
    if published is not None and published.host_port:
        host = _host_side(published)
        return Diagnosis(
            "docker-host-vs-service",
            cause,
            f"From the host use {host} and the published port: {service.host_env}={host} "
            f"{service.port_env}={published.host_port} (container port {published.container_port})",
        )
    svc = them.service or them.name
    return Diagnosis(
        "docker-host-vs-service",
        f"{cause}; it publishes no port for {service.port}",
        f'Publish it (`ports: ["127.0.0.1:{service.port}:{service.port}"]` on service {svc}), then use '
        f"{service.host_env}=localhost {service.port_env}={service.port}; or run doctor inside the network "
        f"(`docker compose exec` into a service on it)",
    )


def published_port_inside(service: Service, them: Container) -> Diagnosis | None:
    """``<NAME>_PORT`` holds the port published on the host, but this runs inside the network."""
    if any(p.container_port == service.port for p in them.ports):
        return None
    published = them.published_as(service.port)
    if published is None or published.container_port == service.port:
        return None
    return Diagnosis(
        "docker-published-port",
        f"{service.port_env}={service.port} is the port {them.label} publishes on the host; "
        f"inside the Docker network it listens on {published.container_port}",
        f"Set {service.port_env}={published.container_port}: containers reach each other on the container port, "
        "the published one is for the host",
    )


def localhost_inside(
    service: Service,
    them: Container | None,
    default_host: str | None,
    route: HomeRoute | None = None,
    *,
    pod: bool = False,
) -> Diagnosis:
    return Diagnosis("docker-localhost", *home_words(service, them, default_host, route, pod=pod))


def host_gateway(service: Service) -> Diagnosis:
    return Diagnosis(
        "docker-host-gateway",
        f"{HOST_GATEWAY} exists on Docker Desktop; Docker Engine on Linux adds it only when asked",
        f"Add {EXTRA_HOSTS} to the service (`docker run --add-host=host.docker.internal:host-gateway`, "
        "Docker 20.10 or later); or, when the target runs in Compose, use its service name",
    )


def _shared_candidate(them: Container | None) -> str | None:
    if them is None:
        return None
    return next((n for n in them.network_names if n not in (*NO_SHARING, "bridge")), None)


def _compose_key(network: str, project: str | None) -> str:
    """Compose names a network ``<project>_<key>``; the file uses the key."""
    prefix = f"{project}_" if project else ""
    return network[len(prefix) :] if prefix and network.startswith(prefix) else network


def _host_side(port: Port) -> str:
    return "localhost" if port.host_ip in (None, "", "0.0.0.0", "::", "127.0.0.1", "::1") else port.host_ip
