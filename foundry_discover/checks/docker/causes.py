"""Why a container stopped, when its state and last log lines tell: known fatal causes and their fixes.

Pure: the inspected container, its log tail (already masked) and the other containers'
published ports. Each cause adds one clause to the container verdict and replaces its fix;
the tail itself goes under the failing step either way.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Sequence
from dataclasses import replace

from foundry_discover.checks.docker.facts import Cause, Container, ContainerTarget, Summary
from foundry_discover.checks.docker.logs import LogTail
from foundry_discover.checks.docker.verdicts import Diagnosis, container_state

#: LocalStack's licence gate (March 2026 on): "Localstack returning with exit code 55".
LICENCE_EXIT = 55
#: The last tag of the open-source image; 4.15 and later ask for a token too.
LOCALSTACK_OPEN_TAG = "localstack/localstack:4.14"
OPEN_EMULATORS = "`ministackorg/ministack` or `motoserver/moto`"
TOKENS_PAGE = "https://app.localstack.cloud/settings/auth-tokens"
_LICENCE = re.compile(r"licen[cs]e activation failed|LOCALSTACK_AUTH_TOKEN|LocalStack requires an account", re.I)
_NO_TOKEN = re.compile(r"no credentials were found|requires an account", re.I)
_ALLOCATED = re.compile(r"Bind for (?P<address>\S+?):(?P<port>\d+) failed: port is already allocated")
_IN_USE = re.compile(r"address already in use|EADDRINUSE|port is already allocated", re.I)
_PORT_IN_LINE = re.compile(r"(?:port\s+|:)(?P<port>\d{2,5})\b")
#: The container verdicts a cause can explain further (not paused, not still starting).
EXPLAINED = ("container-exited", "container-restarting", "container-not-started", "container-unhealthy")


def recognise(c: Container, tail: LogTail | None, others: Sequence[Summary] = ()) -> Cause | None:
    """The known cause of ``c`` stopping, or None. ``others``: every container, for who holds a port."""
    lines = tail.lines if tail is not None else ()
    for rule in (_port_allocated, _licence, _oom, _in_use):
        found = rule(c, lines, others)
        if found is not None:
            return found
    return _signal(c)


def with_cause(verdict: Diagnosis, target: ContainerTarget | None) -> tuple[Diagnosis, dict[str, object]]:
    """A container verdict with the target's known cause and log tail: the verdict and the step's data.

    ``localhost`` inside a container names the service's container as the one to use: when that
    one is gone too, its state, cause and tail are added, so the fix is not followed by a second failure.
    """
    if target is None or target.container is None:
        return verdict, {}
    also = verdict.kind == "docker-localhost"
    if also:
        gone = container_state(target.container)
        if gone is None or gone.kind not in EXPLAINED:
            return verdict, {}
        verdict = replace(verdict, cause=f"{verdict.cause}; and {gone.cause}", fix=f"{verdict.fix}; then {gone.fix}")
    elif verdict.kind not in EXPLAINED:
        return verdict, {}
    data: dict[str, object] = {}
    cause = target.cause
    if cause is not None:
        fix = verdict.fix
        if cause.fix:
            fix = f"{verdict.fix.rsplit('; then ', 1)[0]}; then {cause.fix}" if also else cause.fix
        verdict = replace(verdict, cause=f"{verdict.cause}; {cause.cause}", fix=fix)
        data["docker_cause"] = cause.kind
    if target.logs is not None:
        data["docker_log"] = target.logs
    return verdict, data


def _start(c: Container) -> str:
    return f"`docker compose up -d {c.service}`" if c.service else f"`docker start {c.name}`"


def _who(c: Container) -> str:
    return f"service {c.service}" if c.service else f"container {c.name}"


def _licence(c: Container, lines: Sequence[str], others: Sequence[Summary]) -> Cause | None:
    said = [line for line in lines if _LICENCE.search(line)]
    localstack = "localstack/localstack" in (c.image or "")
    # Exit code 55 is LocalStack's; between two restarts a loop shows exit code 0, and the lines tell.
    if not (c.exit_code == LICENCE_EXIT and (said or localstack)) and not (said and c.state != "exited"):
        return None
    reason = _reason(lines)
    if reason is None or _NO_TOKEN.search(reason):
        image = f" {c.image}" if c.image else ""
        return Cause(
            "localstack-licence",
            f"LocalStack quit at start for want of a licence: its image{image} needs LOCALSTACK_AUTH_TOKEN "
            "since March 2026",
            f"Set LOCALSTACK_AUTH_TOKEN for {_who(c)}, pin the last open-source image `{LOCALSTACK_OPEN_TAG}`, "
            f"or switch to {OPEN_EMULATORS}",
            reason or (said[0] if said else None),
        )
    return Cause(
        "localstack-licence",
        f'LocalStack quit at start: its licence activation failed, saying "{reason}"',
        f"Check the LOCALSTACK_AUTH_TOKEN of {_who(c)} at {TOKENS_PAGE}, pin `{LOCALSTACK_OPEN_TAG}`, "
        f"or switch to {OPEN_EMULATORS}",
        reason,
    )


def _reason(lines: Sequence[str]) -> str | None:
    """The line after LocalStack's "...failed for the following reason:", the first that says something."""
    for index, line in enumerate(lines):
        if "following reason" in line:
            return next((rest.strip() for rest in lines[index + 1 :] if rest.strip(" =")), None)
    return None


def _port_allocated(c: Container, lines: Sequence[str], others: Sequence[Summary]) -> Cause | None:
    text = c.error or ""
    match = _ALLOCATED.search(text)
    if match is None and not (c.error and _IN_USE.search(c.error)):
        return None
    port = int(match.group("port")) if match else _port_in(text)
    address = match.group("address") if match else None
    holders = [
        o.names[0] if o.names else o.id[:12]
        for o in others
        if o.id != c.id and o.state == "running" and port is not None and port in o.published
    ]
    where = f"host port {address}:{port}" if address and port else f"host port {port}" if port else "a host port"
    held = f"container {', '.join(holders)} publishes it" if holders else "a process on the host holds it"
    free = f"`docker stop {holders[0]}`" if holders else f"stop what `ss -ltnp 'sport = :{port}'` names"
    # Never started, it has no bindings to read: its one exposed port is the one meant.
    exposed = {p.container_port for p in c.ports}
    inside = next((p.container_port for p in c.ports if p.host_port == port), None)
    inside = inside or (exposed.pop() if len(exposed) == 1 else port)
    other = f", e.g. `127.0.0.1:{(port or 4566) + 1}:{inside}`" if port else ""
    return Cause(
        "port-allocated",
        f"{where} is already allocated, so Docker could not publish it: {held}",
        f"Free it: {free}; or publish another host port{other}; then {_start(c)}",
        match.group(0) if match else c.error,
    )


def _in_use(c: Container, lines: Sequence[str], others: Sequence[Summary]) -> Cause | None:
    said = next((line for line in reversed(lines) if _IN_USE.search(line)), None)
    if said is None or (c.state == "running" and c.restart_count == 0):
        return None
    port = _port_in(said)
    where = f"port {port}" if port else "its port"
    return Cause(
        "address-in-use",
        f"it could not listen on {where}: another process in its network namespace holds it",
        f"Find the holder with `ss -ltnp` there: a second server in the container, or one sharing its network "
        f"by `network_mode: host` or `service:...`; stop it or move one to another port, then {_start(c)}",
        said,
    )


def _oom(c: Container, lines: Sequence[str], others: Sequence[Summary]) -> Cause | None:
    if not c.oom_killed:
        return None
    if c.memory:
        limit = f"{c.memory / 2**20:g} MiB"
        cause = f"the kernel's OOM killer stopped it at its memory limit of {limit} (State.OOMKilled)"
        more = f"Raise its memory limit ({limit} now: `mem_limit:` or `deploy.resources.limits.memory` in Compose, "
        more += "`docker run --memory`)"
    else:
        cause = "the kernel's OOM killer stopped it, and it has no memory limit: the Docker host ran out of memory"
        more = "Free memory on the Docker host, or give Docker Desktop's VM more,"
    return Cause("oom-killed", cause, f"{more} or make it use less; `docker stats` shows its use; then {_start(c)}")


def _signal(c: Container) -> Cause | None:
    code = c.exit_code
    if code is None or code <= 128 or c.state not in ("exited", "dead", "restarting"):
        return None
    if code == 137 and c.memory:
        # Docker 20.10 on cgroup v2 does not always see the OOM event (nomad#13119 tracks it): with a
        # limit, an unflagged SIGKILL is most likely the OOM killer still.
        limit = f"{c.memory / 2**20:g} MiB"
        return Cause(
            "oom-likely",
            f"exit code 137 is SIGKILL, and it has a memory limit of {limit}: most likely the OOM killer, which "
            "Docker does not always record, else `docker kill` or a `docker stop` past its grace period",
            f"If `docker stats` shows it near {limit}, raise `mem_limit:` or `--memory`; then {_start(c)}",
        )
    if code == 137:
        return Cause(
            "sigkill",
            "exit code 137 is SIGKILL: `docker kill`, a `docker stop` that SIGTERM did not end in time, or an "
            "OOM kill beyond its own limit",
            f"Start it again: {_start(c)}; if a stop killed it, let its process handle SIGTERM (`init: true`) "
            "or raise `stop_grace_period`; `dmesg` shows OOM kills",
        )
    if code == 143:
        return Cause(
            "sigterm",
            "exit code 143 is SIGTERM: it was stopped (`docker stop`, `docker compose stop`)",
            f"Start it again: {_start(c)}",
        )
    try:
        name = signal.Signals(code - 128).name
    except ValueError:
        return None
    return Cause("signal", f"exit code {code} is {name}", None)


def _port_in(text: str) -> int | None:
    found = [int(m.group("port")) for m in _PORT_IN_LINE.finditer(text)]
    return next((p for p in reversed(found) if 0 < p < 65536), None)
