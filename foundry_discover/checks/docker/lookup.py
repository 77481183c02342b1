"""Ask the Engine API what `docker compose ps` and `docker network inspect` would show.

A handful of GETs: the version, the container list, then an inspect of this process's
container and of each service's target. Network aliases are only in an inspect, so the
running containers are inspected (at most ``ALIAS_SCAN``) only when a host matches no
Compose service and no container name; then too the names near it are gathered from every
network (``similar``). A target that exited, restarts or is unhealthy costs one GET more: its
last log lines (``logs``, masked with its own and this process's secret values) and the known
cause they show (``causes``). Names match regardless of case, as Docker's DNS does.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping, Sequence

from foundry_discover.checks.docker import facts, logs, mask
from foundry_discover.checks.docker.api import ApiError, Client
from foundry_discover.checks.docker.endpoint import Endpoint
from foundry_discover.checks.runtime import Runtime

ALIAS_SCAN = 40
#: The states whose last log lines say why the far end is gone.
STOPPED = ("exited", "dead", "restarting")


def collect_facts(
    endpoint: Endpoint,
    runtime: Runtime,
    wanted: Mapping[str, Sequence[str]],
    timeout: float,
    hostname: str | None = None,
    secrets: Sequence[str] = (),
) -> facts.DockerFacts:
    """Facts for each registry service in ``wanted`` (its names to look for, in order).

    ``secrets``: values never to show (this process's secret-looking variables), masked in log tails.
    """
    started = time.perf_counter()
    found = facts.DockerFacts(str(endpoint), endpoint.source, False, "")
    try:
        with Client(endpoint, timeout) as client:
            _ask(client, found, runtime, wanted, hostname if hostname is not None else socket.gethostname(), secrets)
        found.reachable = True
    except ApiError as exc:
        found.error = str(exc)
    except Exception as exc:  # noqa: BLE001 -- the facts are extra: an answer we cannot read must not break doctor
        found.error = f"the Docker API at {endpoint} gave an answer doctor cannot read ({type(exc).__name__}: {exc})"
    found.elapsed_ms = (time.perf_counter() - started) * 1000
    found.note = _note(found)
    return found


def _ask(
    client: Client,
    found: facts.DockerFacts,
    runtime: Runtime,
    wanted: Mapping[str, Sequence[str]],
    hostname: str,
    secrets: Sequence[str],
) -> None:
    version = client.get("/version") or {}
    found.version, found.api_version = version.get("Version"), version.get("ApiVersion")
    rows = [facts.summary(r) for r in client.get("/containers/json", {"all": "1"}) or [] if isinstance(r, dict)]
    inspected: dict[str, facts.Container] = {}
    #: Each inspected container's secret-looking values: read here, kept nowhere else.
    hidden: dict[str, tuple[str, ...]] = {}

    def inspect(cid: str) -> facts.Container | None:
        if cid not in inspected:
            doc = client.get(f"/containers/{cid}/json")
            if not isinstance(doc, dict):
                return None
            inspected[cid] = facts.container(doc)
            env = doc.get("Config", {}).get("Env") if isinstance(doc.get("Config"), dict) else None
            hidden[cid] = mask.secret_values(env if isinstance(env, list) else ())
        return inspected[cid]

    me, evidence = _whoami(rows, runtime, hostname)
    if me is not None:
        found.self, found.self_evidence = inspect(me.id), evidence
    project = me.project if me else None
    # An alias answers only on its network: with this container known, only
    # containers sharing one of its networks can hold it.
    mine = set(me.networks) if me is not None else set()
    scanned = False
    tails: dict[str, logs.LogTail] = {}
    for name, hosts in wanted.items():
        target = facts.ContainerTarget(hosts[0] if hosts else "")
        found.targets[name] = target
        for host in hosts:
            wanted_name = host.lower()
            by_label = [r for r in rows if r.service and r.service.lower() == wanted_name]
            by_name = [r for r in rows if wanted_name in (n.lower() for n in r.names)]
            for how, matches in (("Compose service label", by_label), ("container name", by_name)):
                if matches:
                    chosen = _prefer(matches, project)
                    target.container, target.found_by, target.matches = inspect(chosen.id), how, len(matches)
                    break
            if target.container is None:
                if not scanned:
                    running = [
                        r
                        for r in rows
                        if r.state == "running" and (not (mine and r.networks) or mine & set(r.networks))
                    ]
                    for row in running[:ALIAS_SCAN]:
                        inspect(row.id)
                    scanned = True
                aliased = [
                    c
                    for c in inspected.values()
                    if any(wanted_name in map(str.lower, n.aliases) for n in c.networks if not mine or n.name in mine)
                ]
                if aliased:
                    target.container, target.found_by, target.matches = aliased[0], "network alias", len(aliased)
            if target.container is not None:
                target.host = host
                break
        if target.container is None and hosts:
            _similar(target, hosts, rows, inspect, inspected, found.self)
        elif target.container is not None:
            them = target.container
            _why_gone(client, target, them, rows, found.self, [*secrets, *hidden.get(them.id, ())], tails)


def _similar(
    target: facts.ContainerTarget,
    hosts: Sequence[str],
    rows: list[facts.Summary],
    inspect: Callable[[str], facts.Container | None],
    inspected: Mapping[str, facts.Container],
    me: facts.Container | None,
) -> None:
    """The names near the host on every network: aliases of running containers too (at most ALIAS_SCAN inspected)."""
    from foundry_discover.checks.docker.similar import nearby

    for row in [r for r in rows if r.state == "running" and r.id not in inspected][:ALIAS_SCAN]:
        inspect(row.id)
    target.similar = nearby(hosts, rows, inspected, me)


def _why_gone(
    client: Client,
    target: facts.ContainerTarget,
    them: facts.Container,
    rows: list[facts.Summary],
    me: facts.Container | None,
    secrets: Sequence[str],
    tails: dict[str, logs.LogTail],
) -> None:
    """A stopped, restarting or unhealthy target's last lines (once per container), and the cause they show."""
    from foundry_discover.checks.docker.causes import EXPLAINED, recognise
    from foundry_discover.checks.docker.verdicts import container_state

    if me is not None and me.id == them.id:
        return  # doctor runs there: it is up
    # The verdict's own test of "gone": a restart loop caught while briefly up counts.
    verdict = container_state(them)
    if verdict is None or verdict.kind not in EXPLAINED:
        return
    # Never started: no output, but its State.Error may be a known cause.
    if them.state != "created":
        if them.id not in tails:
            tails[them.id] = _tail(client, them, secrets)
        target.logs = tails[them.id]
    target.cause = recognise(them, target.logs, rows)


def _tail(client: Client, them: facts.Container, secrets: Sequence[str]) -> logs.LogTail:
    params = {"stdout": "1", "stderr": "1", "tail": str(logs.TAIL), "timestamps": "0"}
    try:
        body, cut = client.raw(f"/containers/{them.id}/logs", params, logs.READ_LIMIT)
    except ApiError as exc:
        return logs.LogTail(them.name, (), error=str(exc))
    # Cut at READ_LIMIT, the last lines came after the cut: what is shown ends where the read did.
    return logs.parse(body, them.tty, secrets, them.name, cut)


def _prefer(rows: list[facts.Summary], project: str | None) -> facts.Summary:
    """Of several matches: the one in this container's Compose project, then a running one."""
    return sorted(rows, key=lambda r: (r.project != project if project else False, r.state != "running"))[0]


def _whoami(rows: list[facts.Summary], runtime: Runtime, hostname: str) -> tuple[facts.Summary | None, str | None]:
    if runtime.container_id:
        for row in rows:
            if row.id == runtime.container_id:
                return row, runtime.container_id_source
    # Docker's default hostname is the short container id; a set hostname proves nothing.
    if runtime.kind != "host" and len(hostname) == 12 and all(c in "0123456789abcdef" for c in hostname):
        for row in rows:
            if row.id.startswith(hostname):
                return row, f"the hostname {hostname} is the start of its id"
    return None, None


def _note(found: facts.DockerFacts) -> str:
    if not found.reachable:
        return f"{found.error}: no Docker facts"
    engine = f"Docker Engine {found.version or '?'} (API {found.api_version or '?'}) at {found.endpoint}"
    if found.self is None:
        return f"{engine}; this process is not in one of its containers"
    networks = ", ".join(found.self.network_names) or found.self.network_mode
    return f"{engine}; this process runs in {found.self.label} on {networks} ({found.self_evidence})"
