"""Kubernetes Services as a pod sees them without the API: ClusterIPs, endpoints, Services gone.

A pod knows three things of its Services for free: the variables the kubelet injected when
it started (``<SVC>_SERVICE_HOST``...; ``envcheck`` reads them), its resolver's search list
(``<namespace>.svc.<cluster domain>``), and what a connection to a ClusterIP does.

kube-proxy gives a Service with no ready endpoints a rule that rejects its ClusterIP and
port: in iptables mode ``-A KUBE-SERVICES -m comment --comment "NS/NAME:PORT has no endpoints"
-m tcp -p tcp -d CLUSTERIP --dport PORT -j REJECT`` in the filter table, which the OUTPUT and
FORWARD chains jump to for new connections (pkg/proxy/iptables/proxier.go); REJECT answers
with ICMP port-unreachable, which a TCP connect sees at once as ECONNREFUSED. nftables mode
does the same through its ``no-endpoint-services`` map and ``reject-chain``, and also rejects
ports a ClusterIP does not serve. A Service whose ``internalTrafficPolicy`` is Local and that
has no ready endpoint on this node gets ``-j DROP`` ("has no local endpoints"): the connect
hangs. So "refused" at a ClusterIP does not mean "nothing listens": it means the Service's
endpoints, and the fix is there, not in the client.

The kubelet injects no variables for a headless Service (clusterIP: None), and the cluster
DNS answers NXDOMAIN for a headless Service with no ready pods (the DNS specification,
kubernetes/dns#245). So an NXDOMAIN for a name whose variables exist means the Service is
gone since the pod started (or was replaced by a headless one with no ready pods).

Pure functions over the environment and the resolver files; nothing here asks the network,
so a connect that used up the deadline is still explained.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from foundry_discover.checks.dns.conf import (
    candidate_names,
    files_before_dns,
    hosts_file_addresses,
    hosts_sources,
    parse_resolv_conf,
)
from foundry_discover.checks.dns.inputs import Inputs, is_ip
from foundry_discover.checks.dns.verdict import context_of
from foundry_discover.checks.envcheck import KUBERNETES_PREFIX, LinkedService, in_pod, linked_services

#: What ``lite.net.connect`` (and the emulator's HTTP client) say for each way a connect fails.
_REFUSED = "refused the connection"
_TIMED_OUT = "timed out after"

ConnectHow = Literal["refused", "timeout"]
#: ``no-endpoints``: refused, the Service has no ready endpoints (or a targetPort nobody
#: listens on); ``no-local-endpoints``: dropped (internalTrafficPolicy Local) or blocked;
#: ``port-not-served``: the port is not one of the Service's ports.
CauseKind = Literal["no-endpoints", "no-local-endpoints", "port-not-served"]


@dataclass(frozen=True)
class PodView:
    """What this pod knows of the cluster without its API."""

    env: Mapping[str, str]
    namespace: str | None
    cluster_domain: str | None
    search: tuple[str, ...]
    ndots: int
    hosts: str | None
    #: The hosts file comes before DNS (nsswitch.conf): a name it lists is not the cluster's.
    files_first: bool

    @classmethod
    def read(cls, env: Mapping[str, str], namespace: str | None = None, inputs: Inputs | None = None) -> PodView:
        inputs = inputs or Inputs.from_system(env)
        config = parse_resolv_conf(inputs.resolv_conf, env, inputs.hostname)
        context = context_of(config)
        return cls(
            env,
            namespace or context.k8s_namespace,
            context.cluster_domain,
            tuple(config.search),
            config.ndots,
            inputs.hosts,
            files_before_dns(hosts_sources(inputs.nsswitch)[0]),
        )

    @property
    def in_cluster(self) -> bool:
        return in_pod(self.env) or self.cluster_domain is not None


# ---- names -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceName:
    """A Service a host name stands for: ``NAME.NAMESPACE.svc.<cluster domain>``."""

    service: str
    namespace: str
    fqdn: str
    #: The host is shorter and the pod's search list completes it.
    via_search: bool
    #: Written in full, or the first name the search list asks: nothing else could have answered.
    #: Else (``db.prod`` asks ``db.prod.svc.<cluster>`` second) an outside name may have.
    sure: bool = True

    def words(self, host: str) -> str:
        if self.via_search:
            return f"the pod's search list makes {host} {self.fqdn}"
        return f"{self.fqdn} is a Service name"


def _under(name: str, cluster: str) -> bool:
    return name == cluster or name.endswith(f".{cluster}")


def _as_service(name: str, cluster: str) -> tuple[str, str] | None:
    """``NAME.NAMESPACE.svc.<cluster>`` -> (NAME, NAMESPACE); a pod's name under a headless one is not."""
    if not name.endswith(f".{cluster}"):
        return None
    labels = name[: -len(cluster) - 1].split(".")
    if len(labels) == 3 and labels[2] == "svc" and all(labels):
        return labels[0], labels[1]
    return None


def service_name(host: str, view: PodView) -> ServiceName | None:
    """The Service ``host`` names as this pod's resolver looks it up, or None.

    A name written in full counts as it is. A shorter one goes through the search list:
    the names under the cluster domain before the first Service-shaped one are answered by
    the cluster DNS itself (NXDOMAIN, usually), so that Service is the one that answered;
    a name outside the cluster domain tried earlier could have answered instead, so then
    nothing is claimed. A name the hosts file gives first is the hosts file's, not a Service.
    """
    cluster = view.cluster_domain
    if cluster is None or is_ip(host):
        return None
    name = host.lower()
    full = _as_service(name.rstrip("."), cluster)
    if full is not None:
        return ServiceName(full[0], full[1], name.rstrip("."), via_search=False)
    if name.endswith(".") or (view.files_first and hosts_file_addresses(view.hosts, name)):
        return None
    for index, candidate in enumerate(candidate_names(name, list(view.search), view.ndots)):
        found = _as_service(candidate, cluster)
        if found is not None:
            return ServiceName(found[0], found[1], candidate, via_search=True, sure=index == 0)
        if not _under(candidate, cluster):
            return None
    return None


# ---- addresses -------------------------------------------------------------------------------


def _plain(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return address


def service_range(env: Mapping[str, str]) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A guess at the Service range: KUBERNETES_SERVICE_HOST is its first address, its size unknown.

    A /16 for IPv4 (kubeadm's default 10.96.0.0/12 holds it, kind uses 10.96.0.0/16) and
    a /112 for IPv6 (the usual size); only ever worded as "likely".
    """
    try:
        first = ipaddress.ip_address(env.get(f"{KUBERNETES_PREFIX}_SERVICE_HOST", "").strip())
    except ValueError:
        return None
    return ipaddress.ip_network(f"{first}/{16 if first.version == 4 else 112}", strict=False)


@dataclass(frozen=True)
class ClusterIp:
    """Evidence that an address is a Service's ClusterIP, and whose."""

    address: str
    #: The Service and its namespace, when the evidence names them.
    service: str | None
    namespace: str | None
    #: The evidence in words, ready for a message: "10.96.0.50 is the ClusterIP of ...".
    text: str
    #: Only a guess (the address range), or the name alone (a headless Service's pods too).
    likely: bool
    #: The Service's ports from its variables; empty when unknown.
    ports: tuple[int, ...] = ()
    variable: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "service": self.service,
            "namespace": self.namespace,
            "likely": self.likely,
            "ports": list(self.ports),
            "variable": self.variable,
        }


def _linked_by_address(address: str, env: Mapping[str, str]) -> tuple[str, LinkedService] | None:
    for prefix, linked in sorted(linked_services(env).items()):
        if _plain(linked.cluster_ip) == address:
            return prefix, linked
    return None


def cluster_ip(host: str, address: str, view: PodView) -> ClusterIp | None:
    """Why ``address`` (``host``'s) is a ClusterIP, strongest evidence first; None without any.

    1. It is some Service's injected ``<SVC>_SERVICE_HOST``: certain, and names the Service.
    2. ``host`` is a Service's name (in full, or through the pod's search list), and the
       address is in the range KUBERNETES_SERVICE_HOST suggests.
    3. ``host`` is surely a Service's name, the range unknown or elsewhere: its ClusterIP, or
       a pod's own address if the Service is headless.
    4. Only the range: likely a ClusterIP.
    """
    if not view.in_cluster:
        return None
    plain = _plain(address)
    linked = _linked_by_address(plain, view.env)
    if linked is not None:
        prefix, service = linked
        variable = f"{prefix}_SERVICE_HOST"
        text = f"{plain} is the ClusterIP of Service {service.service} ({variable}={service.cluster_ip})"
        return ClusterIp(plain, service.service, view.namespace, text, False, service.ports, variable)
    network = service_range(view.env)
    in_range = network is not None and is_ip(plain) and ipaddress.ip_address(plain) in network
    first = view.env.get(f"{KUBERNETES_PREFIX}_SERVICE_HOST", "").strip()
    range_words = f"{plain} is in {network}, the range KUBERNETES_SERVICE_HOST={first} suggests"
    name = service_name(host, view)
    if name is not None and in_range:
        text = f"{plain} is the ClusterIP of Service {name.service} ({name.words(host)}, and {range_words})"
        return ClusterIp(plain, name.service, name.namespace, text, False)
    if name is not None and name.sure:
        text = (
            f"{plain} is Service {name.service}'s address ({name.words(host)}): its ClusterIP, "
            "or a pod's own address if the Service is headless"
        )
        return ClusterIp(plain, name.service, name.namespace, text, True)
    if in_range:
        return ClusterIp(plain, None, view.namespace, f"{plain} is likely a ClusterIP ({range_words}: a guess)", True)
    return None


# ---- a connect that failed -------------------------------------------------------------------


def connect_how(message: str) -> ConnectHow | None:
    """Refused or hung, from the connect error's own words; None for the other failures."""
    if _REFUSED in message:
        return "refused"
    if _TIMED_OUT in message:
        return "timeout"
    return None


@dataclass(frozen=True)
class ConnectCause:
    """A failed connect to a ClusterIP, explained: the step's new detail and fix."""

    kind: CauseKind
    detail: str
    #: None: keep the fix the step has (the registry's port against the Service's is set elsewhere).
    fix: str | None
    evidence: ClusterIp

    def to_json(self) -> dict[str, Any]:
        return {"cause": self.kind, **self.evidence.to_json()}


def _find(found: ClusterIp) -> tuple[str, str, str]:
    """The Service's name and namespace for commands, and how to find them when unknown."""
    namespace = found.namespace or "NAMESPACE"
    if found.service is not None:
        return found.service, namespace, ""
    return "NAME", namespace, f"Find the Service: kubectl get svc -A -o wide | grep -w {found.address}; then "


def refused_fix(found: ClusterIp) -> str:
    name, ns, first = _find(found)
    svc = f"kubectl get svc {name} -n {ns} -o jsonpath="
    return (
        f"{first}See its endpoints: kubectl get endpointslices -l kubernetes.io/service-name={name} -n {ns}; "
        f"none ready: compare {svc}'{{.spec.selector}}' with kubectl get pods -n {ns} --show-labels, and "
        f"kubectl describe pod POD -n {ns} says why one is not ready; some ready: the Service's targetPort "
        f"({svc}'{{.spec.ports}}') must be the pod's containerPort"
    )


def dropped_fix(found: ClusterIp) -> str:
    name, ns, first = _find(found)
    return (
        f"{first}See which endpoints are ready, and on which node: kubectl describe endpointslices "
        f"-l kubernetes.io/service-name={name} -n {ns}; the Service's policy: kubectl get svc {name} -n {ns} "
        f"-o jsonpath='{{.spec.internalTrafficPolicy}}'; and what may block it: kubectl get networkpolicy -n {ns}"
    )


def connect_failure(host: str, port: int, address: str, message: str, view: PodView) -> ConnectCause | None:
    """``message`` (a refused or hung connect to ``address``) explained when the address is a ClusterIP."""
    how = connect_how(message)
    found = cluster_ip(host, address, view) if how is not None else None
    if how is None or found is None:
        return None
    head = f"{found.address}:{port} refused the connection" if how == "refused" else message
    if found.ports and port not in found.ports:
        serves = ", ".join(str(p) for p in found.ports)
        detail = (
            f"{head}: {found.text}, but port {port} is not one of its ports ({serves}): kube-proxy refuses "
            "such connections in nftables mode and drops them in iptables mode"
        )
        return ConnectCause("port-not-served", detail, None, found)
    if how == "refused":
        detail = (
            f"{head}: {found.text}, and kube-proxy refuses a Service without ready endpoints (no pod matches its "
            "selector, or none is ready); a targetPort the pod does not listen on is refused too"
        )
        return ConnectCause("no-endpoints", detail, refused_fix(found), found)
    detail = (
        f"{head}: {found.text}, and kube-proxy drops connections to a Service with internalTrafficPolicy: "
        "Local and no ready endpoint on this node (a NetworkPolicy, or a pod that never answers, looks the same)"
    )
    return ConnectCause("no-local-endpoints", detail, dropped_fix(found), found)


# ---- a name that does not resolve ------------------------------------------------------------


def gone_service(linked: LinkedService, variable: str, namespace: str | None, cluster: str | None) -> tuple[str, str]:
    """NXDOMAIN for a Service whose variables this pod holds: deleted since, or headless now."""
    ns = namespace or "NAMESPACE"
    name = linked.service
    fqdn = f"{name}.{ns}.svc.{cluster or 'cluster.local'}"
    cause = (
        f"Kubernetes injected {variable}={linked.cluster_ip} when this pod started, so Service {name} existed "
        f"then, but the cluster DNS says {fqdn} does not exist: the Service was deleted since, or replaced by a "
        "headless one (clusterIP: None) with no ready pods"
    )
    fix = (
        f"Check it: kubectl get svc {name} -n {ns}; if it is gone, recreate it and restart this pod (its "
        f"variables keep the old ClusterIP {linked.cluster_ip}); if it is headless, see its pods' readiness: "
        f"kubectl get endpointslices -l kubernetes.io/service-name={name} -n {ns}"
    )
    return cause, fix
