"""`resolve`: what the application gets for a name, the DNS walk behind it, and why.

Three views of one name:

- the application's: ``socket.getaddrinfo`` (glibc: hosts file, search list, ndots,
  nsswitch.conf), run in a worker thread so a silent nameserver cannot hang us;
- the hosts file and the ``hosts:`` line of nsswitch.conf, to say where the answer came from;
- the DNS trace: glibc's candidate walk rebuilt by hand (dnspython's resolver stops on
  no-data and SERVFAIL where glibc goes on), one question per name, type and nameserver,
  each with a timeout.

The verdict names the likely cause (Docker's embedded DNS, a Kubernetes namespace,
hosts file versus DNS, a silent or failing nameserver) and the fix. dnspython is
imported inside the functions that query, never at module level.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from foundry_discover.checks.dns.conf import (
    Nameserver,
    files_before_dns,
    hosts_file_addresses,
    hosts_sources,
    parse_resolv_conf,
)
from foundry_discover.checks.dns.inputs import Inputs, is_ip, target
from foundry_discover.checks.dns.lookup import app_lookup
from foundry_discover.checks.dns.model import (
    HOSTS,
    RESOLV_CONF,
    AppView,
    DnsVerdict,
    HostsView,
    NameTarget,
    ResolveReport,
    plain_address,
)
from foundry_discover.checks.dns.verdict import context_of, judge
from foundry_discover.checks.dns.walk import walk
from foundry_discover.lite.errors import EXIT_OK, ConfigError
from foundry_discover.lite.registry import Registry

if TYPE_CHECKING:
    pass


# ---- inputs ----------------------------------------------------------------------------------


# ---- the application's view ------------------------------------------------------------------


# ---- one DNS question ------------------------------------------------------------------------


# ---- glibc's walk ----------------------------------------------------------------------------


# ---- the whole report ------------------------------------------------------------------------


def resolve(
    name: str,
    registry: Registry,
    *,
    record_type: str | None = None,
    nameservers: list[Nameserver] | None = None,
    timeout: float = 2.0,
    inputs: Inputs | None = None,
    progress: Callable[[str], None] | None = None,
) -> ResolveReport:
    """Everything ``resolve NAME`` reports. Never raises for a name that fails to resolve."""
    goal = target(name, registry)
    inputs = inputs or Inputs.from_system(registry.env)
    report = trace(name, goal, inputs, record_type, nameservers, timeout, progress)
    port = port_from = None
    if goal.service is not None:
        service = registry.get(goal.service)
        port, port_from = service.port, str(service.port_source)
    add_evidence(report, inputs.env, registry_hosts(registry), port, port_from or "")
    return report


def trace(
    name: str,
    goal: NameTarget,
    inputs: Inputs,
    record_type: str | None,
    nameservers: list[Nameserver] | None,
    timeout: float,
    progress: Callable[[str], None] | None,
    app_failed: str | None = None,
) -> ResolveReport:
    """``app_failed``: the caller's own getaddrinfo already failed this way, so it is not repeated."""
    host = goal.host
    types = [record_type] if record_type else ["A", "AAAA"]
    config = parse_resolv_conf(inputs.resolv_conf, inputs.env, inputs.hostname, str(RESOLV_CONF))
    if nameservers:
        config.nameservers = list(nameservers)
        config.sources["nameservers"] = "--nameserver"
    sources, from_file = hosts_sources(inputs.nsswitch)
    hosts = HostsView(
        str(HOSTS), hosts_file_addresses(inputs.hosts, host), list(sources), from_file, files_before_dns(sources)
    )
    report = ResolveReport(
        name, goal, types, AppView(False), hosts, config, bool(nameservers), [], DnsVerdict(False, "", ""), EXIT_OK
    )
    report.timeout = timeout
    if is_ip(host):
        report.app = AppView(True, addresses=[host], source="literal")
        report.verdict = DnsVerdict(True, "ip-address", f"{host} is an IP address: there is nothing to resolve")
        return report
    if nameservers:
        report.app.skipped_because = "--nameserver asks that server directly; the application would not"
    elif record_type not in (None, "A", "AAAA"):
        report.app.skipped_because = f"applications look {record_type} records up with a DNS library"
    elif app_failed is not None:
        report.app = AppView(True, error=app_failed)
    else:
        if progress:
            progress(f"getaddrinfo({host})")
        report.app = app_lookup(host, timeout)
    report.candidates, report.stopped = walk(host, types, config, timeout, progress)
    _attribute_source(report)
    report.verdict, report.exit_code = judge(report)
    return report


def _attribute_source(report: ResolveReport) -> None:
    """Say where getaddrinfo's answer came from: hosts file, DNS or another NSS source."""
    app = report.app
    if not app.ok:
        return
    got = {plain_address(a) for a in app.addresses}
    in_hosts = {plain_address(a) for a in report.hosts.addresses}
    answer = report.answer
    in_dns = {plain_address(a) for a in answer.addresses} if answer else set()
    if in_hosts and got <= in_hosts and "files" in report.hosts.nsswitch_sources:
        app.source = "hosts file"
    elif in_dns and got <= in_dns:
        app.source = "dns"
    elif "dns" in report.hosts.nsswitch_sources and not in_hosts:
        # DNS answered the application but not our walk (say, a round-robin reorder or a
        # record that changed in between): still DNS, by elimination.
        app.source = "dns"
    else:
        app.source = "another nsswitch source"


# ---- the verdict -----------------------------------------------------------------------------


def registry_hosts(registry: Registry) -> dict[str, str]:
    """Every host the registry declares by default: what a typo is checked against.

    The declared default counts even when a variable overrides it: ``SVC_LOCALSTACK_HOST=localstak``
    is a typo of the default ``localstack``.
    """
    known: dict[str, str] = {}
    try:
        specs = registry.specs()
    except ConfigError:
        return known
    for name, spec in sorted(specs.items()):
        if spec.host:
            known.setdefault(spec.host, f"the registry's default host for {name.lower()}")
    return known


#: The verdicts of a name that the nameservers say does not exist.
_SAID_NO = ("nxdomain", "kubernetes-not-found")


def add_evidence(
    report: ResolveReport,
    env: Mapping[str, str],
    registry_known: Mapping[str, str],
    port: int | None = None,
    port_from: str = "",
) -> list[str]:
    """What Kubernetes' service-link variables and near-miss names add to the verdict (returns the notes added).

    Free evidence, no API: a kubelet injects ``<SVC>_SERVICE_HOST`` for every Service in the
    namespace when the pod starts. When DNS fails for a Service that has them, DNS is the
    problem, and the verdict says so instead of "there is no Service".
    """
    from foundry_discover.checks.envcheck import known_hosts, link_evidence, linked_services, near_miss

    verdict = report.verdict
    added: list[str] = []
    failed = not verdict.resolved and report.target.host != ""
    context = context_of(report.config)
    namespace = context.k8s_namespace
    for found in link_evidence(
        report.host, port, env, namespace=namespace, dns_failed=failed and not is_ip(report.host), port_from=port_from
    ):
        if found.kind == "service-exists" and verdict.kind in _SAID_NO:
            # The cluster DNS answers for every Service it knows: its "no" outranks the
            # variables, which are a snapshot of when the pod started.
            from foundry_discover.checks.kube import gone_service

            linked = linked_services(env)[found.variable.removesuffix("_SERVICE_HOST")]
            verdict.cause, verdict.fix = gone_service(linked, found.variable, namespace, context.cluster_domain)
        elif found.kind == "service-exists":
            if verdict.cause:
                verdict.notes.insert(0, f"DNS's verdict was: {verdict.cause}")
            verdict.cause = found.message
            verdict.fix = (
                "Check the cluster DNS (kubectl -n kube-system get pods -l k8s-app=kube-dns) and the pod's "
                "dnsPolicy and dnsConfig; the Service's ClusterIP works meanwhile"
            )
        elif failed or found.kind == "port-differs":
            verdict.notes.append(found.message)
            added.append(found.message)
    if not failed:
        return added
    miss = near_miss(report.host, known_hosts(env, registry_known))
    if miss is not None:
        name, where = miss
        setting = f"set {report.host_variable}={name}" if report.host_variable else f"use {name}"
        typo = f"{report.host.rstrip('.')} looks like a typo of {name} ({where})"
        if verdict.cause:
            verdict.notes.insert(0, verdict.cause)
        verdict.cause = typo
        verdict.fix = f"If you meant {name}, {setting}"
    return added
