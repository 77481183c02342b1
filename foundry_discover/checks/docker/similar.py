"""The same service under another name: Compose services, container names and aliases near a host.

Pure. A host that names no container may still be one letter, a case or a ``-``/``_`` away
from one that exists (``localstack`` asked, Compose service ``local-stack`` running), or be
a word of its name (``localstack`` in LocalStack's own ``localstack-main``). Docker's DNS
matches names regardless of case (libnetwork, since 2019), so a case difference alone is
found as the target itself. Every network counts: a near name on another network (or the
very name, as an alias there) is named with that network and how to join it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from foundry_discover.checks.docker.endpoint import MOUNT_HINT
from foundry_discover.checks.docker.facts import Container, ContainerTarget, Similar, Summary
from foundry_discover.checks.docker.verdicts import Diagnosis, is_loopback
from foundry_discover.lite.registry import Service

#: Kept at most (the JSON), the closest first; the message names the first IN_MESSAGE.
SHOWN = 3
IN_MESSAGE = 2
_SEPARATORS = re.compile(r"[-_.]")
_SHORT_ID = re.compile(r"[0-9a-f]{12}")
#: Order among equally close names of one container.
_HOW = ("Compose service", "network alias", "container name")


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``a`` to ``b``: optimal string alignment."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


def squash(name: str) -> str:
    """A name without case and separators: ``Local_Stack`` and ``local-stack`` are one."""
    return _SEPARATORS.sub("", name.lower())


def allowed(name: str) -> int:
    """Edits still taken for a slip: none for names of 1-2 characters, where any edit is another name."""
    length = len(squash(name))
    return 0 if length <= 2 else 1 if length <= 4 else 2 if length <= 10 else 3


def closeness(wanted: str, name: str) -> tuple[int, str] | None:
    """How near ``name`` is to ``wanted`` (lower is nearer) and how it differs; None when not near."""
    if name.lower() == wanted.lower():
        # Docker's DNS matches regardless of case; a name not found as the target is an alias elsewhere.
        return -1, "the same name"
    a, b = squash(wanted), squash(name)
    if not a or not b:
        return None
    if a == b:
        return 0, "same name but for case, -, _ or ."
    edits = distance(a, b)
    if edits <= allowed(wanted):
        return edits, f"{edits} edit{'s' if edits > 1 else ''} away"
    words, theirs = _words(wanted), _words(name)
    if min(len(a), len(b)) >= 3 and _within(words, theirs):
        return 10, f"holds {wanted} as a word"
    if min(len(a), len(b)) >= 3 and _within(theirs, words):
        return 10, f"a word of {wanted}"
    return None


def nearby(
    hosts: Sequence[str],
    rows: Iterable[Summary],
    inspected: Mapping[str, Container],
    me: Container | None,
) -> tuple[Similar, ...]:
    """The names near any of ``hosts``, nearest first, one per container (its nearest), at most SHOWN."""
    mine = set(me.network_names) if me is not None else None
    found: list[tuple[tuple[int, int, int, int, str], Similar]] = []
    for row in rows:
        if me is not None and row.id == me.id:
            continue
        best: tuple[tuple[int, int], str, str, str] | None = None
        for how, name in _names(row, inspected.get(row.id)):
            for host in hosts:
                near = closeness(host, name)
                if near is not None and (best is None or (near[0], _HOW.index(how)) < best[0]):
                    best = (near[0], _HOW.index(how)), how, name, near[1]
        if best is None:
            continue
        (rank, how_rank), how, name, differs = best
        shared = bool(mine & set(row.networks)) if mine is not None else None
        similar = Similar(
            name, how, row.names[0] if row.names else row.id[:12], row.project, row.networks, row.state, differs, shared
        )
        key = (rank, 0 if shared is not False else 1, 0 if row.state == "running" else 1, how_rank, name)
        found.append((key, similar))
    found.sort(key=lambda pair: pair[0])
    return tuple(s for _, s in found[:SHOWN])


def near_name(service: Service, step: str, target: ContainerTarget | None, inside: bool) -> Diagnosis | None:
    """The host names no container, but others are near it: which, on which network, and the setting."""
    if step != "resolve" or target is None or target.container is not None or not target.similar:
        return None
    best = target.similar[0]
    near = "; ".join(_described(s) for s in target.similar[:IN_MESSAGE])
    cause = f"no container or alias is named {target.host}; {near}"
    fix = f"Set {service.host_env}={best.name}"
    if not inside:
        fix = f"From the host use {service.host_env}=localhost and the port `docker port {best.container}` shows"
    elif best.shared is False:
        network = _first(best.networks)
        fix += f", and put this container on network {network} (`docker network connect {network}`, or `networks:`)"
    if best.state != "running":
        start = (
            f"docker compose up -d {best.name}" if best.how == "Compose service" else f"docker start {best.container}"
        )
        fix += f"; it is {best.state}: start it (`{start}`)"
    return Diagnosis("docker-similar-name", cause, fix)


def localhost_fix(service: Service, target: ContainerTarget | None) -> str | None:
    """Inside a container, for localhost: the near name to set instead, when one is near the usual name."""
    if target is None or target.container is not None or not target.similar or not is_loopback(service.host):
        return None
    best = target.similar[0]
    where = ", ".join(best.networks) or "no network"
    return (
        f"Set {service.host_env}={best.name}, the {best.how} on network {where} whose name is near "
        f"{target.host}, and {service.port_env} to its container port"
    )


def without_api(service: Service, inside: bool) -> str | None:
    """What would tell the service's real name when no Docker API answers (a hint beside the fix)."""
    if is_loopback(service.host) or (not inside and "." in service.host):
        return None
    return (
        "`docker compose ps` (or `docker ps`) on the Docker host lists the names containers really have; "
        f"with the Docker socket mounted read-only ({MOUNT_HINT}) doctor names the ones near {service.host}"
    )


def _described(s: Similar) -> str:
    state = f", {s.state}" if s.state != "running" else ""
    where = ", ".join(s.networks) or "no network"
    # How it differs is in the JSON: beside the name asked, the reader sees it.
    return f"on network {where} there is `{s.name}` ({s.how}{state})"


def _first(networks: Sequence[str]) -> str:
    return next((n for n in networks if n not in ("host", "none", "bridge")), networks[0] if networks else "?")


def _names(row: Summary, inspected: Container | None) -> list[tuple[str, str]]:
    names = [("Compose service", row.service)] if row.service else []
    names += [("container name", n) for n in row.names]
    if inspected is not None:
        own = {row.service, *row.names}
        aliases = {a for n in inspected.networks for a in n.aliases if a not in own and not _SHORT_ID.fullmatch(a)}
        names += [("network alias", a) for a in sorted(aliases)]
    return names


def _words(name: str) -> list[str]:
    return [w for w in _SEPARATORS.split(name.lower()) if w]


def _within(part: list[str], whole: list[str]) -> bool:
    """``part`` is a run of whole words of ``whole`` (``localstack`` in ``localstack-main``)."""
    n = len(part)
    return 0 < n < len(whole) and any(whole[i : i + n] == part for i in range(len(whole) - n + 1))
