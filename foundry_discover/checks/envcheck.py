"""What the environment says beyond the registry's own two variables per service.

Pure functions over a mapping, returning data; ``render`` words them into output:

- Kubernetes service links: the variables a kubelet injects for every Service in the
  pod's namespace (``<SVC>_SERVICE_HOST``, ``<SVC>_SERVICE_PORT``, ``<SVC>_PORT=tcp://...``),
  read as evidence of which Services existed when the pod started;
- what ``ENVIRONMENT`` means to the seed's application, which compares it exactly;
- variables that look like registry settings but that the registry never reads;
- an AWS region that is not a region's shape, or that botocore does not know.

Standard library only at import time (``url --explain`` uses it); botocore's region data
is loaded inside the one function that needs it.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from foundry_discover.lite.rawvalue import BOM, bom_warning
from foundry_discover.lite.values import host_var, parse_service_link, port_var

#: The values the seed's backend tests with ``in``: exact, case and spaces included.

_LINK_HOST_RE = r"^([A-Z][A-Z0-9_]*)_SERVICE_HOST$"
_LINK_PORTS_RE = r"^([A-Z][A-Z0-9_]*)_PORT_([0-9]{1,5})_(TCP|UDP|SCTP)$"
_SVC_PORT_RE = r"^SVC_([A-Z][A-Z0-9_]*)_PORT$"
_REGISTRY_HOST_RE = r"^SVC_[A-Z][A-Z0-9_]*_HOST$"
#: AWS's region names: an area (us, eu, eusc...), qualifiers (gov, iso...), a direction, a number.
_REGION_RE = r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$"
#: The Service every namespace has: its variables say nothing about service links being on.
KUBERNETES_PREFIX = "KUBERNETES"


@dataclass(frozen=True)
class Finding:
    """One variable worth a warning: what it is, why it matters, and what to set instead."""

    variable: str
    message: str
    #: The variable the registry (or the application) reads instead, if there is one.
    reads: str | None = None

    def __str__(self) -> str:
        return self.message


# ---- Kubernetes service links -----------------------------------------------------------------


@dataclass(frozen=True)
class LinkedService:
    """A Service as its kubelet-injected variables describe it."""

    service: str
    prefix: str
    cluster_ip: str
    port: int | None
    ports: tuple[int, ...]


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def linked_services(env: Mapping[str, str]) -> dict[str, LinkedService]:
    """Every Service the kubelet injected variables for, keyed by the variable prefix."""
    ports: dict[str, set[int]] = {}
    for key in env:
        match = re.match(_LINK_PORTS_RE, key)
        if match:
            ports.setdefault(match.group(1), set()).add(int(match.group(2)))
    found: dict[str, LinkedService] = {}
    for key, value in env.items():
        match = re.match(_LINK_HOST_RE, key)
        if not match:
            continue
        prefix = match.group(1)
        first = _int(env.get(f"{prefix}_SERVICE_PORT", "").strip())
        every = set(ports.get(prefix, set())) | ({first} if first else set())
        service = prefix.lower().replace("_", "-")
        found[prefix] = LinkedService(service, prefix, value.strip(), first, tuple(sorted(every)))
    return found


def in_pod(env: Mapping[str, str]) -> bool:
    """Every pod gets KUBERNETES_SERVICE_HOST, service links on or off."""
    return bool(env.get("KUBERNETES_SERVICE_HOST", "").strip())


def links_enabled(env: Mapping[str, str]) -> bool:
    """Service links are on when some Service besides ``kubernetes`` has variables."""
    return any(prefix != KUBERNETES_PREFIX for prefix in linked_services(env))


def service_prefix(host: str, namespace: str | None) -> str | None:
    """The variable prefix a Service reached by ``host`` would have, if it is in this namespace.

    Service links cover the pod's own namespace only: ``name``, ``name.NS`` and
    ``name.NS.svc...`` count when NS is the pod's namespace; any other name tells nothing.
    """
    name = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    labels = name.split(".")
    if len(labels) > 1 and (namespace is None or labels[1] != namespace):
        return None
    if len(labels) > 2 and labels[2] != "svc":
        return None
    return labels[0].upper().replace("-", "_")


Evidence = Literal["service-exists", "port-differs", "no-service"]


@dataclass(frozen=True)
class LinkEvidence:
    kind: Evidence
    message: str
    variable: str
    #: For "port-differs": the Service's first port, the likely right value.
    port: int | None = None


def link_evidence(
    host: str,
    port: int | None,
    env: Mapping[str, str],
    *,
    namespace: str | None = None,
    dns_failed: bool = False,
    port_from: str = "",
) -> list[LinkEvidence]:
    """What the service-link variables say about the Service behind ``host``; free, no API."""
    if not in_pod(env):
        return []
    prefix = service_prefix(host, namespace)
    if prefix is None:
        return []
    links = linked_services(env)
    linked = links.get(prefix)
    variable = f"{prefix}_SERVICE_HOST"
    name = prefix.lower().replace("_", "-")
    out: list[LinkEvidence] = []
    if linked is None:
        if links_enabled(env):
            out.append(
                LinkEvidence(
                    "no-service",
                    f"{variable} is not set: there was no Service {name} in this namespace when this pod started "
                    "(weak evidence: a Service created after the pod has no variables in it, and a headless one "
                    "(clusterIP: None) never has; with no ready pods, a headless Service's name does not resolve)",
                    variable,
                )
            )
        return out
    if dns_failed:
        out.append(
            LinkEvidence(
                "service-exists",
                f"Kubernetes injected {variable}={linked.cluster_ip} when this pod started: Service {name} exists "
                f"in this namespace (ClusterIP {linked.cluster_ip}), so the problem is DNS, not the Service",
                variable,
            )
        )
    if port is not None and linked.ports and port not in linked.ports:
        serves = ", ".join(str(p) for p in linked.ports)
        where = f" (from {port_from})" if port_from else ""
        out.append(
            LinkEvidence(
                "port-differs",
                f"Service {name} serves port {serves} ({prefix}_SERVICE_PORT={linked.port}), "
                f"but the registry uses port {port}{where}",
                f"{prefix}_SERVICE_PORT",
                linked.port or linked.ports[0],
            )
        )
    return out


# ---- ENVIRONMENT -------------------------------------------------------------------------------


# ---- variables the registry never reads ----------------------------------------------------------


def unread_variables(env: Mapping[str, str], names: Iterable[str]) -> list[Finding]:
    """Set variables that look like registry settings, but that nothing reads.

    ``names`` are the registry's service names (LOCALSTACK, REDIS, ...). A variable a
    kubelet injected (``<SVC>_PORT=tcp://...``) is left out: nobody set it by mistake.
    """
    known = list(dict.fromkeys(names))
    found: list[Finding] = []
    seen: set[str] = set()

    def add(variable: str, message: str, reads: str | None) -> None:
        if variable not in seen:
            seen.add(variable)
            found.append(Finding(variable, message, reads))

    for name in known:
        host, port, lower = host_var(name), port_var(name), name.lower()
        own = f"{name}_HOST"
        if own in env:
            if name == "LOCALSTACK":
                add(
                    own,
                    f"{own} is LocalStack's own setting (the host:port it puts into URLs it returns), and the "
                    f"registry never reads it: the registry reads {host} (host) and {port} (port)",
                    host,
                )
            else:
                add(own, f"{own} is never read: the registry reads {host} for {lower}'s host", host)
        for suffix in ("URL", "ENDPOINT", "ENDPOINT_URL"):
            variable = f"{name}_{suffix}"
            if variable not in env:
                continue
            before = (
                ' (the seed\'s "before" pattern, os.getenv("LOCALSTACK_ENDPOINT", ...))'
                if variable == "LOCALSTACK_ENDPOINT"
                else ""
            )
            add(
                variable,
                f"{variable} is never read{before}: the registry builds {lower}'s URL from {host} and {port}",
                host,
            )
    registry_vars = {v for name in known for v in (host_var(name), port_var(name))} | {"ENVIRONMENT"}
    for key in env:
        # The registry warns about its own variables (lite.rawvalue); this covers every other one.
        if key.startswith(BOM) and key[1:] not in registry_vars - {"ENVIRONMENT"}:
            glued = bom_warning(key[1:], env)
            if glued is not None:
                add(key, str(glued), key[1:])
    for key, value in env.items():
        match = re.match(_SVC_PORT_RE, key)
        if match and parse_service_link(key, value) is None:
            reads = port_var(match.group(1))
            add(key, f"{key} is never read: the registry reads {reads} for the port", reads)
            continue
        upper = key.upper()
        if key != upper and (upper in registry_vars or re.match(_REGISTRY_HOST_RE, upper)):
            add(key, f"{key} is never read: variable names are case-sensitive; set {upper} instead", upper)
    return found


# ---- the AWS region ------------------------------------------------------------------------------


def region_suggestion(region: str) -> str | None:
    """``eu-west1`` -> ``eu-west-1``, ``us-east-1a`` (a zone) -> ``us-east-1``; None when unsure."""
    text = region.strip().lower()
    zone = re.match(r"^([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})[a-z]$", text)
    if zone:
        return zone.group(1)
    glued = re.match(r"^([a-z]{2}(?:-[a-z]+)*-[a-z]+?)([0-9]{1,2})$", text)
    if glued and not text[: -len(glued.group(2))].endswith("-"):
        return f"{glued.group(1)}-{glued.group(2)}"
    return None


def region_warning(region: str, variable: str, known: Iterable[str] | None = None) -> str | None:
    """A warning for a region that is not a region's shape, or (given ``known``) not a known region."""
    names = None if known is None else set(known)
    if names is not None and region in names:
        return None
    if re.match(_REGION_RE, region):
        if names is None:
            return None
        close = difflib.get_close_matches(region, sorted(names), n=1, cutoff=0.8)
        hint = f"; did you mean {close[0]}?" if close else " (a region newer than this botocore, or a typo?)"
        return f"{variable}={region!r} is not a region botocore knows{hint}"
    suggestion = region_suggestion(region)
    hint = f"; did you mean {suggestion}?" if suggestion else " (e.g. us-east-1)"
    return f"{variable}={region!r} is not shaped like an AWS region{hint}"


def botocore_regions() -> set[str]:
    """Every region in botocore's partitions data (its endpoints.json), offline."""
    from botocore.loaders import create_loader

    data = create_loader().load_data("endpoints")
    return {region for partition in data.get("partitions", []) for region in partition.get("regions", {})}


def region_warnings(env: Mapping[str, str], known: Iterable[str] | None = None) -> list[Finding]:
    """``AWS_REGION`` and ``AWS_DEFAULT_REGION``, each checked when set."""
    names = None if known is None else set(known)
    out: list[Finding] = []
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = (env.get(variable) or "").strip()
        if value:
            message = region_warning(value, variable, names)
            if message:
                out.append(Finding(variable, message, None))
    return out


# ---- near-miss host names -------------------------------------------------------------------------


def near_miss(host: str, known: Mapping[str, str]) -> tuple[str, str] | None:
    """A name in ``known`` (name -> where it is known from) that ``host`` is probably a typo of."""
    text = host.rstrip(".").lower()
    first = text.split(".", 1)[0]
    every = {k.lower() for k in known if k}
    if text in every or first in {n.split(".", 1)[0] for n in every}:
        return None
    names = {k.lower(): v for k, v in known.items() if k}
    close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.8)
    if not close:
        by_label = {n.split(".", 1)[0]: n for n in names}
        labels = difflib.get_close_matches(first, list(by_label), n=1, cutoff=0.8)
        close = [by_label[labels[0]]] if labels else []
    return (close[0], names[close[0]]) if close else None


def known_hosts(env: Mapping[str, str], registry_hosts: Mapping[str, str]) -> dict[str, str]:
    """Names the registry and the runtime know: registry hosts and Services from service links."""
    known = dict(registry_hosts)
    for prefix, linked in linked_services(env).items():
        if prefix != KUBERNETES_PREFIX:
            known.setdefault(linked.service, f"Service {linked.service} ({prefix}_SERVICE_HOST)")
    return known
